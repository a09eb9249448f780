"""`python -m clusters_devkit` serves the page alone and prints how to start a bot against it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from clusters_devkit.rig import ChildProcess


@contextmanager
def sandbox_alone(**env: str) -> Iterator[tuple[ChildProcess, str]]:
    """The page alone on a free port, and what it printed once ready."""
    argv = [sys.executable, "-m", "clusters_devkit", "--port", "0"]
    with ChildProcess("sandbox", argv, env=env) as page:
        page.wait_for_log("Ctrl-C", timeout_s=30)
        yield page, page.output()


def test_the_sandbox_alone_serves_the_page_and_stops_on_sigterm() -> None:
    with sandbox_alone() as (page, output):
        url = page.wait_for_log(r"Slack sandbox: (http://127\.0\.0\.1:\d+/)").group(1)
        assert httpx.get(url, timeout=5).status_code == 200
        assert "SLACK_API_URL=" in output
        assert "SLACK_SIGNING_SECRET=" in output
        assert page.stop() == 0


def test_secrets_from_the_environment_are_used_but_never_printed() -> None:
    with sandbox_alone(SLACK_BOT_TOKEN="xoxb-mine-123", SLACK_SIGNING_SECRET="my-secret-456") as (
        page,
        output,
    ):
        port = page.wait_for_log(r"127\.0\.0\.1:(\d+)/").group(1)
        answer = httpx.post(
            f"http://127.0.0.1:{port}/api/auth.test",
            headers={"Authorization": "Bearer xoxb-mine-123"},
            timeout=5,
        )
        assert answer.json()["ok"] is True
    assert "xoxb-mine-123" not in output
    assert "my-secret-456" not in output
    assert "SLACK_SIGNING_SECRET=$SLACK_SIGNING_SECRET" in output
