"""What a first-time user reads: typos get a suggestion, help and paging say each thing once,
and a healthy start logs no warning."""

from __future__ import annotations

import logging

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.alerts.commands import AlertCommands
from bot.app import create_app
from bot.render.help import usage_text
from bot.render.overview import PAGE_SIZE, render_overview
from shared.client import ClustersClient
from tests.bot.fleets import fleet, fleet_view
from tests.bot.slack_app import BOT_TOKEN, BotUnderTest, all_text, bot_settings, together_settings

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("typed", "suggestion"),
    [
        ("degarded", "Did you mean `degraded`?"),
        ("atention", "Did you mean `attention`?"),
        ("hepl", "Did you mean `help`?"),
        ("redy", "Did you mean `status:Ready`?"),
    ],
)
async def test_a_word_close_to_a_keyword_or_a_status_gets_a_suggestion(
    bot: BotUnderTest, typed: str, suggestion: str
) -> None:
    text = all_text((await bot.command(typed)).params["blocks"])
    assert suggestion in text
    assert "*Usage*" in text


async def test_a_word_that_is_part_of_a_name_lists_those_clusters_without_a_hint(
    bot: BotUnderTest,
) -> None:
    text = all_text((await bot.command("train")).params["blocks"])
    assert "Did you mean" not in text
    assert "llm-train-b200" in text


def test_help_writes_one_separator_between_an_alert_command_and_its_meaning() -> None:
    handlers = {
        "incidents": AlertCommands.incidents,
        "subscriptions": AlertCommands.subscriptions,
        "subscribe": AlertCommands.subscribe,
    }
    lines = usage_text(handlers).splitlines()  # type: ignore[arg-type]
    incidents = (
        "• `/clusters incidents` · open cluster incidents, with links to their alert messages"
    )
    assert incidents in lines
    assert "• `/clusters subscriptions` · which channels get cluster alerts" in lines
    subscribe = next(line for line in lines if "clusters subscribe" in line)
    assert subscribe.startswith("• `/clusters subscribe [project:ID]` · post cluster alerts")
    assert not any("· ·" in line for line in lines)


def test_the_last_page_names_only_the_button_it_has() -> None:
    total = 2 * PAGE_SIZE + 3
    last = all_text(render_overview(fleet_view(fleet(total), page=2)).blocks)
    assert f"Showing {2 * PAGE_SIZE + 1}-{total} of {total} (page 3 of 3)" in last
    assert "Use Previous, or narrow" in last
    assert "Next" not in last
    middle = all_text(render_overview(fleet_view(fleet(total), page=1)).blocks)
    assert "Use Next or Previous, or narrow" in middle


async def test_building_the_app_with_the_token_in_the_environment_logs_no_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)  # as every real start has it
    async with ClustersClient(together_settings()) as clusters:
        with caplog.at_level(logging.DEBUG):
            create_app(bot_settings(), clusters, web_client=AsyncWebClient(token=BOT_TOKEN))
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
