"""Alert messages: what a person sees, escaped, and within Slack's limits."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from slack_sdk.models.blocks import Block

from bot.alerts import render
from bot.alerts.model import incident_key
from bot.extension import DETAILS_NEW_ACTION
from bot.message import SlackMessage
from bot.render.budgets import budget_problems
from tests.bot.alerts.factories import HOSTILE, T0, cluster, incident, node, resolved
from tests.bot.slack_app import all_text, button_values, mrkdwn_text

NOW = T0 + timedelta(minutes=5)


def mrkdwn(message: SlackMessage) -> str:
    """The text Slack interprets as mrkdwn: the fallback and every mrkdwn object."""
    return f"{message.text}\n{mrkdwn_text(message.blocks)}"


def check(message: SlackMessage) -> str:
    """Assert the message is valid Block Kit within Slack's limits; return its readable text."""
    assert budget_problems(message.blocks, text=message.text) == []
    for block in message.blocks:
        Block.parse(block).validate_json()  # type: ignore[union-attr]
    return message.text + "\n" + all_text(message.blocks)


def many_nodes(count: int) -> list[dict[str, Any]]:
    return [node(f"node-{i:04d}", "Failed", "PENDING_APPROVAL") for i in range(count)]


def test_an_open_parent_shows_what_an_operator_needs() -> None:
    c = cluster(
        "cl-1",
        "Degraded",
        [node("n1", "Failed", "PENDING_APPROVAL"), node("n2")],
        project_id="proj-a",
    )
    text = check(render.incident_parent(incident(c), NOW))
    for expected in (
        "Degraded: name-cl-1",
        "cl-1",
        "us-central-8",
        "H100_SXM × 16",
        "2026-11-30 12:00 UTC",
        "1/2 healthy",
        "remediation awaiting approval on n1 (HOST_AWARE)",
        "`n1` Failed · remediation PENDING_APPROVAL (HOST_AWARE)",
        "proj-a",
    ):
        assert expected in text, expected


def test_an_open_parent_has_details_and_three_snooze_buttons() -> None:
    i = incident()
    blocks = render.incident_parent(i, NOW).blocks
    assert button_values(blocks, DETAILS_NEW_ACTION) == [i.cluster_id]
    for action_id in ("alert_snooze_1h", "alert_snooze_4h", "alert_snooze_24h"):
        assert button_values(blocks, action_id) == [incident_key(i.incident_id)]
    assert render.SNOOZE_HOURS == {
        "alert_snooze_1h": 1,
        "alert_snooze_4h": 4,
        "alert_snooze_24h": 24,
    }


def test_a_resolved_parent_says_how_long_it_lasted_and_offers_no_snooze() -> None:
    message = render.incident_parent(resolved(incident()), NOW + timedelta(hours=1))
    text = check(message)
    assert "Resolved: name-c1" in text
    assert "Recovered after 42 min (back to Ready)" in text
    assert button_values(message.blocks, "alert_snooze_1h") == []
    assert button_values(message.blocks, DETAILS_NEW_ACTION) == ["c1"]


def test_a_snoozed_parent_says_who_snoozed_it_and_until_when() -> None:
    snoozed = incident().with_snooze(T0 + timedelta(hours=4), "U0BOB")
    text = check(render.incident_parent(snoozed, NOW))
    assert "Snoozed by <@U0BOB> until 2026-11-30 16:00 UTC" in text
    assert "recovery will still be posted" in text


def test_hostile_names_are_shown_literally_and_ping_no_one() -> None:
    c = cluster(
        "<!here>",
        "Degraded",
        [node("<@U0EVIL>", "<!channel>", "PENDING_APPROVAL")],
        cluster_name=HOSTILE,
        region="<https://evil.example|us>",
    )
    i = incident(c)
    messages = [
        render.incident_parent(i, NOW),
        render.incident_parent(resolved(i), NOW),
        render.incident_changed(i, [f"Node {HOSTILE} changed"], grouped=True),
        render.incident_reminder(i, timedelta(hours=4), grouped=True),
        render.incident_resolved(resolved(i), NOW, grouped=True),
        render.incident_reopened(i, timedelta(minutes=3), grouped=True),
        render.grouped_parent([i] * 6, NOW),
        render.api_unreachable(T0, HOSTILE, NOW),
        render.cluster_gone(HOSTILE, "<!here>", "<!channel>"),
    ]
    for message in messages:
        check(message)
        text = mrkdwn(message)
        assert "<!" not in text and "<@" not in text and "<https" not in text
        assert "&lt;!channel&gt;" in text or "&lt;!here&gt;" in text


