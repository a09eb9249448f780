"""The snooze buttons on an incident's parent message: 1 h, 4 h, 24 h.

A click silences the incident's updates and reminders (its recovery is still posted), shows who
snoozed it and until when on the parent (updated through the outbox, like every alert message),
and answers the person privately.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass
from datetime import datetime, timedelta

from slack_bolt.async_app import AsyncApp

from bot.access import AccessDenied, AccessPolicy
from bot.alerts.admins import AlertAdmins
from bot.alerts.model import MessageKind, Outgoing, ParentKey
from bot.alerts.render import (
    SNOOZE_ACTION_PREFIX,
    SNOOZE_HOURS,
    incident_parent,
    snooze_confirmation,
)
from bot.alerts.store import Store, StoreUnavailable
from bot.listeners import Click, click_listener
from shared.timefmt import utcnow

logger = logging.getLogger(__name__)
STORE_UNAVAILABLE = (
    "Sorry, the alert state store is unavailable right now, so this could not be recorded; "
    "please try again in a minute."
)

SNOOZE_ACTIONS = re.compile(rf"^{SNOOZE_ACTION_PREFIX}_\d+h$")


@dataclass(eq=False)
class Snoozer:
    """Records snoozes and refreshes the parents that show them.

    Attributes:
        store: the alert state.
        lock: the watcher's lock, so a snooze and a poll never interleave.
        on_queued: called once messages were queued (wakes the outbox).
        now: the time now, aware UTC.
        approvals: parents show Approve.../Reject... on repairs waiting for approval.
    """

    store: Store
    _: KW_ONLY
    lock: asyncio.Lock
    on_queued: Callable[[], None] = lambda: None
    now: Callable[[], datetime] = utcnow
    approvals: bool = False

    async def snooze(self, incident_id: str, hours: int, user_id: str) -> str:
        """Snooze an incident for `hours`; returns what to tell the person who asked."""
        store = self.store
        async with self.lock:
            incident = await store.incident(incident_id)
            if incident is None:
                return "That incident is not known to this bot (its state file may be new)."
            if not incident.is_open:
                return "That incident has already resolved; there is nothing to snooze."
            incident_id = incident.incident_id  # the button carries its short key
            now = self.now()
            until = now + timedelta(hours=hours)
            snoozed = incident.with_snooze(until, user_id)
            parent = incident_parent(snoozed, now, approvals=self.approvals)
            key = ParentKey.incident(incident_id)
            updates = [
                Outgoing(t.channel, MessageKind.UPDATE, key, parent)
                for t in await store.threads_of([incident_id])
                if t.parent_key == key
            ]
            await store.set_snooze(incident_id, until, user_id, updates)
        if updates:
            self.on_queued()
        return snooze_confirmation(snoozed, hours, until)


def register_snooze(
    app: AsyncApp,
    snoozer: Snoozer,
    access: AccessPolicy | None = None,
    admins: AlertAdmins | None = None,
) -> None:
    """Listen to the snooze buttons on `app`: pressed by someone `access` allows, and an alert
    admin when `admins` are configured."""

    async def on_snooze(click: Click) -> None:
        who, action = click.who, click.action
        try:
            if access is not None:
                access.check(who)
            if admins is not None:
                await admins.check(who.user_id, "snooze alerts")
            hours = SNOOZE_HOURS.get(str(action.get("action_id")))
            if hours is None:
                text = "That snooze button is not one this bot knows."
            else:
                text = await snoozer.snooze(str(action.get("value", "")), hours, who.user_id)
        except AccessDenied as exc:
            text = exc.message
        except StoreUnavailable as exc:
            logger.warning("Snoozing failed: %s", exc)
            text = STORE_UNAVAILABLE
        except Exception:
            logger.exception("Snoozing failed")
            text = "Sorry, the snooze could not be recorded; please try again."
        await click.respond(text=text, response_type="ephemeral", replace_original=False)

    app.action(SNOOZE_ACTIONS)(click_listener(on_snooze))
