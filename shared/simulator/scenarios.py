"""The simulator's scenarios: `demo`, `large:N` and `empty`.

- `demo`: eight clusters over two projects and three regions, each showing something an operator
  watches for, and a timeline in which `llm-train-b200` degrades after 30 s and recovers 2 min
  later (see `shared.simulator.timeline`).
- `large:N`: N clusters of 8 worker nodes each with full histories (about 11 kB apiece, 10.8 MB
  for 1,000), 80 % Ready and a fixed share Degraded, provisioning, paused or deleting; for
  benchmarks. Failed nodes fail in each of the catalogued ways (`shared.simulator.remediations`).
- `empty`: no clusters at all.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from shared.simulator.fleet_builder import ClusterSpec, RawCluster, build_cluster
from shared.simulator.remediations import FAILURES, FALLEN_OFF_BUS, SLURM_DRAINED
from shared.simulator.timeline import TimelineEvent, demo_timeline

SCENARIO_HELP = "demo, large:N (N clusters, e.g. large:1000) or empty"
MAX_LARGE = 20_000
DEMO_TIMELINE_CLUSTER = "llm-train-b200"

# fmt: off
DEMO_SPECS = [
    ClusterSpec(
        "llm-train-b200", "proj-research", "us-east-1", "B200_SXM",
        worker_nodes=4, age=timedelta(days=6), oidc=True,
    ),
    ClusterSpec(
        "pretrain-h100-slurm", "proj-research", "us-west-2", "H100_SXM",
        cluster_type="SLURM", worker_nodes=4, billing_type="RESERVED",
        age=timedelta(days=20), reservation_left=timedelta(days=40),
    ),
    ClusterSpec(
        "rl-sweeps-h200", "proj-research", "eu-north-1", "H200_SXM",
        status="Degraded", worker_nodes=3, in_status_for=timedelta(minutes=47),
        failed_nodes=1, failure=FALLEN_OFF_BUS, deleted_nodes=1,
    ),
    ClusterSpec(
        "vision-finetune-h100", "proj-research", "us-west-2", "H100_SXM",
        status="InstallingDrivers", worker_nodes=2, in_status_for=timedelta(minutes=6),
    ),
    ClusterSpec(
        "inference-prod-h100", "proj-inference", "us-east-1", "H100_SXM",
        worker_nodes=2, billing_type="RESERVED", age=timedelta(days=28),
        reservation_left=timedelta(hours=41),
    ),
    ClusterSpec(
        "batch-embed-l40", "proj-inference", "us-west-2", "L40_PCIE",
        status="OnDemandComputePaused", worker_nodes=2, in_status_for=timedelta(hours=3),
    ),
    ClusterSpec(
        "serving-spot-h200", "proj-inference", "eu-north-1", "H200_SXM",
        worker_nodes=3, desired_preemptible_gpus=16, allocated_preemptible_gpus=8,
        deleted_nodes=1,
    ),
    ClusterSpec(
        "canary-rtx6000", "proj-inference", "eu-north-1", "RTX_6000_PCI",
        worker_nodes=1, billing_type="SCHEDULED_CAPACITY", reservation_left=timedelta(days=12),
    ),
]
# fmt: on

# One period of the large scenario's statuses: 80 % Ready, 8 % Degraded, the rest in between.
_LARGE_STATUS_PERIOD = (
    ["Ready"] * 40
    + ["Degraded"] * 4
    + ["InstallingDrivers", "WaitingForDataPlaneNodes", "RunningAcceptanceTests"]
    + ["OnDemandComputePaused", "Paused", "Deleting"]
)
_LARGE_REGIONS = ("us-east-1", "us-west-2", "eu-north-1", "us-south-1")
_LARGE_GPUS = ("H100_SXM", "H100_SXM", "H200_SXM", "B200_SXM", "H100_SXM_INF")
_LARGE_WORKLOADS = ("train", "pretrain", "finetune", "serve", "eval", "rl")
_NOT_SLURM_FAILURES = tuple(failure for failure in FAILURES if failure is not SLURM_DRAINED)


@dataclass(frozen=True)
class Scenario:
    """The clusters a scenario starts with and the timeline that changes them."""

    name: str
    clusters: list[RawCluster]
    events: list[TimelineEvent] = field(default_factory=list)


def check_scenario_name(name: str) -> None:
    """Accept `demo`, `empty` or `large:N`.

    Raises:
        ValueError: any other name, or N out of range; the message lists what is accepted.
    """
    if name in ("demo", "empty"):
        return
    prefix, _, count = name.partition(":")
    if prefix == "large" and count.isdigit() and 0 < int(count) <= MAX_LARGE:
        return
    raise ValueError(f"Unknown scenario {name!r}; use {SCENARIO_HELP} (N up to {MAX_LARGE}).")


def build_scenario(name: str, *, seed: int, now: datetime) -> Scenario:
    """Build a scenario's clusters as of `now`; the same arguments always give the same data.

    Raises:
        ValueError: the name is not a scenario (see `check_scenario_name`).
    """
    check_scenario_name(name)
    if name == "empty":
        return Scenario(name, [])
    if name == "demo":
        clusters = [build_cluster(spec, seed=seed, now=now) for spec in DEMO_SPECS]
        target = next(c for c in clusters if c["cluster_name"] == DEMO_TIMELINE_CLUSTER)
        return Scenario(name, clusters, demo_timeline(target))
    specs = large_specs(int(name.partition(":")[2]), seed=seed)
    return Scenario(name, [build_cluster(spec, seed=seed, now=now) for spec in specs])


def large_specs(count: int, *, seed: int) -> list[ClusterSpec]:
    """`count` clusters of 8 worker nodes with a fixed mix of statuses, shuffled by `seed`."""
    rng = random.Random(f"{seed}:large")
    period = list(_LARGE_STATUS_PERIOD)
    rng.shuffle(period)
    specs = []
    for index in range(count):
        status = period[index % len(period)]
        gpu_type = rng.choice(_LARGE_GPUS)
        billing = rng.choice(("ON_DEMAND", "ON_DEMAND", "RESERVED"))
        name = f"{rng.choice(_LARGE_WORKLOADS)}-{gpu_type.split('_')[0].lower()}-{index:05d}"
        region = rng.choice(_LARGE_REGIONS)
        cluster_type = "SLURM" if rng.random() < 0.25 else "KUBERNETES"
        age = timedelta(days=rng.randrange(1, 90), minutes=rng.randrange(1440))
        in_status_for = timedelta(minutes=rng.randrange(2, 600))
        failed_nodes = rng.choice((1, 1, 2)) if status == "Degraded" else 0
        # Only a Slurm cluster has Slurm nodes to drain.
        failures = FAILURES if cluster_type == "SLURM" else _NOT_SLURM_FAILURES
        specs.append(
            ClusterSpec(
                name=name,
                project_id=f"proj-team-{index % 12:02d}",
                region=region,
                gpu_type=gpu_type,
                status=status,
                cluster_type=cluster_type,
                worker_nodes=8,
                billing_type=billing,
                age=age,
                in_status_for=in_status_for,
                failed_nodes=failed_nodes,
                failure=rng.choice(failures),
                reservation_left=timedelta(hours=rng.randrange(12, 24 * 60)),
                oidc=rng.random() < 0.3,
            )
        )
    return specs
