"""Rows of the alert stores to models, and back: what the SQLite and PostgreSQL stores decode and
encode alike (the statements they share are in `bot.alerts.sql`).

Reading is split from quarantining: `read_memory`, `read_incidents` and `read_api` decode rows
and return the ones that cannot be read as `Unreadable`, for the store to move aside.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.alerts.decisions import Decision, DecisionRecord, DecisionResult
from bot.alerts.model import (
    Deferral,
    Known,
    MessageKind,
    OutboxRow,
    Outgoing,
    ParentKey,
    Posted,
    Quarantined,
    Subscription,
    Thread,
    incident_key,
)
from bot.alerts.sql import Row
from bot.message import SlackMessage
from shared.alerts import ApiHealth, ClusterMemory, Incident, WatchState, codec


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A stored row that could not be decoded, for the quarantine (`source`, `key` as in
    `QUARANTINE_SOURCES`)."""

    source: str
    key: str
    body: str
    error: str


@dataclass(slots=True)
class Written:
    """What this store last wrote of the engine's state, so that a commit writes only what
    changed. `load_state(None)` reads it back with the rows (another process may have written
    since); a commit that fails leaves it as it was, like the rows.

    Attributes:
        clusters: cluster id -> the body of its memory.
        incidents: incident id -> the body of each incident the engine follows; None when not
            known, and then a commit writes them all.
    """

    clusters: dict[str, str] = field(default_factory=dict)
    incidents: dict[str, str] | None = None

    def change(self, state: WatchState) -> Change:
        """What committing `state` writes."""
        clusters = {cid: json.dumps(codec.dump_memory(m)) for cid, m in state.clusters.items()}
        followed = {i.incident_id: i for i in state.incidents.values()}
        bodies = {iid: json.dumps(codec.dump_incident(i)) for iid, i in followed.items()}
        last = self.incidents or {}
        return Change(
            clusters_gone=[(cid,) for cid in self.clusters.keys() - clusters.keys()],
            clusters=[(c, b) for c, b in clusters.items() if self.clusters.get(c) != b],
            followed=list(followed),
            unfollowed=None
            if self.incidents is None
            else [(iid,) for iid in self.incidents.keys() - followed.keys()],
            incidents=[
                incident_params(followed[iid], body)
                for iid, body in bodies.items()
                if last.get(iid) != body
            ],
            meta=[
                ("api", json.dumps(codec.dump_api(state.api))),
                ("sequence", str(state.sequence)),
            ],
            written=Written(clusters, bodies),
        )


@dataclass(frozen=True, slots=True)
class Change:
    """The rows a commit of the engine's state writes (`Written.change`).

    Attributes:
        clusters_gone: (cluster id,) of memory to delete.
        clusters: (cluster id, body) of memory to write.
        followed: the ids of every incident the engine follows.
        unfollowed: (incident id,) of incidents no longer followed; None when what was followed
            is not known (then every stored incident not in `followed` is unfollowed).
        incidents: `incident_params` of the followed incidents to write.
        meta: (key, value) meta rows.
        written: what the store has written once the commit succeeded.
    """

    clusters_gone: list[tuple[str]]
    clusters: list[tuple[str, str]]
    followed: list[str]
    unfollowed: list[tuple[str]] | None
    incidents: list[tuple[str, str, bool, str, str, str]]
    meta: list[tuple[str, str]]
    written: Written


def read_memory(
    rows: Iterable[Row],
) -> tuple[dict[str, ClusterMemory], dict[str, str], list[Unreadable]]:
    """The clusters' memory, the body each was read from, and the rows that cannot be read."""
    memory: dict[str, ClusterMemory] = {}
    bodies: dict[str, str] = {}
    bad = []
    for row in rows:
        cluster_id, body = row["cluster_id"], row["body"]
        try:
            memory[cluster_id] = codec.load_memory(json.loads(body))
        except ValueError as exc:
            bad.append(Unreadable("cluster", cluster_id, body, str(exc)))
            continue
        bodies[cluster_id] = body
    return memory, bodies, bad


