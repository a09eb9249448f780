"""Which channels hear about each event, and how: parents, thread replies, updates, groups."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.alerts import model
from bot.alerts.planner import Destinations, Plan, plan
from shared.alerts import (
    ApiRecovered,
    ApiUnreachable,
    ClusterGone,
    ClusterMemory,
    Event,
    IncidentChanged,
    IncidentOpened,
    IncidentReminder,
    IncidentResolved,
)
from tests.bot.alerts.factories import T0, cluster, incident, resolved

ALERTS = "C0ALERTS"
TEAM_A = "C0TEAMA"
NOW = T0 + timedelta(minutes=1)
A_INCIDENT = incident(cluster("a1", "Degraded", project_id="proj-a"), incident_id="a1#1")
B_INCIDENT = incident(cluster("b1", "Degraded", project_id="proj-b"), incident_id="b1#2")


def subscription(channel: str, project: str | None = None) -> model.Subscription:
    return model.Subscription(channel, project, "U0ALICE", T0.isoformat())


A1_KEY = model.ParentKey.parse("incident:a1#1")

EVERYWHERE = Destinations(ALERTS, [subscription(TEAM_A, "proj-a")])


def planned(
    events: list[Event],
    destinations: Destinations = EVERYWHERE,
    threads: list[model.Thread] = (),  # type: ignore[assignment]
    known: model.Known | None = None,
) -> Plan:
    known = known or model.Known()
    for t in threads:
        known.threads.setdefault(t.subject, []).append(t)
    return plan(events, destinations=destinations, known=known, now=NOW)


def sent(result: Plan) -> list[tuple[str, str, str]]:
    return [(m.channel, m.kind, str(m.parent_key)) for m in result.messages]


def texts(messages: list[model.Outgoing]) -> str:
    return "\n".join(m.message.text for m in messages)


def test_an_incident_is_posted_once_in_each_channel_that_wants_it() -> None:
    result = planned([IncidentOpened(A_INCIDENT), IncidentOpened(B_INCIDENT)])
    assert sent(result) == [
        (ALERTS, "post", "incident:a1#1"),
        (ALERTS, "post", "incident:b1#2"),
        (TEAM_A, "post", "incident:a1#1"),
    ]
    assert result.threads == [
        model.Thread("a1#1", ALERTS, A1_KEY),
        model.Thread("b1#2", ALERTS, model.ParentKey.parse("incident:b1#2")),
        model.Thread("a1#1", TEAM_A, A1_KEY),
    ]


def test_a_subscription_to_every_project_gets_everything_once() -> None:
    destinations = Destinations(ALERTS, [subscription(ALERTS), subscription(TEAM_A)])
    result = planned([IncidentOpened(B_INCIDENT)], destinations)
    assert sent(result) == [(ALERTS, "post", "incident:b1#2"), (TEAM_A, "post", "incident:b1#2")]


def test_with_nowhere_to_post_nothing_is_planned() -> None:
    result = planned(
        [IncidentOpened(A_INCIDENT), ApiUnreachable("api#1", T0, "boom")], Destinations(None)
    )
    assert result.messages == [] and result.threads == []


def test_changes_go_into_every_thread_and_refresh_each_parent() -> None:
    threads = [
        model.Thread("a1#1", ALERTS, A1_KEY),
        model.Thread("a1#1", TEAM_A, A1_KEY),
    ]
    result = planned(
        [IncidentChanged(A_INCIDENT, ("Node n2 changed: Running → Failed",))], threads=threads
    )
    assert sent(result) == [
        (ALERTS, "reply", "incident:a1#1"),
        (TEAM_A, "reply", "incident:a1#1"),
        (ALERTS, "update", "incident:a1#1"),
        (TEAM_A, "update", "incident:a1#1"),
    ]
    assert "Node n2 changed: Running → Failed" in result.messages[0].message.text
    assert result.threads == []


def test_a_reminder_is_a_reply_only() -> None:
    threads = [model.Thread("a1#1", ALERTS, A1_KEY)]
    result = planned([IncidentReminder(A_INCIDENT, timedelta(hours=4))], threads=threads)
    assert sent(result) == [(ALERTS, "reply", "incident:a1#1")]


def test_recovery_is_a_reply_and_the_parent_shows_it_resolved() -> None:
    done = resolved(A_INCIDENT)
    threads = [model.Thread("a1#1", ALERTS, A1_KEY)]
    event = IncidentResolved(done, timedelta(minutes=42), "back to Ready", True)
    result = planned([event], threads=threads)
    assert sent(result) == [(ALERTS, "reply", "incident:a1#1"), (ALERTS, "update", "incident:a1#1")]
    assert "Recovered after 42 min" in result.messages[0].message.text
    assert "Resolved: name-a1" in str(result.messages[1].message.blocks)


def test_a_reopened_incident_continues_its_thread_without_a_new_parent() -> None:
    threads = [
        model.Thread("a1#1", ALERTS, A1_KEY),
        model.Thread("a1#1", TEAM_A, A1_KEY),
    ]
    result = planned(
        [IncidentOpened(A_INCIDENT, reopened_after=timedelta(minutes=3))], threads=threads
    )
    assert [k for _, k, _ in sent(result)] == ["reply", "reply", "update", "update"]
    assert "again, 3 min after recovering" in texts(result.messages)


def test_a_channel_subscribed_after_an_incident_opened_gets_a_parent_when_it_reopens() -> None:
    threads = [model.Thread("a1#1", ALERTS, A1_KEY)]
    result = planned(
        [IncidentOpened(A_INCIDENT, reopened_after=timedelta(minutes=3))], threads=threads
    )
    assert (TEAM_A, "post", "incident:a1#1") in sent(result)


def many(count: int, project: str = "proj-b") -> list[IncidentOpened]:
    return [
        IncidentOpened(
            incident(cluster(f"c{n}", "Degraded", project_id=project), incident_id=f"c{n}#1")
        )
        for n in range(count)
    ]


def test_five_incidents_at_once_are_posted_one_by_one() -> None:
    result = planned(list(many(5)))
    assert [kind for _, kind, _ in sent(result)] == ["post"] * 5


def test_more_than_five_at_once_become_one_grouped_message_per_channel() -> None:
    events: list[Event] = [*many(6), IncidentOpened(A_INCIDENT)]
    result = planned(events)
    posts = sent(result)
    assert len(posts) == 2
    (alerts_channel, _, group_key), team_post = posts
    assert alerts_channel == ALERTS and group_key.startswith("group:")
    assert team_post == (TEAM_A, "post", "incident:a1#1")  # only one incident goes there
    assert "7 clusters went bad at once" in result.messages[0].message.text
    grouped = [t for t in result.threads if str(t.parent_key) == group_key]
    assert [t.subject for t in grouped] == [f"c{n}#1" for n in range(6)] + ["a1#1"]


def test_news_of_a_grouped_incident_goes_into_the_group_thread_and_refreshes_the_list() -> None:
    members = [e.incident for e in many(6)]
    key = model.ParentKey.parse("group:c0#1@x")
    known = model.Known(groups={(key, ALERTS): members})
    threads = [model.Thread(m.incident_id, ALERTS, key) for m in members]
    done = resolved(members[2])
    event = IncidentResolved(done, timedelta(minutes=42), "back to Ready", True)
    result = planned([event], threads=threads, known=known)
    assert sent(result) == [(ALERTS, "reply", str(key)), (ALERTS, "update", str(key))]
    assert "*name-c2*" in result.messages[0].message.text
    assert "(5 still open)" in str(result.messages[1].message.blocks)


def test_an_outage_is_announced_in_every_channel_and_its_end_in_its_threads() -> None:
    destinations = Destinations(ALERTS, [subscription(TEAM_A, "proj-a"), subscription("C0OTHER")])
    down = planned([ApiUnreachable("api#9", T0, "Together failed with 503.")], destinations)
    assert sent(down) == [
        (ALERTS, "post", "outage:api#9"),
        (TEAM_A, "post", "outage:api#9"),
        ("C0OTHER", "post", "outage:api#9"),
    ]
    up = planned(
        [ApiRecovered("api#9", T0, timedelta(minutes=7))], destinations, threads=down.threads
    )
    assert [kind for _, kind, _ in sent(up)] == ["reply", "update"] * 3
    assert "reachable again after 7 min" in texts(up.messages)


def test_a_vanished_cluster_is_reported_where_its_alerts_go() -> None:
    memory = ClusterMemory("a1", "name-a1", "proj-a", "Ready")
    result = planned([ClusterGone(memory, NOW)])
    assert [(c, k) for c, k, _ in sent(result)] == [(ALERTS, "post"), (TEAM_A, "post")]
    assert "no longer listed" in texts(result.messages)


def test_parent_keys_are_stored_in_the_format_state_files_already_hold() -> None:
    group = model.ParentKey(model.ParentKind.GROUP, "c0#1@2024-05-01T12:00:00+00:00")
    assert str(group) == "group:c0#1@2024-05-01T12:00:00+00:00"
    assert model.ParentKey.parse(str(group)) == group and group.is_group
    assert model.ParentKey.parse("incident:c1#1") == model.ParentKey.incident("c1#1")
    assert model.ParentKey.parse("outage:api#3").kind is model.ParentKind.OUTAGE
    assert str(model.MessageKind.REPLY) == "reply"


@pytest.mark.parametrize("text", ["incident", "incident:", "thread:c1#1", ""])
def test_a_parent_key_this_version_never_wrote_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        model.ParentKey.parse(text)
