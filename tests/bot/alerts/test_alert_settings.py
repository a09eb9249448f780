"""Alert settings from the environment: defaults, limits, and the rules they make."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.alerts.settings import AlertSettings, default_state_db
from shared.alerts import DEFAULT_TRIGGERS, Trigger

_VARIABLES = (
    "ALERT_CHANNEL",
    "POLL_INTERVAL_S",
    "ALERT_ON",
    "REMIND_AFTER_S",
    "FLAP_WINDOW_S",
    "DEGRADED_FOR_S",
    "API_DOWN_ALERT_S",
    "STATE_DB",
)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in _VARIABLES:
        monkeypatch.delenv(f"CLUSTERS_{name}", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))


def test_the_defaults_are_the_documented_ones(tmp_path: Path) -> None:
    settings = AlertSettings()
    assert settings.alert_channel is None
    assert settings.poll_interval_s == 60
    assert settings.state_db == tmp_path / "xdg" / "together-clusters-ops" / "state.db"
    rules = settings.rules()
    assert rules.triggers == DEFAULT_TRIGGERS
    assert rules.remind_after == timedelta(hours=4)
    assert rules.flap_window == timedelta(minutes=15)
    assert rules.hold == timedelta(0)
    assert rules.api_down_after == timedelta(minutes=5)


def test_without_xdg_state_home_the_state_lives_under_local_state(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert (
        default_state_db() == tmp_path / ".local" / "state" / "together-clusters-ops" / "state.db"
    )


def test_every_variable_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name, value in {
        "ALERT_CHANNEL": " C0ALERTS ",
        "POLL_INTERVAL_S": "30",
        "ALERT_ON": "+remediation_failed",
        "REMIND_AFTER_S": "3600",
        "FLAP_WINDOW_S": "60",
        "DEGRADED_FOR_S": "120",
        "API_DOWN_ALERT_S": "90",
        "STATE_DB": str(tmp_path / "mine.db"),
    }.items():
        monkeypatch.setenv(f"CLUSTERS_{name}", value)
    settings = AlertSettings()
    assert settings.alert_channel == "C0ALERTS"
    assert settings.poll_interval_s == 30
    assert settings.state_db == tmp_path / "mine.db"
    rules = settings.rules()
    assert rules.triggers == DEFAULT_TRIGGERS | {Trigger.REMEDIATION_FAILED}
    assert (rules.remind_after, rules.flap_window, rules.hold, rules.api_down_after) == (
        timedelta(hours=1),
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(seconds=90),
    )


@pytest.mark.parametrize(
    ("name", "value", "refusal"),
    [
        ("CLUSTERS_POLL_INTERVAL_S", "1", "greater than or equal to 5"),
        ("CLUSTERS_ALERT_ON", "degraded,flooding", "unknown alert 'flooding'"),
    ],
    ids=["polling faster than every 5 s", "an unknown alert word, by name"],
)
def test_a_bad_value_is_refused(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, refusal: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=refusal):
        AlertSettings()


def test_a_blank_channel_means_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLUSTERS_ALERT_CHANNEL", "  ")
    assert AlertSettings().alert_channel is None


def test_a_tilde_in_the_state_path_is_expanded(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("CLUSTERS_STATE_DB", "~/alerts.db")
    assert AlertSettings().state_db == tmp_path / "alerts.db"
