"""Errors as answers: what failed and what to do, for the person who typed the command.

Never a stack trace, never a key. Together's own message (already redacted by the client) is
escaped like any other untrusted text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from bot.extension import DETAILS_ACTION, CommandHandler
from bot.message import SlackMessage
from bot.render.actions import (
    BACK_ACTION,
    DETAIL_REFRESH_ACTION,
    REFRESH_ACTION,
    ButtonState,
    actions_block,
    button,
    numbered,
)
from bot.render.help import usage_text
from bot.render.mrkdwn import esc, esc_block, section
from bot.render.style import ERROR_EMOJI, REFUSED_EMOJI
from shared.errors import Remedy, TogetherError

MESSAGE_CHARS = 1500
SUMMARY_CHARS = 1200


def render_together_error(
    exc: TogetherError,
    *,
    project: str | None = None,
    retry: Sequence[dict[str, Any] | None] = (),
) -> SlackMessage:
    """The answer when a request to Together (or a cluster lookup) failed.

    The error's facts, worded for the person who typed the command: what happened, what Together
    said, what to do and (when it is not theirs to do) who must; buttons for offered names.

    Args:
        exc: what failed.
        project: the project asked for, carried by the offered names' buttons.
        retry: buttons that redo the request in place (Refresh, Back), so an error replacing a
            message still lets the user try again.
    """
    blocks: list[dict[str, Any]] = [section(f"{ERROR_EMOJI} {_explain(exc, bold=True)}")]
    references = [name for name in exc.names if "(" not in name][:5]  # not "name (id)" labels
    nav = actions_block(
        *(
            button(
                f"Show {name}",
                numbered(DETAILS_ACTION, n),
                ButtonState(cluster_id=name, project=project),
            )
            for n, name in enumerate(references)
        ),
        *retry,
    )
    if nav is not None:
        blocks.append(nav)
    return SlackMessage(text=_explain(exc, bold=False), blocks=blocks)


def overview_retry(state: ButtonState) -> tuple[dict[str, Any] | None, ...]:
    """The Refresh that redoes an overview which failed."""
    return (button("Refresh", REFRESH_ACTION, replace(state, cluster_id=None)),)


def detail_retry(state: ButtonState) -> tuple[dict[str, Any] | None, ...]:
    """The Refresh that redoes a detail which failed, and Back to the list it came from."""
    back = ButtonState(query=state.query, page=state.page)
    return (
        button("Refresh", DETAIL_REFRESH_ACTION, state),
        button("Back to list", BACK_ACTION, back) if state.query is not None else None,
    )


def error_words(exc: TogetherError) -> str:
    """The error's facts in one plain paragraph (no mrkdwn marks), for a modal's error field."""
    return _explain(exc, bold=False)


def render_command_error(
    message: str, extra_commands: Mapping[str, CommandHandler] | None = None
) -> SlackMessage:
    """A command we could not read: what was wrong (our words, naming theirs), then the usage."""
    return SlackMessage(
        text=f"{esc_block(message, 1000)} Type /clusters help for the usage.",
        blocks=[
            section(f"{ERROR_EMOJI} {esc_block(message, MESSAGE_CHARS)}"),
            section("*Usage*\n" + usage_text(extra_commands)),
        ],
    )


def render_refusal(message: str) -> SlackMessage:
    shown = esc_block(message, 1000)
    return SlackMessage(text=shown, blocks=[section(f"{REFUSED_EMOJI} {shown}")])


def render_internal_error() -> SlackMessage:
    message = (
        "Something went wrong inside the bot while answering. It has been logged; "
        "please try again, and tell the bot's admins if it keeps happening."
    )
    return SlackMessage(text=message, blocks=[section(f"{ERROR_EMOJI} {message}")])


# Who must act, when it is not the person asking: presentation only, the meaning is the error's.
_WHO_ACTS = {
    Remedy.SETTINGS: "This is for whoever runs the bot.",
    Remedy.ACCOUNT: "This is for whoever owns the Together account.",
}


def _explain(exc: TogetherError, *, bold: bool) -> str:
    """The facts as one paragraph: mrkdwn marks when `bold`, else plain for the fallback text."""
    strong, aside = ("*", "_") if bold else ("", "")
    text = f"{strong}{esc(exc.summary, SUMMARY_CHARS)}{strong}"
    if exc.said:
        text += f" Together said: {esc(exc.said.rstrip('. '), 300)}."
    text += f" {esc(exc.action, 400)}"
    if exc.remedy in _WHO_ACTS:
        text += f" {aside}{_WHO_ACTS[exc.remedy]}{aside}"
    if exc.request_id:
        text += f" (request id {esc(exc.request_id, 100)})"
    return text
