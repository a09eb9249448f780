"""A person at the sandbox page during `make demo`: commands, a button, an alert's whole life.

The demo runs for real (simulator, sandbox, bot, MCP server as processes) with its timeline
about seven times faster, and headless Chromium does what a person would: watches an alert open,
types `/clusters degraded`, clicks Details on the degraded cluster, and sees the alert resolve.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from shared.parsing import parse_clusters
from tests.e2e.browser_harness import open_page, screenshot, shown_alert
from tests.e2e.demo_harness import RunningDemo, demo_running

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

DEGRADED = "rl-sweeps-h200"  # Degraded from the start in the demo scenario
TIMELINE = "llm-train-b200"  # degrades ~4.5 s after the demo is up, recovers ~18 s later


@pytest.fixture
def demo() -> Iterator[RunningDemo]:
    with demo_running(DEMO_TIME_SCALE="0.15", DEMO_SECONDS="180") as running:
        yield running


def failed_node(demo: RunningDemo, cluster_name: str) -> str:
    """The id of the cluster's failed worker, asked of the simulator the bot reads."""
    api = demo.address("Together API")
    key = demo.value(r"API key (\S+?)\)")
    answer = httpx.get(
        f"{api}/compute/clusters", headers={"Authorization": f"Bearer {key}"}, timeout=10
    )
    clusters, _ = parse_clusters(answer.content)
    cluster = next(c for c in clusters if c.cluster_name == cluster_name)
    return next(n.node_id for n in cluster.gpu_worker_nodes if n.status == "Failed")


def answer_in_main(page: Page) -> Locator:
    return page.locator("#main-messages .msg-ephemeral")


def test_a_person_asks_for_degraded_clusters_opens_one_and_watches_an_alert_live(
    demo: RunningDemo,
) -> None:
    node = failed_node(demo, DEGRADED)
    with open_page() as page:
        try:
            page.goto(demo.address("Slack sandbox"))
            alert = shown_alert(page, TIMELINE, timeout_ms=45_000)
            expect(alert.locator(".bk-header").first).to_contain_text("Degraded")

            page.fill("#composer-input", "/clusters degraded")
            page.press("#composer-input", "Enter")

            overview = answer_in_main(page).filter(has_text=DEGRADED)
            expect(overview).to_be_visible(timeout=20_000)
            expect(overview).to_contain_text("Only visible to you")
            row = overview.locator(".bk-section").filter(has_text=DEGRADED)
            row.get_by_role("button", name="Details").click()

            detail = answer_in_main(page).filter(has=page.locator(".bk-header", has_text=DEGRADED))
            expect(detail).to_be_visible(timeout=20_000)
            drawn = detail.locator(".bk-blocks")  # the blocks as drawn, not the JSON panel
            expect(drawn).to_contain_text(f"{node} Failed")
            expect(drawn).to_contain_text("🔴 Degraded")
            expect(drawn).not_to_contain_text(":red_circle:")
            expect(answer_in_main(page)).to_have_count(1)  # replaced in place, not added

            json_toggle = detail.locator("summary", has_text="JSON")
            json_toggle.click()
            expect(detail.locator(".json-body")).to_contain_text('"type": "header"')
            json_toggle.click()

            recovery = alert.locator(".thread .msg-bot").filter(has_text=re.compile("Recovered"))
            expect(recovery).to_be_visible(timeout=60_000)
            expect(alert.locator(".bk-header").first).to_contain_text("Resolved")
            expect(alert).to_have_count(1)  # updated in place: still one parent
            expect(page.locator(".violations")).to_have_count(0)

            page.fill("#composer-input", "/clusters degraded")
            page.press("#composer-input", "Enter")
            expect(page.locator("#main-messages .msg-command")).to_have_count(2)
            expect(answer_in_main(page)).to_have_count(2, timeout=20_000)
            latest = answer_in_main(page).last.locator(".bk-blocks")
            expect(latest).to_contain_text(DEGRADED, timeout=20_000)
            expect(latest).not_to_contain_text(TIMELINE)  # recovered: no longer degraded
            screenshot(page, "sandbox-demo.png")
        except BaseException:
            screenshot(page, "sandbox-demo-failure.png")
            raise
