"""Running the bot with alerts: what `clusters-bot` calls instead of `run_bot` alone.

Alerts are always available: `/clusters subscribe` and friends exist in every bot, and the
watcher polls whenever there is somewhere to post (`CLUSTERS_ALERT_CHANNEL` or a subscription).
If the state file cannot be opened the bot refuses to start when `CLUSTERS_ALERT_CHANNEL` is set,
and otherwise runs without alerts, saying so in the log.
"""

from __future__ import annotations

import logging
import sqlite3

from pydantic import ValidationError

from bot.alerts.service import AlertService
from bot.alerts.settings import AlertSettings
from bot.app import BotConfigError, access_policy, build_web_client
from bot.runner import run_bot
from bot.settings import BotSettings
from shared.client import ClustersClient
from shared.settings import TogetherSettings

logger = logging.getLogger(__name__)


def load_alert_settings() -> AlertSettings:
    """The alert settings from the environment.

    Raises:
        BotConfigError: a `CLUSTERS_*` alert variable is malformed (named in the message).
    """
    try:
        settings = AlertSettings()
    except ValidationError as exc:
        error = exc.errors()[0]
        name = "CLUSTERS_" + "_".join(str(part) for part in error["loc"]).upper()
        raise BotConfigError(f"{name} is invalid: {error['msg']}.") from None
    if settings.test_poll_interval_s is not None:
        logger.warning(
            "CLUSTERS_TEST_POLL_INTERVAL_S=%g overrides the poll interval: for tests only",
            settings.test_poll_interval_s,
        )
    return settings


async def run_bot_with_alerts(
    settings: BotSettings, together: TogetherSettings, *, host: str, port: int | None
) -> None:
    """`bot.runner.run_bot` with the alert service beside the app.

    Raises:
        BotConfigError: a setting is wrong, or the state file cannot be opened while
            CLUSTERS_ALERT_CHANNEL is set.
    """
    alerts = load_alert_settings()
    async with ClustersClient(together) as clusters:
        try:
            service = AlertService.open(
                alerts,
                clusters,
                build_web_client(settings, retries=False),
                access=access_policy(settings),
            )
        except (sqlite3.Error, OSError) as exc:
            problem = (
                f"the alert state file {alerts.state_db} cannot be opened ({exc}); "
                "set CLUSTERS_STATE_DB to a writable path"
            )
            if alerts.alert_channel:
                raise BotConfigError(problem[0].upper() + problem[1:] + ".") from None
            logger.warning("Alerts are off: %s.", problem)
            await run_bot(settings, together, clusters=clusters, host=host, port=port)
            return
        try:
            await run_bot(
                settings,
                together,
                clusters=clusters,
                extra_commands=service.commands(),
                configure_app=[service.register],
                on_startup=[service.start],
                on_shutdown=[service.stop],
                host=host,
                port=port,
            )
        finally:
            service.db.close()
