"""The decision about a node repair, Slack-free: who may, which repair, the guard, the call.

    approvals.permit(who)                      # raises AccessDenied with the words to show
    found = await approvals.find(key, who)     # the repair as it is now (re-read from Together)
    outcome = await approvals.decide(key, Decision.APPROVE, who, comment=..., mode=...)

`decide` re-reads the repair before calling: when it is no longer pending it says who acted and
when, and refreshes the alert. Only the caller that claims (remediation, decision) in the shared
store calls Together, so two approvers, a double submit or a second replica make one call.
Every attempt is logged (`bot.alerts.decisions`); after a call the incident's thread gets a
note and its parent is updated (queued through the outbox, like every alert message).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, replace
from datetime import datetime
from typing import Protocol

from bot.access import AccessDenied, AccessPolicy, Requester
from bot.alerts.decisions import Decision, DecisionRecord, DecisionResult
from bot.alerts.model import MessageKind, Outgoing, ParentKey
from bot.alerts.render import incident_parent
from bot.alerts.store import AlertStore
from bot.message import Refusal
from bot.people import SlackPeople
from bot.render.approval_buttons import RepairKey, find_repair
from bot.render.approval_modal import POWER_CYCLE, decided_words, thread_note
from bot.render.errors import error_words
from bot.render.mrkdwn import esc
from shared.alerts import Incident
from shared.enums import RemediationState
from shared.errors import DecisionUnconfirmedError, RemediationNotPendingError, TogetherError
from shared.models import Cluster, GPUClusterGPUWorkerNode, Remediation
from shared.timefmt import utcnow

logger = logging.getLogger(__name__)

FOREIGN_TEAM_REFUSAL = (
    "Sorry, repairs can be approved or rejected only by members of the workspace that "
    "installed this bot, never from another organisation through a shared channel."
)


class RepairSource(Protocol):
    """What approvals need of `shared.ClustersClient`."""

    async def get_cluster_by_id(self, cluster_id: str) -> Cluster: ...

    async def get_remediation(
        self, cluster_id: str, instance_id: str, remediation_id: str
    ) -> Remediation: ...

    async def approve_remediation(
        self,
        cluster_id: str,
        instance_id: str,
        remediation_id: str,
        *,
        comment: str,
        mode: str | None = None,
    ) -> Remediation: ...

    async def reject_remediation(
        self, cluster_id: str, instance_id: str, remediation_id: str, *, comment: str
    ) -> Remediation: ...


class RepairGone(Refusal):
    """The button names a repair that cannot be found any more; `message` says so (mrkdwn)."""


@dataclass(frozen=True, slots=True)
class Repair:
    """A repair found again: its cluster and node now, the remediation as just re-read."""

    cluster: Cluster
    node: GPUClusterGPUWorkerNode
    remediation: Remediation
    incident: Incident | None

    @property
    def instance_id(self) -> str:
        return self.remediation.instance_id or self.node.instance_id or ""

    @property
    def pending(self) -> bool:
        return self.remediation.state == RemediationState.PENDING_APPROVAL


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of a submission: `text` for the modal (mrkdwn), or `error` to show on its
    comment field (plain) so the person can change it and submit again."""

    text: str = ""
    error: str | None = None


