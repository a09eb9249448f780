"""Settings problems name the environment variable to fix, one line each, and never a value."""

from __future__ import annotations

import os

import pytest
from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.config_errors import env_name, settings_problems
from shared.settings import TogetherSettings

SECRET = "hunter2-very-secret-value"


class WidgetSettings(BaseSettings):
    """A settings class with everything the formatter must handle: prefix, aliases, a secret."""

    model_config = SettingsConfigDict(env_prefix="WIDGET_", extra="ignore")

    port: int = Field(default=1, ge=1)
    token: SecretStr | None = None
    region: str = Field(default="eu", validation_alias="WIDGET_LOCATION")
    zone: str = Field(default="a", validation_alias=AliasChoices("WIDGET_AZ", "zone"))
    required: str = Field(description="what it is for")

    @field_validator("token")
    @classmethod
    def _long(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 64:
            raise ValueError(f"{value.get_secret_value()} is too short")
        return value

    @field_validator("zone")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in {"a", "b"}:
            raise ValueError("WIDGET_AZ must be a or b")
        return value

    @field_validator("region")
    @classmethod
    def _lower(cls, value: str) -> str:
        if not value.islower():
            raise ValueError(f"WIDGET_LOCATION: {value!r} is not lower case")
        return value


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith(("TOGETHER_", "WIDGET_")):
            monkeypatch.delenv(name)


def problems_of(settings_class: type[BaseSettings]) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        settings_class()
    return settings_problems(caught.value, settings_class)


@pytest.mark.parametrize(
    ("settings_class", "environment", "problems"),
    [
        pytest.param(
            TogetherSettings,
            {},
            ["TOGETHER_API_KEY is not set (the Together API key, from api.together.ai)."],
            id="a missing variable is named with its description",
        ),
        pytest.param(
            TogetherSettings,
            {
                "TOGETHER_API_KEY": SECRET,
                "TOGETHER_TIMEOUT_S": "-1",
                "TOGETHER_MAX_ATTEMPTS": "many",
                "TOGETHER_BASE_URL": "ftp://example.com",
            },
            [
                "TOGETHER_BASE_URL must start with http:// or https://.",
                "TOGETHER_TIMEOUT_S is invalid: Input should be greater than 0.",
                "TOGETHER_MAX_ATTEMPTS is invalid: Input should be a valid integer, unable to "
                "parse string as an integer.",
            ],
            id="every problem gets its own line naming the prefixed variable",
        ),
        pytest.param(
            WidgetSettings,
            {
                "WIDGET_REQUIRED": "yes",
                "WIDGET_AZ": "q",
                "WIDGET_PORT": "0",
                "WIDGET_LOCATION": "EU",
            },
            [
                "WIDGET_PORT is invalid: Input should be greater than or equal to 1.",
                "WIDGET_LOCATION is invalid: 'EU' is not lower case.",
                "WIDGET_AZ must be a or b.",
            ],
            id="aliases are the names people set",
        ),
    ],
)
def test_each_problem_is_a_line_naming_the_variable_people_set(
    monkeypatch: pytest.MonkeyPatch,
    settings_class: type[BaseSettings],
    environment: dict[str, str],
    problems: list[str],
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert problems_of(settings_class) == problems


def test_an_aliased_field_is_named_by_its_alias_and_a_plain_one_by_its_prefixed_name() -> None:
    fields = WidgetSettings.model_fields
    assert env_name(WidgetSettings, "region", fields["region"]) == "WIDGET_LOCATION"
    assert env_name(WidgetSettings, "port", fields["port"]) == "WIDGET_PORT"


def test_a_missing_variable_without_a_description_is_just_named() -> None:
    class Plain(BaseSettings):
        model_config = SettingsConfigDict(env_prefix="WIDGET_")
        needed: int

    assert problems_of(Plain) == ["WIDGET_NEEDED is not set."]


@pytest.mark.parametrize("secret", [SECRET, "abc"])
def test_a_secret_is_never_repeated_even_when_a_validator_quotes_it(
    monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    monkeypatch.setenv("WIDGET_REQUIRED", "yes")
    monkeypatch.setenv("WIDGET_TOKEN", secret)
    [line] = problems_of(WidgetSettings)
    assert line.startswith("WIDGET_TOKEN is invalid: ")
    assert secret not in line
