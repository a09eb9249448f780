"""Every error the library raises, in one tree.

    TogetherError
    ├── APIConnectionError            could not reach Together (DNS, refused, reset)
    │   └── APITimeoutError           no answer within the timeout or the overall deadline
    ├── APIStatusError                Together answered with an error status
    │   ├── AuthenticationError       401: the API key was rejected
    │   ├── PaymentRequiredError      402: the account is out of credits
    │   ├── PermissionDeniedError     403: the key may not see this project
    │   ├── NotFoundError             404
    │   ├── RateLimitError            429, with `retry_after_s` when Together said
    │   └── ServerError               5xx
    ├── ResponseValidationError       the answer was not JSON or not the documented shape
    ├── ClusterNotFoundError          no cluster matches a reference; carries the closest names
    ├── AmbiguousClusterError         a name prefix matches several clusters; carries them
    └── SimulatorControlError         the simulator's control API refused a call (shared.simulator)

Messages are written for the person reading them in Slack or in an agent's transcript: what
failed and what to do. They never contain the API key or a cluster's kube_config.
"""

from __future__ import annotations

from collections.abc import Sequence

BODY_EXCERPT_CHARS = 300


class TogetherError(Exception):
    """Base of every error raised by the library."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class APIConnectionError(TogetherError):
    """Together could not be reached at all."""


class APITimeoutError(APIConnectionError):
    """Together did not answer in time."""


class APIStatusError(TogetherError):
    """Together answered with an HTTP error status.

    Attributes:
        status_code: the HTTP status.
        api_message: the message Together put in the body, if any.
        request_id: Together's request id header, if any, for support tickets.
        body: the first few hundred characters of the body, for logs.
    """

    @property
    def hint(self) -> str:
        """What to do about it; subclasses name the case, this covers the other statuses."""
        if self.status_code == 408 or self.status_code >= 500:
            return "Try again later."
        return "Retrying will not help; check TOGETHER_BASE_URL and TOGETHER_PROJECT_ID."

    def __init__(
        self,
        status_code: int,
        api_message: str | None = None,
        *,
        request_id: str | None = None,
        body: str = "",
    ) -> None:
        self.status_code = status_code
        self.api_message = api_message
        self.request_id = request_id
        self.body = body[:BODY_EXCERPT_CHARS]
        super().__init__(self._compose())

    def _headline(self) -> str:
        return f"Together answered {self.status_code}"

    def _compose(self) -> str:
        text = f"{self._headline()}."
        if self.api_message:
            text += f" It said: {self.api_message[:200]}."
        text += f" {self.hint}"
        if self.request_id:
            text += f" (request id {self.request_id})"
        return text


class AuthenticationError(APIStatusError):
    """401: Together rejected the API key."""

    hint = "Check TOGETHER_API_KEY."

    def _headline(self) -> str:
        return "Together rejected the API key (401)"


class PaymentRequiredError(APIStatusError):
    """402: the Together account has run out of credits."""

    hint = "Add credits to the Together account."

    def _headline(self) -> str:
        return "Together refused the request: payment required (402)"


class PermissionDeniedError(APIStatusError):
    """403: the key is valid but may not see what was asked."""

    hint = "Check that the API key's user belongs to the project (TOGETHER_PROJECT_ID)."

    def _headline(self) -> str:
        return "Together denied access (403)"


class NotFoundError(APIStatusError):
    """404: the endpoint or project does not exist."""

    hint = "Check TOGETHER_BASE_URL and the project id."

    def _headline(self) -> str:
        return "Together answered 404 Not Found"


class RateLimitError(APIStatusError):
    """429: too many requests. `retry_after_s` is Together's advice, when it gave one."""

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
        super().__init__(status_code, api_message, request_id=request_id, body=body)

    def _headline(self) -> str:
        return "Together is rate limiting us (429)"

    @property
    def hint(self) -> str:
        if self.retry_after_s is not None:
            return f"Retry in {max(1, round(self.retry_after_s))} s."
        return "Retry in a minute."


class ServerError(APIStatusError):
    """5xx: Together (or a proxy in front of it) failed."""

    hint = "Together is not answering properly; try again in a few minutes."

    def _headline(self) -> str:
        return f"Together failed with {self.status_code}"


class ResponseValidationError(TogetherError):
    """The response was not JSON, or not shaped like `{"clusters": [...]}`."""


class ClusterNotFoundError(TogetherError):
    """No cluster matched the reference. `suggestions` holds the closest names."""

    def __init__(self, ref: str, suggestions: Sequence[str] = ()) -> None:
        self.ref = ref
        self.suggestions = list(suggestions)
        text = f"No cluster matches '{ref}'."
        if self.suggestions:
            text += " Closest: " + ", ".join(self.suggestions) + "."
        super().__init__(text)


class AmbiguousClusterError(TogetherError):
    """Several clusters start with the reference. `candidates` holds their names."""

    def __init__(self, ref: str, candidates: Sequence[str]) -> None:
        self.ref = ref
        self.candidates = list(candidates)
        shown = ", ".join(self.candidates[:10])
        more = f" and {len(self.candidates) - 10} more" if len(self.candidates) > 10 else ""
        super().__init__(
            f"'{ref}' matches several clusters: {shown}{more}. Use the full name or id."
        )


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
