"""`with` for things that start and stop: servers on loopback, child processes, whole test worlds.

class SimulatorServer(Lifecycle):
    def start(self) -> SimulatorServer: ...
    def stop(self) -> None: ...

with SimulatorServer("demo") as sim:   # started here, stopped when the block ends
    ...
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
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
