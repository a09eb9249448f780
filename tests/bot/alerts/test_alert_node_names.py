"""An alert names a failed node as people know it (its host name, the id beside it) and says why."""

from __future__ import annotations

import json

from bot.alerts.render import incident_parent
from bot.render.detail import render_detail
from shared.models import Cluster
from shared.simulator import create_app, simulator_state
from tests.bot.alerts.factories import T0, cluster, incident, node
from tests.bot.fleets import detail_view
from tests.bot.slack_app import all_text

ECC = "GPU Xid 48: uncorrectable double-bit ECC error"


def demo_cluster_after(seconds: float, name: str = "llm-train-b200") -> Cluster:
    """A cluster of the `demo` scenario, `seconds` into its timeline."""
    state = simulator_state(create_app("demo", api_key="k", seed=7))
    state.timeline(advance_s=seconds)
    listed = json.loads(state.clusters_body(None))["clusters"]
    raw = next(c for c in listed if c["cluster_name"] == name)
    return Cluster.model_validate(raw)


def test_the_demo_alert_names_the_failed_node_by_host_name_and_says_why() -> None:
    degraded = demo_cluster_after(35)
    failed = next(n for n in degraded.gpu_worker_nodes if n.status == "Failed")
    text = all_text(incident_parent(incident(degraded), T0).blocks)
    assert "remediation awaiting approval on llm-train-b200-gpu-01 (HOST_AWARE)" in text
    assert f"*llm-train-b200-gpu-01* `{failed.node_id}` Failed" in text
    assert f"(HOST_AWARE): {ECC}" in text


def test_a_failed_remediation_says_its_error_and_a_node_without_host_name_shows_its_id() -> None:
    c = cluster("cl-1", "Degraded", [node("n1", "Failed", "FAILED", error="no spare host")])
    text = all_text(incident_parent(incident(c), T0).blocks)
    assert "`n1` Failed · remediation FAILED (HOST_AWARE): no spare host" in text


def test_the_detail_lists_a_node_by_host_name_with_its_id_beside_it() -> None:
    degraded = demo_cluster_after(35)
    failed = next(n for n in degraded.gpu_worker_nodes if n.status == "Failed")
    text = all_text(render_detail(detail_view(degraded)).blocks)
    assert f"*llm-train-b200-gpu-01* `{failed.node_id}` Failed" in text


def test_the_notification_text_names_the_node_by_host_name() -> None:
    degraded = demo_cluster_after(35)
    text = incident_parent(incident(degraded), T0).text
    assert "remediation awaiting approval on llm-train-b200-gpu-01 (HOST_AWARE)" in text
    assert "node-" not in text
