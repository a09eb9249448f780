"""Filters: each criterion alone and together, and messages that list what would have matched."""

from __future__ import annotations

import pytest

from shared.fleet import Assessment, ClusterFilter, FilterOptions, assess_all, check_filter
from tests.shared.builders import NOW, cluster, worker_node_dict

FLEET: list[Assessment] = assess_all(
    [
        cluster(cluster_id="c-alpha", cluster_name="alpha"),
        cluster(
            cluster_id="c-beta",
            cluster_name="Beta-Train",
            status="Degraded",
            region="us-east-1",
            gpu_type="H200_SXM",
            cluster_type="SLURM",
            project_id="proj-ops",
            gpu_worker_nodes=[worker_node_dict(status="Failed")],
            num_gpus=8,
        ),
        cluster(
            cluster_id="c-gamma-7f",
            cluster_name="gamma",
            status="InstallingDrivers",
            region="us-east-1",
            gpu_type="H100_SXM_INF",
        ),
        cluster(
            cluster_id="c-delta",
            cluster_name="delta",
            status="Scheduled",
            region="eu-west-2",
            gpu_type="B200_SXM",
            project_id="proj-ops",
        ),
        cluster(
            cluster_id="c-eps",
            cluster_name="epsilon",
            status="Hibernating",
            gpu_type="GB200_SXM",
            project_id="proj-ops",
        ),
    ],
    NOW,
)
OPTIONS = FilterOptions.of(FLEET)


def names(flt: ClusterFilter) -> list[str]:
    return sorted(a.cluster.cluster_name for a in flt.apply(FLEET))


CASES: list[tuple[ClusterFilter, list[str]]] = [
    (ClusterFilter(), ["Beta-Train", "alpha", "delta", "epsilon", "gamma"]),
    (ClusterFilter(status="degraded"), ["Beta-Train"]),
    (ClusterFilter(status="Scheduled"), ["delta"]),
    (ClusterFilter(status="Hibernating"), ["epsilon"]),
    (ClusterFilter(status="provisioning"), ["delta", "gamma"]),
    (ClusterFilter(status="CRITICAL"), ["Beta-Train"]),
    (ClusterFilter(status="unknown"), ["epsilon"]),
    (ClusterFilter(status="healthy"), ["alpha"]),
    (ClusterFilter(status="Paused"), []),
    (ClusterFilter(region="US-EAST-1"), ["Beta-Train", "gamma"]),
    (ClusterFilter(gpu_type="h100"), ["alpha", "gamma"]),
    (ClusterFilter(gpu_type="H100_SXM_INF"), ["gamma"]),
    (ClusterFilter(gpu_type="gb200"), ["epsilon"]),
    (ClusterFilter(cluster_type="slurm"), ["Beta-Train"]),
    (ClusterFilter(cluster_type="KUBERNETES"), ["alpha", "delta", "epsilon", "gamma"]),
    (ClusterFilter(project_id="proj-ops"), ["Beta-Train", "delta", "epsilon"]),
    (ClusterFilter(name="TRAIN"), ["Beta-Train"]),
    (ClusterFilter(name="a"), ["Beta-Train", "alpha", "delta", "gamma"]),
    (ClusterFilter(name="7f"), ["gamma"]),
    (ClusterFilter(name="c-eps"), ["epsilon"]),
    (ClusterFilter(needs_attention=True), ["Beta-Train", "epsilon"]),
    (ClusterFilter(region="us-east-1", gpu_type="h100"), ["gamma"]),
    (ClusterFilter(project_id="proj-ops", needs_attention=True), ["Beta-Train", "epsilon"]),
    (ClusterFilter(region="us-east-1", status="healthy"), []),
]


@pytest.mark.parametrize(
    ("flt", "expected"), CASES, ids=[flt.describe() or "empty" for flt, _ in CASES]
)
def test_a_filter_keeps_exactly_the_clusters_meeting_all_its_criteria(
    flt: ClusterFilter, expected: list[str]
) -> None:
    assert names(flt) == expected


