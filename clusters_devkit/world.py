"""The whole product on loopback: the simulator, a fake Slack, and the real bot and MCP server.

One place builds "the bot against the fakes": its environment (`World.bot_env`), its command
line, how it is started, killed and stopped. The demo, the benchmarks and the whole-process
tests all go through it.

    with World(tmp_path, alert_channel="C0ALERTS") as world:    # simulator + fake Slack
        world.start_bot(poll_s=1)                                 # HTTP, waits for /healthz
        world.sim.set_cluster(cluster_id, status="Degraded")
        world.wait(lambda: world.parents())
        world.kill_bot()                                          # kill -9
"""

from __future__ import annotations

import secrets as random_secrets
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from signal import SIGKILL
from typing import Any, Literal, Self, TypedDict

import httpx

from clusters_devkit.fake_slack import FakeSlack
from clusters_devkit.rig import ChildError, ChildProcess, free_port, run_until_exit
from clusters_devkit.sim_process import SimulatorProcess
from shared.lifecycle import Lifecycle
from shared.simulator import SimulatorControl, SimulatorServer

TEAM = "T0001"
# Tests only: lets the bot poll faster than the real minimum. Set here and nowhere else.
BOT_STOP_GRACE_S = 15.0


@dataclass(frozen=True, slots=True)
class Secrets:
    """The made-up credentials the parts of a world share."""

    api_key: str = "world-sim-key-0123456789"
    bot_token: str = "xoxb-world-bot-token"
    app_token: str = "xapp-world-app-token"
    signing_secret: str = "world-signing-secret"
    mcp_token: str = "world-mcp-token-0123456789abcdef"

    @classmethod
    def fresh(cls) -> Secrets:
        """New random credentials, for a world a person will see (the demo)."""
        return cls(
            api_key=f"demo-{random_secrets.token_hex(8)}",
            bot_token=f"xoxb-sandbox-{random_secrets.token_hex(8)}",
            app_token=f"xapp-sandbox-{random_secrets.token_hex(8)}",
            signing_secret=random_secrets.token_hex(16),
            mcp_token=random_secrets.token_urlsafe(32),
        )


def entry_point(script: str, module: str) -> list[str]:
    """The installed console script beside this interpreter, else `python -m module`."""
    installed = Path(sys.executable).with_name(script)
    return [str(installed)] if installed.exists() else [sys.executable, "-m", module]


class _SimulatorArgs(TypedDict):
    """What the world gives its simulator, whether it runs in a thread or as a process."""

    port: int
    api_key: str
    seed: int
    time_scale: float


