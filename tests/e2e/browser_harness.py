"""Headless Chromium for the browser tests: Debian's `chromium`, driven by Playwright.

Playwright's own browser downloads are never used (`playwright install` fetches from a CDN); the
system's chromium is launched by path. Without one, the tests skip with the reason, except in CI
(`CI` set), where `.ci/run` installs it and a missing browser is a failure.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

from playwright.sync_api import Locator, Page, expect, sync_playwright

from tests.e2e.demo_harness import ROOT
from tests.e2e.needs import tool_missing

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return shutil.which("chromium") or shutil.which("chromium-browser")


def require_chromium() -> str:
    """The chromium executable; skips the test without one, unless in CI where it fails."""
    path = chromium_path()
    if path is not None:
        return path
    tool_missing(
        "Debian's chromium is not installed (apt-get install -y chromium; .ci/run does it)",
        needed_by="the browser tests",
    )


@contextlib.contextmanager
def open_page() -> Iterator[Page]:
    """A fresh page in headless Chromium; fails the test if the page's scripts raised."""
    executable = require_chromium()
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 950})
            page.on("pageerror", lambda error: errors.append(str(error)))
            yield page
        finally:
            browser.close()
    assert errors == [], f"the page's scripts raised: {errors}"


def shown_alert(page: Page, cluster_name: str, *, timeout_ms: float) -> Locator:
    """The sandbox's alert about `cluster_name`, once the alert channel shows it."""
    alerts = page.locator("#alerts-messages > .msg-bot")
    alert = alerts.filter(has=page.locator(".bk-header", has_text=cluster_name))
    expect(alert).to_be_visible(timeout=timeout_ms)
    return alert


def screenshot(page: Page, name: str) -> Path:
    """Keep a screenshot under test-artifacts/ (gitignored) and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    return path
