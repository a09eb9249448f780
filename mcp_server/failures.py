"""Failures as tool results a model can act on: what happened, and what to do next.

A tool that fails returns `CallToolResult(is_error=True)` with one short paragraph instead of
raising: models read the text and steer by it, and nothing else (no traceback, no key, no raw
body) reaches them. The paragraph is the error's own facts (`shared.errors`), cleaned like any
text that came from Together or from the fleet, plus what a model in particular needs to hear:
which tool to call next, whether to retry, and whether to hand the problem to the user.
"""

from __future__ import annotations

from mcp.types import CallToolResult, TextContent

from mcp_server.sanitize import clean, clean_name, quote
from shared.errors import AmbiguousClusterError, ClusterNotFoundError, Remedy, TogetherError

SUMMARY_CHARS = 1500

# The next call, for the errors a tool call can fix: presentation only (tool names).
_NEXT_CALL: dict[type[TogetherError], str] = {
    ClusterNotFoundError: (
        "Call get_cluster with one of the closest names, or list_clusters with name= to search."
    ),
    AmbiguousClusterError: "Call get_cluster again with a full name or id.",
}

# What the remedy means for a model that would otherwise retry, or guess.
_FOR_A_MODEL = {
    Remedy.WAIT: "Until then cluster state is unknown, which does not mean healthy.",
    Remedy.SETTINGS: (
        "This is a configuration problem the user must fix in this MCP server's environment (the "
        "env block of the client's configuration), then restart it; tell them, and do not retry."
    ),
    Remedy.ACCOUNT: "The user must fix this; tell them, and do not retry.",
}


def error_result(text: str) -> CallToolResult:
    """An `is_error` result carrying `text` alone."""
    return CallToolResult(is_error=True, content=[TextContent(type="text", text=text)])


def explain(exc: TogetherError) -> str:
    """One paragraph saying what failed and what to do about it."""
    text = clean(exc.summary, SUMMARY_CHARS)
    if exc.said:
        text += f" Together said: {quote(clean(exc.said, 200), always=True)}."
    text += " " + _NEXT_CALL.get(type(exc), clean(exc.action, 400))
    if exc.remedy in _FOR_A_MODEL:
        text += " " + _FOR_A_MODEL[exc.remedy]
    if exc.request_id:
        text += f" (request id {clean_name(exc.request_id)})"
    return text
