"""Running the bot: check Slack, build the app, serve it, and run features beside it.

    async with ClustersClient(together) as clusters, open_alerts(...) as alerts:
        await run_bot(settings, together, clusters=clusters, features=[alerts])

Each `bot.extension.Feature` adds its `/clusters` subcommands and registers its listeners before
serving; features start in order after Slack accepted the token and before requests are served,
and stop in reverse order once serving stops (SIGINT/SIGTERM or `stop`), even after a failure,
and before the Together client this function built (if any) closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Iterator, Sequence

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import BotConfigError, build_web_client, create_app
from bot.extension import CommandHandler, Feature
from bot.http_server import serve_http
from bot.ops_http import start_ops_listener
from bot.readiness import Readiness
from bot.settings import BotSettings
from bot.socket_mode import run_socket_mode
from shared.client import ClustersClient
from shared.settings import TogetherSettings

logger = logging.getLogger(__name__)


async def run_bot(
    settings: BotSettings,
    together: TogetherSettings,
    *,
    clusters: ClustersClient | None = None,
    web_client: AsyncWebClient | None = None,
    features: Sequence[Feature] = (),
    host: str = "0.0.0.0",
    port: int | None = None,
    stop: asyncio.Event | None = None,
    readiness: Readiness | None = None,
) -> None:
    """Serve the bot until stopped, in Socket Mode when an app token is set, else over HTTP.

    Args:
        settings: Slack settings.
        together: Together settings (a client is built from them unless `clusters` is given).
        clusters: a Together client to share with features; closed by its owner, not here.
        web_client: the Slack Web API client; default `build_web_client(settings)`.
        features: parts that run beside the app; they start in order before serving and stop
            in reverse order after it (a failing `stop` is logged).
        host, port: HTTP mode's address (port default `settings.port`).
        stop: set it to stop; by default SIGINT and SIGTERM set it.
        readiness: what `/readyz` checks; `/metrics`, `/healthz` and `/readyz` are also
            served on `settings.clusters_metrics_port` when that is set.

    Raises:
        BotConfigError: a setting is missing, or Slack rejected the bot token.
        ValueError: two features add the same subcommand.
    """
    extra_commands = _commands_of(features)
    web = web_client if web_client is not None else build_web_client(settings)
    await check_slack(web)
    readiness = readiness if readiness is not None else Readiness()  # readiness hook
    readiness.socket_mode, readiness.signed_in = settings.socket_mode, True
    stop = stop if stop is not None else asyncio.Event()
    async with contextlib.AsyncExitStack() as stack:
        if clusters is None:
            clusters = await stack.enter_async_context(ClustersClient(together))
        app = create_app(settings, clusters, web_client=web, extra_commands=extra_commands)
        for feature in features:
            feature.register(app)
        stack.enter_context(_stop_on_signals(stop))
        for feature in features:
            stack.push_async_callback(_stop_quietly, feature)
            await feature.start()
        if settings.clusters_metrics_port is not None:  # readiness hook: the ops listener
            await start_ops_listener(stack, readiness, host, settings.clusters_metrics_port, stop)
        if settings.slack_app_token is not None:
            await run_socket_mode(
                app,
                app_token=settings.slack_app_token.get_secret_value(),
                web_client=web,
                stop=stop,
                on_link=readiness.watch_socket,
            )
        else:
            await serve_http(
                app,
                host=host,
                port=settings.port if port is None else port,
                stop=stop,
                readiness=readiness,
            )


async def check_slack(web: AsyncWebClient) -> None:
    """Ask Slack who the token belongs to, so a bad token stops the bot at once.

    Raises:
        BotConfigError: Slack rejected the token or could not be reached.
    """
    try:
        answer = await web.auth_test()
    except SlackApiError as exc:
        error = exc.response.get("error", "unknown error")
        raise BotConfigError(
            f"Slack rejected SLACK_BOT_TOKEN ({error}); copy the Bot User OAuth Token again."
        ) from None
    except (TimeoutError, SlackClientError, OSError) as exc:
        raise BotConfigError(
            f"Slack could not be reached at {web.base_url} ({type(exc).__name__}); "
            "check SLACK_API_URL and the network."
        ) from None
    logger.info("Signed in to Slack team %s as %s", answer.get("team_id"), answer.get("user"))


def _commands_of(features: Sequence[Feature]) -> dict[str, CommandHandler]:
    commands: dict[str, CommandHandler] = {}
    for feature in features:
        for word, handler in feature.commands().items():
            if word in commands:
                raise ValueError(f"Two features add the subcommand {word!r}")
            commands[word] = handler
    return commands


async def _stop_quietly(feature: Feature) -> None:
    try:
        await feature.stop()
    except Exception:
        logger.exception("Stopping %s failed", type(feature).__name__)


@contextlib.contextmanager
def _stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    loop = asyncio.get_running_loop()
    installed = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # not the main thread, or no signals on this platform: `stop` still works
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
