"""Benchmark 2: how fast the real `clusters-bot` acks bursts of signed `/clusters` commands.

The bot runs in HTTP mode as a child process; upstream, the simulator (`large:1200`: 100
clusters in each of 12 projects) in another; Slack is `clusters_devkit.FakeSlack` in this process
(all three wired by `clusters_devkit.world.World`),
which records every response_url post with its arrival time. Each burst sends 1, 10 or 100
signed requests at once and measures, per request, the time to the HTTP 200 (the ack) and to
the response_url post (the answer).

Each burst asks for a different project (`/clusters project:proj-team-NN`), so it starts with
the bot's cache cold and the number of upstream requests it caused is the single-flight count.
A last burst has the simulator stall its answer, so the bot's work on the answers cannot
overlap the acks; `GET /healthz` bursts give the floor of the HTTP round trip itself.

The client is aiohttp: httpx's connection pool alone adds about a second at 100 concurrent
requests on a small machine, which would swamp what is measured.
"""

from __future__ import annotations

import asyncio
import importlib.util
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bench.report import Section, Target, not_measured
from bench.stats import ms, percentile
from clusters_devkit import FakeSlack
from clusters_devkit.payloads import Person, sign, slash_command_body
from clusters_devkit.world import TEAM, World
from shared.simulator.control_client import SimulatorControl

TITLE = "2. Slash-command ack: real clusters-bot in HTTP mode, bursts of signed /clusters"
GOALS = ["p99 ack <= 250 ms at 100 concurrent", "one upstream request per burst"]
ACK_P99_TARGET_S = 0.250
SCENARIO = "large:1200"
PROJECTS = [f"proj-team-{n:02d}" for n in range(12)]
WARM_UP_PROJECT = "bench-warm-up"  # matches no cluster
CHANNEL = "C0BENCH"
USER = "U0BENCH"
PERSON = Person(user_id=USER, user_name="bench", team_id=TEAM, team_domain="bench")
SIZES = (1, 10, 100)
SLOW_UPSTREAM_S = 2.0
HTTP_TIMEOUT_S = 30.0
ANSWER_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Sent:
    """One request: when it left and when its HTTP answer came (monotonic), and how it went."""

    sent: float
    acked: float
    status: int
    response_url: str = ""
    error: str | None = None


@dataclass
class Burst:
    """One burst's timings, in seconds from each request's send.

    Attributes:
        kind: "command" (signed /clusters) or "healthz".
        upstream_delay_s: how long the simulator stalled the burst's fetch.
        upstream: requests the simulator served during the burst.
    """

    kind: str
    size: int
    upstream_delay_s: float = 0.0
    acks: list[float] = field(default_factory=list)
    answers: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    upstream: int = 0


@dataclass
class Slash:
    """Sends signed slash commands to the bot, each with its own response_url on the fake."""

    session: aiohttp.ClientSession
    base: str
    secret: str
    slack: FakeSlack

    async def command(self, text: str) -> Sent:
        response_url = self.slack.new_response_url(channel=CHANNEL, user=USER)
        body = slash_command_body(
            PERSON, text=text, channel_id=CHANNEL, channel_name="bench", response_url=response_url
        )
        signed = sign(body, signing_secret=self.secret)
        return await self._timed("POST", "/slack/events", body, signed.headers, response_url)

    async def healthz(self) -> Sent:
        return await self._timed("GET", "/healthz", None, {}, "")

    async def _timed(
        self, method: str, path: str, body: str | None, headers: dict[str, str], url: str
    ) -> Sent:
        sent = time.monotonic()
        try:
            async with self.session.request(
                method, self.base + path, data=body, headers=headers
            ) as response:
                await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            return Sent(sent, time.monotonic(), 0, url, f"{type(exc).__name__}: {exc}"[:100])
        return Sent(sent, time.monotonic(), response.status, url)


def run(quick: bool) -> Section:
    """Start the simulator, a fake Slack and the bot; send the bursts; stop everything."""
    missing = _missing_bot()
    if missing:
        return skipped(missing)
    repeats = 1 if quick else 3
    plan = [(size, 0.0) for size in SIZES] * repeats
    if not quick:
        plan.append((SIZES[-1], SLOW_UPSTREAM_S))
    with (
        tempfile.TemporaryDirectory(prefix="bench-ack-") as home,
        World(Path(home), scenario=SCENARIO, simulator="process") as world,
    ):
        world.start_bot()
        secret = world.secrets.signing_secret
        bursts = asyncio.run(_bursts(world.bot_url, world.sim, world.slack, secret, plan, repeats))
    return _section(bursts)


def _missing_bot() -> str | None:
    for module in ("bot.__main__", "clusters_devkit"):
        try:
            found = importlib.util.find_spec(module) is not None
        except ImportError:
            found = False
        if not found:
            return f"{module} is not available yet (the bot is being built)"
    return None


