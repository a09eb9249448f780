"""`make demo`: the whole product on one machine, with no Slack workspace and no Together key.

Starts, in order: the Together API simulator (`demo` scenario, whose timeline degrades a cluster
after about 30 s and recovers it about 2 min later), the Slack sandbox page, the real bot in HTTP
mode against the sandbox with alerts going to the sandbox's alerts channel, and the real MCP
server over HTTP on loopback with a fresh token. Then it prints where everything is.

Ctrl-C (or SIGTERM) stops everything; it also ends by itself after `DEMO_SECONDS`.

Environment (all optional):

| variable | default | meaning |
| --- | --- | --- |
| `DEMO_SECONDS` | unset | stop by itself after this many seconds |
| `DEMO_TIME_SCALE` | 1 | timeline speed: 0.1 plays it 10x faster |
| `DEMO_SANDBOX_PORT` | 8700 | the sandbox page (and the fake Slack API) |
| `DEMO_SIM_PORT` | 8600 | the Together API simulator |
| `DEMO_BOT_PORT` | 8701 | the bot's HTTP endpoint (`/slack/events`) |
| `DEMO_MCP_PORT` | 8000 | the MCP server (`/mcp`) |
| `DEMO_POLL_INTERVAL_S` | 5 | how often the bot's watcher polls the simulator |
| `DEMO_LOG_DIR` | `.demo-logs` | each run's logs go to `<dir>/<date-time>/`, kept after it stops |

A port of 0 means any free port.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Any

from clusters_devkit.banner import Addresses, banner, moments
from clusters_devkit.rig import REPO_ROOT, free_port, port_is_free
from clusters_devkit.web import DEFAULT_PORT, Sandbox
from clusters_devkit.world import Secrets, World
from shared.simulator import SimulatorControl, SimulatorControlError

SIM_PORT, BOT_PORT, MCP_PORT = 8600, 8701, 8000
LOG_DIR = REPO_ROOT / ".demo-logs"  # in .gitignore


class DemoError(Exception):
    """The demo cannot go on; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class DemoConfig:
    """What `make demo` runs, from the `DEMO_*` variables (see the module docstring)."""

    seconds: float | None = None
    time_scale: float = 1.0
    sandbox_port: int = DEFAULT_PORT
    sim_port: int = SIM_PORT
    bot_port: int = BOT_PORT
    mcp_port: int = MCP_PORT
    poll_interval_s: float = 5.0
    log_dir: Path = LOG_DIR

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> DemoConfig:
        """Read the `DEMO_*` variables.

        Raises:
            DemoError: a value is not a number, or out of range; the message names the variable.
        """
        time_scale = _number(env, "DEMO_TIME_SCALE", minimum=0.001)
        poll_interval_s = _number(env, "DEMO_POLL_INTERVAL_S", minimum=5)
        return cls(
            seconds=_number(env, "DEMO_SECONDS", minimum=0),
            time_scale=1.0 if time_scale is None else time_scale,
            sandbox_port=_port(env, "DEMO_SANDBOX_PORT", DEFAULT_PORT),
            sim_port=_port(env, "DEMO_SIM_PORT", SIM_PORT),
            bot_port=_port(env, "DEMO_BOT_PORT", BOT_PORT),
            mcp_port=_port(env, "DEMO_MCP_PORT", MCP_PORT),
            poll_interval_s=5.0 if poll_interval_s is None else poll_interval_s,
            log_dir=Path(env["DEMO_LOG_DIR"]).expanduser()
            if env.get("DEMO_LOG_DIR", "").strip()
            else LOG_DIR,
        )

    def with_free_ports(self) -> DemoConfig:
        """The same, with every port 0 replaced by a free one.

        Raises:
            DemoError: a chosen port is taken; the message names the variable that moves it.
        """
        chosen: dict[str, int] = {}
        for name in ("sandbox_port", "sim_port", "bot_port", "mcp_port"):
            port = getattr(self, name)
            chosen[name] = port
            if port == 0:
                chosen[name] = free_port()
            elif not port_is_free(port):
                variable = f"DEMO_{name.upper()}"
                raise DemoError(
                    f"port {port} is in use (another demo still running?); "
                    f"stop it or set {variable} to another port (0 = any free port)."
                )
        return replace(
            self,
            sandbox_port=chosen["sandbox_port"],
            sim_port=chosen["sim_port"],
            bot_port=chosen["bot_port"],
            mcp_port=chosen["mcp_port"],
        )


