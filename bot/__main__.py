"""`clusters-bot` (`python -m bot`): the Slack app, in Socket Mode or HTTP mode.

Reads the environment once, refuses in one line when something needed is missing, then runs
the app (`bot.runner.run_bot`) with its features beside it: alerts (`bot.alerts`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from bot.alerts.gauges import outbox_probe
from bot.alerts.settings import AlertSettings
from bot.alerts.wiring import load_alert_settings, open_alerts
from bot.app import BotConfigError
from bot.readiness import Readiness
from bot.runner import run_bot
from bot.settings import BotSettings
from shared.client import ClustersClient
from shared.config_errors import settings_problems
from shared.log_json import command_formatter
from shared.logs import add_log_level_argument, configure_logging
from shared.settings import TogetherSettings
from shared.version import add_version_argument

PROG = "clusters-bot"


def main(
    argv: Sequence[str] | None = None, *, alert_settings: type[AlertSettings] = AlertSettings
) -> None:
    """Run the bot; exit 2 with a one-line message when the configuration cannot work.

    Args:
        argv: the command line (default: `sys.argv[1:]`).
        alert_settings: how `CLUSTERS_*` is read; whole-process tests pass a subclass that polls
            faster than the 5 s minimum.
    """
    words = sys.argv[1:] if argv is None else list(argv)
    if words[:1] == ["state"]:  # `clusters-bot state migrate --to postgresql://...`
        from bot.alerts.migrate import state_main

        sys.exit(state_main(words[1:], PROG))
    args = _parser().parse_args(words)
    configure_logging(
        args.log_level, formatter=command_formatter(PROG, os.environ.get("LOG_FORMAT"))
    )
    try:
        settings, together = load_settings()
        alerts = load_alert_settings(alert_settings)
        asyncio.run(serve(settings, together, alerts, host=args.host, port=args.port))
    except BotConfigError as exc:
        _refuse(str(exc))
    except KeyboardInterrupt:
        pass


async def serve(
    settings: BotSettings,
    together: TogetherSettings,
    alert_settings: AlertSettings,
    *,
    host: str,
    port: int | None,
) -> None:
    """The bot with its features, until SIGINT or SIGTERM.

    Raises:
        BotConfigError: a setting is wrong, Slack rejected the token, or the alert state file
            cannot be opened while CLUSTERS_ALERT_CHANNEL is set.
    """
    async with (
        ClustersClient(together) as clusters,
        open_alerts(settings, alert_settings, clusters) as alerts,
    ):
        features = [alerts] if alerts is not None else []
        readiness = Readiness(socket_mode=settings.socket_mode)  # readiness hook
        if alerts is not None:
            readiness.watch_store(outbox_probe(alerts.store))
        await run_bot(
            settings,
            together,
            clusters=clusters,
            features=features,
            host=host,
            port=port,
            readiness=readiness,
        )


def load_settings() -> tuple[BotSettings, TogetherSettings]:
    """Both settings objects from the environment, or their problems as `BotConfigError`.

    Raises:
        BotConfigError: variables are missing or malformed, one line each naming the variable
            (a value is never repeated).
    """
    try:
        settings = BotSettings()
    except ValidationError as exc:
        raise BotConfigError("\n".join(settings_problems(exc, BotSettings))) from None
    if settings.slack_bot_token is None:
        raise BotConfigError("SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-).")
    if not settings.socket_mode and settings.slack_signing_secret is None:
        raise BotConfigError(
            "SLACK_SIGNING_SECRET is not set: HTTP mode needs it to verify requests "
            "(or set SLACK_APP_TOKEN for Socket Mode)."
        )
    try:
        together = TogetherSettings(cache_ttl_s=settings.together_cache_ttl_s)
    except ValidationError as exc:
        raise BotConfigError("\n".join(settings_problems(exc, TogetherSettings))) from None
    return settings, together


def _refuse(message: str) -> None:
    for line in message.splitlines() or [message]:
        print(f"{PROG}: {line}", file=sys.stderr)
    sys.exit(2)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Slack app for Together GPU clusters: /clusters overviews and details. "
        "Socket Mode when SLACK_APP_TOKEN is set, else HTTP on --port.",
    )
    parser.add_argument("--port", type=int, default=None, help="HTTP port (default: PORT or 3000)")
    parser.add_argument("--host", default="0.0.0.0", help="HTTP interface (default: 0.0.0.0)")
    add_log_level_argument(parser, default="info")
    add_version_argument(parser)
    return parser


if __name__ == "__main__":
    main()
