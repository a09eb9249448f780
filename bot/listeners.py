"""Bolt listeners: ack at once, read who asked, let `Answers` work, send what it returns.

Bolt sends the HTTP (or socket) response as soon as `ack()` is awaited, so a slow Together never
costs the user Slack's 3-second timeout: the answer follows through `response_url`. Buttons
replace the message they sit on (`replace_original`); App Home is republished with
`views.publish`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.access import APP_HOME, Requester, action_requester
from bot.answers import Answers
from bot.extension import DETAILS_ACTION, DETAILS_NEW_ACTION
from bot.message import SlackMessage
from bot.metrics import acked, command_word, handling, note_error  # metrics hook
from bot.render.actions import (
    BACK_ACTION,
    DETAIL_REFRESH_ACTION,
    HOME_DETAILS_ACTION,
    HOME_OVERVIEW_ACTION,
    NEXT_PAGE_ACTION,
    PREVIOUS_PAGE_ACTION,
    REFRESH_ACTION,
    ButtonState,
    matching,
)
from bot.render.errors import render_internal_error

COMMAND = "/clusters"
logger = logging.getLogger(__name__)

ButtonAnswer = Callable[[Answers, ButtonState, Requester], Awaitable[SlackMessage]]


def register_listeners(app: AsyncApp, answers: Answers) -> None:
    """Attach the `/clusters` command, the buttons and App Home to `app`."""

    async def on_command(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
    ) -> None:
        await ack()
        acked("command", context)  # metrics hook
        who = Requester(
            user_id=str(body.get("user_id", "")),
            channel_id=str(body.get("channel_id", "")),
            team_ids=_ids(body.get("team_id"), body.get("user_team_id")),
            home_team_id=_home_team(context),
        )
        word = command_word(str(body.get("text", "")), answers.extra_commands)  # metrics hook
        with handling("command", word, channel=who.channel_id):  # metrics hook
            try:
                reply = await answers.command(str(body.get("text", "")), who)
            except Exception:
                logger.exception("Answering /clusters %r failed", body.get("text", ""))
                note_error()  # metrics hook
                reply = render_internal_error()
            await _send(respond, reply, response_type="in_channel" if reply.public else "ephemeral")

    app.command(COMMAND)(on_command)
    buttons: dict[str, tuple[ButtonAnswer, bool]] = {
        DETAILS_ACTION: (_details, True),
        DETAIL_REFRESH_ACTION: (_details_fresh, True),
        DETAILS_NEW_ACTION: (_details, False),
        REFRESH_ACTION: (_overview_fresh, True),
        NEXT_PAGE_ACTION: (_overview, True),
        PREVIOUS_PAGE_ACTION: (_overview, True),
        BACK_ACTION: (_overview, True),
    }
    for action_id, (answer, replace) in buttons.items():
        listener = _button_listener(answers, answer, replace=replace, name=action_id)
        app.action(matching(action_id))(listener)

    async def on_home_opened(
        ack: AsyncAck,
        event: dict[str, Any],
        body: dict[str, Any],
        context: AsyncBoltContext,
        client: AsyncWebClient,
    ) -> None:
        await ack()
        acked("event", context)  # metrics hook
        if event.get("tab", "home") != "home":
            return
        who = Requester(
            user_id=str(event.get("user", "")),
            channel_id=APP_HOME,
            team_ids=_ids(body.get("team_id")),
            home_team_id=_home_team(context),
        )
        await _publish_home(answers, client, who, None, fresh=False)

    async def on_home_button(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        context: AsyncBoltContext,
        client: AsyncWebClient,
    ) -> None:
        await ack()
        state = ButtonState.decode(action.get("value"))
        await _publish_home(answers, client, _clicker(body, context), state.cluster_id, fresh=True)

    app.event("app_home_opened")(on_home_opened)
    app.action(HOME_OVERVIEW_ACTION)(on_home_button)
    app.action(HOME_DETAILS_ACTION)(on_home_button)


def _button_listener(
    answers: Answers, answer: ButtonAnswer, *, replace: bool, name: str
) -> Callable[..., Awaitable[None]]:
    async def on_button(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        acked("button", context)  # metrics hook
        state = ButtonState.decode(action.get("value"))
        who = _clicker(body, context)
        with handling("button", name, channel=who.channel_id):  # metrics hook
            try:
                reply = await answer(answers, state, who)
            except Exception:
                logger.exception("Answering button %s failed", action.get("action_id"))
                note_error()  # metrics hook
                reply = render_internal_error()
            if replace:
                await _send(respond, reply, replace_original=True)
            else:
                await _send(respond, reply, response_type="ephemeral", replace_original=False)

    return on_button


async def _details(answers: Answers, state: ButtonState, who: Requester) -> SlackMessage:
    return await answers.detail(state, who)


async def _details_fresh(answers: Answers, state: ButtonState, who: Requester) -> SlackMessage:
    return await answers.detail(state, who, fresh=True)


async def _overview(answers: Answers, state: ButtonState, who: Requester) -> SlackMessage:
    return await answers.overview(state, who)


async def _overview_fresh(answers: Answers, state: ButtonState, who: Requester) -> SlackMessage:
    return await answers.overview(state, who, fresh=True)


async def _publish_home(
    answers: Answers, client: AsyncWebClient, who: Requester, cluster_id: str | None, *, fresh: bool
) -> None:
    try:
        view = await answers.home(who, cluster_id, fresh=fresh)
        await client.views_publish(user_id=who.user_id, view=view)
    except Exception:
        logger.exception("Publishing App Home for %s failed", who.user_id)


async def _send(respond: AsyncRespond, reply: SlackMessage, **options: Any) -> None:
    try:
        answer = await respond(text=reply.text, blocks=reply.blocks, **options)
    except Exception:
        logger.exception("Sending the answer to Slack failed")
        return
    if answer.status_code != 200:
        logger.warning(
            "Slack refused the answer (%s %s)", answer.status_code, str(answer.body)[:200]
        )


def _clicker(body: dict[str, Any], context: AsyncBoltContext) -> Requester:
    return action_requester(body, _home_team(context))


def _ids(*values: object) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if isinstance(v, str) and v))


def _home_team(context: AsyncBoltContext) -> str | None:
    result = context.authorize_result
    return result.team_id if result is not None else None
