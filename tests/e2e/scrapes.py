"""Reading a process's `/metrics` as Prometheus would: prometheus-client's own parser.

found = samples(f"{world.bot_url}/metrics")
value(found, "clusters_slack_commands_total", command="list", outcome="ok")
"""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(url: str) -> Samples:
    """Every sample of a scrape: (name, labels) -> value."""
    response = httpx.get(url, timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    found = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(found: Samples, name: str, **labels: str) -> float:
    """One sample's value; 0 when the scrape has no such sample."""
    return found.get((name, frozenset(labels.items())), 0.0)
