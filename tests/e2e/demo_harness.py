"""Running `make demo` (or `python -m clusters_devkit.demo`) as a test: start, read, stop, check.

The demo runs in its own session like a program started from a terminal, so a "Ctrl-C" here is
SIGINT to its whole process group, exactly what the terminal sends.
"""

from __future__ import annotations

import contextlib
import re
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from signal import SIGINT

from clusters_devkit.rig import REPO_ROOT, ChildError, ChildProcess

ROOT = REPO_ROOT
READY_LINE = "sandbox: in this process"
_PORTS = ("DEMO_SANDBOX_PORT", "DEMO_SIM_PORT", "DEMO_BOT_PORT", "DEMO_MCP_PORT")


def demo_env(**demo: str) -> dict[str, str]:
    """Variables for the demo on top of the rig's environment: every port free-picked, `demo`.

    The rig drops the user's own Slack, Together, alert, MCP and DEMO_ settings first.
    """
    logs = {"DEMO_LOG_DIR": str(REPO_ROOT / "test-artifacts" / "demo-logs")}
    return {**dict.fromkeys(_PORTS, "0"), **logs, **demo}


def python_demo() -> list[str]:
    return [sys.executable, "-m", "clusters_devkit.demo"]


def make_demo() -> list[str]:
    # `-o` treats the install stamp as up to date: the test must not re-sync a shared venv.
    return ["make", "--no-print-directory", "-o", ".venv/.installed", "demo"]


@dataclass
class RunningDemo:
    """A demo process and what it printed so far."""

    child: ChildProcess

    @property
    def output(self) -> str:
        return self.child.output()

    @property
    def pid(self) -> int:
        return self.child.pid

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
        self.child.signal(SIGINT)

    def wait(self, within_s: float) -> int:
        return self.child.wait(within_s)

    def kill(self) -> None:
        """After a test: ask the demo to stop its children, then end its group if it will not.

        Only the demo's own group is signalled, never the children's pids directly: once the
        demo has reaped them, those numbers may belong to someone else's processes.
        """
        self.child.stop(grace_s=30)


def start_demo(
    argv: Sequence[str], env: dict[str, str], *, ready_within_s: float = 120
) -> RunningDemo:
    """Start the demo and wait until it says everything is up."""
    demo = RunningDemo(ChildProcess("demo", argv, env=env).start())
    try:
        demo.child.wait_for_log(READY_LINE, timeout_s=ready_within_s)
    except ChildError as exc:
        demo.kill()
        raise AssertionError(f"the demo did not come up: {exc}\n{demo.output}") from exc
    return demo


@contextlib.contextmanager
def demo_running(**demo: str) -> Iterator[RunningDemo]:
    """`python -m clusters_devkit.demo` with `DEMO_*` settings, ended as a user ends it: Ctrl-C
    if it still runs when the block ends, then whatever is left of its group."""
    running = start_demo(python_demo(), demo_env(**demo))
    try:
        yield running
    finally:
        if running.child.is_running():
            running.interrupt()
            running.wait(within_s=30)
        running.kill()


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