def read_incidents(rows: Iterable[Row]) -> tuple[list[Incident], list[Unreadable]]:
    """The incidents of `INCIDENT_WITH_SNOOZE` rows, each with its snooze, and the rows that
    cannot be read."""
    found = []
    bad = []
    for row in rows:
        try:
            incident = codec.load_incident(json.loads(row["body"]))
        except ValueError as exc:
            bad.append(Unreadable("incident", row["incident_id"], row["body"], str(exc)))
            continue
        if row["until"] is not None:
            incident = incident.with_snooze(datetime.fromisoformat(row["until"]), row["by_user"])
        found.append(incident)
    return found, bad


def read_api(rows: Sequence[Row]) -> tuple[ApiHealth, list[Unreadable]]:
    """The API's health from its `META` row (none: healthy), and the row if it cannot be read."""
    if not rows:
        return ApiHealth(), []
    try:
        return codec.load_api(json.loads(rows[0]["value"])), []
    except ValueError as exc:
        return ApiHealth(), [Unreadable("meta", "api", rows[0]["value"], str(exc))]


def read_sequence(rows: Sequence[Row]) -> int | Unreadable:
    """The incident sequence from its `META` row (none: 0), or the row if it cannot be read
    (then `sequence_after(...)` recovers it)."""
    try:
        return int(rows[0]["value"]) if rows else 0
    except ValueError as exc:
        return Unreadable("meta", "sequence", rows[0]["value"], str(exc))


def sequence_after(incident_ids: Iterable[Row]) -> int:
    """A sequence past every id handed out (`INCIDENT_IDS` rows), so a new incident never takes
    an old one's id."""
    numbers = [0]
    for row in incident_ids:
        tail = row["incident_id"].rpartition("#")[2]
        numbers.append(int(tail) if tail.isdigit() else 0)
    return max(numbers)


def with_snoozes(state: WatchState, rows: Iterable[Row]) -> WatchState:
    """`state` with the snoozes of `SNOOZES` rows applied to its incidents."""
    snoozes = {r["incident_id"]: (datetime.fromisoformat(r["until"]), r["by_user"]) for r in rows}
    incidents = {
        cluster_id: incident.with_snooze(*snoozes.get(incident.incident_id, (None, None)))
        for cluster_id, incident in state.incidents.items()
    }
    return WatchState(state.clusters, incidents, state.api, state.sequence)


def incident_params(incident: Incident, body: str) -> tuple[str, str, bool, str, str, str]:
    """(incident_id, cluster_id, is_open, opened_at, body, key) of a followed incident."""
    return (
        incident.incident_id,
        incident.cluster_id,
        incident.is_open,
        incident.opened_at.isoformat(),
        body,
        incident_key(incident.incident_id),
    )


def bodies_of(rows: Iterable[Row], incidents: Iterable[Incident]) -> dict[str, str]:
    """Incident id -> the stored body of each of `incidents` (read from `rows`)."""
    bodies = {row["incident_id"]: row["body"] for row in rows}
    return {i.incident_id: bodies[i.incident_id] for i in incidents}


def thread_params(threads: Iterable[Thread]) -> list[tuple[str, str, str]]:
    return [(t.subject, t.channel, str(t.parent_key)) for t in threads]


def thread_of(row: Row) -> Thread:
    return Thread(row["subject"], row["channel"], ParentKey.parse(row["parent_key"]))


def group_parents(known: Known) -> set[tuple[ParentKey, str]]:
    """The grouped parents (key, channel) among `known.threads`, whose incidents `known.groups`
    lists."""
    return {
        (t.parent_key, t.channel)
        for found in known.threads.values()
        for t in found
        if t.parent_key.is_group
    }


def subscription_of(row: Row) -> Subscription:
    return Subscription(
        row["channel"], row["project"] or None, row["created_by"], row["created_at"]
    )


