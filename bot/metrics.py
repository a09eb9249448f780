"""The bot's Prometheus metrics, and what each listener tells them.

Names start with `clusters_`; labels are closed sets (a command word the bot knows, a button's
action, an outcome, a kind), never a user, a channel, a cluster or free text:

- `clusters_slack_commands_total{command, outcome}`: `/clusters` by subcommand (`list`,
  `show`, `help`, `degraded`, `attention`, a feature's word such as `subscribe`; `filter` for
  filters and names; `other`) and outcome (`ok`, `denied`, `error`);
- `clusters_slack_button_clicks_total{action, outcome}`: buttons by action;
- `clusters_slack_ack_seconds{kind}`: from Bolt receiving a command, click or event to `ack()`;
- `clusters_requests_denied_total{reason}`: refusals (`signature`, `team`, `user`, `channel`,
  `project`);
- `clusters_alert_events_total{kind}`, `clusters_last_successful_poll_timestamp_seconds`,
  `clusters_outbox_pending_messages`, `clusters_outbox_oldest_pending_age_seconds`,
  `clusters_outbox_dead_letters`: alerts;
- `clusters_leader`: 1 while this replica holds the leader lease and runs the alert watcher.

A listener runs inside `handling(kind, name)`, which counts it once with its outcome and sets
the log context (`command`, `channel`) for its lines; `note_denied` marks it refused.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import re
import time
from collections.abc import Awaitable, Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from prometheus_client import Counter, Gauge, Histogram
from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from shared.log_json import log_context

logger = logging.getLogger("bot.access")

RECEIVED_AT = "clusters_received_at"
BUILTIN_WORDS = ("list", "show", "help", "degraded", "attention")
_ACK_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 3.0, 5.0)

COMMANDS = Counter(
    "clusters_slack_commands",
    "/clusters commands, by subcommand and outcome.",
    ["command", "outcome"],
)
BUTTONS = Counter(
    "clusters_slack_button_clicks", "Button clicks, by action and outcome.", ["action", "outcome"]
)
ACK_SECONDS = Histogram(
    "clusters_slack_ack_seconds",
    "Time from Bolt receiving a request to its ack (Slack allows 3 s).",
    ["kind"],
    buckets=_ACK_BUCKETS,
)
DENIED = Counter("clusters_requests_denied", "Requests refused, by reason.", ["reason"])
ALERT_EVENTS = Counter("clusters_alert_events", "Alert engine events, by kind.", ["kind"])
LAST_POLL = Gauge(
    "clusters_last_successful_poll_timestamp_seconds",
    "When the alert watcher last fetched the fleet successfully (Unix time).",
)
OUTBOX_PENDING = Gauge(
    "clusters_outbox_pending_messages", "Alert messages not yet delivered to Slack."
)
OUTBOX_OLDEST_AGE = Gauge(
    "clusters_outbox_oldest_pending_age_seconds",
    "Age of the oldest undelivered alert message (0 when none waits).",
)
DEAD_LETTERS = Gauge(
    "clusters_outbox_dead_letters",
    "Alert messages given up on (a channel refused them too long), kept in the state file.",
)
LEADER = Gauge("clusters_leader", "1 when this replica runs the alert watcher.")


@dataclass(slots=True)
class _Handling:
    kind: str
    outcome: str = "ok"


_current: contextvars.ContextVar[_Handling | None] = contextvars.ContextVar(
    "clusters_handling", default=None
)


def command_word(text: str, extra_words: Collection[str] = ()) -> str:
    """The `command` label for `/clusters <text>`: a known word, `list`, `filter` or `other`."""
    words = text.split()
    words = [w for w in words if w.lower() != "public"]
    if not words:
        return "list"
    first = words[0].lower()
    if first in BUILTIN_WORDS or first in extra_words:
        return first
    return "filter" if re.fullmatch(r"[\w:.\-\"'/]+", first) else "other"


@contextlib.contextmanager
def handling(
    kind: str, name: str, *, channel: str | None = None, cluster: str | None = None
) -> Iterator[None]:
    """Count one command (`kind="command"`) or click (`"button"`) named `name`, with its outcome.

    Inside the block, log lines carry `command` (the name) and `channel`; `note_denied` and
    `note_error` set the outcome. An exception escaping the block counts as `error`.
    """
    state = _Handling(kind)
    token = _current.set(state)
    try:
        with log_context(command=name, channel=channel, cluster=cluster):
            yield
    except Exception:
        state.outcome = "error"
        raise
    finally:
        _current.reset(token)
        counter = COMMANDS if kind == "command" else BUTTONS
        label = "command" if kind == "command" else "action"
        counter.labels(**{label: name, "outcome": state.outcome}).inc()


def note_error() -> None:
    """The request being handled failed (its listener answered with an apology)."""
    state = _current.get()
    if state is not None:
        state.outcome = "error"


def note_denied(reason: str, why: str, who: Mapping[str, object]) -> None:
    """Log a refusal at WARNING with who and why, count it, and mark the request `denied`.

    Args:
        reason: a closed word for the metric (`signature`, `team`, `user`, `channel`, `project`).
        why: the sentence for the log line.
        who: what identifies the requester (user, team, channel, client address).
    """
    state = _current.get()
    if state is not None:
        if state.outcome == "denied":
            return  # once per request
        state.outcome = "denied"
    DENIED.labels(reason=reason).inc()
    described = " ".join(f"{key}={value}" for key, value in who.items() if value)
    logger.warning("Denied a request (%s): %s", described or "unknown requester", why)


def acked(kind: str, context: AsyncBoltContext) -> None:
    """Observe the ack latency of the request `context` belongs to (call right after `ack()`)."""
    received = context.get(RECEIVED_AT)
    if isinstance(received, float):
        ACK_SECONDS.labels(kind=kind).observe(time.perf_counter() - received)


def instrument(app: AsyncApp) -> None:
    """Stamp each request when Bolt receives it (for `acked`)."""

    async def stamp(context: AsyncBoltContext, next: Callable[[], Awaitable[Any]]) -> Any:
        context[RECEIVED_AT] = time.perf_counter()
        return await next()

    app.middleware(stamp)
    if not any(isinstance(f, _SignatureLineFilter) for f in app.logger.filters):
        app.logger.addFilter(_SignatureLineFilter())


class _SignatureLineFilter(logging.Filter):
    """Drops Bolt's INFO line for a bad signature: it quotes the whole body (a `response_url`
    among it), and the HTTP server logs the refusal itself, once, at WARNING."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Invalid request signature detected")
