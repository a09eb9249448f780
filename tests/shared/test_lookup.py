"""resolve_cluster: from what a person typed to one cluster, or a helpful error."""

from __future__ import annotations

from typing import Any

import pytest

from shared.errors import AmbiguousClusterError, ClusterNotFoundError
from shared.lookup import closest_names, resolve_cluster
from shared.models import Cluster


def cluster(name: str, cluster_id: str | None = None, **fields: Any) -> Cluster:
    """A valid cluster named `name`, with id `id-<name>` unless given."""
    entry: dict[str, Any] = {
        "cluster_id": cluster_id or f"id-{name}",
        "cluster_name": name,
        "gpu_type": "H100_SXM",
        "status": "Ready",
    }
    entry.update(fields)
    return Cluster.model_validate(entry)


FLEET = [
    cluster("train-alpha"),
    cluster("train-beta"),
    cluster("inference-prod"),
    cluster("Research"),
    cluster("eval"),
]


def name_of(ref: str, clusters: list[Cluster] = FLEET) -> str:
    return resolve_cluster(clusters, ref).cluster_name


def test_an_exact_id_finds_its_cluster() -> None:
    assert name_of("id-eval") == "eval"


def test_an_exact_name_finds_its_cluster() -> None:
    assert name_of("inference-prod") == "inference-prod"


def test_a_name_in_another_case_finds_its_cluster() -> None:
    assert name_of("RESEARCH") == "Research"
    assert name_of("research") == "Research"


def test_a_unique_start_of_a_name_finds_its_cluster_in_any_case() -> None:
    assert name_of("inf") == "inference-prod"
    assert name_of("TRAIN-B") == "train-beta"


def test_blanks_around_the_reference_are_ignored() -> None:
    assert name_of("  eval \n") == "eval"


def test_an_id_wins_over_a_name_that_looks_like_it() -> None:
    clusters = [cluster("id-x", cluster_id="c-1"), cluster("other", cluster_id="id-x")]
    assert name_of("id-x", clusters) == "other"


def test_an_exact_name_wins_over_a_longer_name_it_starts() -> None:
    clusters = [cluster("train"), cluster("train-2"), cluster("training")]
    assert name_of("train", clusters) == "train"


def test_the_exact_case_wins_over_another_case() -> None:
    clusters = [cluster("Train"), cluster("train")]
    assert resolve_cluster(clusters, "train").cluster_id == "id-train"
    assert resolve_cluster(clusters, "Train").cluster_id == "id-Train"


def test_a_name_in_another_case_wins_over_a_longer_name_it_starts() -> None:
    clusters = [cluster("gpu"), cluster("gpu-2")]
    assert name_of("GPU", clusters) == "gpu"


def test_a_prefix_of_several_names_is_ambiguous_and_lists_them_sorted() -> None:
    with pytest.raises(AmbiguousClusterError) as caught:
        resolve_cluster(FLEET, "train")
    assert caught.value.candidates == ["train-alpha", "train-beta"]
    assert caught.value.ref == "train"
    assert "train-alpha, train-beta" in str(caught.value)


def test_names_differing_only_in_case_are_ambiguous_for_a_third_spelling() -> None:
    clusters = [cluster("Train"), cluster("train")]
    with pytest.raises(AmbiguousClusterError) as caught:
        resolve_cluster(clusters, "TRAIN")
    assert caught.value.candidates == ["Train", "train"]


def test_two_clusters_with_the_same_name_are_told_apart_by_id() -> None:
    clusters = [cluster("gpu", cluster_id="c-2"), cluster("gpu", cluster_id="c-1")]
    with pytest.raises(AmbiguousClusterError) as caught:
        resolve_cluster(clusters, "gpu")
    assert caught.value.candidates == ["gpu (c-1)", "gpu (c-2)"]
    assert resolve_cluster(clusters, "c-2").cluster_id == "c-2"


def test_an_unknown_reference_suggests_the_closest_names() -> None:
    with pytest.raises(ClusterNotFoundError) as caught:
        resolve_cluster(FLEET, "train-alpah")
    assert caught.value.suggestions[0] == "train-alpha"
    assert len(caught.value.suggestions) <= 3
    assert "Closest: train-alpha" in str(caught.value)


def test_suggestions_ignore_case() -> None:
    with pytest.raises(ClusterNotFoundError) as caught:
        resolve_cluster(FLEET, "reserch")
    assert caught.value.suggestions == ["Research"]


def test_with_nothing_close_the_first_few_names_are_suggested() -> None:
    with pytest.raises(ClusterNotFoundError) as caught:
        resolve_cluster(FLEET, "zzzzzzzzzzzz")
    assert caught.value.suggestions == ["Research", "eval", "inference-prod"]


def test_an_empty_reference_matches_nothing() -> None:
    with pytest.raises(ClusterNotFoundError) as caught:
        resolve_cluster(FLEET, "   ")
    assert caught.value.ref == ""


def test_an_empty_fleet_matches_nothing_and_suggests_nothing() -> None:
    with pytest.raises(ClusterNotFoundError) as caught:
        resolve_cluster([], "eval")
    assert caught.value.suggestions == []
    assert (
        str(caught.value) == "No cluster matches 'eval'. List the clusters to find the right name."
    )


def test_closest_names_lists_each_name_once() -> None:
    clusters = [cluster("gpu", cluster_id="c-1"), cluster("gpu", cluster_id="c-2"), cluster("gpx")]
    assert closest_names(clusters, "gpu") == ["gpu", "gpx"]


def test_closest_names_keep_fairly_close_names_only_and_as_many_as_asked() -> None:
    # "infer" is 0.53 alike to inference-prod and 0.4 to train-beta: both fairly close.
    assert closest_names(FLEET, "infer") == ["inference-prod", "train-beta"]
    assert closest_names(FLEET, "infer", n=1) == ["inference-prod"]
    assert closest_names(FLEET, "zzzz", n=2) == ["Research", "eval"]
