"""Building the alerts feature for `clusters-bot`: its settings, and its store opened.

    async with open_alerts(bot_settings, load_alert_settings(), clusters) as alerts:
        await run_bot(..., features=[alerts] if alerts else [])

Alerts are always available: `/clusters subscribe` and friends exist in every bot, and the
watcher polls whenever there is somewhere to post (`CLUSTERS_ALERT_CHANNEL` or a subscription).
`CLUSTERS_STATE_DB` is a SQLite file (the default) or a `postgresql://` URL that several
replicas share (`open_store`). If the state store cannot be opened the bot refuses to start
when `CLUSTERS_ALERT_CHANNEL` is set, and otherwise runs without alerts, saying so in the log.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from pydantic import ValidationError

from bot.alerts.service import AlertService
from bot.alerts.settings import AlertSettings
from bot.alerts.sqlite import SqliteStore
from bot.alerts.state_url import describe, is_postgres_url
from bot.alerts.store import AlertStore, StoreUnavailable
from bot.alerts.watcher import ClusterSource
from bot.app import BotConfigError, access_policy, build_web_client
from bot.settings import BotSettings
from shared.client import ClustersClient
from shared.config_errors import settings_problems

logger = logging.getLogger(__name__)


def load_alert_settings(kind: type[AlertSettings] = AlertSettings) -> AlertSettings:
    """The alert settings from the environment, read as `kind` (a subclass in tests).

    Raises:
        BotConfigError: a `CLUSTERS_*` alert variable is malformed (named in the message).
    """
    try:
        return kind()
    except ValidationError as exc:
        raise BotConfigError("\n".join(settings_problems(exc, kind))) from None


async def open_store(state_db: Path | str) -> AlertStore:
    """The store `CLUSTERS_STATE_DB` names: a SQLite file, or a `postgresql://` database.

    Raises:
        StoreUnavailable: it cannot be opened (a URL's password is masked in the message).
    """
    if isinstance(state_db, str) and is_postgres_url(state_db):
        from bot.alerts.postgres import PostgresStore  # psycopg only when PostgreSQL is used

        return await PostgresStore.open(state_db)
    return SqliteStore.open(Path(state_db))


@asynccontextmanager
async def open_alerts(
    settings: BotSettings, alerts: AlertSettings, clusters: ClusterSource
) -> AsyncIterator[AlertService | None]:
    """The alerts feature on its opened store, which is closed when the block ends.

    Yields None (alerts off, with a warning in the log) when the state file cannot be opened
    and no CLUSTERS_ALERT_CHANNEL is set.

    Raises:
        BotConfigError: the state file cannot be opened while CLUSTERS_ALERT_CHANNEL is set.
    """
    store: AlertStore | None
    try:
        store = await open_store(alerts.state_db)
    except StoreUnavailable as exc:
        problem = (
            f"the alert state {_kind(alerts.state_db)} {describe(alerts.state_db)} cannot be "
            f"opened ({exc}); "
            "set CLUSTERS_STATE_DB to a writable path or a reachable postgresql:// URL"
        )
        if alerts.alert_channel:
            raise BotConfigError(problem[0].upper() + problem[1:] + ".") from None
        logger.warning("Alerts are off: %s.", problem)
        store = None
    if store is None:
        yield None
        return
    try:
        yield AlertService(
            alerts,
            clusters,
            build_web_client(settings, retries=False),
            store,
            access=access_policy(settings),
            approvers=settings.clusters_approvers,
            repairs=clusters if isinstance(clusters, ClustersClient) else None,
        )
    finally:
        await store.close()


def _kind(state_db: Path | str) -> str:
    return "database" if isinstance(state_db, str) and is_postgres_url(state_db) else "file"
