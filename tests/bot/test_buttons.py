"""Buttons: Details, Refresh, Next/Previous and Back update the message they sit on."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from bot.extension import DETAILS_ACTION, DETAILS_NEW_ACTION
from bot.render.actions import (
    BACK_ACTION,
    DETAIL_REFRESH_ACTION,
    NEXT_PAGE_ACTION,
    PREVIOUS_PAGE_ACTION,
    REFRESH_ACTION,
    ButtonState,
    details_button,
)
from bot.render.overview import PAGE_SIZE
from clusters_devkit import RecordedCall
from shared.simulator.faults import Fault
from tests.bot.slack_app import BotUnderTest, MakeBot, all_text, button_values, together_settings

pytestmark = pytest.mark.anyio


def _without_time(text: str) -> str:
    """The text with its "data from 12:00:01 UTC (2 s ago)" stamp blanked: a later fetch of the
    same data may land in another second."""
    return re.sub(r"data from \d\d:\d\d:\d\d UTC \([^)]*\)", "data from <time>", text)


def shown(answer: Any) -> str:
    """What a person reads in an answer, but for when its data was fetched."""
    return _without_time(all_text(answer.params["blocks"]))


async def click_on(bot: BotUnderTest, answer: RecordedCall, action_id: str) -> RecordedCall:
    """Click the one `action_id` button in `answer`; return the answer to that click."""
    [value] = button_values(answer.params["blocks"], action_id)
    return await bot.click(action_id, value)


async def test_details_replaces_the_overview_with_the_cluster(bot: BotUnderTest) -> None:
    overview = await bot.command("degraded")
    answer = await click_on(bot, overview, DETAILS_ACTION)
    assert answer.params["replace_original"] is True
    assert answer.params["blocks"][0]["text"]["text"] == "rl-sweeps-h200"
    assert "Worker nodes" in all_text(answer.params["blocks"])


@pytest.mark.parametrize(
    "query", ["region:us-west-2", ""], ids=["a filtered overview", "a plain clusters"]
)
async def test_back_from_details_returns_to_the_same_overview(
    bot: BotUnderTest, query: str
) -> None:
    overview = await bot.command(query)
    first = button_values(overview.params["blocks"], DETAILS_ACTION)[0]
    detail = await bot.click(DETAILS_ACTION, first)
    again = await click_on(bot, detail, BACK_ACTION)
    assert again.params["replace_original"] is True
    assert shown(again) == shown(overview)


async def test_a_refresh_that_meets_a_together_error_keeps_a_refresh_button(
    bot: BotUnderTest,
) -> None:
    overview = await bot.command("degraded")
    bot.simulator.add_faults([Fault(status=500)])
    failed = await click_on(bot, overview, REFRESH_ACTION)
    assert "500" in all_text(failed.params["blocks"])
    again = await click_on(bot, failed, REFRESH_ACTION)
    assert shown(again) == shown(overview)


async def test_a_detail_refresh_that_fails_keeps_refresh_and_back_to_list(
    bot: BotUnderTest,
) -> None:
    overview = await bot.command("degraded")
    detail = await click_on(bot, overview, DETAILS_ACTION)
    bot.simulator.add_faults([Fault(status=503)])
    failed = await click_on(bot, detail, DETAIL_REFRESH_ACTION)
    retried = await click_on(bot, failed, DETAIL_REFRESH_ACTION)
    assert retried.params["blocks"][0]["text"]["text"] == "rl-sweeps-h200"
    again = await click_on(bot, failed, BACK_ACTION)
    assert shown(again) == shown(overview)


async def test_refresh_fetches_again_even_within_the_cache_lifetime(make_bot: MakeBot) -> None:
    bot = make_bot(together=together_settings(cache_ttl_s=15))
    overview = await bot.command("attention")
    refreshed = await click_on(bot, overview, REFRESH_ACTION)
    assert bot.clusters.requests_sent == 2
    assert "1 of 8" not in all_text(refreshed.params["blocks"])
    assert "rl-sweeps-h200" in all_text(refreshed.params["blocks"])


async def test_detail_refresh_shows_a_change_made_upstream(bot: BotUnderTest) -> None:
    detail = await bot.command("show canary-rtx6000")
    [value] = button_values(detail.params["blocks"], DETAIL_REFRESH_ACTION)
    [canary] = [c for c in await bot.clusters.list_clusters() if c.cluster_name == "canary-rtx6000"]
    bot.simulator.patch_cluster(canary.cluster_id, {"status": "Degraded"})
    refreshed = await bot.click(DETAIL_REFRESH_ACTION, value)
    assert "*Degraded*" in all_text(refreshed.params["blocks"])


async def test_details_for_a_new_message_answers_beside_the_original(bot: BotUnderTest) -> None:
    clusters = await bot.clusters.list_clusters()
    target = next(c for c in clusters if c.cluster_name == "batch-embed-l40")
    button = details_button(target.cluster_id)
    assert button is not None and button["action_id"] == DETAILS_NEW_ACTION
    answer = await bot.click(DETAILS_NEW_ACTION, button["value"])
    assert answer.params["replace_original"] is False
    assert answer.params["response_type"] == "ephemeral"
    assert answer.params["blocks"][0]["text"]["text"] == "batch-embed-l40"


async def test_a_plain_cluster_id_value_is_accepted_from_other_features(
    bot: BotUnderTest,
) -> None:
    clusters = await bot.clusters.list_clusters()
    target = next(c for c in clusters if c.cluster_name == "rl-sweeps-h200")
    answer = await bot.click(DETAILS_NEW_ACTION, target.cluster_id)
    assert answer.params["blocks"][0]["text"]["text"] == "rl-sweeps-h200"


async def test_a_click_from_another_team_is_refused(bot: BotUnderTest) -> None:
    value = ButtonState(query="").encode()
    assert value is not None
    answer = await bot.click(REFRESH_ACTION, value, user_team="T0STRANGER")
    assert "only members of the workspace" in answer.params["text"]


async def test_a_click_in_a_project_channel_cannot_reach_another_project(
    make_bot: MakeBot,
) -> None:
    bot = make_bot(clusters_channel_projects="C0OPS=proj-inference")
    value = ButtonState(cluster_id="rl-sweeps-h200", project="proj-research").encode()
    assert value is not None
    answer = await bot.click(DETAILS_ACTION, value)
    assert "shows only project `proj-inference`" in answer.params["text"]


@pytest.mark.parametrize("simulator", ["large:30"], indirect=True)
async def test_a_large_fleet_pages_with_next_and_previous(bot: BotUnderTest) -> None:
    first = await bot.command("")
    blocks = first.params["blocks"]
    assert len(button_values(blocks, DETAILS_ACTION)) == PAGE_SIZE
    assert f"Showing 1-{PAGE_SIZE} of 30" in all_text(blocks)
    assert f"{30 - PAGE_SIZE} not shown" in all_text(blocks)
    assert button_values(blocks, PREVIOUS_PAGE_ACTION) == []

    [next_value] = button_values(blocks, NEXT_PAGE_ACTION)
    second = await bot.click(NEXT_PAGE_ACTION, next_value)
    second_blocks = second.params["blocks"]
    assert second.params["replace_original"] is True
    assert f"Showing {PAGE_SIZE + 1}-{2 * PAGE_SIZE} of 30" in all_text(second_blocks)
    first_ids = {json.loads(v)["id"] for v in button_values(blocks, DETAILS_ACTION)}
    second_ids = {json.loads(v)["id"] for v in button_values(second_blocks, DETAILS_ACTION)}
    assert not first_ids & second_ids

    [previous_value] = button_values(second_blocks, PREVIOUS_PAGE_ACTION)
    back = await bot.click(PREVIOUS_PAGE_ACTION, previous_value)
    assert _without_time(all_text(back.params["blocks"])) == _without_time(all_text(blocks))
