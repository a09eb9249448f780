"""The bot's settings from the environment: comma lists, channel projects, defaults."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.settings import DEFAULT_SLACK_API_URL, BotSettings

NAMES = (
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_API_URL",
    "PORT",
    "SLACK_ALLOWED_TEAM_IDS",
    "CLUSTERS_ALLOWED_USERS",
    "CLUSTERS_ALLOWED_CHANNELS",
    "CLUSTERS_CHANNEL_PROJECTS",
    "TOGETHER_CACHE_TTL_S",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)


def test_defaults_are_http_mode_on_3000_with_a_15_second_cache() -> None:
    settings = BotSettings()
    assert settings.port == 3000
    assert not settings.socket_mode
    assert settings.slack_api_url == DEFAULT_SLACK_API_URL
    assert settings.together_cache_ttl_s == 15


def test_lists_and_channel_projects_are_read_from_comma_separated_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLACK_ALLOWED_TEAM_IDS", "T1, T2,")
    monkeypatch.setenv("CLUSTERS_ALLOWED_USERS", "U1")
    monkeypatch.setenv("CLUSTERS_CHANNEL_PROJECTS", "C123=proj-a, C456=proj-b")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9999/api")
    settings = BotSettings()
    assert settings.slack_allowed_team_ids == {"T1", "T2"}
    assert settings.clusters_allowed_users == {"U1"}
    assert settings.clusters_allowed_channels == frozenset()
    assert settings.clusters_channel_projects == {"C123": "proj-a", "C456": "proj-b"}
    assert settings.slack_api_url == "http://127.0.0.1:9999/api/"


def test_an_app_token_means_socket_mode_and_blank_tokens_are_unset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "  ")
    settings = BotSettings()
    assert settings.socket_mode
    assert settings.slack_signing_secret is None


def test_a_malformed_channel_project_pair_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLUSTERS_CHANNEL_PROJECTS", "C123:proj-a")
    with pytest.raises(ValidationError, match="CHANNEL_ID=project_id"):
        BotSettings()


def test_secrets_do_not_show_in_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret")
    assert "xoxb-very-secret" not in repr(BotSettings())
