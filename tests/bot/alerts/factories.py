"""Incidents and events for the alert tests, built on the engine tests' cluster builders."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from shared.alerts import AlertRules, Incident, Problem, Trigger, WatchState, problems_of
from shared.models import Cluster
from tests.shared.alert_polls import T0, cluster, node

__all__ = ["HOSTILE", "T0", "cluster", "incident", "node"]

HOSTILE = "<!channel> <https://evil.example|click> & *bold*"
"""A name that would ping everyone and forge a link if it were not escaped."""


def incident(
    c: Cluster | None = None,
    *,
    incident_id: str | None = None,
    opened_at: datetime = T0,
    **extra: Any,
) -> Incident:
    """An incident on `c` (a Degraded cluster by default) with the problems the engine sees.

    `extra` sets the other fields of `Incident` (`resolved_at`, `snoozed_by`, ...).
    """
    c = c or cluster(
        status="Degraded", nodes=[node("n1", "Failed", "PENDING_APPROVAL"), node("n2")]
    )
    problems = problems_of(c, opened_at, AlertRules()) or {
        "status:Degraded": Problem("status:Degraded", Trigger.DEGRADED, "status Degraded")
    }
    return Incident(
        incident_id=incident_id or f"{c.cluster_id}#1",
        cluster=c,
        opened_at=opened_at,
        problems=problems,
        last_notified_at=opened_at,
        **extra,
    )


def resolved(i: Incident, after: timedelta = timedelta(minutes=42)) -> Incident:
    ready = Cluster.model_validate({**i.cluster.model_dump(mode="json"), "status": "Ready"})
    return Incident(
        incident_id=i.incident_id,
        cluster=ready,
        opened_at=i.opened_at,
        problems=i.problems,
        last_notified_at=i.last_notified_at,
        resolved_at=i.opened_at + after,
        resolution="back to Ready",
    )


def state_with(*incidents: Incident) -> WatchState:
    return WatchState(incidents={i.cluster_id: i for i in incidents})
