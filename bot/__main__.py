"""`clusters-bot` (`python -m bot`): the Slack app, in Socket Mode or HTTP mode.

Reads the environment once, refuses in one line when something needed is missing, then runs
`bot.alerts.wiring.run_bot_with_alerts`: the app (`bot.runner.run_bot`) with the alert watcher
beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from bot.alerts.wiring import run_bot_with_alerts
from bot.app import BotConfigError
from bot.settings import BotSettings
from shared.settings import TogetherSettings

PROG = "clusters-bot"


def main(argv: Sequence[str] | None = None) -> None:
    """Run the bot; exit 2 with a one-line message when the configuration cannot work."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if args.log_level != "debug":
        logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per Together request
    try:
        settings, together = load_settings()
        asyncio.run(run_bot_with_alerts(settings, together, host=args.host, port=args.port))
    except BotConfigError as exc:
        _refuse(str(exc))
    except KeyboardInterrupt:
        pass


def load_settings() -> tuple[BotSettings, TogetherSettings]:
    """Both settings objects from the environment, or the first problem as `BotConfigError`.

    Raises:
        BotConfigError: a variable is missing or malformed (its value is never repeated).
    """
    try:
        settings = BotSettings()
    except ValidationError as exc:
        raise BotConfigError(_first_problem(exc, prefix="")) from None
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
        raise BotConfigError(_first_problem(exc, prefix="TOGETHER_")) from None
    return settings, together


def _first_problem(exc: ValidationError, *, prefix: str) -> str:
    error = exc.errors()[0]
    name = prefix + "_".join(str(part) for part in error["loc"]).upper()
    if error["type"] == "missing":
        return f"{name} is not set."
    return f"{name} is invalid: {error['msg']}."


def _refuse(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr)
    sys.exit(2)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Slack app for Together GPU clusters: /clusters overviews and details. "
        "Socket Mode when SLACK_APP_TOKEN is set, else HTTP on --port.",
    )
    parser.add_argument("--port", type=int, default=None, help="HTTP port (default: PORT or 3000)")
    parser.add_argument("--host", default="0.0.0.0", help="HTTP interface (default: 0.0.0.0)")
    parser.add_argument(
        "--log-level", default="info", choices=["debug", "info", "warning", "error"]
    )
    return parser


if __name__ == "__main__":
    main()
