"""The sandbox: a local Slack that the bot talks to and a person watches in a browser.

One server on 127.0.0.1 (8700 by default) plays both sides of Slack:

- for the bot, the Web API methods and response_urls of `FakeSlack`;
- for the person, the page at `/` and a small JSON API under `/sandbox/api/`: the workspace's
  state (`GET state`, open modals included), a typed command (`POST command`: the sandbox
  signs a slash command exactly as Slack does and POSTs it to the bot), a button click
  (`POST action`: a signed `block_actions` payload), a modal submitted (`POST view`: a
  signed `view_submission`, its answer applied as Slack applies it) or closed
  (`POST view_closed`), and the Home tab being opened (`POST home`: `app_home_opened`).

Unlike Slack, it accepts messages that break Slack's limits by default, and marks them on the
page, so a developer sees the broken message instead of only an `invalid_blocks` error.

The POSTs under `/sandbox/api/` send signed requests to the bot, so another web site must not
be able to make a browser send them: they need a JSON body, no foreign `Origin` and a loopback
`Host` (`shared.simulator.same_origin`).
"""

from __future__ import annotations

import json
import mimetypes
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from clusters_devkit.clicks import PageRequestError, home_click_body, message_click_body
from clusters_devkit.delivery import ACK_TIMEOUT_S, Delivery, deliver
from clusters_devkit.emoji import EMOJI
from clusters_devkit.fake_slack import FakeSlack
from clusters_devkit.modals import apply_answer, submission_body
from clusters_devkit.page_state import Channel, LocalEntry, channel_json, home_json
from clusters_devkit.payloads import (
    COMMAND,
    FORM,
    JSON,
    Person,
    SignedRequest,
    app_home_opened_body,
    sign,
    slash_command_body,
)
from clusters_devkit.workspace import SlackMethodError
from shared.simulator.same_origin import cross_site_refusal

PAGE_DIR = Path(__file__).parent / "page"
DEFAULT_PORT = 8700
ALERTS_CHANNEL = Channel("C0ALERTS", "cluster-alerts", "Alerts from the clusters bot")
OPS_CHANNEL = Channel("C0OPS", "gpu-ops", "Where you type /clusters")
BOT_USER_ID = "U0BOT"  # what the fake `auth.test` answers
SANDBOX_USER = Person(user_id="U0YOU", user_name="you", team_id="T0SANDBOX", team_domain="sandbox")


