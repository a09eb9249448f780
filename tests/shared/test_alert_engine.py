"""The alert engine, as tables: a sequence of polls in, the events each poll produces out."""

from __future__ import annotations

import pytest

from tests.shared.alert_polls import (
    DEGRADED,
    Poll,
    cluster,
    degraded,
    fail,
    node,
    ok,
    said,
)

TRANSITIONS: dict[str, tuple[list[Poll], list[list[str]]]] = {
    "a ready cluster says nothing": (
        [(0, ok(cluster())), (60, ok(cluster()))],
        [[], []],
    ),
    "entering Degraded opens an incident": (
        [(0, ok(cluster())), (60, ok(DEGRADED))],
        [[], ["open c1"]],
    ),
    "a cluster already Degraded on the first poll opens an incident": (
        [(0, ok(DEGRADED))],
        [["open c1"]],
    ),
    "staying Degraded opens nothing more": (
        [(0, ok(DEGRADED)), (60, ok(DEGRADED)), (120, ok(DEGRADED))],
        [["open c1"], [], []],
    ),
    "returning to Ready resolves it": (
        [(0, ok(cluster())), (60, ok(DEGRADED)), (120, ok(cluster()))],
        [[], ["open c1"], ["resolve c1: back to Ready"]],
    ),
    "another node failing is a change in the same incident": (
        [
            (0, ok(DEGRADED)),
            (
                60,
                ok(cluster(status="Degraded", nodes=[node("n1", "Failed"), node("n2", "Failed")])),
            ),
        ],
        [["open c1"], ["change c1: Node n2 changed: Running → Failed"]],
    ),
    "a node coming back is a change": (
        [
            (0, ok(cluster(status="Degraded", nodes=[node("n1", "Failed"), node("n2", "Failed")]))),
            (60, ok(DEGRADED)),
        ],
        [["open c1"], ["change c1: Node n2 recovered: Failed → Running"]],
    ),
    "a pending approval on a Degraded cluster joins its open incident": (
        [
            (0, ok(DEGRADED)),
            (
                60,
                ok(
                    cluster(
                        status="Degraded",
                        nodes=[node("n1", "Failed", "PENDING_APPROVAL"), node("n2")],
                    )
                ),
            ),
        ],
        [["open c1"], ["change c1: Node n1: remediation awaiting approval (HOST_AWARE)"]],
    ),
    "a remediation's approval, start and failure are told in turn": (
        [
            (0, ok(cluster(status="Degraded", nodes=[node("n1", "Failed", "PENDING_APPROVAL")]))),
            (60, ok(cluster(status="Degraded", nodes=[node("n1", "Failed", "PENDING")]))),
            (120, ok(cluster(status="Degraded", nodes=[node("n1", "Failed", "RUNNING")]))),
            (
                180,
                ok(
                    cluster(
                        status="Degraded",
                        nodes=[node("n1", "Failed", "FAILED", error="host unreachable")],
                    )
                ),
            ),
        ],
        [
            ["open c1"],
            ["change c1: Node n1: remediation approved, queued (HOST_AWARE)"],
            ["change c1: Node n1: remediation running (HOST_AWARE)"],
            ["change c1: Node n1: remediation failed (HOST_AWARE): host unreachable"],
        ],
    ),
    "a pending approval on a Ready cluster opens an incident, approval resolves it": (
        [
            (0, ok(cluster())),
            (60, ok(cluster(nodes=[node("n1", "Running", "PENDING_APPROVAL"), node("n2")]))),
            (120, ok(cluster(nodes=[node("n1", "Running", "PENDING"), node("n2")]))),
        ],
        [[], ["open c1"], ["resolve c1: nothing left that needs a person"]],
    ),
    "on-demand compute paused opens an incident by default": (
        [(0, ok(cluster())), (60, ok(cluster(status="OnDemandComputePaused")))],
        [[], ["open c1"]],
    ),
    "Degraded then Paused resolves, saying the new status": (
        [(0, ok(DEGRADED)), (60, ok(cluster(status="Paused")))],
        [["open c1"], ["resolve c1: now Paused"]],
    ),
    "Degraded then Deleting resolves when deletions are not alerted on": (
        [(0, ok(DEGRADED)), (60, ok(cluster(status="Deleting")))],
        [["open c1"], ["resolve c1: now Deleting"]],
    ),
    "an unknown status keeps the incident open: unknown is not healthy": (
        [(0, ok(DEGRADED)), (60, ok(cluster(status="Quarantined"))), (120, ok(cluster()))],
        [
            ["open c1"],
            ["change c1: Status Degraded → Quarantined; Node n1 recovered: Failed → Running"],
            ["resolve c1: back to Ready"],
        ],
    ),
    "an unknown status alone opens nothing": (
        [(0, ok(cluster())), (60, ok(cluster(status="Quarantined")))],
        [[], []],
    ),
    "a failed remediation opens nothing by default": (
        [(0, ok(cluster(nodes=[node("n1", "Running", "FAILED", error="boom")])))],
        [[]],
    ),
    "a cluster absent from one poll is not gone": (
        [(0, ok(DEGRADED)), (60, ok()), (120, ok(DEGRADED))],
        [["open c1"], [], []],
    ),
    "a cluster absent from two polls in a row is gone and its incident resolves": (
        [(0, ok(DEGRADED)), (60, ok()), (120, ok())],
        [["open c1"], [], ["resolve c1: no longer listed by Together"]],
    ),
    "absences broken by a sighting start counting again": (
        [(0, ok(DEGRADED)), (60, ok()), (120, ok(DEGRADED)), (180, ok()), (240, ok(DEGRADED))],
        [["open c1"], [], [], [], []],
    ),
    "a listed but unreadable cluster is not absent": (
        [
            (0, ok(DEGRADED)),
            (60, ok(unreadable=frozenset({"c1"}))),
            (120, ok(unreadable=frozenset({"c1"}))),
            (180, ok(unreadable=frozenset({"c1"}))),
        ],
        [["open c1"], [], [], []],
    ),
    "failed polls neither open nor resolve": (
        [(0, ok(cluster())), (60, fail()), (120, fail()), (180, ok(cluster()))],
        [[], [], [], []],
    ),
    "failed polls do not resolve an open incident; the next good poll does": (
        [(0, ok(DEGRADED)), (60, fail()), (120, fail()), (180, ok(cluster()))],
        [["open c1"], [], [], ["resolve c1: back to Ready"]],
    ),
    "failed polls do not count as absences": (
        [(0, ok(DEGRADED)), (60, fail()), (120, fail()), (180, fail()), (240, ok(DEGRADED))],
        [["open c1"], [], [], [], []],
    ),
    "a short outage says nothing": (
        [(0, ok(cluster())), (60, fail()), (120, fail()), (180, ok(cluster()))],
        [[], [], [], []],
    ),
    "a long outage is announced once, with no false recovery, then its end": (
        [
            (0, ok(DEGRADED)),
            (60, fail("Together failed with 503.")),
            (300, fail("Together failed with 502.")),
            (360, fail("Together failed with 500.")),
            (420, fail("Together failed with 500.")),
            (480, ok(DEGRADED)),
        ],
        [
            ["open c1"],
            [],
            [],
            ["api down: Together failed with 500."],
            [],
            ["api up"],
        ],
    ),
    "flapping back within the window reopens the same incident": (
        [(0, ok(DEGRADED)), (60, ok(cluster())), (600, ok(DEGRADED))],
        [["open c1"], ["resolve c1: back to Ready"], ["reopen c1"]],
    ),
    "going bad again after the window opens a new incident": (
        [(0, ok(DEGRADED)), (60, ok(cluster())), (60 + 901, ok(DEGRADED))],
        [["open c1"], ["resolve c1: back to Ready"], ["open c1"]],
    ),
    "reminders come every remind interval while open": (
        [
            (0, ok(DEGRADED)),
            (4 * 3600 - 60, ok(DEGRADED)),
            (4 * 3600, ok(DEGRADED)),
            (4 * 3600 + 60, ok(DEGRADED)),
            (8 * 3600, ok(DEGRADED)),
        ],
        [["open c1"], [], ["remind c1"], [], ["remind c1"]],
    ),
    "clusters are followed each on their own": (
        [
            (0, ok(cluster("a"), cluster("b"))),
            (60, ok(degraded("a"), cluster("b"))),
            (120, ok(degraded("a"), degraded("b"))),
            (180, ok(cluster("a"), degraded("b"))),
        ],
        [[], ["open a"], ["open b"], ["resolve a: back to Ready"]],
    ),
    "many clusters going bad at once each get an incident": (
        [(0, ok(*(degraded(f"c{i}") for i in range(7))))],
        [[f"open c{i}" for i in range(7)]],
    ),
}


@pytest.mark.parametrize(("polls", "expected"), TRANSITIONS.values(), ids=TRANSITIONS.keys())
def test_transitions_with_the_default_rules(polls: list[Poll], expected: list[list[str]]) -> None:
    assert said(polls) == expected
