"""What is wrong with one cluster: one table row per kind of finding, then where findings stop."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from shared.fleet import FindingKind, Level, find_problems, live_gpus
from tests.shared.builders import (
    NOW,
    ago,
    cluster,
    cluster_transition,
    later,
    lifecycle_event_dict,
    remediation_dict,
    volume_dict,
    worker_node_dict,
)
from tests.shared.finding_cases import ONE_DOWN, only, with_remediation

NOT_RUNNING_STATUSES = [
    "WaitingForControlPlaneNodes",
    "WaitingForDataPlaneNodes",
    "WaitingForSubnet",
    "WaitingForSharedVolume",
    "InstallingDrivers",
    "RunningAcceptanceTests",
    "Scheduled",
    "Paused",
    "OnDemandComputePaused",
    "Deleting",
    "Hibernating",
]


# kind, cluster overrides, level, summary, nodes concerned, detail
TABLE: list[tuple[FindingKind, dict[str, Any], Level, str, tuple[str, ...], str | None]] = [
    (
        FindingKind.NODES_NOT_RUNNING,
        {"gpu_worker_nodes": ONE_DOWN},
        Level.WARNING,
        "1/2 nodes not running",
        ("gpu-node-2",),
        "gpu-node-2 (NotReady)",
    ),
    (
        FindingKind.NODES_MARKED_FOR_DELETION,
        {
            "gpu_worker_nodes": [
                worker_node_dict("n-1"),
                worker_node_dict("n-2", marked_for_deletion=True),
            ]
        },
        Level.INFO,
        "1 node marked for deletion",
        ("n-2",),
        None,
    ),
    (
        FindingKind.REMEDIATION_PENDING_APPROVAL,
        {"gpu_worker_nodes": with_remediation()},
        Level.WARNING,
        "remediation awaiting approval on gpu-node-2.internal (HOST_AWARE)",
        ("gpu-node-2",),
        "GPU fell off the bus (Xid 79)",
    ),
    (
        FindingKind.REMEDIATION_FAILED,
        {"gpu_worker_nodes": with_remediation(state="FAILED", error_message="drain timed out")},
        Level.WARNING,
        "remediation failed on gpu-node-2.internal (HOST_AWARE)",
        ("gpu-node-2",),
        "drain timed out",
    ),
    (
        FindingKind.CONTROL_PLANE_NOT_READY,
        {"control_plane_ready": False},
        Level.CRITICAL,
        "control plane not ready",
        (),
        None,
    ),
    (
        FindingKind.TESTS_FAILED,
        {
            "phase_transitions": [
                cluster_transition("READY", ago(days=2)),
                cluster_transition("RUNNING_ACCEPTANCE_TESTS", ago(hours=2)),
                cluster_transition("ACCEPTANCE_TESTS_FAILED", ago(hours=1)),
            ]
        },
        Level.CRITICAL,
        "acceptance tests failed",
        (),
        None,
    ),
    (
        FindingKind.PREEMPTIBLE_SHORTFALL,
        {"desired_preemptible_gpus": 16, "allocated_preemptible_gpus": 8},
        Level.WARNING,
        "preemptible GPUs 8/16",
        (),
        None,
    ),
    (
        FindingKind.PREEMPTED,
        {"node_lifecycle_events": [lifecycle_event_dict(reason="TogetherPreempted")]},
        Level.INFO,
        "1 preemption in 24 h",
        ("gpu-node-1",),
        None,
    ),
    (
        FindingKind.RESERVATION_ENDING,
        {"reservation_end_time": later(hours=48)},
        Level.WARNING,
        "reservation ends in 48 h",
        (),
        None,
    ),
    (
        FindingKind.VOLUME_UNHEALTHY,
        {"volumes": [volume_dict(status="Failed")]},
        Level.WARNING,
        "volume shared-data Failed",
        (),
        None,
    ),
    (
        FindingKind.GPUS_BELOW_ORDER,
        {"num_gpus": 24},
        Level.WARNING,
        "16/24 GPUs live",
        (),
        None,
    ),
    (
        FindingKind.UNKNOWN_VALUES,
        {"gpu_type": "GB200_SXM"},
        Level.INFO,
        "not in the API spec: GPU GB200_SXM",
        (),
        None,
    ),
]


def test_the_healthy_baseline_cluster_has_no_findings() -> None:
    assert find_problems(cluster(), NOW) == []


def test_the_table_has_a_row_for_every_kind_of_finding() -> None:
    assert sorted(row[0] for row in TABLE) == sorted(FindingKind)


@pytest.mark.parametrize(
    ("kind", "overrides", "level", "summary", "nodes", "detail"),
    TABLE,
    ids=[row[0].value for row in TABLE],
)
def test_each_kind_of_finding_is_raised_with_its_level_and_words(
    kind: FindingKind,
    overrides: dict[str, Any],
    level: Level,
    summary: str,
    nodes: tuple[str, ...],
    detail: str | None,
) -> None:
    finding = only(kind, overrides)
    assert (finding.level, finding.summary, finding.nodes, finding.detail) == (
        level,
        summary,
        nodes,
        detail,
    )


@pytest.mark.parametrize("status", NOT_RUNNING_STATUSES)
def test_nodes_gpus_and_the_control_plane_are_not_findings_unless_the_cluster_runs(
    status: str,
) -> None:
    idle = [worker_node_dict(f"n-{i}", status="Pending", num_gpus=0) for i in range(2)]
    found = cluster(
        status=status,
        gpu_worker_nodes=idle,
        num_gpus=16,
        desired_preemptible_gpus=16,
        allocated_preemptible_gpus=0,
        control_plane_ready=False,
    )
    kinds = {f.kind for f in find_problems(found, NOW)}
    assert kinds <= {FindingKind.UNKNOWN_VALUES}


def test_in_a_degraded_cluster_down_nodes_are_findings() -> None:
    found = find_problems(cluster(status="Degraded", gpu_worker_nodes=ONE_DOWN), NOW)
    assert [f.kind for f in found] == [FindingKind.NODES_NOT_RUNNING]


def test_a_control_plane_that_did_not_say_is_not_a_finding() -> None:
    assert find_problems(cluster(control_plane_ready=None), NOW) == []


def test_many_down_nodes_are_listed_five_at_a_time() -> None:
    nodes = [worker_node_dict(f"n-{i}", status="Failed") for i in range(8)]
    finding = only(FindingKind.NODES_NOT_RUNNING, {"gpu_worker_nodes": nodes, "num_gpus": 64})
    assert finding.summary == "8/8 nodes not running"
    assert len(finding.nodes) == 8
    assert finding.detail is not None
    assert finding.detail.endswith("n-4 (Failed) and 3 more")


@pytest.mark.parametrize(
    "state", ["PENDING", "RUNNING", "SUCCEEDED", "CANCELLED", "AUTO_RESOLVED", "QUARANTINED"]
)
def test_remediations_neither_awaiting_approval_nor_failed_are_not_findings(state: str) -> None:
    assert find_problems(cluster(gpu_worker_nodes=with_remediation(state=state)), NOW) == []


def test_a_remediation_that_is_not_a_finding_does_not_hide_the_next_nodes() -> None:
    nodes = [
        worker_node_dict("gpu-node-1", latest_remediation=remediation_dict(state="RUNNING")),
        worker_node_dict("gpu-node-2", latest_remediation=remediation_dict(id="rem-2")),
    ]
    finding = only(FindingKind.REMEDIATION_PENDING_APPROVAL, {"gpu_worker_nodes": nodes})
    assert "gpu-node-2" in finding.summary


def test_a_remediation_on_a_deleted_node_is_not_a_finding() -> None:
    gone = worker_node_dict("gpu-node-0", latest_remediation=remediation_dict())
    assert find_problems(cluster(deleted_gpu_worker_nodes=[gone]), NOW) == []


def test_an_unknown_remediation_mode_is_shown_verbatim() -> None:
    nodes = with_remediation(mode="REMEDIATION_MODE_HOST_POWER_CYCLE")
    finding = only(FindingKind.REMEDIATION_PENDING_APPROVAL, {"gpu_worker_nodes": nodes})
    assert finding.summary.endswith("(HOST_POWER_CYCLE)")


@pytest.mark.parametrize(
    ("phases", "failed"),
    [
        ([("READY", 48), ("ACCEPTANCE_TESTS_FAILED", 1)], "acceptance tests failed"),
        ([("READY", 48), ("NCCL_TESTS_FAILED", 1)], "NCCL tests failed"),
        (
            [("RUNNING_ACCEPTANCE_TESTS", 3), ("ACCEPTANCE_TESTS_FAILED", 2)],
            "acceptance tests failed",
        ),
        (
            [("ACCEPTANCE_TESTS_FAILED", 1), ("RUNNING_ACCEPTANCE_TESTS", 0.5)],
            "acceptance tests failed",
        ),
        ([("ACCEPTANCE_TESTS_FAILED", 48), ("READY", 1)], None),
        ([("NCCL_TESTS_FAILED", 30), ("READY", 20), ("DEGRADED", 1)], None),
        ([("READY", 48)], None),
    ],
    ids=[
        "acceptance_after_ready",
        "nccl_after_ready",
        "never_ready",
        "retrying_after_failure",
        "fixed_since",
        "fixed_then_degraded",
        "never_failed",
    ],
)
def test_failed_tests_count_only_since_the_cluster_was_last_ready(
    phases: list[tuple[str, float]], failed: str | None
) -> None:
    # Listed out of order on purpose: the API does not promise an order.
    transitions = [cluster_transition(phase, ago(hours=hours)) for phase, hours in reversed(phases)]
    found = [
        f.summary
        for f in find_problems(cluster(phase_transitions=transitions), NOW)
        if f.kind == FindingKind.TESTS_FAILED
    ]
    assert found == ([failed] if failed else [])


@pytest.mark.parametrize(
    ("end", "summary"),
    [
        (later(minutes=30), "reservation ends in 30 min"),
        (later(hours=5), "reservation ends in 5 h"),
        (later(hours=72), "reservation ends in 72 h"),
        (later(hours=73), None),
        (later(days=30), None),
        (ago(hours=1), "reservation ended"),
        (None, None),
    ],
    ids=["in_30_min", "in_5_h", "at_72_h", "in_73_h", "in_30_days", "past", "no_reservation"],
)
def test_a_reservation_is_a_finding_within_72_hours_of_its_end(
    end: str | None, summary: str | None
) -> None:
    found = find_problems(cluster(reservation_end_time=end), NOW)
    assert [f.summary for f in found] == ([summary] if summary else [])
    if summary:
        assert found[0].at is not None


@pytest.mark.parametrize(
    ("hours_ago", "reason", "counted"),
    [
        (1, "TogetherPreempted", True),
        (23.9, "TogetherPreempted", True),
        (24.1, "TogetherPreempted", False),
        (72, "TogetherPreempted", False),
        (1, "TogetherScaledDown", False),
    ],
)
def test_preemptions_count_only_within_24_hours(
    hours_ago: float, reason: str, counted: bool
) -> None:
    event = lifecycle_event_dict(reason=reason, timestamp=ago(hours=hours_ago))
    found = find_problems(cluster(node_lifecycle_events=[event]), NOW)
    assert [f.kind for f in found] == ([FindingKind.PREEMPTED] if counted else [])


def test_several_preemptions_are_one_finding_naming_each_node_once() -> None:
    events = [
        lifecycle_event_dict(node_id="n-1", reason="TogetherPreempted", timestamp=ago(hours=5)),
        lifecycle_event_dict(node_id="n-2", reason="TogetherPreempted", timestamp=ago(hours=2)),
        lifecycle_event_dict(node_id="n-1", reason="TogetherPreempted", timestamp=ago(hours=1)),
    ]
    finding = only(FindingKind.PREEMPTED, {"node_lifecycle_events": events})
    assert finding.summary == "3 preemptions in 24 h"
    assert finding.nodes == ("n-1", "n-2")
    assert finding.at == NOW - timedelta(hours=1)


def test_deleted_nodes_never_count_as_live_gpus() -> None:
    gone = worker_node_dict("gpu-node-0", deleted_at=ago(hours=1))
    found = cluster(num_gpus=24, deleted_gpu_worker_nodes=[gone])
    assert live_gpus(found) == 16
    assert [f.summary for f in find_problems(found, NOW)] == ["16/24 GPUs live"]


@pytest.mark.parametrize(
    "status",
    [
        "available",
        "ready",
        "bound",
        "healthy",
        "attached",
        "in-use",
        "in_use",
        "mounted",
        "Bound",
        " Ready ",
    ],
)
def test_volumes_in_a_healthy_state_are_not_findings(status: str) -> None:
    assert find_problems(cluster(volumes=[volume_dict(status=status)]), NOW) == []


def test_a_volume_without_a_status_is_a_finding() -> None:
    finding = only(FindingKind.VOLUME_UNHEALTHY, {"volumes": [volume_dict(status="")]})
    assert finding.summary == "volume shared-data no status"


def test_findings_come_most_serious_first() -> None:
    found = find_problems(
        cluster(
            gpu_type="GB200_SXM",
            gpu_worker_nodes=ONE_DOWN,
            control_plane_ready=False,
        ),
        NOW,
    )
    assert [f.level for f in found] == [Level.CRITICAL, Level.WARNING, Level.INFO]


def test_a_warning_found_late_still_comes_before_an_info_found_early() -> None:
    marked = [worker_node_dict("n-1"), worker_node_dict("n-2", marked_for_deletion=True)]
    found = find_problems(
        cluster(gpu_worker_nodes=marked, reservation_end_time=later(hours=5)), NOW
    )
    assert [f.kind for f in found] == [
        FindingKind.RESERVATION_ENDING,
        FindingKind.NODES_MARKED_FOR_DELETION,
    ]
