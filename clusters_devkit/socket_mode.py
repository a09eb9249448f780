"""The Socket Mode side of the fake Slack: a websocket that hands the app envelopes.

`apps.connections.open` answers with `FakeSocketMode.url`; the app connects, gets `hello`, and
every envelope sent with `send_envelope` arrives as Slack would send it. The app's acks (with any
response payload) are recorded in `acks`.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from aiohttp import WSMsgType, web


@dataclass(frozen=True, slots=True)
class SocketAck:
    """An acknowledgement the app sent back for one envelope.

    Attributes:
        envelope_id: the envelope it answers.
        payload: the response payload, when the ack carried one.
        at: `time.monotonic()` when the fake received it.
    """

    envelope_id: str
    payload: dict[str, Any] | None
    at: float


class FakeSocketMode:
    """Serves `/socket-mode` on the fake Slack's server; methods are safe from any thread."""

    path = "/socket-mode"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sockets: list[web.WebSocketResponse] = []
        self._acks: list[SocketAck] = []
        self._sent: dict[str, float] = {}
        self._connections = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self.base_url = ""

    def bind(self, loop: asyncio.AbstractEventLoop, base_url: str) -> None:
        """Attach to the server's loop once it listens (`base_url` like `ws://127.0.0.1:PORT`)."""
        self._loop = loop
        self.base_url = base_url

    @property
    def url(self) -> str:
        return f"{self.base_url}{self.path}"

    @property
    def connections(self) -> int:
        """How many times an app has connected (reconnects count)."""
        with self._lock:
            return self._connections

    @property
    def connected(self) -> bool:
        return self.open_connections > 0

    @property
    def open_connections(self) -> int:
        """How many sockets are open now (one per connected app process or replica)."""
        with self._lock:
            return sum(not ws.closed for ws in self._sockets)

    @property
    def acks(self) -> list[SocketAck]:
        with self._lock:
            return list(self._acks)

    def ack_for(self, envelope_id: str) -> SocketAck | None:
        return next((a for a in self.acks if a.envelope_id == envelope_id), None)

    def sent_at(self, envelope_id: str) -> float | None:
        with self._lock:
            return self._sent.get(envelope_id)

    def send_envelope(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool = True,
        to: int = -1,
    ) -> str:
        """Send an envelope (`slash_commands`, `interactive`, `events_api`) to one open socket.

        Args:
            kind: the envelope's `type`.
            payload: what the app gets as the envelope's `payload`.
            accepts_response_payload: whether the app may answer in its ack.
            to: which open socket, in the order they connected (the newest by default); Slack
                spreads envelopes over an app's connections, so each replica gets some.

        Raises:
            RuntimeError: no app is connected, or not that many.
        """
        envelope_id = str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
            "retry_attempt": 0,
            "retry_reason": "",
        }
        with self._lock:
            live = [ws for ws in self._sockets if not ws.closed]
        if not live or self._loop is None:
            raise RuntimeError("no Socket Mode connection is open")
        if not -len(live) <= to < len(live):
            raise RuntimeError(f"no Socket Mode connection {to}: {len(live)} are open")
        with self._lock:
            self._sent[envelope_id] = time.monotonic()
        future = asyncio.run_coroutine_threadsafe(live[to].send_json(envelope), self._loop)
        future.result(timeout=5)
        return envelope_id

    def disconnect_all(self) -> None:
        """Close every socket as Slack does before a refresh; apps are expected to reconnect."""
        if self._loop is None:
            return
        asyncio.run_coroutine_threadsafe(self.close_all(), self._loop).result(timeout=5)

    async def close_all(self) -> None:
        with self._lock:
            sockets = list(self._sockets)
        for ws in sockets:
            await ws.close(message=b"refresh_requested")

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        with self._lock:
            self._sockets.append(ws)
            self._connections += 1
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": 1,
                "connection_info": {"app_id": "A0FAKE"},
                "debug_info": {"host": "fake-slack"},
            }
        )
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                data = json.loads(message.data)
            except ValueError:
                continue
            if isinstance(data, dict) and isinstance(data.get("envelope_id"), str):
                payload = data.get("payload")
                ack = SocketAck(
                    data["envelope_id"],
                    payload if isinstance(payload, dict) else None,
                    time.monotonic(),
                )
                with self._lock:
                    self._acks.append(ack)
        with self._lock:
            self._sockets.remove(ws)
        return ws
