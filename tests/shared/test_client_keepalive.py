"""A keep-alive connection the server closed as it was reused is sent again quietly; a server
that never answers is still a failure that is retried and logged."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest

from shared.client import ClustersClient
from shared.errors import APIConnectionError
from shared.keepalive import KEEPALIVE_EXPIRY_S
from shared.settings import TogetherSettings

pytestmark = pytest.mark.anyio

BODY = b'{"clusters": []}'
ANSWER = (
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
    b"content-length: " + str(len(BODY)).encode() + b"\r\n\r\n" + BODY
)


@dataclass
class DroppingServer:
    """An HTTP/1.1 server on loopback that answers `answers(connection)` requests per connection
    and then closes it, without a word, when the next request arrives on it."""

    answers: Callable[[int], int]
    connections: int = 0
    requests: list[int] = field(default_factory=list)
    url: str = ""

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        number = self.connections
        self.connections += 1
        answered = 0
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                self.requests.append(number)
                if answered >= self.answers(number):
                    break
                writer.write(ANSWER)
                await writer.drain()
                answered += 1
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()


Serve = Callable[[Callable[[int], int]], Awaitable[DroppingServer]]


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    """Start `DroppingServer`s on loopback ports the OS picks; closed after the test."""
    servers: list[asyncio.Server] = []

    async def build(answers: Callable[[int], int]) -> DroppingServer:
        fake = DroppingServer(answers)
        listening = await asyncio.start_server(fake.handle, "127.0.0.1", 0)
        servers.append(listening)
        fake.url = f"http://127.0.0.1:{listening.sockets[0].getsockname()[1]}/v1"
        return fake

    yield build
    for listening in servers:
        listening.close()
        await listening.wait_closed()


def settings(url: str, attempts: int) -> TogetherSettings:
    return TogetherSettings(api_key="k", base_url=url, max_attempts=attempts, timeout_s=5)


async def no_sleep(_: float) -> None:
    return None


async def test_a_reused_connection_the_server_closed_is_sent_again_without_a_warning(
    serve: Serve, caplog: pytest.LogCaptureFixture
) -> None:
    fake = await serve(lambda connection: 1)
    async with ClustersClient(settings(fake.url, attempts=1), sleep=no_sleep) as client:
        with caplog.at_level(logging.DEBUG):
            await client.list_clusters()
            await client.list_clusters()  # the idle connection is reused, and dropped
    assert fake.requests == [0, 0, 1]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert any("idle connection was closed" in r.getMessage() for r in caplog.records)


async def test_a_server_that_never_answers_is_still_retried_and_logged(
    serve: Serve, caplog: pytest.LogCaptureFixture
) -> None:
    fake = await serve(lambda connection: 0)
    async with ClustersClient(settings(fake.url, attempts=2), sleep=no_sleep) as client:
        with caplog.at_level(logging.WARNING), pytest.raises(APIConnectionError):
            await client.list_clusters()
    assert fake.requests == [0, 1]
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert "Together request failed (attempt 1 of 2" in warnings[0]


async def test_idle_connections_are_dropped_before_a_five_second_server_keep_alive() -> None:
    assert KEEPALIVE_EXPIRY_S < 5  # uvicorn's default, and so the simulator's
    async with ClustersClient(settings("http://127.0.0.1:9/v1", attempts=1)) as client:
        pool = client._http._transport._pool  # type: ignore[attr-defined]
        assert pool._keepalive_expiry == KEEPALIVE_EXPIRY_S