async def _bursts(
    base: str,
    control: SimulatorControl,
    slack: FakeSlack,
    secret: str,
    plan: list[tuple[int, float]],
    repeats: int,
) -> list[Burst]:
    projects = iter(PROJECTS)
    bursts = []
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=HTTP_TIMEOUT_S)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        slash = Slash(session, base, secret, slack)
        # Warm up: the bot's first fetch pays for imports and its first connection upstream.
        for text in ("help", f"project:{WARM_UP_PROJECT}"):
            await slash.command(text)
        for _ in range(repeats):
            bursts.append(await _healthz_burst(slash, SIZES[-1]))
        for size, delay_s in plan:
            if delay_s:
                await asyncio.to_thread(control.add_faults, {"delay_s": delay_s})
            before = (await asyncio.to_thread(control.stats))["requests"]
            burst = await _command_burst(slash, size, f"project:{next(projects)}")
            burst.upstream = (await asyncio.to_thread(control.stats))["requests"] - before
            burst.upstream_delay_s = delay_s
            bursts.append(burst)
    return bursts


async def _healthz_burst(slash: Slash, size: int) -> Burst:
    results = await asyncio.gather(*(slash.healthz() for _ in range(size)))
    burst = Burst("healthz", size)
    burst.acks += [r.acked - r.sent for r in results if r.status == 200]
    burst.failures += [r.error or f"HTTP {r.status}" for r in results if r.status != 200]
    return burst


async def _command_burst(slash: Slash, size: int, text: str) -> Burst:
    results = await asyncio.gather(*(slash.command(text) for _ in range(size)))
    burst = Burst("command", size)
    acked = [r for r in results if r.status == 200]
    burst.failures += [r.error or f"HTTP {r.status}" for r in results if r.status != 200]
    burst.acks += [r.acked - r.sent for r in acked]

    def answered() -> bool:
        return all(slash.slack.responses_to(r.response_url) for r in acked)

    await asyncio.to_thread(_wait_until, answered)
    for r in acked:
        posts = slash.slack.responses_to(r.response_url)
        if not posts:
            burst.failures.append("no response_url post")
        elif not posts[0].ok:
            burst.failures.append(f"response_url post refused: {posts[0].error}")
        else:
            burst.answers.append(posts[0].at - r.sent)
    return burst


def _wait_until(predicate: Callable[[], bool], timeout_s: float = ANSWER_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and not predicate():
        time.sleep(0.02)


def _section(bursts: list[Burst]) -> Section:
    section = Section(
        TITLE,
        columns=[
            "request",
            "concurrent",
            "Together answers in",
            "bursts",
            "ack p50",
            "ack p99",
            "answer p50",
            "answer p99",
            "upstream requests per burst",
            "failures",
        ],
    )
    kinds = {(b.kind, b.upstream_delay_s, b.size) for b in bursts}
    for kind, delay_s, size in sorted(kinds, key=lambda k: (k[0] != "healthz", k[1], k[2])):
        group = [b for b in bursts if (b.kind, b.upstream_delay_s, b.size) == (kind, delay_s, size)]
        acks = [t for b in group for t in b.acks]
        answers = [t for b in group for t in b.answers]
        failures = [f for b in group for f in b.failures]
        command = kind == "command"
        section.rows.append(
            [
                "/clusters project:..." if command else "GET /healthz (floor)",
                str(size),
                (f"{delay_s:g} s" if delay_s else "at once") if command else "-",
                str(len(group)),
                ms(percentile(acks, 50)) if acks else "-",
                ms(percentile(acks, 99)) if acks else "-",
                ms(percentile(answers, 50)) if answers else "-",
                ms(percentile(answers, 99)) if answers else "-",
                ", ".join(str(b.upstream) for b in group) if command else "-",
                _summarize_failures(failures),
            ]
        )
    section.targets = _targets([b for b in bursts if b.kind == "command"])
    section.notes.append(
        "Ack: from sending the request to its HTTP response. Answer: from sending it to the "
        "bot's post to its response_url arriving at the fake Slack. Percentiles pool every "
        "request of every burst of that kind (nearest rank). The simulator serves 100 clusters "
        "per project; each burst asks for another project, so its cache starts cold."
    )
    return section


def _targets(bursts: list[Burst]) -> list[Target]:
    largest = [b for b in bursts if b.size == SIZES[-1] and not b.upstream_delay_s]
    acks = [t for b in largest for t in b.acks]
    failed = sum(len(b.failures) for b in largest)
    if acks:
        p99 = percentile(acks, 99)
        measured = ms(p99) + (f", {failed} failed" if failed else "")
        ack = Target(GOALS[0], measured, p99 <= ACK_P99_TARGET_S and not failed)
    else:
        ack = Target(GOALS[0], f"no request acked ({failed} failed)", False)
    most = max(b.upstream for b in bursts)
    counts = ", ".join(str(b.upstream) for b in bursts)
    upstream = Target(GOALS[1], f"at most {most} (bursts: {counts})", most == 1)
    return [ack, upstream]


def _summarize_failures(failures: list[str]) -> str:
    if not failures:
        return "0"
    return f"{len(failures)}: " + "; ".join(sorted(set(failures)))[:120]


def skipped(reason: str) -> Section:
    return not_measured(TITLE, reason, GOALS)
