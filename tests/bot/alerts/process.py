"""The real `clusters-bot` process with alerts, between the simulator and the fake Slack.

Used by the whole-process tests in `tests/e2e/test_alerts_*.py`:

    with AlertWorld(tmp_path) as world:          # simulator (empty) + fake Slack
        cluster_id, nodes = world.add("train-a")
        world.start_bot(poll_s=1)                 # HTTP mode on a free port, alerts to ALERTS
        world.sim.set_cluster(cluster_id, **degrade(nodes[0]))
        world.wait(lambda: world.parents())
        world.kill()                              # kill -9
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx

from bot.sandbox import FakeSlack
from shared.simulator import SimulatorControl, SimulatorServer
from tests.bot.alerts.fleet import node_ids, ready_cluster
from tests.bot.slack_requests import SIGNING_SECRET, TEAM

ALERTS = "C0ALERTS"
BOT_TOKEN = "xoxb-e2e-alerts"
TOGETHER_KEY = "sim-key-e2e-alerts"
BOT = Path(sys.executable).with_name("clusters-bot")
START_TIMEOUT_S = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class AlertWorld:
    """A simulator, a fake Slack and (when started) the bot process, all on loopback."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.state_db = tmp_path / "state" / "alerts.db"
        self.server = SimulatorServer("empty", api_key=TOGETHER_KEY)
        self.slack = FakeSlack(bot_token=BOT_TOKEN, team_id=TEAM)
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.runs = 0

    def __enter__(self) -> Self:
        self.server.start()
        self.slack.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop_bot()
        self.slack.stop()
        self.server.stop()

    @property
    def sim(self) -> SimulatorControl:
        return self.server.control

    def add(self, name: str, **options: Any) -> tuple[str, list[str]]:
        """Add a healthy cluster to the simulator; returns its id and node ids."""
        raw = ready_cluster(name, **options)
        self.sim.add_cluster(raw)
        return raw["cluster_id"], node_ids(raw)

    # The bot process ------------------------------------------------------------------------

    def start_bot(self, *, poll_s: float | None = 1.0, **env: str) -> None:
        """Start `clusters-bot` in HTTP mode and wait until it serves `/healthz`.

        Args:
            poll_s: `CLUSTERS_TEST_POLL_INTERVAL_S`; None leaves the real interval setting.
            env: more environment variables (`CLUSTERS_POLL_INTERVAL_S="5"`, ...).
        """
        self.port = free_port()
        self.runs += 1
        variables = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(self.tmp_path),
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": self.slack.api_url,
            "TOGETHER_API_KEY": TOGETHER_KEY,
            "TOGETHER_BASE_URL": self.server.url,
            "TOGETHER_MAX_ATTEMPTS": "1",
            "TOGETHER_TIMEOUT_S": "3",
            "CLUSTERS_ALERT_CHANNEL": ALERTS,
            "CLUSTERS_STATE_DB": str(self.state_db),
            **env,
        }
        if poll_s is not None:
            variables["CLUSTERS_TEST_POLL_INTERVAL_S"] = str(poll_s)
        log = (self.tmp_path / f"bot-{self.runs}.log").open("wb")
        self.process = subprocess.Popen(
            [str(BOT), "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "info"],
            env=variables,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"clusters-bot exited early:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"clusters-bot did not start:\n{self.log()}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        """kill -9: no shutdown hooks, no last commit."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None

    def stop_bot(self) -> None:
        """SIGTERM, as a service manager stops it."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def log(self) -> str:
        return "\n".join(
            path.read_text(errors="replace") for path in sorted(self.tmp_path.glob("bot-*.log"))
        )

    def post(self, body: str, headers: dict[str, str]) -> httpx.Response:
        """POST a signed request to the bot's `/slack/events`, as Slack would."""
        return httpx.post(f"{self.url}/slack/events", content=body, headers=headers, timeout=5)

    # What the fake Slack saw ----------------------------------------------------------------

    def parents(self, channel: str = ALERTS) -> list[dict[str, Any]]:
        """Top-level messages in `channel`, updates applied."""
        return [m for m in self.slack.messages(channel) if "thread_ts" not in m]

    def replies(self, parent: dict[str, Any], channel: str = ALERTS) -> list[str]:
        return [
            m["text"] for m in self.slack.messages(channel) if m.get("thread_ts") == parent["ts"]
        ]

    def posts(self) -> list[str]:
        """Texts of every successful chat.postMessage, in order."""
        return [c.params["text"] for c in self.slack.calls_to("chat.postMessage") if c.ok]

    def wait(self, predicate: Callable[[], bool], timeout: float = 30.0) -> None:
        if not self.slack.wait_for(predicate, timeout):
            raise AssertionError(f"timed out waiting; the bot said:\n{self.log()[-4000:]}")
