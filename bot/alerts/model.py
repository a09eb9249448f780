"""The values alerts read and write: threads, subscriptions, parent keys, outgoing messages.

Every store (`bot.alerts.store.Store`) speaks in these, and the planner, the watcher, the commands
and the outbox sender need nothing else of a store's module:

    Thread(subject, channel, ParentKey)      where a subject is shown in one channel
    Outgoing(channel, MessageKind, ParentKey, SlackMessage)
                                             a message to queue: a new parent, a reply in its
                                             thread, or an update of it
    OutboxRow                                a queued `Outgoing` as the sender sees it
    Deferral                                 when to try a queued message again, and why
    Quarantined                              a stored row that could not be read, kept aside
    incident_key(incident_id)                the short key a button carries for an incident
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum

from bot.message import SlackMessage
from shared.alerts import Incident

INCIDENT_KEY_PREFIX = "i:"


def incident_key(incident_id: str) -> str:
    """The short, fixed-length key that stands for an incident in a Slack button's value.

    Incident ids embed the API's cluster id, which may be any length; a button value may not
    exceed 2,000 characters. Stores look incidents up by this key as well as by id.
    """
    digest = hashlib.blake2b(incident_id.encode(), digest_size=12).hexdigest()
    return INCIDENT_KEY_PREFIX + digest


class MessageKind(StrEnum):
    """What an outgoing message does to its parent message (stored by value)."""

    POST = "post"  # posts the parent message itself
    REPLY = "reply"  # replies in the parent's thread
    UPDATE = "update"  # replaces the parent's text and blocks (`chat.update`)


class ParentKind(StrEnum):
    """What a parent message stands for."""

    INCIDENT = "incident"  # one incident; its id is the incident id
    GROUP = "group"  # several incidents that opened in one poll: `<first incident id>@<time>`
    OUTAGE = "outage"  # the Together API unreachable; its id is the outage's alert id
    GONE = "gone"  # a cluster that left the API: `<cluster id>@<time>`
    NOTICE = "notice"  # news about the bot itself (state set aside): `quarantine#<first row>`


@dataclass(frozen=True, slots=True)
class ParentKey:
    """Which parent message a message is, replies under, or updates.

    Stored as `str(key)`, `<kind>:<id>` (`incident:c1#1`), the format state files have always
    used; `ParentKey.parse` reads it back.
    """

    kind: ParentKind
    id: str

    @classmethod
    def incident(cls, incident_id: str) -> ParentKey:
        return cls(ParentKind.INCIDENT, incident_id)

    @classmethod
    def parse(cls, text: str) -> ParentKey:
        """The key `str(key)` wrote.

        Raises:
            ValueError: `text` is not `<kind>:<id>` with a known kind.
        """
        kind, colon, key_id = text.partition(":")
        if not colon or not key_id:
            raise ValueError(f"not a parent key: {text!r}")
        return cls(ParentKind(kind), key_id)

    @property
    def is_group(self) -> bool:
        return self.kind is ParentKind.GROUP

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.id}"


@dataclass(frozen=True, slots=True)
class Thread:
    """Where a subject (an incident id or an outage id) is shown in one channel."""

    subject: str
    channel: str
    parent_key: ParentKey


@dataclass(frozen=True, slots=True)
class Subscription:
    """A channel that receives alerts; `project` None means every project."""

    channel: str
    project: str | None
    created_by: str
    created_at: str


@dataclass(frozen=True, slots=True)
class Posted:
    """A subject's parent message in one channel; `ts` is None until Slack has it."""

    channel: str
    ts: str | None


@dataclass(slots=True)
class Known:
    """What the store already knows about the subjects of one poll's events.

    Attributes:
        threads: subject -> where it is shown.
        groups: (grouped parent key, channel) -> the incidents it lists, as last stored.
    """

    threads: dict[str, list[Thread]] = field(default_factory=dict)
    groups: dict[tuple[ParentKey, str], list[Incident]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message to queue.

    Attributes:
        channel: where it goes.
        kind: a new parent message, a reply in its thread, or an update of it.
        parent_key: the parent message it is, replies under, or updates.
        message: the text and blocks.
    """

    channel: str
    kind: MessageKind
    parent_key: ParentKey
    message: SlackMessage


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """A queued message as its sender sees it.

    Attributes:
        id: the row's id in the outbox, unique for the store's lifetime.
        outgoing: what to send.
        due_at: when it may be sent (epoch seconds; 0 for at once).
        attempts: how often sending it was tried.
        backoffs: how many of those failures count towards exponential backoff.
        parent_ts: the `ts` of its parent message, once Slack has given one.
        in_flight: an earlier sender claimed it and never settled it (the process stopped
            mid-send): Slack may or may not have it.
        wait_s: the wait it was given when last deferred (0 if never): a sender never waits
            longer than this for it, whatever the wall clock says about `due_at`.
        failing_since: when Slack first answered a permanent error for it (epoch seconds).
    """

    id: int
    outgoing: Outgoing
    due_at: float
    attempts: int
    backoffs: int
    parent_ts: str | None
    in_flight: bool = False
    wait_s: float = 0.0
    failing_since: float | None = None

    @property
    def channel(self) -> str:
        return self.outgoing.channel

    @property
    def kind(self) -> MessageKind:
        return self.outgoing.kind

    @property
    def message(self) -> SlackMessage:
        return self.outgoing.message


@dataclass(frozen=True, slots=True)
class Deferral:
    """Why a queued message failed, and when to try it again (`OutboxStore.defer`).

    Attributes:
        due_at: when to try again (epoch seconds).
        error: why it failed.
        backoff: the failure counts towards the row's exponential backoff (server and network
            errors do; rate limits, which say how long to wait, do not).
        in_flight: keep the row claimed, for a failure after which Slack may have the message
            all the same (a timeout): it is then looked for in the channel before it is sent
            again.
        wait_s: the wait the sender chose (kept as `OutboxRow.wait_s`; by default `due_at`
            minus the store's clock).
        permanent: an error a person has to fix (`channel_not_found`): the first such failure
            is kept as `OutboxRow.failing_since`.
    """

    due_at: float
    error: str
    backoff: bool
    in_flight: bool = False
    wait_s: float | None = None
    permanent: bool = False

    def wait(self, now: float) -> float:
        """The wait to keep as `OutboxRow.wait_s`, given the store's clock `now`."""
        return max(0.0, self.due_at - now if self.wait_s is None else self.wait_s)


@dataclass(frozen=True, slots=True)
class Quarantined:
    """A stored row that could not be read, moved aside so that alerting goes on without it.

    Attributes:
        id: its number in the quarantine.
        source: what it was (`incident`, `cluster`, `meta`).
        key: its key there (an incident id, a cluster id, a meta key).
        error: why it could not be read.
        body: the raw stored text, kept for a person to inspect.
        at: when it was moved aside (epoch seconds).
    """

    id: int
    source: str
    key: str
    error: str
    body: str
    at: float
