"""Building the alerts feature for `clusters-bot`: its settings, and its store opened.

    async with open_alerts(bot_settings, load_alert_settings(), clusters) as alerts:
        await run_bot(..., features=[alerts] if alerts else [])

Alerts are always available: `/clusters subscribe` and friends exist in every bot, and the
watcher polls whenever there is somewhere to post (`CLUSTERS_ALERT_CHANNEL` or a subscription).
If the state file cannot be opened the bot refuses to start when `CLUSTERS_ALERT_CHANNEL` is set,
and otherwise runs without alerts, saying so in the log.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pydantic import ValidationError

from bot.alerts.service import AlertService
from bot.alerts.settings import AlertSettings
from bot.alerts.sqlite import SqliteStore
from bot.alerts.store import StoreUnavailable
from bot.alerts.watcher import ClusterSource
from bot.app import BotConfigError, access_policy, build_web_client
from bot.settings import BotSettings
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
    try:
        store = SqliteStore.open(alerts.state_db)
    except StoreUnavailable as exc:
        problem = (
            f"the alert state file {alerts.state_db} cannot be opened ({exc}); "
            "set CLUSTERS_STATE_DB to a writable path"
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
        )
    finally:
        await store.close()
