"""Where the tools get their clusters: one `ClustersClient` per server, judged by `shared.fleet`.

The client is opened by the server's lifespan and shared by every tool call and resource read,
so concurrent calls share one connection pool, one request in flight and a short-lived cache.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime

from shared.client import ClustersClient
from shared.fleet import Assessment, FleetJudge, FleetSummary, assess, summarize
from shared.models import InvalidCluster
from shared.settings import TogetherSettings
from shared.timefmt import utcnow


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The fleet in one scope at one moment, judged.

    Attributes:
        assessments: every readable cluster, most severe first, then by name.
        invalid: entries Together returned that could not be parsed.
        now: the moment the assessments were made for.
        summary: totals over `assessments`.
    """

    assessments: list[Assessment]
    invalid: list[InvalidCluster]
    now: datetime
    summary: FleetSummary = field(init=False)

    def __post_init__(self) -> None:
        summary = summarize(self.assessments, invalid=len(self.invalid))
        object.__setattr__(self, "summary", summary)


class FleetSource:
    """Fetches clusters through one shared client and assesses them.

    Args:
        settings: how to reach Together; used to build the client when none is given.
        client: an open client to use instead (tests); its owner closes it.
        now: the clock assessments are made with.
    """

    def __init__(
        self,
        settings: TogetherSettings,
        client: ClustersClient | None = None,
        *,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self._settings = settings
        self._given = client
        self._client = client
        self._users = 0
        self._now = now
        # Paging reads the same cached list several times in a few seconds: judge it once.
        self._judge = FleetJudge()

    @asynccontextmanager
    async def open(self) -> AsyncIterator[FleetSource]:
        """Hold the client open for the duration; nested and repeated use share one client."""
        if self._given is not None:
            yield self
            return
        if self._users == 0:
            self._client = ClustersClient(self._settings)
        self._users += 1
        try:
            yield self
        finally:
            self._users -= 1
            if self._users == 0 and self._client is not None:
                client, self._client = self._client, None
                await client.aclose()

    def now(self) -> datetime:
        """The moment to judge clusters and alerts at (the server's clock)."""
        return self._now()

    @property
    def client(self) -> ClustersClient:
        if self._client is None:
            raise RuntimeError("FleetSource used outside the server's lifespan")
        return self._client

    async def snapshot(self, project_id: str | None = None) -> Snapshot:
        """Every cluster in scope, assessed now.

        Raises:
            TogetherError: any failure of the client (see `ClustersClient.list_clusters`).
        """
        clusters = await self.client.list_clusters(project_id or None)
        now = self._now()
        judged = self._judge.judge(clusters.project_id, clusters.fetched_at, clusters, now)
        return Snapshot(judged.assessments, list(clusters.invalid), judged.now)

    async def cluster(self, ref: str, project_id: str | None = None) -> tuple[Assessment, datetime]:
        """The cluster `ref` names (id, name or unique name prefix), assessed now.

        Raises:
            ClusterNotFoundError: nothing matches; carries the closest names.
            AmbiguousClusterError: several clusters match; carries them.
            TogetherError: any other failure of the client.
        """
        cluster = await self.client.get_cluster(ref, project_id or None)
        now = self._now()
        return assess(cluster, now), now