def outgoing_params(
    messages: Iterable[Outgoing], now: float
) -> tuple[list[tuple[str, str]], list[tuple[str, str, str, str, float]]]:
    """The parents (parent_key, channel) new messages create, and the `ENQUEUE` rows."""
    parents = []
    rows = []
    for m in messages:
        if m.kind is MessageKind.POST:
            parents.append((str(m.parent_key), m.channel))
        payload = json.dumps({"text": m.message.text, "blocks": m.message.blocks})
        rows.append((m.channel, m.kind.value, str(m.parent_key), payload, now))
    return parents, rows


def outbox_row(row: Row) -> OutboxRow:
    """An `OUTBOX_ROW` row as its sender sees it."""
    payload = json.loads(row["payload"])
    outgoing = Outgoing(
        channel=row["channel"],
        kind=MessageKind(row["kind"]),
        parent_key=ParentKey.parse(row["parent_key"]),
        message=SlackMessage(payload["text"], payload["blocks"]),
    )
    return OutboxRow(
        id=int(row["id"]),
        outgoing=outgoing,
        due_at=row["due_at"],
        attempts=row["attempts"],
        backoffs=row["backoffs"],
        parent_ts=row["parent_ts"],
        in_flight=row["state"] == "sending",
        wait_s=row["wait_s"],
        failing_since=row["failing_since"],
    )


def defer_params(
    row: OutboxRow, deferral: Deferral, now: float
) -> tuple[str, float, int, str, float, bool, float, int]:
    """The `DEFER` values for `row`, at the store's clock `now`."""
    return (
        "sending" if deferral.in_flight else "pending",
        deferral.due_at,
        int(deferral.backoff),
        deferral.error,
        deferral.wait(now),
        deferral.permanent,
        now,
        row.id,
    )


def quarantined_of(row: Row) -> Quarantined:
    return Quarantined(
        int(row["id"]), row["source"], row["key"], row["error"], row["body"], row["at"]
    )


def decision_params(record: DecisionRecord) -> tuple[str, ...]:
    """The `LOG_DECISION` values of `record`."""
    return (
        record.at.isoformat(),
        record.user_id,
        record.team_id,
        record.channel_id,
        record.decision.value,
        record.cluster_id,
        record.instance_id,
        record.remediation_id,
        record.result.value,
        record.detail,
    )


def decision_filter(remediation_id: str | None) -> tuple[str, tuple[str, ...]]:
    """The rest of `DECISION_LOG` and its values: one repair's attempts or all, oldest first."""
    if remediation_id is None:
        return " ORDER BY id", ()
    return " WHERE remediation_id = ? ORDER BY id", (remediation_id,)


def decision_of(row: Row) -> DecisionRecord:
    return DecisionRecord(
        at=datetime.fromisoformat(row["at"]),
        user_id=row["user_id"],
        team_id=row["team_id"],
        channel_id=row["channel_id"],
        decision=Decision(row["decision"]),
        cluster_id=row["cluster_id"],
        instance_id=row["instance_id"],
        remediation_id=row["remediation_id"],
        result=DecisionResult(row["result"]),
        detail=row["detail"],
    )


def counts_of(rows: Iterable[Row]) -> dict[str, int]:
    return {row["state"]: int(row["n"]) for row in rows}


def oldest_of(rows: Sequence[Row]) -> float | None:
    value = rows[0]["t"] if rows else None
    return float(value) if value is not None else None


def posted_of(rows: Iterable[Row]) -> dict[str, list[Posted]]:
    """Subject -> its parent messages, from `POSTED` rows."""
    found: dict[str, list[Posted]] = {}
    for row in rows:
        found.setdefault(row["subject"], []).append(Posted(row["channel"], row["ts"]))
    return found


def log_unreadable(logger: logging.Logger, bad: Unreadable, row_id: object, where: object) -> None:
    """Say once, at ERROR, that a row was moved aside (it leaves its table, so it is never met
    again)."""
    logger.error(
        "Alert state: the stored %s %r could not be read (%s); it is kept aside as "
        "quarantine row %s in %s and alerting goes on without it.",
        bad.source,
        bad.key[:200],
        bad.error[:300],
        row_id,
        where,
    )
