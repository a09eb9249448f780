"""Child processes for the benchmarks: the simulator and the bot, on loopback, always stopped.

Each child runs in its own session with its output in a temporary log file (a pipe nobody reads
would fill and stall it). `stop()` sends SIGTERM to the child's process group, then SIGKILL if
it lingers; every child still running when the benchmark exits is stopped by `atexit`.

    with start_simulator("large:1000") as sim:
        httpx.get(f"{sim.url}/compute/clusters", headers={"Authorization": f"Bearer {sim.api_key}"})
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 5.0
SIMULATOR_KEY = "bench-sim-key-0123456789"
# Variables that would point a child at real services or change its behaviour.
_SCRUBBED_PREFIXES = ("TOGETHER_", "SLACK_", "CLUSTERS_", "MCP_")
_SIM_URL = re.compile(r" at (http://\S+/v1)\b")
_running: set[ChildProcess] = set()


class ChildError(RuntimeError):
    """A child process did not start or stopped early; the message ends with its last output."""


class ChildProcess:
    """One child process in its own session, with its output in a temporary file.

    Args:
        name: what to call it in messages ("simulator", "clusters-bot").
        argv: the command line.
        env: variables added to a copy of ours (TOGETHER_*, SLACK_*, CLUSTERS_*, MCP_* removed).
    """

    def __init__(
        self, name: str, argv: Sequence[str], env: Mapping[str, str] | None = None
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = child_env(env or {})
        self._log: IO[bytes] | None = None
        self._popen: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        if self._popen is None:
            raise ChildError(f"{self.name} is not started")
        return self._popen.pid

    def start(self) -> ChildProcess:
        """Start the child (returns at once; see `wait_for_output` and `wait_for_http`)."""
        # Lives as long as the child; closed in stop().
        self._log = tempfile.TemporaryFile(prefix=f"bench-{self.name}-")  # noqa: SIM115
        self._popen = subprocess.Popen(
            self.argv,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=self.env,
            start_new_session=True,
        )
        _running.add(self)
        return self

    def output(self) -> str:
        """Everything the child has printed so far."""
        if self._log is None:
            return ""
        self._log.flush()
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")

    def tail(self, lines: int = 8) -> str:
        return " | ".join(self.output().strip().splitlines()[-lines:])

    def is_running(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    def wait_for_output(self, pattern: re.Pattern[str], timeout_s: float = START_TIMEOUT_S) -> str:
        """The first match of `pattern` in the child's output, waiting for it to appear.

        Raises:
            ChildError: the child exited or did not print it in time.
        """
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if match := pattern.search(self.output()):
                return match.group(1)
            if not self.is_running():
                raise ChildError(f"{self.name} exited early: {self.tail()}")
            time.sleep(0.05)
        raise ChildError(f"{self.name} did not start in {timeout_s:g} s: {self.tail()}")

    def wait_for_http(self, url: str, timeout_s: float = START_TIMEOUT_S) -> None:
        """Wait until `url` answers with a status below 500.

        Raises:
            ChildError: the child exited or did not answer in time.
        """
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not self.is_running():
                raise ChildError(f"{self.name} exited early: {self.tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url, timeout=1.0).status_code < 500:
                    return
            time.sleep(0.05)
        raise ChildError(f"{self.name} did not answer at {url} in {timeout_s:g} s: {self.tail()}")

    def stop(self) -> None:
        """SIGTERM the child's process group, then SIGKILL after a grace period. Idempotent."""
        popen, self._popen = self._popen, None
        _running.discard(self)
        if popen is not None and popen.poll() is None:
            _signal_group(popen.pid, signal.SIGTERM)
            try:
                popen.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                _signal_group(popen.pid, signal.SIGKILL)
                popen.wait(STOP_TIMEOUT_S)
        if self._log is not None:
            self._log.close()
            self._log = None


@dataclass(frozen=True)
class Simulator:
    """A simulator child process and how to reach it.

    Attributes:
        url: the API base ending in `/v1` (TOGETHER_BASE_URL).
        root_url: where `/_sim/...` lives; also the official SDK's base URL.
        api_key: the bearer token it accepts.
    """

    url: str
    api_key: str
    process: ChildProcess

    @property
    def root_url(self) -> str:
        return self.url.removesuffix("/v1")


@contextlib.contextmanager
def start_simulator(scenario: str, *, api_key: str = SIMULATOR_KEY) -> Iterator[Simulator]:
    """Run `python -m shared.simulator --scenario <scenario>` on a free loopback port.

    Raises:
        ChildError: the simulator did not start.
    """
    argv = [sys.executable, "-m", "shared.simulator", "--scenario", scenario]
    argv += ["--host", "127.0.0.1", "--port", "0", "--api-key", api_key]
    process = ChildProcess(f"simulator-{scenario}", argv).start()
    try:
        url = process.wait_for_output(_SIM_URL)
        yield Simulator(url=url, api_key=api_key, process=process)
    finally:
        process.stop()


@contextlib.contextmanager
def running(process: ChildProcess) -> Iterator[ChildProcess]:
    """Start `process` and stop it when the block ends."""
    process.start()
    try:
        yield process
    finally:
        process.stop()


def free_port() -> int:
    """A loopback port free right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def child_env(extra: Mapping[str, str]) -> dict[str, str]:
    """Our environment without the project's settings, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUBBED_PREFIXES)}
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_ROOT), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def stop_all() -> None:
    """Stop every child still running (registered with `atexit`)."""
    for process in list(_running):
        process.stop()


def _signal_group(pid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)


_ROOT = Path(__file__).resolve().parent.parent
atexit.register(stop_all)
