"""A list of Slack people: user ids (`U...`/`W...`) and user group ids (`S...`), read lazily.

One implementation for every role the bot gives people: alert admins (`CLUSTERS_ALERT_ADMINS`,
`bot.alerts.admins`) and repair approvers (`CLUSTERS_APPROVERS`, `bot.approvals`).

A group's members are read with `usergroups.users.list` (scope `usergroups:read`) and kept for
`cache_s`; when Slack cannot answer, the members last read are used, and a group never read
admits nobody (a failure refuses, it never lets everyone in).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable, Collection

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

logger = logging.getLogger(__name__)

GROUP_CACHE_S = 300.0
LOOKUP_TIMEOUT_S = 5.0
PERSON_OR_GROUP_ID = re.compile(r"^[UWS][A-Z0-9]{2,30}$")


def check_people_ids(ids: Collection[str]) -> None:
    """Raise on an id that is neither a user id nor a user group id (for settings validators).

    Raises:
        ValueError: naming the first bad id.
    """
    for one in sorted(ids):
        if not PERSON_OR_GROUP_ID.match(one):
            raise ValueError(
                f"{one!r} is neither a Slack user id (U.../W...) nor a user group id (S...)"
            )


class SlackPeople:
    """Whether a user is one of a configured list of users and user groups.

    Args:
        ids: user ids and user group ids; empty means the role is not configured.
        web_client: reads user groups' members (needed only when `ids` has a group).
        role: what the list is, for log lines ("approver"); a subclass names its own (`ROLE`).
        cache_s: how long a group's members are reused.
        clock: monotonic seconds, for the cache.
    """

    ROLE = "listed"

    def __init__(
        self,
        ids: Collection[str] = (),
        web_client: AsyncWebClient | None = None,
        *,
        role: str | None = None,
        cache_s: float = GROUP_CACHE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.users = frozenset(i for i in ids if not i.startswith("S"))
        self.groups = tuple(sorted(i for i in ids if i.startswith("S")))
        self.role = role or self.ROLE
        self._web = web_client
        self._cache_s = cache_s
        self._clock = clock
        self._members: dict[str, tuple[float, frozenset[str]]] = {}

    @property
    def configured(self) -> bool:
        return bool(self.users or self.groups)

    async def includes(self, user_id: str) -> bool:
        """Whether `user_id` is listed, directly or through a group (False when none is)."""
        if user_id in self.users:
            return True
        for group in self.groups:
            if user_id in await self._group_members(group):
                return True
        return False

    def mentions(self, limit: int = 10) -> list[str]:
        """The list as Slack mentions (`<@U...>`, `<!subteam^S...>`), at most `limit`."""
        who = [f"<@{u}>" for u in sorted(self.users)] + [f"<!subteam^{g}>" for g in self.groups]
        return who[:limit]

    async def _group_members(self, group: str) -> frozenset[str]:
        cached = self._members.get(group)
        if cached is not None and self._clock() - cached[0] < self._cache_s:
            return cached[1]
        if self._web is None:
            return frozenset()
        try:
            answer = await asyncio.wait_for(
                self._web.usergroups_users_list(usergroup=group), LOOKUP_TIMEOUT_S
            )
        except SlackApiError as exc:
            return self._stale(group, str(exc.response.get("error", "unknown error")))
        except (TimeoutError, SlackClientError, aiohttp.ClientError, OSError) as exc:
            return self._stale(group, exc.__class__.__name__)
        users = answer.get("users")
        members = (
            frozenset(u for u in users if isinstance(u, str))
            if isinstance(users, list)
            else frozenset()
        )
        self._members[group] = (self._clock(), members)
        return members

    def _stale(self, group: str, error: str) -> frozenset[str]:
        cached = self._members.get(group)
        logger.warning(
            "Could not read the members of the %s group %s (%s); %s. The bot needs the "
            "usergroups:read scope to read it.",
            self.role,
            group,
            error,
            "using the members last read" if cached else "nobody in it counts",
        )
        return cached[1] if cached else frozenset()
