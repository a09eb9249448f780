"""The alert engine's memory: what a poll leaves in the state, and what the next poll does with it.

The tables in `test_alert_engine` compare what the engine said; these follow the events' payloads
and the state into the poll after, where a field the engine forgot to save shows up as a repeated
or missing message.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.alerts import (
    AlertRules,
    ApiHealth,
    ApiRecovered,
    ApiUnreachable,
    ClusterGone,
    ClusterMemory,
    Incident,
    IncidentChanged,
    IncidentOpened,
    IncidentReminder,
    IncidentResolved,
    NodeMemory,
    Problem,
    Trigger,
    WatchState,
)
from shared.alerts.rules import ALL_TRIGGERS
from tests.shared.alert_polls import DEGRADED, T0, Run, cluster, degraded, fail, node, ok

FLAP = 15 * 60  # the default flap window, in seconds
PAUSED = cluster(status="OnDemandComputePaused")


def at(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


# --- the API's health --------------------------------------------------------------------------


def test_failed_polls_remember_when_the_run_began_its_latest_error_and_its_length() -> None:
    run = Run()
    run.poll(0, fail("first"))
    run.poll(60, fail("second"))
    assert run.state.api == ApiHealth(failing_since=T0, last_error="second", failures=2)


def test_a_good_poll_forgets_the_failed_run() -> None:
    run = Run()
    run.poll(0, fail())
    run.poll(400, fail())
    run.poll(460, ok())
    assert run.state.api == ApiHealth()


def test_the_recovery_names_the_outage_and_when_it_began() -> None:
    run = Run()
    run.poll(0, fail())
    run.poll(300, fail())
    run.poll(330, ok())
    down, up = run.events
    assert isinstance(down, ApiUnreachable)
    assert up == ApiRecovered(down.alert_id, T0, at(330))


def test_outages_and_incidents_draw_their_ids_from_one_saved_sequence() -> None:
    run = Run()
    run.poll(0, fail())
    run.poll(300, fail())
    assert run.state.sequence == 1
    run.poll(360, ok(DEGRADED))
    run.poll(400, fail())
    run.poll(700, fail())
    first, back, opened, second = run.events
    assert isinstance(first, ApiUnreachable) and isinstance(second, ApiUnreachable)
    assert isinstance(back, ApiRecovered) and isinstance(opened, IncidentOpened)
    assert [first.alert_id, opened.incident.incident_id, second.alert_id] == [
        "api#1",
        "c1#2",
        "api#3",
    ]
    assert run.state.sequence == 3
    assert run.state.api.alert_id == "api#3"


# --- what is remembered of a cluster -----------------------------------------------------------


def test_a_poll_remembers_each_cluster_its_nodes_and_its_problems() -> None:
    pending = cluster(
        status="Degraded",
        nodes=[node("n1", "Failed", "PENDING_APPROVAL", remediation_id="rem-7"), node("n2")],
        project_id="proj-ml",
    )
    run = Run()
    run.poll(0, ok(pending))
    assert run.state.clusters == {
        "c1": ClusterMemory(
            cluster_id="c1",
            name="name-c1",
            project_id="proj-ml",
            status="Degraded",
            nodes={
                "n1": NodeMemory(
                    "Failed", "rem-7", "PENDING_APPROVAL", "REMEDIATION_MODE_HOST_AWARE"
                ),
                "n2": NodeMemory("Running"),
            },
            problems={
                "status:Degraded": Problem(
                    "status:Degraded", Trigger.DEGRADED, "status Degraded: some nodes are unhealthy"
                ),
                "pending_approval:n1": Problem(
                    "pending_approval:n1",
                    Trigger.PENDING_APPROVAL,
                    "remediation awaiting approval on n1 (HOST_AWARE)",
                ),
            },
            problem_since=T0,
        )
    }


def test_problems_are_dated_from_when_they_began_not_from_the_latest_poll() -> None:
    run = Run()
    run.poll(0, ok(DEGRADED))
    run.poll(60, ok(DEGRADED))
    assert run.state.clusters["c1"].problem_since == T0
    run.poll(120, ok(cluster()))
    assert run.state.clusters["c1"].problem_since is None


# --- an incident's life ------------------------------------------------------------------------


def test_a_resolution_is_saved_with_its_reason_and_time() -> None:
    run = Run()
    run.poll(0, ok(DEGRADED))
    run.poll(60, ok(cluster()))
    incident = run.state.incidents["c1"]
    assert (incident.resolved_at, incident.resolution) == (T0 + at(60), "back to Ready")
    resolved = run.events[-1]
    assert resolved == IncidentResolved(incident, at(60), "back to Ready", recovered=True)


def test_a_pending_approval_joining_a_degraded_incident_is_added_to_its_problems() -> None:
    run = Run()
    run.poll(0, ok(DEGRADED))
    joined = cluster(
        status="Degraded", nodes=[node("n1", "Failed", "PENDING_APPROVAL"), node("n2")]
    )
    run.poll(60, ok(joined))
    incident = run.state.incidents["c1"]
    assert set(incident.problems) == {"status:Degraded", "pending_approval:n1"}
    assert incident.cluster is joined
    change = run.events[-1]
    assert isinstance(change, IncidentChanged)
    assert change.incident == incident


def test_a_reminder_says_how_long_the_incident_has_been_open_and_resets_the_clock() -> None:
    run = Run()
    run.poll(0, ok(DEGRADED))
    run.poll(4 * 3600 + 30, ok(DEGRADED))
    reminder = run.events[-1]
    assert isinstance(reminder, IncidentReminder)
    assert reminder.open_for == at(4 * 3600 + 30)
    assert run.state.incidents["c1"].last_notified_at == T0 + at(4 * 3600 + 30)


@pytest.mark.parametrize(
    ("gap_s", "kept"), [(FLAP - 1, True), (FLAP, True), (FLAP + 1, False)], ids=str
)
def test_a_resolved_incident_is_remembered_for_exactly_the_flap_window(
    gap_s: int, kept: bool
) -> None:
    run = Run()
    run.poll(0, ok(DEGRADED))
    run.poll(60, ok(cluster()))
    run.poll(60 + gap_s, ok(cluster()))
    assert ("c1" in run.state.incidents) is kept


@pytest.mark.parametrize(
    ("gap_s", "said"),
    [(FLAP - 1, "reopen c1"), (FLAP, "reopen c1"), (FLAP + 1, "open c1")],
    ids=str,
)
def test_going_bad_again_reopens_up_to_and_including_the_flap_window(gap_s: int, said: str) -> None:
    run = Run()
    run.poll(0, ok(DEGRADED))
    run.poll(60, ok(cluster()))
    assert run.poll(60 + gap_s, ok(DEGRADED)) == [said]


def test_a_reopened_incident_is_open_with_the_new_snapshot_and_problems() -> None:
    run = Run()
    run.poll(0, ok(DEGRADED))
    run.poll(60, ok(cluster()))
    run.poll(120, ok(PAUSED))
    reopened = run.events[-1]
    assert isinstance(reopened, IncidentOpened)
    assert reopened.reopened_after == at(60)
    incident = reopened.incident
    assert incident == run.state.incidents["c1"]
    assert incident.is_open and incident.resolution is None
    assert incident.cluster is PAUSED
    assert set(incident.problems) == {"status:OnDemandComputePaused"}
    assert (incident.opened_at, incident.last_notified_at) == (T0, T0 + at(120))
    assert incident.reopened == 1


def test_the_polls_after_a_reopen_say_nothing_until_a_reminder_is_due_from_the_reopen() -> None:
    run = Run()
    run.poll(0, ok(DEGRADED))
    run.poll(4 * 3600 - 120, ok(cluster()))
    assert run.poll(4 * 3600 - 60, ok(DEGRADED)) == ["reopen c1"]
    assert run.poll(4 * 3600, ok(DEGRADED)) == []
    assert run.poll(8 * 3600 - 61, ok(DEGRADED)) == []
    assert run.poll(8 * 3600 - 60, ok(DEGRADED)) == ["remind c1"]
    assert run.poll(8 * 3600, ok(cluster())) == ["resolve c1: back to Ready"]


def test_a_second_flap_counts_twice_and_keeps_the_first_opening() -> None:
    run = Run()
    for at_s, outcome in [(0, DEGRADED), (60, cluster()), (120, DEGRADED), (180, cluster())]:
        run.poll(at_s, ok(outcome))
    assert run.poll(240, ok(DEGRADED)) == ["reopen c1"]
    incident = run.state.incidents["c1"]
    assert (incident.incident_id, incident.reopened, incident.opened_at) == ("c1#1", 2, T0)


# --- clusters that leave -----------------------------------------------------------------------


def test_an_incident_whose_cluster_left_resolves_as_not_recovered() -> None:
    run = Run()
    run.poll(0, ok(DEGRADED))
    run.poll(60, ok())
    run.poll(120, ok())
    resolved = run.events[-1]
    assert isinstance(resolved, IncidentResolved)
    assert resolved.recovered is False
    assert resolved.duration == at(120)
    assert run.state.incidents["c1"].resolution == "no longer listed by Together"
    assert run.state.clusters == {}


def test_a_cluster_gone_is_told_with_when_it_was_found_gone_and_as_last_seen() -> None:
    run = Run(rules=AlertRules(triggers=ALL_TRIGGERS))
    run.poll(0, ok(cluster()))
    run.poll(60, ok())
    last_seen = run.state.clusters["c1"]
    assert (last_seen.status, last_seen.missing_polls) == ("Ready", 1)
    run.poll(120, ok())
    assert run.events == [ClusterGone(last_seen, T0 + at(120))]
    assert run.state.clusters == {}


def test_a_listed_but_unreadable_cluster_is_remembered_unchanged() -> None:
    run = Run()
    run.poll(0, ok(degraded()))
    before = run.state.clusters["c1"]
    run.poll(60, ok(unreadable=frozenset({"c1"})))
    assert run.state.clusters["c1"] is before


# --- the values themselves ---------------------------------------------------------------------


def incident(opened_s: float, resolved_s: float | None = None, name: str = "c1") -> Incident:
    return Incident(
        incident_id=f"{name}#1",
        cluster=cluster(name),
        opened_at=T0 + at(opened_s),
        problems={},
        last_notified_at=T0 + at(opened_s),
        resolved_at=None if resolved_s is None else T0 + at(resolved_s),
    )


def test_an_incident_lasts_until_now_while_open_and_until_its_resolution_after() -> None:
    assert incident(0).duration(T0 + at(90)) == at(90)
    assert incident(0, resolved_s=60).duration(T0 + at(600)) == at(60)
    assert incident(60).duration(T0) == timedelta(0)


def test_a_snooze_keeps_who_asked_for_it_and_until_when() -> None:
    snoozed = incident(0).with_snooze(T0 + at(3600), "U123")
    assert (snoozed.snoozed_until, snoozed.snoozed_by) == (T0 + at(3600), "U123")
    assert snoozed.is_snoozed(T0 + at(3599))
    assert not snoozed.is_snoozed(T0 + at(3600))
    cleared = snoozed.with_snooze(None, None)
    assert (cleared.snoozed_until, cleared.snoozed_by) == (None, None)


def test_open_incidents_leave_out_the_resolved_and_come_oldest_first() -> None:
    state = WatchState(
        incidents={
            "a": incident(120, name="a"),
            "b": incident(0, resolved_s=60, name="b"),
            "c": incident(60, name="c"),
        }
    )
    assert [i.cluster_id for i in state.open_incidents()] == ["c", "a"]
