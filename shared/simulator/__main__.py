"""`clusters-sim` (also `python -m shared.simulator`): serve a simulated Together API.

    clusters-sim --scenario demo --port 8600
    Simulator serving scenario demo at http://127.0.0.1:8600/v1 (API key: sim-key)

Point a client at it with `TOGETHER_BASE_URL=<that URL>` and `TOGETHER_API_KEY=sim-key`.
Ctrl-C or SIGTERM stops it cleanly (exit status 0).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from shared.lifecycle import stop_on_signals
from shared.log_json import command_formatter
from shared.logs import add_log_level_argument, configure_logging
from shared.simulator.app import DEFAULT_API_KEY
from shared.simulator.control import is_loopback
from shared.simulator.scenarios import SCENARIO_HELP, check_scenario_name
from shared.simulator.server import SimulatorServer
from shared.version import add_version_argument

DEFAULT_PORT = 8600


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="clusters-sim", description="Serve a simulated Together GPU clusters API."
    )
    parser.add_argument("--scenario", default="demo", help=f"{SCENARIO_HELP} (default: demo)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port; 0 picks a free one")
    parser.add_argument("--api-key", default=DEFAULT_API_KEY, help="the bearer token to accept")
    parser.add_argument(
        "--read-only-key",
        action="append",
        default=[],
        help="another bearer token, that reads but may not approve repairs (403); repeatable",
    )
    parser.add_argument(
        "--time-scale", type=float, default=1.0, help="timeline speed; 0.1 runs it 10x faster"
    )
    parser.add_argument("--seed", type=int, default=0, help="makes the generated fleet repeatable")
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a non-loopback --host (the control API still answers loopback clients only)",
    )
    add_log_level_argument(parser, default="warning")
    add_version_argument(parser)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the simulator until Ctrl-C or SIGTERM; returns the exit status."""
    args = parse_args(argv)
    configure_logging(
        args.log_level, formatter=command_formatter("clusters-sim", os.environ.get("LOG_FORMAT"))
    )
    problem = None
    try:
        check_scenario_name(args.scenario)
    except ValueError as exc:
        problem = str(exc)
    if args.time_scale <= 0:
        problem = "--time-scale must be positive."
    if not is_loopback(args.host) and not args.allow_remote:
        problem = (
            f"Refusing to listen on {args.host}: the simulator has no real security. "
            "Use a loopback address, or pass --allow-remote if you mean it."
        )
    if problem:
        print(f"clusters-sim: {problem}", file=sys.stderr)
        return 2

    server = SimulatorServer(
        args.scenario,
        host=args.host,
        port=args.port,
        api_key=args.api_key,
        seed=args.seed,
        time_scale=args.time_scale,
        read_only_keys=args.read_only_key,
    )
    try:
        server.start()
    except OSError as exc:
        print(f"clusters-sim: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1

    stop = stop_on_signals()
    print(
        f"Simulator serving scenario {args.scenario} at {server.url} (API key: {args.api_key})",
        flush=True,
    )
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
