"""Bolt listeners: ack at once, read who asked, let `Answers` work, send what it returns.

Bolt sends the HTTP (or socket) response as soon as `ack()` is awaited, so a slow Together never
costs the user Slack's 3-second timeout: the answer follows through `response_url`. Buttons
replace the message they sit on (`replace_original`); App Home is republished with
`views.publish`. Every button, the alerts' too, is heard through `click_listener`: it acks and
reads who clicked, then hands a `Click` on.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_bolt.kwargs_injection.async_args import AsyncArgs
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
            home_team_id=home_team(context),
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
            home_team_id=home_team(context),
        )
        await _publish_home(answers, client, who, None, fresh=False)

    async def on_home_button(click: Click) -> None:
        state = ButtonState.decode(click.action.get("value"))
        await _publish_home(answers, click.client, click.who, state.cluster_id, fresh=True)

    app.event("app_home_opened")(on_home_opened)
    app.action(HOME_OVERVIEW_ACTION)(click_listener(on_home_button))
    app.action(HOME_DETAILS_ACTION)(click_listener(on_home_button))


@dataclass(frozen=True, slots=True)
class Click:
    """A button press, already acked: who pressed it, the button, and the ways to answer.

    Attributes:
        who: who clicked, and where (`APP_HOME` for App Home).
        action: the button pressed (`action_id`, `value`).
        body: the whole `block_actions` payload (its `trigger_id` opens a modal).
        respond: answers through the click's `response_url`.
        client: the Web API client, for views and App Home.
    """

    who: Requester
    action: dict[str, Any]
    body: dict[str, Any]
    respond: AsyncRespond
    client: AsyncWebClient


def click_listener(
    handle: Callable[[Click], Awaitable[None]], *, metrics: bool = False
) -> Callable[[AsyncArgs], Awaitable[None]]:
    """A Bolt listener for buttons that acks the press at once, then lets `handle` answer it.

    Args:
        handle: what to do about the click, after the ack.
        metrics: count the ack as a `/clusters` button's (metrics hook).
    """

    async def on_click(args: AsyncArgs) -> None:
        await args.ack()
        if metrics:
            acked("button", args.context)  # metrics hook
        who = action_requester(args.body, home_team(args.context))
        await handle(Click(who, args.action or {}, args.body, args.respond, args.client))

    return on_click


def _button_listener(
    answers: Answers, answer: ButtonAnswer, *, replace: bool, name: str
) -> Callable[[AsyncArgs], Awaitable[None]]:
    async def on_button(click: Click) -> None:
        state = ButtonState.decode(click.action.get("value"))
        who = click.who
        with handling("button", name, channel=who.channel_id):  # metrics hook
            try:
                reply = await answer(answers, state, who)
            except Exception:
                logger.exception("Answering button %s failed", click.action.get("action_id"))
                note_error()  # metrics hook
                reply = render_internal_error()
            if replace:
                await _send(click.respond, reply, replace_original=True)
            else:
                await _send(click.respond, reply, response_type="ephemeral", replace_original=False)

    return click_listener(on_button, metrics=True)


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


def _ids(*values: object) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if isinstance(v, str) and v))


def home_team(context: AsyncBoltContext) -> str | None:
    """The team of the workspace the bot is installed in, when Bolt authorized the request."""
    result = context.authorize_result
    return result.team_id if result is not None else None
