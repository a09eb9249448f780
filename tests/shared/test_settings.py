"""Settings: one `/v1` however the URL is written, defaults, `TOGETHER_` names, a hidden key."""

from __future__ import annotations

import os

import pytest
from pydantic import SecretStr, ValidationError

from shared.settings import DEFAULT_BASE_URL, TogetherSettings, normalize_base_url

KEY = "tgp_v1_SECRET_4b9d2e"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own TOGETHER_* variables must not leak into these tests."""
    for name in list(os.environ):
        if name.upper().startswith("TOGETHER_"):
            monkeypatch.delenv(name)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("https://api.together.ai", "https://api.together.ai/v1"),
        ("https://api.together.ai/", "https://api.together.ai/v1"),
        ("https://api.together.ai/v1", "https://api.together.ai/v1"),
        ("https://api.together.ai/v1/", "https://api.together.ai/v1"),
        ("https://api.together.ai/v1//", "https://api.together.ai/v1"),
        ("https://api.together.ai/v1/v1", "https://api.together.ai/v1"),
        ("https://api.together.ai/v1/v1/", "https://api.together.ai/v1"),
        ("  https://api.together.ai/v1  ", "https://api.together.ai/v1"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/v1"),
        ("http://127.0.0.1:8080/v1", "http://127.0.0.1:8080/v1"),
        ("https://proxy.example.com/together", "https://proxy.example.com/together/v1"),
    ],
)
def test_the_base_url_ends_in_exactly_one_v1_however_it_was_written(
    written: str, expected: str
) -> None:
    assert normalize_base_url(written) == expected
    assert TogetherSettings(api_key=SecretStr(KEY), base_url=written).base_url == expected


def test_a_base_url_that_is_not_http_is_rejected_naming_the_variable() -> None:
    with pytest.raises(ValidationError, match="TOGETHER_BASE_URL must start with http"):
        TogetherSettings(api_key=SecretStr(KEY), base_url="api.together.ai")


def test_the_defaults_are_the_documented_ones() -> None:
    settings = TogetherSettings(api_key=SecretStr(KEY))
    assert settings.base_url == DEFAULT_BASE_URL == "https://api.together.ai/v1"
    assert settings.timeout_s == 10
    assert settings.max_attempts == 4
    assert settings.cache_ttl_s == 0
    assert settings.project_id is None


def test_settings_are_read_from_together_prefixed_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TOGETHER_API_KEY", KEY)
    monkeypatch.setenv("TOGETHER_BASE_URL", "http://localhost:9000/")
    monkeypatch.setenv("TOGETHER_PROJECT_ID", "proj-ml")
    monkeypatch.setenv("TOGETHER_TIMEOUT_S", "2.5")
    monkeypatch.setenv("TOGETHER_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("TOGETHER_CACHE_TTL_S", "30")
    settings = TogetherSettings()
    assert settings.api_key.get_secret_value() == KEY
    assert settings.base_url == "http://localhost:9000/v1"
    assert settings.project_id == "proj-ml"
    assert (settings.timeout_s, settings.max_attempts, settings.cache_ttl_s) == (2.5, 2, 30)


def test_variables_without_the_prefix_are_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("API_KEY", KEY)
    monkeypatch.setenv("BASE_URL", "http://elsewhere:1")
    with pytest.raises(ValidationError, match="api_key"):
        TogetherSettings()
    monkeypatch.setenv("TOGETHER_API_KEY", KEY)
    assert TogetherSettings().base_url == DEFAULT_BASE_URL


def test_an_empty_project_id_means_no_default_project(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOGETHER_PROJECT_ID", "")
    assert TogetherSettings(api_key=SecretStr(KEY)).project_id is None


@pytest.mark.parametrize(
    ("field", "value"),
    [("timeout_s", 0), ("timeout_s", -1), ("max_attempts", 0), ("cache_ttl_s", -5)],
)
def test_values_that_would_break_the_client_are_rejected(field: str, value: float) -> None:
    with pytest.raises(ValidationError, match=field):
        TogetherSettings.model_validate({"api_key": KEY, field: value})


def test_the_api_key_is_a_secret_absent_from_every_rendering() -> None:
    settings = TogetherSettings(api_key=SecretStr(KEY))
    assert isinstance(settings.api_key, SecretStr)
    assert settings.api_key.get_secret_value() == KEY
    for shown in (
        repr(settings),
        str(settings),
        repr(settings.model_dump()),
        settings.model_dump_json(),
        f"{settings.api_key}",
    ):
        assert KEY not in shown
