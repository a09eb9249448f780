"""Reading node repairs and deciding on them: the remediation calls `ClustersClient` exposes.

The paths are the official SDK's (`client.clusters.remediations`, `client.clusters.retrieve`).
Approve, reject and cancel are not idempotent, so they are sent again only when the first attempt
surely never left (no connection could be opened). When one was sent and no clear answer came
(a timeout, a broken connection, a 5xx), the remediation is read again instead: if it shows the
decision applied, that is the answer; otherwise `DecisionUnconfirmedError` says so, and nothing is
sent twice. A 403 becomes `RemediationForbiddenError`, and a 409 (or a 400 about a repair no longer
pending) `RemediationNotPendingError` with who decided, read from the remediation itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from pydantic import TypeAdapter, ValidationError

from shared.errors import (
    APIConnectionError,
    APIStatusError,
    ClusterNotFoundError,
    DecisionUnconfirmedError,
    RemediationForbiddenError,
    RemediationNotFoundError,
    RemediationNotPendingError,
    ResponseValidationError,
    TogetherError,
)
from shared.models import Cluster, Remediation
from shared.retrying import is_retryable

HOST_POWER_CYCLE = "REMEDIATION_MODE_HOST_POWER_CYCLE"
"""A mode Together refuses as an approval override (create such a repair directly instead)."""

ALL_INSTANCES = "-"
"""The instance id that lists the remediations of every node of a cluster."""

_MAX_PAGES = 20
_PENDING = "PENDING_APPROVAL"
_CANCELLABLE = frozenset({_PENDING, "PENDING"})
_NOT_APPROVED = frozenset({_PENDING, "CANCELLED", "AUTO_RESOLVED"})
_remediation: TypeAdapter[Remediation] = TypeAdapter(Remediation)
_remediations: TypeAdapter[list[Remediation]] = TypeAdapter(list[Remediation])
_document: TypeAdapter[dict[str, Any]] = TypeAdapter(dict[str, Any])


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One call to Together, as `ClustersClient._request` sends it.

    Attributes:
        method: the HTTP method.
        path: the path under the base URL, starting with `/`.
        params: the query parameters.
        body: the JSON body, if any.
    """

    method: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None


def sent_nothing(exc: BaseException) -> bool:
    """Whether a failed attempt surely never reached Together, so that sending it again is safe."""
    return isinstance(exc, APIConnectionError) and exc.unsent


