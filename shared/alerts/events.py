"""What the alert engine says happened in one poll; the bot turns each event into messages.

    Event
    ├── IncidentOpened      a cluster went bad (also: reopened within the flap window)
    ├── IncidentChanged     something changed inside an open incident (a node failed, ...)
    ├── IncidentReminder    still open after the reminder interval
    ├── IncidentResolved    recovered, or gone from the API
    ├── ClusterGone         a cluster left the API with no incident open (rule `deleted`)
    ├── ApiUnreachable      polls have failed for longer than the threshold
    └── ApiRecovered        polls succeed again after an announced outage

Incidents opening together still come as one `IncidentOpened` each: whether a channel gets them
as one grouped message is the bot's choice, since it knows which channel each one goes to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.alerts.state import ClusterMemory, Incident


@dataclass(frozen=True, slots=True)
class IncidentOpened:
    """A new incident, or one reopened (`reopened_after` is then the time it stayed resolved)."""

    incident: Incident
    reopened_after: timedelta | None = None


@dataclass(frozen=True, slots=True)
class IncidentChanged:
    """Changes inside an open incident, one sentence each."""

    incident: Incident
    changes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class IncidentReminder:
    """An incident still open after `CLUSTERS_REMIND_AFTER_S` (again)."""

    incident: Incident
    open_for: timedelta


@dataclass(frozen=True, slots=True)
class IncidentResolved:
    """An incident that ended; `reason` says how ("back to Ready", "no longer listed")."""

    incident: Incident
    duration: timedelta
    reason: str
    recovered: bool


@dataclass(frozen=True, slots=True)
class ClusterGone:
    """A cluster missing from consecutive successful polls, with no incident open for it."""

    cluster: ClusterMemory
    at: datetime


@dataclass(frozen=True, slots=True)
class ApiUnreachable:
    """Polls have failed since `since`; the latest error is `error`."""

    alert_id: str
    since: datetime
    error: str


@dataclass(frozen=True, slots=True)
class ApiRecovered:
    """Polls succeed again after the outage announced as `alert_id`."""

    alert_id: str
    since: datetime
    down_for: timedelta


Event = (
    IncidentOpened
    | IncidentChanged
    | IncidentReminder
    | IncidentResolved
    | ClusterGone
    | ApiUnreachable
    | ApiRecovered
)
