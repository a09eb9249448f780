"""One error of every `TogetherError` class and the facts it must carry, for all front ends.

A new subclass in `shared` without a sample here fails `test_every_error_class_has_a_sample`, so
the Slack and MCP formatter tests, which run over these samples, cover it too.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared import errors
from shared.errors import Remedy, TogetherError
from shared.simulator import SimulatorControlError


@dataclass(frozen=True)
class Sample:
    """An error, and what its facts must be."""

    error: TogetherError
    summary: str
    action: str
    remedy: Remedy

    @property
    def id(self) -> str:
        return type(self.error).__name__


SAMPLES = [
    Sample(
        errors.APIConnectionError(
            "Together could not be reached at api.example (ConnectError: no)."
        ),
        "Together could not be reached at api.example (ConnectError: no).",
        "Try again in a minute; if it keeps failing, check TOGETHER_BASE_URL and the network.",
        Remedy.WAIT,
    ),
    Sample(
        errors.APITimeoutError(),
        "Together did not answer in time.",
        "Try again later, or raise TOGETHER_TIMEOUT_S.",
        Remedy.WAIT,
    ),
    Sample(
        errors.APIStatusError(409, "conflict", request_id="req-409"),
        "Together answered 409.",
        "Retrying will not help; check TOGETHER_BASE_URL and TOGETHER_PROJECT_ID.",
        Remedy.SETTINGS,
    ),
    Sample(
        errors.AuthenticationError(401, "invalid api key"),
        "Together rejected the API key (401).",
        "Set TOGETHER_API_KEY to a valid key.",
        Remedy.SETTINGS,
    ),
    Sample(
        errors.PaymentRequiredError(402),
        "Together refused the request: the account is out of credits (402).",
        "Add credits to the Together account.",
        Remedy.ACCOUNT,
    ),
    Sample(
        errors.PermissionDeniedError(403, "not a member of proj-x", request_id="req-403"),
        "Together denied access (403): the API key may not see this project.",
        "Ask for a project the key's user belongs to, or check TOGETHER_PROJECT_ID and the "
        "key's project.",
        Remedy.REQUEST,
    ),
    Sample(
        errors.NotFoundError(404),
        "Together answered 404 Not Found: the project or the endpoint does not exist.",
        "Check the project id; if it is right, TOGETHER_BASE_URL is wrong.",
        Remedy.SETTINGS,
    ),
    Sample(
        errors.RateLimitError(429, retry_after_s=6.6),
        "Together is rate limiting requests (429).",
        "Try again in 7 s.",
        Remedy.WAIT,
    ),
    Sample(
        errors.ServerError(502, "bad gateway"),
        "Together is not answering properly (502).",
        "Try again in a few minutes.",
        Remedy.WAIT,
    ),
    Sample(
        errors.RemediationForbiddenError(403, "permission denied", request_id="req-403r"),
        "Together refused the decision (403): this API key may not approve repairs (nor reject "
        "or cancel them).",
        "Ask the Together account's owner for a key allowed to approve repairs, or decide in "
        "the Together console.",
        Remedy.ACCOUNT,
    ),
    Sample(
        errors.RemediationNotPendingError(
            409,
            "remediation is not pending approval",
            remediation_id="rem-1",
            state="SUCCEEDED",
            reviewed_by="alice@example.com",
            review_time="2025-06-01T10:00:00+00:00",
        ),
        "Remediation rem-1 is no longer pending: now SUCCEEDED, reviewed by alice@example.com "
        "at 2025-06-01T10:00:00+00:00.",
        "Nothing to do: it was already decided. Look at its current state before acting again.",
        Remedy.REQUEST,
    ),
    Sample(
        errors.RemediationNotFoundError(
            404, summary="Together has no remediation rem-9 on that cluster (404)."
        ),
        "Together has no remediation rem-9 on that cluster (404).",
        "Check the cluster, the node's instance id and the remediation id, then list again.",
        Remedy.REQUEST,
    ),
    Sample(
        errors.DecisionUnconfirmedError("approval", "rem-1", "PENDING_APPROVAL"),
        "Together did not confirm the approval of remediation rem-1; read again, it is "
        "PENDING_APPROVAL.",
        "Look at the repair's current state in a minute before deciding again: the decision may "
        "still take effect.",
        Remedy.WAIT,
    ),
    Sample(
        errors.ResponseValidationError("Together's answer was not JSON (JSONDecodeError)."),
        "Together's answer was not JSON (JSONDecodeError).",
        "Try again once; if it keeps happening, tell whoever runs this.",
        Remedy.REPORT,
    ),
    Sample(
        errors.ResponseTooLargeError(64 * 2**20),
        "Together's answer was larger than 64 MB (TOGETHER_MAX_RESPONSE_MB), so the client "
        "stopped reading it.",
        "If the project really has that many clusters, raise TOGETHER_MAX_RESPONSE_MB; otherwise "
        "check TOGETHER_BASE_URL (something other than Together may be answering).",
        Remedy.SETTINGS,
    ),
    Sample(
        errors.ClusterNotFoundError("alhpa", ["alpha", "alpine"]),
        "No cluster matches 'alhpa'. Closest: alpha, alpine.",
        "Use one of the closest names, or list the clusters to find the one.",
        Remedy.REQUEST,
    ),
    Sample(
        errors.AmbiguousClusterError("train", ["train-a", "train-b"]),
        "'train' matches several clusters: train-a, train-b.",
        "Use the full name or id.",
        Remedy.REQUEST,
    ),
    Sample(
        SimulatorControlError("The simulator refused POST /_sim/faults (400): bad fault."),
        "The simulator refused POST /_sim/faults (400): bad fault.",
        "Check that the simulator is running at that URL and what the call asked for.",
        Remedy.REPORT,
    ),
]


def library_error_classes() -> set[type[TogetherError]]:
    """Every subclass of `TogetherError` the library defines, however deep (not the tests')."""
    found: set[type[TogetherError]] = set()
    todo = list(TogetherError.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("shared."):
            found.add(cls)
    return found
