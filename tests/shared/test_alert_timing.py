"""The alert engine over time: holds, flaps, reminders, snoozes, outages, odd answers."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from shared.alerts import (
    AlertRules,
    ApiRecovered,
    ApiUnreachable,
    IncidentChanged,
    IncidentOpened,
    IncidentResolved,
)
from tests.shared.alert_polls import DEGRADED, T0, Poll, Run, cluster, fail, node, ok, ran, said

HOLD = AlertRules(hold=timedelta(seconds=120))

HOLD_TRANSITIONS: dict[str, tuple[list[Poll], list[list[str]]]] = {
    "an incident opens only once the status has held": (
        [(0, ok(DEGRADED)), (60, ok(DEGRADED)), (120, ok(DEGRADED)), (180, ok(DEGRADED))],
        [[], [], ["open c1"], []],
    ),
    "a blip shorter than the hold says nothing at all": (
        [(0, ok(DEGRADED)), (60, ok(cluster())), (120, ok(cluster()))],
        [[], [], []],
    ),
    "a break restarts the hold": (
        [(0, ok(DEGRADED)), (60, ok(cluster())), (90, ok(DEGRADED)), (180, ok(DEGRADED))],
        [[], [], [], []],
    ),
    "failed polls do not break the hold": (
        [(0, ok(DEGRADED)), (60, fail()), (120, ok(DEGRADED))],
        [[], [], ["open c1"]],
    ),
}


@pytest.mark.parametrize(
    ("polls", "expected"), HOLD_TRANSITIONS.values(), ids=HOLD_TRANSITIONS.keys()
)
def test_transitions_with_a_degraded_for_hold(polls: list[Poll], expected: list[list[str]]) -> None:
    assert said(polls, HOLD) == expected


def test_a_reopened_incident_keeps_its_id_and_counts_the_flap() -> None:
    opened, resolved, reopened = ran(
        [(0, ok(DEGRADED)), (60, ok(cluster())), (120, ok(DEGRADED))]
    ).events
    assert isinstance(opened, IncidentOpened) and isinstance(reopened, IncidentOpened)
    assert isinstance(resolved, IncidentResolved)
    assert reopened.incident.incident_id == opened.incident.incident_id
    assert reopened.incident.reopened == 1
    assert reopened.reopened_after == timedelta(seconds=60)
    assert resolved.duration == timedelta(seconds=60)
    assert resolved.recovered


def test_an_approval_names_who_approved() -> None:
    pending = cluster(status="Degraded", nodes=[node("n1", "Failed", "PENDING_APPROVAL")])
    running = cluster(
        status="Degraded", nodes=[node("n1", "Failed", "RUNNING", reviewed_by="oncall@example.com")]
    )
    assert said([(0, ok(pending)), (60, ok(running))])[1] == [
        "change c1: Node n1: remediation running (HOST_AWARE), approved by oncall@example.com"
    ]


def test_a_new_incident_after_the_flap_window_has_a_new_id() -> None:
    first, _, second = ran([(0, ok(DEGRADED)), (60, ok(cluster())), (3600, ok(DEGRADED))]).events
    assert isinstance(first, IncidentOpened) and isinstance(second, IncidentOpened)
    assert first.incident.incident_id != second.incident.incident_id


def test_a_snoozed_incident_stays_quiet_but_its_recovery_is_told() -> None:
    run = Run()
    run.poll(0, ok(DEGRADED))
    incident = run.state.incidents["c1"]
    snoozed = incident.with_snooze(T0 + timedelta(hours=6), "U123")
    run.state = replace(run.state, incidents={"c1": snoozed})
    worse = cluster(status="Degraded", nodes=[node("n1", "Failed"), node("n2", "Failed")])
    assert run.poll(60, ok(worse)) == []
    assert run.poll(5 * 3600, ok(worse)) == []
    assert run.poll(5 * 3600 + 60, ok(cluster())) == ["resolve c1: back to Ready"]


def test_a_reminder_is_due_as_soon_as_a_snooze_ends() -> None:
    run = Run()
    run.poll(0, ok(DEGRADED))
    snoozed = run.state.incidents["c1"].with_snooze(T0 + timedelta(hours=5), "U123")
    run.state = replace(run.state, incidents={"c1": snoozed})
    assert run.poll(4 * 3600, ok(DEGRADED)) == []
    assert run.poll(5 * 3600, ok(DEGRADED)) == ["remind c1"]


def test_the_unreachable_alert_carries_when_the_outage_began() -> None:
    run = Run()
    run.poll(0, fail("first"))
    run.poll(400, fail("latest"))
    down = run.events[0]
    assert isinstance(down, ApiUnreachable)
    assert down.since == T0
    assert down.error == "latest"
    run.poll(460, ok())
    up = run.events[1]
    assert isinstance(up, ApiRecovered)
    assert up.alert_id == down.alert_id
    assert up.down_for == timedelta(seconds=460)


def test_a_second_outage_is_announced_again() -> None:
    polls: list[Poll] = [(0, fail()), (300, fail()), (360, ok()), (400, fail()), (700, fail())]
    assert said(polls) == [
        [],
        ["api down: Together failed with 503."],
        ["api up"],
        [],
        ["api down: Together failed with 503."],
    ]


def test_the_incident_follows_the_latest_snapshot() -> None:
    run = Run()
    run.poll(0, ok(DEGRADED))
    renamed = DEGRADED.model_copy(update={"cluster_name": "renamed"})
    run.poll(60, ok(renamed))
    assert run.state.incidents["c1"].cluster.cluster_name == "renamed"


def test_a_cluster_listed_twice_in_one_answer_counts_once() -> None:
    assert said([(0, ok(DEGRADED, DEGRADED))]) == [["open c1"]]


def test_hostile_strings_are_cut_short_in_change_lines() -> None:
    long_error = "x" * 5000
    run = Run()
    run.poll(0, ok(cluster(status="Degraded", nodes=[node("n1", "Failed", "RUNNING")])))
    run.poll(
        60, ok(cluster(status="Degraded", nodes=[node("n1", "Failed", "FAILED", error=long_error)]))
    )
    change = run.events[-1]
    assert isinstance(change, IncidentChanged)
    assert len(change.changes[0]) < 400
