"""`clusters-mcp` refuses bad settings naming the environment variables, one line each."""

from __future__ import annotations

import os

import pytest

from mcp_server.__main__ import main

KEY = "tgp_v1_settings-test-key-0123"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith(("TOGETHER_", "MCP_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TOGETHER_API_KEY", KEY)


def refusal(capsys: pytest.CaptureFixture[str], *argv: str) -> list[str]:
    assert main(list(argv)) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    return captured.err.strip().splitlines()


@pytest.mark.parametrize(
    ("environment", "line"),
    [
        pytest.param(
            {"MCP_PORT": "abc"},
            "clusters-mcp: MCP_PORT is invalid: Input should be a valid integer, unable to parse "
            "string as an integer.",
            id="a port that is not a number names MCP_PORT",
        ),
        pytest.param(
            {"TOGETHER_TIMEOUT_S": "-1"},
            "clusters-mcp: TOGETHER_TIMEOUT_S is invalid: Input should be greater than 0.",
            id="a negative timeout names TOGETHER_TIMEOUT_S",
        ),
    ],
)
def test_a_bad_value_is_refused_in_one_line_naming_its_variable(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    environment: dict[str, str],
    line: str,
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert refusal(capsys) == [line]


def test_problems_in_both_settings_are_all_reported_and_no_secret_is_repeated(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TOGETHER_API_KEY")
    monkeypatch.setenv("MCP_TRANSPORT", "tcp")
    monkeypatch.setenv("MCP_AUTH_TOKEN", "short-secret")
    lines = refusal(capsys)
    assert lines == [
        "clusters-mcp: TOGETHER_API_KEY is not set (the Together API key, from api.together.ai).",
        "clusters-mcp: MCP_TRANSPORT is invalid: Input should be 'stdio' or 'http'.",
        "clusters-mcp: MCP_AUTH_TOKEN must be at least 16 characters "
        "(try: python -c 'import secrets; print(secrets.token_urlsafe(32))').",
    ]
    assert "short-secret" not in "\n".join(lines)
