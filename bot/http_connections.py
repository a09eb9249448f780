"""Connections to the HTTP endpoint: a deadline for each request and a cap on how many are open.

uvicorn's h11 protocol waits forever for a request that never completes: a client that sends
half a header (or headers and half a body) holds its connection, and its file descriptor, for
good. `GuardedH11Protocol` closes a connection whose request is not fully received within
`request_timeout_s` of the connection opening or of its previous response (which also ends idle
keep-alive connections), and keeps at most `max_connections` open by closing the one that has
waited longest for a request. uvicorn's own `limit_concurrency` is no help here: it counts the
half-open connections too, and answers the real requests 503.
"""

from __future__ import annotations

import asyncio
import logging
from typing import ClassVar

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

REQUEST_TIMEOUT_S = 10.0
MAX_CONNECTIONS = 512
logger = logging.getLogger(__name__)


class GuardedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with a request deadline and a connection cap.

    Use `GuardedH11Protocol.with_limits(...)` as `uvicorn.Config(http=...)`.
    """

    request_timeout_s: ClassVar[float] = REQUEST_TIMEOUT_S
    max_connections: ClassVar[int] = MAX_CONNECTIONS
    _deadline: asyncio.TimerHandle | None = None
    _waiting_since: float = 0.0

    @classmethod
    def with_limits(
        cls, *, request_timeout_s: float, max_connections: int
    ) -> type[GuardedH11Protocol]:
        """The protocol class to hand uvicorn, with these limits (uvicorn builds one per
        connection and passes no options of ours)."""
        limits = {"request_timeout_s": request_timeout_s, "max_connections": max_connections}
        return type(cls.__name__, (cls,), limits)

    def connection_made(  # type: ignore[override]  # uvicorn narrows it the same way
        self, transport: asyncio.Transport
    ) -> None:
        super().connection_made(transport)
        self._await_request()
        self._enforce_cap()

    def connection_lost(self, exc: Exception | None) -> None:
        self._clear_deadline()
        super().connection_lost(exc)

    def handle_events(self) -> None:
        super().handle_events()
        if self.conn.their_state not in (h11.IDLE, h11.SEND_BODY):
            self._clear_deadline()  # the whole request is in; the app takes its time

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._await_request()

    @property
    def waiting_for_request(self) -> bool:
        """Open, and the client has not finished sending a request (or has not started one)."""
        return not self.transport.is_closing() and self.conn.their_state in (
            h11.IDLE,
            h11.SEND_BODY,
        )

    def _await_request(self) -> None:
        self._clear_deadline()
        self._waiting_since = self.loop.time()
        self._deadline = self.loop.call_later(self.request_timeout_s, self._request_overdue)

    def _clear_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _request_overdue(self) -> None:
        self._deadline = None
        if self.waiting_for_request:
            logger.debug(
                "Closing %s: no complete request in %g s", self.client, self.request_timeout_s
            )
            # If the app is reading the body it sees a disconnect; nothing is sent back.
            self.transport.close()

    def _enforce_cap(self) -> None:
        if len(self.connections) <= self.max_connections:
            return
        waiting = [
            connection
            for connection in self.connections
            if isinstance(connection, GuardedH11Protocol)
            and connection is not self
            and connection.waiting_for_request
            and connection.conn.their_state is h11.IDLE
        ]
        # The oldest idle one goes; with none idle, the newcomer is turned away.
        victim = min(waiting, key=lambda connection: connection._waiting_since, default=self)
        logger.debug("Over %d connections: closing %s", self.max_connections, victim.client)
        victim.transport.close()
