"""Parsing a response body: bad entries are reported one by one, bad documents raise our error."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared.errors import ResponseValidationError, TogetherError
from shared.parsing import parse_clusters
from tests.shared.builders import KUBE_CONFIG, KUBE_CONFIG_MARKER, body, cluster_dict


def test_a_valid_body_gives_every_cluster_in_order_and_no_invalid_entries() -> None:
    clusters, invalid = parse_clusters(
        body(cluster_dict(cluster_id="c-1", cluster_name="one"), cluster_dict(cluster_id="c-2"))
    )
    assert [c.cluster_id for c in clusters] == ["c-1", "c-2"]
    assert invalid == []


def test_an_empty_fleet_is_an_empty_list() -> None:
    assert parse_clusters(b'{"clusters": []}') == ([], [])


def test_fields_beside_the_cluster_list_are_ignored() -> None:
    content = json.dumps({"clusters": [cluster_dict()], "next_page_token": ""}).encode()
    clusters, invalid = parse_clusters(content)
    assert len(clusters) == 1
    assert invalid == []


def test_one_malformed_cluster_is_reported_while_the_others_come_back() -> None:
    content = body(
        cluster_dict(cluster_id="c-1", cluster_name="one"),
        cluster_dict(cluster_id="c-bad", cluster_name="broken", num_gpus="many"),
        cluster_dict(cluster_id="c-3", cluster_name="three"),
    )
    clusters, invalid = parse_clusters(content)
    assert [c.cluster_name for c in clusters] == ["one", "three"]
    (bad,) = invalid
    assert (bad.index, bad.cluster_id, bad.cluster_name) == (1, "c-bad", "broken")
    assert len(bad.errors) == 1
    assert bad.errors[0].startswith("num_gpus: ")
    assert "integer" in bad.errors[0]
    assert bad.describe().startswith("broken: num_gpus: ")


def test_a_missing_required_field_is_named_in_the_report() -> None:
    raw = cluster_dict(cluster_id="c-2", cluster_name="two")
    del raw["status"]
    _, (bad,) = parse_clusters(body(cluster_dict(), raw))
    assert bad.errors == ["status: Field required"]


def test_a_nested_problem_is_reported_with_its_path() -> None:
    raw = cluster_dict(cluster_name="two")
    raw["gpu_worker_nodes"][1]["phase_transitions"][0]["transition_time"] = "yesterday"
    _, (bad,) = parse_clusters(body(raw))
    assert bad.errors[0].startswith("gpu_worker_nodes.1.phase_transitions.0.transition_time: ")


@pytest.mark.parametrize(
    ("entry", "described"),
    [
        (42, "entry #0: "),
        ("c-1", "entry #0: "),
        ({"cluster_id": 7, "cluster_name": None}, "entry #0: "),
        ({"cluster_id": "c-only-id"}, "c-only-id: "),
    ],
    ids=["number", "string", "unreadable_identity", "id_without_name"],
)
def test_an_entry_without_a_readable_name_is_reported_by_what_it_has(
    entry: Any, described: str
) -> None:
    clusters, (bad,) = parse_clusters(body(entry))
    assert clusters == []
    assert bad.describe().startswith(described)
    assert bad.errors


def test_a_badly_broken_entry_reports_a_few_problems_and_counts_the_rest() -> None:
    raw = {
        "cluster_id": "c-9",
        "cluster_name": ["not", "a", "name"],
        "num_gpus": [],
        "num_cpu_workers": [],
        "region": [],
        "desired_preemptible_gpus": "x",
        "allocated_preemptible_gpus": "x",
        "volumes": "x",
    }
    _, (bad,) = parse_clusters(body(raw))
    assert len(bad.errors) == 6
    assert bad.describe().startswith("c-9: ")
    assert bad.errors[-1].startswith("and ")
    assert bad.errors[-1].endswith(" more problems")


@pytest.mark.parametrize(
    "overrides",
    [
        {"num_gpus": "many"},
        {"kube_config": {"token": KUBE_CONFIG_MARKER}},
        {"kube_config": [KUBE_CONFIG]},
        {"status": None},
        {"created_at": KUBE_CONFIG},
        {"gpu_worker_nodes": KUBE_CONFIG},
    ],
    ids=[
        "other_field",
        "kube_config_object",
        "kube_config_list",
        "status_null",
        "in_a_date",
        "in_a_list",
    ],
)
def test_the_report_of_a_bad_entry_never_contains_its_kube_config(
    overrides: dict[str, Any],
) -> None:
    _, (bad,) = parse_clusters(body(cluster_dict(**overrides)))
    for shown in (bad.describe(), repr(bad), str(bad), bad.model_dump_json()):
        assert KUBE_CONFIG_MARKER not in shown
        assert "apiVersion" not in shown


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"<html><body>502 Bad Gateway</body></html>", "502 Bad Gateway"),
        (b"upstream connect error or disconnect/reset before headers", "upstream connect error"),
        (b"", "not JSON"),
        (b"\xff\xfe\x00garbage", "not JSON"),
        (b'{"clusters": [', "truncated"),
    ],
    ids=["html", "plain_text", "empty", "not_utf8", "truncated"],
)
def test_a_body_that_is_not_json_raises_a_response_validation_error(
    content: bytes, says: str
) -> None:
    with pytest.raises(ResponseValidationError, match="Together's answer was") as caught:
        parse_clusters(content)
    assert says in str(caught.value)
    assert isinstance(caught.value, TogetherError)


def test_a_truncated_body_is_not_quoted_because_it_may_be_a_kube_config() -> None:
    content = json.dumps({"clusters": [{"kube_config": KUBE_CONFIG}]}).encode()[:70]
    assert b"apiVersion" in content
    with pytest.raises(ResponseValidationError) as caught:
        parse_clusters(content)
    assert "apiVersion" not in str(caught.value)
    assert "truncated" in str(caught.value)


def test_a_body_nested_beyond_reason_raises_a_response_validation_error() -> None:
    with pytest.raises(ResponseValidationError, match="nested too deeply"):
        parse_clusters(b"[" * 100_000 + b"]" * 100_000)


@pytest.mark.parametrize(
    ("document", "got"),
    [
        ([], "got an array"),
        ([cluster_dict()], "got an array"),
        ({}, "got an empty object"),
        ({"data": [cluster_dict()]}, "got an object with keys data"),
        ({"clusters": {"c-1": cluster_dict()}}, 'got an object whose "clusters" is an object'),
        ({"clusters": None}, 'got an object whose "clusters" is null'),
        ("clusters", "got a string"),
        (None, "got null"),
    ],
    ids=[
        "empty_list",
        "bare_list",
        "empty_object",
        "object_without_clusters",
        "clusters_an_object",
        "clusters_null",
        "string",
        "null",
    ],
)
def test_a_body_of_the_wrong_shape_says_what_was_expected_and_what_came(
    document: Any, got: str
) -> None:
    with pytest.raises(ResponseValidationError) as caught:
        parse_clusters(json.dumps(document).encode())
    message = str(caught.value)
    assert 'not shaped like {"clusters": [...]}' in message
    assert got in message
