"""`manifest.yml` is a valid Slack app manifest and matches what the bot serves."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from bot.listeners import COMMAND

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "tests" / "data" / "slack-app-manifest.schema.1.0.0.json"


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "manifest.yml").read_text())
    return loaded


def test_the_manifest_validates_against_slacks_schema(manifest: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.validate(manifest, schema)


def test_the_schema_check_would_catch_a_broken_manifest(manifest: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text())
    broken = json.loads(json.dumps(manifest))
    broken["features"]["slash_commands"][0]["command"] = "clusters"  # no leading slash
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_the_manifest_declares_the_command_scopes_and_features_the_bot_uses(
    manifest: dict[str, Any],
) -> None:
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == COMMAND
    assert command["usage_hint"]
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == {
        "commands",
        "chat:write",
        "chat:write.public",
        "channels:history",  # exactly-once alerts: read back our own messages after a crash
        "groups:history",
        "usergroups:read",  # CLUSTERS_ALERT_ADMINS and CLUSTERS_APPROVERS may name a user group
    }
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert "url" not in command  # Socket Mode: no request URLs


def test_the_manifest_explains_how_to_switch_to_http_mode() -> None:
    text = (ROOT / "manifest.yml").read_text()
    assert "For HTTP mode" in text
    assert text.count("# url:") + text.count("# request_url:") == 3
