"""`clusters-bot` refuses bad settings naming the environment variables, one line each."""

from __future__ import annotations

import os

import pytest

from bot.__main__ import main
from bot.settings import BotSettings

ENV = {
    "SLACK_BOT_TOKEN": "xoxb-settings-test-token",
    "SLACK_SIGNING_SECRET": "settings-test-signing-secret",
    "SLACK_API_URL": "http://127.0.0.1:9/api/",  # the discard port: never reached
    "TOGETHER_API_KEY": "tgp_v1_settings-test-key-0123",
    "TOGETHER_BASE_URL": "http://127.0.0.1:9/v1",
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    ours = {name.upper() for name in BotSettings.model_fields}
    for name in list(os.environ):
        if name.upper() in ours or name.upper().startswith(("TOGETHER_", "CLUSTERS_", "SLACK_")):
            monkeypatch.delenv(name)
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)


def refusal(capsys: pytest.CaptureFixture[str]) -> list[str]:
    with pytest.raises(SystemExit) as exited:
        main(["--log-level", "debug"])
    assert exited.value.code == 2
    return capsys.readouterr().err.strip().splitlines()


@pytest.mark.parametrize(
    ("name", "value", "line"),
    [
        ("PORT", "abc", "clusters-bot: PORT is invalid: Input should be a valid integer"),
        (
            "TOGETHER_TIMEOUT_S",
            "-1",
            "clusters-bot: TOGETHER_TIMEOUT_S is invalid: Input should be greater than 0.",
        ),
        (
            "CLUSTERS_POLL_INTERVAL_S",
            "1",
            "clusters-bot: CLUSTERS_POLL_INTERVAL_S is invalid: "
            "Input should be greater than or equal to 5.",
        ),
        (
            "CLUSTERS_CHANNEL_PROJECTS",
            "C1",
            "clusters-bot: CLUSTERS_CHANNEL_PROJECTS entry 'C1' is not CHANNEL_ID=project_id.",
        ),
    ],
)
def test_a_malformed_variable_is_named(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    value: str,
    line: str,
) -> None:
    monkeypatch.setenv(name, value)
    [shown] = refusal(capsys)
    assert shown.startswith(line)


def test_every_problem_is_its_own_line_and_no_secret_is_repeated(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PORT", "-5")
    monkeypatch.setenv("TOGETHER_CACHE_TTL_S", "-1")
    lines = refusal(capsys)
    assert lines == [
        "clusters-bot: PORT is invalid: Input should be greater than or equal to 0.",
        "clusters-bot: TOGETHER_CACHE_TTL_S is invalid: Input should be greater than or equal "
        "to 0.",
    ]
    for secret in (ENV["SLACK_BOT_TOKEN"], ENV["SLACK_SIGNING_SECRET"], ENV["TOGETHER_API_KEY"]):
        assert secret not in "\n".join(lines)


def test_a_missing_together_key_is_named_with_what_it_is(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TOGETHER_API_KEY")
    assert refusal(capsys) == [
        "clusters-bot: TOGETHER_API_KEY is not set (the Together API key, from api.together.ai)."
    ]
