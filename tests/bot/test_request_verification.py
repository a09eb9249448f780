"""Requests Slack did not sign (or signed long ago) are rejected with 401 and never answered."""

from __future__ import annotations

import time

import pytest

from tests.bot.slack_app import BotUnderTest, command_body, signed_headers

pytestmark = pytest.mark.anyio


async def test_a_correctly_signed_command_is_acknowledged(bot: BotUnderTest) -> None:
    body = command_body("help", response_url=bot.slack.new_response_url())
    assert (await bot.dispatch(body, signed_headers(body))).status == 200


async def test_an_unsigned_request_is_rejected(bot: BotUnderTest) -> None:
    url = bot.slack.new_response_url()
    body = command_body("", response_url=url)
    response = await bot.dispatch(body, {"content-type": "application/x-www-form-urlencoded"})
    assert response.status == 401
    assert not await bot.slack.wait_for_async(lambda: bool(bot.slack.responses_to(url)), 0.3)


async def test_a_tampered_body_is_rejected(bot: BotUnderTest) -> None:
    url = bot.slack.new_response_url()
    body = command_body("help", response_url=url)
    headers = signed_headers(body)
    response = await bot.dispatch(body.replace("help", "show"), headers)
    assert response.status == 401


async def test_a_signature_with_another_secret_is_rejected(bot: BotUnderTest) -> None:
    body = command_body("", response_url=bot.slack.new_response_url())
    response = await bot.dispatch(body, signed_headers(body, secret="someone-elses-secret"))
    assert response.status == 401


async def test_a_request_older_than_five_minutes_is_rejected(bot: BotUnderTest) -> None:
    body = command_body("", response_url=bot.slack.new_response_url())
    stale = int(time.time()) - 6 * 60
    response = await bot.dispatch(body, signed_headers(body, now=stale))
    assert response.status == 401
