"""Deciding on node repairs through `ClustersClient`, against the simulator in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from shared.client import ClustersClient
from shared.errors import (
    ClusterNotFoundError,
    RemediationForbiddenError,
    RemediationNotFoundError,
    RemediationNotPendingError,
)
from shared.settings import TogetherSettings
from shared.simulator import create_app, simulator_state
from shared.simulator.repairs import FINISH_AFTER_S, KEY_OWNER, START_AFTER_S
from shared.simulator.state import SimulatorState

pytestmark = pytest.mark.anyio

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
READ_ONLY = "sim-read-only-key"


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Pending:
    """The demo's repair waiting for approval on `rl-sweeps-h200`."""

    cluster_id: str
    instance_id: str
    remediation_id: str
    node_id: str


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app(clock: FakeClock) -> Starlette:
    return create_app("demo", clock=clock, now=NOW, read_only_keys=[READ_ONLY])


@pytest.fixture
def state(app: Starlette) -> SimulatorState:
    return simulator_state(app)


def client_for(app: Starlette, key: str = "sim-key") -> ClustersClient:
    settings = TogetherSettings(api_key=key, base_url="http://127.0.0.1/v1", max_attempts=1)
    return ClustersClient(settings, transport=httpx.ASGITransport(app=app))


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[ClustersClient]:
    async with client_for(app) as client:
        yield client


@pytest.fixture
async def pending(client: ClustersClient) -> Pending:
    cluster = await client.get_cluster("rl-sweeps-h200")
    node = next(n for n in cluster.gpu_worker_nodes if n.latest_remediation is not None)
    assert node.instance_id is not None and node.latest_remediation is not None
    return Pending(cluster.cluster_id, node.instance_id, node.latest_remediation.id, node.node_id)


def raw_cluster(state: SimulatorState, cluster_id: str) -> dict[str, Any]:
    raw: dict[str, Any] = state.cluster(cluster_id)
    return raw


async def test_a_cluster_is_read_by_its_id(client: ClustersClient, pending: Pending) -> None:
    cluster = await client.get_cluster_by_id(pending.cluster_id)
    assert cluster.cluster_name == "rl-sweeps-h200"


async def test_an_unknown_cluster_id_is_reported_as_no_such_cluster(
    client: ClustersClient,
) -> None:
    with pytest.raises(ClusterNotFoundError, match="No cluster matches 'nope'"):
        await client.get_cluster_by_id("nope")


async def test_a_nodes_remediations_are_listed_with_their_linked_alerts(
    client: ClustersClient, pending: Pending
) -> None:
    [remediation] = await client.list_remediations(pending.cluster_id, pending.instance_id)
    assert remediation.id == pending.remediation_id
    assert remediation.state == "PENDING_APPROVAL"
    assert remediation.linked_alerts[0].annotation is not None


async def test_approving_queues_the_repair_with_the_review_recorded(
    client: ClustersClient, pending: Pending
) -> None:
    approved = await client.approve_remediation(
        pending.cluster_id, pending.instance_id, pending.remediation_id, comment="replace it"
    )
    assert approved.state == "PENDING"
    assert (approved.reviewed_by, approved.review_comment) == (KEY_OWNER, "replace it")
    assert approved.review_time is not None


async def test_an_approved_repair_runs_then_succeeds_and_the_node_runs_again(
    client: ClustersClient, pending: Pending, state: SimulatorState
) -> None:
    ids = (pending.cluster_id, pending.instance_id, pending.remediation_id)
    await client.approve_remediation(*ids, comment="go")
    state.timeline(advance_s=START_AFTER_S)
    assert (await client.get_remediation(*ids)).state == "RUNNING"
    state.timeline(advance_s=FINISH_AFTER_S - START_AFTER_S)
    done = await client.get_remediation(*ids)
    assert done.state == "SUCCEEDED"
    assert done.end_time is not None
    cluster = await client.get_cluster_by_id(pending.cluster_id)
    node = next(n for n in cluster.gpu_worker_nodes if n.node_id == pending.node_id)
    assert node.status == "Running"
    assert cluster.status == "Ready"


async def test_a_mode_given_on_approval_replaces_the_recommended_one(
    client: ClustersClient, pending: Pending
) -> None:
    approved = await client.approve_remediation(
        pending.cluster_id,
        pending.instance_id,
        pending.remediation_id,
        comment="reboot first",
        mode="REMEDIATION_MODE_REBOOT_VM",
    )
    assert approved.mode == "REMEDIATION_MODE_REBOOT_VM"


