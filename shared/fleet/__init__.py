"""Fleet logic: pure functions that decide what is wrong with clusters. No I/O.

Slack, MCP and the alert watcher all use these, so "what is wrong with this cluster" has one
answer everywhere.
"""

from shared.fleet.assess import Assessment, assess, assess_all, first_ready, status_since
from shared.fleet.filters import ClusterFilter, FilterOptions, check_filter
from shared.fleet.findings import (
    Finding,
    FindingKind,
    Level,
    find_problems,
    live_gpus,
    node_is_running,
    node_name,
    short_mode,
)
from shared.fleet.health_alerts import alert_phrase, alert_phrases, firing_first, severity_word
from shared.fleet.judge import FleetJudge, Judgement
from shared.fleet.severity import Severity, is_running, status_severity
from shared.fleet.summary import FleetSummary, GpuTally, summarize

__all__ = [
    "Assessment",
    "ClusterFilter",
    "FilterOptions",
    "Finding",
    "FindingKind",
    "FleetJudge",
    "FleetSummary",
    "GpuTally",
    "Judgement",
    "Level",
    "Severity",
    "alert_phrase",
    "alert_phrases",
    "assess",
    "assess_all",
    "check_filter",
    "find_problems",
    "firing_first",
    "first_ready",
    "is_running",
    "live_gpus",
    "node_is_running",
    "node_name",
    "severity_word",
    "short_mode",
    "status_severity",
    "status_since",
    "summarize",
]
