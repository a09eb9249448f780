"""Who may decide repairs, where, and Together's refusals in words (403, 409).

Signed Bolt requests against the real app with the simulator behind the Together client.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette

from bot.alerts.decisions import DecisionResult
from bot.render.approval_buttons import APPROVE_ACTION, REJECT_ACTION
from clusters_devkit import FakeSlack
from shared.client import ClustersClient
from shared.models import Remediation
from shared.simulator import simulator_state
from tests.bot.approvals.harness import approving
from tests.bot.approvals.test_approving_repairs import DEGRADED, OTHER, loaded, open_modal
from tests.bot.slack_app import USER, all_text, button_values

pytestmark = pytest.mark.anyio

READ_ONLY_KEY = "sim-read-only-key"


class RacingClient:
    """The Together client, with another approver deciding first whenever the bot approves: the
    bot's own call then meets Together's 409."""

    def __init__(self, inner: ClustersClient) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def approve_remediation(
        self, cluster_id: str, instance_id: str, remediation_id: str, **kw: Any
    ) -> Remediation:
        await self.inner.approve_remediation(
            cluster_id, instance_id, remediation_id, comment="the other approver"
        )
        return await self.inner.approve_remediation(cluster_id, instance_id, remediation_id, **kw)


async def test_a_read_only_key_is_explained_in_the_modal_and_the_claim_is_released(
    fake_slack: FakeSlack, simulator: Starlette, tmp_path: Path
) -> None:
    simulator_state(simulator).set_read_only_keys([READ_ONLY_KEY])
    async with approving(fake_slack, simulator, tmp_path, api_key=READ_ONLY_KEY) as world:
        view = await open_modal(world)
        ack = await world.bot.submit(view, {"comment": "please"})
        assert ack["response_action"] == "errors"
        assert "this API key may not approve repairs" in ack["errors"]["comment"]
        log = await world.store.decision_log()
        assert [r.result for r in log] == [DecisionResult.REFUSED]
        rem_id = log[0].remediation_id
        assert await world.store.claim_decision(rem_id, log[0].decision, USER, log[0].at) is None


async def test_a_repair_decided_by_someone_else_at_the_last_moment_is_told_in_words(
    fake_slack: FakeSlack, simulator: Starlette, tmp_path: Path
) -> None:
    async with approving(fake_slack, simulator, tmp_path, wrap=RacingClient) as world:
        view = await open_modal(world)
        ack = await world.bot.submit(view, {"comment": "mine"})
        assert ack["response_action"] == "errors"
        assert "no longer pending" in ack["errors"]["comment"]
        assert "reviewed by" in ack["errors"]["comment"]
        log = await world.store.decision_log()
        assert [r.result for r in log] == [DecisionResult.REFUSED]


async def test_members_of_an_approver_user_group_may_decide_and_others_may_not(
    fake_slack: FakeSlack, simulator: Starlette, tmp_path: Path
) -> None:
    fake_slack.workspace.set_usergroup("S0ONCALL", [USER])
    async with approving(fake_slack, simulator, tmp_path, approvers="S0ONCALL") as world:
        parent = await world.alert_for(DEGRADED)
        value = button_values(parent["blocks"], REJECT_ACTION)[0]
        refused = await world.bot.answer_to(await world.bot.press(REJECT_ACTION, value, user=OTHER))
        assert "only approvers" in refused.params["text"]
        assert "<!subteam^S0ONCALL>" in refused.params["text"]
        await world.bot.press(REJECT_ACTION, value)
        view = await world.bot.modal(loaded)
        assert "Comment (required to reject)" in all_text(view["blocks"])
        assert len(fake_slack.calls_to("usergroups.users.list")) == 1  # cached


async def test_a_channel_scoped_to_another_project_refuses_this_clusters_repairs(
    fake_slack: FakeSlack, simulator: Starlette, tmp_path: Path
) -> None:
    scoped = {"C0OPS": "proj-inference"}
    async with approving(
        fake_slack, simulator, tmp_path, clusters_channel_projects=scoped
    ) as world:
        parent = await world.alert_for(DEGRADED)
        value = button_values(parent["blocks"], APPROVE_ACTION)[0]
        await world.bot.press(APPROVE_ACTION, value, channel="C0OPS")
        view = await world.bot.modal(loaded)
        assert "shows only project `proj-inference`" in all_text(view["blocks"])
        assert all(b["type"] != "input" for b in view["blocks"])
        assert world.decision_calls() == 0


async def test_a_slack_connect_guest_is_refused_even_when_their_team_is_allowed(
    fake_slack: FakeSlack, simulator: Starlette, tmp_path: Path
) -> None:
    async with approving(
        fake_slack, simulator, tmp_path, slack_allowed_team_ids="T0GUEST"
    ) as world:
        parent = await world.alert_for(DEGRADED)
        value = button_values(parent["blocks"], APPROVE_ACTION)[0]
        url = await world.bot.press(APPROVE_ACTION, value, user_team="T0GUEST")
        answer = await world.bot.answer_to(url)
        assert "never from another organisation" in answer.params["text"]
        assert fake_slack.calls_to("views.open") == []
        view = await open_modal(world)  # a member may; the guest's submission may not
        ack = await world.bot.submit(view, {"comment": "x"}, user_team="T0GUEST")
        assert "never from another organisation" in all_text(ack["view"]["blocks"])
        assert world.decision_calls() == 0


async def test_without_approvers_there_are_no_repair_buttons_anywhere(
    fake_slack: FakeSlack, simulator: Starlette, tmp_path: Path
) -> None:
    async with approving(fake_slack, simulator, tmp_path, approvers="") as world:
        parent = await world.alert_for(DEGRADED)
        assert button_values(parent["blocks"], APPROVE_ACTION) == []
        detail = await world.bot.command(f"show {DEGRADED}")
        assert button_values(detail.params["blocks"], APPROVE_ACTION) == []


async def test_clusters_show_offers_the_buttons_next_to_the_pending_repair(
    fake_slack: FakeSlack, simulator: Starlette, tmp_path: Path
) -> None:
    async with approving(fake_slack, simulator, tmp_path) as world:
        detail = await world.bot.command(f"show {DEGRADED}")
        values = button_values(detail.params["blocks"], APPROVE_ACTION)
        assert len(values) == 1 and len(values[0]) < 400
        await world.bot.press(APPROVE_ACTION, values[0])
        view = await world.bot.modal(loaded)
        ack = await world.bot.submit(view, {"comment": "from show"})
        assert "Approved" in all_text(ack["view"]["blocks"])
        assert world.decision_calls() == 1
