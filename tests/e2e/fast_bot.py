"""`clusters-bot` allowed to poll faster than the product's 5 s minimum.

The whole-process alert tests start it instead of the console script (`World(bot_command=...)`),
so that an incident's story takes seconds; everything else is the real entry point.
"""

from __future__ import annotations

import sys

from pydantic import Field

from bot.__main__ import main
from bot.alerts.settings import AlertSettings

COMMAND = (sys.executable, "-m", "tests.e2e.fast_bot")


class FastPolling(AlertSettings):
    """`CLUSTERS_POLL_INTERVAL_S` may be any positive number of seconds."""

    poll_interval_s: float = Field(default=60.0, gt=0)


if __name__ == "__main__":
    main(alert_settings=FastPolling)
