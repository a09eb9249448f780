"""The alert state as JSON-ready dicts and back, so the bot can keep it in SQLite.

Only plain values go out, and of an incident's cluster snapshot only the fields the alert logic
and the alert messages read (`ALERT_FIELDS`): nothing like `kube_config` or the cluster's
`slurm_startup_scripts`, which may hold secrets, ever reaches the state file. Older rows that hold
the whole snapshot still read (the extra fields are ignored, and gone at the next write). Times go
out as ISO 8601 strings. Reading is strict about our own shape: a row that does not fit raises
`ValueError` rather than resurrecting half an incident.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError

from shared.alerts.problems import NodeMemory, Problem
from shared.alerts.rules import Trigger
from shared.alerts.state import ApiHealth, ClusterMemory, Incident
from shared.models import Cluster

JSON = dict[str, Any]

ALERT_FIELDS = frozenset(
    {
        "cluster_id",
        "cluster_name",
        "cluster_type",
        "status",
        "region",
        "gpu_type",
        "num_gpus",
        "project_id",
        "gpu_worker_nodes",
        "phase_transitions",
        "first_ready_at",
        "reservation_end_time",
        "desired_preemptible_gpus",
        "allocated_preemptible_gpus",
        "control_plane_ready",
        "node_lifecycle_events",
        "volumes",
    }
)
"""The cluster fields an incident keeps: what `shared.fleet.assess`, the alert problems and
the alert messages read. Everything else (configuration, credentials, scripts) is left out."""


def dump_memory(memory: ClusterMemory) -> JSON:
    return {
        "cluster_id": memory.cluster_id,
        "name": memory.name,
        "project_id": memory.project_id,
        "status": memory.status,
        "nodes": {
            node_id: [n.status, n.remediation_id, n.remediation_state, n.remediation_mode]
            for node_id, n in memory.nodes.items()
        },
        "problems": _dump_problems(memory.problems),
        "problem_since": _time(memory.problem_since),
        "missing_polls": memory.missing_polls,
    }


def load_memory(data: JSON) -> ClusterMemory:
    """Raises:
    ValueError: `data` is not a dumped `ClusterMemory`.
    """
    try:
        return ClusterMemory(
            cluster_id=data["cluster_id"],
            name=data["name"],
            project_id=data["project_id"],
            status=data["status"],
            nodes={node_id: NodeMemory(*fields) for node_id, fields in data["nodes"].items()},
            problems=_load_problems(data["problems"]),
            problem_since=_parse_time(data["problem_since"]),
            missing_polls=int(data["missing_polls"]),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not a stored cluster memory: {exc!r}") from None


def dump_incident(incident: Incident) -> JSON:
    """The incident without its snooze, which the store keeps on its own."""
    return {
        "incident_id": incident.incident_id,
        "cluster": incident.cluster.model_dump(mode="json", include=set(ALERT_FIELDS)),
        "opened_at": _time(incident.opened_at),
        "problems": _dump_problems(incident.problems),
        "last_notified_at": _time(incident.last_notified_at),
        "resolved_at": _time(incident.resolved_at),
        "resolution": incident.resolution,
        "reopened": incident.reopened,
    }


def load_incident(data: JSON) -> Incident:
    """Raises:
    ValueError: `data` is not a dumped `Incident`.
    """
    try:
        opened_at = _parse_time(data["opened_at"])
        notified = _parse_time(data["last_notified_at"])
        if opened_at is None or notified is None:
            raise ValueError("an incident needs opened_at and last_notified_at")
        return Incident(
            incident_id=data["incident_id"],
            cluster=Cluster.model_validate(data["cluster"]),
            opened_at=opened_at,
            problems=_load_problems(data["problems"]),
            last_notified_at=notified,
            resolved_at=_parse_time(data["resolved_at"]),
            resolution=data["resolution"],
            reopened=int(data["reopened"]),
        )
    except (KeyError, TypeError, AttributeError, ValidationError) as exc:
        raise ValueError(f"not a stored incident: {exc!r}") from None


def dump_api(api: ApiHealth) -> JSON:
    return {
        "failing_since": _time(api.failing_since),
        "last_error": api.last_error,
        "failures": api.failures,
        "alert_id": api.alert_id,
    }


def load_api(data: JSON) -> ApiHealth:
    """Raises:
    ValueError: `data` is not a dumped `ApiHealth`.
    """
    try:
        return ApiHealth(
            failing_since=_parse_time(data["failing_since"]),
            last_error=data["last_error"],
            failures=int(data["failures"]),
            alert_id=data["alert_id"],
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"not a stored API health: {exc!r}") from None


def _dump_problems(problems: dict[str, Problem]) -> list[list[str]]:
    return [[p.key, p.trigger.value, p.summary] for p in problems.values()]


def _load_problems(rows: list[list[str]]) -> dict[str, Problem]:
    return {key: Problem(key, Trigger(trigger), summary) for key, trigger, summary in rows}


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _parse_time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)
