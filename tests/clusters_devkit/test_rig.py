"""The loopback rig: one environment policy, and children that never outlive their stop."""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
from pathlib import Path

import pytest

from clusters_devkit.rig import (
    REPO_ROOT,
    ChildError,
    ChildProcess,
    child_env,
    free_port,
    run_until_exit,
)

pytestmark = pytest.mark.e2e  # real child processes

# Starts a grandchild in the same process group, prints its pid, then ignores SIGTERM.
STUBBORN = """
import signal, subprocess, sys, time
grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
print("grandchild", grandchild.pid, flush=True)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
time.sleep(60)
"""


def is_alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_a_child_never_inherits_the_users_slack_together_alert_mcp_demo_or_port_settings() -> None:
    user = {
        "PATH": "/usr/bin",
        "SLACK_APP_TOKEN": "xapp-real",
        "TOGETHER_API_KEY": "real-key",
        "CLUSTERS_ALERT_CHANNEL": "C-REAL",
        "MCP_AUTH_TOKEN": "real-token",
        "DEMO_SECONDS": "5",
        "PORT": "3000",
        "PORTABLE": "kept",
    }
    env = child_env({"SLACK_BOT_TOKEN": "xoxb-demo"}, base=user)
    assert env == {
        "PATH": "/usr/bin",
        "PORTABLE": "kept",
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": str(REPO_ROOT),
        "SLACK_BOT_TOKEN": "xoxb-demo",
    }


def test_the_repository_stays_first_on_an_existing_pythonpath() -> None:
    env = child_env(base={"PYTHONPATH": "/elsewhere"})
    assert env["PYTHONPATH"] == os.pathsep.join([str(REPO_ROOT), "/elsewhere"])


def test_a_free_port_can_be_listened_on() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", free_port()))


def test_stop_ends_a_child_that_ignores_sigterm_and_everything_it_started() -> None:
    child = ChildProcess("stubborn", [sys.executable, "-c", STUBBORN]).start()
    grandchild = int(child.wait_for_log(r"grandchild (\d+)", timeout_s=20).group(1))
    started = time.monotonic()
    code = child.stop(grace_s=0.5)
    assert code == -signal.SIGKILL
    assert time.monotonic() - started < 10
    assert not is_alive(grandchild)
    assert "grandchild" in child.output()  # still readable after the log is gone


def test_a_child_that_exits_early_is_reported_with_its_output() -> None:
    argv = [sys.executable, "-c", "print('no such scenario'); raise SystemExit(2)"]
    with ChildProcess("simulator", argv) as child, pytest.raises(ChildError) as caught:
        child.wait_for_http(f"http://127.0.0.1:{free_port()}/", timeout_s=20)
    assert "the simulator exited (status 2)" in str(caught.value)
    assert "no such scenario" in str(caught.value)


def test_run_until_exit_captures_what_a_refusing_program_prints() -> None:
    argv = [sys.executable, "-c", "import os, sys; sys.exit(os.environ.get('SLACK_BOT_TOKEN'))"]
    done = run_until_exit(argv, env={"SLACK_BOT_TOKEN": "missing"})
    assert (done.returncode, done.stderr.strip()) == (1, "missing")


def test_wait_for_port_returns_once_the_child_listens() -> None:
    port = free_port()
    listen = (
        "import socket, time; s = socket.socket(); time.sleep(0.3); "
        f"s.bind(('127.0.0.1', {port})); s.listen(); time.sleep(30)"
    )
    with ChildProcess("listener", [sys.executable, "-c", listen]) as child:
        child.wait_for_port(port, timeout_s=20)
        assert child.is_running()
