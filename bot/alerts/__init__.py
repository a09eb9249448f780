"""Alerts in Slack channels: the watcher, its SQLite state and outbox, and the alert commands.

`AlertService` ties them together; `run_bot_with_alerts` (in `bot.alerts.wiring`) is what
`clusters-bot` runs.
"""

from bot.alerts.service import AlertService
from bot.alerts.settings import AlertSettings

__all__ = ["AlertService", "AlertSettings"]
