"""Two `clusters-bot` replicas on one PostgreSQL, in an alert world: which one leads, and the
disruptions the replica tests and the failover bench put them through.

    env = replica_env(world, url)                # socket_mode=True: over Socket Mode instead
    start_replicas(world, env)                   # "alpha" leads, "bravo" waits
    name = leader(world, url)                    # from the lease row: the holder's pid
    ack, answers = ask_over_socket(world, "", connection=0)  # `/clusters` to one replica
"""

from __future__ import annotations

import time

import psycopg

from clusters_devkit import RecordedCall, SocketAck
from clusters_devkit.world import World
from tests.bot.slack_app import CHANNEL, USER
from tests.bot.sockets import slash_command
from tests.e2e.alert_world import POLL_S

REPLICAS = ("alpha", "bravo")
LEASE_TTL_S = 3.0


def replica_env(world: World, url: str, *, socket_mode: bool = False) -> dict[str, str]:
    """The bot's settings against `world`, with its state in PostgreSQL and a short lease.

    With `socket_mode`, an app token instead of the signing secret, as a Socket Mode install has.
    """
    env = world.bot_env(CLUSTERS_STATE_DB=url, CLUSTERS_LEASE_TTL_S=f"{LEASE_TTL_S:g}")
    if socket_mode:
        env["SLACK_APP_TOKEN"] = world.secrets.app_token
        del env["SLACK_SIGNING_SECRET"]
    return env


def start_replicas(world: World, env: dict[str, str]) -> None:
    """Start both replicas, the first one leading before the second starts.

    In Socket Mode (`env` has an app token) they are started, not yet connected: wait for
    `world.slack.socket_mode.open_connections`.
    """
    http = "SLACK_APP_TOKEN" not in env
    world.start_bot(env, poll_s=POLL_S, name=REPLICAS[0], http=http)
    world.bots[REPLICAS[0]].wait_for_log(r"this replica leads now")
    world.start_bot(env, poll_s=POLL_S, name=REPLICAS[1], http=http)


def ask_over_socket(
    world: World, text: str, *, connection: int
) -> tuple[SocketAck, list[RecordedCall]]:
    """Type `/clusters <text>` and have Slack hand it to open Socket Mode connection number
    `connection` (in the order they connected); its ack, and the posts to its response_url,
    once both have come.

    Raises:
        TimeoutError: it was not both acked and answered in time.
    """
    slack = world.slack
    url = slack.new_response_url(channel=CHANNEL, user=USER)
    envelope = slack.socket_mode.send_envelope(
        "slash_commands", slash_command(text, url), to=connection
    )
    world.wait(
        lambda: slack.socket_mode.ack_for(envelope) is not None and bool(slack.responses_to(url))
    )
    ack = slack.socket_mode.ack_for(envelope)
    if ack is None:  # acks are only ever added
        raise TimeoutError(f"envelope {envelope} was not acked")
    return ack, slack.responses_to(url)


def leader(world: World, url: str, timeout_s: float = 30.0) -> str:
    """The name of the replica that holds a live lease now (waits for one).

    Raises:
        TimeoutError: no running replica held the lease within `timeout_s`.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with psycopg.connect(url, connect_timeout=2) as db:
                row = db.execute(
                    "SELECT holder FROM lease WHERE name = 'leader' "
                    "AND expires_at > extract(epoch from clock_timestamp())"
                ).fetchone()
        except psycopg.OperationalError:
            row = None
        if row is not None:
            pid = row[0].split(":")[1] if row[0].count(":") >= 2 else ""
            for name, bot in world.bots.items():
                if bot.is_running() and str(bot.pid) == pid:
                    return name
        time.sleep(0.1)
    raise TimeoutError("no replica holds the leader lease")


def other(name: str) -> str:
    return REPLICAS[1] if name == REPLICAS[0] else REPLICAS[0]
