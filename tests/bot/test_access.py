"""Who may ask, where, and which project a channel sees."""

from __future__ import annotations

import pytest

from bot.access import APP_HOME, AccessDenied, AccessPolicy, Requester

HOME = "T0HOME"


def asker(user: str = "U1", channel: str = "C1", *teams: str) -> Requester:
    return Requester(user_id=user, channel_id=channel, team_ids=teams or (HOME,), home_team_id=HOME)


def test_without_lists_everyone_in_the_home_team_may_ask() -> None:
    AccessPolicy().check(asker())


def test_a_user_from_another_team_is_refused_unless_the_team_is_allowed() -> None:
    stranger = asker("U9", "C1", HOME, "T0OTHER")
    with pytest.raises(AccessDenied, match="SLACK_ALLOWED_TEAM_IDS"):
        AccessPolicy().check(stranger)
    AccessPolicy.of(allowed_teams=["T0OTHER"]).check(stranger)


def test_the_user_list_refuses_users_not_on_it() -> None:
    policy = AccessPolicy.of(allowed_users=["U1"])
    policy.check(asker("U1"))
    with pytest.raises(AccessDenied, match="CLUSTERS_ALLOWED_USERS"):
        policy.check(asker("U2"))


def test_the_channel_list_refuses_other_channels_and_app_home() -> None:
    policy = AccessPolicy.of(allowed_channels=["C1"])
    policy.check(asker(channel="C1"))
    with pytest.raises(AccessDenied, match="in this channel"):
        policy.check(asker(channel="C2"))
    with pytest.raises(AccessDenied, match="in App Home"):
        policy.check(asker(channel=APP_HOME))


def test_a_mapped_channel_is_held_to_its_project() -> None:
    policy = AccessPolicy.of(channel_projects={"C1": "proj-a"})
    assert policy.project_for(asker(channel="C1"), None) == "proj-a"
    assert policy.project_for(asker(channel="C1"), "proj-a") == "proj-a"
    with pytest.raises(AccessDenied, match="shows only project `proj-a`"):
        policy.project_for(asker(channel="C1"), "proj-b")
    assert policy.project_for(asker(channel="C2"), "proj-b") == "proj-b"
    assert policy.project_for(asker(channel="C2"), None) is None
