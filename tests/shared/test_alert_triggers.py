"""The alert engine with triggers beyond the default set, and `CLUSTERS_ALERT_ON` parsing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.alerts import AlertRules, Trigger, parse_alert_on
from shared.alerts.rules import ALL_TRIGGERS, DEFAULT_TRIGGERS
from tests.shared.alert_polls import DEGRADED, T0, Poll, cluster, degraded, node, ok, said

SOON = (T0 + timedelta(hours=20)).isoformat()
LATER = (T0 + timedelta(hours=48)).isoformat()

EXTENDED_TRANSITIONS: dict[str, tuple[list[Poll], list[list[str]]]] = {
    "a failed remediation opens an incident": (
        [(0, ok(cluster(nodes=[node("n1", "Running", "FAILED", error="boom")])))],
        [["open c1"]],
    ),
    "failed acceptance tests open an incident": (
        [
            (
                0,
                ok(
                    cluster(
                        status="RunningAcceptanceTests",
                        phase_transitions=[
                            {
                                "phase": "CLUSTER_PHASE_ACCEPTANCE_TESTS_FAILED",
                                "transition_time": T0.isoformat(),
                            }
                        ],
                    )
                ),
            )
        ],
        [["open c1"]],
    ),
    "a preemptible shortfall opens an incident and is told when it clears": (
        [
            (0, ok(DEGRADED)),
            (
                60,
                ok(degraded(desired_preemptible_gpus=16, allocated_preemptible_gpus=8)),
            ),
            (120, ok(DEGRADED)),
        ],
        [
            ["open c1"],
            ["change c1: New: preemptible GPUs 8/16"],
            ["change c1: Cleared: preemptible GPUs 8/16"],
        ],
    ),
    "a reservation ending within 24 h opens an incident, one 48 h away does not": (
        [
            (
                0,
                ok(
                    cluster("a", reservation_end_time=SOON),
                    cluster("b", reservation_end_time=LATER),
                ),
            )
        ],
        [["open a"]],
    ),
    "entering Deleting opens an incident that resolves when the cluster is gone": (
        [(0, ok(cluster())), (60, ok(cluster(status="Deleting"))), (120, ok()), (180, ok())],
        [[], ["open c1"], [], ["resolve c1: no longer listed by Together (deleted)"]],
    ),
    "a healthy cluster that vanishes is reported gone": (
        [(0, ok(cluster())), (60, ok()), (120, ok()), (180, ok())],
        [[], [], ["gone c1"], []],
    ),
}


@pytest.mark.parametrize(
    ("polls", "expected"), EXTENDED_TRANSITIONS.values(), ids=EXTENDED_TRANSITIONS.keys()
)
def test_transitions_with_every_alert_turned_on(
    polls: list[Poll], expected: list[list[str]]
) -> None:
    assert said(polls, AlertRules(triggers=ALL_TRIGGERS)) == expected


def test_a_healthy_cluster_that_vanishes_is_not_reported_by_default() -> None:
    assert said([(0, ok(cluster())), (60, ok()), (120, ok())]) == [[], [], []]


ALERT_ON: dict[str, frozenset[Trigger]] = {
    "": DEFAULT_TRIGGERS,
    "default": DEFAULT_TRIGGERS,
    "all": ALL_TRIGGERS,
    "degraded": frozenset({Trigger.DEGRADED}),
    "degraded, pending_approval": frozenset({Trigger.DEGRADED, Trigger.PENDING_APPROVAL}),
    "+remediation_failed": DEFAULT_TRIGGERS | {Trigger.REMEDIATION_FAILED},
    "+remediation_failed -pending_approval": (DEFAULT_TRIGGERS | {Trigger.REMEDIATION_FAILED})
    - {Trigger.PENDING_APPROVAL},
    "default,tests_failed,reservation_ending": DEFAULT_TRIGGERS
    | {Trigger.TESTS_FAILED, Trigger.RESERVATION_ENDING},
    "DEGRADED": frozenset({Trigger.DEGRADED}),
}


# Ids from the text only: a frozenset's repr changes order from one process to the next.
@pytest.mark.parametrize(("text", "expected"), ALERT_ON.items(), ids=[repr(t) for t in ALERT_ON])
def test_alert_on_values_choose_the_triggers(text: str, expected: frozenset[Trigger]) -> None:
    assert parse_alert_on(text) == expected


def test_an_unknown_alert_word_is_named_with_the_valid_ones() -> None:
    with pytest.raises(ValueError) as caught:
        parse_alert_on("+degradd")
    assert str(caught.value) == (
        "CLUSTERS_ALERT_ON: unknown alert 'degradd'. Valid: default, all, degraded, "
        "on_demand_paused, pending_approval, remediation_failed, tests_failed, "
        "preemptible_shortfall, reservation_ending, deleted."
    )


def test_a_narrowed_trigger_set_ignores_what_it_left_out() -> None:
    rules = AlertRules(triggers=parse_alert_on("-degraded"))
    assert said([(0, ok(DEGRADED)), (60, ok(cluster(status="OnDemandComputePaused")))], rules) == [
        [],
        ["open c1"],
    ]
