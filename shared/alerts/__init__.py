"""Alert logic: pure functions from polls to incidents and events. No I/O.

The bot's watcher feeds `step` one poll at a time and turns the events into Slack messages; the
state it returns is what the bot keeps in SQLite between polls and restarts.
"""

from shared.alerts.engine import PollFailed, PollOutcome, PollSucceeded, Step, step
from shared.alerts.events import (
    ApiRecovered,
    ApiUnreachable,
    ClusterGone,
    Event,
    IncidentChanged,
    IncidentOpened,
    IncidentReminder,
    IncidentResolved,
)
from shared.alerts.problems import NodeMemory, Problem, problems_of
from shared.alerts.rules import DEFAULT_TRIGGERS, AlertRules, Trigger, parse_alert_on
from shared.alerts.state import ApiHealth, ClusterMemory, Incident, WatchState

__all__ = [
    "DEFAULT_TRIGGERS",
    "AlertRules",
    "ApiHealth",
    "ApiRecovered",
    "ApiUnreachable",
    "ClusterGone",
    "ClusterMemory",
    "Event",
    "Incident",
    "IncidentChanged",
    "IncidentOpened",
    "IncidentReminder",
    "IncidentResolved",
    "NodeMemory",
    "PollFailed",
    "PollOutcome",
    "PollSucceeded",
    "Problem",
    "Step",
    "Trigger",
    "WatchState",
    "parse_alert_on",
    "problems_of",
    "step",
]
