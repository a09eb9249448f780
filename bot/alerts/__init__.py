"""Alerts in Slack channels: the watcher, its state and outbox, and the alert commands.

`AlertService` ties them together and is the alerts `bot.extension.Feature`;
`bot.alerts.wiring.open_alerts` builds it on its store (`bot.alerts.store`, in SQLite by
`bot.alerts.sqlite`) for `clusters-bot`.
"""

from bot.alerts.service import AlertService
from bot.alerts.settings import AlertSettings

__all__ = ["AlertService", "AlertSettings"]
