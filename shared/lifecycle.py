"""`with` for things that start and stop: servers on loopback, child processes, whole test worlds.

class SimulatorServer(Lifecycle):
    def start(self) -> SimulatorServer: ...
    def stop(self) -> None: ...

with SimulatorServer("demo") as sim:   # started here, stopped when the block ends
    ...
"""

from __future__ import annotations

import signal
import threading
from abc import ABC, abstractmethod
from types import FrameType, TracebackType
from typing import Self


class Lifecycle(ABC):
    """`with thing:` starts it and stops it when the block ends, whatever happened inside."""

    @abstractmethod
    def start(self) -> object:
        """Start (returns once it is ready)."""

    @abstractmethod
    def stop(self) -> object:
        """Stop; safe to call twice."""

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def stop_on_signals() -> threading.Event:
    """An event that SIGINT (Ctrl-C) or SIGTERM sets, for a command serving until told to stop.

    Call it from the main thread: Python installs signal handlers nowhere else.
    """
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    return stop
