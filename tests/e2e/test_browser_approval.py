"""A person approves a node repair from its alert in the sandbox during `make demo`.

The demo runs for real (simulator, sandbox, bot with `CLUSTERS_APPROVERS` = you, MCP server) and
headless Chromium clicks **Approve…** on the alert for `rl-sweeps-h200`, fills in the modal,
submits it, and watches the thread note, the buttons disappear and the repair go on. Prints the
click-to-modal and click-to-thread-note times as the page shows them (not asserted: the machine
is shared).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.e2e.browser_harness import open_page, screenshot, shown_alert
from tests.e2e.demo_harness import RunningDemo, demo_running

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

DEGRADED = "rl-sweeps-h200"


@pytest.fixture
def demo() -> Iterator[RunningDemo]:
    with demo_running(DEMO_TIME_SCALE="0.15", DEMO_SECONDS="240") as running:
        yield running


def test_you_approve_the_pending_repair_from_its_alert_and_watch_the_thread(
    demo: RunningDemo,
) -> None:
    with open_page() as page:
        try:
            page.goto(demo.address("Slack sandbox"))
            alert = shown_alert(page, DEGRADED, timeout_ms=60_000)
            approve = alert.locator(".bk-button", has_text="Approve")
            expect(approve).to_be_visible(timeout=30_000)

            clicked = time.monotonic()
            approve.click()
            modal = page.locator(".modal")
            expect(modal.locator("textarea")).to_be_visible(timeout=20_000)
            to_modal = time.monotonic() - clicked
            expect(modal).to_contain_text(DEGRADED)
            expect(modal).to_contain_text("Xid 79")
            expect(modal).to_contain_text("Waiting for")

            modal.locator("textarea").fill("GPU fell off the bus; replace the VM")
            modal.locator("select").select_option("REMEDIATION_MODE_VM_ONLY")
            clicked = time.monotonic()
            modal.locator(".modal-submit").click()
            expect(modal).to_contain_text("Approved", timeout=20_000)
            # Case-sensitive: the watcher's own reply on the repair ("... approved by
            # api-key-owner@...") may land in the thread first and must not match too.
            note = alert.locator(".thread .msg-bot").filter(has_text=re.compile("Approved by"))
            expect(note).to_be_visible(timeout=30_000)
            to_note = time.monotonic() - clicked
            expect(note).to_contain_text("GPU fell off the bus; replace the VM (VM_ONLY)")
            page.locator(".modal-close").click()
            expect(page.locator(".modal")).to_have_count(0)
            expect(alert.locator(".bk-button", has_text="Approve")).to_have_count(0, timeout=30_000)
            recovery = alert.locator(".thread .msg-bot").filter(has_text=re.compile("Recovered"))
            expect(recovery).to_be_visible(timeout=90_000)
            expect(alert.locator(".bk-header").first).to_contain_text("Resolved")
            expect(page.locator(".violations")).to_have_count(0)
            screenshot(page, "sandbox-approval.png")
            print(
                f"\nclick-to-modal {to_modal * 1000:.0f} ms (browser, through the page's 700 ms "
                f"poll); click-to-thread-note {to_note * 1000:.0f} ms"
            )
        except BaseException:
            screenshot(page, "sandbox-approval-failure.png")
            raise
