"""Every error the library raises, in one tree, each carrying the facts a front end words.

    TogetherError
    ├── APIConnectionError            could not reach Together (DNS, refused, reset)
    │   ├── APITimeoutError           no answer within the timeout or the overall deadline
    │   └── DecisionUnconfirmedError  a repair decision was sent, and its effect is unknown
    ├── APIStatusError                Together answered with an error status
    │   ├── AuthenticationError       401: the API key was rejected
    │   ├── PaymentRequiredError      402: the account is out of credits
    │   ├── PermissionDeniedError     403: the key may not see this project
    │   │   └── RemediationForbiddenError  403 on a repair decision: the key may not approve
    │   ├── NotFoundError             404
    │   │   └── RemediationNotFoundError  404 for a remediation, its node or its cluster
    │   ├── RateLimitError            429, with `retry_after_s` when Together said
    │   ├── ServerError               5xx
    │   └── RemediationNotPendingError  409/400: the repair was already decided or has ended
    ├── ResponseValidationError       the answer was not JSON or not the documented shape
    ├── ResponseTooLargeError         the answer grew past TOGETHER_MAX_RESPONSE_MB
    ├── ClusterNotFoundError          no cluster matches a reference; carries the closest names
    ├── AmbiguousClusterError         a name prefix matches several clusters; carries them
    └── SimulatorControlError         the simulator's control API refused a call (shared.simulator)

The meaning of an error is written here once, as facts: `summary` (what happened), `action`
(what to do), `remedy` (who acts: wait, change the request, change the settings, the account's
owner, or report it), `transient`, `retry_after_s`, and what Together `said` with its
`request_id`. `str(exc)` joins them into sentences; the Slack and MCP front ends only format the
same facts for their readers. No fact ever contains the API key or a cluster's kube_config.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from enum import StrEnum
from typing import ClassVar

BODY_EXCERPT_CHARS = 300
SAID_CHARS = 200


class Remedy(StrEnum):
    """Who can make the error go away."""

    WAIT = "wait"  # nothing is wrong on our side: the same request later may well work
    REQUEST = "request"  # the asker changes what they asked for (a name, a project)
    SETTINGS = "settings"  # whoever runs the program changes its settings
    ACCOUNT = "account"  # whoever owns the Together account acts there
    REPORT = "report"  # nobody can fix it from here: a bug, or the API changed


def retry_wait(retry_after_s: float | None) -> str:
    """When to try again, for people: `in 12 s` (at least 1 s), or `in a minute` when unknown."""
    if retry_after_s is None or not math.isfinite(retry_after_s):
        return "in a minute"
    return f"in {max(1, round(retry_after_s))} s"


class TogetherError(Exception):
    """Base of every error raised by the library.

    Attributes:
        summary: what happened, in sentences; may name a host or a cluster, never a secret.
        action: what to do about it, addressed to whoever can.
        remedy: who acts (`Remedy`); `transient` is `remedy is Remedy.WAIT`.
        retry_after_s: how long Together asked us to wait, when it did.
        said: what Together said in its error body (already redacted), if anything.
        request_id: Together's request id, for support tickets.
        names: cluster names to offer instead (the closest, or the candidates).
        message: the whole text, as `str(exc)` shows it.
    """

    summary: str = "The request to Together failed."
    action: str = "Try again once; if it keeps happening, tell whoever runs this."
    remedy: Remedy = Remedy.REPORT
    retry_after_s: float | None = None
    said: str | None = None
    request_id: str | None = None
    names: tuple[str, ...] = ()

    def __init__(self, summary: str | None = None) -> None:
        if summary is not None:
            self.summary = summary
        self.message = self._compose()
        super().__init__(self.message)

    @property
    def transient(self) -> bool:
        """Whether the same request may well work later without anyone changing anything."""
        return self.remedy is Remedy.WAIT

    def __str__(self) -> str:
        return self.message

    def _compose(self) -> str:
        text = self.summary
        if self.said:
            text += f" It said: {self.said[:SAID_CHARS]}."
        text += f" {self.action}"
        if self.request_id:
            text += f" (request id {self.request_id})"
        return text


class APIConnectionError(TogetherError):
    """Together could not be reached at all.

    Attributes:
        unsent: True when the request surely never left (no connection could be opened), so
            even a request that is not idempotent may be sent again.
    """

    summary = "Together could not be reached."
    action = "Try again in a minute; if it keeps failing, check TOGETHER_BASE_URL and the network."
    remedy = Remedy.WAIT
    unsent: bool = False


class APITimeoutError(APIConnectionError):
    """Together did not answer in time."""

    summary = "Together did not answer in time."
    action = "Try again later, or raise TOGETHER_TIMEOUT_S."


class APIStatusError(TogetherError):
    """Together answered with an HTTP error status.

    Statuses without a class of their own are advised on by status: 408 and 5xx pass with
    time, any other status will not.

    Attributes:
        status_code: the HTTP status.
        api_message: the message Together put in the body, if any (also `said`).
        request_id: Together's request id header, if any, for support tickets.
        body: the first few hundred characters of the body, for logs.
    """

    headline: ClassVar[str] = "Together answered {status}."
    action = "Retrying will not help; check TOGETHER_BASE_URL and TOGETHER_PROJECT_ID."
    remedy = Remedy.SETTINGS

    def __init__(
        self,
        status_code: int,
        api_message: str | None = None,
        *,
        request_id: str | None = None,
        body: str = "",
        summary: str | None = None,
    ) -> None:
        self.status_code = status_code
        self.api_message = api_message
        self.said = api_message
        self.request_id = request_id
        self.body = body[:BODY_EXCERPT_CHARS]
        if type(self) is APIStatusError and (status_code == 408 or status_code >= 500):
            self.action, self.remedy = "Try again later.", Remedy.WAIT
        super().__init__(summary or self.headline.format(status=status_code))


class AuthenticationError(APIStatusError):
    """401: Together rejected the API key."""

    headline = "Together rejected the API key ({status})."
    action = "Set TOGETHER_API_KEY to a valid key."


class PaymentRequiredError(APIStatusError):
    """402: the Together account has run out of credits."""

    headline = "Together refused the request: the account is out of credits ({status})."
    action = "Add credits to the Together account."
    remedy = Remedy.ACCOUNT


class PermissionDeniedError(APIStatusError):
    """403: the key is valid but may not see what was asked."""

    headline = "Together denied access ({status}): the API key may not see this project."
    action = (
        "Ask for a project the key's user belongs to, or check TOGETHER_PROJECT_ID and the "
        "key's project."
    )
    remedy = Remedy.REQUEST


class RemediationForbiddenError(PermissionDeniedError):
    """403 on approving, rejecting or cancelling a repair: the key may read but not decide."""

    headline = (
        "Together refused the decision ({status}): this API key may not approve repairs "
        "(nor reject or cancel them)."
    )
    action = (
        "Ask the Together account's owner for a key allowed to approve repairs, or decide in "
        "the Together console."
    )
    remedy = Remedy.ACCOUNT


class NotFoundError(APIStatusError):
    """404: the endpoint or project does not exist."""

    headline = "Together answered {status} Not Found: the project or the endpoint does not exist."
    action = "Check the project id; if it is right, TOGETHER_BASE_URL is wrong."


class RemediationNotFoundError(NotFoundError):
    """404 for a remediation, or for the node or cluster it was looked for on."""

    headline = "Together has no such remediation, node or cluster ({status})."
    action = "Check the cluster, the node's instance id and the remediation id, then list again."
    remedy = Remedy.REQUEST


class RateLimitError(APIStatusError):
    """429: too many requests. `retry_after_s` is Together's advice, when it gave one."""

    headline = "Together is rate limiting requests ({status})."
    remedy = Remedy.WAIT

    def __init__(
        self,
        status_code: int,
        api_message: str | None = None,
        *,
        request_id: str | None = None,
        body: str = "",
        retry_after_s: float | None = None,
    ) -> None:
        self.retry_after_s = retry_after_s
        self.action = f"Try again {retry_wait(retry_after_s)}."
        super().__init__(status_code, api_message, request_id=request_id, body=body)


