"""Approving and rejecting repairs from Slack: who may, the modal, one call, words for errors.

Signed Bolt requests against the real app, the simulator (demo scenario: `rl-sweeps-h200` has a
repair of a GPU that fell off the bus waiting for approval) behind the Together client, and the
fake Slack recording what the bot did.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette

from bot.alerts.decisions import Decision, DecisionResult
from bot.render.approval_buttons import APPROVE_ACTION, REJECT_ACTION
from clusters_devkit import FakeSlack
from tests.bot.approvals.harness import Approving, approving
from tests.bot.slack_app import USER, all_text, button_values

pytestmark = pytest.mark.anyio

DEGRADED = "rl-sweeps-h200"
OTHER = "U0BOB"


def loaded(view: dict[str, Any]) -> bool:
    return "Reading the repair" not in all_text(view["blocks"])


async def open_modal(world: Approving, action: str = APPROVE_ACTION, **who: Any) -> dict[str, Any]:
    parent = await world.alert_for(DEGRADED)
    await world.bot.press(action, button_values(parent["blocks"], action)[0], **who)
    return await world.bot.modal(loaded)


async def test_a_click_by_someone_not_an_approver_is_refused_privately_and_calls_nothing(
    fake_slack: FakeSlack, simulator: Starlette, tmp_path: Path
) -> None:
    async with approving(fake_slack, simulator, tmp_path) as world:
        parent = await world.alert_for(DEGRADED)
        value = button_values(parent["blocks"], APPROVE_ACTION)[0]
        url = await world.bot.press(APPROVE_ACTION, value, user=OTHER)
        answer = await world.bot.answer_to(url)
        assert "only approvers may approve or reject repairs" in answer.params["text"]
        assert "<@U0ALICE>" in answer.params["text"]
        assert fake_slack.calls_to("views.open") == []
        assert world.decision_calls() == 0


async def test_an_approver_sees_the_repair_and_one_submission_approves_it_with_comment_and_mode(
    fake_slack: FakeSlack, simulator: Starlette, tmp_path: Path
) -> None:
    async with approving(fake_slack, simulator, tmp_path) as world:
        view = await open_modal(world)
        shown = all_text(view["blocks"])
        for fact in (DEGRADED, "HOST_AWARE", "automated", "GPU has fallen off the bus", "Xid 79"):
            assert fact in shown
        assert "Waiting for" in shown and "PENDING_APPROVAL" in shown
        modes = [o["value"] for o in view["blocks"][-1]["element"]["options"]]
        assert "REMEDIATION_MODE_HOST_POWER_CYCLE" not in modes
        assert world.decision_calls() == 0  # nothing until Submit

        ack = await world.bot.submit(
            view, {"comment": "GPU 3 is gone, swap it", "mode": "REMEDIATION_MODE_VM_ONLY"}
        )

        assert ack["response_action"] == "update"
        assert "Approved" in all_text(ack["view"]["blocks"])
        assert world.decision_calls() == 1
        parent = await world.parent_where(lambda m: DEGRADED in m["text"])
        replies = await world.replies(parent)
        assert replies[0].startswith(
            f":white_check_mark: Approved by <@{USER}>: GPU 3 is gone, swap it (VM_ONLY)"
        )
        updated = await world.parent_where(
            lambda m: DEGRADED in m["text"] and not button_values(m["blocks"], APPROVE_ACTION)
        )
        assert "PENDING" in all_text(updated["blocks"])
        log = await world.store.decision_log()
        assert [(r.user_id, r.decision, r.result) for r in log] == [
            (USER, Decision.APPROVE, DecisionResult.DONE)
        ]
        assert "GPU 3 is gone" in log[0].detail and log[0].cluster_id and log[0].instance_id


async def test_a_double_submit_calls_together_once(
    fake_slack: FakeSlack, simulator: Starlette, tmp_path: Path
) -> None:
    async with approving(fake_slack, simulator, tmp_path) as world:
        view = await open_modal(world)
        first, second = await asyncio.gather(
            world.bot.submit(view, {"comment": "go"}), world.bot.submit(view, {"comment": "go"})
        )
        assert world.decision_calls() == 1
        texts = [all_text(a["view"]["blocks"]) for a in (first, second)]
        assert sum("Approved:" in t for t in texts) == 1
        assert any("already" in t.lower() for t in texts)


async def test_two_approvers_at_once_make_one_call_and_the_second_is_told(
    fake_slack: FakeSlack, simulator: Starlette, tmp_path: Path
) -> None:
    async with approving(fake_slack, simulator, tmp_path, approvers=f"{USER},{OTHER}") as world:
        view = await open_modal(world)
        acks = await asyncio.gather(
            world.bot.submit(view, {"comment": "mine"}),
            world.bot.submit(view, {"comment": "no, mine"}, user=OTHER),
        )
        assert world.decision_calls() == 1
        assert sum("Approved:" in all_text(a["view"]["blocks"]) for a in acks) == 1
        results = {r.result for r in await world.store.decision_log()}
        assert DecisionResult.DONE in results and results & {
            DecisionResult.BUSY,
            DecisionResult.STALE,
        }


async def test_a_repair_decided_elsewhere_meanwhile_says_who_and_sends_nothing(
    fake_slack: FakeSlack, simulator: Starlette, tmp_path: Path
) -> None:
    async with approving(fake_slack, simulator, tmp_path) as world:
        view = await open_modal(world)
        fleet = await world.clusters.list_clusters()
        node = next(n for n in fleet if n.cluster_name == DEGRADED)
        failed = next(n for n in node.gpu_worker_nodes if n.latest_remediation is not None)
        rem = failed.latest_remediation
        assert rem is not None
        await world.clusters.approve_remediation(
            node.cluster_id, rem.instance_id or failed.instance_id or "", rem.id, comment="console"
        )
        ack = await world.bot.submit(view, {"comment": "late"})
        text = all_text(ack["view"]["blocks"])
        assert "Already reviewed by" in text and "console" in text
        assert world.decision_calls() == 1  # only the console's
        log = await world.store.decision_log()
        assert [r.result for r in log] == [DecisionResult.STALE]


async def test_rejecting_needs_a_comment_and_then_cancels_the_repair(
    fake_slack: FakeSlack, simulator: Starlette, tmp_path: Path
) -> None:
    async with approving(fake_slack, simulator, tmp_path) as world:
        view = await open_modal(world, REJECT_ACTION)
        assert all(b.get("block_id") != "mode" for b in view["blocks"])
        ack = await world.bot.submit(view, {"comment": "  "})
        assert ack == {
            "response_action": "errors",
            "errors": {"comment": "Say why you reject this repair."},
        }
        assert world.decision_calls("reject") == 0
        ack = await world.bot.submit(view, {"comment": "the job finishes tonight"})
        assert "Rejected" in all_text(ack["view"]["blocks"])
        assert "CANCELLED" in all_text(ack["view"]["blocks"])
        parent = await world.parent_where(lambda m: DEGRADED in m["text"])
        replies = await world.replies(parent)
        assert replies[0].startswith(
            f":no_entry_sign: Rejected by <@{USER}>: the job finishes tonight"
        )
