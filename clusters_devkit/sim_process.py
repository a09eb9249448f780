"""The Together API simulator as a child process (`python -m shared.simulator`), on loopback.

The same surface as `shared.simulator.SimulatorServer` (`url`, `root_url`, `api_key`,
`control`), for when the simulator must not share the interpreter: the benchmarks measure
the bot and the client without the simulator's work in the same process, and the demo runs it
as a program of its own.
"""

from __future__ import annotations

import re
import sys
import threading
from pathlib import Path
from typing import Self

from clusters_devkit.rig import ChildError, ChildProcess
from shared.lifecycle import Lifecycle
from shared.simulator import DEFAULT_API_KEY, SimulatorControl

_SERVING = re.compile(r" at (http://\S+/v1)\b")


class SimulatorProcess(Lifecycle):
    """`python -m shared.simulator --scenario <scenario>` on 127.0.0.1.

    Args:
        scenario: `demo`, `empty` or `large:N`.
        port: where to listen; 0 picks a free port.
        api_key: the bearer token it accepts.
        seed: makes a generated fleet repeatable.
        time_scale: the timeline's speed (0.1 plays it 10x faster).
        log_path: where its output goes (a temporary file by default).
    """

    def __init__(
        self,
        scenario: str,
        *,
        port: int = 0,
        api_key: str = DEFAULT_API_KEY,
        seed: int = 0,
        time_scale: float = 1.0,
        log_path: Path | None = None,
    ) -> None:
        self.scenario = scenario
        self.api_key = api_key
        argv = [sys.executable, "-m", "shared.simulator", "--scenario", scenario]
        argv += ["--host", "127.0.0.1", "--port", str(port), "--api-key", api_key]
        argv += ["--seed", str(seed), "--time-scale", f"{time_scale:g}"]
        self.process = ChildProcess("simulator", argv, log_path=log_path)
        self._url: str | None = None

    def start(self, *, stop: threading.Event | None = None) -> Self:
        """Start it and return once it says where it serves.

        Raises:
            ChildError: it did not start (port taken, bad scenario...), or `stop` was set.
        """
        self.process.start()
        try:
            self._url = self.process.wait_for_log(_SERVING, stop=stop).group(1)
        except ChildError:
            self.process.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the process (its whole group); safe to call twice."""
        self.process.stop()

    @property
    def url(self) -> str:
        """The API base ending in `/v1` (`TOGETHER_BASE_URL`)."""
        if self._url is None:
            raise ChildError("the simulator is not started")
        return self._url

    @property
    def root_url(self) -> str:
        """Where `/_sim/...` lives; also the official SDK's base URL."""
        return self.url.removesuffix("/v1")

    @property
    def control(self) -> SimulatorControl:
        return SimulatorControl(self.root_url)
