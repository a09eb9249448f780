"""What an operator scrapes and reads: /metrics after real traffic, /readyz, JSON log lines.

The real `clusters-bot` (and `clusters-mcp`) against the simulator and the fake Slack; metrics
are parsed with prometheus-client's own parser, so they are what Prometheus would ingest.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from clusters_devkit.world import Secrets, World
from tests.bot.alerts.fleet import degrade
from tests.bot.slack_app import CHANNEL, SIGNING_SECRET, USER, command_body, signed_headers
from tests.e2e.alert_world import ALERTS, POLL_S, add
from tests.e2e.fast_bot import COMMAND
from tests.e2e.scrapes import samples, value

pytestmark = pytest.mark.e2e

SECRETS = Secrets(signing_secret=SIGNING_SECRET)
FORBIDDEN_LABEL_VALUES = ("train-a", USER, CHANNEL, ALERTS)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with World(
        tmp_path, scenario="empty", alert_channel=ALERTS, bot_command=COMMAND, secrets=SECRETS
    ) as w:
        yield w


def send_command(world: World, text: str) -> None:
    url = world.slack.new_response_url(channel=CHANNEL, user=USER)
    body = command_body(text, response_url=url)
    assert world.post(body, signed_headers(body)).status_code == 200
    world.wait(lambda: bool(world.slack.responses_to(url)))


def test_metrics_after_commands_a_poll_and_an_alert(world: World) -> None:
    cluster_id, nodes = add(world, "train-a")
    world.start_bot(poll_s=POLL_S)
    send_command(world, "")
    send_command(world, "show train-a")
    send_command(world, "nonsense:word")
    bad = command_body("", response_url=world.slack.new_response_url(channel=CHANNEL, user=USER))
    assert world.post(bad, signed_headers(bad, secret="not-the-secret")).status_code == 401
    world.sim.set_cluster(cluster_id, **degrade(nodes[0]))
    world.wait(lambda: len(world.parents()) == 1)

    found = samples(f"{world.bot_url}/metrics")

    assert value(found, "clusters_slack_commands_total", command="list", outcome="ok") == 1
    assert value(found, "clusters_slack_commands_total", command="show", outcome="ok") == 1
    assert value(found, "clusters_slack_commands_total", command="filter", outcome="ok") == 1
    assert value(found, "clusters_slack_ack_seconds_count", kind="command") == 3
    assert value(found, "clusters_requests_denied_total", reason="signature") == 1
    assert value(found, "clusters_alert_events_total", kind="incident_opened") == 1
    assert value(found, "clusters_last_successful_poll_timestamp_seconds") > 1.7e9
    assert value(found, "clusters_together_requests_total", outcome="ok") >= 2
    assert value(found, "clusters_together_request_seconds_count") >= 2
    assert value(found, "clusters_together_up") == 1
    assert value(found, "clusters_leader") == 1
    assert ("clusters_outbox_pending_messages", frozenset()) in found
    assert ("clusters_outbox_oldest_pending_age_seconds", frozenset()) in found
    assert value(found, "clusters_outbox_dead_letters") == 0
    labels = {v for (_, pairs) in found for (_, v) in pairs}
    assert not labels & set(FORBIDDEN_LABEL_VALUES)
    log = world.bot_log()
    assert log.count("Denied a request") == 1
    assert "claimed_user=U0ALICE" in log


def test_readyz_is_ready_and_a_together_outage_shows_without_making_it_unready(
    world: World,
) -> None:
    world.start_bot(world.bot_env(TOGETHER_MAX_ATTEMPTS="1", TOGETHER_CACHE_TTL_S="0"))
    ready = httpx.get(f"{world.bot_url}/readyz", timeout=10)
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"slack": "ok", "state_store": "ok"}

    world.sim.add_faults({"status": 503, "count": 5})
    send_command(world, "")
    outage = httpx.get(f"{world.bot_url}/readyz", timeout=10)
    assert outage.status_code == 200
    assert outage.json()["together"]["reachable"] is False
    found = samples(f"{world.bot_url}/metrics")
    assert value(found, "clusters_together_up") == 0
    assert value(found, "clusters_together_requests_total", outcome="http_5xx") >= 1


def test_every_line_of_a_json_log_run_is_one_json_object_with_context(world: World) -> None:
    world.start_bot(world.bot_env(LOG_FORMAT="json", CLUSTERS_ALLOWED_USERS="U0SOMEONE"))
    send_command(world, "degraded")
    assert world.stop_bot() == 0

    lines = [line for line in world.bot_log().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]

    assert all({"time", "level", "logger", "message"} <= r.keys() for r in records)
    denied = [r for r in records if r["message"].startswith("Denied a request")]
    assert len(denied) == 1
    assert denied[0]["level"] == "WARNING"
    assert denied[0]["command"] == "degraded"
    assert denied[0]["channel"] == CHANNEL
    assert "CLUSTERS_ALLOWED_USERS" in denied[0]["message"]
    text = "\n".join(lines)
    for secret in (SECRETS.bot_token, SECRETS.signing_secret, SECRETS.api_key):
        assert secret not in text


def test_the_mcp_server_serves_metrics_and_healthz_without_its_token(world: World) -> None:
    world.start_mcp()
    base = world.mcp_url.removesuffix("/mcp")

    assert httpx.get(f"{base}/healthz", timeout=10).json() == {"ok": True}
    text = httpx.get(f"{base}/metrics", timeout=10).text
    names = {family.name for family in text_string_to_metric_families(text)}
    assert {"clusters_mcp_tool_calls", "clusters_together_requests"} <= names
    assert httpx.get(world.mcp_url, timeout=10).status_code == 401
