"""A fake Slack Web API, response_url endpoints and Socket Mode server on 127.0.0.1.

It runs in a background thread with its own event loop, so a test (sync or async) or the demo can
point the bot's `AsyncWebClient(base_url=fake.api_url)` at it and read back what the bot did:

    with FakeSlack() as slack:
        client = AsyncWebClient(token="xoxb-fake", base_url=slack.api_url)
        ...
        assert slack.calls_to("chat.postMessage")

Like Slack it checks the bearer token (`invalid_auth`), accepts JSON and form bodies, refuses
messages that break Slack's limits (`invalid_blocks`, checked with `bot.render.budgets`), and
allows five posts per response_url. `fail()` makes the next calls to a method answer 429 with
`Retry-After`, 500, or `{"ok": false, "error": ...}`.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.render.budgets import MESSAGE_LIMITS, VIEW_LIMITS, budget_problems
from clusters_devkit.slack_faults import Fault, Faults
from clusters_devkit.socket_mode import FakeSocketMode, SocketAck
from clusters_devkit.web_api import WebApi, bearer_token, request_params
from clusters_devkit.workspace import ResponseTarget, SlackMethodError, Workspace
from shared.lifecycle import Lifecycle

RESPONSE_URL_USES = 5
_MESSAGE_METHODS = ("chat.postMessage", "chat.update", "chat.postEphemeral", "response_url")


@dataclass(frozen=True, slots=True)
class RecordedCall:
    """One request the fake received.

    Attributes:
        method: the Web API method (`chat.postMessage`), or `response_url`.
        params: query, form and JSON parameters merged; `blocks`/`view` decoded to objects.
        at: `time.monotonic()` when it arrived (comparable with the test's own clock).
        status: the HTTP status answered.
        error: Slack's error code when the call failed (`ratelimited`, `invalid_blocks`).
        target: for response_url posts, the URL posted to.
    """

    method: str
    params: dict[str, Any]
    at: float
    status: int = 200
    error: str | None = None
    target: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.error is None


@dataclass(eq=False, repr=False, kw_only=True)
class FakeSlack(Lifecycle):
    """A fake Slack Web API + response_url endpoints on 127.0.0.1, in a background thread.

    Args:
        bot_token: the token the bot must send (`Authorization: Bearer ...`).
        team_id: the workspace `auth.test` reports.
        port: where to listen; 0 picks a free port. Once started, the port it listens on.
        app_token: the app-level token `apps.connections.open` accepts (Socket Mode).
        strict_blocks: refuse messages and views that break Slack's limits, as Slack does.
        socket_mode_url: the websocket URL `apps.connections.open` hands out instead of the
            fake's own (a port where nothing answers, to test connecting and retrying).
    """

    bot_token: str = "xoxb-fake"
    team_id: str = "T0001"
    port: int = 0
    app_token: str = "xapp-fake"
    strict_blocks: bool = True
    socket_mode_url: str | None = None
    workspace: Workspace = field(init=False, default_factory=Workspace)
    socket_mode: FakeSocketMode = field(init=False, default_factory=FakeSocketMode)
    base_url: str = field(init=False, default="")
    _web_api: WebApi = field(init=False)
    # The port asked for: each start binds it again, while `port` becomes the one bound.
    _asked_port: int = field(init=False)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)
    _calls: list[RecordedCall] = field(init=False, default_factory=list)
    _faults: Faults = field(init=False, default_factory=Faults)
    _targets: dict[str, ResponseTarget] = field(init=False, default_factory=dict)
    _loop: asyncio.AbstractEventLoop | None = field(init=False, default=None)
    _thread: threading.Thread | None = field(init=False, default=None)
    _runner: web.AppRunner | None = field(init=False, default=None)
    _started: threading.Event = field(init=False, default_factory=threading.Event)
    _startup_error: BaseException | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self._web_api = WebApi(self.workspace, self.team_id)
        self._asked_port = self.port

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Start serving; returns once the port is bound.

        Raises:
            RuntimeError: the server could not start (the port is taken, for instance).
        """
        self._thread = threading.Thread(target=self._run, name="fake-slack", daemon=True)
        self._thread.start()
        self._started.wait(timeout=10)
        if self._startup_error is not None or not self.base_url:
            raise RuntimeError(f"fake Slack did not start: {self._startup_error}")

    def stop(self) -> None:
        """Stop serving and join the thread; safe to call twice."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None or not thread.is_alive():
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)

    def extra_routes(self) -> list[web.RouteDef]:
        """Routes a subclass adds (the sandbox page); registered before the server starts."""
        return []

    @property
    def api_url(self) -> str:
        """The Web API base for `AsyncWebClient(base_url=...)`, ending in `/api/`."""
        return f"{self.base_url}/api/"

    # -- what the bot did ------------------------------------------------------------------

    @property
    def calls(self) -> list[RecordedCall]:
        """Every request so far, in arrival order (a copy)."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[RecordedCall]:
        return [call for call in self.calls if call.method == method]

    @property
    def responses(self) -> list[RecordedCall]:
        """Posts to response_urls (`method == "response_url"`)."""
        return self.calls_to("response_url")

    def responses_to(self, url: str) -> list[RecordedCall]:
        return [call for call in self.responses if call.target == url]

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """The channel's messages now: posts with their `ts`, updates applied, replies included."""
        return self.workspace.messages(channel)

    def ephemeral_messages(self, channel: str, user: str | None = None) -> list[dict[str, Any]]:
        return self.workspace.ephemeral_messages(channel, user)

    def home_view(self, user: str) -> dict[str, Any] | None:
        """The App Home view last published for `user`."""
        return self.workspace.view(user)

    @property
    def socket_acks(self) -> list[SocketAck]:
        return self.socket_mode.acks

    def new_response_url(
        self,
        *,
        channel: str | None = None,
        user: str | None = None,
        message_ts: str | None = None,
        ephemeral: bool = True,
    ) -> str:
        """A URL the bot can POST to like Slack's response_url; posts are recorded.

        With `channel`, posts also change the workspace: a new ephemeral or in-channel message,
        or (`replace_original`) the message `message_ts` the URL belongs to.
        """
        key = uuid.uuid4().hex
        with self._lock:
            self._targets[key] = ResponseTarget(channel, user, message_ts, ephemeral)
        return f"{self.base_url}/response/{key}"

    def fail(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int | None = 1,
        error: str | None = None,
        count: int = 1,
        for_s: float | None = None,
    ) -> None:
        """Make the next `count` calls to `method` fail, or every call for `for_s` seconds.

        With `error`, they answer 200 `{"ok": false, "error": error}` (`channel_not_found`);
        otherwise `status`: 429 carries `Retry-After: retry_after`, others a bare error. Faults
        apply in the order given; a timed one ends `for_s` after this call.
        """
        until = None if for_s is None else time.monotonic() + for_s
        self._faults.add(
            method, Fault(status if error is None else 200, retry_after, error, count, until)
        )

    def stall(self, method: str, *, seconds: float, count: int = 1) -> None:
        """Carry out the next `count` calls to `method`, but answer each only after `seconds`:
        Slack has the message while the caller times out (an answer lost on its way back)."""
        self._faults.add_stalls(method, seconds, count)

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
        """Poll `predicate` until it holds or `timeout` passes; from sync code only."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.02)
        return predicate()

    async def wait_for_async(self, predicate: Callable[[], bool], within: float = 10.0) -> bool:
        """`wait_for` for async tests: yields to the event loop between polls."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if predicate():
                return True
            await asyncio.sleep(0.02)
        return predicate()

    # -- the server ------------------------------------------------------------------------

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._serve())
        except BaseException as exc:  # reported to start(), which raises it
            self._startup_error = exc
            self._started.set()
            loop.close()
            return
        self._started.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self.socket_mode.close_all())
            if self._runner is not None:
                loop.run_until_complete(self._runner.cleanup())
            loop.close()

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{key}", self._response_url)
        app.router.add_get(self.socket_mode.path, self.socket_mode.handle)
        app.router.add_routes(self.extra_routes())
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self._asked_port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.socket_mode.bind(asyncio.get_running_loop(), f"ws://127.0.0.1:{self.port}")
        self._web_api.socket_mode_url = self.socket_mode_url or self.socket_mode.url
        self._web_api.permalink_base = self.base_url  # the sandbox page answers these links

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await request_params(request)
        token = bearer_token(request) or params.pop("token", None)
        params.pop("token", None)
        arrived = time.monotonic()
        if (fault := self._faults.take(method)) is not None:
            return self._faulted(method, params, arrived, fault)
        valid = self.app_token if method == "apps.connections.open" else self.bot_token
        if not token:
            return self._answer(method, params, arrived, {"ok": False, "error": "not_authed"})
        if token != valid:
            return self._answer(method, params, arrived, {"ok": False, "error": "invalid_auth"})
        problems = self._block_problems(method, params)
        if problems:
            body = {"ok": False, "error": "invalid_blocks", "errors": problems}
            return self._answer(method, params, arrived, body)
        try:
            body = self._web_api.call(method, params)
        except SlackMethodError as exc:
            body = {"ok": False, "error": exc.error}
        await asyncio.sleep(self._faults.take_stall(method))
        return self._answer(method, params, arrived, body)

    async def _response_url(self, request: web.Request) -> web.Response:
        key = request.match_info["key"]
        params = await request_params(request)
        arrived = time.monotonic()
        url = f"{self.base_url}/response/{key}"

        def record(status: int, error: str | None) -> None:
            self._record(RecordedCall("response_url", params, arrived, status, error, url))

        if (fault := self._faults.take("response_url")) is not None:
            record(fault.status, fault.error or str(fault.status))
            return web.Response(
                status=fault.status, text=fault.error or "error", headers=fault.headers()
            )
        with self._lock:
            target = self._targets.get(key)
            if target is not None:
                target.uses += 1
        if target is None:
            record(404, "expired_url")
            return web.Response(status=404, text="expired_url")
        if target.uses > RESPONSE_URL_USES:
            record(404, "used_url")
            return web.Response(status=404, text="used_url")
        problems = self._block_problems("response_url", params)
        if problems:
            record(400, "invalid_blocks")
            return web.Response(status=400, text="invalid_blocks: " + "; ".join(problems))
        if "text" not in params and "blocks" not in params and not params.get("delete_original"):
            record(400, "no_text")
            return web.Response(status=400, text="no_text")
        try:
            self.workspace.respond(target, params)
        except SlackMethodError as exc:
            record(404, exc.error)
            return web.Response(status=404, text=exc.error)
        record(200, None)
        return web.Response(text="ok")

    def _block_problems(self, method: str, params: dict[str, Any]) -> list[str]:
        if not self.strict_blocks:
            return []
        if method in ("views.publish", "views.open", "views.update"):
            view = params.get("view")
            blocks = view.get("blocks", []) if isinstance(view, dict) else []
            return budget_problems(blocks, limits=VIEW_LIMITS, require_text=False)
        if method in _MESSAGE_METHODS and isinstance(params.get("blocks"), list):
            text = params.get("text")
            return budget_problems(
                params["blocks"],
                text=text if isinstance(text, str) else None,
                limits=MESSAGE_LIMITS,
            )
        return []

    def _faulted(
        self, method: str, params: dict[str, Any], arrived: float, fault: Fault
    ) -> web.Response:
        if fault.error is not None:
            return self._answer(method, params, arrived, {"ok": False, "error": fault.error})
        error = "ratelimited" if fault.status == 429 else "internal_error"
        self._record(RecordedCall(method, params, arrived, fault.status, error))
        return web.json_response(
            {"ok": False, "error": error}, status=fault.status, headers=fault.headers()
        )

    def _answer(
        self, method: str, params: dict[str, Any], arrived: float, body: dict[str, Any]
    ) -> web.Response:
        error = None if body.get("ok") else str(body.get("error"))
        self._record(RecordedCall(method, params, arrived, 200, error))
        return web.json_response(body)

    def _record(self, call: RecordedCall) -> None:
        with self._lock:
            self._calls.append(call)
