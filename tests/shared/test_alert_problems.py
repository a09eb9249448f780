"""What counts as a problem under the rules, and the change lines an open incident's thread gets."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from shared.alerts import AlertRules, Problem, Trigger, problems_of
from shared.alerts.rules import ALL_TRIGGERS
from tests.shared.alert_polls import DEGRADED, T0, Run, cluster, node, ok, said

EVERYTHING = AlertRules(triggers=ALL_TRIGGERS)


def changes(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[list[str]]:
    """What two polls of a Degraded cluster with these nodes said."""
    polls = [(0, before), (60, after)]
    return said([(at_s, ok(cluster(status="Degraded", nodes=nodes))) for at_s, nodes in polls])


# --- problems ----------------------------------------------------------------------------------


def test_a_status_problem_is_keyed_by_the_status_and_worded_for_people() -> None:
    assert problems_of(DEGRADED, T0, AlertRules()) == {
        "status:Degraded": Problem(
            "status:Degraded", Trigger.DEGRADED, "status Degraded: some nodes are unhealthy"
        )
    }


def test_a_finding_problem_is_keyed_by_its_trigger_and_node() -> None:
    failed = cluster(nodes=[node("n1", "Running", "FAILED", error="boom"), node("n2")])
    assert problems_of(failed, T0, EVERYTHING) == {
        "remediation_failed:n1": Problem(
            "remediation_failed:n1",
            Trigger.REMEDIATION_FAILED,
            "remediation failed on n1 (HOST_AWARE)",
        )
    }


@pytest.mark.parametrize(
    ("ends_in", "alerted"),
    [
        (timedelta(hours=24) - timedelta(seconds=1), True),
        (timedelta(hours=24), True),
        (timedelta(hours=24, seconds=1), False),
        (-timedelta(hours=1), True),
    ],
    ids=["just_inside", "at_the_horizon", "just_beyond", "already_ended"],
)
def test_a_reservation_alerts_from_the_horizon_on_and_after_it_has_ended(
    ends_in: timedelta, alerted: bool
) -> None:
    reserved = cluster(reservation_end_time=(T0 + ends_in).isoformat())
    assert list(problems_of(reserved, T0, EVERYTHING)) == (
        ["reservation_ending"] if alerted else []
    )


def test_an_ended_reservation_opens_an_incident_saying_so() -> None:
    run = Run(rules=EVERYTHING)
    run.poll(0, ok(cluster(reservation_end_time=(T0 - timedelta(minutes=5)).isoformat())))
    assert run.said == [["open c1"]]
    assert run.state.incidents["c1"].problems == {
        "reservation_ending": Problem(
            "reservation_ending", Trigger.RESERVATION_ENDING, "reservation ended"
        )
    }


# --- change lines ------------------------------------------------------------------------------


def test_the_same_pending_approval_seen_twice_is_no_change() -> None:
    pending = [node("n1", "Failed", "PENDING_APPROVAL"), node("n2")]
    assert changes(pending, pending) == [["open c1"], []]


def test_a_new_remediation_in_the_same_state_is_told() -> None:
    first = [node("n1", "Failed", "PENDING_APPROVAL", remediation_id="rem-1")]
    second = [node("n1", "Failed", "PENDING_APPROVAL", remediation_id="rem-2")]
    assert changes(first, second)[1] == [
        "change c1: Node n1: remediation awaiting approval (HOST_AWARE)"
    ]


@pytest.mark.parametrize(
    ("state", "words"),
    [
        ("PENDING", "approved, queued"),
        ("RUNNING", "running"),
        ("SUCCEEDED", "succeeded"),
        ("CANCELLED", "cancelled"),
        ("AUTO_RESOLVED", "auto-resolved (the signal cleared)"),
        ("FAILED", "failed"),
        ("QUARANTINED", "QUARANTINED"),
    ],
)
def test_each_remediation_state_is_worded_and_an_unknown_one_shown_verbatim(
    state: str, words: str
) -> None:
    before = [node("n1", "Failed", "RUNNING" if state == "PENDING" else "PENDING")]
    after = [node("n1", "Failed", state)]
    assert changes(before, after)[1] == [f"change c1: Node n1: remediation {words} (HOST_AWARE)"]


def test_an_error_message_is_told_only_when_the_remediation_failed() -> None:
    before = [node("n1", "Failed", "PENDING")]
    after = [node("n1", "Failed", "RUNNING", error="retrying the drain")]
    assert changes(before, after)[1] == ["change c1: Node n1: remediation running (HOST_AWARE)"]


def test_an_approver_is_named_only_for_a_remediation_that_was_awaiting_approval() -> None:
    before = [node("n1", "Failed", "PENDING")]
    after = [node("n1", "Failed", "RUNNING", reviewed_by="oncall@example.com")]
    assert changes(before, after)[1] == ["change c1: Node n1: remediation running (HOST_AWARE)"]


@pytest.mark.parametrize(
    ("status", "shown"), [("Running", "Running"), ("", "no status")], ids=["running", "empty"]
)
def test_a_node_that_joins_an_open_incident_is_told_with_its_status(
    status: str, shown: str
) -> None:
    before = [node("n1", "Failed"), node("n2")]
    after = [*before, node("n3", status)]
    assert changes(before, after)[1] == [f"change c1: Node n3 added ({shown})"]


def test_a_node_that_leaves_an_open_incident_is_told() -> None:
    assert changes([node("n1", "Failed"), node("n2")], [node("n1", "Failed")])[1] == [
        "change c1: Node n2 removed"
    ]


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        ("", "Failed", "Node n1 changed: no status → Failed"),
        ("Failed", "", "Node n1 changed: Failed → no status"),
        ("Failed", "Running", "Node n1 recovered: Failed → Running"),
    ],
    ids=["from_nothing", "to_nothing", "recovered"],
)
def test_a_node_status_change_shows_a_missing_status_in_words(
    old: str, new: str, line: str
) -> None:
    before = [node("n1", old), node("n2", "Failed")]
    after = [node("n1", new), node("n2", "Failed")]
    assert changes(before, after)[1] == [f"change c1: {line}"]


@pytest.mark.parametrize(
    ("host", "shown"),
    [("gpu-01", "gpu-01 (n1)"), ("n1", "n1"), ("", "n1")],
    ids=["host_first_id_beside", "host_same_as_id", "no_host"],
)
def test_a_node_is_named_by_its_host_with_its_id_beside_it(host: str, shown: str) -> None:
    before = [{**node("n1", "Running"), "host_name": host}, node("n2", "Failed")]
    after = [{**node("n1", "Failed"), "host_name": host}, node("n2", "Failed")]
    assert changes(before, after)[1] == [f"change c1: Node {shown} changed: Running → Failed"]


@pytest.mark.parametrize(
    ("length", "shown"),
    [(299, "x" * 299), (300, "x" * 300), (301, "x" * 299 + "…"), (5000, "x" * 299 + "…")],
    ids=["299", "300", "301", "5000"],
)
def test_api_strings_longer_than_300_characters_are_cut_to_300(length: int, shown: str) -> None:
    before = [node("n1", "Failed", "RUNNING")]
    after = [node("n1", "Failed", "FAILED", error="x" * length)]
    assert changes(before, after)[1] == [
        f"change c1: Node n1: remediation failed (HOST_AWARE): {shown}"
    ]
