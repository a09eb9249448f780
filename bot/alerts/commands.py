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

from bot.access import AccessDenied
from bot.alerts.admins import AlertAdmins
from bot.alerts.model import Posted, Subscription
from bot.alerts.render import RESOLVED, SNOOZED, SUBSCRIBED, user_mention
from bot.alerts.store import Store
from bot.extension import CommandHandler, CommandRequest
from bot.message import SlackMessage
from bot.permalinks import PermalinkLookup, archive_lookup
from bot.render.mrkdwn import clip, code, context, esc, header, section
from bot.render.style import severity_emoji, status_words
from shared.fleet import assess
from shared.timefmt import humanize, stamp, utcnow

_CHANNEL = re.compile(r"^[CGD][A-Z0-9]{2,30}$")
_PROJECT_WORD = re.compile(r"^project:(\S{1,200})$")
_CHANNEL_WORD = re.compile(r"^channel:(\S{1,200})$")
_MAX_LISTED = 40
_PER_SECTION = 10
_SECTION_CHARS = 2900  # Slack allows 3,000 per section
_LIST_CHARS = 10_000  # and 12,000 of block text per message


class AlertCommands:
    """The alert subcommands over one store.

    Args:
        store: subscriptions and incidents.
        alert_channel: `CLUSTERS_ALERT_CHANNEL`, shown by `subscriptions`.
        on_subscribe: called after a new subscription (wakes the watcher).
        admins: `CLUSTERS_ALERT_ADMINS`; when set, only they subscribe and unsubscribe.
        permalink: links `incidents` to each alert message (`bot.permalinks.Permalinks`).
        now: the time now, aware UTC.
    """

    def __init__(
        self,
        store: Store,
        *,
        alert_channel: str | None,
        on_subscribe: Callable[[], None] = lambda: None,
        admins: AlertAdmins | None = None,
        permalink: PermalinkLookup = archive_lookup,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self.store = store
        self.alert_channel = alert_channel
        self.on_subscribe = on_subscribe
        self.admins = admins or AlertAdmins()
        self._permalink = permalink
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
        try:
            await self.admins.check(request.user_id, "subscribe channels to cluster alerts")
        except AccessDenied as exc:
            return SlackMessage(exc.message)
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
        """`[project:ID]` · stop posting cluster alerts in this channel (an admin: `channel:ID`)"""
        args = list(request.args)
        target = request.channel_id
        named = [a for a in args if _CHANNEL_WORD.match(a)]
        if len(named) == 1:
            args.remove(named[0])
            target = named[0].removeprefix("channel:")
        try:
            project = _project_arg(request, "unsubscribe", scoped=False, args=args)
            if len(named) > 1 or not _CHANNEL.match(target):
                raise ValueError(_usage("unsubscribe", request.args, "[channel:&lt;id&gt;] "))
        except ValueError as exc:
            return SlackMessage(str(exc))
        elsewhere = target != request.channel_id
        try:
            if elsewhere and not await self.admins.is_admin(request.user_id):
                raise AccessDenied(
                    "Sorry, a channel can be unsubscribed only from itself, or by an alert admin "
                    "(CLUSTERS_ALERT_ADMINS)."
                )
            await self.admins.check(request.user_id, "unsubscribe channels from cluster alerts")
        except AccessDenied as exc:
            return SlackMessage(exc.message)
        removed = await self.store.unsubscribe(target, project)
        if removed and target != self.alert_channel:
            await self.store.drop_queued(target)  # drops nothing while a subscription is left
        where = f"<#{target}>" if elsewhere else "this channel"
        if not removed:
            owner = where if elsewhere else "This channel"
            return SlackMessage(f"{owner} has no alert subscription to remove.")
        scope = f" for project {code(project)}" if project else ""
        text = (
            f"{SNOOZED} {user_mention(request.user_id)} unsubscribed {where} from cluster "
            f"alerts{scope}. Threads of incidents already posted there still get their updates."
        )
        # Said privately when it is about another channel: this one need not learn of it.
        return SlackMessage(text, [section(text)], public=not elsewhere)

    async def subscriptions(self, request: CommandRequest) -> SlackMessage:
        """· which channels get cluster alerts"""
        subscriptions = await self.store.subscriptions()
        scope, here = request.project_scope, request.channel_id
        lines = []
        if scope is not None:
            # A channel limited to one project learns nothing of other projects' channels.
            subscriptions = [s for s in subscriptions if s.project == scope or s.channel == here]
        if self.alert_channel and (scope is None or self.alert_channel == here):
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
            f"{len(lines)} {'channel gets' if len(lines) == 1 else 'channels get'} cluster alerts.",
            blocks,
            public=request.public,
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
                f"{severity_emoji(a.severity)} *{esc(incident.cluster.cluster_name, 100)}* "
                f"{code(incident.cluster_id, 60)} · "
                f"{esc(status_words(incident.cluster.status), 60)} "
                f"· open {humanize(incident.duration(now))}"
            )
            shown_at = _shown_at(posted.get(incident.incident_id, []), request.channel_id)
            link = await self._permalink(*shown_at) if shown_at else None
            line += f" · <{link}|alert>" if link else " · not posted yet"
            if incident.is_snoozed(now) and incident.snoozed_until is not None:
                line += f" · {SNOOZED} until {stamp(incident.snoozed_until)}"
            lines.append(line)
        if len(incidents) > _MAX_LISTED:
            lines.append(f"… and {len(incidents) - _MAX_LISTED} more")
        noun = "incident" if len(incidents) == 1 else "incidents"
        blocks = [header(f"{len(incidents)} open cluster {noun}"), *_sections(lines)]
        names = ", ".join(clip(i.cluster.cluster_name, 100) for i in incidents[:10])
        text = esc(f"{len(incidents)} open: {names}", 3000)
        return SlackMessage(text, blocks, public=request.public)


