"""Choosing clusters: one filter type shared by `/clusters` and the MCP `list_clusters` tool."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields

from shared.enums import ClusterStatus, ClusterType, GPUType
from shared.fleet.assess import Assessment
from shared.fleet.severity import SCHEDULED, Severity


@dataclass(frozen=True, slots=True)
class ClusterFilter:
    """Criteria a cluster must all meet. `None` means "any".

    `status` matches a status case-insensitively, or a severity word (`provisioning`, `critical`).
    `gpu_type` matches exactly or by prefix (`h100` matches H100_SXM and H100_SXM_INF).
    `name` is a case-insensitive substring of the cluster's name or its id.
    """

    status: str | None = None
    region: str | None = None
    gpu_type: str | None = None
    cluster_type: str | None = None
    project_id: str | None = None
    name: str | None = None
    needs_attention: bool = False

    def matches(self, assessment: Assessment) -> bool:
        cluster = assessment.cluster
        if self.needs_attention and not assessment.severity.needs_attention:
            return False
        if self.status is not None:
            wanted = self.status.lower()
            if wanted not in (cluster.status.value.lower(), assessment.severity.value):
                return False
        if self.region is not None and cluster.region.lower() != self.region.lower():
            return False
        if self.gpu_type is not None and not cluster.gpu_type.value.lower().startswith(
            self.gpu_type.lower()
        ):
            return False
        if (
            self.cluster_type is not None
            and cluster.cluster_type.lower() != self.cluster_type.lower()
        ):
            return False
        if self.project_id is not None and cluster.project_id != self.project_id:
            return False
        if self.name is not None:
            needle = self.name.lower()
            if (
                needle not in cluster.cluster_name.lower()
                and needle not in cluster.cluster_id.lower()
            ):
                return False
        return True

    def apply(self, assessments: Iterable[Assessment]) -> list[Assessment]:
        return [a for a in assessments if self.matches(a)]

    @property
    def is_empty(self) -> bool:
        return self == ClusterFilter()

    def describe(self) -> str:
        """`status:Degraded region:us-east-1`, in the syntax `/clusters` accepts."""
        words = {"gpu_type": "gpu", "cluster_type": "type", "project_id": "project"}
        parts = []
        for spec in fields(self):
            value = getattr(self, spec.name)
            if spec.name == "needs_attention":
                if value:
                    parts.append("attention")
            elif spec.name == "name" and value:
                parts.append(f'"{value}"')
            elif value:
                parts.append(f"{words.get(spec.name, spec.name)}:{value}")
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class FilterOptions:
    """The values a filter can usefully take, given a fleet."""

    statuses: tuple[str, ...]
    regions: tuple[str, ...]
    gpu_types: tuple[str, ...]
    cluster_types: tuple[str, ...]
    projects: tuple[str, ...]

    @classmethod
    def of(cls, assessments: Sequence[Assessment]) -> FilterOptions:
        clusters = [a.cluster for a in assessments]
        return cls(
            statuses=_union(
                [s.value for s in ClusterStatus] + [SCHEDULED], [c.status.value for c in clusters]
            ),
            regions=tuple(sorted({c.region for c in clusters if c.region})),
            gpu_types=_union([g.value for g in GPUType], [c.gpu_type.value for c in clusters]),
            cluster_types=_union(
                [t.value for t in ClusterType], [c.cluster_type.value for c in clusters]
            ),
            projects=tuple(sorted({c.project_id for c in clusters if c.project_id})),
        )


def check_filter(flt: ClusterFilter, options: FilterOptions) -> list[str]:
    """Say which filter values cannot match anything, listing the valid ones.

    A value that is valid but happens to match nothing right now is not a problem; a misspelt
    status or a region the fleet does not have is.
    """
    problems = []
    severities = [s.value for s in Severity]
    if flt.status is not None and flt.status.lower() not in {
        v.lower() for v in (*options.statuses, *severities)
    }:
        problems.append(_bad("status", flt.status, [*options.statuses, *severities]))
    if flt.region is not None and flt.region.lower() not in {r.lower() for r in options.regions}:
        problems.append(_bad("region", flt.region, options.regions))
    if flt.gpu_type is not None and not any(
        g.lower().startswith(flt.gpu_type.lower()) for g in options.gpu_types
    ):
        problems.append(_bad("GPU type", flt.gpu_type, options.gpu_types))
    if flt.cluster_type is not None and flt.cluster_type.lower() not in {
        t.lower() for t in options.cluster_types
    }:
        problems.append(_bad("cluster type", flt.cluster_type, options.cluster_types))
    return problems


def _bad(what: str, value: str, valid: Sequence[str]) -> str:
    shown = ", ".join(valid) if valid else "none in this fleet"
    return f"Unknown {what} '{value}'. Valid: {shown}."


def _union(known: list[str], present: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys([*known, *sorted(present)]))
