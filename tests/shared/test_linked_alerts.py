"""Linked health-check alerts: parsed in the SDK's shape, tolerantly, and put into words."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from shared.enums import PHCSeverity
from shared.fleet import alert_phrase, alert_phrases, firing_first, severity_word
from shared.fleet.health_alerts import mnemonic_words, moment
from shared.linked_alerts import LinkedAlert
from shared.models import Remediation
from shared.parsing import parse_clusters
from tests.shared.builders import (
    NOW,
    ago,
    body,
    cluster,
    cluster_dict,
    linked_alert_dict,
    remediation_dict,
    worker_node_dict,
)


def remediation_with(*alerts: Any) -> Remediation:
    node = worker_node_dict(latest_remediation=remediation_dict(linked_alerts=list(alerts)))
    remediation = cluster(gpu_worker_nodes=[node]).gpu_worker_nodes[0].latest_remediation
    assert remediation is not None
    return remediation


def one_alert(**overrides: Any) -> LinkedAlert:
    (alert,) = remediation_with(linked_alert_dict(**overrides)).linked_alerts
    return alert


def test_an_sdk_shaped_alert_keeps_its_xid_code_mnemonic_count_title_and_severity() -> None:
    alert = one_alert()
    (event,) = alert.xid_events
    assert (event.xid_code, event.mnemonic, event.count) == (
        "79",
        "ROBUST_CHANNEL_GPU_HAS_FALLEN_OFF_THE_BUS",
        3,
    )
    assert alert.title == "GPU Xid error"
    assert alert.severity is PHCSeverity.CRITICAL
    assert alert.started_at == NOW - timedelta(minutes=28)
    assert alert.is_firing
    assert alert.annotations["evidence"] == "Xid 79 on GPU 3"


def test_an_unknown_severity_is_kept_verbatim_and_marked_unknown() -> None:
    alert = one_alert(severity="PHC_SEVERITY_PAGE_SOMEONE")
    assert alert.severity == "PHC_SEVERITY_PAGE_SOMEONE"
    assert alert.severity is not None and alert.severity.is_known is False
    assert severity_word(alert.severity) == "PHC_SEVERITY_PAGE_SOMEONE"


def test_an_alert_with_only_its_required_fields_parses_with_empty_details() -> None:
    required = ("alert_name", "cluster_id", "passive_health_check_alert_id", "target_vm")
    minimal = {key: linked_alert_dict()[key] for key in required} | {"started_at": ago(hours=1)}
    (alert,) = remediation_with(minimal).linked_alerts
    assert (alert.severity, alert.annotations, alert.xid_events) == (None, {}, [])
    assert alert.title == "DmesgXidError"
    assert alert.resolved_at is None and alert.instance_id is None


def test_the_old_invented_shape_is_left_out_and_the_cluster_still_parses() -> None:
    old = {"name": "GPUFellOffBus", "message": "GPU 3 fell off", "severity": "critical", "xid": 79}
    assert remediation_with(old).linked_alerts == []


def test_one_unreadable_alert_does_not_sink_the_others_or_the_cluster() -> None:
    broken = linked_alert_dict(started_at="last Tuesday")
    alerts = remediation_with(broken, "not an alert", linked_alert_dict(alert_name="Good"))
    assert [a.alert_name for a in alerts.linked_alerts] == ["Good"]
    node = worker_node_dict(latest_remediation=remediation_dict(linked_alerts=[broken]))
    parsed, invalid = parse_clusters(body(cluster_dict(gpu_worker_nodes=[node])))
    assert (len(parsed), invalid) == (1, [])


@pytest.mark.parametrize(
    ("field", "value", "left", "expected"),
    [
        ("annotation", "garbled", lambda a: a.xid_events, []),
        ("annotation", {"xid": 79, "title": "GPU Xid error"}, lambda a: a.xid_events, []),
        ("annotations", {"summary": {"x": 1}, "n": 3}, lambda a: a.annotations, {"n": "3"}),
        ("severity", 3, lambda a: a.severity, None),
    ],
)
def test_an_odd_part_of_an_alert_is_left_empty_instead_of_losing_the_alert(
    field: str, value: Any, left: Callable[[LinkedAlert], Any], expected: Any
) -> None:
    alert = one_alert(**{field: value})
    assert alert.alert_name == "DmesgXidError"
    assert left(alert) == expected


def test_null_or_absent_linked_alerts_are_an_empty_list() -> None:
    assert remediation_with().linked_alerts == []
    node = worker_node_dict(latest_remediation=remediation_dict(linked_alerts=None))
    rem = cluster(gpu_worker_nodes=[node]).gpu_worker_nodes[0].latest_remediation
    assert rem is not None and rem.linked_alerts == []


def test_an_xid_code_sent_as_a_number_becomes_a_string_and_a_bad_event_is_skipped() -> None:
    events = [{"xid_code": 48, "mnemonic": "ROBUST_CHANNEL_GPU_ECC_DBE", "count": 2}, {"count": []}]
    alert = one_alert(annotation={"title": "GPU Xid error", "xid": {"events": events}})
    assert [(e.xid_code, e.count) for e in alert.xid_events] == [("48", 2)]


@pytest.mark.parametrize(
    ("mnemonic", "words"),
    [
        ("ROBUST_CHANNEL_GPU_HAS_FALLEN_OFF_THE_BUS", "GPU has fallen off the bus"),
        ("ROBUST_CHANNEL_GPU_ECC_DBE", "GPU ECC DBE"),
        ("NVLINK_ERROR", "NVLink error"),
        ("GSP_RPC_TIMEOUT", "GSP RPC timeout"),
        ("INFOROM_DRAM_RETIREMENT_FAILURE", "InfoROM DRAM retirement failure"),
        ("ROBUST_CHANNEL_CONTAINED_ERROR", "contained error"),
        ("GPU has fallen off the bus", "GPU has fallen off the bus"),
        ("", ""),
    ],
)
def test_a_driver_mnemonic_is_read_as_words_and_other_text_is_kept(
    mnemonic: str, words: str
) -> None:
    assert mnemonic_words(mnemonic) == words


def test_an_xid_alert_reads_title_code_words_count_and_start_time() -> None:
    alert = one_alert(started_at="2026-03-01T09:32:00Z")
    assert alert_phrase(alert, NOW) == (
        "GPU Xid error: Xid 79 GPU has fallen off the bus ×3 since 09:32 UTC"
    )


def test_an_alert_from_an_earlier_day_shows_its_date_and_a_resolved_one_says_when() -> None:
    alert = one_alert(started_at="2026-02-27T23:05:00Z", resolved_at="2026-03-01T10:00:00Z")
    assert alert_phrase(alert, NOW).endswith("since 2026-02-27 23:05 UTC, resolved 10:00 UTC")


def test_a_slurm_alert_reads_its_drain_reason() -> None:
    annotation = {"title": "Slurm node unavailable", "slurm_node_unavailable": {"reason": "NHC"}}
    alert = one_alert(alert_name="SlurmNodeUnavailable", annotation=annotation)
    assert alert_phrase(alert, NOW).startswith("Slurm node unavailable: NHC since ")


def test_firing_alerts_come_first_and_the_rest_are_counted() -> None:
    alerts = [
        one_alert(alert_name=f"A{i}", started_at=ago(minutes=i), annotation={"title": f"A{i}"})
        for i in range(4)
    ]
    resolved = one_alert(annotation={"title": "old"}, resolved_at=ago(minutes=1))
    ordered = firing_first([resolved, *alerts])
    assert [a.title for a in ordered] == ["A0", "A1", "A2", "A3", "old"]
    phrases = alert_phrases([resolved, *alerts], datetime(2026, 3, 1, 12, tzinfo=UTC), limit=2)
    assert [p.split(" since")[0] for p in phrases[:2]] == ["A0", "A1"]
    assert phrases[2] == "+3 more alerts"


def test_each_xid_event_is_listed_and_an_unknown_code_or_count_is_said_so_or_left_out() -> None:
    events = [
        {"xid_code": "79", "mnemonic": "ROBUST_CHANNEL_GPU_HAS_FALLEN_OFF_THE_BUS", "count": 3},
        {"xid_code": "", "mnemonic": "NVLINK_ERROR", "count": 0},
        {"xid_code": "48", "mnemonic": "DBE_ERROR", "count": 1},
    ]
    alert = one_alert(annotation={"title": "GPU Xid error", "xid": {"events": events}})
    assert alert_phrase(alert, NOW).startswith(
        "GPU Xid error: Xid 79 GPU has fallen off the bus ×3, Xid ? NVLink error, "
        "Xid 48 DBE error ×1 since "
    )


@pytest.mark.parametrize(
    ("count", "more"), [(3, []), (4, ["+1 more alert"]), (5, ["+2 more alerts"])]
)
def test_three_alerts_are_told_and_the_rest_counted_in_words(count: int, more: list[str]) -> None:
    alerts = [
        one_alert(alert_name=f"A{i}", started_at=ago(minutes=i), annotation={"title": f"A{i}"})
        for i in range(count)
    ]
    phrases = alert_phrases(alerts, NOW)
    assert [p.split(" since")[0] for p in phrases[:3]] == ["A0", "A1", "A2"]
    assert phrases[3:] == more


@pytest.mark.parametrize(
    ("severity", "word"),
    [(None, "unknown"), (PHCSeverity.CRITICAL, "critical"), (PHCSeverity.INFO, "info")],
)
def test_a_severity_is_a_plain_word(severity: PHCSeverity | None, word: str) -> None:
    assert severity_word(severity) == word


@pytest.fixture
def machine_in_tokyo(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "JST-9")  # POSIX form: needs no tz database
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("machine_in_tokyo")
def test_moments_are_told_in_utc_whatever_the_machines_time_zone() -> None:
    now = datetime(2026, 3, 1, 23, 45, tzinfo=UTC)  # already 2 March in Tokyo
    assert moment(datetime(2026, 3, 1, 23, 30, tzinfo=UTC), now) == "23:30 UTC"
    assert moment(datetime(2026, 3, 1, 14, 0, tzinfo=UTC), now) == "14:00 UTC"
    assert moment(datetime(2026, 2, 28, 23, 30, tzinfo=UTC), now) == "2026-02-28 23:30 UTC"


def test_a_moment_past_the_edge_of_the_calendar_keeps_its_offset() -> None:
    edge = datetime.min.replace(tzinfo=timezone(timedelta(hours=5)))
    assert moment(edge, NOW) == "0001-01-01 00:00+05:00"
