"""`/readyz`: 503 naming what is wrong when the state store or Socket Mode is down; Together
being down shows in the body but leaves the replica ready. Served by the bot's own routes."""

from __future__ import annotations

from pathlib import Path

import anyio
import httpx
import pytest
from prometheus_client import REGISTRY
from starlette.applications import Starlette

from bot.alerts.gauges import outbox_probe
from bot.alerts.postgres.store import PostgresStore
from bot.alerts.sqlite.store import SqliteStore
from bot.ops_http import ops_routes
from bot.readiness import Readiness
from clusters_devkit.postgres import PASSWORD, PostgresServer

pytestmark = pytest.mark.anyio


async def get(readiness: Readiness, path: str) -> httpx.Response:
    app = Starlette(routes=ops_routes(readiness))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
        return await client.get(path)


async def signed_in_with(store: SqliteStore) -> Readiness:
    readiness = Readiness()
    readiness.signed_in = True
    readiness.watch_store(outbox_probe(store))
    return readiness


async def test_a_reachable_store_is_ready_and_sets_the_outbox_gauges(tmp_path: Path) -> None:
    store = SqliteStore.open(tmp_path / "state.db")
    try:
        response = await get(await signed_in_with(store), "/readyz")
        assert response.status_code == 200
        assert response.json()["checks"] == {"slack": "ok", "state_store": "ok"}
        assert (await get(await signed_in_with(store), "/metrics")).status_code == 200
        assert REGISTRY.get_sample_value("clusters_outbox_pending_messages") == 0
    finally:
        await store.close()


async def test_an_unreachable_state_store_makes_it_503_with_a_body_naming_it(
    tmp_path: Path,
) -> None:
    store = SqliteStore.open(tmp_path / "state.db")
    readiness = await signed_in_with(store)
    await store.close()  # the store's connection is gone: every read fails

    response = await get(readiness, "/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["ready"] is False
    assert body["checks"]["slack"] == "ok"
    assert body["checks"]["state_store"].startswith("the state store failed")
    assert body["problems"] == [f"state_store: {body['checks']['state_store']}"]


async def test_a_store_that_hangs_is_unready_after_the_probe_timeout() -> None:
    async def hangs() -> None:
        await anyio.sleep(60)

    readiness = Readiness(probe_timeout_s=0.05)
    readiness.signed_in = True
    readiness.watch_store(hangs)

    response = await get(readiness, "/readyz")

    assert response.status_code == 503
    assert "did not answer within 0.05 s" in response.json()["checks"]["state_store"]


async def test_socket_mode_is_unready_until_connected_and_while_disconnected() -> None:
    readiness = Readiness(socket_mode=True)
    readiness.signed_in = True
    assert (await get(readiness, "/readyz")).json()["checks"]["socket_mode"] == "not connected yet"
    connected = False

    async def is_connected() -> bool:
        return connected

    readiness.watch_socket(is_connected)
    down = await get(readiness, "/readyz")
    assert down.status_code == 503
    assert "disconnected" in down.json()["checks"]["socket_mode"]
    connected = True
    assert (await get(readiness, "/readyz")).status_code == 200


async def test_not_yet_signed_in_to_slack_is_unready_and_healthz_still_answers() -> None:
    readiness = Readiness()
    assert (await get(readiness, "/readyz")).status_code == 503
    assert (await get(readiness, "/healthz")).json() == {"ok": True}


async def test_postgresql_going_away_makes_it_503_without_its_password_and_ready_once_back(
    postgres_server: PostgresServer, postgres_url: str
) -> None:
    store = await PostgresStore.open(postgres_url)
    readiness = Readiness()
    readiness.signed_in = True
    readiness.watch_store(outbox_probe(store))
    try:
        assert (await get(readiness, "/readyz")).status_code == 200
        postgres_server.halt()
        try:
            down = await get(readiness, "/readyz")
        finally:
            postgres_server.resume()
        assert down.status_code == 503
        assert down.json()["checks"]["state_store"].startswith("the state store")
        assert PASSWORD not in down.text
        back = await get(readiness, "/readyz")
        assert back.status_code == 200, back.text
    finally:
        await store.close()