@dataclass(eq=False)
class Approvals:
    """Approve and reject repairs for the people in `CLUSTERS_APPROVERS`.

    Attributes:
        repairs: the Together client.
        store: the alert store (incidents, the decision guard and log, the outbox).
        approvers: who may decide.
        access: the bot's allow-lists and channel -> project scoping.
        on_queued: called once messages were queued (wakes the outbox).
        now: the time now, aware UTC.
    """

    repairs: RepairSource
    store: AlertStore
    approvers: SlackPeople
    access: AccessPolicy
    _: KW_ONLY
    on_queued: Callable[[], None] = lambda: None
    now: Callable[[], datetime] = utcnow

    async def permit(self, who: Requester) -> None:
        """Refuse anyone who may not decide repairs here.

        Raises:
            AccessDenied: a user of another team (Slack Connect: always), one the allow-lists
                refuse, or one not in `CLUSTERS_APPROVERS`.
        """
        teams = {t for t in who.team_ids if t}
        foreign = who.home_team_id is not None and any(t != who.home_team_id for t in teams)
        if foreign or len(teams) > 1:
            logger.warning("Repair decision refused: %s is from another team", who.user_id)
            raise AccessDenied(FOREIGN_TEAM_REFUSAL)
        self.access.check(who)
        if not await self.approvers.includes(who.user_id):
            logger.warning("Repair decision refused: %s is not an approver", who.user_id)
            ask = ", ".join(self.approvers.mentions())
            raise AccessDenied(
                "Sorry, only approvers may approve or reject repairs (CLUSTERS_APPROVERS)."
                + (f" Ask one of them: {ask}." if ask else "")
            )

    async def find(self, key: RepairKey, who: Requester) -> Repair:
        """The repair a button names, re-read from Together.

        Raises:
            RepairGone: the incident or the repair cannot be found any more.
            AccessDenied: the channel is limited to another project.
            TogetherError: reading it failed.
        """
        incident = await self.store.incident(key.incident) if key.incident else None
        if key.incident and incident is None:
            raise RepairGone(
                "That alert is no longer known to this bot; open the cluster's details."
            )
        cluster_id = incident.cluster_id if incident is not None else key.cluster_id or ""
        cluster = await self.repairs.get_cluster_by_id(cluster_id)
        scope = self.access.project_scope(who.channel_id)
        if scope is not None and cluster.project_id != scope:
            raise AccessDenied(
                f"This channel shows only project `{esc(scope, 100)}`; this cluster belongs to "
                "another, so its repairs are not decided here."
            )
        found = find_repair(cluster, key.repair)
        if found is None and incident is not None:
            found = find_repair(incident.cluster, key.repair)
        if found is None:
            raise RepairGone(
                "That repair is no longer the node's latest; look at the cluster again "
                "(`/clusters show`)."
            )
        node, known = found
        instance_id = known.instance_id or node.instance_id or ""
        now = await self.repairs.get_remediation(cluster.cluster_id, instance_id, known.id)
        if incident is None:
            incident = await self._open_incident(cluster.cluster_id)
        return Repair(cluster, node, now, incident)

    async def decide(
        self, key: RepairKey, decision: Decision, who: Requester, *, comment: str, mode: str | None
    ) -> Outcome:
        """Re-read the repair, claim the one call, call Together, log it and tell the thread."""
        if mode == POWER_CYCLE:
            return Outcome(error="HOST_POWER_CYCLE cannot be chosen when approving.")
        try:
            await self.permit(who)
            repair = await self.find(key, who)
        except (AccessDenied, RepairGone) as exc:
            return Outcome(text=exc.message)
        except TogetherError as exc:
            return Outcome(error=error_words(exc))
        record = self._record(repair, decision, who)
        rem = repair.remediation
        if not repair.pending:
            await self._log(record, DecisionResult.STALE, f"already {rem.state.value}")
            await self._announce(repair, None)
            return Outcome(text=decided_words(rem))
        holder = await self.store.claim_decision(rem.id, decision, who.user_id, self.now())
        if holder is not None:
            await self._log(record, DecisionResult.BUSY, f"claimed by {holder}")
            by = "you" if holder == who.user_id else f"<@{holder}>" if holder else "someone"
            return Outcome(text=f"This repair is already being {_past(decision)} by {by}.")
        try:
            done = await self._call(repair, decision, who.user_id, comment, mode)
        except DecisionUnconfirmedError as exc:
            await self._log(record, DecisionResult.UNKNOWN, str(exc))
            return Outcome(error=error_words(exc))
        except (TogetherError, ValueError) as exc:
            await self.store.release_decision(rem.id, decision)
            await self._log(record, DecisionResult.REFUSED, str(exc))
            if isinstance(exc, RemediationNotPendingError):
                await self._refresh(repair)
            words = error_words(exc) if isinstance(exc, TogetherError) else str(exc)
            return Outcome(error=words)
        detail = f"comment={comment!r}" + (f" mode={mode}" if mode else "")
        await self._log(record, DecisionResult.DONE, detail)
        await self._announce(
            replace(repair, remediation=done), (decision, who.user_id, comment, mode)
        )
        word = "Approved" if decision is Decision.APPROVE else "Rejected"
        where = " The incident's thread says so." if repair.incident is not None else ""
        return Outcome(text=f"{word}: the repair is now *{esc(done.state.value, 40)}*.{where}")

    async def _call(
        self, repair: Repair, decision: Decision, user_id: str, comment: str, mode: str | None
    ) -> Remediation:
        ids = (repair.cluster.cluster_id, repair.instance_id, repair.remediation.id)
        # Together records the key's owner as the reviewer: the comment names the person.
        said = f"via Slack by {user_id}" + (f": {comment}" if comment else "")
        if decision is Decision.APPROVE:
            return await self.repairs.approve_remediation(*ids, comment=said, mode=mode)
        return await self.repairs.reject_remediation(*ids, comment=said)

    async def _refresh(self, repair: Repair) -> None:
        try:
            fresh = await self.repairs.get_remediation(
                repair.cluster.cluster_id, repair.instance_id, repair.remediation.id
            )
        except TogetherError:
            return
        await self._announce(replace(repair, remediation=fresh), None)

    async def _announce(
        self, repair: Repair, note: tuple[Decision, str, str, str | None] | None
    ) -> None:
        """Queue the thread note (when a decision was made) and the parent showing the repair
        as it is now, in every channel the incident was posted to."""
        incident = repair.incident
        if incident is None:
            return
        shown = _with_remediation(incident, repair.node.node_id, repair.remediation)
        parent = incident_parent(shown, self.now(), approvals=True)
        key = ParentKey.incident(incident.incident_id)
        messages: list[Outgoing] = []
        for thread in await self.store.threads_of([incident.incident_id]):
            if note is not None:
                decision, user, comment, mode = note
                reply = thread_note(decision.value, user, comment, mode, repair.remediation)
                messages.append(
                    Outgoing(thread.channel, MessageKind.REPLY, thread.parent_key, reply)
                )
            if thread.parent_key == key:
                messages.append(Outgoing(thread.channel, MessageKind.UPDATE, key, parent))
        if messages:
            await self.store.enqueue(messages)
            self.on_queued()

    async def _open_incident(self, cluster_id: str) -> Incident | None:
        return next(
            (i for i in await self.store.open_incidents() if i.cluster_id == cluster_id), None
        )

    def _record(self, repair: Repair, decision: Decision, who: Requester) -> DecisionRecord:
        return DecisionRecord(
            at=self.now(),
            user_id=who.user_id,
            team_id=who.team_id,
            channel_id=who.channel_id,
            decision=decision,
            cluster_id=repair.cluster.cluster_id,
            instance_id=repair.instance_id,
            remediation_id=repair.remediation.id,
            result=DecisionResult.DONE,
        )

    async def _log(self, record: DecisionRecord, result: DecisionResult, detail: str) -> None:
        final = replace(record, result=result, detail=detail[:1000])
        logger.info(
            "Repair decision: %s %s of %s/%s by %s in %s: %s (%s)",
            final.decision.value,
            final.remediation_id,
            final.cluster_id,
            final.instance_id,
            final.user_id,
            final.channel_id,
            final.result.value,
            final.detail,
        )
        await self.store.log_decision(final)


def _past(decision: Decision) -> str:
    return "approved" if decision is Decision.APPROVE else "rejected"


def _with_remediation(incident: Incident, node_id: str, rem: Remediation) -> Incident:
    """The incident with one node's latest remediation replaced by `rem` (as just read)."""
    nodes = [
        replace(node, latest_remediation=rem) if node.node_id == node_id else node
        for node in incident.cluster.gpu_worker_nodes
    ]
    return replace(
        incident, cluster=incident.cluster.model_copy(update={"gpu_worker_nodes": nodes})
    )
