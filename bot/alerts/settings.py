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
| `CLUSTERS_STATE_DB` | `$XDG_STATE_HOME/together-clusters-ops/state.db` | the SQLite state file |
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.alerts import AlertRules, Trigger, parse_alert_on

MIN_POLL_INTERVAL_S = 5.0


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
    state_db: Path = Field(default_factory=default_state_db)

    @field_validator("alert_channel", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        if isinstance(value, str):
            return value.strip() or None
        return value

    @field_validator("alert_on")
    @classmethod
    def _valid_triggers(cls, value: str) -> str:
        parse_alert_on(value)  # raises ValueError naming the bad word
        return value

    @field_validator("state_db")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

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
