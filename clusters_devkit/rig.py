"""Child processes on loopback: started, waited for, and always stopped, the same way everywhere.

Every child runs in its own session, so its process group is its own: a Ctrl-C in the terminal
reaches only the parent, and `stop()` ends the child together with whatever it started (SIGTERM
to the group, a grace period, then SIGKILL). Output goes to a log file, never to a pipe nobody
reads (a full pipe stalls the child). Children still running when the interpreter exits are
stopped by `atexit`.

    with ChildProcess("page", [sys.executable, "-m", "clusters_devkit", "--port", "0"]) as page:
        url = page.wait_for_log(r"Slack sandbox: (http://\\S+)").group(1)

Every child gets the same environment (`child_env`): ours, without anything that would point it
at real services or change its behaviour, plus what the caller sets.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from signal import SIGKILL, SIGTERM, Signals
from typing import IO, Self, TypeVar

import httpx

from shared.lifecycle import Lifecycle

T = TypeVar("T")

REPO_ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 60.0
STOP_GRACE_S = 10.0
# A developer's real settings would point a child at real Slack or Together, switch the bot to
# Socket Mode, or move its port: no child inherits them.
SCRUBBED_PREFIXES = ("TOGETHER_", "SLACK_", "CLUSTERS_", "MCP_", "DEMO_")
SCRUBBED_NAMES = ("PORT",)
_POLL_S = 0.05
_running: set[ChildProcess] = set()


class ChildError(RuntimeError):
    """A child did not start, did not answer in time, or exited early; the message ends with
    its last lines of output."""


def free_port() -> int:
    """A loopback port nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_is_free(port: int) -> bool:
    """Whether nothing listens on 127.0.0.1:`port` (0 is always free)."""
    if port == 0:
        return True
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def child_env(
    extra: Mapping[str, str] | None = None, *, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The one environment policy for children.

    `base` (our environment by default) without `TOGETHER_*`, `SLACK_*`, `CLUSTERS_*`, `MCP_*`,
    `DEMO_*` and `PORT`; with unbuffered output and the repository root on `PYTHONPATH`; then
    `extra` on top.
    """
    source = os.environ if base is None else base
    env = {
        name: value
        for name, value in source.items()
        if not name.startswith(SCRUBBED_PREFIXES) and name not in SCRUBBED_NAMES
    }
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env.update(extra or {})
    return env


class ChildProcess(Lifecycle):
    """One child process in its own session, with its output in a log file.

    Args:
        name: what to call it in messages ("simulator", "bot").
        argv: the command line.
        env: variables set on top of `child_env()`.
        log_path: where its output goes; by default an unnamed temporary file, deleted by
            `stop()` (what it held stays readable through `output()`).
        cwd: where it runs; the repository root by default.
    """

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        log_path: Path | None = None,
        cwd: Path = REPO_ROOT,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = child_env(env)
        self.log_path = log_path
        self.cwd = cwd
        self._log: IO[bytes] | None = None
        self._popen: subprocess.Popen[bytes] | None = None
        self._stopped = False
        self._last_output = ""

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> Self:
        """Start the child and return at once (see the `wait_for_*` methods).

        Raises:
            ChildError: the program could not be started (not found, not executable).
        """
        if self.log_path is None:
            # Lives as long as the child; closed (and so deleted) in stop().
            self._log = tempfile.TemporaryFile(prefix=f"{self.name}-")  # noqa: SIM115
        else:
            self._log = self.log_path.open("w+b")
        try:
            self._popen = subprocess.Popen(
                self.argv,
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as exc:
            self._close_log()
            raise ChildError(f"could not start the {self.name}: {exc}") from exc
        _running.add(self)
        return self

    def stop(self, grace_s: float = STOP_GRACE_S) -> int | None:
        """SIGTERM the child's group, SIGKILL what is left after `grace_s`; idempotent.

        Returns:
            the child's exit status (negative for a signal), or None if it never started.
        """
        _running.discard(self)
        popen = self._popen
        if popen is None or self._stopped:
            return None if popen is None else popen.returncode
        self._stopped = True
        if popen.poll() is None:
            self.signal(SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                popen.wait(grace_s)
        # Whatever the leader left behind in its group goes too: nothing outlives a stop.
        _signal_group(popen.pid, SIGKILL)
        code = popen.wait()
        self._close_log()
        return code

    def signal(self, signum: Signals) -> None:
        """Send `signum` to the child's whole process group, unless the child has exited.

        Only a running child is signalled: once it has been reaped, its process group id may
        belong to someone else's processes.
        """
        if self._popen is not None and self._popen.poll() is None:
            _signal_group(self._popen.pid, signum)

    def wait(self, timeout_s: float) -> int:
        """Wait for the child to exit; its exit status.

        Raises:
            subprocess.TimeoutExpired: it is still running after `timeout_s`.
        """
        return self._started().wait(timeout_s)

    # -- what it is doing ------------------------------------------------------------------

    @property
    def pid(self) -> int:
        return self._started().pid

    @property
    def returncode(self) -> int | None:
        """The exit status once it has exited, else None."""
        return None if self._popen is None else self._popen.poll()

    def is_running(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    def output(self) -> str:
        """Everything the child has printed so far."""
        if self._log is None:
            return self._last_output
        self._log.flush()
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")

    def tail(self, lines: int = 15) -> str:
        """The last `lines` lines of output."""
        return "\n".join(self.output().strip().splitlines()[-lines:])

    # -- waiting for it --------------------------------------------------------------------

    def wait_for_log(
        self,
        pattern: re.Pattern[str] | str,
        *,
        timeout_s: float = START_TIMEOUT_S,
        stop: threading.Event | None = None,
    ) -> re.Match[str]:
        """The first match of `pattern` in the child's output, once it appears.

        Raises:
            ChildError: the child exited, `stop` was set, or nothing matched in time.
        """
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        # Output first: a child that printed the line and then exited has still printed it.
        return self._poll(
            lambda: regex.search(self.output()),
            doing=f"printing {regex.pattern!r}",
            late=f"print {regex.pattern!r}",
            timeout_s=timeout_s,
            stop=stop,
            alive_first=False,
        )

    def wait_for_port(
        self,
        port: int,
        *,
        timeout_s: float = START_TIMEOUT_S,
        stop: threading.Event | None = None,
    ) -> None:
        """Wait until 127.0.0.1:`port` accepts connections.

        Raises:
            ChildError: the child exited, `stop` was set, or the port stayed closed too long.
        """

        def accepts() -> bool | None:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return True
            except OSError:
                return None

        self._poll(
            accepts,
            doing=f"listening on port {port}",
            late=f"listen on port {port}",
            timeout_s=timeout_s,
            stop=stop,
        )

    def wait_for_http(
        self,
        url: str,
        *,
        timeout_s: float = START_TIMEOUT_S,
        stop: threading.Event | None = None,
    ) -> int:
        """Wait until `url` answers a GET with a status below 500; that status.

        Raises:
            ChildError: the child exited, `stop` was set, or `url` did not answer in time.
        """
        with httpx.Client(timeout=1.0) as http:

            def answer() -> int | None:
                with contextlib.suppress(httpx.HTTPError):
                    status = http.get(url).status_code
                    if status < 500:
                        return status
                return None

            return self._poll(
                answer,
                doing=f"answering at {url}",
                late=f"answer at {url}",
                timeout_s=timeout_s,
                stop=stop,
            )

    def _poll(
        self,
        probe: Callable[[], T | None],
        *,
        doing: str,
        late: str,
        timeout_s: float,
        stop: threading.Event | None,
        alive_first: bool = True,
    ) -> T:
        """`probe()` every `_POLL_S` until it returns something, checking the child lives.

        Raises:
            ChildError: the child exited, `stop` was set, or `timeout_s` passed.
        """
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if alive_first:
                self._check_alive(stop, doing)
            if (found := probe()) is not None:
                return found
            if not alive_first:
                self._check_alive(stop, doing)
            time.sleep(_POLL_S)
        raise self._late(late, timeout_s)

    # -- internals -------------------------------------------------------------------------

    def _started(self) -> subprocess.Popen[bytes]:
        if self._popen is None:
            raise ChildError(f"the {self.name} is not started")
        return self._popen

    def _check_alive(self, stop: threading.Event | None, doing: str) -> None:
        if stop is not None and stop.is_set():
            raise ChildError(f"stopped while waiting for the {self.name} to start {doing}")
        if not self.is_running():
            raise ChildError(
                f"the {self.name} exited (status {self.returncode}) before {doing}:\n{self.tail()}"
            )

    def _late(self, what: str, timeout_s: float) -> ChildError:
        return ChildError(f"the {self.name} did not {what} within {timeout_s:g} s:\n{self.tail()}")

    def _close_log(self) -> None:
        if self._log is not None:
            self._last_output = self.output()
            self._log.close()
            self._log = None


def _signal_group(group: int, signum: Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is gone already
        os.killpg(group, signum)


def run_until_exit(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    timeout_s: float = 30.0,
    cwd: Path = REPO_ROOT,
) -> subprocess.CompletedProcess[str]:
    """Run `argv` to its end in `cwd` with `child_env(env)` and capture what it prints.

    For a program expected to stop by itself, a refusal to start for instance.

    Raises:
        subprocess.TimeoutExpired: it ran longer than `timeout_s` (it is killed).
    """
    return subprocess.run(
        list(argv),
        cwd=cwd,
        env=child_env(env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


def stop_all() -> None:
    """Stop every child still running (registered with `atexit`)."""
    for child in list(_running):
        child.stop()


atexit.register(stop_all)
