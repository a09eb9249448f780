"""What the SQLite and PostgreSQL stores share: the statements that read the same in both (the
conversion of rows to models and back is `bot.alerts.row_codec`).

Statements are written with SQLite's `?` placeholders; `pg(sql)` gives PostgreSQL's `%s`. What
only one engine can say (upserts, `= ANY(%s)`, `FOR UPDATE SKIP LOCKED`) stays in its module.
"""

from __future__ import annotations

from typing import Any, Protocol


class Row(Protocol):
    """A row addressable by column name (`sqlite3.Row`, psycopg's `DictRow`)."""

    def __getitem__(self, key: str, /) -> Any: ...


def pg(sql: str) -> str:
    """`sql` with PostgreSQL's placeholders (`%s`) for SQLite's (`?`)."""
    return sql.replace("?", "%s")


UNDELIVERED = "('pending', 'sending')"
SETTLED = "('delivered', 'superseded', 'dropped', 'dead')"

INCIDENT_WITH_SNOOZE = (
    "SELECT i.incident_id, i.body, s.until, s.by_user FROM incidents i "
    "LEFT JOIN snoozes s ON s.incident_id = i.incident_id "
)
INCIDENT_BY_ID_OR_KEY = INCIDENT_WITH_SNOOZE + "WHERE i.incident_id = ? OR i.key = ?"
SNOOZES = "SELECT incident_id, until, by_user FROM snoozes"
CLUSTERS = "SELECT cluster_id, body FROM clusters"
META = "SELECT value FROM meta WHERE key = ?"
INCIDENT_IDS = "SELECT incident_id FROM incidents"
SUBSCRIPTIONS = "SELECT channel, project, created_by, created_at FROM subscriptions"
SUBJECTS_UNDER = "SELECT subject FROM threads WHERE parent_key = ? AND channel = ?"
POSTED = (
    "SELECT t.subject, t.channel, p.ts FROM threads t LEFT JOIN parents p "
    "ON p.parent_key = t.parent_key AND p.channel = t.channel "
)
UNSUBSCRIBE = "DELETE FROM subscriptions WHERE channel = ?"
UNSUBSCRIBE_PROJECT = UNSUBSCRIBE + " AND project = ?"
STILL_SUBSCRIBED = "SELECT 1 FROM subscriptions WHERE channel = ? LIMIT 1"

# The outbox (`bot.alerts.store.OutboxStore`).
ENQUEUE = (
    "INSERT INTO outbox (channel, kind, parent_key, payload, created_at, due_at) "
    "VALUES (?, ?, ?, ?, ?, 0)"
)
PENDING_CHANNELS = f"SELECT DISTINCT channel FROM outbox WHERE state IN {UNDELIVERED}"
SUPERSEDE = (
    "UPDATE outbox SET state = 'superseded', done_at = ? "
    "WHERE state = 'pending' AND channel = ? AND kind = 'update' AND EXISTS ("
    "SELECT 1 FROM outbox later WHERE later.state = 'pending' "
    "AND later.channel = outbox.channel AND later.kind = 'update' "
    "AND later.parent_key = outbox.parent_key AND later.id > outbox.id)"
)
OUTBOX_ROW = (
    "SELECT o.id, o.channel, o.kind, o.parent_key, o.payload, o.due_at, o.attempts, "
    "o.backoffs, o.state, o.wait_s, o.failing_since, p.ts AS parent_ts "
    "FROM outbox o LEFT JOIN parents p "
    "ON p.parent_key = o.parent_key AND p.channel = o.channel "
)
CLAIM = "UPDATE outbox SET state = 'sending' WHERE id = ?"
DELIVERED = (
    "UPDATE outbox SET state = 'delivered', ts = ?, attempts = attempts + 1, "
    "done_at = ? WHERE id = ?"
)
PARENT_TS = "UPDATE parents SET ts = ? WHERE parent_key = ? AND channel = ?"
DEFER = (
    "UPDATE outbox SET state = ?, due_at = ?, attempts = attempts + 1, "
    "backoffs = backoffs + ?, last_error = ?, wait_s = ?, "
    "failing_since = CASE WHEN ? THEN COALESCE(failing_since, ?) "
    # a row dropped or dead-lettered while it was being sent stays so
    f"ELSE failing_since END WHERE id = ? AND state IN {UNDELIVERED}"
)
DROP = "UPDATE outbox SET state = 'dropped', last_error = ?, done_at = ? WHERE id = ?"
OLDEST_PENDING = f"SELECT MIN(created_at) AS t FROM outbox WHERE state IN {UNDELIVERED}"
COUNTS = "SELECT state, COUNT(*) AS n FROM outbox GROUP BY state"
# Giving up on a channel's queue: its undelivered messages, then the threads (and parents)
# whose parent never reached it.
SETTLE_CHANNEL = (
    "UPDATE outbox SET state = ?, last_error = ?, done_at = ? "
    f"WHERE channel = ? AND state IN {UNDELIVERED}",
    "DELETE FROM threads WHERE channel = ? AND parent_key IN "
    "(SELECT parent_key FROM parents WHERE channel = ? AND ts IS NULL)",
    "DELETE FROM parents WHERE channel = ? AND ts IS NULL",
)

