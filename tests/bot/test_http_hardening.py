"""The HTTP endpoint against clients that are not Slack: huge bodies, malformed requests, and
connections that never finish a request. In-process; the connection tests use real sockets."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from bot.http_server import HttpLimits, create_http_app, serve_http
from tests.bot.slack_app import BotUnderTest, command_body, signed_headers

pytestmark = pytest.mark.anyio

LIMIT = 1024 * 1024
CHUNK = 64 * 1024
CLOSE_WITHIN_S = 5.0  # a liveness bound, not a measurement: the server closes at 0.3 s


class Body:
    """A request body streamed chunk by chunk that counts what the server pulled."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.pulled < self.total:
            self.pulled += CHUNK
            yield b"x" * CHUNK


def client_for(bot: BotUnderTest) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_http_app(bot.app, max_body_bytes=LIMIT))
    return httpx.AsyncClient(transport=transport, base_url="http://bot.test")


async def test_a_body_declared_larger_than_the_limit_is_refused_unread(bot: BotUnderTest) -> None:
    body = Body(8 * LIMIT)
    async with client_for(bot) as http:
        answer = await http.post(
            "/slack/events", content=body, headers={"content-length": str(body.total)}
        )
    assert answer.status_code == 413
    assert body.pulled == 0


async def test_a_chunked_body_is_cut_off_just_past_the_limit(bot: BotUnderTest) -> None:
    body = Body(8 * LIMIT)
    async with client_for(bot) as http:
        answer = await http.post("/slack/events", content=body)
    assert answer.status_code == 413
    assert body.pulled <= LIMIT + CHUNK


async def test_a_signed_command_under_the_limit_is_still_acked(bot: BotUnderTest) -> None:
    body = command_body("help", response_url=bot.slack.new_response_url())
    async with client_for(bot) as http:
        answer = await http.post("/slack/events", content=body, headers=signed_headers(body))
    assert answer.status_code == 200


FORM = "application/x-www-form-urlencoded"
MALFORMED = {
    "non-UTF-8 body": (b"text=\xff\xfe\xfd", {"content-type": FORM}),
    "JSON that does not close": (b"[[[[", {"content-type": "application/json"}),
    "JSON that is not an object": (b"[1, 2]", {"content-type": "application/json"}),
    "a payload field that is not JSON": (b"payload=%5B%5B%5B", {"content-type": FORM}),
    "a word for a timestamp": (
        b"text=help",
        {"content-type": FORM, "x-slack-request-timestamp": "abc", "x-slack-signature": "v0=1"},
    ),
    "a fraction for a timestamp": (
        b"text=help",
        {"content-type": FORM, "x-slack-request-timestamp": "1.5", "x-slack-signature": "v0=1"},
    ),
    "a timestamp of 5,000 digits": (
        b"text=help",
        {
            "content-type": FORM,
            "x-slack-request-timestamp": "9" * 5000,
            "x-slack-signature": "v0=1",
        },
    ),
    "a signature that is not ASCII": (
        b"text=help",
        {"content-type": FORM, "x-slack-request-timestamp": "1", "x-slack-signature": b"v0=\xe9"},
    ),
}


@pytest.mark.parametrize(("body", "headers"), MALFORMED.values(), ids=MALFORMED.keys())
async def test_a_malformed_unsigned_request_is_refused_with_one_warning_and_no_traceback(
    bot: BotUnderTest,
    caplog: pytest.LogCaptureFixture,
    body: bytes,
    headers: dict[str, str | bytes],
) -> None:
    caplog.set_level(logging.DEBUG)
    async with client_for(bot) as http:
        raw = {
            name.encode(): value if isinstance(value, bytes) else value.encode()
            for name, value in headers.items()
        }
        answer = await http.post("/slack/events", content=body, headers=raw)
    assert answer.status_code in (400, 401)
    warnings = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert [record.levelname for record in warnings] == ["WARNING"]
    assert "Refused a request" in warnings[0].getMessage()
    assert all(record.exc_info is None for record in caplog.records)


# -- connections that never finish a request (a real server on a loopback port) ------------

Serve = Callable[[HttpLimits], Awaitable[int]]


@pytest.fixture
async def serve(bot: BotUnderTest) -> AsyncIterator[Serve]:
    """Start `serve_http` with the given limits; returns its port. Stopped afterwards."""
    stop = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []

    async def start(limits: HttpLimits) -> int:
        bound: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        async def listening(port: int) -> None:
            bound.set_result(port)

        task = asyncio.create_task(
            serve_http(
                bot.app, host="127.0.0.1", port=0, stop=stop, on_listening=listening, limits=limits
            )
        )
        tasks.append(task)
        return await asyncio.wait_for(bound, 10)

    yield start
    stop.set()
    await asyncio.wait_for(asyncio.gather(*tasks), 10)


async def is_closed_by_server(reader: asyncio.StreamReader) -> bool:
    """Whether the server closes the connection within `CLOSE_WITHIN_S` without answering."""
    try:
        data = await asyncio.wait_for(reader.read(1024), CLOSE_WITHIN_S)
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True
    return data == b""


async def connect(
    port: int, first_bytes: bytes
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(first_bytes)
    await writer.drain()
    return reader, writer


HALF_HEADER = b"POST /slack/events HTTP/1.1\r\nHost: bot.test\r\nContent-Type: app"
HALF_BODY = b"POST /slack/events HTTP/1.1\r\nHost: bot.test\r\nContent-Length: 100\r\n\r\ntext=help"
STALLED = {"half a header": HALF_HEADER, "headers and half a body": HALF_BODY}


@pytest.mark.parametrize("first_bytes", STALLED.values(), ids=STALLED.keys())
async def test_a_connection_that_stalls_mid_request_is_closed(
    serve: Serve, first_bytes: bytes
) -> None:
    port = await serve(HttpLimits(request_timeout_s=0.3))
    reader, writer = await connect(port, first_bytes)
    assert await is_closed_by_server(reader)
    writer.close()


async def test_a_keep_alive_connection_that_stalls_in_its_second_request_is_closed(
    serve: Serve,
) -> None:
    port = await serve(HttpLimits(request_timeout_s=0.3))
    reader, writer = await connect(port, b"GET /healthz HTTP/1.1\r\nHost: bot.test\r\n\r\n")
    assert b"200 OK" in await asyncio.wait_for(reader.readuntil(b'{"ok":true}'), CLOSE_WITHIN_S)
    writer.write(HALF_HEADER)  # a byte now and then would also keep uvicorn's keep-alive away
    assert await is_closed_by_server(reader)
    writer.close()


async def test_past_the_cap_the_oldest_waiting_connections_make_room(serve: Serve) -> None:
    port = await serve(HttpLimits(request_timeout_s=60, max_connections=4))
    stalled = [await connect(port, HALF_HEADER) for _ in range(8)]
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        assert (await http.get("/healthz")).status_code == 200
    closed = [await is_closed_by_server(reader) for reader, _ in stalled[:5]]
    assert closed == [True] * 5
    for _, writer in stalled:
        writer.close()
