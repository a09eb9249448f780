"""Errors as answers: what failed and what to do, for the person who typed the command.

Never a stack trace, never a key. Together's own message (already redacted by the client) is
escaped like any other untrusted text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.extension import DETAILS_ACTION, CommandHandler, Reply
from bot.render.actions import ButtonState, actions_block, button, numbered
from bot.render.help import usage_text
from bot.render.mrkdwn import code, esc, esc_block, section
from bot.render.style import ERROR_EMOJI, REFUSED_EMOJI
from shared.errors import (
    AmbiguousClusterError,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    ClusterNotFoundError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitError,
    ResponseValidationError,
    ServerError,
    TogetherError,
)

MESSAGE_CHARS = 1500


def render_together_error(exc: TogetherError, *, project: str | None = None) -> Reply:
    """The answer when a request to Together (or a cluster lookup) failed."""
    text = _explain(exc)
    blocks: list[dict[str, Any]] = [section(f"{ERROR_EMOJI} {text}")]
    if isinstance(exc, ClusterNotFoundError | AmbiguousClusterError):
        names = exc.suggestions if isinstance(exc, ClusterNotFoundError) else exc.candidates
        references = [name for name in names if "(" not in name][:5]  # not "name (id)" labels
        nav = actions_block(
            *(
                button(
                    f"Show {name}",
                    numbered(DETAILS_ACTION, n),
                    ButtonState(cluster_id=name, project=project),
                )
                for n, name in enumerate(references)
            )
        )
        if nav is not None:
            blocks.append(nav)
    return Reply(text=_strip_marks(text), blocks=blocks)


def render_command_error(
    message: str, extra_commands: Mapping[str, CommandHandler] | None = None
) -> Reply:
    """A command we could not read: what was wrong (our words, naming theirs), then the usage."""
    return Reply(
        text=f"{esc_block(message, 1000)} Type /clusters help for the usage.",
        blocks=[
            section(f"{ERROR_EMOJI} {esc_block(message, MESSAGE_CHARS)}"),
            section("*Usage*\n" + usage_text(extra_commands)),
        ],
    )


def render_refusal(message: str) -> Reply:
    shown = esc_block(message, 1000)
    return Reply(text=shown, blocks=[section(f"{REFUSED_EMOJI} {shown}")])


def render_internal_error() -> Reply:
    message = (
        "Something went wrong inside the bot while answering. It has been logged; "
        "please try again, and tell the bot's admins if it keeps happening."
    )
    return Reply(text=message, blocks=[section(f"{ERROR_EMOJI} {message}")])


def _explain(exc: TogetherError) -> str:
    said = _said(exc)
    if isinstance(exc, AuthenticationError):
        return (
            "*Together rejected the bot's API key (401).* Whoever runs the bot should check "
            f"TOGETHER_API_KEY.{said}"
        )
    if isinstance(exc, PaymentRequiredError):
        return f"*Together refused: the account is out of credits (402).*{said}"
    if isinstance(exc, PermissionDeniedError):
        return (
            "*Together denied access (403).* The bot's key may not see this project; check "
            f"TOGETHER_PROJECT_ID or the `project:` you asked for.{said}"
        )
    if isinstance(exc, RateLimitError):
        when = (
            f"in {max(1, round(exc.retry_after_s))} s"
            if exc.retry_after_s is not None
            else "in a minute"
        )
        return f"*Together is rate limiting the bot (429).* Try again {when}."
    if isinstance(exc, APITimeoutError):
        return "*Together is not answering (timed out).* Try again in a few minutes."
    if isinstance(exc, ServerError):
        return (
            f"*Together is not answering properly ({exc.status_code}).* Try again in a few minutes."
        )
    if isinstance(exc, APIConnectionError):
        return f"*Together could not be reached.* {esc_block(exc.message, 400)}"
    if isinstance(exc, ResponseValidationError):
        return (
            "*Together's answer could not be read.* This is on Together's side or ours; "
            f"tell the bot's admins. ({esc_block(exc.message, 300)})"
        )
    if isinstance(exc, ClusterNotFoundError):
        text = f"No cluster matches {code(exc.ref, 100)}."
        if exc.suggestions:
            text += " Closest: " + ", ".join(code(s, 80) for s in exc.suggestions) + "."
        return text
    if isinstance(exc, AmbiguousClusterError):
        shown = ", ".join(code(c, 80) for c in exc.candidates[:10])
        more = f" and {len(exc.candidates) - 10} more" if len(exc.candidates) > 10 else ""
        return (
            f"{code(exc.ref, 100)} matches several clusters: {shown}{more}. "
            "Use the full name or id."
        )
    if isinstance(exc, APIStatusError):
        return f"*Together answered {exc.status_code}.*{said} {exc.hint}"
    return esc_block(exc.message, MESSAGE_CHARS)


def _said(exc: TogetherError) -> str:
    message = getattr(exc, "api_message", None)
    return f" Together said: {esc(message, 300)}" if message else ""


def _strip_marks(text: str) -> str:
    return text.replace("*", "")
