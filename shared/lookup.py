"""Finding one cluster from what a person typed: an id, a name, or the start of a name.

Pure functions over an already-fetched list, so the client, the Slack bot and the MCP server
resolve references the same way.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence

from shared.errors import AmbiguousClusterError, ClusterNotFoundError
from shared.models import Cluster

SUGGESTIONS = 3


def resolve_cluster(clusters: Sequence[Cluster], ref: str) -> Cluster:
    """Return the one cluster `ref` designates.

    Tried in order, the first step with any match wins: exact `cluster_id`, exact `cluster_name`,
    the name ignoring case, then the start of a name ignoring case. A step that matches several
    clusters is ambiguous; when they share a name, candidates carry their ids too.

    Args:
        clusters: the clusters to choose from.
        ref: a cluster id, a name, or a unique prefix of a name; surrounding blanks are ignored.

    Raises:
        AmbiguousClusterError: several clusters match; `candidates` lists them, sorted.
        ClusterNotFoundError: none matches; `suggestions` holds the closest names, or the first
            few names when none is close.
    """
    wanted = ref.strip()
    folded = wanted.casefold()
    steps: tuple[Callable[[Cluster], bool], ...] = (
        lambda c: c.cluster_id == wanted,
        lambda c: c.cluster_name == wanted,
        lambda c: c.cluster_name.casefold() == folded,
        lambda c: bool(folded) and c.cluster_name.casefold().startswith(folded),
    )
    for matches_step in steps:
        matches = [cluster for cluster in clusters if matches_step(cluster)]
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise AmbiguousClusterError(wanted, _labels(matches))
    raise ClusterNotFoundError(wanted, closest_names(clusters, wanted))


def closest_names(clusters: Sequence[Cluster], ref: str, n: int = SUGGESTIONS) -> list[str]:
    """Names that look like `ref` (ignoring case), best first; the first few names if none does."""
    names = sorted({cluster.cluster_name for cluster in clusters})
    by_folded: dict[str, str] = {}
    for name in names:
        by_folded.setdefault(name.casefold(), name)
    close = difflib.get_close_matches(ref.casefold(), list(by_folded), n=n, cutoff=0.4)
    return [by_folded[folded] for folded in close] if close else names[:n]


def _labels(matches: Sequence[Cluster]) -> list[str]:
    names = [cluster.cluster_name for cluster in matches]
    if len(set(names)) == len(names):
        return sorted(names)
    return sorted(f"{cluster.cluster_name} ({cluster.cluster_id})" for cluster in matches)
