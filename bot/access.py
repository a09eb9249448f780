"""Who may ask, where, and what a channel may see.

Checked on every command, button and App Home visit before anything is fetched:

- a user from another Slack team (Slack Connect, in a shared channel) is refused unless the team
  is in `SLACK_ALLOWED_TEAM_IDS`;
- with `CLUSTERS_ALLOWED_USERS` / `CLUSTERS_ALLOWED_CHANNELS` set, only those users / channels;
- with `CLUSTERS_CHANNEL_PROJECTS`, a listed channel sees only its project.

App Home has no channel: it is allowed only when no channel allow-list is set, and shows the
bot's default project.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.message import Refusal
from bot.metrics import note_denied

APP_HOME = "app_home"


@dataclass(frozen=True, slots=True)
class Requester:
    """Who is asking and where, as read from a Slack payload.

    Attributes:
        user_id: the Slack user.
        channel_id: the channel, or `APP_HOME` for the App Home tab.
        team_ids: every team id the payload names for the user (a Slack Connect user's own team
            can appear beside the workspace's).
        home_team_id: the bot's own workspace (from `auth.test`), when known.
    """

    user_id: str
    channel_id: str
    team_ids: tuple[str, ...] = ()
    home_team_id: str | None = None

    @property
    def team_id(self) -> str:
        return self.team_ids[0] if self.team_ids else ""


def action_requester(body: Mapping[str, Any], home_team_id: str | None) -> Requester:
    """Who clicked a button, from a `block_actions` payload (App Home clicks: `APP_HOME`)."""
    user = body.get("user") or {}
    channel = (body.get("channel") or {}).get("id")
    in_view = (body.get("container") or {}).get("type") == "view"
    teams = ((body.get("team") or {}).get("id"), user.get("team_id"))
    return Requester(
        user_id=str(user.get("id", "")),
        channel_id=APP_HOME if in_view or not channel else str(channel),
        team_ids=tuple(dict.fromkeys(t for t in teams if isinstance(t, str) and t)),
        home_team_id=home_team_id,
    )


class AccessDenied(Refusal):
    """The requester may not ask here; `message` is the polite refusal to show them."""


@dataclass(frozen=True, slots=True)
class AccessPolicy:
    """The three allow-lists and the channel -> project map; empty means "no restriction"."""

    allowed_teams: frozenset[str] = frozenset()
    allowed_users: frozenset[str] = frozenset()
    allowed_channels: frozenset[str] = frozenset()
    channel_projects: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        *,
        allowed_teams: Collection[str] = (),
        allowed_users: Collection[str] = (),
        allowed_channels: Collection[str] = (),
        channel_projects: Mapping[str, str] | None = None,
    ) -> AccessPolicy:
        return cls(
            frozenset(allowed_teams),
            frozenset(allowed_users),
            frozenset(allowed_channels),
            dict(channel_projects or {}),
        )

    def check(self, who: Requester) -> None:
        """Refuse a requester who may not ask.

        Raises:
            AccessDenied: with the message to show them.
        """
        foreign = [t for t in who.team_ids if t and t != who.home_team_id]
        if who.home_team_id is not None and any(t not in self.allowed_teams for t in foreign):
            _log_denied(who, "team", "their team is not in SLACK_ALLOWED_TEAM_IDS")
            raise AccessDenied(
                "Sorry, this bot answers only members of the workspace that installed it. "
                "Ask its admins to add your team to SLACK_ALLOWED_TEAM_IDS."
            )
        if self.allowed_users and who.user_id not in self.allowed_users:
            _log_denied(who, "user", "the user is not in CLUSTERS_ALLOWED_USERS")
            raise AccessDenied(
                "Sorry, you are not on this bot's list of users (CLUSTERS_ALLOWED_USERS). "
                "Ask its admins to add you."
            )
        if self.allowed_channels and who.channel_id not in self.allowed_channels:
            where = "in App Home" if who.channel_id == APP_HOME else "in this channel"
            _log_denied(who, "channel", "the channel is not in CLUSTERS_ALLOWED_CHANNELS")
            raise AccessDenied(
                f"Sorry, this bot does not answer {where} (CLUSTERS_ALLOWED_CHANNELS). "
                "Try a channel it is enabled in."
            )

    def project_scope(self, channel_id: str) -> str | None:
        """The one project `channel_id` may see, or None when it is not limited."""
        return self.channel_projects.get(channel_id)

    def project_for(self, who: Requester, asked: str | None) -> str | None:
        """The project to fetch for `who` when they asked for `asked` (None: default scope).

        Raises:
            AccessDenied: the channel is limited to another project.
        """
        scope = self.project_scope(who.channel_id)
        if scope is None:
            return asked
        if asked is not None and asked != scope:
            _log_denied(who, "project", f"the channel is limited to project {scope}")
            raise AccessDenied(
                f"This channel shows only project `{scope}`; ask about other projects elsewhere."
            )
        return scope


def _log_denied(who: Requester, reason: str, why: str) -> None:
    # metrics hook: one WARNING line and one count per refused request (bot.metrics)
    where = {"user": who.user_id, "team": ",".join(who.team_ids), "channel": who.channel_id}
    note_denied(reason, why, where)