def test_applying_a_filter_keeps_the_fleet_order() -> None:
    kept = ClusterFilter(project_id="proj-ops").apply(FLEET)
    order = [a.cluster.cluster_name for a in FLEET]
    assert [a.cluster.cluster_name for a in kept] == [
        n for n in order if n != "alpha" and n != "gamma"
    ]


def test_a_filter_describes_itself_in_the_syntax_the_command_accepts() -> None:
    flt = ClusterFilter(
        status="Degraded",
        region="us-east-1",
        gpu_type="h100",
        cluster_type="SLURM",
        project_id="proj-ops",
        name="train",
        needs_attention=True,
    )
    assert flt.describe() == (
        'status:Degraded region:us-east-1 gpu:h100 type:SLURM project:proj-ops "train" attention'
    )
    assert not flt.is_empty
    assert ClusterFilter().is_empty
    assert ClusterFilter().describe() == ""


def test_the_options_offer_every_known_value_and_what_the_fleet_holds() -> None:
    options = FilterOptions.of(FLEET)  # built here, not at import, so mutation testing sees it
    assert options.statuses[-2:] == ("Scheduled", "Hibernating")
    assert {"Ready", "Degraded", "OnDemandComputePaused"} <= set(options.statuses)
    assert options.regions == ("eu-west-2", "us-central-8", "us-east-1")
    assert "GB200_SXM" in options.gpu_types
    assert "RTX_6000_PCI" in options.gpu_types
    assert options.cluster_types == ("KUBERNETES", "SLURM")
    assert options.projects == ("proj-ml", "proj-ops")
    assert len(set(options.statuses)) == len(options.statuses)


@pytest.mark.parametrize(
    "flt",
    [
        ClusterFilter(),
        ClusterFilter(status="paused"),
        ClusterFilter(status="Critical"),
        ClusterFilter(status="hibernating"),
        ClusterFilter(region="EU-WEST-2"),
        ClusterFilter(gpu_type="h1"),
        ClusterFilter(gpu_type="L40_PCIE"),
        ClusterFilter(cluster_type="slurm"),
        ClusterFilter(project_id="proj-nobody-has", name="no-such-name"),
    ],
    ids=lambda flt: flt.describe() or "empty",
)
def test_a_filter_that_could_match_is_accepted_even_if_nothing_matches_now(
    flt: ClusterFilter,
) -> None:
    assert check_filter(flt, OPTIONS) == []


@pytest.mark.parametrize(
    ("flt", "message", "listed"),
    [
        (ClusterFilter(status="Degarded"), "Unknown status 'Degarded'.", ["Degraded", "critical"]),
        (ClusterFilter(region="us-west-9"), "Unknown region 'us-west-9'.", ["us-east-1"]),
        (ClusterFilter(gpu_type="A100"), "Unknown GPU type 'A100'.", ["H100_SXM", "GB200_SXM"]),
        (ClusterFilter(cluster_type="k8s"), "Unknown cluster type 'k8s'.", ["KUBERNETES, SLURM"]),
    ],
)
def test_a_filter_that_cannot_match_is_explained_with_the_valid_values(
    flt: ClusterFilter, message: str, listed: list[str]
) -> None:
    (problem,) = check_filter(flt, OPTIONS)
    assert problem.startswith(message + " Valid: ")
    for value in listed:
        assert value in problem


def test_every_bad_criterion_is_reported_at_once() -> None:
    problems = check_filter(ClusterFilter(status="x", region="y", gpu_type="z"), OPTIONS)
    assert [p.split("'")[0] for p in problems] == [
        "Unknown status ",
        "Unknown region ",
        "Unknown GPU type ",
    ]


def test_a_region_filter_on_an_empty_fleet_says_there_are_none() -> None:
    (problem,) = check_filter(ClusterFilter(region="us-east-1"), FilterOptions.of([]))
    assert problem == "Unknown region 'us-east-1'. Valid: none in this fleet."