# Upkeep and the quarantine.
PRUNE_OUTBOX = f"DELETE FROM outbox WHERE state IN {SETTLED} AND done_at < ?"
# Parents that stand for incidents (one, or a group of them) go once no thread points at them
# and nothing queued needs their `ts`; outage and gone parents are few and kept.
ORPHAN_PARENTS = (
    "DELETE FROM parents WHERE (parent_key LIKE 'incident:%' OR parent_key LIKE 'group:%') "
    "AND NOT EXISTS (SELECT 1 FROM threads t WHERE t.parent_key = parents.parent_key "
    "AND t.channel = parents.channel) "
    f"AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.parent_key = parents.parent_key "
    f"AND o.channel = parents.channel AND o.state IN {UNDELIVERED})"
)
PRUNE_QUARANTINE = "DELETE FROM quarantine WHERE at < ?"
QUARANTINE = "INSERT INTO quarantine (source, key, error, body, at) VALUES (?, ?, ?, ?, ?)"
QUARANTINED = "SELECT id, source, key, error, body, at FROM quarantine "
# source -> (table, key column) an unreadable row is taken out of
QUARANTINE_SOURCES = {
    "incident": ("incidents", "incident_id"),
    "cluster": ("clusters", "cluster_id"),
    "meta": ("meta", "key"),
}

# Repair decisions (`bot.alerts.decisions`).
# The columns of `decisions` and of `decision_log` after its id (SQLite's `INTEGER PRIMARY KEY
# AUTOINCREMENT`, PostgreSQL's `BIGSERIAL PRIMARY KEY`): plain types both engines read alike.
# PostgreSQL creates them in its migration 2, so a change here needs a new migration there.
DECISIONS_COLUMNS = """\
    remediation_id TEXT NOT NULL,
    decision TEXT NOT NULL,
    user_id TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (remediation_id, decision)"""
DECISION_LOG_COLUMNS = """\
    at TEXT NOT NULL,
    user_id TEXT NOT NULL,
    team_id TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    decision TEXT NOT NULL,
    cluster_id TEXT NOT NULL,
    instance_id TEXT NOT NULL,
    remediation_id TEXT NOT NULL,
    result TEXT NOT NULL,
    detail TEXT NOT NULL"""
DECISION_HOLDER = "SELECT user_id FROM decisions WHERE remediation_id = ? AND decision = ?"
RELEASE_DECISION = "DELETE FROM decisions WHERE remediation_id = ? AND decision = ?"
LOG_DECISION = (
    "INSERT INTO decision_log (at, user_id, team_id, channel_id, decision, "
    "cluster_id, instance_id, remediation_id, result, detail) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
DECISION_LOG = "SELECT * FROM decision_log"