class RemediationActions:
    """The remediation calls, mixed into `ClustersClient`, which supplies `_request`."""

    async def _request(
        self, call: ApiCall, *, resend: Callable[[BaseException], bool] = is_retryable
    ) -> bytes:
        raise NotImplementedError  # ClustersClient sends it

    async def get_cluster_by_id(self, cluster_id: str) -> Cluster:
        """One cluster, by its id (no name lookup, no cache).

        Raises:
            ClusterNotFoundError: Together has no cluster with this id.
            APIConnectionError, APIStatusError, ResponseValidationError: as `list_clusters`.
        """
        try:
            content = await self._request(
                ApiCall("GET", f"/compute/clusters/{_segment(cluster_id)}")
            )
        except APIStatusError as exc:
            if exc.status_code == 404:
                raise ClusterNotFoundError(cluster_id) from None
            raise
        try:
            return Cluster.model_validate_json(content)
        except ValidationError as exc:
            raise ResponseValidationError(_unreadable("cluster", exc)) from None

    async def list_remediations(self, cluster_id: str, instance_id: str) -> list[Remediation]:
        """A node's remediations, newest first (`instance_id="-"`: every node of the cluster).

        Raises:
            RemediationNotFoundError: Together knows no such cluster or node.
            APIConnectionError, APIStatusError, ResponseValidationError: as `list_clusters`.
        """
        path = f"{_node_path(cluster_id, instance_id)}/remediations"
        found: list[Remediation] = []
        params: dict[str, str] = {}
        for _ in range(_MAX_PAGES):
            try:
                content = await self._request(ApiCall("GET", path, params))
            except APIStatusError as exc:
                raise _specific(exc, f"node {instance_id}") from None
            page, token = _parse_page(content)
            found.extend(page)
            if not token:
                break
            params = {"page_token": token}
        # Never-created ones last; the sort is stable, so Together's own order breaks ties.
        found.sort(key=_newest_first)
        return found

    async def get_remediation(
        self, cluster_id: str, instance_id: str, remediation_id: str
    ) -> Remediation:
        """One remediation, as it is now.

        Raises:
            RemediationNotFoundError: no such remediation on that node and cluster.
            APIConnectionError, APIStatusError, ResponseValidationError: as `list_clusters`.
        """
        path = _remediation_path(cluster_id, instance_id, remediation_id)
        try:
            return _parse_one(await self._request(ApiCall("GET", path)))
        except APIStatusError as exc:
            raise _specific(exc, f"remediation {remediation_id}") from None

    async def approve_remediation(
        self,
        cluster_id: str,
        instance_id: str,
        remediation_id: str,
        *,
        comment: str,
        mode: str | None = None,
    ) -> Remediation:
        """Approve a pending repair (it cordons and drains the node): state -> `PENDING`.

        Args:
            comment: why; Together keeps it as `review_comment`.
            mode: a `REMEDIATION_MODE_*` to use instead of the recommended one.

        Raises:
            ValueError: `mode` is `REMEDIATION_MODE_HOST_POWER_CYCLE` (nothing is sent).
            RemediationForbiddenError: the API key may not approve repairs (403).
            RemediationNotPendingError: it was already decided or has ended (409).
            RemediationNotFoundError: no such remediation (404).
            DecisionUnconfirmedError: sent, but no answer, and reading it again shows no effect.
            APIConnectionError, APIStatusError, ResponseValidationError: as `list_clusters`.
        """
        if mode == HOST_POWER_CYCLE:
            raise ValueError(
                f"{HOST_POWER_CYCLE} cannot be set when approving; create a host power-cycle "
                "remediation instead."
            )
        body: dict[str, Any] = {"comment": comment}
        if mode:
            body["mode"] = mode

        def applied(now: Remediation) -> bool:
            return now.state not in _NOT_APPROVED and now.review_comment in (None, comment)

        ids = (cluster_id, instance_id, remediation_id)
        return await self._decide("approval", ids, "approve", body, applied, {_PENDING})

    async def reject_remediation(
        self, cluster_id: str, instance_id: str, remediation_id: str, *, comment: str
    ) -> Remediation:
        """Reject a pending repair: it is not carried out, and ends `CANCELLED`.

        Raises:
            RemediationForbiddenError, RemediationNotPendingError, RemediationNotFoundError,
            DecisionUnconfirmedError: as `approve_remediation`.
        """

        def applied(now: Remediation) -> bool:
            return now.state == "CANCELLED" and now.review_comment in (None, comment)

        ids = (cluster_id, instance_id, remediation_id)
        return await self._decide(
            "rejection", ids, "reject", {"comment": comment}, applied, {_PENDING}
        )

    async def cancel_remediation(
        self, cluster_id: str, instance_id: str, remediation_id: str
    ) -> Remediation:
        """Cancel a repair that has not started yet (pending approval, or approved and queued).

        Raises:
            RemediationForbiddenError, RemediationNotPendingError, RemediationNotFoundError,
            DecisionUnconfirmedError: as `approve_remediation`.
        """
        ids = (cluster_id, instance_id, remediation_id)
        return await self._decide(
            "cancellation", ids, "cancel", None, lambda now: now.state == "CANCELLED", _CANCELLABLE
        )

    async def _decide(
        self,
        decision: str,
        ids: tuple[str, str, str],
        verb: str,
        body: dict[str, Any] | None,
        applied: Callable[[Remediation], bool],
        open_states: set[str] | frozenset[str],
    ) -> Remediation:
        path = f"{_remediation_path(*ids)}/{verb}"
        remediation_id = ids[2]
        try:
            content = await self._request(ApiCall("POST", path, body=body), resend=sent_nothing)
        except APIStatusError as exc:
            if exc.status_code == 403:
                raise _forbidden(exc) from None
            if exc.status_code in (400, 409):
                now = await self._read_again(ids)
                if now is not None and now.state not in open_states:
                    raise _not_pending(exc, now) from None
            if exc.status_code >= 500 and (now := await self._read_again(ids)) and applied(now):
                return now
            raise _specific(exc, f"remediation {remediation_id}") from None
        except APIConnectionError as exc:
            if exc.unsent:
                raise
            now = await self._read_again(ids)
            if now is not None and applied(now):
                return now
            state = None if now is None else str(now.state)
            raise DecisionUnconfirmedError(decision, remediation_id, state) from exc
        return _parse_one(content)

    async def _read_again(self, ids: tuple[str, str, str]) -> Remediation | None:
        try:
            return await self.get_remediation(*ids)
        except TogetherError:
            return None


