"""Clusters to judge and the one finding to expect, shared by the fleet-findings tests."""

from __future__ import annotations

from typing import Any

from shared.fleet import Finding, FindingKind, find_problems
from tests.shared.builders import NOW, cluster, remediation_dict, worker_node_dict

ONE_DOWN = [worker_node_dict("gpu-node-1"), worker_node_dict("gpu-node-2", status="NotReady")]


def with_remediation(**fields: Any) -> list[dict[str, Any]]:
    """Two worker nodes, the second with a latest remediation of `fields`."""
    return [
        worker_node_dict("gpu-node-1"),
        worker_node_dict("gpu-node-2", latest_remediation=remediation_dict(**fields)),
    ]


def only(kind: FindingKind, overrides: dict[str, Any]) -> Finding:
    """The single finding of a cluster with `overrides`, asserting it is of `kind`."""
    findings = find_problems(cluster(**overrides), NOW)
    assert [f.kind for f in findings] == [kind], findings
    return findings[0]
