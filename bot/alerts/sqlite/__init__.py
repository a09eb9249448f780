"""The alert store in SQLite: `SqliteStore`, the embedded default behind `bot.alerts.store`."""

from bot.alerts.sqlite.store import SqliteStore

__all__ = ["SqliteStore"]
