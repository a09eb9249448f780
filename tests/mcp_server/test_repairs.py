"""The repair tools: list always; approve and reject only with writes on, once confirmed."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import types
from mcp.client.session import ClientRequestContext

from tests.mcp_server.harness import API_KEY, Harness, error_text, serve, text_of

pytestmark = pytest.mark.anyio

CLUSTER = "rl-sweeps-h200"
WRITE_TOOLS = {"approve_remediation", "reject_remediation"}


class Asker:
    """An elicitation callback that records each question and answers `action`."""

    def __init__(self, action: str, confirm: bool = True) -> None:
        self.action = action
        self.confirm = confirm
        self.questions: list[str] = []

    async def __call__(
        self, context: ClientRequestContext, params: types.ElicitRequestParams
    ) -> types.ElicitResult:
        self.questions.append(params.message)
        content = {"confirm": self.confirm} if self.action == "accept" else None
        return types.ElicitResult(action=self.action, content=content)


async def pending(h: Harness) -> dict[str, Any]:
    result = await h.call("list_remediations", cluster=CLUSTER)
    assert not result.is_error, text_of(result)
    assert result.structured_content is not None
    entry: dict[str, Any] = result.structured_content["remediations"][0]
    assert entry["state"] == "PENDING_APPROVAL"
    return {**entry, "cluster_id": result.structured_content["cluster_id"]}


def decisions_sent(h: Harness) -> int:
    return sum(1 for r in h.sim.stats()["recent"] if r["method"] == "POST")


def state_of(h: Harness, entry: dict[str, Any]) -> str:
    cluster = h.sim.cluster(entry["cluster_id"])
    remediation = next(
        n["latest_remediation"]
        for n in cluster["gpu_worker_nodes"]
        if n.get("instance_id") == entry["instance_id"]
    )
    state: str = remediation["state"]
    return state


async def test_the_write_tools_are_absent_by_default_and_listing_is_there() -> None:
    async with serve() as h:
        names = {tool.name for tool in (await h.client.list_tools()).tools}
    assert "list_remediations" in names
    assert not names & WRITE_TOOLS


async def test_with_writes_on_the_tools_are_destructive_and_say_to_ask_the_user() -> None:
    async with serve(writes=True) as h:
        tools = {tool.name: tool for tool in (await h.client.list_tools()).tools}
    for name in WRITE_TOOLS:
        hints = tools[name].annotations
        assert hints is not None
        assert (hints.read_only_hint, hints.destructive_hint) == (False, True)
        assert hints.idempotent_hint is False
        assert "ask them to confirm" in " ".join((tools[name].description or "").split())
        assert "confirm" in tools[name].input_schema["properties"]
        assert "answer" not in tools[name].input_schema["properties"]
    modes = tools["approve_remediation"].input_schema["properties"]["mode"]
    assert "HOST_POWER_CYCLE" not in str(modes)


async def test_a_clusters_repairs_are_listed_with_their_alerts() -> None:
    async with serve() as h:
        result = await h.call("list_remediations", cluster=CLUSTER)
    text = text_of(result)
    assert "1 awaiting approval" in text
    assert "PENDING_APPROVAL, HOST_AWARE, automated" in text
    assert "GPU Xid 79: fallen off the bus" in text


async def test_an_unknown_node_is_refused_with_the_clusters_nodes() -> None:
    async with serve() as h:
        text = error_text(await h.call("list_remediations", cluster=CLUSTER, node="gpu-99"))
    assert "No node gpu-99 on rl-sweeps-h200" in text
    assert f"{CLUSTER}-gpu-00" in text


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_an_accepted_question_approves_with_the_comment_marked(mode: str) -> None:
    asker = Asker("accept")
    options = {"elicitation_callback": asker, "mode": mode}
    async with serve(writes=True, client_options=options) as h:
        entry = await pending(h)
        result = await h.call(
            "approve_remediation",
            cluster=CLUSTER,
            remediation_id=entry["id"],
            comment="node is dead",
        )
        assert not result.is_error, text_of(result)
        assert state_of(h, entry) == "PENDING"
    [question] = set(asker.questions)
    assert f"Approve the repair {entry['id']} of node {entry['node']}" in question
    assert "via AI assistant: node is dead" in question
    done = result.structured_content
    assert done is not None
    assert done["decision"] == "approved"
    assert done["remediation"]["review_comment"] == "via AI assistant: node is dead"


@pytest.mark.parametrize("answer", [Asker("decline"), Asker("cancel"), Asker("accept", False)])
async def test_a_question_not_answered_yes_sends_nothing(answer: Asker) -> None:
    async with serve(writes=True, client_options={"elicitation_callback": answer}) as h:
        entry = await pending(h)
        result = await h.call(
            "reject_remediation", cluster=CLUSTER, remediation_id=entry["id"], comment="no"
        )
        text = error_text(result)
        assert "the user did not confirm" in text
        assert decisions_sent(h) == 0
        assert state_of(h, entry) == "PENDING_APPROVAL"


async def test_without_elicitation_confirm_true_is_required() -> None:
    async with serve(writes=True) as h:
        entry = await pending(h)
        args = {"cluster": CLUSTER, "remediation_id": entry["id"], "comment": "flaky"}
        refused = await h.call("reject_remediation", **args)
        assert refused.is_error
        assert "Ask the user whether to reject this repair" in text_of(refused)
        assert "confirm=true" in text_of(refused)
        assert decisions_sent(h) == 0
        done = await h.call("reject_remediation", **args, confirm=True)
        assert not done.is_error, text_of(done)
        assert state_of(h, entry) == "CANCELLED"
    assert "Done: rejected" in text_of(done)


async def test_a_read_only_key_is_refused_in_words() -> None:
    async with serve(writes=True) as h:
        entry = await pending(h)
        h.sim.set_read_only_keys([API_KEY])
        result = await h.call(
            "approve_remediation",
            cluster=CLUSTER,
            remediation_id=entry["id"],
            comment="go",
            confirm=True,
        )
    text = error_text(result)
    assert "this API key may not approve repairs" in text
    assert "do not retry" in text


async def test_a_repair_already_decided_says_who_decided() -> None:
    async with serve(writes=True) as h:
        entry = await pending(h)
        args = {"cluster": CLUSTER, "remediation_id": entry["id"], "confirm": True}
        await h.call("approve_remediation", **args, comment="first")
        again = await h.call("approve_remediation", **args, comment="second")
    assert again.is_error
    assert "is no longer pending: now PENDING, reviewed by api-key-owner@example.com" in (
        text_of(again)
    )


async def test_an_unknown_remediation_is_refused_before_anything_is_asked() -> None:
    asker = Asker("accept")
    async with serve(writes=True, client_options={"elicitation_callback": asker}) as h:
        result = await h.call(
            "approve_remediation", cluster=CLUSTER, remediation_id="rem-x", comment="go"
        )
        assert decisions_sent(h) == 0
    text = error_text(result)
    assert "No remediation 'rem-x'" in text or "No remediation rem-x" in text
    assert asker.questions == []
