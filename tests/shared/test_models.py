"""The API models: secrets stay hidden, enums stay open, and what the API leaves out defaults."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from shared.enums import (
    AddOnType,
    ClusterStatus,
    GPUType,
    OpenEnum,
    RemediationMode,
    RemediationState,
)
from shared.models import Cluster, GPUClusters, InvalidCluster
from tests.shared.builders import (
    KUBE_CONFIG,
    KUBE_CONFIG_MARKER,
    add_on_dict,
    cluster,
    cluster_dict,
    full_cluster_dict,
    remediation_dict,
    worker_node_dict,
)

logger = logging.getLogger("tests.models")


def test_kube_config_is_reachable_only_through_get_secret_value() -> None:
    parsed = cluster()
    assert parsed.kube_config.get_secret_value() == KUBE_CONFIG
    assert KUBE_CONFIG_MARKER not in str(parsed.kube_config)


@pytest.mark.parametrize(
    "render",
    [
        repr,
        str,
        lambda c: repr(c.model_dump()),
        lambda c: repr(c.model_dump(mode="json")),
        lambda c: c.model_dump_json(),
        lambda c: c.model_dump_json(indent=2),
        lambda c: GPUClusters(clusters=[c]).model_dump_json(),
        lambda c: repr(GPUClusters(clusters=[c])),
        lambda c: f"{c}",
    ],
    ids=[
        "repr",
        "str",
        "model_dump",
        "model_dump_json_mode",
        "model_dump_json",
        "model_dump_json_indented",
        "inside_the_list_dump",
        "inside_the_list_repr",
        "f_string",
    ],
)
def test_kube_config_is_absent_from_every_rendering_of_a_cluster(render: Any) -> None:
    shown = render(Cluster.model_validate(full_cluster_dict()))
    assert KUBE_CONFIG_MARKER not in shown
    assert "apiVersion" not in shown


def test_kube_config_is_not_a_key_of_the_dump() -> None:
    assert "kube_config" not in cluster().model_dump()
    assert "kube_config" not in cluster().model_dump(mode="json")


def test_kube_config_never_reaches_the_log_when_a_cluster_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    parsed = cluster()
    with caplog.at_level(logging.DEBUG, logger="tests.models"):
        logger.info("cluster %s", parsed)
        logger.info("cluster %r", parsed)
        logger.warning("dump %s", parsed.model_dump())
        logger.error("fields %s", vars(parsed).get("kube_config"))
    assert len(caplog.records) == 4
    assert "alpha" in caplog.text
    assert KUBE_CONFIG_MARKER not in caplog.text


@pytest.mark.parametrize(
    ("overrides", "read", "value", "enum"),
    [
        ({"status": "Scheduled"}, lambda c: c.status, "Scheduled", ClusterStatus),
        ({"gpu_type": "GB200_SXM"}, lambda c: c.gpu_type, "GB200_SXM", GPUType),
        ({"gpu_type": "B300_SXM"}, lambda c: c.gpu_type, "B300_SXM", GPUType),
        (
            {
                "gpu_worker_nodes": [
                    worker_node_dict(latest_remediation=remediation_dict(state="QUARANTINED"))
                ]
            },
            lambda c: c.gpu_worker_nodes[0].latest_remediation.state,
            "QUARANTINED",
            RemediationState,
        ),
        (
            {
                "gpu_worker_nodes": [
                    worker_node_dict(latest_remediation=remediation_dict(state="QUARANTINING"))
                ]
            },
            lambda c: c.gpu_worker_nodes[0].latest_remediation.state,
            "QUARANTINING",
            RemediationState,
        ),
        (
            {
                "gpu_worker_nodes": [
                    worker_node_dict(
                        latest_remediation=remediation_dict(
                            mode="REMEDIATION_MODE_HOST_POWER_CYCLE"
                        )
                    )
                ]
            },
            lambda c: c.gpu_worker_nodes[0].latest_remediation.mode,
            "REMEDIATION_MODE_HOST_POWER_CYCLE",
            RemediationMode,
        ),
        (
            {"add_ons": [add_on_dict(name="headlamp", add_on_type="headlamp")]},
            lambda c: c.add_ons[0].add_on_type,
            "headlamp",
            AddOnType,
        ),
        (
            {"add_ons": [add_on_dict(name="slurm-web", add_on_type="slurm_web")]},
            lambda c: c.add_ons[0].add_on_type,
            "slurm_web",
            AddOnType,
        ),
    ],
    ids=[
        "status_Scheduled",
        "gpu_GB200_SXM",
        "gpu_B300_SXM",
        "remediation_state_QUARANTINED",
        "remediation_state_QUARANTINING",
        "remediation_mode_HOST_POWER_CYCLE",
        "add_on_headlamp",
        "add_on_slurm_web",
    ],
)
def test_values_newer_than_the_spec_parse_verbatim_and_are_marked_unknown(
    overrides: dict[str, Any], read: Any, value: str, enum: type[OpenEnum]
) -> None:
    parsed = cluster(**overrides)
    found = read(parsed)
    assert isinstance(found, enum)
    assert found == value
    assert str(found) == value
    assert found.value == value
    assert found.is_known is False
    assert value in parsed.model_dump_json()


def test_known_values_parse_to_the_members_themselves() -> None:
    parsed = Cluster.model_validate(full_cluster_dict())
    assert parsed.status is ClusterStatus.READY
    assert parsed.gpu_type is GPUType.H100_SXM
    assert parsed.add_ons[0].add_on_type is AddOnType.DASHBOARD
    remediation = parsed.gpu_worker_nodes[0].latest_remediation
    assert remediation is not None
    assert remediation.state is RemediationState.PENDING_APPROVAL
    assert all(value.is_known for value in (parsed.status, parsed.gpu_type, remediation.mode))


@pytest.mark.parametrize("spelling", ["READY", "ready", "Ready ", "DEGRADED"])
def test_a_status_spelt_differently_from_the_spec_is_unknown(spelling: str) -> None:
    parsed = cluster(status=spelling)
    assert parsed.status == spelling
    assert parsed.status.is_known is False


def test_fields_the_spec_does_not_know_are_ignored_at_every_level() -> None:
    node = worker_node_dict(gpu_temperature_c=81, latest_remediation=remediation_dict(ticket=7))
    parsed = cluster(
        gpu_worker_nodes=[node],
        sla_tier="gold",
        cluster_config={"load_balancer": "NGINX", "mesh": {"enabled": True}},
    )
    assert parsed == cluster(
        gpu_worker_nodes=[worker_node_dict(latest_remediation=remediation_dict())],
        cluster_config={"load_balancer": "NGINX"},
    )
    assert not hasattr(parsed, "sla_tier")
    assert not hasattr(parsed.gpu_worker_nodes[0], "gpu_temperature_c")
    assert "gpu_temperature_c" not in parsed.model_dump_json()


def test_zero_valued_fields_a_grpc_gateway_leaves_out_take_their_zero_values() -> None:
    minimal = {
        "cluster_id": "c-1",
        "cluster_name": "one",
        "status": "Ready",
        "gpu_type": "H100_SXM",
    }
    parsed = Cluster.model_validate({**minimal, "gpu_worker_nodes": [{"node_id": "n-1"}]})
    assert parsed.volumes == []
    assert parsed.add_ons == []
    assert parsed.phase_transitions == []
    assert parsed.num_gpus == parsed.desired_preemptible_gpus == 0
    assert parsed.region == parsed.project_id == ""
    assert parsed.kube_config.get_secret_value() == ""
    assert parsed.control_plane_ready is None
    node = parsed.gpu_worker_nodes[0]
    assert (node.status, node.num_gpus, node.marked_for_deletion) == ("", 0, False)
    assert node.latest_remediation is None


@pytest.mark.parametrize("missing", ["cluster_id", "cluster_name", "status"])
def test_a_cluster_without_an_identity_or_status_is_rejected(missing: str) -> None:
    raw = cluster_dict()
    del raw[missing]
    with pytest.raises(ValidationError, match=missing):
        Cluster.model_validate(raw)


def test_a_timestamp_without_an_offset_is_taken_as_utc() -> None:
    parsed = cluster(created_at="2026-03-01T08:00:00", reservation_end_time="2026-03-02T08:00:00")
    assert parsed.created_at == datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    assert parsed.reservation_end_time is not None
    assert parsed.reservation_end_time.tzinfo is not None


def test_a_timestamp_with_an_offset_keeps_its_moment() -> None:
    parsed = cluster(created_at="2026-03-01T10:00:00+02:00")
    assert parsed.created_at == datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def test_parsed_clusters_are_immutable() -> None:
    parsed = cluster()
    with pytest.raises(ValidationError):
        parsed.status = ClusterStatus.DEGRADED  # type: ignore[misc]


@pytest.mark.parametrize(
    ("report", "described"),
    [
        (
            InvalidCluster(index=2, cluster_id="c-1", cluster_name="one", errors=["a", "b"]),
            "one: a; b",
        ),
        (InvalidCluster(index=2, cluster_id="c-1", errors=["a"]), "c-1: a"),
        (InvalidCluster(index=2, errors=["a"]), "entry #2: a"),
    ],
)
def test_an_invalid_cluster_describes_itself_by_the_best_name_it_has(
    report: InvalidCluster, described: str
) -> None:
    assert report.describe() == described
