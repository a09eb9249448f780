"""The fleet at a glance: counts by status and severity, GPUs by type, what needs a person."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from shared.fleet.assess import Assessment
from shared.fleet.severity import Severity


@dataclass(frozen=True, slots=True)
class GpuTally:
    """GPUs of one type: `live` on live worker nodes, `ordered` as the clusters' `num_gpus`."""

    live: int
    ordered: int


@dataclass(frozen=True, slots=True)
class FleetSummary:
    """Totals over a list of assessed clusters.

    Attributes:
        total: clusters counted.
        by_status: clusters per status value, most severe status first.
        by_severity: clusters per severity, in severity order, zeros left out.
        gpus_by_type: live and ordered GPUs per GPU type, largest first.
        needs_attention: clusters whose severity wants a person.
        invalid: entries the API returned that could not be read.
    """

    total: int
    by_status: dict[str, int]
    by_severity: dict[Severity, int]
    gpus_by_type: dict[str, GpuTally]
    needs_attention: int
    invalid: int = 0

    @property
    def live_gpus(self) -> int:
        return sum(t.live for t in self.gpus_by_type.values())

    @property
    def ordered_gpus(self) -> int:
        return sum(t.ordered for t in self.gpus_by_type.values())


def summarize(assessments: Sequence[Assessment], *, invalid: int = 0) -> FleetSummary:
    """Summarize assessed clusters (any order)."""
    worst: dict[str, int] = {}
    statuses: Counter[str] = Counter()
    for a in assessments:
        status = a.cluster.status.value
        statuses[status] += 1
        worst[status] = min(worst.get(status, 99), a.severity.rank)
    severities = Counter(a.severity for a in assessments)
    live: Counter[str] = Counter()
    ordered: Counter[str] = Counter()
    for a in assessments:
        live[a.cluster.gpu_type.value] += a.live_gpus
        ordered[a.cluster.gpu_type.value] += a.cluster.num_gpus
    gpu_types = sorted(set(live) | set(ordered), key=lambda g: (-ordered[g], -live[g], g))
    return FleetSummary(
        total=len(assessments),
        by_status={s: statuses[s] for s in sorted(statuses, key=lambda s: (worst[s], s))},
        by_severity={s: severities[s] for s in Severity if severities[s]},
        gpus_by_type={g: GpuTally(live=live[g], ordered=ordered[g]) for g in gpu_types},
        needs_attention=sum(1 for a in assessments if a.severity.needs_attention),
        invalid=invalid,
    )