def run_demo(config: DemoConfig, *, stop: threading.Event) -> int:
    """Run the demo until `stop` is set or `config.seconds` pass; returns the exit status."""
    secrets = Secrets.fresh()
    bot_url = f"http://127.0.0.1:{config.bot_port}/slack/events"
    sandbox = Sandbox(
        bot_url=bot_url,
        signing_secret=secrets.signing_secret,
        bot_token=secrets.bot_token,
        port=config.sandbox_port,
    )
    home = run_directory(config.log_dir)
    world = World(
        home,
        scenario="demo",
        time_scale=config.time_scale,
        simulator="process",
        simulator_port=config.sim_port,
        slack=sandbox,
        secrets=secrets,
        alert_channel=sandbox.alerts_channel.id,
        stop=stop,
    )
    try:
        world.start()
        # The timeline holds still while the bot and the MCP server start, so "degrades in
        # about 30 s" counts from the banner, and the bot's first poll sees the fleet as is.
        timeline = _timeline(world.sim, paused=True)
        world.start_bot(
            world.bot_env(
                CLUSTERS_POLL_INTERVAL_S=f"{config.poll_interval_s:g}",
                TOGETHER_CACHE_TTL_S="2",
                # You, the sandbox's user, may approve repairs from the alerts.
                CLUSTERS_APPROVERS=sandbox.person.user_id,
            ),
            port=config.bot_port,
        )
        world.start_mcp(port=config.mcp_port)
        addresses = Addresses(
            page=sandbox.page_url,
            mcp=world.mcp_url,
            mcp_token=secrets.mcp_token,
            simulator=world.simulator_url,
            api_key=secrets.api_key,
            alerts_channel=sandbox.alerts_channel.name,
            bot=bot_url,
        )
        if timeline is not None:
            _timeline(world.sim, paused=False)
        print(banner(addresses, config.time_scale, config.poll_interval_s, moments(timeline or {})))
        for child in world.children():
            print(f"  {child.name}: pid {child.pid}, log {child.log_path}")
        print(f"  logs: {home} (kept after the demo stops)")
        print(f"  sandbox: in this process (pid {os.getpid()})", flush=True)
        return _supervise(world, config.seconds, stop)
    except RuntimeError as exc:  # ChildError, or the sandbox could not start
        print(f"make demo: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        world.stop()
        print(f"Demo stopped: every process ended. Its logs are in {home}", flush=True)


def run_directory(root: Path) -> Path:
    """A new directory for one run's logs and state: `root/<date>-<time>[-n]`, created."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    for n in range(100):
        path = root / (stamp if n == 0 else f"{stamp}-{n}")
        try:
            path.mkdir(parents=True)
        except FileExistsError:
            continue
        return path
    raise DemoError(f"cannot make a new log directory in {root}; clear it out.")


def _timeline(control: SimulatorControl, *, paused: bool) -> dict[str, Any] | None:
    """Pause or resume the simulator's timeline; how it stands, or None if it refused."""
    try:
        return control.timeline(paused=paused)
    except SimulatorControlError:
        return None


def _supervise(world: World, seconds: float | None, stop: threading.Event) -> int:
    deadline = None if seconds is None else time.monotonic() + seconds
    while not stop.wait(0.25):
        died = next((child for child in world.children() if not child.is_running()), None)
        if died is not None:
            print(
                f"make demo: the {died.name} stopped unexpectedly:\n{died.tail()}",
                file=sys.stderr,
                flush=True,
            )
            return 1
        if deadline is not None and time.monotonic() >= deadline:
            print(f"\nDEMO_SECONDS={seconds:g} reached; stopping.", flush=True)
            return 0
    print("\nStopping…", flush=True)
    return 0


def main() -> int:
    """`python -m clusters_devkit.demo`; returns the exit status."""
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, request_stop)
    try:
        config = DemoConfig.from_env(os.environ).with_free_ports()
        return run_demo(config, stop=stop)
    except DemoError as exc:
        print(f"make demo: {exc}", file=sys.stderr)
        return 2


def _number(env: Mapping[str, str], name: str, *, minimum: float) -> float | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise DemoError(f"{name}={raw!r} is not a number.") from None
    if value < minimum:
        raise DemoError(f"{name} must be at least {minimum:g} (got {raw}).")
    return value


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) > 65535:
        raise DemoError(f"{name}={raw!r} is not a port number (0-65535; 0 = any free port).")
    return int(raw)


if __name__ == "__main__":
    sys.exit(main())
