"""Settings for talking to the Together API, read once from the environment by a front end."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_BASE_URL = "https://api.together.ai/v1"


def normalize_base_url(url: str) -> str:
    """Return `url` ending in exactly one `/v1`, whether or not the user wrote it.

    The official SDK's `TOGETHER_BASE_URL` has no `/v1` while the API reference's has; users
    set either, so both must work and neither may become `/v1/v1`.
    """
    url = url.strip().rstrip("/")
    while url.endswith("/v1/v1"):
        url = url[: -len("/v1")]
    return url if url.endswith("/v1") else f"{url}/v1"


class TogetherSettings(BaseSettings):
    """How to reach Together: key, base URL, default project, and the client's patience.

    Built once in a front end's `main()` (or in a test) and passed down; library code never
    reads the environment itself.
    """

    model_config = SettingsConfigDict(env_prefix="TOGETHER_", extra="ignore")

    api_key: SecretStr = Field(description="the Together API key, from api.together.ai")
    base_url: str = DEFAULT_BASE_URL
    project_id: str | None = None
    timeout_s: float = Field(default=10.0, gt=0)
    max_attempts: int = Field(default=4, ge=1, le=10)
    cache_ttl_s: float = Field(default=0.0, ge=0)
    # A misbehaving proxy can stream forever; past this the client stops reading (MB = 2**20 B).
    max_response_mb: float = Field(default=64.0, gt=0)

    @field_validator("base_url")
    @classmethod
    def _normalize(cls, value: str) -> str:
        value = value.strip()
        if not value.startswith(("http://", "https://")):
            raise ValueError("TOGETHER_BASE_URL must start with http:// or https://")
        return normalize_base_url(value)

    @field_validator("project_id")
    @classmethod
    def _empty_is_none(cls, value: str | None) -> str | None:
        return value or None
