"""Property tests: documents drawn from the OpenAPI file, and mutations of them, all parse.

The JSON schema is built from the spec's components: `$ref`s point into `$defs`, OpenAPI-only
keywords are dropped, and arrays are capped at two items so that 200 documents stay quick.
Mutations are guided by the same schema: every enum position, every object, every optional field.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from pydantic import SecretStr

from shared.enums import OpenEnum
from shared.fleet import assess_all, summarize
from shared.models import Cluster
from shared.parsing import parse_clusters
from tests.shared.builders import NOW, full_cluster_dict

SPEC = Path(__file__).parents[1] / "data" / "together-compute-clusters.openapi.yaml"
MAX_ITEMS = 2
DROPPED_KEYWORDS = {"description", "readOnly", "writeOnly", "example", "examples"}
DROPPED_FORMATS = {"int32", "int64", "float", "double"}

Path_ = tuple[str | int, ...]


def _json_schema(node: Any) -> Any:
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in DROPPED_KEYWORDS or key.startswith("x-"):
            continue
        if key == "format" and value in DROPPED_FORMATS:
            continue
        if key == "$ref":
            value = value.replace("#/components/schemas/", "#/$defs/")
        out[key] = value if key == "properties" and not value else _json_schema(value)
    if out.get("type") == "array":
        out["maxItems"] = MAX_ITEMS
    return out


def load_defs() -> dict[str, Any]:
    """The spec's component schemas as JSON-schema `$defs`."""
    spec = yaml.safe_load(SPEC.read_text())
    defs = _json_schema(spec["components"]["schemas"])
    assert isinstance(defs, dict)
    return defs


DEFS = load_defs()
ROOT: dict[str, Any] = {"$ref": "#/$defs/GPUClusters", "$defs": DEFS}
DEF_NAMES = {id(schema): name for name, schema in DEFS.items()}
SPEC_VALIDATOR = jsonschema.Draft202012Validator(ROOT, format_checker=jsonschema.FormatChecker())


