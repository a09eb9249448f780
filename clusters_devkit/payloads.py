"""The requests Slack sends an app, built and signed as Slack builds and signs them.

Slash commands arrive as a form body; button clicks and modal submissions (`view_submission`)
as a form body with one `payload` field holding JSON; events (`app_home_opened`) as JSON. All
three are signed the same way: HMAC-SHA256 over `v0:{timestamp}:{raw body}` with the app's
signing secret.
"""

from __future__ import annotations

import copy
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

APP_ID = "A0SANDBOX"
VERIFICATION_TOKEN = "sandbox-verification-token"  # deprecated by Slack, still sent
COMMAND = "/clusters"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
HOME_VIEW_ID = "V0HOME"


@dataclass(frozen=True, slots=True)
class Person:
    """Who clicks and types, in which workspace.

    Attributes:
        user_team_id: the person's own workspace when it is not `team_id` (a guest from
            another organization, through Slack Connect); None for a member.
    """

    user_id: str
    user_name: str
    team_id: str
    team_domain: str
    user_team_id: str | None = None

    def user_object(self) -> dict[str, str]:
        """The `user` object of an interaction payload."""
        return {
            "id": self.user_id,
            "username": self.user_name,
            "name": self.user_name,
            "team_id": self.user_team_id or self.team_id,
        }


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """A body ready to POST to the app's request URL, with its headers."""

    body: str
    headers: dict[str, str]


def sign(
    body: str, *, signing_secret: str, content_type: str = FORM, now: float | None = None
) -> SignedRequest:
    """Sign `body` as Slack does; `now` (epoch seconds) defaults to the current time.

    Raises:
        ValueError: slack_sdk produced no signature (it does so only for an empty input).
    """
    timestamp = str(int(time.time() if now is None else now))
    signature = SignatureVerifier(signing_secret).generate_signature(timestamp=timestamp, body=body)
    if signature is None:  # slack_sdk returns None only for a missing timestamp or body
        raise ValueError("cannot sign a request without a body")
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
    }
    return SignedRequest(body, headers)


def slash_command_body(
    person: Person,
    *,
    text: str,
    channel_id: str,
    channel_name: str,
    response_url: str,
    command: str = COMMAND,
) -> str:
    """The form body of a slash command invocation, field for field as Slack sends it."""
    fields = {
        "token": VERIFICATION_TOKEN,
        "team_id": person.team_id,
        "team_domain": person.team_domain,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": person.user_id,
        "user_name": person.user_name,
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": _trigger_id(),
    }
    return urlencode(fields)


def block_actions_body(
    person: Person,
    *,
    action: dict[str, Any],
    block_id: str,
    container: dict[str, Any],
    channel: tuple[str, str] | None = None,
    message: dict[str, Any] | None = None,
    view: dict[str, Any] | None = None,
    response_url: str | None = None,
) -> str:
    """The form body of a `block_actions` interaction for a click on the button `action`.

    Args:
        person: who clicked.
        action: the button element as it sits in the blocks.
        block_id: the id of the block holding it.
        container: Slack's `container` (`{"type": "message", ...}` or `{"type": "view", ...}`).
        channel: `(id, name)` for clicks on messages.
        message: the message clicked on; Slack leaves it out for ephemeral messages.
        view: the App Home view clicked in.
        response_url: where the app may answer; Slack gives one for messages, not for views.
    """
    clicked: dict[str, Any] = {
        "type": action.get("type", "button"),
        "action_id": action.get("action_id", ""),
        "block_id": block_id,
        "text": action.get("text", {"type": "plain_text", "text": ""}),
        "action_ts": f"{time.time():.6f}",
    }
    for key in ("value", "style", "url"):
        if key in action:
            clicked[key] = action[key]
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": person.user_object(),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": container,
        "trigger_id": _trigger_id(),
        "team": {"id": person.team_id, "domain": person.team_domain},
        "enterprise": None,
        "is_enterprise_install": False,
        "state": {"values": {}},
        "actions": [clicked],
    }
    if channel is not None:
        payload["channel"] = {"id": channel[0], "name": channel[1]}
    if message is not None:
        payload["message"] = message
    if view is not None:
        payload["view"] = view
    if response_url is not None:
        payload["response_url"] = response_url
    return urlencode({"payload": json.dumps(payload)})


