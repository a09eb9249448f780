"""The metrics' cost on the ack: p99 of 100 concurrent `/clusters`, with and without them.

    .venv/bin/python -m bench.metrics_cost

Runs the ack benchmark's quick plan twice against the real bot: as shipped, then as
`bench.bot_without_metrics` (prometheus-client's recording methods made no-ops). One run each;
the figure goes in bench/RESULTS.md.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from bench.ack_bench import SCENARIO, SIZES, _bursts
from bench.stats import ms, percentile
from clusters_devkit.world import World

WITHOUT = (sys.executable, "-m", "bench.bot_without_metrics")


def ack_p99(bot_command: tuple[str, ...] | None) -> float:
    """p99 of the command acks over the quick plan, in seconds."""
    with (
        tempfile.TemporaryDirectory(prefix="bench-metrics-") as home,
        World(Path(home), scenario=SCENARIO, simulator="process", bot_command=bot_command) as world,
    ):
        world.start_bot()
        plan = [(size, 0.0) for size in SIZES]
        bursts = asyncio.run(
            _bursts(world.bot_url, world.sim, world.slack, world.secrets.signing_secret, plan, 1)
        )
    return percentile([a for b in bursts if b.kind == "command" for a in b.acks], 99)


def main() -> None:
    with_metrics = ack_p99(None)
    without = ack_p99(WITHOUT)
    print(f"ack p99 with metrics {ms(with_metrics)}, without {ms(without)}")


if __name__ == "__main__":
    main()
