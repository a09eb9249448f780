"""The alert state survives a trip through JSON, which is how the bot keeps it across restarts."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from shared.alerts import ApiHealth, WatchState, step
from shared.alerts.codec import (
    dump_api,
    dump_incident,
    dump_memory,
    load_api,
    load_incident,
    load_memory,
)
from tests.shared.alert_polls import DEGRADED, T0, Run, cluster, fail, node, ok


def test_memories_and_incidents_read_back_equal_to_what_was_written() -> None:
    run = Run()
    run.poll(0, ok(cluster(status="Degraded", nodes=[node("n1", "Failed", "PENDING_APPROVAL")])))
    state = run.state
    for memory in state.clusters.values():
        assert load_memory(json.loads(json.dumps(dump_memory(memory)))) == memory
    for incident in state.incidents.values():
        assert load_incident(json.loads(json.dumps(dump_incident(incident)))) == incident


def test_a_resolved_incident_keeps_its_resolution() -> None:
    run = Run()
    run.poll(0, ok(DEGRADED))
    run.poll(60, ok(cluster()))
    incident = run.state.incidents["c1"]
    again = load_incident(dump_incident(incident))
    assert again.resolved_at == T0 + timedelta(seconds=60)
    assert again.resolution == "back to Ready"


def test_api_health_reads_back_equal() -> None:
    state = step(WatchState(), fail("boom"), T0, Run().rules).state
    assert load_api(dump_api(state.api)) == state.api
    assert load_api(dump_api(ApiHealth())) == ApiHealth()


def test_the_kube_config_is_never_written() -> None:
    secret = "kc-very-secret-token"
    run = Run()
    run.poll(0, ok(DEGRADED.model_copy(update={"kube_config": secret})))
    dumped = json.dumps(dump_incident(run.state.incidents["c1"]))
    assert secret not in dumped
    assert "kube_config" not in dumped


def test_a_row_of_another_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="not a stored incident"):
        load_incident({"incident_id": "x"})
    with pytest.raises(ValueError, match="not a stored cluster memory"):
        load_memory({"cluster_id": "x"})
