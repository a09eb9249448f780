"""Sending the app a signed request as Slack does, and reading its answer as Slack would.

Slack waits 3 s for the acknowledgement; later than that, or on any other status than 200, the
person sees Slack's own words (`operation_timeout`, `dispatch_failed`), and so does the page.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import aiohttp

from clusters_devkit.payloads import SignedRequest

ACK_TIMEOUT_S = 3.0


@dataclass(frozen=True, slots=True)
class Delivery:
    """How the app answered one request.

    Attributes:
        error: Slack's word for the failure (`operation_timeout`, `dispatch_failed`), or None.
        detail: what happened, for the person at the page.
        body: the app's HTTP answer (a slash command's ack may carry a message).
    """

    error: str | None
    detail: str
    body: str = ""


async def deliver(url: str, signed: SignedRequest, *, timeout_s: float = ACK_TIMEOUT_S) -> Delivery:
    """POST `signed` to the app at `url` and wait at most `timeout_s` for its acknowledgement."""
    started = time.monotonic()
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s)) as session,
            session.post(url, data=signed.body.encode(), headers=signed.headers) as response,
        ):
            status, text = response.status, await response.text()
    except TimeoutError:
        return Delivery("operation_timeout", f"the app did not answer within {timeout_s:g} s")
    except aiohttp.ClientError as exc:
        return Delivery("dispatch_failed", f"the app is not reachable at {url} ({exc})")
    if status != 200:
        return Delivery("dispatch_failed", f"the app answered HTTP {status}: {text[:200]}")
    elapsed_ms = (time.monotonic() - started) * 1000
    return Delivery(None, f"acknowledged in {elapsed_ms:.0f} ms", text)
