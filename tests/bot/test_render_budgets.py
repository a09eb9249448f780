"""Every message the bot renders fits Slack's limits and parses with slack_sdk's block models."""

from __future__ import annotations

import json
from typing import Any

import pytest
from slack_sdk.models.blocks import Block

from bot.extension import CommandRequest
from bot.message import SlackMessage
from bot.render.budgets import MESSAGE_LIMITS, VIEW_LIMITS, block_text_length, budget_problems
from bot.render.detail import render_detail
from bot.render.errors import render_command_error, render_together_error
from bot.render.help import render_help
from bot.render.home import render_home, render_home_detail
from bot.render.overview import PAGE_SIZE, render_overview
from shared.errors import (
    AmbiguousClusterError,
    AuthenticationError,
    ClusterNotFoundError,
    RateLimitError,
    ServerError,
)
from shared.models import InvalidCluster
from tests.bot.fleets import HOSTILE, detail_view, fleet, fleet_view, hostile_cluster
from tests.bot.slack_app import mrkdwn_text


def assert_fits(reply: SlackMessage) -> None:
    assert budget_problems(reply.blocks, text=reply.text) == []
    for block in reply.blocks:
        parsed = Block.parse(block)
        assert parsed is not None
        parsed.validate_json()


def assert_view_fits(view: dict[str, Any]) -> None:
    assert budget_problems(view["blocks"], limits=VIEW_LIMITS, require_text=False) == []
    for block in view["blocks"]:
        parsed = Block.parse(block)
        assert parsed is not None
        parsed.validate_json()


@pytest.mark.parametrize("size", [0, 1, 50, 1000])
def test_every_page_of_an_overview_fits_one_message(size: int) -> None:
    view = fleet_view(fleet(size), query="attention")
    pages = view.pages(PAGE_SIZE)
    for page in sorted({0, pages // 2, pages - 1}):
        reply = render_overview(fleet_view(fleet(size), page=page, query="attention"))
        assert_fits(reply)
    assert pages == max(1, -(-size // PAGE_SIZE))


def test_an_overview_of_clusters_with_hostile_long_strings_fits() -> None:
    clusters = [hostile_cluster(nodes=4) for _ in range(PAGE_SIZE + 3)]
    invalid = [
        InvalidCluster(index=n, cluster_name=HOSTILE * 50, errors=[HOSTILE * 50]) for n in range(9)
    ]
    reply = render_overview(fleet_view(clusters, invalid=invalid, query=HOSTILE * 20))
    assert_fits(reply)
    assert block_text_length(reply.blocks) < MESSAGE_LIMITS.total_text  # type: ignore[operator]


def test_the_detail_of_a_huge_hostile_cluster_fits() -> None:
    reply = render_detail(detail_view(hostile_cluster(nodes=500), query="x" * 400, page=3))
    assert_fits(reply)
    assert "…and" in json.dumps(reply.blocks, ensure_ascii=False)  # nodes left out, and said so


@pytest.mark.parametrize("size", [0, 1, 50, 1000])
def test_app_home_fits_a_view_for_any_fleet(size: int) -> None:
    assert_view_fits(render_home(fleet_view(fleet(size))))


def test_app_home_detail_of_a_huge_hostile_cluster_fits() -> None:
    assert_view_fits(render_home_detail(detail_view(hostile_cluster(nodes=500))))


@pytest.mark.parametrize(
    "error",
    [
        AuthenticationError(401, HOSTILE * 30),
        RateLimitError(429, None, retry_after_s=12.4),
        ServerError(502, HOSTILE * 30, body=HOSTILE * 30),
        ClusterNotFoundError(HOSTILE * 30, [HOSTILE * 10, "alpha", "beta"]),
        AmbiguousClusterError(HOSTILE, [f"{HOSTILE}-{n}" * 5 for n in range(40)]),
    ],
)
def test_error_answers_fit(error: Exception) -> None:
    assert isinstance(error, Exception)
    reply = render_together_error(error, project=HOSTILE)  # type: ignore[arg-type]
    assert_fits(reply)
    assert "<!here>" not in reply.text + mrkdwn_text(reply.blocks)


def test_the_usage_fits_even_with_many_long_extension_commands() -> None:
    async def handler(request: CommandRequest) -> SlackMessage:
        return SlackMessage(text="x")

    handler.__doc__ = HOSTILE * 20
    commands = {f"extra{n}": handler for n in range(12)}
    assert_fits(render_help(commands))
    assert_fits(render_command_error(HOSTILE * 200, commands))


class TestTheChecker:
    """The checker catches each limit, so a passing check means something."""

    def test_too_many_blocks(self) -> None:
        blocks = [{"type": "divider"}] * 51
        assert budget_problems(blocks, text="x") == ["51 blocks (limit 50)"]

    def test_missing_or_huge_fallback_text(self) -> None:
        assert budget_problems([], text=None) == ["no top-level text fallback"]
        assert budget_problems([], text="x" * 4001) == ["top-level text of 4001 chars (limit 4000)"]

    def test_section_text_fields_and_header(self) -> None:
        blocks: list[dict[str, Any]] = [
            {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}},
            {"type": "section", "fields": [{"type": "mrkdwn", "text": "x"}] * 11},
            {"type": "section", "fields": [{"type": "mrkdwn", "text": "x" * 2001}]},
            {"type": "header", "text": {"type": "plain_text", "text": "x" * 151}},
            {"type": "header", "text": {"type": "mrkdwn", "text": "x"}},
        ]
        problems = budget_problems(blocks, text="x")
        assert problems == [
            "block 0 (section): text of 3001 chars (limit 3000)",
            "block 1 (section): 11 fields (limit 10)",
            "block 2 (section): field 0 of 2001 chars (limit 2000)",
            "block 3 (header): text of 151 chars (limit 150)",
            "block 4 (header): text must be plain_text",
        ]

    def test_buttons_and_duplicate_ids(self) -> None:
        button = {
            "type": "button",
            "text": {"type": "plain_text", "text": "x" * 76},
            "action_id": "a",
            "value": "v" * 2001,
        }
        blocks = [
            {"type": "actions", "block_id": "same", "elements": [button, {**button}]},
            {"type": "context", "block_id": "same", "elements": [{"type": "mrkdwn", "text": "x"}]},
        ]
        problems = budget_problems(blocks, text="x")
        assert "block 0 (actions): duplicate action_id within one actions block" in problems
        assert "block 0 (actions): button text of 76 chars (limit 75)" in problems
        assert "block 0 (actions): button value of 2001 chars (limit 2000)" in problems
        assert "block 1 (context): duplicate block_id 'same'" in problems

    def test_total_text(self) -> None:
        blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 2500}}] * 5
        assert budget_problems(blocks, text="x") == ["12500 chars of block text (limit 12000)"]
