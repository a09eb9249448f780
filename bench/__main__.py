"""`python -m bench [--quick] [--only parse,ack,render,mcp,watcher,delay]`: run the benchmarks.

Prints a table and writes `bench/RESULTS.md` (`bench/RESULTS-quick.md` for a quick run). A
benchmark whose component is missing or fails is reported as not measured, with the reason;
the run itself never fails for that. Every child process is stopped before it returns.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType

from bench import (
    ack_bench,
    alert_delay_bench,
    mcp_bench,
    parse_bench,
    render_bench,
    replicas_bench,
    watcher_bench,
)
from bench.report import Section, machine, markdown, terminal, write
from clusters_devkit.rig import stop_all

logger = logging.getLogger("bench")

Runner = Callable[[bool], Section]
Skipper = Callable[[str], Section]
BENCHMARKS: dict[str, tuple[Runner, Skipper]] = {
    "parse": (parse_bench.run, parse_bench.skipped),
    "ack": (ack_bench.run, ack_bench.skipped),
    "render": (render_bench.run, render_bench.skipped),
    "mcp": (mcp_bench.run, mcp_bench.skipped),
    "watcher": (watcher_bench.run, watcher_bench.skipped),
    "delay": (alert_delay_bench.run, alert_delay_bench.skipped),
    "replicas": (replicas_bench.run, replicas_bench.skipped),
}
HERE = Path(__file__).resolve().parent


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats; under a minute")
    parser.add_argument(
        "--only",
        default=",".join(BENCHMARKS),
        help=f"comma-separated subset of {', '.join(BENCHMARKS)}",
    )
    parser.add_argument("--output", type=Path, help="where to write the Markdown results")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen benchmarks; returns the exit status (2 for bad arguments only)."""
    args = parse_args(argv)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in BENCHMARKS]
    if unknown:
        print(
            f"bench: unknown benchmark {unknown}; choose from {list(BENCHMARKS)}", file=sys.stderr
        )
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the MCP server turns INFO on
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    info = machine()
    sections = []
    try:
        for name in chosen:
            sections.append(_run_one(name, quick=args.quick))
    finally:
        stop_all()
    print()
    print(terminal(sections, info, quick=args.quick))
    output = args.output or HERE / ("RESULTS-quick.md" if args.quick else "RESULTS.md")
    write(output, markdown(sections, info, quick=args.quick))
    print(f"\nWrote {output}")
    return 0


def _run_one(name: str, *, quick: bool) -> Section:
    run, skipped = BENCHMARKS[name]
    print(f"bench: {name} ...", flush=True)
    load = os.getloadavg()[0]
    start = time.perf_counter()
    try:
        section = run(quick)
    except Exception as exc:
        logger.exception("Benchmark %s failed", name)
        section = skipped(f"it failed: {type(exc).__name__}: {exc}"[:300])
    section.seconds = time.perf_counter() - start
    section.notes.append(
        f"Took {section.seconds:.0f} s; load average {load:.2f} at its start, "
        f"{os.getloadavg()[0]:.2f} at its end ({os.cpu_count()} cores)."
    )
    print(f"bench: {name} done in {section.seconds:.0f} s", flush=True)
    return section


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds the `with` blocks that stop child processes


if __name__ == "__main__":
    sys.exit(main())
