"""Settings of the MCP server itself (prefix `MCP_`); Together's are in `TogetherSettings`."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MIN_TOKEN_CHARS = 16


class McpSettings(BaseSettings):
    """How the MCP server is reached: transport, address, bearer token, allowed hosts.

    Attributes:
        transport: `stdio` (the default, for desktop clients) or `http` (Streamable HTTP at /mcp).
        host, port: where the HTTP transport listens.
        auth_token: the bearer token HTTP clients must send (`MCP_AUTH_TOKEN`); required to
            listen on anything but loopback.
        allowed_hosts: extra `Host` header values accepted over HTTP, comma-separated
            (`mcp.example.com`, `10.0.0.5:*`); loopback names are always accepted.
        allowed_origins: extra browser `Origin` values accepted over HTTP, comma-separated.
        stateless_http: serve each HTTP request on its own, with no session (`MCP_STATELESS_HTTP`),
            so that several replicas behind a load balancer need no sticky sessions. The
            read-only tools lose nothing; the write tools, having no session to ask the user
            through, then require `confirm: true`.
        enable_writes: add `approve_remediation` and `reject_remediation` (`MCP_ENABLE_WRITES=1`);
            off by default, and then absent from `tools/list`.
    """

    model_config = SettingsConfigDict(env_prefix="MCP_", extra="ignore")

    transport: Literal["stdio", "http"] = "stdio"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    auth_token: SecretStr | None = None
    allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    allowed_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    stateless_http: bool = False
    enable_writes: bool = False

    @field_validator("allowed_hosts", "allowed_origins", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("auth_token")
    @classmethod
    def _strong_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if len(value.get_secret_value()) < MIN_TOKEN_CHARS:
            raise ValueError(
                f"MCP_AUTH_TOKEN must be at least {MIN_TOKEN_CHARS} characters "
                "(try: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        return value