def _project_arg(
    request: CommandRequest, word: str, *, scoped: bool = True, args: list[str] | None = None
) -> str | None:
    """The `project:<id>` argument (in `args`, else the request's), checked against the
    channel's project scope.

    Raises:
        ValueError: with the message to answer (bad words, or another project than allowed).
    """
    args = list(request.args) if args is None else args
    project = None
    if args:
        found = _PROJECT_WORD.match(args[0])
        if len(args) > 1 or found is None:
            extra = "[channel:&lt;id&gt;] " if word == "unsubscribe" else ""
            raise ValueError(_usage(word, request.args, extra))
        project = found.group(1)
    scope = request.project_scope
    if scope is not None and project is not None and project != scope:
        raise ValueError(f"This channel sees only project {code(scope)}.")
    return project if project is not None or not scoped else scope


def _usage(word: str, args: Sequence[str], extra: str = "") -> str:
    return (
        f"Usage: `/clusters {word} {extra}[project:&lt;id&gt;]` (did not understand "
        f"{code(' '.join(args), 100)})."
    )


def _subscription_line(s: Subscription) -> str:
    scope = f"project {code(s.project)}" if s.project else "all projects"
    since = s.created_at[:10]
    return f"• {_channel(s.channel)}: {scope} (by {user_mention(s.created_by)}, {since})"


def _channel(channel_id: str) -> str:
    return f"<#{channel_id}>" if _CHANNEL.match(channel_id) else code(channel_id, 60)


def _shown_at(posted: Sequence[Posted], here: str) -> tuple[str, str] | None:
    """The channel and ts of the alert message to link to, this channel's first."""
    delivered = [p for p in posted if p.ts]
    for p in sorted(delivered, key=lambda p: p.channel != here):
        if _CHANNEL.match(p.channel) and p.ts:
            return p.channel, p.ts
    return None


def _sections(lines: Sequence[str]) -> list[dict[str, Any]]:
    """`lines` in sections of up to `_PER_SECTION`, inside Slack's limits on characters."""
    fitted: list[str] = []
    used = 0
    for n, line in enumerate(lines):
        if used + len(line) + 1 > _LIST_CHARS:
            fitted.append(f"… and {len(lines) - n} more")
            break
        fitted.append(line)
        used += len(line) + 1
    chunks: list[list[str]] = []
    size = 0
    for line in fitted:
        if not chunks or len(chunks[-1]) == _PER_SECTION or size + len(line) + 1 > _SECTION_CHARS:
            chunks.append([])
            size = 0
        chunks[-1].append(line)
        size += len(line) + 1
    blocks = [section("\n".join(chunk)) for chunk in chunks]
    return [*blocks, context("Alerts: `/clusters subscribe`, `/clusters incidents`.")]
