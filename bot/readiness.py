"""Whether this replica can do its job: what `/readyz` answers.

Ready means: signed in to Slack (`auth.test` passed), the alert state store answers (when
alerts are on), and, in Socket Mode, the connection to Slack is open. Together being down does
not make the bot unready (it still answers, and says Together is down), so it is reported in the
body beside the checks without failing them.

    readiness = Readiness(socket_mode=True)
    readiness.watch_store(store_probe)        # bot.alerts.gauges.outbox_probe(store)
    readiness.watch_socket(link.is_connected) # once the Socket Mode link exists
    ok, body = await readiness.report()
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from shared.metrics import TOGETHER

PROBE_TIMEOUT_S = 2.0
logger = logging.getLogger(__name__)

Probe = Callable[[], Awaitable[Any]]


class Readiness:
    """The checks behind `/readyz`; each is set by the part that knows it.

    Args:
        socket_mode: whether the connection to Slack is a Socket Mode websocket (then it must
            be open to be ready).
        probe_timeout_s: how long the store and socket probes may take before they count as
            failed.
    """

    def __init__(self, *, socket_mode: bool = False, probe_timeout_s: float = PROBE_TIMEOUT_S):
        self.socket_mode = socket_mode
        self.signed_in = False
        self._probe_timeout_s = probe_timeout_s
        self._store: Probe | None = None
        self._socket: Callable[[], Awaitable[bool]] | None = None

    def watch_store(self, probe: Probe) -> None:
        """Readiness asks `probe()` to finish without raising (and it refreshes the outbox
        gauges on the way)."""
        self._store = probe

    def watch_socket(self, is_connected: Callable[[], Awaitable[bool]]) -> None:
        """Readiness asks `is_connected()` whether the Socket Mode connection is open."""
        self._socket = is_connected

    async def refresh(self) -> None:
        """Run the store probe for its side effects (gauges); failures are only logged."""
        if self._store is not None:
            try:
                await asyncio.wait_for(self._store(), self._probe_timeout_s)
            except Exception as exc:
                logger.warning("The alert state store did not answer (%s)", type(exc).__name__)

    async def report(self) -> tuple[bool, dict[str, Any]]:
        """Whether ready, and the JSON body saying what is checked and what is wrong."""
        checks: dict[str, str] = {"slack": "ok" if self.signed_in else "not signed in yet"}
        if self._store is not None:
            checks["state_store"] = await self._check(self._store, "state store")
        if self.socket_mode:
            checks["socket_mode"] = await self._socket_check()
        problems = [f"{name}: {state}" for name, state in checks.items() if state != "ok"]
        body: dict[str, Any] = {
            "ready": not problems,
            "checks": checks,
            "problems": problems,
            "together": _together(),
        }
        return not problems, body

    async def _check(self, probe: Probe, what: str) -> str:
        try:
            await asyncio.wait_for(probe(), self._probe_timeout_s)
        except TimeoutError:
            return f"the {what} did not answer within {self._probe_timeout_s:g} s"
        except Exception as exc:
            return f"the {what} failed ({type(exc).__name__}: {str(exc)[:200]})"
        return "ok"

    async def _socket_check(self) -> str:
        if self._socket is None:
            return "not connected yet"
        try:
            connected = await asyncio.wait_for(self._socket(), self._probe_timeout_s)
        except Exception as exc:
            return f"the connection check failed ({type(exc).__name__})"
        return "ok" if connected else "disconnected (the watchdog is reconnecting)"


def _together() -> dict[str, Any]:
    # Informational only: a Together outage leaves the bot ready, since it still answers.
    state = TOGETHER.reachable
    return {
        "reachable": state,
        "last_ok_at": TOGETHER.last_ok_at,
        "last_error": TOGETHER.last_error,
    }
