"""Refusing cross-site requests to the dev tools' state-changing endpoints.

The simulator's control API and the Slack sandbox listen on loopback without authentication, so
any web page open in the developer's browser could POST to them: a `text/plain` or form POST is
a "simple" request that the browser sends without asking (no CORS preflight). A request that
changes state (every method but GET, HEAD and OPTIONS) is therefore accepted only when:

- it comes with no `Origin` (curl, scripts, our own clients) or a loopback one, else 403;
- its `Host` names loopback (a rebound DNS name such as `evil.example` pointing at 127.0.0.1
  does not), else 403;
- a POST, PUT or PATCH says `Content-Type: application/json`, which a page on another site can
  send only after a preflight these servers never grant, else 415.

Used by `shared.simulator.control` (Starlette) and `clusters_devkit.web` (aiohttp).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


def is_loopback(host: str) -> bool:
    """Whether `host` (an address, `[::1]`, or `localhost`) can only be reached from this
    machine."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a request is refused: the HTTP status and a message for whoever sent it."""

    status: int
    message: str


def cross_site_refusal(method: str, headers: Mapping[str, str]) -> Refusal | None:
    """The refusal for a request that may come from another site, or None to serve it.

    Args:
        method: the request's method.
        headers: its headers, looked up case-insensitively (Starlette's and aiohttp's are).
    """
    if method.upper() in SAFE_METHODS:
        return None
    origin = headers.get("origin")
    if origin is not None and not is_loopback(_hostname(origin)):
        return Refusal(403, f"Cross-site request refused: Origin {origin[:100]!r} is not local.")
    host = headers.get("host", "")
    if not is_loopback(_hostname(f"//{host}")):
        return Refusal(403, f"Request refused: Host {host[:100]!r} is not a loopback address.")
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if method.upper() in _WITH_BODY and content_type != "application/json":
        return Refusal(415, "Send the request body as JSON (Content-Type: application/json).")
    return None


def _hostname(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:  # a malformed IPv6 literal
        return ""
