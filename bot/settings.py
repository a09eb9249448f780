"""The bot's settings: Slack credentials, where to listen, and who may ask.

Read once in `main()` from the environment (names as in the README, no prefix: Slack's own
variable names) and passed down. Lists are comma-separated Slack IDs.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.people import check_people_ids

DEFAULT_SLACK_API_URL = "https://slack.com/api/"

IdSet = Annotated[frozenset[str], NoDecode]
ProjectMap = Annotated[dict[str, str], NoDecode]


class BotSettings(BaseSettings):
    """Everything the Slack side needs; the Together side is `shared.TogetherSettings`.

    Attributes:
        slack_bot_token: `xoxb-...`, for the Web API.
        slack_app_token: `xapp-...`; when set the bot runs in Socket Mode.
        slack_signing_secret: verifies requests in HTTP mode.
        slack_api_url: the Web API base (a local fake in tests and the demo).
        port: HTTP mode's port.
        slack_allowed_team_ids: other Slack teams (Slack Connect) whose users may ask.
        clusters_allowed_users: when set, only these users may ask.
        clusters_allowed_channels: when set, only in these channels.
        clusters_channel_projects: channel -> the one Together project it may see.
        clusters_approvers: user ids and user group ids who may approve or reject node
            repairs from Slack; empty: no repair buttons anywhere.
        together_cache_ttl_s: how long a fetched cluster list is reused (bot default 15 s).
        clusters_metrics_port: when set, `/metrics`, `/healthz` and `/readyz` listen here too
            (the only place Socket Mode serves them).
    """

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    port: int = Field(default=3000, ge=0, le=65535)
    slack_allowed_team_ids: IdSet = frozenset()
    clusters_allowed_users: IdSet = frozenset()
    clusters_allowed_channels: IdSet = frozenset()
    clusters_channel_projects: ProjectMap = Field(default_factory=dict)
    clusters_approvers: IdSet = frozenset()
    together_cache_ttl_s: float = Field(default=15.0, ge=0)
    clusters_metrics_port: int | None = Field(default=None, ge=0, le=65535)  # ops hook

    @field_validator("slack_bot_token", "slack_app_token", "slack_signing_secret", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator(
        "slack_allowed_team_ids",
        "clusters_allowed_users",
        "clusters_allowed_channels",
        "clusters_approvers",
        mode="before",
    )
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("clusters_approvers")
    @classmethod
    def _people_ids(cls, value: frozenset[str]) -> frozenset[str]:
        check_people_ids(value)
        return value

    @field_validator("clusters_channel_projects", mode="before")
    @classmethod
    def _split_pairs(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        pairs: dict[str, str] = {}
        for item in filter(None, (part.strip() for part in value.split(","))):
            channel, sep, project = item.partition("=")
            if not sep or not channel.strip() or not project.strip():
                raise ValueError(
                    f"CLUSTERS_CHANNEL_PROJECTS entry {item!r} is not CHANNEL_ID=project_id"
                )
            pairs[channel.strip()] = project.strip()
        return pairs

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("SLACK_API_URL must start with http:// or https://")
        return value if value.endswith("/") else f"{value}/"

    @property
    def socket_mode(self) -> bool:
        """Whether to connect out over Socket Mode rather than serve HTTP."""
        return self.slack_app_token is not None
