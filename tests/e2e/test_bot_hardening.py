"""The real `clusters-bot` against a Slack that refuses or never answers, and against clients
that are not Slack: a rejected app token, signals in every Socket Mode state, huge bodies and
connections left half-sent. Bounds are generous; the figures are printed (`pytest -s`)."""

from __future__ import annotations

import select
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from signal import SIGINT, SIGTERM, Signals

import httpx
import pytest

from clusters_devkit import FakeSlack
from clusters_devkit.payloads import Person, sign, slash_command_body
from clusters_devkit.rig import free_port
from clusters_devkit.world import TEAM, Secrets, World
from tests.bot.sockets import silent_websocket_url

pytestmark = pytest.mark.e2e

STOP_WITHIN_S = 5.0
MIB = 1024 * 1024


def socket_mode_world(tmp_path: Path, socket_mode_url: str | None = None) -> World:
    secrets = Secrets()
    slack = FakeSlack(
        bot_token=secrets.bot_token,
        app_token=secrets.app_token,
        team_id=TEAM,
        socket_mode_url=socket_mode_url,
    )
    return World(tmp_path, slack=slack, secrets=secrets)


def test_an_app_token_slack_rejects_is_refused_in_one_line(tmp_path: Path) -> None:
    with socket_mode_world(tmp_path) as world:
        finished = world.run_bot_until_exit(
            world.bot_env(SLACK_APP_TOKEN="xapp-revoked-0000"), timeout_s=30
        )
    assert finished.returncode == 2
    assert finished.stderr.strip().splitlines()[-1] == (
        "clusters-bot: Slack rejected SLACK_APP_TOKEN (invalid_auth); create an app-level "
        "token with the connections:write scope under Slack app settings > Basic Information "
        "> App-Level Tokens."
    )
    assert "Traceback" not in finished.stderr
    assert "Retrying" not in finished.stderr
    assert "xapp-revoked" not in finished.stderr


def stop_and_time(world: World, signum: Signals) -> tuple[int, float]:
    assert world.bot is not None
    started = time.monotonic()
    world.bot.signal(signum)
    try:
        status = world.bot.wait(STOP_WITHIN_S * 3)
    finally:
        elapsed = time.monotonic() - started
        world.stop_bot()
    return status, elapsed