async def test_host_power_cycle_is_refused_as_an_override_before_anything_is_sent(
    client: ClustersClient, pending: Pending
) -> None:
    sent = client.requests_sent
    with pytest.raises(ValueError, match="HOST_POWER_CYCLE cannot be set when approving"):
        await client.approve_remediation(
            pending.cluster_id,
            pending.instance_id,
            pending.remediation_id,
            comment="x",
            mode="REMEDIATION_MODE_HOST_POWER_CYCLE",
        )
    assert client.requests_sent == sent


async def test_approving_twice_says_it_is_no_longer_pending_and_who_decided(
    client: ClustersClient, pending: Pending
) -> None:
    ids = (pending.cluster_id, pending.instance_id, pending.remediation_id)
    await client.approve_remediation(*ids, comment="first")
    with pytest.raises(RemediationNotPendingError) as caught:
        await client.approve_remediation(*ids, comment="second")
    error = caught.value
    assert (error.status_code, error.state, error.reviewed_by) == (409, "PENDING", KEY_OWNER)
    assert f"is no longer pending: now PENDING, reviewed by {KEY_OWNER}" in str(error)


async def test_rejecting_cancels_the_repair_and_leaves_the_node_failed(
    client: ClustersClient, pending: Pending, state: SimulatorState
) -> None:
    ids = (pending.cluster_id, pending.instance_id, pending.remediation_id)
    rejected = await client.reject_remediation(*ids, comment="we drain it ourselves")
    assert rejected.state == "CANCELLED"
    assert (rejected.reviewed_by, rejected.review_comment) == (KEY_OWNER, "we drain it ourselves")
    state.timeline(advance_s=FINISH_AFTER_S)
    node = next(
        n
        for n in raw_cluster(state, pending.cluster_id)["gpu_worker_nodes"]
        if n["node_id"] == pending.node_id
    )
    assert node["status"] == "Failed"
    with pytest.raises(RemediationNotPendingError, match="now CANCELLED"):
        await client.approve_remediation(*ids, comment="changed my mind")


async def test_cancelling_an_approved_repair_stops_it_before_it_runs(
    client: ClustersClient, pending: Pending, state: SimulatorState
) -> None:
    ids = (pending.cluster_id, pending.instance_id, pending.remediation_id)
    await client.approve_remediation(*ids, comment="go")
    cancelled = await client.cancel_remediation(*ids)
    assert cancelled.state == "CANCELLED"
    state.timeline(advance_s=FINISH_AFTER_S)
    assert (await client.get_remediation(*ids)).state == "CANCELLED"


async def test_a_read_only_key_is_refused_in_words_and_nothing_changes(
    app: Starlette, client: ClustersClient, pending: Pending
) -> None:
    ids = (pending.cluster_id, pending.instance_id, pending.remediation_id)
    async with client_for(app, READ_ONLY) as read_only:
        assert len(await read_only.list_remediations(pending.cluster_id, "-")) == 1
        with pytest.raises(RemediationForbiddenError) as caught:
            await read_only.approve_remediation(*ids, comment="go")
        with pytest.raises(RemediationForbiddenError):
            await read_only.reject_remediation(*ids, comment="no")
    assert "this API key may not approve repairs" in str(caught.value)
    assert caught.value.status_code == 403
    assert (await client.get_remediation(*ids)).state == "PENDING_APPROVAL"


async def test_the_control_api_can_make_the_main_key_read_only(
    state: SimulatorState, client: ClustersClient, pending: Pending
) -> None:
    state.set_read_only_keys(["sim-key"])
    with pytest.raises(RemediationForbiddenError):
        await client.cancel_remediation(
            pending.cluster_id, pending.instance_id, pending.remediation_id
        )


async def test_an_unknown_remediation_is_reported_as_not_found(
    client: ClustersClient, pending: Pending
) -> None:
    with pytest.raises(RemediationNotFoundError, match="no remediation rem-x on that cluster"):
        await client.approve_remediation(
            pending.cluster_id, pending.instance_id, "rem-x", comment="go"
        )
    with pytest.raises(RemediationNotFoundError, match="no node inst-x"):
        await client.list_remediations(pending.cluster_id, "inst-x")


async def test_a_finished_repair_stays_in_the_nodes_list_after_a_new_one(
    client: ClustersClient, pending: Pending, state: SimulatorState, clock: FakeClock
) -> None:
    ids = (pending.cluster_id, pending.instance_id, pending.remediation_id)
    await client.reject_remediation(*ids, comment="not now")
    clock.now += 60
    state.patch_cluster(
        pending.cluster_id,
        {
            "nodes": {
                pending.node_id: {"latest_remediation": {"reason": "GPU Xid 74: NVLink error"}}
            }
        },
    )
    newest, older = await client.list_remediations(pending.cluster_id, pending.instance_id)
    assert (newest.state, newest.reason) == ("PENDING_APPROVAL", "GPU Xid 74: NVLink error")
    assert (older.id, older.state) == (pending.remediation_id, "CANCELLED")
