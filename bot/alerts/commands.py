"""`/clusters subscribe | unsubscribe | subscriptions | incidents`: alert subcommands.

Each is a `CommandHandler` (`bot.extension`): the router has parsed the text and checked who may
ask; these read or change the alert store and answer. The first line of each docstring is its
line in `/clusters help`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from bot.alerts.model import Posted, Subscription
from bot.alerts.render import RESOLVED, SNOOZED, SUBSCRIBED, user_mention
from bot.alerts.store import Store
from bot.extension import CommandHandler, CommandRequest
from bot.message import SlackMessage
from bot.render.mrkdwn import code, context, esc, header, section
from bot.render.style import severity_emoji, status_words
from shared.fleet import assess
from shared.timefmt import humanize, stamp, utcnow

_CHANNEL = re.compile(r"^[CGD][A-Z0-9]{2,30}$")
_PROJECT_WORD = re.compile(r"^project:(\S{1,200})$")
_MAX_LISTED = 40
_PER_SECTION = 10


class AlertCommands:
    """The alert subcommands over one store.

    Args:
        store: subscriptions and incidents.
        alert_channel: `CLUSTERS_ALERT_CHANNEL`, shown by `subscriptions`.
        on_subscribe: called after a new subscription (wakes the watcher).
        now: the time now, aware UTC.
    """

    def __init__(
        self,
        store: Store,
        *,
        alert_channel: str | None,
        on_subscribe: Callable[[], None] = lambda: None,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self.store = store
        self.alert_channel = alert_channel
        self.on_subscribe = on_subscribe
        self._now = now

    def handlers(self) -> dict[str, CommandHandler]:
        return {
            "subscribe": self.subscribe,
            "unsubscribe": self.unsubscribe,
            "subscriptions": self.subscriptions,
            "incidents": self.incidents,
        }

    async def subscribe(self, request: CommandRequest) -> SlackMessage:
        """`[project:ID]` · post cluster alerts in this channel (all projects, or one)"""
        try:
            project = _project_arg(request, "subscribe")
        except ValueError as exc:
            return SlackMessage(str(exc))
        if not _CHANNEL.match(request.channel_id):
            return SlackMessage("Alerts can only be subscribed from a channel or a direct message.")
        added = await self.store.subscribe(
            request.channel_id, project, request.user_id, self._now()
        )
        scope = f"project {code(project)}" if project else "all projects"
        if not added:
            return SlackMessage(f"This channel already gets alerts for {scope}.")
        self.on_subscribe()
        text = (
            f"{SUBSCRIBED} {user_mention(request.user_id)} subscribed this channel to cluster "
            f"alerts for {scope}. `/clusters unsubscribe` stops them; the bot must be in the "
            "channel."
        )
        return SlackMessage(text, [section(text)], public=True)

    async def unsubscribe(self, request: CommandRequest) -> SlackMessage:
        """`[project:ID]` · stop posting cluster alerts in this channel"""
        try:
            project = _project_arg(request, "unsubscribe", scoped=False)
        except ValueError as exc:
            return SlackMessage(str(exc))
        removed = await self.store.unsubscribe(request.channel_id, project)
        if not removed:
            return SlackMessage("This channel has no alert subscription to remove.")
        scope = f" for project {code(project)}" if project else ""
        text = (
            f"{SNOOZED} {user_mention(request.user_id)} unsubscribed this channel from cluster "
            f"alerts{scope}. Threads of incidents already posted here still get their updates."
        )
        return SlackMessage(text, [section(text)], public=True)

    async def subscriptions(self, request: CommandRequest) -> SlackMessage:
        """· which channels get cluster alerts"""
        subscriptions = await self.store.subscriptions()
        lines = []
        if self.alert_channel:
            lines.append(f"• {_channel(self.alert_channel)}: everything (CLUSTERS_ALERT_CHANNEL)")
        lines += [_subscription_line(s) for s in subscriptions[:_MAX_LISTED]]
        if len(subscriptions) > _MAX_LISTED:
            lines.append(f"• … and {len(subscriptions) - _MAX_LISTED} more")
        if not lines:
            text = "No channel gets cluster alerts yet. Run `/clusters subscribe` in one."
            return SlackMessage(text, [section(text)])
        blocks: list[dict[str, Any]] = [header("Cluster alert subscriptions")]
        blocks += _sections(lines)
        return SlackMessage(
            f"{len(lines)} channel(s) get cluster alerts.", blocks, public=request.public
        )

    async def incidents(self, request: CommandRequest) -> SlackMessage:
        """· open cluster incidents, with links to their alert messages"""
        incidents = await self.store.open_incidents()
        if request.project_scope is not None:
            incidents = [i for i in incidents if i.cluster.project_id == request.project_scope]
        if not incidents:
            text = f"{RESOLVED} No open cluster incidents."
            return SlackMessage(text, [section(text)], public=request.public)
        now = self._now()
        lines = []
        shown = incidents[:_MAX_LISTED]
        posted = await self.store.posted([i.incident_id for i in shown])
        for incident in shown:
            a = assess(incident.cluster, now)
            line = (
                f"{severity_emoji(a.severity)} *{esc(incident.cluster.cluster_name, 150)}* "
                f"{code(incident.cluster_id)} · {esc(status_words(incident.cluster.status), 60)} "
                f"· open {humanize(incident.duration(now))}"
            )
            link = _link(posted.get(incident.incident_id, []), request.channel_id)
            line += f" · <{link}|alert>" if link else " · not posted yet"
            if incident.is_snoozed(now) and incident.snoozed_until is not None:
                line += f" · {SNOOZED} until {stamp(incident.snoozed_until)}"
            lines.append(line)
        if len(incidents) > _MAX_LISTED:
            lines.append(f"… and {len(incidents) - _MAX_LISTED} more")
        blocks = [header(f"{len(incidents)} open cluster incident(s)"), *_sections(lines)]
        names = ", ".join(i.cluster.cluster_name for i in incidents[:10])
        return SlackMessage(esc(f"{len(incidents)} open: {names}"), blocks, public=request.public)


def _project_arg(request: CommandRequest, word: str, *, scoped: bool = True) -> str | None:
    """The `project:<id>` argument, checked against the channel's project scope.

    Raises:
        ValueError: with the message to answer (bad words, or another project than allowed).
    """
    args = list(request.args)
    project = None
    if args:
        found = _PROJECT_WORD.match(args[0])
        if len(args) > 1 or found is None:
            raise ValueError(
                f"Usage: `/clusters {word} [project:&lt;id&gt;]` (did not understand "
                f"{code(' '.join(args), 100)})."
            )
        project = found.group(1)
    scope = request.project_scope
    if scope is not None and project is not None and project != scope:
        raise ValueError(f"This channel sees only project {code(scope)}.")
    return project if project is not None or not scoped else scope


def _subscription_line(s: Subscription) -> str:
    scope = f"project {code(s.project)}" if s.project else "all projects"
    since = s.created_at[:10]
    return f"• {_channel(s.channel)}: {scope} (by {user_mention(s.created_by)}, {since})"


def _channel(channel_id: str) -> str:
    return f"<#{channel_id}>" if _CHANNEL.match(channel_id) else code(channel_id, 60)


def _link(posted: Sequence[Posted], here: str) -> str | None:
    delivered = [p for p in posted if p.ts]
    for p in sorted(delivered, key=lambda p: p.channel != here):
        if _CHANNEL.match(p.channel) and p.ts:
            return f"https://slack.com/archives/{p.channel}/p{p.ts.replace('.', '')}"
    return None


def _sections(lines: Sequence[str]) -> list[dict[str, Any]]:
    blocks = [
        section("\n".join(lines[i : i + _PER_SECTION])) for i in range(0, len(lines), _PER_SECTION)
    ]
    return [*blocks, context("Alerts: `/clusters subscribe`, `/clusters incidents`.")]
