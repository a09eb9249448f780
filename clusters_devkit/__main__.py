"""`python -m clusters_devkit`: the Slack sandbox page alone, for a bot you start yourself.

    python -m clusters_devkit --port 8700 --bot-url http://127.0.0.1:3000/slack/events

The bot token and signing secret come from `SLACK_BOT_TOKEN` / `SLACK_SIGNING_SECRET` when set;
otherwise fresh ones are made up and printed with the command that starts the bot against the
sandbox. `make demo` starts everything at once instead (`clusters_devkit.demo`).
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from clusters_devkit.web import DEFAULT_PORT, Sandbox


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m clusters_devkit",
        description="A local Slack workspace in the browser for the clusters bot.",
        epilog="Environment: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET (made up when unset).",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="default: %(default)s")
    parser.add_argument(
        "--bot-url",
        default="http://127.0.0.1:3000/slack/events",
        help="the bot's request URL (default: %(default)s)",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="refuse messages breaking Slack's limits, as Slack does (default: flag them)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the sandbox until Ctrl-C or SIGTERM."""
    args = parse_args(argv)
    token = os.environ.get("SLACK_BOT_TOKEN") or f"xoxb-sandbox-{secrets.token_hex(8)}"
    secret = os.environ.get("SLACK_SIGNING_SECRET") or secrets.token_hex(16)
    sandbox = Sandbox(
        bot_url=args.bot_url,
        signing_secret=secret,
        bot_token=token,
        port=args.port,
        strict_blocks=args.strict,
    )
    try:
        sandbox.start()
    except RuntimeError as exc:
        print(f"Cannot start the sandbox on port {args.port}: {exc}", file=sys.stderr)
        return 1
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    print(f"Slack sandbox: {sandbox.page_url}")
    print(f"It sends commands and clicks to {args.bot_url}. Start the bot against it with:")
    # Only secrets made up here are printed; ones from the environment stay unprinted.
    shown_token = "$SLACK_BOT_TOKEN" if os.environ.get("SLACK_BOT_TOKEN") else token
    shown_secret = "$SLACK_SIGNING_SECRET" if os.environ.get("SLACK_SIGNING_SECRET") else secret
    print(
        f"  SLACK_API_URL={sandbox.api_url} SLACK_BOT_TOKEN={shown_token} "
        f"SLACK_SIGNING_SECRET={shown_secret} "
        f"CLUSTERS_ALERT_CHANNEL={sandbox.alerts_channel.id} python -m bot"
    )
    print("Ctrl-C to stop.", flush=True)
    stop.wait()
    sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
