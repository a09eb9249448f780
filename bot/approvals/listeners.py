"""Bolt listeners for repair decisions: a click opens the modal, its submission decides.

A click by someone who may not decide is answered privately and calls nothing. An approver's
click opens the modal within the trigger's 3 s: the repair is read from Together first, and if
that takes longer than `OPEN_WITHIN_S` a loading view opens and is updated once it arrives. The
submission is acked with the outcome (`response_action: update`) or with errors on the comment
field; when Together takes longer than `DECIDE_WITHIN_S`, it is acked with a "sending" view that
is updated with the outcome (`views.update`), so Slack's 3 s are never missed.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.access import AccessDenied, Requester, action_requester
from bot.alerts.decisions import Decision
from bot.approvals.flow import Approvals, Outcome, RepairGone
from bot.listeners import Click, click_listener, home_team
from bot.render.actions import json_object
from bot.render.approval_buttons import APPROVE_ACTION, REJECT_ACTION, RepairKey
from bot.render.approval_modal import (
    COMMENT_BLOCK,
    DECISION_CALLBACK,
    MODE_BLOCK,
    POWER_CYCLE,
    decided_words,
    decision_view,
    loading_view,
    message_view,
)
from bot.render.errors import error_words
from bot.render.mrkdwn import esc
from shared.errors import TogetherError

logger = logging.getLogger(__name__)

OPEN_WITHIN_S = 1.2  # a click's trigger_id lives 3 s; what is not read by then loads in place
DECIDE_WITHIN_S = 2.2  # a submission must be acked within 3 s
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ModalState:
    """What the modal carries in `private_metadata`: the repair's key, the decision, the channel
    the click came from (a submission names no channel; scoping needs it)."""

    key: RepairKey
    decision: Decision
    channel_id: str

    def encode(self) -> str:
        data = {"k": self.key.encode(), "d": self.decision.value, "ch": self.channel_id}
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def decode(cls, text: object) -> ModalState | None:
        data = json_object(text)
        if data is None or data.get("d") not in ("approve", "reject"):
            return None
        key = RepairKey.decode(data.get("k"))
        channel = data.get("ch")
        if key is None or not isinstance(channel, str):
            return None
        return cls(key, Decision(data["d"]), channel)


def register_approvals(app: AsyncApp, approvals: Approvals) -> None:
    """Listen to the Approve.../Reject... buttons and the decision modal on `app`."""

    async def on_click(click: Click) -> None:
        who, action = click.who, click.action
        decision = (
            Decision.APPROVE if action.get("action_id") == APPROVE_ACTION else Decision.REJECT
        )
        try:
            await approvals.permit(who)
            key = RepairKey.decode(action.get("value"))
            if key is None:
                raise AccessDenied("That button is not one this bot knows.")
        except AccessDenied as exc:
            await click.respond(text=exc.message, response_type="ephemeral", replace_original=False)
            return
        state = ModalState(key, decision, who.channel_id).encode()
        trigger_id = str(click.body.get("trigger_id", ""))
        try:
            await _open(approvals, click.client, trigger_id, state, who)
        except Exception:
            logger.exception("Opening the repair decision modal failed")

    async def on_submit(
        ack: AsyncAck,
        body: dict[str, Any],
        view: dict[str, Any],
        context: AsyncBoltContext,
        client: AsyncWebClient,
    ) -> None:
        state = ModalState.decode(view.get("private_metadata"))
        if state is None:
            await ack(
                response_action="errors",
                errors={COMMENT_BLOCK: "This form is not one this bot knows."},
            )
            return
        comment, mode = _inputs(view)
        verb = state.decision.value
        if state.decision is Decision.REJECT and not comment:
            await ack(
                response_action="errors", errors={COMMENT_BLOCK: "Say why you reject this repair."}
            )
            return
        if mode == POWER_CYCLE:
            await ack(
                response_action="errors",
                errors={MODE_BLOCK: "HOST_POWER_CYCLE cannot be chosen when approving."},
            )
            return
        # a submission names no channel: scoping uses the one the click came from
        who = replace(action_requester(body, home_team(context)), channel_id=state.channel_id)
        work = asyncio.ensure_future(
            approvals.decide(state.key, state.decision, who, comment=comment, mode=mode)
        )
        outcome = await _within(work, DECIDE_WITHIN_S)
        if outcome is not None:
            if outcome.error is not None:
                await ack(response_action="errors", errors={COMMENT_BLOCK: outcome.error[:1900]})
            else:
                await ack(response_action="update", view=message_view(verb, outcome.text))
            return
        await ack(
            response_action="update",
            view=message_view(verb, ":hourglass_flowing_sand: Sending your decision to Together…"),
        )
        try:
            late = await work
        except Exception:
            logger.exception("Deciding a repair failed")
            late = Outcome(text="Something went wrong inside the bot; it has been logged.")
        text = late.text if late.error is None else f":x: {esc(late.error, 1900)}"
        try:
            await client.views_update(
                view_id=str(view.get("id", "")), view=message_view(verb, text)
            )
        except Exception:
            logger.exception("Showing the outcome of a repair decision failed")

    app.action(APPROVE_ACTION)(click_listener(on_click))
    app.action(REJECT_ACTION)(click_listener(on_click))
    app.view(DECISION_CALLBACK)(on_submit)


async def _open(
    approvals: Approvals, client: AsyncWebClient, trigger_id: str, state: str, who: Requester
) -> None:
    decoded = ModalState.decode(state)
    assert decoded is not None  # built just above
    verb = decoded.decision.value
    work = asyncio.ensure_future(_form(approvals, decoded, who, state))
    ready = await _within(work, OPEN_WITHIN_S)
    if ready is not None:
        await client.views_open(trigger_id=trigger_id, view=ready)
        return
    opened = await client.views_open(trigger_id=trigger_id, view=loading_view(verb, state))
    view_id = str((opened.get("view") or {}).get("id", ""))
    await client.views_update(view_id=view_id, view=await work)


async def _form(
    approvals: Approvals, state: ModalState, who: Requester, metadata: str
) -> dict[str, Any]:
    """The decision form, or a view saying why there is nothing to decide."""
    verb = state.decision.value
    try:
        repair = await approvals.find(state.key, who)
    except (AccessDenied, RepairGone) as exc:
        return message_view(verb, exc.message)
    except TogetherError as exc:
        return message_view(verb, f":x: {esc(error_words(exc), 2000)}")
    if not repair.pending:
        return message_view(verb, decided_words(repair.remediation))
    now = approvals.now()
    return decision_view(verb, repair.cluster, repair.node, repair.remediation, now, metadata)


async def _within(work: asyncio.Future[T], seconds: float) -> T | None:
    """`work`'s result if it is done within `seconds`, else None (it goes on running)."""
    done, _ = await asyncio.wait({work}, timeout=seconds)
    return work.result() if done else None


def _inputs(view: dict[str, Any]) -> tuple[str, str | None]:
    values = (view.get("state") or {}).get("values") or {}
    comment = ((values.get(COMMENT_BLOCK) or {}).get(COMMENT_BLOCK) or {}).get("value") or ""
    selected = ((values.get(MODE_BLOCK) or {}).get(MODE_BLOCK) or {}).get("selected_option")
    mode = selected.get("value") if isinstance(selected, dict) else None
    return str(comment).strip(), mode if isinstance(mode, str) and mode else None