@pytest.mark.parametrize("signum", [SIGTERM, SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_the_bot_while_slack_refuses_its_websocket(
    tmp_path: Path, signum: Signals
) -> None:
    nothing_listens = f"ws://127.0.0.1:{free_port()}/socket-mode"
    with socket_mode_world(tmp_path, nothing_listens) as world:
        bot = world.start_bot(world.bot_env(SLACK_APP_TOKEN=world.secrets.app_token), http=False)
        bot.wait_for_log("Failed to connect", timeout_s=30)  # Bolt is in its retry loop
        status, elapsed = stop_and_time(world, signum)
    print(f"\nstopped by {signum.name} while retrying in {elapsed:.2f} s")
    assert status == 0, world.bot_log()
    assert elapsed < STOP_WITHIN_S


def test_sigterm_stops_the_bot_while_its_websocket_handshake_hangs(tmp_path: Path) -> None:
    with (
        silent_websocket_url(backlog=16) as silent_socket,
        socket_mode_world(tmp_path, silent_socket) as world,
    ):
        world.start_bot(world.bot_env(SLACK_APP_TOKEN=world.secrets.app_token), http=False)
        world.wait(lambda: bool(world.slack.calls_to("apps.connections.open")))
        time.sleep(1.0)  # well into the handshake, which would wait five minutes
        status, elapsed = stop_and_time(world, SIGTERM)
    print(f"\nstopped by SIGTERM mid-handshake in {elapsed:.2f} s")
    assert status == 0, world.bot_log()
    assert elapsed < STOP_WITHIN_S


def test_sigterm_stops_the_bot_while_connected(tmp_path: Path) -> None:
    with socket_mode_world(tmp_path) as world:
        world.start_bot(world.bot_env(SLACK_APP_TOKEN=world.secrets.app_token), http=False)
        world.wait(lambda: world.slack.socket_mode.connected)
        status, elapsed = stop_and_time(world, SIGTERM)
    print(f"\nstopped by SIGTERM while connected in {elapsed:.2f} s")
    assert status == 0, world.bot_log()
    assert elapsed < STOP_WITHIN_S


# -- HTTP mode against clients that are not Slack -----------------------------------------


@pytest.fixture
def http_world(tmp_path: Path) -> Iterator[World]:
    with World(tmp_path) as world:
        world.start_bot()
        yield world


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def post_huge(port: int, size: int, *, chunked: bool) -> tuple[int, bytes]:
    """POST `size` unsigned bytes as fast as the bot takes them; (bytes sent, its answer)."""
    length = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
    head = f"POST /slack/events HTTP/1.1\r\nHost: bot\r\n{length}\r\n\r\n".encode()
    chunk = b"x" * MIB
    framed = f"{MIB:x}\r\n".encode() + chunk + b"\r\n" if chunked else chunk
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head)
        try:
            while sent < size:
                sock.sendall(framed)
                sent += MIB
        except OSError:
            pass  # the bot answered and closed: it stopped reading
        try:
            answer = sock.recv(4096)
        except OSError:
            answer = b""
    return sent, answer


def test_huge_unsigned_posts_neither_swell_the_bot_nor_stall_it(http_world: World) -> None:
    assert http_world.bot is not None
    pid, port = http_world.bot.pid, http_world.bot_port
    before = rss_bytes(pid)
    latencies: list[float] = []
    done = threading.Event()

    def probe() -> None:
        with httpx.Client(base_url=http_world.bot_url, timeout=10) as http:
            while not done.is_set():
                started = time.monotonic()
                assert http.get("/healthz").status_code == 200
                latencies.append(time.monotonic() - started)
                time.sleep(0.01)

    prober = threading.Thread(target=probe)
    prober.start()
    results: list[tuple[int, bytes]] = []
    try:
        for n in range(10):
            results.append(post_huge(port, 200 * MIB, chunked=n % 2 == 1))
            started = time.monotonic()
            assert httpx.get(f"{http_world.bot_url}/healthz", timeout=10).status_code == 200
            latencies.append(time.monotonic() - started)
    finally:
        done.set()
        prober.join()
    growth = rss_bytes(pid) - before
    print(
        f"\nRSS {before / MIB:.0f} MiB, growth after 10 x 200 MiB: {growth / MIB:.1f} MiB; "
        f"/healthz max {max(latencies) * 1000:.0f} ms over {len(latencies)} probes; "
        f"MiB sent before the cut: {[sent // MIB for sent, _ in results]}"
    )
    assert growth < 64 * MIB
    assert max(latencies) < 1.0
    log = http_world.bot_log()
    assert log.count("Refused a request") == 10, log
    assert "Traceback" not in log
    for sent, answer in results:
        assert answer.startswith(b"HTTP/1.1 413") or sent < 200 * MIB


def test_a_signed_command_is_acked_while_300_connections_hang_half_sent(
    http_world: World,
) -> None:
    hanging = [
        socket.create_connection(("127.0.0.1", http_world.bot_port), timeout=10) for _ in range(300)
    ]
    try:
        for sock in hanging:
            sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Ty")
        opened = time.monotonic()
        url = http_world.slack.new_response_url(channel="C0OPS", user="U0ALICE")
        person = Person("U0ALICE", "alice", TEAM, "example")
        body = slash_command_body(
            person, text="help", channel_id="C0OPS", channel_name="ops", response_url=url
        )
        signed = sign(body, signing_secret=http_world.secrets.signing_secret)
        started = time.monotonic()
        acked = http_world.post(signed.body, signed.headers)
        ack_s = time.monotonic() - started
        assert acked.status_code == 200
        assert ack_s < 3.0
        closed_after = seconds_until_all_closed(hanging, within_s=30)
    finally:
        for sock in hanging:
            sock.close()
    print(
        f"\nack with 300 half-sent connections open: {ack_s * 1000:.0f} ms; "
        f"all 300 closed by the bot {closed_after + (started - opened):.1f} s after they stalled"
    )
    assert closed_after < 20


def seconds_until_all_closed(sockets: list[socket.socket], *, within_s: float) -> float:
    """How long until the peer has closed every socket (EOF or reset)."""
    started = time.monotonic()
    open_ones = set(sockets)
    while open_ones and time.monotonic() - started < within_s:
        readable, _, _ = select.select(list(open_ones), [], [], 0.5)
        for sock in readable:
            try:
                if sock.recv(1024) == b"":
                    open_ones.discard(sock)
            except OSError:
                open_ones.discard(sock)
    assert not open_ones, f"{len(open_ones)} connections still open after {within_s} s"
    return time.monotonic() - started
