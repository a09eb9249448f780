"""What each fake Web API method does, and how a request's parameters are read.

slack_sdk sends some methods as JSON (`chat.postMessage`, `views.publish`) and others as query or
form parameters (`auth.test`, `reactions.add`); `request_params` merges all three.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from clusters_devkit.workspace import SlackMethodError, Workspace

_JSON_FIELDS = ("blocks", "view", "attachments")


@dataclass(slots=True)
class WebApi:
    """The Web API methods the bot uses, applied to a `Workspace`."""

    workspace: Workspace
    team_id: str
    socket_mode_url: str = ""
    permalink_base: str = "https://fake-workspace.slack.com"

    def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """Run `method` and return Slack's answer body.

        Raises:
            SlackMethodError: the call fails as Slack's would (`channel_not_found`, ...).
        """
        ws = self.workspace
        channel = str(params.get("channel") or "")
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://fake-workspace.slack.com/",
                "team": "Fake Workspace",
                "user": "clusters",
                "team_id": self.team_id,
                "user_id": "U0BOT",
                "bot_id": "B0BOT",
                "is_enterprise_install": False,
            }
        if method == "apps.connections.open":
            return {"ok": True, "url": self.socket_mode_url}
        if method in ("chat.postMessage", "chat.update", "chat.postEphemeral") and not channel:
            raise SlackMethodError("channel_not_found")
        if method == "chat.postMessage":
            _require_content(params)
            message = message_fields(params, "thread_ts", "metadata", "unfurl_links")
            posted = ws.post(channel, message)
            return {"ok": True, "channel": channel, "ts": posted["ts"], "message": posted}
        if method == "chat.update":
            updated = ws.update(channel, str(params.get("ts", "")), message_fields(params))
            return {
                "ok": True,
                "channel": channel,
                "ts": updated["ts"],
                "text": updated.get("text"),
            }
        if method == "chat.postEphemeral":
            _require_content(params)
            posted = ws.post_ephemeral(channel, str(params.get("user", "")), message_fields(params))
            return {"ok": True, "message_ts": posted["ts"]}
        if method == "views.publish":
            view = ws.publish(str(params.get("user_id", "")), params.get("view") or {})
            return {"ok": True, "view": view}
        if method == "views.open":
            opened = ws.open_modal(str(params.get("trigger_id", "")), params.get("view") or {})
            return {"ok": True, "view": opened}
        if method == "views.update":
            updated = ws.update_modal(str(params.get("view_id", "")), params.get("view") or {})
            return {"ok": True, "view": updated}
        if method == "reactions.add":
            ws.react(channel, str(params.get("timestamp", "")), str(params.get("name", "")))
            return {"ok": True}
        if method == "conversations.history":
            top = [m for m in ws.messages(channel) if m.get("thread_ts") in (None, m["ts"])]
            return _page(list(reversed(top)), params)  # newest first, as Slack answers
        if method == "conversations.replies":
            ts = str(params.get("ts", ""))
            thread = [m for m in ws.messages(channel) if ts in (m["ts"], m.get("thread_ts"))]
            if not thread:
                raise SlackMethodError("thread_not_found")
            return _page(thread, params)  # the parent first, then its replies, oldest first
        if method == "usergroups.users.list":
            return {"ok": True, "users": ws.usergroup_users(str(params.get("usergroup", "")))}
        if method == "chat.getPermalink":
            ts = str(params.get("message_ts", ""))
            if not any(m["ts"] == ts for m in ws.messages(channel)):
                raise SlackMethodError("message_not_found")
            link = f"{self.permalink_base}/archives/{channel}/p{ts.replace('.', '')}"
            return {"ok": True, "channel": channel, "permalink": link}
        if method == "conversations.info":
            info = {"id": channel, "name": channel.lower(), "is_channel": True, "is_member": True}
            return {"ok": True, "channel": info}
        raise SlackMethodError("unknown_method")


async def request_params(request: web.Request) -> dict[str, Any]:
    """Query, form and JSON parameters merged, with JSON-valued form fields decoded."""
    params: dict[str, Any] = dict(request.query)
    raw = await request.read()
    if raw:
        if request.content_type == "application/json":
            try:
                document = json.loads(raw)
            except ValueError:
                document = None
            if isinstance(document, dict):
                params.update(document)
        else:
            params.update(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    for key in _JSON_FIELDS:
        if isinstance(params.get(key), str):
            with contextlib.suppress(ValueError):
                params[key] = json.loads(params[key])
    for key in ("replace_original", "delete_original"):
        if isinstance(params.get(key), str):
            params[key] = params[key].lower() == "true"
    return params


def bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    return header[len("Bearer ") :] if header.startswith("Bearer ") else None


def message_fields(params: dict[str, Any], *extra: str) -> dict[str, Any]:
    """The parts of a call that make up a message."""
    keys = ("text", "blocks", "attachments", *extra)
    return {key: params[key] for key in keys if key in params}


def _require_content(params: dict[str, Any]) -> None:
    if not params.get("text") and not params.get("blocks") and not params.get("attachments"):
        raise SlackMethodError("no_text")


def _page(messages: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
    """One page of `messages` with Slack's cursor paging; `metadata` only when asked for."""
    start = int(params.get("cursor") or 0)
    limit = max(1, min(int(params.get("limit") or 100), 1000))
    with_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
    page = [
        m if with_metadata else {k: v for k, v in m.items() if k != "metadata"}
        for m in messages[start : start + limit]
    ]
    more = start + limit < len(messages)
    return {
        "ok": True,
        "messages": page,
        "has_more": more,
        "response_metadata": {"next_cursor": str(start + limit) if more else ""},
    }