class ServerError(APIStatusError):
    """5xx: Together (or a proxy in front of it) failed."""

    headline = "Together is not answering properly ({status})."
    action = "Try again in a few minutes."
    remedy = Remedy.WAIT


class RemediationNotPendingError(APIStatusError):
    """409 (or 400) on a repair decision: it is no longer pending, so there is nothing to decide.

    Attributes:
        remediation_id: the repair asked about.
        state: its state now, as Together reported it (`SUCCEEDED`, `CANCELLED`...).
        reviewed_by: who approved or rejected it, when someone did.
        review_time: when, as Together wrote it.
    """

    action = "Nothing to do: it was already decided. Look at its current state before acting again."
    remedy = Remedy.REQUEST

    def __init__(
        self,
        status_code: int,
        api_message: str | None = None,
        *,
        remediation_id: str,
        state: str,
        reviewed_by: str | None = None,
        review_time: str | None = None,
        request_id: str | None = None,
        body: str = "",
    ) -> None:
        self.remediation_id = remediation_id
        self.state = state
        self.reviewed_by = reviewed_by
        self.review_time = review_time
        summary = f"Remediation {remediation_id} is no longer pending: now {state}"
        if reviewed_by:
            summary += f", reviewed by {reviewed_by}"
        if review_time:
            summary += f" at {review_time}"
        super().__init__(
            status_code, api_message, request_id=request_id, body=body, summary=f"{summary}."
        )