class World(Lifecycle):
    """A simulator and a fake Slack on loopback, and the real bot and MCP server when started.

    Args:
        home: the directory for logs and state; also the children's `HOME`.
        scenario: the simulator's scenario (`empty`, `demo`, `large:N`).
        seed: makes a generated fleet repeatable.
        time_scale: the simulator timeline's speed.
        simulator: "thread" serves it in this process (`server` gives its state), "process"
            runs `python -m shared.simulator` as a child.
        simulator_port: where the simulator listens (0: any free port).
        slack: the fake Slack to use (the demo's sandbox page); a strict `FakeSlack` by default.
            Started and stopped with the world.
        secrets: the credentials every part is given.
        alert_channel: `CLUSTERS_ALERT_CHANNEL` for the bot; None leaves alerts off.
        bot_command: how to start the bot (default: the installed `clusters-bot`); the alert
            tests start a variant that may poll faster than every 5 s.
        stop: when set, a start still waiting gives up (the demo's Ctrl-C).
    """

    def __init__(
        self,
        home: Path,
        *,
        scenario: str = "empty",
        seed: int = 0,
        time_scale: float = 1.0,
        simulator: Literal["thread", "process"] = "thread",
        simulator_port: int = 0,
        slack: FakeSlack | None = None,
        secrets: Secrets | None = None,
        alert_channel: str | None = None,
        bot_command: Sequence[str] | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.home = home
        self.secrets = secrets or Secrets()
        self.alert_channel = alert_channel
        self.bot_command = list(bot_command or entry_point("clusters-bot", "bot"))
        self.state_db = home / "state" / "alerts.db"
        self._stop = stop
        given = _SimulatorArgs(
            port=simulator_port, api_key=self.secrets.api_key, seed=seed, time_scale=time_scale
        )
        self.simulator: SimulatorServer | SimulatorProcess
        if simulator == "thread":
            self.simulator = SimulatorServer(scenario, **given)
        else:
            self.simulator = SimulatorProcess(scenario, log_path=home / "simulator.log", **given)
        self.slack = slack or FakeSlack(
            bot_token=self.secrets.bot_token, app_token=self.secrets.app_token, team_id=TEAM
        )
        self.bot: ChildProcess | None = None
        self.bot_port = 0
        # Replicas started with `start_bot(name=...)`; "bot" is `self.bot` itself.
        self.bots: dict[str, ChildProcess] = {}
        self.bot_ports: dict[str, int] = {}
        self.mcp: ChildProcess | None = None
        self._mcps: list[ChildProcess] = []
        self.mcp_port = 0
        self._bot_runs = 0
        self._bot_names: dict[str, None] = {}  # every name started, killed ones too, in order

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> Self:
        """Start the simulator, then the fake Slack.

        Raises:
            ChildError: the simulator process did not start.
            OSError: the in-process simulator could not bind its port.
            RuntimeError: the fake Slack did not start.
        """
        self.home.mkdir(parents=True, exist_ok=True)
        if isinstance(self.simulator, SimulatorProcess):
            self.simulator.start(stop=self._stop)
        else:
            self.simulator.start()
        try:
            self.slack.start()
        except BaseException:
            self.simulator.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop everything started, the last started first; safe to call twice."""
        for mcp in reversed(self._mcps):
            mcp.stop()
        for name in [*self.bots, "bot"]:
            self.stop_bot(name)
        self.slack.stop()
        self.simulator.stop()

    def children(self) -> list[ChildProcess]:
        """The child processes started so far (simulator, bot, MCP server), in that order."""
        replicas = [bot for name, bot in self.bots.items() if name != "bot"]
        found = [self.bot, *replicas, *self._mcps]
        if isinstance(self.simulator, SimulatorProcess):
            found.insert(0, self.simulator.process)
        return [child for child in found if child is not None]

    # -- the simulator ---------------------------------------------------------------------

    @property
    def simulator_url(self) -> str:
        """The simulator's API base ending in `/v1` (`TOGETHER_BASE_URL`)."""
        return self.simulator.url

    @property
    def sim(self) -> SimulatorControl:
        """The simulator's control API."""
        return self.simulator.control

    @property
    def server(self) -> SimulatorServer:
        """The in-process simulator, to read its state without an HTTP round trip.

        Raises:
            ChildError: the simulator runs as a process.
        """
        if not isinstance(self.simulator, SimulatorServer):
            raise ChildError("the simulator runs as a process: use `sim` instead")
        return self.simulator

    # -- the bot ---------------------------------------------------------------------------

    def bot_env(self, **extra: str) -> dict[str, str]:
        """The bot's settings against this world's fakes, plus `extra`."""
        env = {
            "HOME": str(self.home),
            "SLACK_BOT_TOKEN": self.secrets.bot_token,
            "SLACK_SIGNING_SECRET": self.secrets.signing_secret,
            "SLACK_API_URL": self.slack.api_url,
            "TOGETHER_API_KEY": self.secrets.api_key,
            "TOGETHER_BASE_URL": self.simulator_url,
            "CLUSTERS_STATE_DB": str(self.state_db),
        }
        if self.alert_channel is not None:
            env["CLUSTERS_ALERT_CHANNEL"] = self.alert_channel
        return {**env, **extra}

    def start_bot(
        self,
        env: Mapping[str, str] | None = None,
        *,
        port: int = 0,
        http: bool = True,
        poll_s: float | None = None,
        name: str = "bot",
    ) -> ChildProcess:
        """Start `clusters-bot`; in HTTP mode, return once `/healthz` answers.

        Args:
            env: its settings (`bot_env()` by default).
            port: where it listens (0: any free port).
            http: False for Socket Mode (`env` carries `SLACK_APP_TOKEN`): return once started.
            poll_s: `CLUSTERS_POLL_INTERVAL_S` (below 5 s only with a `bot_command` that
                allows it).
            name: which replica this is; "bot" is `self.bot`, any other name starts one more
                beside it (`bots[name]`, `bot_ports[name]`, its log `<name>-<n>.log`).

        Raises:
            ChildError: it exited or did not answer in time (its output is in the message).
        """
        variables = dict(self.bot_env() if env is None else env)
        if poll_s is not None:
            variables["CLUSTERS_POLL_INTERVAL_S"] = f"{poll_s:g}"
        bot_port = port or free_port()
        self._bot_runs += 1
        self._bot_names[name] = None
        bot = ChildProcess(
            name,
            self._bot_argv(bot_port),
            env=variables,
            log_path=self.home / f"{name}-{self._bot_runs}.log",
        ).start()
        self.bots[name], self.bot_ports[name] = bot, bot_port
        if name == "bot":
            self.bot, self.bot_port = bot, bot_port
        if http:
            try:
                bot.wait_for_http(f"http://127.0.0.1:{bot_port}/healthz", stop=self._stop)
            except ChildError:
                bot.stop()
                raise
        return bot

    def run_bot_until_exit(
        self, env: Mapping[str, str] | None = None, *, port: int = 0, timeout_s: float = 30.0
    ) -> subprocess.CompletedProcess[str]:
        """Run `clusters-bot` expecting it to stop by itself (a refusal); output captured."""
        return run_until_exit(
            self._bot_argv(port or free_port()),
            env=self.bot_env() if env is None else env,
            timeout_s=timeout_s,
        )

    @property
    def bot_url(self) -> str:
        return f"http://127.0.0.1:{self.bot_port}"

    def kill_bot(self, name: str = "bot") -> None:
        """kill -9: no shutdown hooks, no last commit."""
        bot = self.bots.pop(name, None)
        if name == "bot":
            self.bot = None
        if bot is not None:
            bot.signal(SIGKILL)
            bot.stop()

    def stop_bot(self, name: str = "bot") -> int | None:
        """SIGTERM, as a service manager stops it; its exit status (None if none ran)."""
        bot = self.bots.pop(name, None)
        if name == "bot":
            bot, self.bot = self.bot, None
        return None if bot is None else bot.stop(BOT_STOP_GRACE_S)

    def bot_log(self, name: str = "bot") -> str:
        """What every bot (or replica `name`) started in this world printed, run after run."""
        logs = sorted(self.home.glob(f"{name}-*.log"), key=lambda p: int(p.stem.rpartition("-")[2]))
        return "\n".join(path.read_text(errors="replace") for path in logs)

    def post(self, body: str, headers: Mapping[str, str]) -> httpx.Response:
        """POST a (signed) request to the bot's `/slack/events`, as Slack would."""
        return httpx.post(
            f"{self.bot_url}/slack/events", content=body, headers=dict(headers), timeout=10
        )

    def _bot_argv(self, port: int) -> list[str]:
        return [*self.bot_command, "--host", "127.0.0.1", "--port", str(port)]

    # -- the MCP server --------------------------------------------------------------------

    def mcp_env(self, **extra: str) -> dict[str, str]:
        """The MCP server's settings against this world's simulator, plus `extra`."""
        env = {
            "HOME": str(self.home),
            "TOGETHER_API_KEY": self.secrets.api_key,
            "TOGETHER_BASE_URL": self.simulator_url,
        }
        return {**env, **extra}

    def mcp_argv(self, *args: str) -> list[str]:
        """The `clusters-mcp` command line with `args`."""
        return [*entry_point("clusters-mcp", "mcp_server"), *args]

    def start_mcp(self, *, port: int = 0, env: Mapping[str, str] | None = None) -> ChildProcess:
        """Start `clusters-mcp` over HTTP with `secrets.mcp_token` (and `env`); return once `/mcp`
        answers. Starting another keeps the first running (replicas); `mcp` is the newest.

        Raises:
            ChildError: it exited or did not answer in time.
        """
        self.mcp_port = port or free_port()
        argv = self.mcp_argv("--transport", "http", "--host", "127.0.0.1")
        self._mcps.append(
            ChildProcess(
                "MCP server",
                [*argv, "--port", str(self.mcp_port)],
                env=self.mcp_env(MCP_AUTH_TOKEN=self.secrets.mcp_token, **(env or {})),
                log_path=self.home / f"mcp-server-{len(self._mcps) + 1}.log",
            ).start()
        )
        self.mcp = self._mcps[-1]
        try:
            self.mcp.wait_for_http(self.mcp_url, stop=self._stop)
        except ChildError:
            self.mcp.stop()
            raise
        return self.mcp

    @property
    def mcp_url(self) -> str:
        return f"http://127.0.0.1:{self.mcp_port}/mcp"

    # -- what the fake Slack saw -----------------------------------------------------------

    def parents(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Top-level messages in `channel` (the alert channel by default), updates applied."""
        return [m for m in self.slack.messages(self._channel(channel)) if "thread_ts" not in m]

    def replies(self, parent: Mapping[str, Any], channel: str | None = None) -> list[str]:
        """The texts of the replies in `parent`'s thread, in order."""
        return [
            m["text"]
            for m in self.slack.messages(self._channel(channel))
            if m.get("thread_ts") == parent["ts"]
        ]

    def posts(self) -> list[str]:
        """The texts of every successful chat.postMessage, in order."""
        return [c.params["text"] for c in self.slack.calls_to("chat.postMessage") if c.ok]

    def wait(self, predicate: Callable[[], bool], timeout: float = 30.0) -> None:
        """Wait until `predicate` holds.

        Raises:
            TimeoutError: it did not within `timeout` seconds (each bot's last output is shown,
                replicas' too).
        """
        if not self.slack.wait_for(predicate, timeout):
            said = "\n".join(
                f"--- {name} ---\n{self.bot_log(name)[-4000:]}" for name in self._bot_names
            )
            raise TimeoutError(f"timed out waiting; the bots said:\n{said}")

    def _channel(self, channel: str | None) -> str:
        chosen = channel or self.alert_channel
        if chosen is None:
            raise ValueError("name a channel: this world has no alert channel")
        return chosen
