"""The sandbox sends signed requests to the bot only for its own page, not for another site's."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from clusters_devkit.rig import free_port
from clusters_devkit.web import OPS_CHANNEL, Sandbox

COMMAND = {"channel": OPS_CHANNEL.id, "text": "/clusters subscribe"}


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    bot_url = f"http://127.0.0.1:{free_port()}/slack/events"  # nobody listens: nothing to reach
    with Sandbox(bot_url=bot_url, signing_secret="s", port=0) as box:
        yield box


def _typed(sandbox: Sandbox) -> list[str]:
    ops = next(c for c in sandbox.page_state()["channels"] if c["id"] == OPS_CHANNEL.id)
    return [json.dumps(m) for m in ops["messages"]]


@pytest.mark.parametrize(
    "path", ["/sandbox/api/command", "/sandbox/api/action", "/sandbox/api/home"]
)
def test_a_cross_site_post_is_refused_before_anything_is_signed(
    sandbox: Sandbox, path: str
) -> None:
    headers = {"Content-Type": "text/plain", "Origin": "https://evil.example"}
    answer = httpx.post(sandbox.base_url + path, content=json.dumps(COMMAND), headers=headers)
    assert answer.status_code == 403
    assert answer.json() == {
        "ok": False,
        "error": "Cross-site request refused: Origin 'https://evil.example' is not local.",
    }
    assert _typed(sandbox) == []


def test_a_post_that_is_not_json_is_refused(sandbox: Sandbox) -> None:
    answer = httpx.post(sandbox.base_url + "/sandbox/api/command", data=COMMAND)
    assert answer.status_code == 415
    assert _typed(sandbox) == []


def test_the_pages_own_json_posts_are_served(sandbox: Sandbox) -> None:
    origin = {"Origin": sandbox.base_url}  # what the browser sends for the page's fetch()
    answer = httpx.post(sandbox.base_url + "/sandbox/api/command", json=COMMAND, headers=origin)
    assert answer.status_code == 200
    assert "/clusters subscribe" in "".join(_typed(sandbox))
