"""What a Slack answer means for a queued alert: sent, try again (when, and why), or give up.

    Sent(ts)      Slack has it.
    Retry(...)    try again after `after_s`: rate limits (exactly `Retry-After`), server and
                  network errors (backoff), and errors a person has to fix (`permanent`: the bot
                  is not in the channel, the channel is gone or archived; or `auth`: the token
                  was refused, permanent once `auth.test` confirms the token is bad).
    Drop(error)   an update of a message Slack no longer has.

Permanent errors are retried every `retry_later_s` until the channel has answered them for
`undeliverable_after_s`; then the channel's queue is dead-lettered (`bot.alerts.outbox`).
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass

import aiohttp
from slack_sdk.errors import SlackApiError

from bot.alerts.model import MessageKind, OutboxRow

logger = logging.getLogger(__name__)

MEMBERSHIP = frozenset(
    {"channel_not_found", "not_in_channel", "is_archived", "channel_is_archived"}
)
AUTH = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "token_expired",
        "account_inactive",
        "missing_scope",
        "no_permission",
        "team_access_not_granted",
    }
)
# What `auth.test` answers when the token itself is bad (not merely short of a scope).
TOKEN_BAD = frozenset(
    {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"}
)
BAD_BLOCKS = frozenset(
    {"invalid_blocks", "invalid_blocks_format", "msg_blocks_too_long", "msg_too_long"}
)
PARENT_GONE = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})
NETWORK_ERRORS = (aiohttp.ClientError, TimeoutError, OSError)


@dataclass(frozen=True, slots=True)
class Retry:
    after_s: float
    error: str
    backoff: bool = False
    in_flight: bool = False  # Slack may have it all the same: look before sending again
    permanent: bool = False  # a person has to fix it; counts towards dead-lettering
    auth: bool = False  # the token was refused: permanent if `auth.test` fails too


@dataclass(frozen=True, slots=True)
class Sent:
    ts: str | None


@dataclass(frozen=True, slots=True)
class Drop:
    error: str


Outcome = Sent | Retry | Drop


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long to wait after each kind of failure.

    Attributes:
        retry_later_s: after a membership or auth error a person has to fix.
        backoff_base_s: the first wait after a server or network error; it doubles each time.
        max_backoff_s: the longest wait after server or network errors.
    """

    retry_later_s: float = 60.0
    backoff_base_s: float = 1.0
    max_backoff_s: float = 60.0

    def judge(self, row: OutboxRow, exc: SlackApiError) -> Retry | Drop:
        """What to do after Slack refused `row` with `exc`."""
        status = exc.response.status_code
        error = error_code(exc)
        if status == 429 or error == "ratelimited":
            after = retry_after(exc)
            logger.info("Slack rate-limited alerts in %s; waiting %.0f s", row.channel, after)
            return Retry(after, "ratelimited")
        if status >= 500:
            return self.backoff(row, f"Slack answered {status}")
        if error in PARENT_GONE and row.kind is MessageKind.UPDATE:
            return Drop(error)
        if error in MEMBERSHIP:
            logger.warning(
                "Slack says %s for channel %s: invite the bot there (/invite @<bot name>), or fix "
                "CLUSTERS_ALERT_CHANNEL, or run `/clusters unsubscribe` in that channel. The alert "
                "is kept and tried again in %.0f s.",
                error,
                row.channel,
                self.retry_later_s,
            )
            return Retry(self.retry_later_s, error, permanent=True)
        if error in AUTH:
            logger.error(
                "Slack refused the bot's token (%s) while sending alerts: check SLACK_BOT_TOKEN "
                "and the app's scopes (chat:write). Alerts are kept and tried again in %.0f s.",
                error,
                self.retry_later_s,
            )
            return Retry(self.retry_later_s, error, auth=True)
        return self.backoff(row, f"Slack error {error}")

    def backoff(self, row: OutboxRow, error: str, *, sent: bool = False) -> Retry:
        """Exponential backoff with jitter; `sent`: Slack may have the message all the same."""
        base = min(self.max_backoff_s, self.backoff_base_s * 2.0 ** min(row.backoffs, 30))
        after = base * random.uniform(0.8, 1.0)
        logger.warning("Alert to %s failed (%s); retrying in %.1f s", row.channel, error, after)
        in_flight = sent and row.kind is not MessageKind.UPDATE
        return Retry(after, error, backoff=True, in_flight=in_flight)

    def network(self, row: OutboxRow, exc: BaseException) -> Retry:
        """Backoff after Slack could not be reached (or did not answer in time)."""
        return self.backoff(row, f"{type(exc).__name__}: {exc}"[:200], sent=maybe_sent(exc))


def maybe_sent(exc: BaseException) -> bool:
    """Whether Slack may have received the request: all but a failure to connect at all."""
    return not isinstance(exc, aiohttp.ClientConnectorError | ConnectionRefusedError)


def error_code(exc: SlackApiError) -> str:
    data = exc.response.data
    if isinstance(data, dict):
        return str(data.get("error") or "")
    return ""


def retry_after(exc: SlackApiError) -> float:
    value = exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else 1.0
    except ValueError:
        return 1.0