class Sandbox(FakeSlack):
    """The fake Slack Web API plus the sandbox page, on one port.

    Args:
        bot_url: where Slack would send requests: the bot's `.../slack/events`.
        signing_secret: the bot's `SLACK_SIGNING_SECRET`; every request is signed with it.
        bot_token: the `SLACK_BOT_TOKEN` the bot must present to the Web API.
        port: where to listen (0 picks a free port).
        alerts_channel: the channel the bot's alerts go to (`CLUSTERS_ALERT_CHANNEL`).
        ops_channel: the channel where the person types, shown first.
        person: who types and clicks, in which team.
        strict_blocks: refuse messages breaking Slack's limits, as Slack does, instead of
            showing them flagged.
        ack_timeout_s: how long the app has to acknowledge a request (Slack's 3 s).
    """

    def __init__(
        self,
        *,
        bot_url: str,
        signing_secret: str,
        bot_token: str = "xoxb-sandbox",
        port: int = DEFAULT_PORT,
        alerts_channel: Channel = ALERTS_CHANNEL,
        ops_channel: Channel = OPS_CHANNEL,
        person: Person = SANDBOX_USER,
        strict_blocks: bool = False,
        ack_timeout_s: float = ACK_TIMEOUT_S,
    ) -> None:
        super().__init__(
            bot_token=bot_token, team_id=person.team_id, port=port, strict_blocks=strict_blocks
        )
        self.bot_url = bot_url
        self.person = person
        self.channels = [ops_channel, alerts_channel]
        self.alerts_channel = alerts_channel
        self.ack_timeout_s = ack_timeout_s
        self._signing_secret = signing_secret
        self._page_lock = threading.Lock()
        self._local: dict[str, list[LocalEntry]] = {}
        self._local_changes = 0

    @property
    def page_url(self) -> str:
        return f"{self.base_url}/"

    def extra_routes(self) -> list[web.RouteDef]:
        return [
            web.get("/", self._index),
            web.get("/page/{name}", self._asset),
            web.get("/sandbox/api/state", self._state),
            web.get("/sandbox/api/emoji", self._emoji),
            web.post("/sandbox/api/command", _same_origin(self._command)),
            web.post("/sandbox/api/action", _same_origin(self._action)),
            web.post("/sandbox/api/home", _same_origin(self._home_opened)),
            web.post("/sandbox/api/view", _same_origin(self._view_submitted)),
            web.post("/sandbox/api/view_closed", _same_origin(self._view_closed)),
            web.get("/archives/{channel}/{message}", self._permalink),
        ]

    # -- what the page shows -----------------------------------------------------------------

    def version(self) -> int:
        """A number that grows whenever anything on the page may have changed."""
        with self._page_lock:
            return len(self.calls) + self._local_changes

    def page_state(self) -> dict[str, Any]:
        """Everything the page draws: channels with threads, the Home tab, recent failures."""
        version = self.version()
        known = {channel.id for channel in self.channels}
        others = [Channel(c, c.lower()) for c in self.workspace.channels() if c not in known]
        with self._page_lock:
            local = {key: list(entries) for key, entries in self._local.items()}
        user = self.person.user_id
        failures = [
            {"method": call.method, "error": call.error, "status": call.status}
            for call in self.calls
            if not call.ok
        ]
        return {
            "version": version,
            "workspace": {"team_id": self.team_id, "name": "Sandbox workspace"},
            "user": {"id": user, "name": self.person.user_name},
            "bot_url": self.bot_url,
            "alerts_channel": self.alerts_channel.id,
            "channels": [
                channel_json(self.workspace, channel, user=user, local=local.get(channel.id, []))
                for channel in [*self.channels, *others]
            ],
            "names": {
                "users": {user: self.person.user_name, BOT_USER_ID: "clusters"},
                "channels": {channel.id: channel.name for channel in self.channels},
            },
            "home": home_json(self.workspace, user),
            "modals": self.workspace.modals(),
            "failures": failures[-10:],
        }

    async def _index(self, request: web.Request) -> web.FileResponse:
        return _file(PAGE_DIR / "index.html")

    async def _asset(self, request: web.Request) -> web.FileResponse:
        name = request.match_info["name"]
        path = PAGE_DIR / name
        if "/" in name or name.startswith(".") or not path.is_file():
            raise web.HTTPNotFound()
        return _file(path)

    async def _state(self, request: web.Request) -> web.Response:
        seen = request.query.get("version")
        if seen is not None and seen == str(self.version()):
            return web.json_response({"version": int(seen), "unchanged": True})
        return web.json_response(self.page_state())

    async def _emoji(self, request: web.Request) -> web.Response:
        return web.json_response(EMOJI)

    async def _permalink(self, request: web.Request) -> web.Response:
        """Where `chat.getPermalink` links lead: the page, opened on that message's channel."""
        channel = request.match_info["channel"]
        if not any(channel == known.id for known in self.channels):
            raise web.HTTPNotFound()
        raise web.HTTPFound(f"/#{channel}/{request.match_info['message']}")

    # -- what the person does ----------------------------------------------------------------

    async def _command(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        channel = self._channel(body.get("channel"))
        text = str(body.get("text") or "").strip()
        if not text:
            return web.json_response({"ok": False, "error": "nothing typed"}, status=400)
        entry = LocalEntry(self.workspace.new_ts(), self.person.user_name, text)
        with self._page_lock:
            self._local.setdefault(channel.id, []).append(entry)
            self._local_changes += 1
        word, _, args = text.partition(" ")
        if not text.startswith("/"):
            self._settle(entry, ok=True, outcome="posted (the app does not read messages)")
        elif word != COMMAND:
            outcome = f"{word} is not a command here: try {COMMAND} help"
            self._settle(entry, ok=False, outcome=outcome)
        else:
            await self._send_command(channel, args.strip(), entry)
        return web.json_response({"ok": entry.ok, "entry": entry.to_json()})

    async def _send_command(self, channel: Channel, args: str, entry: LocalEntry) -> None:
        response_url = self.new_response_url(
            channel=channel.id, user=self.person.user_id, ephemeral=True
        )
        body = slash_command_body(
            self.person,
            text=args,
            channel_id=channel.id,
            channel_name=channel.name,
            response_url=response_url,
        )
        delivery = await self._deliver(
            sign(body, signing_secret=self._signing_secret, content_type=FORM)
        )
        if delivery.error is not None:
            outcome = f'{COMMAND} failed with the error "{delivery.error}"'
            self._settle(entry, ok=False, outcome=outcome, details=[delivery.detail])
            return
        self._show_ack(channel.id, delivery.body)
        self._settle(entry, ok=True, outcome=delivery.detail)

    def _show_ack(self, channel: str, body: str) -> None:
        """Show a message carried in a slash command's ack, as Slack does."""
        if not body.strip():
            return
        try:
            answer = json.loads(body)
        except ValueError:
            answer = {"text": body}
        if not isinstance(answer, dict) or not (answer.get("text") or answer.get("blocks")):
            return
        message = {key: answer[key] for key in ("text", "blocks") if key in answer}
        if answer.get("response_type") == "in_channel":
            self.workspace.post(channel, message)
        else:
            self.workspace.post_ephemeral(channel, self.person.user_id, message)

    async def _action(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        try:
            signed = self._click(body)
        except (PageRequestError, SlackMethodError) as exc:
            return web.json_response({"ok": False, "error": str(exc)}, status=400)
        delivery = await self._deliver(signed)
        return web.json_response(
            {"ok": delivery.error is None, "error": delivery.error, "detail": delivery.detail}
        )

    def _click(self, body: dict[str, Any]) -> SignedRequest:
        block_index, element_index = _int(body.get("block")), _int(body.get("element"))
        if body.get("surface") == "home":
            view = self.workspace.view(self.person.user_id)
            if view is None:
                raise PageRequestError("no Home view is published")
            form = home_click_body(
                self.person, view, block_index=block_index, element_index=element_index
            )
        else:
            channel = self._channel(body.get("channel"))
            ts, ephemeral = str(body.get("ts") or ""), bool(body.get("ephemeral"))
            response_url = self.new_response_url(
                channel=channel.id, user=self.person.user_id, message_ts=ts, ephemeral=ephemeral
            )
            form = message_click_body(
                self.person,
                channel,
                self._find_message(channel.id, ts, ephemeral),
                ephemeral=ephemeral,
                block_index=block_index,
                element_index=element_index,
                response_url=response_url,
            )
        return sign(form, signing_secret=self._signing_secret, content_type=FORM)

    async def _home_opened(self, request: web.Request) -> web.Response:
        view = self.workspace.view(self.person.user_id)
        body = app_home_opened_body(self.person, view=view)
        signed = sign(body, signing_secret=self._signing_secret, content_type=JSON)
        delivery = await self._deliver(signed)
        return web.json_response(
            {"ok": delivery.error is None, "error": delivery.error, "detail": delivery.detail}
        )

    async def _view_submitted(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        view_id = str(body.get("view_id") or "")
        given = body.get("values")
        values: dict[str, Any] = given if isinstance(given, dict) else {}
        try:
            form = submission_body(self.workspace, self.person, view_id, values)
        except SlackMethodError as exc:
            return web.json_response({"ok": False, "error": str(exc)}, status=400)
        delivery = await self._deliver(sign(form, signing_secret=self._signing_secret))
        outcome = apply_answer(self.workspace, view_id, delivery)
        with self._page_lock:
            self._local_changes += 1
        return web.json_response(
            {"ok": delivery.error is None, "error": delivery.error, "detail": outcome}
        )

    async def _view_closed(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        self.workspace.close_modal(str(body.get("view_id") or ""))
        with self._page_lock:
            self._local_changes += 1
        return web.json_response({"ok": True})

    # -- talking to the app ------------------------------------------------------------------

    async def _deliver(self, signed: SignedRequest) -> Delivery:
        return await deliver(self.bot_url, signed, timeout_s=self.ack_timeout_s)

    def _settle(
        self, entry: LocalEntry, *, ok: bool, outcome: str, details: list[str] | None = None
    ) -> None:
        with self._page_lock:
            entry.ok, entry.outcome = ok, outcome
            entry.details = list(details or [])
            self._local_changes += 1

    def _channel(self, channel_id: object) -> Channel:
        for channel in self.channels:
            if channel.id == channel_id:
                return channel
        if isinstance(channel_id, str) and channel_id.startswith(("C", "G", "D")):
            return Channel(channel_id, channel_id.lower())
        raise web.HTTPBadRequest(text=f"unknown channel {channel_id!r}")

    def _find_message(self, channel: str, ts: str, ephemeral: bool) -> dict[str, Any]:
        if ephemeral:
            pool = self.workspace.ephemeral_messages(channel, self.person.user_id)
        else:
            pool = self.workspace.messages(channel)
        found = next((m for m in pool if m["ts"] == ts), None)
        if found is None:
            raise SlackMethodError("message_not_found")
        return found


def _same_origin(
    handler: Callable[[web.Request], Awaitable[web.Response]],
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """`handler`, refusing requests another web site could have made a browser send."""

    async def guarded(request: web.Request) -> web.Response:
        refusal = cross_site_refusal(request.method, request.headers)
        if refusal is not None:
            return web.json_response({"ok": False, "error": refusal.message}, status=refusal.status)
        return await handler(request)

    return guarded


def _int(value: object) -> int:
    return value if isinstance(value, int) else -1


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError as exc:
        raise web.HTTPBadRequest(text="the body must be JSON") from exc
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="the body must be a JSON object")
    return body


def _file(path: Path) -> web.FileResponse:
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    headers = {"Cache-Control": "no-store", "Content-Type": f"{content_type}; charset=utf-8"}
    return web.FileResponse(path, headers=headers)
