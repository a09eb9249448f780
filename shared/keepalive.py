"""Keep-alive connections to Together that the server has already closed.

A connection left idle in the pool can be closed by the server at the moment it is reused: the
request then fails with no answer at all (`Server disconnected without sending a response`, a
reset). Nothing reached the server's application, so sending again on a new connection is safe,
and it is not a failure worth a warning. Two measures, kept here apart from the retry policy
(`shared.retrying`), which still sees and logs every real failure:

- idle connections are dropped before the server drops them (`KEEPALIVE_EXPIRY_S`, below the 5 s
  of uvicorn, and so of the simulator), which makes the race rare;
- `send_fresh_if_stale` sends once more, logging at debug level only, when it happens anyway.
"""

from __future__ import annotations

import logging

import httpx

logger = logging.getLogger(__name__)

KEEPALIVE_EXPIRY_S = 4.0
"""How long an idle connection is kept for reuse: shorter than servers' usual 5 s."""

POOL_LIMITS = httpx.Limits(keepalive_expiry=KEEPALIVE_EXPIRY_S)

# The request found no one listening on a connection that had been open: no answer came back.
_NO_ANSWER = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)


async def send_fresh_if_stale(http: httpx.AsyncClient, request: httpx.Request) -> httpx.Response:
    """Send `request` (streamed); once more, quietly, if an idle connection was found closed.

    Only a failure before any answer, on a connection the pool held open, is sent again; a
    second failure propagates to the caller's retry policy, which logs it.
    """
    reused = _idle_connections(http) > 0
    try:
        return await http.send(request, stream=True)
    except _NO_ANSWER as exc:
        if not reused:
            raise
        logger.debug("An idle connection was closed by the server (%r); sending again", exc)
        return await http.send(request, stream=True)


def _idle_connections(http: httpx.AsyncClient) -> int:
    """Idle connections in the default transport's pool (0 for any other transport)."""
    transport = getattr(http, "_transport", None)
    pool = getattr(transport, "_pool", None)
    connections = getattr(pool, "connections", None) or []
    return sum(1 for connection in connections if connection.is_idle())
