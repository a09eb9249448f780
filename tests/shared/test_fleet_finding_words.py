"""The words and moments of findings at their boundaries: counts, names, spellings, dates."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from shared.fleet import FindingKind, Level, find_problems, node_is_running
from shared.fleet.findings import short_mode
from tests.shared.builders import (
    NOW,
    ago,
    cluster,
    cluster_transition,
    iso,
    lifecycle_event_dict,
    worker_node_dict,
)
from tests.shared.finding_cases import only, with_remediation


def test_down_nodes_are_listed_by_name_and_status_in_words() -> None:
    nodes = [worker_node_dict("n-1", status="Failed"), worker_node_dict("n-2", status="")]
    finding = only(FindingKind.NODES_NOT_RUNNING, {"gpu_worker_nodes": nodes})
    assert finding.detail == "n-1 (Failed), n-2 (no status)"


@pytest.mark.parametrize(
    ("down", "ending"),
    [(5, "n-4 (Failed)"), (6, "n-4 (Failed) and 1 more")],
    ids=["five", "six"],
)
def test_five_down_nodes_are_all_named_and_a_sixth_is_counted(down: int, ending: str) -> None:
    nodes = [worker_node_dict(f"n-{i}", status="Failed") for i in range(down)]
    finding = only(FindingKind.NODES_NOT_RUNNING, {"gpu_worker_nodes": nodes, "num_gpus": 8 * down})
    assert finding.detail is not None
    assert finding.detail.endswith(ending)
    assert finding.detail.count("(Failed)") == 5


@pytest.mark.parametrize(("marked", "summary"), [(1, "1 node"), (2, "2 nodes"), (3, "3 nodes")])
def test_nodes_marked_for_deletion_are_counted_in_words(marked: int, summary: str) -> None:
    nodes = [worker_node_dict(f"n-{i}", marked_for_deletion=True) for i in range(marked)]
    finding = only(
        FindingKind.NODES_MARKED_FOR_DELETION, {"gpu_worker_nodes": nodes, "num_gpus": 8 * marked}
    )
    assert finding.summary == f"{summary} marked for deletion"


@pytest.mark.parametrize(
    ("fields", "at"),
    [
        ({"create_time": ago(minutes=20)}, NOW - timedelta(minutes=20)),
        (
            {"state": "FAILED", "end_time": ago(minutes=3), "update_time": ago(minutes=1)},
            NOW - timedelta(minutes=3),
        ),
        ({"state": "FAILED", "update_time": ago(minutes=1)}, NOW - timedelta(minutes=1)),
    ],
    ids=["awaiting_approval_since_created", "failed_when_ended", "failed_when_last_updated"],
)
def test_a_remediation_finding_is_dated(fields: dict[str, Any], at: datetime) -> None:
    [finding] = find_problems(cluster(gpu_worker_nodes=with_remediation(**fields)), NOW)
    assert finding.at == at


def test_failed_tests_are_dated_when_they_failed() -> None:
    transitions = [
        cluster_transition("READY", ago(days=2)),
        cluster_transition("NCCL_TESTS_FAILED", ago(hours=3)),
    ]
    finding = only(FindingKind.TESTS_FAILED, {"phase_transitions": transitions})
    assert finding.at == NOW - timedelta(hours=3)


@pytest.mark.parametrize(
    ("failed_hours_ago", "counted"),
    [(1.001, False), (1, False), (0.999, True)],
    ids=["before_ready", "same_instant", "after_ready"],
)
def test_failed_tests_count_only_strictly_after_the_last_ready(
    failed_hours_ago: float, counted: bool
) -> None:
    transitions = [
        cluster_transition("ACCEPTANCE_TESTS_FAILED", ago(hours=failed_hours_ago)),
        cluster_transition("READY", ago(hours=1)),
    ]
    found = find_problems(cluster(phase_transitions=transitions), NOW)
    assert [f.kind for f in found] == ([FindingKind.TESTS_FAILED] if counted else [])


@pytest.mark.parametrize(
    ("before_now", "counted"),
    [
        (timedelta(hours=24) - timedelta(seconds=1), True),
        (timedelta(hours=24), True),
        (timedelta(hours=24, seconds=1), False),
    ],
    ids=["just_inside", "exactly_24_h", "just_outside"],
)
def test_a_preemption_counts_up_to_exactly_24_hours_back(
    before_now: timedelta, counted: bool
) -> None:
    event = lifecycle_event_dict(reason="TogetherPreempted", timestamp=iso(NOW - before_now))
    found = find_problems(cluster(node_lifecycle_events=[event]), NOW)
    assert [f.at for f in found] == ([NOW - before_now] if counted else [])


@pytest.mark.parametrize(("count", "summary"), [(1, "1 preemption"), (2, "2 preemptions")])
def test_preemptions_are_counted_in_words(count: int, summary: str) -> None:
    events = [
        lifecycle_event_dict(reason="TogetherPreempted", timestamp=ago(hours=hours + 1))
        for hours in range(count)
    ]
    finding = only(FindingKind.PREEMPTED, {"node_lifecycle_events": events})
    assert finding.summary == f"{summary} in 24 h"


@pytest.mark.parametrize(
    ("left", "summary"),
    [
        (-timedelta(seconds=1), "reservation ended"),
        (timedelta(0), "reservation ended"),
        (timedelta(seconds=1), "reservation ends in 1 min"),
        (timedelta(seconds=30), "reservation ends in 1 min"),
        (timedelta(minutes=59), "reservation ends in 59 min"),
        (timedelta(hours=1), "reservation ends in 1 h"),
        (timedelta(hours=72), "reservation ends in 72 h"),
    ],
    ids=["ended", "ends_now", "in_1_s", "in_30_s", "in_59_min", "in_1_h", "in_72_h"],
)
def test_a_reservation_end_is_told_in_minutes_under_an_hour_and_hours_above(
    left: timedelta, summary: str
) -> None:
    end = NOW + left
    finding = only(FindingKind.RESERVATION_ENDING, {"reservation_end_time": iso(end)})
    assert (finding.level, finding.summary, finding.at) == (Level.WARNING, summary, end)


def test_an_unknown_status_and_gpu_type_are_both_named() -> None:
    finding = only(
        FindingKind.UNKNOWN_VALUES,
        {"status": "Hibernating", "gpu_type": "GB200_SXM", "gpu_worker_nodes": [], "num_gpus": 0},
    )
    assert finding.summary == "not in the API spec: status Hibernating, GPU GB200_SXM"


@pytest.mark.parametrize(
    ("status", "running"),
    [
        ("Running", True),
        ("NODE_PHASE_RUNNING", True),
        ("ready", True),
        (" Healthy ", True),
        ("Active", True),
        ("NotReady", False),
        ("NODE_PHASE_FAILED", False),
        ("Pending", False),
        ("", False),
    ],
)
def test_a_node_is_running_when_its_status_says_so_in_any_usual_spelling(
    status: str, running: bool
) -> None:
    node = cluster(gpu_worker_nodes=[worker_node_dict(status=status)]).gpu_worker_nodes[0]
    assert node_is_running(node) is running


@pytest.mark.parametrize(
    ("mode", "short"),
    [
        ("REMEDIATION_MODE_HOST_AWARE", "HOST_AWARE"),
        ("REMEDIATION_MODE_HOST_POWER_CYCLE", "HOST_POWER_CYCLE"),
        ("SOMETHING_ELSE", "SOMETHING_ELSE"),
    ],
)
def test_a_remediation_mode_is_shown_without_its_prefix(mode: str, short: str) -> None:
    assert short_mode(mode) == short