def spec_examples(count: int) -> settings:
    return settings(
        max_examples=count,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = DEFS[schema["$ref"].removeprefix("#/$defs/")]
    return schema


def documents_of(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Documents valid against `schema`: objects and arrays built here, leaves by `from_schema`.

    `from_schema(ROOT)` alone draws the same documents but re-canonicalises nested schemas on
    every draw, about 0.2 s a document; composing objects from their `properties` and `required`
    lists keeps 200 documents to a few seconds.
    """
    schema = _resolve(schema)
    if "properties" in schema:
        required = set(schema.get("required", []))
        fields = {key: documents_of(prop) for key, prop in schema["properties"].items()}
        return st.fixed_dictionaries(
            {key: value for key, value in fields.items() if key in required},
            optional={key: value for key, value in fields.items() if key not in required},
        )
    if schema.get("type") == "array":
        return st.lists(documents_of(schema["items"]), max_size=schema["maxItems"])
    return from_schema(schema)


documents = documents_of(ROOT)


def walk(value: Any, schema: dict[str, Any], path: Path_ = ()) -> Iterator[tuple[Path_, Any, Any]]:
    """Every object in `value` with its path and schema: `(path, object, object_schema)`."""
    schema = _resolve(schema)
    if isinstance(value, dict) and "properties" in schema:
        yield path, value, schema
        for key, child in value.items():
            if key in schema["properties"]:
                yield from walk(child, schema["properties"][key], (*path, key))
    elif isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            yield from walk(item, schema["items"], (*path, index))


def enum_positions(document: Any) -> list[Path_]:
    """The path of every value in `document` that the spec declares as an enum."""
    return [
        (*path, key)
        for path, obj, schema in walk(document, ROOT)
        for key in obj
        if key in schema["properties"] and "enum" in _resolve(schema["properties"][key])
    ]


def at(clusters: list[Cluster], path: Path_) -> Any:
    """The parsed value at a document path (`("clusters", 0, "status")`)."""
    assert path[0] == "clusters"
    found: Any = clusters
    for step in path[1:]:
        found = found[step] if isinstance(step, int) else getattr(found, step)
    return found


def set_at(root: Any, path: Path_, value: Any) -> None:
    for step in path[:-1]:
        root = root[step]
    root[path[-1]] = value


def parse_all(document: Any) -> list[Cluster]:
    clusters, invalid = parse_clusters(json.dumps(document).encode())
    assert invalid == [], [entry.describe() for entry in invalid]
    return clusters


RENDERINGS: tuple[Callable[[Cluster], str], ...] = (
    repr,
    str,
    lambda c: repr(c.model_dump()),
    lambda c: repr(c.model_dump(mode="json")),
    lambda c: c.model_dump_json(),
)


def assert_kube_config_hidden(cluster: Cluster, raw: dict[str, Any]) -> None:
    secret = raw["kube_config"]
    assert cluster.kube_config.get_secret_value() == secret
    other = cluster.model_copy(update={"kube_config": SecretStr(secret + "-other")})
    for render in RENDERINGS:
        shown = render(cluster)
        assert shown == render(other), "a rendering depends on kube_config"
        # A drawn kube_config like "0" also occurs in innocent fields; only one found nowhere
        # else in the entry (in any key or value, control characters unescaped) can be looked
        # for as a substring.
        elsewhere = "\n".join(_leaves({**raw, "kube_config": ""}))
        if len(secret) >= 4 and secret not in elsewhere:
            assert secret not in shown


def _leaves(value: Any) -> Iterator[str]:
    """Every key and scalar in a JSON value, as text."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield str(value)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=4,
)
ENUMS = OpenEnum.__subclasses__()
# Members' names that are not values (`READY` for status `Ready`) must count as unknown too.
member_names = sorted({name for cls in ENUMS for name in cls.__members__} - set().union(*ENUMS))
unknown_values = st.sampled_from(member_names) | st.text(max_size=24).filter(
    lambda text: all(text not in cls._value2member_map_ for cls in ENUMS)
)


@spec_examples(200)
@given(documents)
def test_every_document_drawn_from_the_spec_parses_with_no_invalid_entries(document: Any) -> None:
    SPEC_VALIDATOR.validate(document)
    clusters = parse_all(document)
    assert [c.cluster_id for c in clusters] == [raw["cluster_id"] for raw in document["clusters"]]
    for cluster, raw in zip(clusters, document["clusters"], strict=True):
        assert_kube_config_hidden(cluster, raw)
    summary = summarize(assess_all(clusters, NOW))
    assert sum(summary.by_status.values()) == summary.total == len(clusters)


@spec_examples(15)
@given(from_schema(ROOT))
def test_whole_documents_drawn_by_hypothesis_jsonschema_parse_too(document: Any) -> None:
    # Slow (its objects also carry random extra fields, which the spec allows), so few examples:
    # it guards the composed strategy above against drifting from what the schema means.
    SPEC_VALIDATOR.validate(document)
    assert len(parse_all(document)) == len(document["clusters"])


@spec_examples(50)
@given(documents, unknown_values)
@example({"clusters": [full_cluster_dict()]}, "READY")
@example({"clusters": [full_cluster_dict()]}, "")
def test_unknown_values_at_every_enum_position_are_kept_verbatim_and_marked_unknown(
    document: Any, unknown: str
) -> None:
    document = copy.deepcopy(document)
    positions = enum_positions(document)
    for path in positions:
        set_at(document, path, unknown)
    clusters = parse_all(document)
    for path in positions:
        value = at(clusters, path)
        assert isinstance(value, OpenEnum)
        assert value.value == unknown
        assert value.is_known is False
    assess_all(clusters, NOW)


@spec_examples(50)
@given(documents, json_values)
def test_extra_fields_at_every_object_level_are_ignored(document: Any, extra: Any) -> None:
    expected = parse_all(document)
    objects = [obj for _, obj, _ in walk(document, ROOT)]
    for obj in objects:
        obj["zz_field_from_the_future"] = extra
    assert objects, "the document itself is an object"
    assert parse_all(document) == expected


@spec_examples(50)
@given(documents, st.randoms(use_true_random=False))
def test_documents_without_some_optional_fields_parse(document: Any, rnd: random.Random) -> None:
    for _, obj, schema in list(walk(document, ROOT)):
        optional = [key for key in obj if key not in schema.get("required", [])]
        for key in rnd.sample(optional, k=rnd.randint(0, len(optional))):
            del obj[key]
    assert len(parse_all(document)) == len(document["clusters"])


def test_documents_without_any_optional_field_parse() -> None:
    document = {"clusters": [full_cluster_dict()]}
    for _, obj, schema in list(walk(document, ROOT)):
        for key in [key for key in obj if key not in schema.get("required", [])]:
            del obj[key]
    (cluster,) = parse_all(document)
    assert cluster.first_ready_at is None
    assert cluster.gpu_worker_nodes[0].latest_remediation is None


def test_the_full_builder_cluster_fills_every_enum_position_the_spec_declares() -> None:
    declared = {
        (name, key)
        for name, schema in DEFS.items()
        for key, prop in schema.get("properties", {}).items()
        if "enum" in prop
    }
    filled = {
        (DEF_NAMES[id(schema)], path[-1])
        for path in enum_positions({"clusters": [full_cluster_dict()]})
        for schema in [_schema_at(path[:-1])]
    }
    assert (
        declared
        == filled
        == {
            ("GPUClusterInfo", "cluster_type"),
            ("GPUClusterInfo", "gpu_type"),
            ("GPUClusterInfo", "status"),
            ("GPUClusterInfo", "billing_type"),
            ("InstanceClusterConfig", "load_balancer"),
            ("ClusterPhaseTransition", "phase"),
            ("NodePhaseTransition", "phase"),
            ("Remediation", "mode"),
            ("Remediation", "trigger"),
            ("Remediation", "state"),
        }
    )


def _schema_at(path: Path_) -> dict[str, Any]:
    schema = _resolve(ROOT)
    for step in path:
        schema = _resolve(schema["items"] if isinstance(step, int) else schema["properties"][step])
    return schema


@pytest.mark.parametrize(
    "path",
    enum_positions({"clusters": [full_cluster_dict()]}),
    ids=lambda path: ".".join(str(step) for step in path[2:]),
)
def test_an_unknown_value_at_this_enum_position_parses_verbatim(path: Path_) -> None:
    document = {"clusters": [full_cluster_dict()]}
    set_at(document, path, "SOMETHING_NEW_2027")
    value = at(parse_all(document), path)
    assert value == "SOMETHING_NEW_2027"
    assert value.is_known is False
