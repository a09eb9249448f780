"""Alert admins (`CLUSTERS_ALERT_ADMINS`): who may change where alerts go, and silence them.

Unset, every allowed user may subscribe, unsubscribe and snooze. Set (user ids `U...`/`W...`
and Slack user group ids `S...`), only those people may: a snooze silences an incident in every
channel, and an unsubscribe stops a channel's alerts, so neither should be anyone's to press.

Groups are read and cached by `bot.people.SlackPeople`, the one implementation every role uses:
when Slack cannot answer, the members last read count, and a group never read admits nobody.
"""

from __future__ import annotations

from bot.access import AccessDenied
from bot.people import GROUP_CACHE_S, LOOKUP_TIMEOUT_S, SlackPeople

__all__ = ["GROUP_CACHE_S", "LOOKUP_TIMEOUT_S", "AlertAdmins"]


class AlertAdmins(SlackPeople):
    """Checks that a user is an alert admin, when admins are configured.

    Built as `SlackPeople` is, from `CLUSTERS_ALERT_ADMINS` (empty: no admin role).
    """

    ROLE = "alert admin"

    async def is_admin(self, user_id: str) -> bool:
        """Whether `user_id` is an admin (False for everyone when none is configured)."""
        return await self.includes(user_id)

    async def check(self, user_id: str, doing: str) -> None:
        """Refuse `user_id` unless admins are unset or they are one.

        Args:
            user_id: who asks.
            doing: what they asked, for the refusal ("snooze alerts").

        Raises:
            AccessDenied: with the message to show them privately.
        """
        if self.configured and not await self.is_admin(user_id):
            raise AccessDenied(self.refusal(doing))

    def refusal(self, doing: str) -> str:
        """The private answer to someone who may not do `doing`."""
        who = self.mentions()
        ask = f" Ask one of them: {', '.join(who)}." if who else ""
        return f"Sorry, only alert admins may {doing} (CLUSTERS_ALERT_ADMINS).{ask}"
