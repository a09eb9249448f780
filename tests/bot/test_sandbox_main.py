"""`python -m bot.sandbox` serves the page alone and prints how to start a bot against it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def _start(env: dict[str, str]) -> tuple[subprocess.Popen[str], list[str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.sandbox", "--port", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line)
        if "Ctrl-C" in line:
            break
    return process, lines


def _stop(process: subprocess.Popen[str]) -> int:
    process.send_signal(signal.SIGTERM)
    code = process.wait(timeout=20)
    assert process.stdout is not None
    process.stdout.close()
    return code


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    return {**env, **extra}


def test_the_sandbox_alone_serves_the_page_and_stops_on_sigterm() -> None:
    process, lines = _start(_clean_env())
    try:
        output = "".join(lines)
        url = re.search(r"Slack sandbox: (http://127\.0\.0\.1:\d+/)", output)
        assert url, output
        page = httpx.get(url.group(1), timeout=5)
        assert page.status_code == 200
        assert "SLACK_API_URL=" in output
        assert "SLACK_SIGNING_SECRET=" in output
    finally:
        code = _stop(process)
    assert code == 0


def test_secrets_from_the_environment_are_used_but_never_printed() -> None:
    env = _clean_env(SLACK_BOT_TOKEN="xoxb-mine-123", SLACK_SIGNING_SECRET="my-secret-456")
    process, lines = _start(env)
    try:
        output = "".join(lines)
        port = re.search(r"127\.0\.0\.1:(\d+)/", output)
        assert port, output
        answer = httpx.post(
            f"http://127.0.0.1:{port.group(1)}/api/auth.test",
            headers={"Authorization": "Bearer xoxb-mine-123"},
            timeout=5,
        )
        assert answer.json()["ok"] is True
    finally:
        _stop(process)
    assert "xoxb-mine-123" not in output
    assert "my-secret-456" not in output
    assert "SLACK_SIGNING_SECRET=$SLACK_SIGNING_SECRET" in output
