"""What the rendered messages say: escaping, secrets, order, and the facts on each cluster."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from bot.render.detail import render_detail
from bot.render.home import render_home, render_home_detail
from bot.render.overview import PAGE_SIZE, render_overview
from shared.fleet import ClusterFilter
from shared.models import Cluster, InvalidCluster
from tests.bot.fleets import HOSTILE_NAME, detail_view, fleet, fleet_view
from tests.bot.slack_app import all_text, mrkdwn_text
from tests.shared.builders import (
    KUBE_CONFIG_MARKER,
    add_on_dict,
    cluster,
    full_cluster_dict,
    later,
    lifecycle_event_dict,
    remediation_dict,
    worker_node_dict,
)

ESCAPED_NAME = "&lt;!channel&gt; &lt;https://evil.example|click&gt;"


def everything(output: Any) -> str:
    return json.dumps(output if isinstance(output, dict) else asdict(output), ensure_ascii=False)


def test_a_hostile_name_shows_literally_and_pings_no_one() -> None:
    hostile = cluster(cluster_name=HOSTILE_NAME, status="Degraded")
    for reply in (
        render_overview(fleet_view([hostile])),
        render_detail(detail_view(hostile)),
    ):
        shown = mrkdwn_text(reply.blocks) + reply.text
        assert "<!channel>" not in shown
        assert "<https://" not in shown
    overview = render_overview(fleet_view([hostile]))
    assert ESCAPED_NAME in mrkdwn_text(overview.blocks)
    assert ESCAPED_NAME in overview.text
    detail = render_detail(detail_view(hostile))
    assert detail.blocks[0]["text"] == {"type": "plain_text", "text": HOSTILE_NAME, "emoji": True}


def test_no_message_or_view_contains_the_kubeconfig() -> None:
    full = Cluster.model_validate(full_cluster_dict(status="Degraded"))
    outputs = [
        render_overview(fleet_view([full])),
        render_detail(detail_view(full)),
        render_home(fleet_view([full])),
        render_home_detail(detail_view(full)),
    ]
    for output in outputs:
        text = everything(output)
        assert KUBE_CONFIG_MARKER not in text
        assert "kube_config" not in text


def test_clusters_are_listed_most_severe_first_with_status_and_findings() -> None:
    healthy = cluster(cluster_id="c-1", cluster_name="aaa-healthy")
    degraded = cluster(
        cluster_id="c-2",
        cluster_name="zzz-degraded",
        status="Degraded",
        gpu_worker_nodes=[
            worker_node_dict("n1", status="NotReady", latest_remediation=remediation_dict()),
            worker_node_dict("n2"),
        ],
    )
    text = all_text(render_overview(fleet_view([healthy, degraded])).blocks)
    assert text.index("zzz-degraded") < text.index("aaa-healthy")
    assert ":red_circle: *zzz-degraded* · Degraded" in text
    assert "us-central-8 · H100_SXM × 16 · nodes 1/2 running" in text
    assert "1/2 nodes not running" in text
    assert "remediation awaiting approval on n1.internal (HOST_AWARE)" in text


def test_the_overview_counts_statuses_and_gpus() -> None:
    text = all_text(render_overview(fleet_view(fleet(12))).blocks)
    assert "12 GPU clusters" in text
    assert ":red_circle: Degraded: 2" in text
    assert ":large_green_circle: Ready: 2" in text
    assert "H100_SXM: " in text


def test_an_unknown_status_is_shown_verbatim_and_marked_unknown() -> None:
    odd = cluster(status="Hibernating")
    text = all_text(render_overview(fleet_view([odd])).blocks)
    assert ":grey_question: *alpha* · Hibernating (unknown status)" in text


def test_a_large_fleet_says_how_many_are_left_out_and_how_to_filter() -> None:
    reply = render_overview(fleet_view(fleet(40)))
    text = all_text(reply.blocks)
    assert f"Showing 1-{PAGE_SIZE} of 40" in text
    assert f"{40 - PAGE_SIZE} not shown" in text
    assert "`/clusters attention`" in text
    assert f"Showing 1-{PAGE_SIZE} of 40." in reply.text


def test_the_fallback_text_names_what_needs_attention() -> None:
    reply = render_overview(fleet_view(fleet(6)))
    assert reply.text.startswith("6 GPU clusters · 4 need attention.")
    assert "cluster-00001 (Degraded)" in reply.text


def test_empty_fleets_and_empty_matches_say_so() -> None:
    empty = all_text(render_overview(fleet_view([])).blocks)
    assert "Together lists no GPU clusters in project `proj-ml`." in empty
    none = all_text(
        render_overview(fleet_view(fleet(3), flt=ClusterFilter(status="Deleting"))).blocks
    )
    assert "No cluster matches `status:Deleting`" in none


def test_entries_that_could_not_be_read_are_reported() -> None:
    invalid = [InvalidCluster(index=3, cluster_name="broken", errors=["status: Field required"])]
    text = all_text(render_overview(fleet_view(fleet(2), invalid=invalid)).blocks)
    assert "1 cluster entries from Together could not be read" in text
    assert "broken: status: Field required" in text


def test_the_detail_shows_every_fact_an_operator_needs() -> None:
    raw = full_cluster_dict()
    raw.update(
        status="Degraded",
        num_gpus=16,
        num_reserved_gpus=8,
        num_capacity_pool_gpus=8,
        desired_preemptible_gpus=8,
        allocated_preemptible_gpus=4,
        gpu_worker_nodes=[
            worker_node_dict(
                "gpu-node-1",
                status="NotReady",
                latest_remediation=remediation_dict(state="FAILED", error_message="no host"),
            ),
            worker_node_dict("gpu-node-2"),
        ],
        node_lifecycle_events=[lifecycle_event_dict(reason="TogetherPreempted")],
        add_ons=[add_on_dict(name="headlamp")],
        reservation_end_time=later(hours=30),
    )
    target = Cluster.model_validate(raw)
    reply = render_detail(detail_view(target, query="degraded"))
    text = all_text(reply.blocks)
    for expected in (
        "*Degraded*",
        "Some nodes are unhealthy.",
        "remediation failed on gpu-node-1.internal (HOST_AWARE): no host",
        "reservation ends in 30 h",
        "H100_SXM × 16 (16 live)",
        "reserved 8 · capacity pool 8 · preemptible 4/8",
        "12.4 / 550.90.07",
        "RESERVED",
        "*Created*\n2026-02-26 10:00 UTC",
        "*First ready*\n2026-02-26 12:00 UTC (3 d ago)",
        "2026-03-02 18:00 UTC",
        "ready · 1 node (Running)",
        "*Worker nodes* · 1/2 running · 16 GPUs live",
        "*gpu-node-1.internal* `gpu-node-1` NotReady · 8 GPUs · remediation FAILED (HOST_AWARE)",
        "Deleted nodes: 1 (not counted above)",
        "READY",
        "TogetherPreempted",
        "shared-data · 10 TiB · available",
        "headlamp",
    ):
        assert expected in text, expected
    assert text.index("gpu-node-1` NotReady") < text.index("gpu-node-2` Running")
    assert reply.text.startswith("alpha: Degraded;")


def test_a_ready_cluster_with_nothing_wrong_says_so() -> None:
    text = all_text(render_detail(detail_view(cluster())).blocks)
    assert "All well." in text


def test_a_cluster_out_of_credits_explains_what_happens_next() -> None:
    paused = cluster(status="OnDemandComputePaused", phase_transitions=[])
    text = all_text(render_detail(detail_view(paused)).blocks)
    assert "Credits ran out" in text
