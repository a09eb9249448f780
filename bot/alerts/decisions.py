"""Repair decisions in the state store: the guard that allows one call, and the audit log.

Approving or rejecting a node repair is not idempotent at Together, and two approvers, a double
submit or a second replica may all try at once. Before calling Together, the bot claims
(remediation id, decision) in the shared store with one atomic insert; only the caller that
inserted the row calls. A claim is released when Together surely did not act (it answered an
error), so a later attempt may try again; it stays when the call succeeded or its outcome is
unknown (a timeout), so nothing is ever sent twice.

Every attempt, whatever became of it, is appended to the decision log: who, what, when, the ids,
and the result in words.

    claim_decision(remediation_id, decision, user, at) -> None (claimed) | the holder's user id
    release_decision(remediation_id, decision)
    log_decision(DecisionRecord)
    decision_log(remediation_id=None) -> [DecisionRecord], oldest first
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class Decision(StrEnum):
    """What a person decided about a repair (stored by value)."""

    APPROVE = "approve"
    REJECT = "reject"


class DecisionResult(StrEnum):
    """How a decision attempt ended (stored by value)."""

    DONE = "done"  # Together accepted it
    STALE = "stale"  # it was no longer pending when re-read; nothing was sent
    BUSY = "busy"  # someone else holds the claim; nothing was sent
    REFUSED = "refused"  # Together answered an error; nothing happened there
    UNKNOWN = "unknown"  # sent, and no answer came: it may or may not have taken effect


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """One attempt to decide a repair, as kept in the log.

    Attributes:
        at: when it was attempted (aware UTC).
        user_id, team_id, channel_id: who, from where.
        decision: approve or reject.
        cluster_id, instance_id, remediation_id: what.
        result: how it ended.
        detail: the comment and mode sent, or the error in words.
    """

    at: datetime
    user_id: str
    team_id: str
    channel_id: str
    decision: Decision
    cluster_id: str
    instance_id: str
    remediation_id: str
    result: DecisionResult
    detail: str = ""


class DecisionStore(Protocol):
    """The guard and the log, in the store every replica shares."""

    async def claim_decision(
        self, remediation_id: str, decision: Decision, user_id: str, at: datetime
    ) -> str | None:
        """Claim the one call for (remediation, decision): None when this caller has it, else
        the user id of whoever claimed it first (atomic across replicas)."""
        ...

    async def release_decision(self, remediation_id: str, decision: Decision) -> None:
        """Give the claim up: Together surely did not act, so another attempt may call."""
        ...

    async def log_decision(self, record: DecisionRecord) -> None:
        """Append an attempt to the decision log."""
        ...

    async def decision_log(self, remediation_id: str | None = None) -> Sequence[DecisionRecord]:
        """The log, oldest first; only one repair's attempts when `remediation_id` is given."""
        ...
