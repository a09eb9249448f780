"""Severity: one row per status, the scale's order, and how findings raise a cluster's severity."""

from __future__ import annotations

from typing import Any

import pytest

from shared.enums import ClusterStatus
from shared.fleet import Severity, assess, is_running, status_severity
from tests.shared.builders import (
    NOW,
    ago,
    cluster,
    cluster_transition,
    later,
    lifecycle_event_dict,
    worker_node_dict,
)

TABLE: list[tuple[str, Severity]] = [
    ("WaitingForControlPlaneNodes", Severity.PROVISIONING),
    ("WaitingForDataPlaneNodes", Severity.PROVISIONING),
    ("WaitingForSubnet", Severity.PROVISIONING),
    ("WaitingForSharedVolume", Severity.PROVISIONING),
    ("InstallingDrivers", Severity.PROVISIONING),
    ("RunningAcceptanceTests", Severity.PROVISIONING),
    ("Paused", Severity.PAUSED),
    ("OnDemandComputePaused", Severity.CRITICAL),
    ("Ready", Severity.HEALTHY),
    ("Degraded", Severity.CRITICAL),
    ("Deleting", Severity.ATTENTION),
    ("Scheduled", Severity.PROVISIONING),
    ("Hibernating", Severity.UNKNOWN),
    ("READY", Severity.UNKNOWN),
    ("", Severity.UNKNOWN),
]


def test_the_table_has_a_row_for_every_status_in_the_spec() -> None:
    assert {status for status, _ in TABLE} >= {member.value for member in ClusterStatus}


@pytest.mark.parametrize(("status", "severity"), TABLE, ids=[row[0] or "empty" for row in TABLE])
def test_each_status_carries_its_severity(status: str, severity: Severity) -> None:
    assert status_severity(ClusterStatus(status)) is severity


@pytest.mark.parametrize(("status", "severity"), TABLE, ids=[row[0] or "empty" for row in TABLE])
def test_a_cluster_with_nothing_else_wrong_has_its_status_severity(
    status: str, severity: Severity
) -> None:
    # Unknown statuses also carry an informational finding, which must not lift the severity.
    assert assess(cluster(status=status), NOW).severity is severity


SCALE = [
    Severity.CRITICAL,
    Severity.ATTENTION,
    Severity.UNKNOWN,
    Severity.PROVISIONING,
    Severity.PAUSED,
    Severity.HEALTHY,
]
"""Every severity, the most urgent first."""


def test_the_scale_runs_from_critical_to_healthy() -> None:
    ranked = sorted(Severity, key=lambda severity: severity.rank)
    assert ranked == SCALE


# The first three of the scale want a person; the rest do not.
@pytest.mark.parametrize(
    ("severity", "wanted"), list(zip(SCALE, [True] * 3 + [False] * 3, strict=True))
)
def test_unknown_wants_a_person_as_much_as_attention_does(severity: Severity, wanted: bool) -> None:
    assert severity.needs_attention is wanted


@pytest.mark.parametrize(
    ("status", "running"),
    [("Ready", True), ("Degraded", True), ("Paused", False), ("Scheduled", False), ("X", False)],
)
def test_only_ready_and_degraded_clusters_are_expected_to_run_nodes(
    status: str, running: bool
) -> None:
    assert is_running(ClusterStatus(status)) is running


@pytest.mark.parametrize(
    ("overrides", "severity"),
    [
        ({"control_plane_ready": False}, Severity.CRITICAL),
        ({"num_gpus": 24}, Severity.ATTENTION),
        ({"gpu_type": "GB200_SXM"}, Severity.HEALTHY),
        (
            {"node_lifecycle_events": [lifecycle_event_dict(reason="TogetherPreempted")]},
            Severity.HEALTHY,
        ),
        ({"status": "Paused", "reservation_end_time": later(hours=10)}, Severity.ATTENTION),
        ({"status": "Paused", "gpu_worker_nodes": []}, Severity.PAUSED),
        (
            {"status": "Degraded", "gpu_worker_nodes": [worker_node_dict(status="Failed")]},
            Severity.CRITICAL,
        ),
        ({"status": "Hibernating", "reservation_end_time": ago(hours=1)}, Severity.ATTENTION),
        (
            {
                "status": "RunningAcceptanceTests",
                "phase_transitions": [cluster_transition("NCCL_TESTS_FAILED", ago(hours=1))],
            },
            Severity.CRITICAL,
        ),
    ],
    ids=[
        "critical_finding_makes_critical",
        "warning_finding_makes_attention",
        "info_finding_leaves_healthy",
        "preemption_is_information",
        "warning_lifts_paused_to_attention",
        "paused_stays_paused",
        "degraded_stays_critical",
        "warning_lifts_unknown_to_attention",
        "failed_tests_while_provisioning_are_critical",
    ],
)
def test_findings_raise_a_cluster_above_its_status_severity_never_below(
    overrides: dict[str, Any], severity: Severity
) -> None:
    assert assess(cluster(**overrides), NOW).severity is severity
