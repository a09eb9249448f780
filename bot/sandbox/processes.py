"""Child processes for `make demo`: started in their own process groups, stopped as a whole.

Each child gets its own session, so a Ctrl-C in the terminal reaches only the orchestrator, which
then stops every group in reverse order: SIGTERM, a grace period, SIGKILL for what is left.
Nothing the children started survives them. Their output goes to log files, whose tail is shown
when a child dies early.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx


class DemoError(Exception):
    """The demo cannot go on; the message says why and what to do."""


@dataclass(slots=True)
class Child:
    """A started child process and where its output goes."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def exited(self) -> bool:
        return self.process.poll() is not None

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


class Children:
    """The demo's child processes, stopped together (see the module docstring)."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.started: list[Child] = []

    def start(self, name: str, argv: Sequence[str], env: Mapping[str, str]) -> Child:
        """Start `argv` in a new session with `env`, output to `<log_dir>/<name>.log`.

        Raises:
            DemoError: the program could not be started.
        """
        log_path = self.log_dir / f"{name.lower().replace(' ', '-')}.log"
        with log_path.open("wb") as log:
            try:
                process = subprocess.Popen(
                    list(argv),
                    env=dict(env),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            except OSError as exc:
                raise DemoError(f"could not start the {name}: {exc}") from exc
        child = Child(name, process, log_path)
        self.started.append(child)
        return child

    def first_exited(self) -> Child | None:
        return next((child for child in self.started if child.exited()), None)

    def stop_all(self, grace_s: float = 5.0) -> None:
        """Stop every child's process group, the last started first."""
        for child in reversed(self.started):
            _stop_group(child.process, grace_s)


def _stop_group(process: subprocess.Popen[bytes], grace_s: float) -> None:
    group = process.pid  # the child leads its own session and group
    _signal_group(group, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace_s)
    # Whatever the leader left behind in its group goes too; nothing outlives the demo.
    _signal_group(group, signal.SIGKILL)
    process.wait()


def _signal_group(group: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is gone already
        os.killpg(group, signum)


def wait_until_answering(
    url: str, *, child: Child | None, within_s: float, stop: threading.Event
) -> None:
    """Wait until `url` answers HTTP at all (any status) on loopback.

    Raises:
        DemoError: the child exited first, the wait timed out, or a stop was requested.
    """
    deadline = time.monotonic() + within_s
    with httpx.Client(timeout=1.0) as http:
        while time.monotonic() < deadline:
            if stop.is_set():
                raise DemoError("stopped while starting")
            if child is not None and child.exited():
                raise DemoError(f"the {child.name} exited during startup:\n{child.log_tail()}")
            try:
                http.get(url)
                return
            except httpx.TransportError:
                stop.wait(0.1)
    name = child.name if child is not None else url
    tail = f":\n{child.log_tail()}" if child is not None else ""
    raise DemoError(f"the {name} did not answer at {url} within {within_s:.0f} s{tail}")


def port_is_free(port: int) -> bool:
    """Whether nothing listens on 127.0.0.1:`port` (0 is always free)."""
    if port == 0:
        return True
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A port nothing listens on right now, for a child told where to listen."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