class DecisionUnconfirmedError(APIConnectionError):
    """A repair decision was sent, no answer came, and re-reading it did not show it applied.

    Such a request is never sent again by itself: Together may still be acting on the first.

    Attributes:
        remediation_id: the repair the decision was about.
        state: its state when re-read, or None when it could not be re-read either.
    """

    action = (
        "Look at the repair's current state in a minute before deciding again: the decision may "
        "still take effect."
    )

    def __init__(self, decision: str, remediation_id: str, state: str | None) -> None:
        self.remediation_id = remediation_id
        self.state = state
        now = f"read again, it is {state}" if state else "it could not be read again"
        super().__init__(
            f"Together did not confirm the {decision} of remediation {remediation_id}; {now}."
        )


class ResponseValidationError(TogetherError):
    """The response was not JSON, or not shaped like `{"clusters": [...]}`."""

    summary = "Together's answer could not be read."


class ResponseTooLargeError(TogetherError):
    """The answer grew past `TOGETHER_MAX_RESPONSE_MB`, and the client stopped reading it.

    Attributes:
        limit_bytes: the cap that was crossed.
    """

    action = (
        "If the project really has that many clusters, raise TOGETHER_MAX_RESPONSE_MB; otherwise "
        "check TOGETHER_BASE_URL (something other than Together may be answering)."
    )
    remedy = Remedy.SETTINGS

    def __init__(self, limit_bytes: int) -> None:
        self.limit_bytes = limit_bytes
        limit_mb = f"{limit_bytes / 2**20:.3g}"
        super().__init__(
            f"Together's answer was larger than {limit_mb} MB (TOGETHER_MAX_RESPONSE_MB), so "
            "the client stopped reading it."
        )


class ClusterNotFoundError(TogetherError):
    """No cluster matched the reference. `suggestions` holds the closest names."""

    remedy = Remedy.REQUEST

    def __init__(self, ref: str, suggestions: Sequence[str] = ()) -> None:
        self.ref = ref
        self.suggestions = list(suggestions)
        self.names = tuple(self.suggestions)
        text = f"No cluster matches '{ref}'."
        if self.suggestions:
            text += " Closest: " + ", ".join(self.suggestions) + "."
            self.action = "Use one of the closest names, or list the clusters to find the one."
        else:
            self.action = "List the clusters to find the right name."
        super().__init__(text)


class AmbiguousClusterError(TogetherError):
    """Several clusters start with the reference. `candidates` holds their names."""

    action = "Use the full name or id."
    remedy = Remedy.REQUEST

    def __init__(self, ref: str, candidates: Sequence[str]) -> None:
        self.ref = ref
        self.candidates = list(candidates)
        self.names = tuple(self.candidates)
        shown = ", ".join(self.candidates[:10])
        more = f" and {len(self.candidates) - 10} more" if len(self.candidates) > 10 else ""
        super().__init__(f"'{ref}' matches several clusters: {shown}{more}.")


def status_error(
    status_code: int,
    api_message: str | None,
    *,
    request_id: str | None,
    body: str,
    retry_after_s: float | None,
) -> APIStatusError:
    """Build the most specific `APIStatusError` for an HTTP status."""
    if status_code == 429:
        return RateLimitError(
            status_code, api_message, request_id=request_id, body=body, retry_after_s=retry_after_s
        )
    classes: dict[int, type[APIStatusError]] = {
        401: AuthenticationError,
        402: PaymentRequiredError,
        403: PermissionDeniedError,
        404: NotFoundError,
    }
    cls = classes.get(status_code, ServerError if status_code >= 500 else APIStatusError)
    return cls(status_code, api_message, request_id=request_id, body=body)