def _segment(value: str) -> str:
    # An id is one path segment: "../x" or "a/b" must not reach another endpoint.
    return quote(value, safe="")


def _node_path(cluster_id: str, instance_id: str) -> str:
    return f"/compute/clusters/{_segment(cluster_id)}/instances/{_segment(instance_id)}"


def _remediation_path(cluster_id: str, instance_id: str, remediation_id: str) -> str:
    return f"{_node_path(cluster_id, instance_id)}/remediations/{_segment(remediation_id)}"


def _newest_first(remediation: Remediation) -> tuple[bool, float]:
    created = remediation.create_time
    return (created is None, 0.0 if created is None else -created.timestamp())


def _parse_one(content: bytes) -> Remediation:
    try:
        return _remediation.validate_json(content)
    except ValidationError as exc:
        raise ResponseValidationError(_unreadable("remediation", exc)) from None


def _parse_page(content: bytes) -> tuple[list[Remediation], str | None]:
    try:
        document = _document.validate_json(content)
        remediations = _remediations.validate_python(document.get("remediations") or [])
    except ValidationError as exc:
        raise ResponseValidationError(_unreadable("list of remediations", exc)) from None
    token = document.get("next_page_token")
    more = document.get("has_next") is True and isinstance(token, str) and token
    return remediations, token if more else None


def _unreadable(what: str, exc: ValidationError) -> str:
    # Locations only: the input may hold a kube_config.
    where = "; ".join(
        ".".join(str(part) for part in error["loc"]) or "body"
        for error in exc.errors(include_input=False, include_url=False)[:3]
    )
    return f"Together's answer was not a readable {what} ({where})."


def _forbidden(exc: APIStatusError) -> RemediationForbiddenError:
    return RemediationForbiddenError(
        exc.status_code, exc.api_message, request_id=exc.request_id, body=exc.body
    )


def _not_pending(exc: APIStatusError, now: Remediation) -> RemediationNotPendingError:
    return RemediationNotPendingError(
        exc.status_code,
        exc.api_message,
        remediation_id=now.id,
        state=str(now.state),
        reviewed_by=now.reviewed_by,
        review_time=None if now.review_time is None else now.review_time.isoformat(),
        request_id=exc.request_id,
        body=exc.body,
    )


def _specific(exc: APIStatusError, what: str) -> APIStatusError:
    if exc.status_code != 404 or isinstance(exc, RemediationNotFoundError):
        return exc
    return RemediationNotFoundError(
        exc.status_code,
        exc.api_message,
        request_id=exc.request_id,
        body=exc.body,
        summary=f"Together has no {what} on that cluster ({exc.status_code}).",
    )
