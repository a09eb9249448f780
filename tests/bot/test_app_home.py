"""App Home: opening the tab publishes the fleet as a dashboard; buttons change it in place."""

from __future__ import annotations

import json

import pytest
from slack_sdk.models.blocks import Block

from bot.render.actions import HOME_DETAILS_ACTION, HOME_OVERVIEW_ACTION
from bot.render.budgets import VIEW_LIMITS, budget_problems
from clusters_devkit.payloads import button_click_body
from shared.simulator.faults import Fault
from tests.bot.slack_app import (
    USER,
    BotUnderTest,
    MakeBot,
    all_text,
    button_values,
    person,
    signed_headers,
)

pytestmark = pytest.mark.anyio


async def click_home(bot: BotUnderTest, action_id: str, value: str) -> dict[str, object]:
    before = len(bot.slack.calls_to("views.publish"))
    body = button_click_body(
        person(), action_id=action_id, value=value, response_url=None, in_home=True
    )
    response = await bot.dispatch(body, signed_headers(body))
    assert response.status == 200
    assert await bot.slack.wait_for_async(lambda: len(bot.slack.calls_to("views.publish")) > before)
    view: dict[str, object] = bot.slack.calls_to("views.publish")[-1].params["view"]
    return view


async def test_opening_app_home_publishes_the_fleet_overview(bot: BotUnderTest) -> None:
    view = await bot.open_home()
    assert view["type"] == "home"
    text = all_text(view["blocks"])
    assert "8 GPU clusters" in text
    assert "rl-sweeps-h200" in text
    assert bot.slack.home_view(USER) == view


async def test_home_details_and_back_change_the_tab_in_place(bot: BotUnderTest) -> None:
    view = await bot.open_home()
    first = button_values(view["blocks"], HOME_DETAILS_ACTION)[0]
    detail = await click_home(bot, HOME_DETAILS_ACTION, first)
    assert detail["blocks"][0]["type"] == "header"  # type: ignore[index]
    assert "Worker nodes" in all_text(detail["blocks"])
    [back] = button_values(detail["blocks"], HOME_OVERVIEW_ACTION)  # type: ignore[arg-type]
    overview = await click_home(bot, HOME_OVERVIEW_ACTION, back)
    assert "8 GPU clusters" in all_text(overview["blocks"])


@pytest.mark.parametrize("simulator", ["large:300"], indirect=True)
async def test_home_for_a_large_fleet_stays_within_a_views_limits(bot: BotUnderTest) -> None:
    view = await bot.open_home()
    blocks = view["blocks"]
    assert budget_problems(blocks, limits=VIEW_LIMITS, require_text=False) == []
    assert len(blocks) <= 100
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None
        parsed.validate_json()
    assert "more clusters not shown here" in all_text(blocks)
    assert len(json.dumps(view)) < 250_000


async def test_home_when_together_fails_says_so_and_offers_a_retry(bot: BotUnderTest) -> None:
    bot.simulator.add_faults([Fault(status=500)])
    view = await bot.open_home()
    assert "Together is not answering properly (500)" in all_text(view["blocks"])
    assert button_values(view["blocks"], HOME_OVERVIEW_ACTION)


async def test_home_is_refused_when_only_some_channels_may_ask(make_bot: MakeBot) -> None:
    bot = make_bot(clusters_allowed_channels="C0OPS")
    view = await bot.open_home()
    assert "does not answer in App Home" in all_text(view["blocks"])
    assert "rl-sweeps-h200" not in all_text(view["blocks"])
