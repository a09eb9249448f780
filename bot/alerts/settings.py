"""Alert settings, read once from the environment in `main()` (prefix `CLUSTERS_`).

| variable | default | meaning |
| --- | --- | --- |
| `CLUSTERS_ALERT_CHANNEL` | unset | channel ID that receives every alert |
| `CLUSTERS_POLL_INTERVAL_S` | 60 (min 5) | seconds between polls of Together |
| `CLUSTERS_ALERT_ON` | `default` | what alerts (see `shared.alerts.rules.parse_alert_on`) |
| `CLUSTERS_REMIND_AFTER_S` | 14400 | reminder interval for an incident still open |
| `CLUSTERS_FLAP_WINDOW_S` | 900 | going bad again this soon reopens the same incident |
| `CLUSTERS_DEGRADED_FOR_S` | 0 | how long a condition must hold before it alerts |
| `CLUSTERS_API_DOWN_ALERT_S` | 300 | failed polls for this long post "Together API unreachable" |
| `CLUSTERS_STATE_DB` | `$XDG_STATE_HOME/together-clusters-ops/state.db` | the SQLite state file,
  or a `postgresql://` URL shared by several replicas |
| `CLUSTERS_LEASE_TTL_S` | 15 | the leader's lease: another replica takes over this long after
  the leader dies |
| `CLUSTERS_UNDELIVERABLE_AFTER_S` | 86400 | a channel answering `channel_not_found` (or another
  permanent error) this long has its queued alerts dead-lettered |
| `CLUSTERS_RETENTION_DAYS` | 30 | delivered messages and incidents resolved longer ago are pruned |
| `CLUSTERS_ALERT_ADMINS` | unset | user ids (`U...`/`W...`) and user group ids (`S...`) who alone
  may subscribe, unsubscribe and snooze |
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.alerts.state_url import is_postgres_url
from shared.alerts import AlertRules, Trigger, parse_alert_on

MIN_POLL_INTERVAL_S = 5.0
_ADMIN_ID = re.compile(r"^[UWS][A-Z0-9]{2,30}$")


def default_state_db() -> Path:
    """`$XDG_STATE_HOME/together-clusters-ops/state.db`, or under `~/.local/state`."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "together-clusters-ops" / "state.db"


class AlertSettings(BaseSettings):
    """Where alerts go, how often to look, what alerts, and where the state is kept."""

    model_config = SettingsConfigDict(env_prefix="CLUSTERS_", extra="ignore")

    alert_channel: str | None = None
    poll_interval_s: float = Field(default=60.0, ge=MIN_POLL_INTERVAL_S)
    alert_on: str = "default"
    remind_after_s: float = Field(default=14400.0, gt=0)
    flap_window_s: float = Field(default=900.0, ge=0)
    degraded_for_s: float = Field(default=0.0, ge=0)
    api_down_alert_s: float = Field(default=300.0, ge=0)
    state_db: Path | str = Field(default_factory=default_state_db)  # a file, or a URL
    lease_ttl_s: float = Field(default=15.0, gt=0)
    undeliverable_after_s: float = Field(default=86400.0, ge=0)
    retention_days: float = Field(default=30.0, gt=0)
    alert_admins: Annotated[frozenset[str], NoDecode] = frozenset()

    @field_validator("alert_channel", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        if isinstance(value, str):
            return value.strip() or None
        return value

    @field_validator("alert_admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(part for part in re.split(r"[\s,]+", value) if part)
        return value

    @field_validator("alert_admins")
    @classmethod
    def _admin_ids(cls, value: frozenset[str]) -> frozenset[str]:
        for admin in sorted(value):
            if not _ADMIN_ID.match(admin):
                raise ValueError(
                    f"{admin!r} is neither a Slack user id (U.../W...) nor a user group id (S...)"
                )
        return value

    @field_validator("alert_on")
    @classmethod
    def _valid_triggers(cls, value: str) -> str:
        parse_alert_on(value)  # raises ValueError naming the bad word
        return value

    @field_validator("state_db", mode="before")
    @classmethod
    def _file_or_url(cls, value: object) -> object:
        if is_postgres_url(value):
            return value
        if isinstance(value, str | Path):
            return Path(value).expanduser()
        return value

    @property
    def triggers(self) -> frozenset[Trigger]:
        return parse_alert_on(self.alert_on)

    def rules(self) -> AlertRules:
        """The engine's rules from these settings."""
        return AlertRules(
            triggers=self.triggers,
            hold=timedelta(seconds=self.degraded_for_s),
            flap_window=timedelta(seconds=self.flap_window_s),
            remind_after=timedelta(seconds=self.remind_after_s),
            api_down_after=timedelta(seconds=self.api_down_alert_s),
        )
