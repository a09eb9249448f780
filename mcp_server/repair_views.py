"""What the repair tools show: one node repair, a list of them, and a decision taken on one.

Like `views`, every field is filled from the library's models through `clean`, so nothing the API
sends reaches a model unfiltered.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import Field

from mcp_server.outputs import LinkedAlertView, OutputModel
from mcp_server.sanitize import clean_name, clean_optional, quote
from mcp_server.views import REASON_CHARS, remediation_view
from shared.models import Cluster, Remediation

LISTED = 50


class RemediationEntry(OutputModel):
    """One node repair: what Together proposes or did, and who decided."""

    id: str
    node: str = Field(description="The node's host name (or node id when it has none).")
    instance_id: str
    state: str = Field(description="PENDING_APPROVAL waits for a person; then PENDING, RUNNING...")
    mode: str = Field(description="VM_ONLY, HOST_AWARE, EVICT_WITHOUT_REPLACEMENT, REBOOT_VM...")
    trigger: str
    reason: str | None = None
    error: str | None = None
    created: str | None = None
    reviewed_by: str | None = None
    review_comment: str | None = None
    alerts: list[LinkedAlertView] = Field(default_factory=list)


class RemediationList(OutputModel):
    cluster: str
    cluster_id: str
    pending_approval: int = Field(description="How many wait for a person's decision.")
    remediations: list[RemediationEntry] = Field(description="Newest first.")


class RemediationDecision(OutputModel):
    cluster: str
    decision: str = Field(description="approved or rejected.")
    remediation: RemediationEntry


def entry(remediation: Remediation, cluster: Cluster, now: datetime) -> RemediationEntry:
    """A remediation of `cluster`, cleaned, with its node named as Slack names it."""
    node = next(
        (n for n in cluster.gpu_worker_nodes if n.instance_id == remediation.instance_id), None
    )
    name = (node.host_name or node.node_id) if node is not None else remediation.instance_name
    return RemediationEntry(
        id=clean_name(remediation.id),
        node=clean_name(name or remediation.instance_id),
        instance_id=clean_name(remediation.instance_id),
        reviewed_by=clean_optional(remediation.reviewed_by, 128),
        review_comment=clean_optional(remediation.review_comment, REASON_CHARS),
        # state, mode, trigger, reason, error, created and alerts: as the cluster detail shows
        **dict(remediation_view(remediation, now)),
    )


def listing(
    cluster: Cluster, remediations: Sequence[Remediation], now: datetime
) -> RemediationList:
    entries = [entry(r, cluster, now) for r in remediations[:LISTED]]
    return RemediationList(
        cluster=clean_name(cluster.cluster_name),
        cluster_id=clean_name(cluster.cluster_id),
        pending_approval=sum(1 for r in remediations if r.state == "PENDING_APPROVAL"),
        remediations=entries,
    )


def entry_text(view: RemediationEntry) -> str:
    """One line per repair: `rem-1 on gpu-01 (inst-9): PENDING_APPROVAL, HOST_AWARE; reason`."""
    text = f"{view.id} on {quote(view.node)} ({view.instance_id}): {view.state}, {view.mode}"
    text += f", {view.trigger.lower()}"
    if view.created:
        text += f", created {view.created}"
    if view.reason:
        text += f"; reason {quote(view.reason, always=True)}"
    if view.error:
        text += f"; error {quote(view.error, always=True)}"
    if view.reviewed_by:
        text += f"; reviewed by {quote(view.reviewed_by)}"
        if view.review_comment:
            text += f": {quote(view.review_comment, always=True)}"
    for alert in view.alerts:
        text += f"; alert {quote(alert.summary, always=True)}"
    return text


def listing_text(view: RemediationList) -> str:
    if not view.remediations:
        return f"No remediations on {quote(view.cluster)} ({view.cluster_id})."
    head = f"{len(view.remediations)} remediation(s) on {quote(view.cluster)} ({view.cluster_id})"
    head += f", {view.pending_approval} awaiting approval, newest first:"
    return "\n".join([head, *(f"- {entry_text(e)}" for e in view.remediations)])


def decision_text(view: RemediationDecision) -> str:
    return f"Done: {view.decision} on {quote(view.cluster)}. Now: {entry_text(view.remediation)}"
