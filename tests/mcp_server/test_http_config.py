"""HTTP settings: the token check, the refusal to listen openly, and the Host/Origin allow-lists."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from mcp_server.auth import StaticTokenVerifier
from mcp_server.http_app import is_loopback, refusal, transport_security
from mcp_server.settings import McpSettings

TOKEN = "s3cret-token-0123456789abcdef"


@pytest.fixture(autouse=True)
def _no_ambient_mcp_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MCP_AUTH_TOKEN", "MCP_HOST", "MCP_ALLOWED_HOSTS", "MCP_ALLOWED_ORIGINS"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("presented", "accepted"),
    [
        (TOKEN, True),
        (TOKEN + "x", False),
        (TOKEN[:-1], False),
        (TOKEN.upper(), False),
        ("", False),
        ("\udcff", False),
    ],
)
async def test_only_the_exact_token_is_accepted(presented: str, accepted: bool) -> None:
    verifier = StaticTokenVerifier(SecretStr(TOKEN))

    access = await verifier.verify_token(presented)

    assert (access is not None) is accepted


def test_settings_read_comma_separated_hosts_and_origins_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MCP_ALLOWED_HOSTS", "mcp.example.com, 10.0.0.5:*")
    monkeypatch.setenv("MCP_ALLOWED_ORIGINS", "https://app.example.com")
    monkeypatch.setenv("MCP_AUTH_TOKEN", TOKEN)

    settings = McpSettings()

    assert settings.allowed_hosts == ["mcp.example.com", "10.0.0.5:*"]
    assert settings.allowed_origins == ["https://app.example.com"]
    assert settings.auth_token is not None
    assert TOKEN not in repr(settings)


def test_a_short_token_is_refused_with_how_to_make_a_good_one() -> None:
    with pytest.raises(ValidationError, match="at least 16 characters") as raised:
        McpSettings(auth_token=SecretStr("short"))

    assert "secrets.token_urlsafe" in str(raised.value)
    assert "'short'" not in str(raised.value)


def test_an_empty_token_means_no_token() -> None:
    assert McpSettings(auth_token=SecretStr("")).auth_token is None


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.10", False),
        ("mcp.example.com", False),
    ],
)
def test_loopback_hosts_are_recognised(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_listening_beyond_loopback_without_a_token_is_refused_in_one_line() -> None:
    reason = refusal(McpSettings(host="0.0.0.0"))

    assert reason is not None
    assert "\n" not in reason
    assert "MCP_AUTH_TOKEN" in reason
    assert refusal(McpSettings(host="0.0.0.0", auth_token=SecretStr(TOKEN))) is None
    assert refusal(McpSettings(host="127.0.0.1")) is None


def test_rebinding_protection_is_on_and_allows_loopback_the_bind_host_and_configured_hosts() -> (
    None
):
    security = transport_security(
        McpSettings(
            host="10.1.2.3",
            auth_token=SecretStr(TOKEN),
            allowed_hosts=["mcp.example.com"],
            allowed_origins=["https://app.example.com"],
        )
    )

    assert security.enable_dns_rebinding_protection
    assert security.allowed_hosts == [
        "127.0.0.1:*",
        "localhost:*",
        "[::1]:*",
        "10.1.2.3",
        "10.1.2.3:*",
        "mcp.example.com",
    ]
    assert "https://app.example.com" in security.allowed_origins
    assert "http://localhost:*" in security.allowed_origins


def test_a_wildcard_bind_address_is_not_itself_an_allowed_host() -> None:
    security = transport_security(McpSettings(host="0.0.0.0", auth_token=SecretStr(TOKEN)))

    assert not any(host.startswith("0.0.0.0") for host in security.allowed_hosts)
