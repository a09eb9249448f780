"""`python -m clusters_devkit`: the Slack sandbox page alone, for a bot you start yourself.

    .venv/bin/python -m clusters_devkit --port 8700 --bot-url http://127.0.0.1:3000/slack/events

The bot token and signing secret come from `SLACK_BOT_TOKEN` / `SLACK_SIGNING_SECRET` when set;
otherwise fresh ones are made up. It prints the command that starts the bot against the sandbox,
ready to paste: the bot's port from `--bot-url`, and Together pointed at `--sim-url` (the demo's
simulator port by default, with the command that starts one there). `make demo` starts
everything at once instead (`clusters_devkit.demo`).
"""

from __future__ import annotations

import argparse
import os
import secrets
import shlex
import sys
from collections.abc import Sequence
from urllib.parse import urlsplit

from clusters_devkit.demo import SIM_PORT
from clusters_devkit.web import DEFAULT_PORT, Sandbox
from shared.lifecycle import stop_on_signals
from shared.simulator import DEFAULT_API_KEY

DEFAULT_SIM_URL = f"http://127.0.0.1:{SIM_PORT}/v1"
BOT_COMMAND = ".venv/bin/clusters-bot"
SIM_COMMAND = ".venv/bin/clusters-sim"


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
        "--sim-url",
        default=DEFAULT_SIM_URL,
        help="the Together API the bot should use: a simulator (default: %(default)s)",
    )
    parser.add_argument(
        "--sim-key", default=DEFAULT_API_KEY, help="its API key (default: %(default)s)"
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
    stop = stop_on_signals()
    print(f"Slack sandbox: {sandbox.page_url}")
    print(f"It sends commands and clicks to {args.bot_url}.")
    if args.sim_url == DEFAULT_SIM_URL:
        print("Start a Together simulator for the bot (skip this if `make demo` runs one):")
        print(f"  {SIM_COMMAND} --scenario demo --port {SIM_PORT} --api-key {args.sim_key}")
    print("Start the bot against the sandbox with:")
    # Only secrets made up here are printed; ones from the environment stay unprinted.
    shown_token = "$SLACK_BOT_TOKEN" if os.environ.get("SLACK_BOT_TOKEN") else token
    shown_secret = "$SLACK_SIGNING_SECRET" if os.environ.get("SLACK_SIGNING_SECRET") else secret
    print("  " + bot_command(sandbox, args, token=shown_token, secret=shown_secret))
    print("Ctrl-C to stop.", flush=True)
    stop.wait()
    sandbox.stop()
    return 0


def bot_command(sandbox: Sandbox, args: argparse.Namespace, *, token: str, secret: str) -> str:
    """The shell line that starts `clusters-bot` against `sandbox`, runnable as printed."""
    url = urlsplit(args.bot_url)
    port = url.port or (443 if url.scheme == "https" else 80)
    env = {
        "SLACK_API_URL": sandbox.api_url,
        "SLACK_BOT_TOKEN": token,
        "SLACK_SIGNING_SECRET": secret,
        "CLUSTERS_ALERT_CHANNEL": sandbox.alerts_channel.id,
        "TOGETHER_BASE_URL": args.sim_url,
        "TOGETHER_API_KEY": args.sim_key,
    }
    # `$NAME` stays unquoted so the shell expands it; everything else is quoted as needed.
    words = [f"{k}={v if v.startswith('$') else shlex.quote(v)}" for k, v in env.items()]
    host = url.hostname or "127.0.0.1"
    return " ".join([*words, BOT_COMMAND, "--host", shlex.quote(host), "--port", str(port)])


if __name__ == "__main__":
    sys.exit(main())
