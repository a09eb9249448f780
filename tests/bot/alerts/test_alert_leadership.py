"""Leadership in-process: one replica leads, another takes over when it dies, and a database
that goes away stops the leader's duties without stopping the commands.

Two `Leadership`s on two stores of one backend are two replicas (each test runs on SQLite and
on PostgreSQL); the duties they start and stop are recorded.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.alerts.leadership import Leadership
from bot.alerts.postgres import PostgresStore
from bot.alerts.service import AlertService
from bot.alerts.settings import AlertSettings
from bot.alerts.store import AlertStore
from bot.extension import CommandRequest
from clusters_devkit.postgres import PostgresServer
from tests.bot.alerts.backends import Backend

pytestmark = pytest.mark.anyio

TTL_S = 0.6


@dataclass
class Replica:
    store: AlertStore
    duties: list[str] = field(default_factory=list)
    leadership: Leadership | None = None

    async def lead(self) -> None:
        self.duties.append("lead")

    async def follow(self) -> None:
        self.duties.append("follow")

    async def start(self, holder: str) -> Leadership:
        self.leadership = Leadership(
            self.store, ttl_s=TTL_S, on_lead=self.lead, on_follow=self.follow, holder=holder
        )
        await self.leadership.start()
        return self.leadership


@pytest.fixture
async def replicas(backend: Backend) -> AsyncIterator[tuple[Replica, Replica]]:
    a, b = Replica(await backend.open()), Replica(await backend.open())
    yield a, b
    for r in (a, b):
        if r.leadership is not None:
            await r.leadership.stop()
        await r.store.close()


@pytest.fixture
async def leaderships(replicas: tuple[Replica, Replica]) -> tuple[Leadership, Leadership]:
    """The replicas' leaderships, started in turn: the first leads."""
    a, b = replicas
    return await a.start("a"), await b.start("b")


async def eventually(check: object, within: float = 10.0) -> bool:
    deadline = asyncio.get_running_loop().time() + within
    while asyncio.get_running_loop().time() < deadline:
        if callable(check) and check():
            return True
        await asyncio.sleep(0.02)
    return False


async def test_the_first_replica_leads_and_the_second_takes_over_only_once_it_dies(
    replicas: tuple[Replica, Replica], leaderships: tuple[Leadership, Leadership]
) -> None:
    _, b = replicas
    first, second = leaderships
    assert (first.leads, second.leads) == (True, False)
    await asyncio.sleep(3 * TTL_S)  # renewed all along: no takeover
    assert (first.leads, second.leads) == (True, False) and b.duties == []
    assert first._task is not None
    first._task.cancel()  # it dies: no renewal, no release
    started = asyncio.get_running_loop().time()
    assert await eventually(lambda: second.leads)
    assert asyncio.get_running_loop().time() - started <= TTL_S + TTL_S / 3 + 1.0
    assert b.duties == ["lead"] and second.token == 2


async def test_a_replica_that_stops_hands_the_lease_on_at_once(
    replicas: tuple[Replica, Replica], leaderships: tuple[Leadership, Leadership]
) -> None:
    a, _ = replicas
    first, second = leaderships
    await first.stop()
    assert a.duties == ["lead", "follow"]
    await second.attempt()
    assert second.leads


async def test_commands_say_the_state_store_is_unavailable_while_postgresql_is_down(
    postgres_server: PostgresServer, postgres_url: str
) -> None:
    store = await PostgresStore.open(postgres_url, timeout_s=1.0)
    settings = AlertSettings(alert_channel="C0ALERTS", state_db=postgres_url, lease_ttl_s=TTL_S)
    web = AsyncWebClient(token="xoxb-unused", base_url="http://127.0.0.1:9/")
    service = AlertService(settings, _NoClusters(), web, store)  # type: ignore[arg-type]
    await service.start()
    assert service.leads
    request = CommandRequest(args=(), user_id="U1", channel_id="C0TEAM", team_id="T1")
    postgres_server.halt()
    try:
        answer = await service.commands()["subscribe"](request)
        assert "state store is unavailable" in answer.text
        assert await eventually(lambda: not service.leads, 15)  # it stops delivering
    finally:
        postgres_server.resume()
    assert await eventually(lambda: service.leads, 30)  # ... and leads again once it is back
    answer = await service.commands()["subscribe"](request)
    assert "subscribed this channel" in answer.text
    await service.stop()
    await store.close()


class _NoClusters:
    async def list_clusters(self, project_id: str | None = None, *, fresh: bool = False) -> None:
        raise AssertionError("not polled in this test")
