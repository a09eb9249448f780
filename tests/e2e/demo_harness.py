"""Running `make demo` (or `python -m bot.sandbox.demo`) as a test: start, read, stop, check.

The demo runs in its own session like a program started from a terminal, so a "Ctrl-C" here is
SIGINT to its whole process group, exactly what the terminal sends.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READY_LINE = "sandbox: in this process"
_SCRUBBED = ("SLACK_", "TOGETHER_", "CLUSTERS_", "MCP_", "DEMO_")


def demo_env(**demo: str) -> dict[str, str]:
    """The environment without the user's settings, with every port free-picked, plus `demo`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUBBED)}
    ports = ("DEMO_SANDBOX_PORT", "DEMO_SIM_PORT", "DEMO_BOT_PORT", "DEMO_MCP_PORT")
    return {**env, **dict.fromkeys(ports, "0"), **demo}


def python_demo() -> list[str]:
    return [sys.executable, "-m", "bot.sandbox.demo"]


def make_demo() -> list[str]:
    # `-o` treats the install stamp as up to date: the test must not re-sync a shared venv.
    return ["make", "--no-print-directory", "-o", ".venv/.installed", "demo"]


@dataclass
class RunningDemo:
    """A demo process and what it printed so far."""

    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    ready: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def address(self, label: str) -> str:
        """The URL printed after `label` in the banner (`Slack sandbox`, `MCP server`, ...)."""
        found = re.search(rf"{re.escape(label)}\s+(http://127\.0\.0\.1:\d+\S*)", self.output)
        assert found, f"no {label} in the demo's output:\n{self.output}"
        return found.group(1)

    def value(self, pattern: str) -> str:
        found = re.search(pattern, self.output)
        assert found, f"{pattern!r} not in the demo's output:\n{self.output}"
        return found.group(1)

    @property
    def pids(self) -> list[int]:
        """Every process the demo says it started, and the demo itself."""
        return [int(pid) for pid in re.findall(r"\bpid (\d+)", self.output)]

    @property
    def ports(self) -> list[int]:
        return sorted({int(p) for p in re.findall(r"http://127\.0\.0\.1:(\d+)", self.output)})

    def interrupt(self) -> None:
        """Ctrl-C, as a terminal sends it: SIGINT to the whole foreground process group."""
        os.killpg(self.process.pid, signal.SIGINT)

    def wait(self, within_s: float) -> int:
        code = self.process.wait(timeout=within_s)
        assert self.finished.wait(timeout=10), "the demo's output did not end"
        return code

    def kill(self) -> None:
        """After a failed test: ask the demo to stop its children, then end it if it will not.

        Only the demo's own group is signalled, never the children's pids directly: once the
        demo has reaped them, those numbers may belong to someone else's processes.
        """
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.finished.wait(timeout=10)


def start_demo(
    argv: Sequence[str], env: dict[str, str], *, ready_within_s: float = 120
) -> RunningDemo:
    """Start the demo and wait until it says everything is up (or it ends)."""
    process = subprocess.Popen(
        list(argv),
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    demo = RunningDemo(process)

    def read() -> None:
        assert process.stdout is not None
        with process.stdout:
            for line in process.stdout:
                demo.lines.append(line)
                if READY_LINE in line:
                    demo.ready.set()
        demo.finished.set()
        demo.ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not demo.ready.wait(timeout=ready_within_s):
        demo.kill()
        raise AssertionError(f"the demo did not come up:\n{demo.output}")
    return demo


def is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def survivors(pids: Sequence[int]) -> list[int]:
    """Live processes that are one of `pids` or in a session or group led by one of them."""
    leaders = set(pids)
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        state, group, session = fields[0], int(fields[2]), int(fields[3])
        pid = int(entry.name)
        if state != "Z" and (pid in leaders or group in leaders or session in leaders):
            found.append(pid)
    return found


def all_gone(pids: Sequence[int], within_s: float = 10) -> bool:
    """Whether `pids`, and everything in their groups and sessions, end within `within_s`."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if not survivors(pids):
            return True
        time.sleep(0.1)
    return not survivors(pids)
