"""Judging a fetched fleet once for everyone who asks within a few seconds.

A burst of `/clusters` commands, or an agent paging through `list_clusters`, reads the same
cached list several times in a few seconds; judging 1,000 clusters costs ~20 ms each time. The
judge remembers the last judgement per scope and hands it out again while it is the same fetch
and still fresh, so "time in status" is never more than `reuse_for` stale.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.fleet.assess import Assessment, assess_all
from shared.models import Cluster

REUSE_FOR = timedelta(seconds=5)
MAX_SCOPES = 32


@dataclass(frozen=True, slots=True)
class Judgement:
    """One fetched list, judged: `assessments` sorted by severity, made for `now`."""

    fetched_at: datetime
    now: datetime
    assessments: list[Assessment]


class FleetJudge:
    """Judges each fetched list once, reusing the judgement for up to `reuse_for`.

    Args:
        reuse_for: how long a judgement of the same fetch is handed out again.
        max_scopes: scopes (projects) remembered; past that the memory starts afresh.
    """

    def __init__(self, *, reuse_for: timedelta = REUSE_FOR, max_scopes: int = MAX_SCOPES) -> None:
        self.reuse_for = reuse_for
        self.max_scopes = max_scopes
        self._last: dict[str | None, Judgement] = {}

    def judge(
        self,
        scope: str | None,
        fetched_at: datetime,
        clusters: Sequence[Cluster],
        now: datetime,
    ) -> Judgement:
        """The judgement of `clusters` (fetched at `fetched_at` for `scope`) at about `now`."""
        last = self._last.get(scope)
        if last is not None and last.fetched_at == fetched_at and now - last.now < self.reuse_for:
            return last
        judgement = Judgement(fetched_at, now, assess_all(clusters, now))
        if len(self._last) >= self.max_scopes:
            self._last.clear()
        self._last[scope] = judgement
        return judgement
