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

A port of 0 means any free port.
"""

from __future__ import annotations

import os
import secrets
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import FrameType

from bot.sandbox.banner import Addresses, banner
from bot.sandbox.processes import (
    Children,
    DemoError,
    free_port,
    port_is_free,
    wait_until_answering,
)
from bot.sandbox.sim_timeline import read_timeline, set_paused
from bot.sandbox.web import DEFAULT_PORT, Sandbox

STARTUP_S = 60.0
SIM_PORT, BOT_PORT, MCP_PORT = 8600, 8701, 8000
_SCRUBBED_PREFIXES = ("SLACK_", "TOGETHER_", "CLUSTERS_", "MCP_", "PORT")


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
        )

    def with_free_ports(self) -> DemoConfig:
        """The same, with every port 0 replaced by a free one.

        Raises:
            DemoError: a chosen port is taken; the message names the variable that moves it.
        """
        chosen = {}
        for name in ("sandbox_port", "sim_port", "bot_port", "mcp_port"):
            port = getattr(self, name)
            if port == 0:
                chosen[name] = free_port()
            elif not port_is_free(port):
                variable = f"DEMO_{name.upper()}"
                raise DemoError(
                    f"port {port} is in use (another demo still running?); "
                    f"stop it or set {variable} to another port (0 = any free port)."
                )
        return replace(self, **chosen)


def child_env(base: Mapping[str, str], extra: Mapping[str, str]) -> dict[str, str]:
    """`base` without any Slack, Together, alert or MCP setting of the user's, plus `extra`.

    The user's real SLACK_APP_TOKEN would switch the bot to Socket Mode and their real Together
    key would point it at real clusters: the demo must use only what it set up itself.
    """
    kept = {k: v for k, v in base.items() if not k.startswith(_SCRUBBED_PREFIXES)}
    return {**kept, "PYTHONUNBUFFERED": "1", **extra}


def run_demo(config: DemoConfig, *, stop: threading.Event, env: Mapping[str, str]) -> int:
    """Run the demo until `stop` is set or `config.seconds` pass; returns the exit status."""
    python = sys.executable
    api_key = f"demo-{secrets.token_hex(8)}"
    bot_token = f"xoxb-sandbox-{secrets.token_hex(8)}"
    signing_secret = secrets.token_hex(16)
    mcp_token = secrets.token_urlsafe(32)
    sim_url = f"http://127.0.0.1:{config.sim_port}"
    bot_url = f"http://127.0.0.1:{config.bot_port}"
    with tempfile.TemporaryDirectory(prefix="clusters-demo-") as tmp:
        children = Children(Path(tmp))
        sandbox = Sandbox(
            bot_url=f"{bot_url}/slack/events",
            signing_secret=signing_secret,
            bot_token=bot_token,
            port=config.sandbox_port,
        )
        together = {"TOGETHER_API_KEY": api_key, "TOGETHER_BASE_URL": f"{sim_url}/v1"}
        try:
            sim = children.start(
                "simulator",
                [
                    *(python, "-m", "shared.simulator", "--scenario", "demo"),
                    *("--port", str(config.sim_port), "--api-key", api_key),
                    *("--time-scale", str(config.time_scale)),
                ],
                child_env(env, {}),
            )
            wait_until_answering(
                f"{sim_url}/_sim/timeline", child=sim, within_s=STARTUP_S, stop=stop
            )
            paused = set_paused(sim_url, True)
            try:
                sandbox.start()
            except RuntimeError as exc:
                raise DemoError(f"the sandbox did not start: {exc}") from exc
            bot = children.start(
                "bot",
                [python, "-m", "bot", "--host", "127.0.0.1", "--port", str(config.bot_port)],
                child_env(
                    env,
                    {
                        **together,
                        "SLACK_BOT_TOKEN": bot_token,
                        "SLACK_SIGNING_SECRET": signing_secret,
                        "SLACK_API_URL": sandbox.api_url,
                        "CLUSTERS_ALERT_CHANNEL": sandbox.alerts_channel.id,
                        "CLUSTERS_POLL_INTERVAL_S": f"{config.poll_interval_s:g}",
                        "CLUSTERS_STATE_DB": str(Path(tmp) / "alerts.db"),
                        "TOGETHER_CACHE_TTL_S": "2",
                    },
                ),
            )
            mcp = children.start(
                "MCP server",
                [
                    *(python, "-m", "mcp_server", "--transport", "http"),
                    *("--host", "127.0.0.1", "--port", str(config.mcp_port)),
                ],
                child_env(env, {**together, "MCP_AUTH_TOKEN": mcp_token}),
            )
            wait_until_answering(f"{bot_url}/healthz", child=bot, within_s=STARTUP_S, stop=stop)
            mcp_url = f"http://127.0.0.1:{config.mcp_port}/mcp"
            wait_until_answering(mcp_url, child=mcp, within_s=STARTUP_S, stop=stop)
            addresses = Addresses(
                page=sandbox.page_url,
                mcp=mcp_url,
                mcp_token=mcp_token,
                simulator=f"{sim_url}/v1",
                api_key=api_key,
                alerts_channel=sandbox.alerts_channel.name,
                bot=f"{bot_url}/slack/events",
            )
            timeline = read_timeline(sim_url)
            if paused:
                set_paused(sim_url, False)
            print(banner(addresses, config.time_scale, config.poll_interval_s, timeline))
            for child in children.started:
                print(f"  {child.name}: pid {child.pid}, log {child.log_path}")
            print(f"  sandbox: in this process (pid {os.getpid()})", flush=True)
            return _supervise(children, config.seconds, stop)
        except DemoError as exc:
            print(f"make demo: {exc}", file=sys.stderr, flush=True)
            return 1
        finally:
            children.stop_all()
            sandbox.stop()
            print("Demo stopped: every process ended.", flush=True)


def _supervise(children: Children, seconds: float | None, stop: threading.Event) -> int:
    deadline = None if seconds is None else time.monotonic() + seconds
    while not stop.wait(0.25):
        died = children.first_exited()
        if died is not None:
            print(
                f"make demo: the {died.name} stopped unexpectedly:\n{died.log_tail()}",
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
    """`python -m bot.sandbox.demo`; returns the exit status."""
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, request_stop)
    try:
        config = DemoConfig.from_env(os.environ).with_free_ports()
    except DemoError as exc:
        print(f"make demo: {exc}", file=sys.stderr)
        return 2
    return run_demo(config, stop=stop, env=os.environ)


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
