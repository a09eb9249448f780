"""The alert store in PostgreSQL: `PostgresStore`, for several replicas sharing one state."""

from bot.alerts.postgres.store import PostgresStore

__all__ = ["PostgresStore"]