def test_a_user_id_that_is_not_one_is_not_turned_into_a_mention() -> None:
    assert render.user_mention("U0BOB") == "<@U0BOB>"
    assert render.user_mention("<!channel>") == "&lt;!channel&gt;"


@pytest.mark.parametrize("count", [1, 12, 13, 1000])
def test_a_parent_with_many_unhealthy_nodes_stays_within_limits(count: int) -> None:
    i = incident(cluster(status="Degraded", nodes=many_nodes(count)))
    text = check(render.incident_parent(i, NOW))
    if count > 12:
        assert f"… and {count - 12} more" in text


@pytest.mark.parametrize("count", [6, 40, 41, 200])
def test_a_grouped_message_lists_each_incident_within_limits(count: int) -> None:
    incidents = [
        incident(cluster(f"c{n}", "Degraded"), incident_id=f"c{n}#1") for n in range(count)
    ]
    message = render.grouped_parent(incidents, NOW)
    text = check(message)
    assert f"{count} clusters went bad at once ({count} still open)" in text
    assert "name-c0" in text
    assert button_values(message.blocks, DETAILS_NEW_ACTION)[:2] == ["c0", "c1"]
    if count > 40:
        assert f"… and {count - 40} more" in text


def test_a_grouped_message_marks_resolved_members() -> None:
    first, second = (incident(cluster(f"c{n}", "Degraded"), incident_id=f"c{n}#1") for n in (1, 2))
    text = check(render.grouped_parent([resolved(first), second], NOW))
    assert "(1 still open)" in text
    assert "Recovered after 42 min" in text


def test_a_long_list_of_changes_is_cut_and_counted() -> None:
    text = check(
        render.incident_changed(
            incident(), [f"Node n{i} changed" * 20 for i in range(50)], grouped=False
        )
    )
    assert "more changes" in text


def test_thread_replies_say_what_happened() -> None:
    i = incident()
    assert "Still Degraded after 4 h" in check(
        render.incident_reminder(i, timedelta(hours=4), grouped=False)
    )
    assert "Recovered after 42 min (back to Ready)." in check(
        render.incident_resolved(resolved(i), NOW, grouped=False)
    )
    assert "Degraded again, 3 min after recovering (flapping)" in check(
        render.incident_reopened(i, timedelta(minutes=3), grouped=False)
    )
    assert "*name-c1*" in check(render.incident_changed(i, ["x"], grouped=True))


def test_the_outage_message_quotes_the_error_and_says_nothing_is_decided() -> None:
    text = check(
        render.api_unreachable(
            T0, "Together failed with 503.\nsecond line", T0 + timedelta(minutes=6)
        )
    )
    assert "Together API unreachable since 2026-11-30 12:00 UTC" in text
    assert "Polls have failed for 6 min" in text
    assert "Together failed with 503." in text
    assert "nothing opens or resolves" in text
    long = check(render.api_unreachable(T0, "x" * 50_000, NOW))
    assert len(long) < 3000


def test_the_outage_end_says_how_long_it_lasted() -> None:
    assert "reachable again after 7 min" in check(render.api_recovered(T0, timedelta(minutes=7)))
    assert "for 7 min" in check(render.api_recovered_parent(T0, timedelta(minutes=7)))


def test_no_message_carries_the_kube_config() -> None:
    secret = "kc-very-secret-token"
    c = cluster(status="Degraded", nodes=[node("n1", "Failed")], kube_config=secret)
    for message in (
        render.incident_parent(incident(c), NOW),
        render.grouped_parent([incident(c)] * 6, NOW),
    ):
        assert secret not in check(message)
        assert secret not in str(message.blocks)
