"""Assessments (time in status, uptime, node counts, order) and the fleet summary built on them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.fleet import (
    GpuTally,
    Severity,
    assess,
    assess_all,
    first_ready,
    status_since,
    summarize,
)
from tests.shared.builders import (
    NOW,
    ago,
    cluster,
    cluster_transition,
    later,
    worker_node_dict,
)


def test_time_in_status_runs_from_the_latest_transition_into_the_current_phase() -> None:
    found = cluster(
        status="Degraded",
        phase_transitions=[
            cluster_transition("READY", ago(days=3)),
            cluster_transition("DEGRADED", ago(days=2)),
            cluster_transition("READY", ago(days=1)),
            cluster_transition("DEGRADED", ago(hours=3)),
        ],
    )
    assessment = assess(found, NOW)
    assert assessment.status_since == NOW - timedelta(hours=3)
    assert assessment.time_in_status(NOW) == timedelta(hours=3)


@pytest.mark.parametrize(
    ("status", "phase"),
    [
        ("Scheduled", "SCHEDULED"),
        ("InstallingDrivers", "INSTALLING_DRIVERS"),
        ("OnDemandComputePaused", "ON_DEMAND_COMPUTE_PAUSED"),
        ("Deleting", "DELETING"),
    ],
)
def test_each_status_is_timed_from_its_own_phase(status: str, phase: str) -> None:
    transitions = [
        cluster_transition("QUEUED", ago(hours=9)),
        cluster_transition(phase, ago(hours=2)),
    ]
    assert status_since(cluster(status=status, phase_transitions=transitions)) == NOW - timedelta(
        hours=2
    )


@pytest.mark.parametrize(
    ("status", "transitions"),
    [
        ("Degraded", [cluster_transition("READY", ago(days=3))]),
        ("Ready", []),
        ("Hibernating", [cluster_transition("READY", ago(days=3))]),
    ],
    ids=["no_transition_into_it", "no_transitions", "unknown_status"],
)
def test_time_in_status_is_unknown_without_a_transition_into_it(
    status: str, transitions: list[dict[str, str]]
) -> None:
    assessment = assess(cluster(status=status, phase_transitions=transitions), NOW)
    assert assessment.status_since is None
    assert assessment.time_in_status(NOW) is None


def test_a_transition_stamped_after_now_counts_as_no_time_yet() -> None:
    found = cluster(phase_transitions=[cluster_transition("READY", later(minutes=2))])
    assert assess(found, NOW).time_in_status(NOW) == timedelta(0)


def test_uptime_runs_from_first_ready_at_when_the_api_gives_it() -> None:
    found = cluster(first_ready_at=ago(days=10))
    assert assess(found, NOW).uptime(NOW) == timedelta(days=10)


def test_uptime_falls_back_to_the_earliest_ready_transition() -> None:
    found = cluster(
        phase_transitions=[
            cluster_transition("READY", ago(days=1)),
            cluster_transition("READY", ago(days=5)),
            cluster_transition("DEGRADED", ago(days=2)),
        ]
    )
    assert first_ready(found) == NOW - timedelta(days=5)
    assert assess(found, NOW).uptime(NOW) == timedelta(days=5)


def test_uptime_under_a_day_is_told_exactly_and_a_future_start_counts_as_none() -> None:
    assert assess(cluster(first_ready_at=ago(hours=2)), NOW).uptime(NOW) == timedelta(hours=2)
    assert assess(cluster(first_ready_at=later(hours=2)), NOW).uptime(NOW) == timedelta(0)


def test_assessing_a_fleet_judges_each_cluster_at_the_time_given() -> None:
    ending = cluster(reservation_end_time=later(hours=48))
    [assessment] = assess_all([ending], NOW)
    assert [f.summary for f in assessment.findings] == ["reservation ends in 48 h"]


def test_a_cluster_never_ready_has_no_uptime() -> None:
    found = cluster(status="InstallingDrivers", phase_transitions=[])
    assert assess(found, NOW).uptime(NOW) is None


def test_node_counts_cover_live_nodes_only() -> None:
    found = cluster(
        status="Degraded",
        gpu_worker_nodes=[
            worker_node_dict("n-1"),
            worker_node_dict("n-2", status="Failed"),
            worker_node_dict("n-3", num_gpus=4),
        ],
        deleted_gpu_worker_nodes=[worker_node_dict("n-0")],
        num_gpus=24,
    )
    assessment = assess(found, NOW)
    assert (assessment.healthy_nodes, assessment.total_nodes) == (2, 3)
    assert assessment.live_gpus == 20


def test_clusters_are_sorted_by_severity_then_name_then_id() -> None:
    fleet = [
        cluster(cluster_id="c-5", cluster_name="zeta"),
        cluster(cluster_id="c-4", cluster_name="Eta", status="Degraded"),
        cluster(cluster_id="c-3", cluster_name="alpha", status="Paused"),
        cluster(cluster_id="c-2", cluster_name="beta"),
        cluster(cluster_id="c-1", cluster_name="Beta"),
        cluster(cluster_id="c-0", cluster_name="theta", status="Hibernating"),
        cluster(cluster_id="c-6", cluster_name="iota", num_gpus=99),
    ]
    ordered = [(a.cluster.cluster_name, a.cluster.cluster_id) for a in assess_all(fleet, NOW)]
    assert ordered == [
        ("Eta", "c-4"),
        ("iota", "c-6"),
        ("theta", "c-0"),
        ("alpha", "c-3"),
        ("Beta", "c-1"),
        ("beta", "c-2"),
        ("zeta", "c-5"),
    ]


FLEET = assess_all(
    [
        cluster(cluster_id="c-1", cluster_name="a"),
        cluster(
            cluster_id="c-2",
            cluster_name="b",
            gpu_type="H200_SXM",
            num_gpus=8,
            gpu_worker_nodes=[worker_node_dict()],
        ),
        cluster(
            cluster_id="c-3",
            cluster_name="c",
            status="Degraded",
            gpu_worker_nodes=[worker_node_dict(), worker_node_dict("n-2", status="Failed")],
        ),
        cluster(cluster_id="c-4", cluster_name="d", status="Degraded", num_gpus=32),
        cluster(
            cluster_id="c-5",
            cluster_name="e",
            status="Scheduled",
            gpu_worker_nodes=[],
            num_gpus=64,
            gpu_type="B200_SXM",
        ),
        cluster(
            cluster_id="c-6",
            cluster_name="f",
            status="Hibernating",
            gpu_type="GB200_SXM",
            num_gpus=0,
            gpu_worker_nodes=[],
        ),
    ],
    NOW,
)


def test_the_summary_counts_clusters_by_status_most_severe_first() -> None:
    summary = summarize(FLEET)
    assert summary.total == 6
    assert list(summary.by_status.items()) == [
        ("Degraded", 2),
        ("Hibernating", 1),
        ("Scheduled", 1),
        ("Ready", 2),
    ]


def test_the_summary_counts_severities_in_order_and_leaves_out_zeros() -> None:
    assert list(summarize(FLEET).by_severity.items()) == [
        (Severity.CRITICAL, 2),
        (Severity.UNKNOWN, 1),
        (Severity.PROVISIONING, 1),
        (Severity.HEALTHY, 2),
    ]


def test_the_summary_tallies_live_and_ordered_gpus_per_type_largest_order_first() -> None:
    summary = summarize(FLEET)
    assert summary.gpus_by_type == {
        "H100_SXM": GpuTally(live=48, ordered=64),
        "B200_SXM": GpuTally(live=0, ordered=64),
        "H200_SXM": GpuTally(live=8, ordered=8),
        "GB200_SXM": GpuTally(live=0, ordered=0),
    }
    assert list(summary.gpus_by_type) == ["H100_SXM", "B200_SXM", "H200_SXM", "GB200_SXM"]
    assert (summary.live_gpus, summary.ordered_gpus) == (56, 136)


def test_the_summary_counts_the_clusters_needing_a_person_and_the_unreadable_entries() -> None:
    summary = summarize(FLEET, invalid=3)
    assert summary.needs_attention == 3
    assert summary.invalid == 3


def test_an_empty_fleet_sums_to_zero() -> None:
    summary = summarize([])
    assert (summary.total, summary.needs_attention, summary.live_gpus, summary.invalid) == (
        0,
        0,
        0,
        0,
    )
    assert summary.by_status == {}
    assert summary.by_severity == {}
    assert summary.gpus_by_type == {}


def test_a_status_ranks_by_its_worst_cluster_whatever_the_order_they_come_in() -> None:
    fleet = [
        assess(cluster(cluster_id="c-1", control_plane_ready=False), NOW),
        assess(cluster(cluster_id="c-2", status="Paused"), NOW),
        assess(cluster(cluster_id="c-3"), NOW),
    ]
    assert [a.severity for a in fleet] == [Severity.CRITICAL, Severity.PAUSED, Severity.HEALTHY]
    assert list(summarize(fleet).by_status.items()) == [("Ready", 2), ("Paused", 1)]
