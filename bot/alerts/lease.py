"""Who leads: a lease in the state store, and the fencing token that goes with it.

Any number of replicas share one store; exactly one of them polls Together and delivers the
outbox. It holds the `leader` lease, a row in the store: a holder, an expiry, and a fencing
token that grows by one each time the lease changes hands. The leader renews it every third of
its TTL; a replica finds it expired (its holder died or stalled) and takes it, with the next
token.

Fencing: once a store has taken the lease (`LeaseStore.take_lease`), every claim and
settlement of outbox work and every `commit_poll` on it checks, in the same transaction, that
the lease still carries its token, and raises `NotLeader` otherwise. So a leader that stalls
past its lease (a GC pause, SIGSTOP) and wakes up after another replica took over writes and
claims nothing more. A store that never took a lease is not fenced (a single process, tests).

`decide` is the rule, pure; each store applies it to its row inside one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

LEASE_NAME = "leader"


class NotLeader(Exception):
    """This replica's fencing token is no longer the lease's: another replica leads now."""


@dataclass(frozen=True, slots=True)
class LeaseRow:
    """The stored lease: who holds it, its fencing token, and until when (epoch seconds)."""

    holder: str
    token: int
    expires_at: float


def decide(row: LeaseRow, holder: str, now: float, ttl_s: float) -> LeaseRow | None:
    """The lease after `holder` asks for it at `now`, or None when another holder's is live.

    The holder renews its own lease with the same token (even once expired, if nobody took it
    meanwhile); an expired lease of another holder is taken with the next token.
    """
    if row.holder == holder and row.token > 0:
        return LeaseRow(holder, row.token, now + ttl_s)
    if row.expires_at <= now:
        return LeaseRow(holder, row.token + 1, now + ttl_s)
    return None


class LeaseStore(Protocol):
    """The lease half of a store (both `SqliteStore` and `PostgresStore` provide it)."""

    async def take_lease(self, holder: str, ttl_s: float) -> int | None:
        """Take or renew the lease for `holder`; its fencing token, or None when another
        holder's lease is live. From then on this store's outbox work and polls are fenced
        with the token returned (or refused with `NotLeader` after a None)."""
        ...

    async def release_lease(self, holder: str) -> None:
        """Let the lease go now (a clean shutdown), so another replica need not wait it out."""
        ...


def fenced(token: int | None, current: int | None) -> None:
    """Check a fencing token against the lease's `current` one, inside a transaction.

    Args:
        token: the token this store last took (None: the store is not fenced).
        current: the token stored with the lease now.

    Raises:
        NotLeader: the store took a lease and it is not the current one any more.
    """
    if token is not None and token != current:
        raise NotLeader(
            f"this replica's lease (token {token}) was taken over (token {current}): "
            "another replica leads"
        )
