"""Failures as tool results a model can act on: what happened, and what to do next.

A tool that fails returns `CallToolResult(is_error=True)` with one short paragraph instead of
raising: models read the text and steer by it, and nothing else (no traceback, no key, no raw
body) reaches them. Text that came from Together or from the fleet is cleaned first.
"""

from __future__ import annotations

from collections.abc import Sequence

from mcp.types import CallToolResult, TextContent

from mcp_server.sanitize import clean, clean_name
from shared.errors import (
    AmbiguousClusterError,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    ClusterNotFoundError,
    NotFoundError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitError,
    ResponseValidationError,
    ServerError,
    TogetherError,
)

_TELL_USER = "This is a configuration problem the user must fix; tell them, and do not retry."


def error_result(text: str) -> CallToolResult:
    """An `is_error` result carrying `text` alone."""
    return CallToolResult(is_error=True, content=[TextContent(type="text", text=text)])


def explain(exc: TogetherError) -> str:
    """One paragraph saying what failed and what to do about it."""
    return _explain(exc) + _said(exc)


def _explain(exc: TogetherError) -> str:
    match exc:
        case ClusterNotFoundError():
            return (
                f"No cluster matches '{clean_name(exc.ref)}'."
                + _names(" Closest names: ", exc.suggestions)
                + " Call get_cluster with one of these, or list_clusters with name= to search."
            )
        case AmbiguousClusterError():
            return (
                f"'{clean_name(exc.ref)}' matches several clusters"
                + _names(": ", exc.candidates[:10])
                + " Call get_cluster again with a full name or id."
            )
        case AuthenticationError():
            return (
                "Together rejected the API key (401). Set TOGETHER_API_KEY in this MCP server's "
                "environment (the env block of the client's configuration) and restart it. "
                + _TELL_USER
            )
        case PaymentRequiredError():
            return (
                "Together refused the request: the account is out of credits (402). Credits must "
                f"be added to the Together account. {_TELL_USER}"
            )
        case PermissionDeniedError():
            return (
                "Together denied access (403): the API key may not see this project. Try without "
                "project_id, or ask the user to check TOGETHER_PROJECT_ID and the key's project."
            )
        case NotFoundError():
            return (
                "Together answered 404: the project or the endpoint does not exist. Check the "
                "project_id; if it is right, TOGETHER_BASE_URL is wrong. " + _TELL_USER
            )
        case RateLimitError():
            wait = round(exc.retry_after_s) if exc.retry_after_s is not None else 30
            return (
                f"Together is rate limiting requests (429). Wait {max(1, wait)} s, then retry once."
            )
        case ServerError():
            return (
                f"Together's API is failing ({exc.status_code}). Retry in a few minutes; "
                "until then cluster state is unknown, which does not mean healthy."
            )
        case APIStatusError():
            return (
                f"Together answered {exc.status_code}. Retry later; if it persists, tell the user."
            )
        case APITimeoutError():
            return (
                "Together did not answer in time. Retry in a minute; until then cluster state is "
                "unknown, which does not mean healthy."
            )
        case APIConnectionError():
            return (
                "Together could not be reached from this MCP server (network or "
                "TOGETHER_BASE_URL). Retry in a minute; if it persists, tell the user."
            )
        case ResponseValidationError():
            return (
                "Together answered with something that is not the documented cluster list. "
                "Retry once; if it persists, tell the user."
            )
    return f"The cluster request failed: {clean(exc.message, 200)}"


def _said(exc: TogetherError) -> str:
    if not isinstance(exc, APIStatusError):
        return ""
    said = f' Together said: "{clean(exc.api_message, 200)}".' if exc.api_message else ""
    request = f" (request id {clean_name(exc.request_id)})" if exc.request_id else ""
    return said + request


def _names(prefix: str, names: Sequence[str]) -> str:
    if not names:
        return "."
    return prefix + ", ".join(clean_name(n) for n in names) + "."
