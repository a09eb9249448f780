"""An SDK-shaped linked alert reaches every place a person decides on a repair.

The example is the official SDK's `LinkedAlert` (Xid 79 three times, with a title); it goes
through our models and out through `/clusters show`, the alert message and MCP `get_cluster`,
and each must show the Xid code, the mnemonic (in words), the count and the title.
"""

from __future__ import annotations

from typing import Any

import pytest
from together.types.cluster import Cluster as SDKCluster

from bot.alerts.render import incident_parent
from bot.render.detail import render_detail
from shared.models import Cluster
from tests.bot.alerts.factories import incident
from tests.bot.fleets import detail_view
from tests.bot.slack_app import all_text
from tests.mcp_server.harness import serve, text_of
from tests.shared.builders import (
    NOW,
    cluster_dict,
    linked_alert_dict,
    remediation_dict,
    worker_node_dict,
)

SHOWN = "GPU Xid error: Xid 79 GPU has fallen off the bus ×3 since 11:32 UTC"
"""Title, code, mnemonic in words, count and start (28 minutes before NOW, 12:00 UTC)."""


def degraded_with_alert(**alert: Any) -> dict[str, Any]:
    rem = remediation_dict(linked_alerts=[linked_alert_dict(**alert)])
    failed = worker_node_dict("gpu-node-1", status="Failed", latest_remediation=rem)
    return cluster_dict(
        status="Degraded", gpu_worker_nodes=[failed, worker_node_dict("gpu-node-2")]
    )


def test_the_example_is_what_the_official_sdk_documents() -> None:
    SDKCluster.model_validate(degraded_with_alert() | {"kube_config": "sim", "volumes": []})


def test_the_slack_detail_node_line_shows_the_alert() -> None:
    c = Cluster.model_validate(degraded_with_alert())
    text = all_text(render_detail(detail_view(c)).blocks)
    (line,) = [line for line in text.splitlines() if "↳" in line]
    assert line.strip() == f"↳ {SHOWN}"
    assert "remediation PENDING_APPROVAL (HOST_AWARE): GPU fell off the bus (Xid 79)" in text


def test_the_alert_message_node_line_shows_the_alert() -> None:
    c = Cluster.model_validate(degraded_with_alert())
    text = all_text(incident_parent(incident(c), NOW).blocks)
    assert f"↳ {SHOWN}" in text


def test_a_hostile_alert_title_is_escaped_in_slack() -> None:
    c = Cluster.model_validate(
        degraded_with_alert(annotation={"title": "<!channel> reboot all", "xid": None})
    )
    text = all_text(incident_parent(incident(c), NOW).blocks)
    assert "&lt;!channel&gt; reboot all" in text
    assert "<!channel>" not in text


@pytest.mark.anyio
async def test_mcp_get_cluster_shows_the_alert_in_text_and_structured_content() -> None:
    async with serve("empty") as h:
        h.sim.add_cluster(degraded_with_alert())
        result = await h.call("get_cluster", cluster="alpha")
    assert f'alerts: "{SHOWN}"' in text_of(result)
    assert result.structured_content is not None
    (node,) = [n for n in result.structured_content["nodes"] if n.get("remediation")]
    (alert,) = node["remediation"]["alerts"]
    assert alert["title"] == "GPU Xid error"
    assert alert["severity"] == "critical"
    assert alert["xid"] == [
        {"code": "79", "mnemonic": "ROBUST_CHANNEL_GPU_HAS_FALLEN_OFF_THE_BUS", "count": 3}
    ]
    assert alert["summary"] == SHOWN
