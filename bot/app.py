"""Building the Bolt app: one factory, so tests build it without touching the environment.

    app = create_app(settings, clusters_client, web_client=..., extra_commands={...})

The same app serves HTTP mode (`bot.http_server`) and Socket Mode (`bot.socket_mode`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime

from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.access import AccessPolicy
from bot.answers import Answers
from bot.extension import CommandHandler
from bot.listeners import register_listeners
from bot.metrics import instrument
from bot.settings import BotSettings
from shared.client import ClustersClient
from shared.timefmt import utcnow

SLACK_TIMEOUT_S = 10


class BotConfigError(Exception):
    """The settings cannot run a bot; the message says which variable to set."""


class _ClientGivenFilter(logging.Filter):
    """Drops Bolt's "As you gave `client` as well, `token` will be unused." warning.

    Bolt reads `SLACK_BOT_TOKEN` from the environment itself whenever it is set and then warns
    that the client we give (built from that same token) wins: nothing is wrong, and no argument
    avoids the warning, so it is filtered rather than logged on every start.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "token` will be unused" not in record.getMessage()


def build_web_client(settings: BotSettings, *, retries: bool = True) -> AsyncWebClient:
    """A Web API client for `SLACK_API_URL` that waits out 429s and retries 5xx and resets.

    `retries=False` gives one without retry handlers, for a caller that retries on its own terms
    (the alert outbox).

    Raises:
        BotConfigError: SLACK_BOT_TOKEN is not set.
    """
    if settings.slack_bot_token is None:
        raise BotConfigError("SLACK_BOT_TOKEN is not set: the bot cannot talk to Slack.")
    return AsyncWebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        timeout=SLACK_TIMEOUT_S,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=3),
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ]
        if retries
        else [],
    )


def access_policy(settings: BotSettings) -> AccessPolicy:
    return AccessPolicy.of(
        allowed_teams=settings.slack_allowed_team_ids,
        allowed_users=settings.clusters_allowed_users,
        allowed_channels=settings.clusters_allowed_channels,
        channel_projects=settings.clusters_channel_projects,
    )


def create_app(
    settings: BotSettings,
    clusters_client: ClustersClient,
    *,
    web_client: AsyncWebClient | None = None,
    extra_commands: Mapping[str, CommandHandler] | None = None,
    clock: Callable[[], datetime] | None = None,
) -> AsyncApp:
    """The Bolt app with `/clusters`, its buttons and App Home.

    Args:
        settings: Slack credentials and access lists.
        clusters_client: the Together client every answer reads through.
        web_client: the Web API client (default: `build_web_client(settings)`).
        extra_commands: subcommands features add (`subscribe`, ...); a handler's docstring's
            first line is its line in `/clusters help`. Built-in words win over these.
        clock: the time now (aware UTC), for tests.

    Raises:
        BotConfigError: HTTP mode without SLACK_SIGNING_SECRET, or no bot token.
    """
    secret = settings.slack_signing_secret
    if secret is None and not settings.socket_mode:
        raise BotConfigError(
            "SLACK_SIGNING_SECRET is not set: HTTP mode cannot verify requests from Slack."
        )
    client = web_client if web_client is not None else build_web_client(settings)
    bolt_logger = logging.getLogger("bot.bolt")
    if not any(isinstance(f, _ClientGivenFilter) for f in bolt_logger.filters):
        bolt_logger.addFilter(_ClientGivenFilter())
    app = AsyncApp(
        name="clusters-bot",
        client=client,
        logger=bolt_logger,
        signing_secret=secret.get_secret_value() if secret is not None else "",
        # Socket Mode requests skip verification anyway; without a secret nothing can verify.
        request_verification_enabled=secret is not None,
    )
    answers = Answers(
        clusters_client,
        access_policy(settings),
        extra_commands=extra_commands,
        clock=clock or utcnow,
        approvals=bool(settings.clusters_approvers),
    )
    register_listeners(app, answers)
    instrument(app)  # metrics hook: ack latency, leader gauge
    return app
