"""The repair decision guard and log: one claim per (repair, decision), shared by every replica
of a store, released only on request; every attempt kept. Run on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.alerts.decisions import Decision, DecisionRecord, DecisionResult
from tests.bot.alerts.backends import Backend

pytestmark = pytest.mark.anyio

AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


async def test_only_the_first_claim_of_a_decision_wins_even_across_two_replicas(
    backend: Backend,
) -> None:
    one, two = await backend.open(), await backend.open()
    try:
        results = await asyncio.gather(
            one.claim_decision("rem-1", Decision.APPROVE, "U1", AT),
            two.claim_decision("rem-1", Decision.APPROVE, "U2", AT),
        )
        winner = "U1" if results[0] is None else "U2"
        assert sorted(results, key=str) == sorted([None, winner], key=str)
        assert await one.claim_decision("rem-1", Decision.REJECT, "U3", AT) is None
    finally:
        await one.close()
        await two.close()


async def test_a_released_claim_may_be_taken_again(backend: Backend) -> None:
    store = await backend.open()
    try:
        assert await store.claim_decision("rem-2", Decision.APPROVE, "U1", AT) is None
        assert await store.claim_decision("rem-2", Decision.APPROVE, "U2", AT) == "U1"
        await store.release_decision("rem-2", Decision.APPROVE)
        assert await store.claim_decision("rem-2", Decision.APPROVE, "U2", AT) is None
    finally:
        await store.close()


async def test_every_attempt_is_kept_in_the_log_and_survives_a_restart(backend: Backend) -> None:
    store = await backend.open()
    record = DecisionRecord(
        at=AT,
        user_id="U1",
        team_id="T1",
        channel_id="C1",
        decision=Decision.APPROVE,
        cluster_id="c-1",
        instance_id="i-1",
        remediation_id="rem-3",
        result=DecisionResult.DONE,
        detail="comment='swap it'",
    )
    try:
        await store.log_decision(record)
        await store.log_decision(replace(record, remediation_id="rem-4"))
    finally:
        await store.close()
    store = await backend.open()
    try:
        assert await store.decision_log("rem-3") == [record]
        assert [r.remediation_id for r in await store.decision_log()] == ["rem-3", "rem-4"]
    finally:
        await store.close()