def button_click_body(
    person: Person,
    *,
    action_id: str,
    value: str,
    response_url: str | None,
    channel: tuple[str, str] | None = None,
    message_ts: str = "1.000001",
    in_home: bool = False,
) -> str:
    """A click on a button known only by its `action_id` and `value`, without its message.

    On a message in `channel` (`(id, name)`) by default; with `in_home`, in the App Home view.
    """
    action = {"type": "button", "action_id": action_id, "value": value}
    if in_home:
        return block_actions_body(
            person,
            action=action,
            block_id=default_block_id(0),
            container={"type": "view", "view_id": HOME_VIEW_ID},
            view={"id": HOME_VIEW_ID, "type": "home"},
            response_url=response_url,
        )
    container: dict[str, Any] = {"type": "message", "message_ts": message_ts}
    if channel is not None:
        container["channel_id"] = channel[0]
    return block_actions_body(
        person,
        action=action,
        block_id=default_block_id(0),
        container=container,
        channel=channel,
        response_url=response_url,
    )


def view_submission_body(
    person: Person, view: dict[str, Any], values: dict[str, str | None] | None = None
) -> str:
    """The form body of a `view_submission`: `person` pressed Submit on the modal `view` (as
    `views.open` returned it, with its `id`) after filling in `values`, by input block id: the
    text typed, or the chosen option's value for a select (None or absent: left empty)."""
    filled = values or {}
    state: dict[str, dict[str, Any]] = {}
    for block in view.get("blocks") or []:
        if not isinstance(block, dict) or block.get("type") != "input":
            continue
        element = block.get("element") or {}
        kind, action_id = element.get("type", ""), element.get("action_id", "")
        value = filled.get(block.get("block_id", ""))
        if kind == "static_select":
            chosen = next(
                (o for o in element.get("options") or [] if o.get("value") == value), None
            )
            entry: dict[str, Any] = {"type": kind, "selected_option": chosen}
        else:
            entry = {"type": kind, "value": value}
        state[block.get("block_id", "")] = {action_id: entry}
    submitted = {
        **view,
        "team_id": person.team_id,
        "state": {"values": state},
        "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
        "app_id": APP_ID,
        "bot_id": "B0BOT",
    }
    payload = {
        "type": "view_submission",
        "team": {"id": person.team_id, "domain": person.team_domain},
        "user": person.user_object(),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": _trigger_id(),
        "view": submitted,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }
    return urlencode({"payload": json.dumps(payload)})


def app_home_opened_body(person: Person, *, view: dict[str, Any] | None) -> str:
    """The JSON body of the `app_home_opened` event Slack sends when the Home tab is opened."""
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": person.user_id,
        "channel": f"D{person.user_id[1:]}",
        "tab": "home",
        "event_ts": f"{time.time():.6f}",
    }
    if view is not None:
        event["view"] = view
    return json.dumps(
        {
            "token": VERIFICATION_TOKEN,
            "team_id": person.team_id,
            "api_app_id": APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "team_id": person.team_id,
                    "user_id": "U0BOT",
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
        }
    )


def with_block_ids(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A copy of `blocks` where each block has a `block_id`, as Slack fills in missing ones."""
    filled = copy.deepcopy(blocks)
    for index, block in enumerate(filled):
        if isinstance(block, dict) and not block.get("block_id"):
            block["block_id"] = default_block_id(index)
    return filled


def default_block_id(index: int) -> str:
    """The id the sandbox gives the block at `index` when the app gave none."""
    return f"sbx{index:03d}"


def _trigger_id() -> str:
    return f"{int(time.time())}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex}"
