"""Fleets for rendering tests: many clusters, hostile strings, worst cases for Slack's limits."""

from __future__ import annotations

from typing import Any

from bot.render.detail import DetailView
from bot.render.overview import FleetView
from shared.fleet import ClusterFilter, assess, assess_all
from shared.models import Cluster, InvalidCluster
from tests.shared.builders import (
    NOW,
    ago,
    cluster,
    lifecycle_event_dict,
    remediation_dict,
    volume_dict,
    worker_node_dict,
)

HOSTILE_NAME = "<!channel> <https://evil.example|click>"
HOSTILE = "&<>*_~`<@U0BOSS><!here>"
STATUSES = ["Ready", "Degraded", "OnDemandComputePaused", "InstallingDrivers", "Paused", "Warp"]


def fleet(size: int) -> list[Cluster]:
    """`size` clusters in a mix of statuses, with failed nodes and findings on some."""
    clusters = []
    for n in range(size):
        status = STATUSES[n % len(STATUSES)]
        nodes = [worker_node_dict(f"node-{n}-{k}") for k in range(4)]
        if status == "Degraded":
            nodes[0] = worker_node_dict(
                f"node-{n}-0", status="NotReady", latest_remediation=remediation_dict()
            )
        clusters.append(
            cluster(
                cluster_id=f"c-{n:05d}",
                cluster_name=f"cluster-{n:05d}",
                status=status,
                gpu_worker_nodes=nodes,
                num_gpus=32,
                desired_preemptible_gpus=8 if n % 7 == 0 else 0,
            )
        )
    return clusters


def hostile_cluster(*, nodes: int = 300, long: int = 2000) -> Cluster:
    """A cluster whose every string is long and full of mrkdwn's special characters."""
    text = (HOSTILE * (long // len(HOSTILE) + 1))[:long]
    failing = {
        "status": text,
        "host_name": text,
        "latest_remediation": remediation_dict(
            state="FAILED", mode=text, error_message=text, reason=text
        ),
    }
    return cluster(
        cluster_id=HOSTILE_NAME,
        cluster_name=HOSTILE_NAME + text,
        **dict.fromkeys(("region", "gpu_type", "status", "project_id"), text),
        **dict.fromkeys(("cuda_version", "nvidia_driver_version"), text),
        gpu_worker_nodes=[
            worker_node_dict(f"{HOSTILE}-{k}-{text[:100]}", **(failing if k % 2 else {}))
            for k in range(nodes)
        ],
        volumes=[volume_dict(volume_id=f"v{k}", volume_name=text, status=text) for k in range(40)],
        node_lifecycle_events=[
            lifecycle_event_dict(node_id=text, reason=text, message=text, timestamp=ago(hours=k))
            for k in range(30)
        ],
        add_ons=[{"name": text, "add_on_type": text} for _ in range(30)],
        control_plane_nodes=[{"node_id": text, "status": text} for _ in range(10)],
        desired_preemptible_gpus=64,
        reservation_end_time=ago(hours=-5),
        control_plane_ready=False,
    )


def fleet_view(
    clusters: list[Cluster],
    *,
    flt: ClusterFilter | None = None,
    page: int = 0,
    invalid: list[InvalidCluster] | None = None,
    query: str = "",
) -> FleetView:
    assessed = assess_all(clusters, NOW)
    chosen = flt or ClusterFilter()
    return FleetView(
        matching=chosen.apply(assessed),
        fleet_total=len(assessed),
        invalid=invalid or [],
        fetched_at=NOW,
        now=NOW,
        filter=chosen,
        project="proj-ml",
        query=query,
        page=page,
    )


def detail_view(target: Cluster, **options: Any) -> DetailView:
    return DetailView(assess(target, NOW), NOW, NOW, **options)
