"""The sandbox page draws Block Kit and mrkdwn as Slack does, flags broken messages, hides nothing.

A sandbox runs in-process; messages are posted with slack_sdk's WebClient as the bot would post
them, and headless Chromium reads the page. No bot is running, so commands and clicks show how
the page reports an app that does not answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from slack_sdk.web import WebClient

from clusters_devkit.web import ALERTS_CHANNEL, OPS_CHANNEL, Sandbox
from tests.e2e.browser_harness import open_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

TOKEN = "xoxb-rendering"
OPS, ALERTS = OPS_CHANNEL.id, ALERTS_CHANNEL.id
HOSTILE = (
    "*bold* _italic_ ~strike~ `code` <https://example.com/docs|the docs> "
    "&lt;!channel&gt; &amp; :red_circle: :not_an_emoji:\n"
    "• first item\n• second item\n"
    "> a quote\n"
    "```a code block```"
)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    unreachable = "http://127.0.0.1:9/slack/events"
    with Sandbox(bot_url=unreachable, signing_secret="s", bot_token=TOKEN, port=0) as fake:
        yield fake


@pytest.fixture
def slack(sandbox: Sandbox) -> WebClient:
    return WebClient(token=TOKEN, base_url=sandbox.api_url)


def _section(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def _button(label: str) -> dict[str, Any]:
    text = {"type": "plain_text", "text": label}
    return {"type": "button", "action_id": label.lower(), "text": text}


def _load(page: Page, sandbox: Sandbox) -> list[str]:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(sandbox.page_url)
    return requested


def test_mrkdwn_is_drawn_and_escaped_text_reads_literally(
    sandbox: Sandbox, slack: WebClient
) -> None:
    slack.chat_postMessage(channel=OPS, text="fallback", blocks=[_section(HOSTILE)])
    with open_page() as page:
        _load(page, sandbox)
        text = page.locator("#main-messages .bk-section-text")
        expect(text.locator(".md-bold")).to_have_text("bold")
        expect(text.locator(".md-italic")).to_have_text("italic")
        expect(text.locator(".md-strike")).to_have_text("strike")
        expect(text.locator(".md-code")).to_have_text("code")
        link = text.locator("a.md-link")
        expect(link).to_have_text("the docs")
        expect(link).to_have_attribute("href", "https://example.com/docs")
        expect(text).to_contain_text("<!channel> & 🔴 :not_an_emoji:")
        expect(text.locator(".md-broadcast")).to_have_count(0)
        expect(text.locator(".md-li")).to_have_count(2)
        expect(text.locator(".md-quote")).to_have_text("a quote")
        expect(text.locator(".md-pre")).to_have_text("a code block")


def test_blocks_are_drawn_and_unknown_ones_are_shown_labelled(
    sandbox: Sandbox, slack: WebClient
) -> None:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": ":large_green_circle: Fleet"}},
        _section("with a button", accessory=_button("Details")),
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f"*F{n}*"} for n in range(4)]},
        {"type": "divider"},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "small print"}]},
        {
            "type": "actions",
            "elements": [_button("Refresh"), {**_button("Stop"), "style": "danger"}],
        },
        {
            "type": "image",
            "image_url": "https://cdn.example.com/chart.png",
            "alt_text": "GPU chart",
        },
        {"type": "video", "title": {"type": "plain_text", "text": "a video"}},
    ]
    slack.chat_postMessage(channel=OPS, text="blocks", blocks=blocks)
    with open_page() as page:
        requested = _load(page, sandbox)
        message = page.locator("#main-messages .msg-bot")
        expect(message.locator(".bk-header")).to_have_text("🟢 Fleet")
        expect(message.locator(".bk-accessory .bk-button")).to_have_text("Details")
        expect(message.locator(".bk-field")).to_have_count(4)
        expect(message.locator(".bk-divider")).to_have_count(1)
        expect(message.locator(".bk-context")).to_have_text("small print")
        expect(message.locator(".bk-actions .bk-button.danger")).to_have_text("Stop")
        expect(message.locator(".bk-image-remote")).to_contain_text("GPU chart")
        unknown = message.locator(".bk-unknown")
        expect(unknown).to_contain_text("Block not drawn by the sandbox: video")
        expect(unknown).to_contain_text('"title"')
        expect(message.locator(".violations")).to_have_count(0)
        screenshot(page, "sandbox-blocks.png")
    assert requested, "the page made no requests at all"
    assert all(url.startswith(sandbox.base_url) for url in requested), requested


def test_a_message_breaking_slacks_limits_is_flagged_on_the_page(
    sandbox: Sandbox, slack: WebClient
) -> None:
    slack.chat_postMessage(channel=ALERTS, text="ok", blocks=[_section("fine")])
    slack.chat_postMessage(channel=ALERTS, text="too big", blocks=[_section("x")] * 51)
    with open_page() as page:
        _load(page, sandbox)
        flagged = page.locator("#alerts-messages .msg-broken")
        expect(flagged).to_have_count(1)
        expect(flagged.locator(".violations")).to_contain_text("51 blocks (limit 50)")
        expect(page.locator("#alerts-messages .msg-bot")).to_have_count(2)


def test_threads_and_updates_appear_in_place_without_closing_an_open_json_panel(
    sandbox: Sandbox, slack: WebClient
) -> None:
    parent = slack.chat_postMessage(channel=ALERTS, text="Degraded", blocks=[_section("Degraded")])
    with open_page() as page:
        _load(page, sandbox)
        alert = page.locator("#alerts-messages > .msg-bot")
        expect(alert).to_contain_text("Degraded")
        alert.locator("summary", has_text="JSON").first.click()
        slack.chat_postMessage(channel=ALERTS, text="node failed", thread_ts=parent["ts"])
        slack.chat_update(
            channel=ALERTS, ts=parent["ts"], text="Resolved", blocks=[_section("Resolved")]
        )
        expect(alert.locator(".thread")).to_contain_text("node failed")
        expect(alert.locator(".bk-blocks").first).to_have_text("Resolved")
        expect(alert.locator(".msg-edited").first).to_be_visible()
        expect(alert.locator("details.json").first).to_have_attribute("open", "")
        expect(alert).to_have_count(1)


def test_the_home_tab_shows_the_published_view(sandbox: Sandbox, slack: WebClient) -> None:
    view = {"type": "home", "blocks": [_section("*8 GPU clusters*"), {"type": "divider"}]}
    slack.views_publish(user_id=sandbox.person.user_id, view=view)
    with open_page() as page:
        _load(page, sandbox)
        page.locator("#nav-home").click()
        expect(page.locator("#home .md-bold")).to_have_text("8 GPU clusters")
        expect(page.locator("#composer")).to_be_hidden()
        # No app is running: Slack's app_home_opened could not be delivered, and the page says so.
        expect(page.locator("#toast")).to_contain_text("did not reach the app")


def test_a_command_to_an_app_that_is_not_running_says_what_slack_would(
    sandbox: Sandbox,
) -> None:
    with open_page() as page:
        _load(page, sandbox)
        page.fill("#composer-input", "/clusters degraded")
        page.press("#composer-input", "Enter")
        typed = page.locator("#main-messages .msg-command")
        expect(typed.locator(".cmd-text")).to_have_text("/clusters degraded")
        expect(typed.locator(".cmd-failed")).to_contain_text(
            '/clusters failed with the error "dispatch_failed"'
        )
        expect(typed.locator(".cmd-detail")).to_contain_text("not reachable")


def test_mentions_read_as_the_names_of_the_sandboxs_people_and_channels(
    sandbox: Sandbox, slack: WebClient
) -> None:
    text = f"<@{sandbox.person.user_id}> subscribed <#{ALERTS}>; <@U0STRANGER> in <#C0ELSEWHERE>"
    slack.chat_postMessage(channel=OPS, text="mentions", blocks=[_section(text)])
    with open_page() as page:
        _load(page, sandbox)
        mentions = page.locator("#main-messages .bk-section-text .md-mention")
        expect(mentions).to_have_text(["@you", "#cluster-alerts", "@U0STRANGER", "#C0ELSEWHERE"])


def test_a_permalink_opens_the_page_on_the_messages_channel(
    sandbox: Sandbox, slack: WebClient
) -> None:
    posted = slack.chat_postMessage(channel=ALERTS, text="an alert")
    link = slack.chat_getPermalink(channel=ALERTS, message_ts=posted["ts"])["permalink"]
    with open_page() as page:
        page.goto(link)
        expect(page.locator("#main-title")).to_have_text(f"#{ALERTS_CHANNEL.name}")
