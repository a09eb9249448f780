"""Keeping the alert state bounded: prune what is no longer needed, once an hour.

Settled outbox messages (delivered, superseded, dropped, dead) and incidents that resolved more
than `CLUSTERS_RETENTION_DAYS` ago are deleted, with their snoozes and threads; so are rows
quarantined that long ago. Open incidents, and resolved ones the engine still follows (within
the flap window), are never touched.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field
from datetime import datetime, timedelta

from bot.alerts.store import Store
from shared.timefmt import utcnow

logger = logging.getLogger(__name__)


@dataclass(eq=False)
class Pruner:
    """Prunes the store every `every_s` seconds; `run()` until `stop()`.

    Attributes:
        store: the alert state.
        retention: how long settled messages and resolved incidents are kept.
        every_s: seconds between prunes (the first one runs at once).
        now: the time now, aware UTC (incident times).
        clock: wall-clock seconds (outbox times).
    """

    store: Store
    _: KW_ONLY
    retention: timedelta
    every_s: float = 3600.0
    now: Callable[[], datetime] = utcnow
    clock: Callable[[], float] = time.time
    _stop: asyncio.Event = field(init=False, repr=False, default_factory=asyncio.Event)

    async def prune_once(self) -> dict[str, int]:
        """Prune now; returns how many of each kind of row went."""
        pruned = await self.store.prune(
            done_before=self.clock() - self.retention.total_seconds(),
            resolved_before=self.now() - self.retention,
        )
        if any(pruned.values()):
            logger.info(
                "Alert state pruned (older than %s): %s",
                self.retention,
                ", ".join(f"{n} {what}" for what, n in pruned.items() if n),
            )
        return pruned

    async def run(self) -> None:
        """Prune every `every_s` until `stop()`; a failed prune is logged and tried next time."""
        while not self._stop.is_set():
            try:
                await self.prune_once()
            except Exception:
                logger.exception("Pruning the alert state failed; trying again in an hour")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.every_s)

    async def stop(self) -> None:
        self._stop.set()
