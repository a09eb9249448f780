"""Requests as Slack sends them to an app: form-encoded commands and clicks, JSON events, signed.

Used by the listener tests (dispatched into the app) and the end-to-end tests (POSTed to the
running process).
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

SIGNING_SECRET = "test-signing-secret"
TEAM = "T0001"
USER = "U0ALICE"
CHANNEL = "C0OPS"


def command_body(
    text: str,
    *,
    response_url: str,
    user: str = USER,
    channel: str = CHANNEL,
    team: str = TEAM,
    command: str = "/clusters",
) -> str:
    """A slash command's form body."""
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": team,
            "team_domain": "example",
            "channel_id": channel,
            "channel_name": "ops",
            "user_id": user,
            "user_name": "alice",
            "command": command,
            "text": text,
            "api_app_id": "A0CLUSTERS",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": "1.2.3",
        }
    )


def action_payload(
    action_id: str,
    value: str,
    *,
    response_url: str | None,
    user: str = USER,
    channel: str | None = CHANNEL,
    team: str = TEAM,
    user_team: str | None = None,
    in_view: bool = False,
) -> dict[str, Any]:
    """A `block_actions` payload for a click on a button."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": team, "domain": "example"},
        "user": {"id": user, "username": "alice", "team_id": user_team or team},
        "api_app_id": "A0CLUSTERS",
        "token": "legacy-verification-token",
        "trigger_id": "1.2.3",
        "container": {"type": "view", "view_id": "V1"}
        if in_view
        else {"type": "message", "message_ts": "1.000001", "channel_id": channel},
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "b1",
                "value": value,
                "action_ts": str(time.time()),
            }
        ],
    }
    if response_url is not None:
        payload["response_url"] = response_url
    if channel is not None and not in_view:
        payload["channel"] = {"id": channel, "name": "ops"}
    if in_view:
        payload["view"] = {"id": "V1", "type": "home"}
    return payload


def action_body(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


def event_body(event: dict[str, Any], *, team: str = TEAM) -> str:
    """An Events API callback, JSON."""
    return json.dumps(
        {
            "token": "legacy-verification-token",
            "team_id": team,
            "api_app_id": "A0CLUSTERS",
            "event": event,
            "type": "event_callback",
            "event_id": "Ev0001",
            "event_time": int(time.time()),
        }
    )


def home_opened(user: str = USER) -> dict[str, Any]:
    return {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home"}


def signed_headers(
    body: str,
    *,
    secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
    content_type: str = "application/x-www-form-urlencoded",
) -> dict[str, str]:
    """The headers Slack adds: a timestamp and `v0=` HMAC-SHA256 of `v0:{ts}:{body}`."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    assert signature is not None
    return {
        "content-type": content_type,
        "x-slack-request-timestamp": ts,
        "x-slack-signature": signature,
    }
