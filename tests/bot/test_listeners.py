"""Signed `/clusters` commands dispatched into the Bolt app, answered through response_url."""

from __future__ import annotations

import pytest

from bot.extension import CommandRequest
from bot.message import SlackMessage
from shared.simulator.faults import Fault
from tests.bot.slack_app import CHANNEL, BotUnderTest, MakeBot, all_text, together_settings

pytestmark = pytest.mark.anyio


async def test_the_overview_answers_privately_with_every_demo_cluster(bot: BotUnderTest) -> None:
    answer = await bot.command("")
    assert answer.params["response_type"] == "ephemeral"
    text = all_text(answer.params["blocks"])
    for name in ("rl-sweeps-h200", "batch-embed-l40", "canary-rtx6000", "llm-train-b200"):
        assert name in text
    assert answer.params["text"].startswith("8 GPU clusters")


async def test_the_overview_lists_the_most_severe_clusters_first(bot: BotUnderTest) -> None:
    text = all_text((await bot.command("list")).params["blocks"])
    assert text.index("rl-sweeps-h200") < text.index("canary-rtx6000")
    assert text.index("batch-embed-l40") < text.index("llm-train-b200")


async def test_public_posts_the_answer_in_the_channel(bot: BotUnderTest) -> None:
    answer = await bot.command("degraded public")
    assert answer.params["response_type"] == "in_channel"
    assert "rl-sweeps-h200" in all_text(bot.slack.messages(CHANNEL))


async def test_degraded_shows_only_degraded_clusters_with_their_findings(
    bot: BotUnderTest,
) -> None:
    text = all_text((await bot.command("degraded")).params["blocks"])
    assert "rl-sweeps-h200" in text
    assert "1/3 nodes not running" in text
    assert "remediation awaiting approval" in text
    assert "canary-rtx6000" not in text
    assert "1 of 8 clusters match" in text


async def test_attention_shows_every_cluster_that_needs_a_person(bot: BotUnderTest) -> None:
    text = all_text((await bot.command("attention")).params["blocks"])
    for name in ("rl-sweeps-h200", "batch-embed-l40", "serving-spot-h200"):
        assert name in text
    assert "canary-rtx6000" not in text


async def test_key_value_filters_combine(bot: BotUnderTest) -> None:
    text = all_text((await bot.command("region:eu-north-1 gpu:h200")).params["blocks"])
    assert "rl-sweeps-h200" in text
    assert "serving-spot-h200" in text
    assert "canary-rtx6000" not in text  # eu-north-1, but RTX


async def test_free_text_matches_part_of_a_name(bot: BotUnderTest) -> None:
    text = all_text((await bot.command("embed")).params["blocks"])
    assert "batch-embed-l40" in text
    assert "rl-sweeps-h200" not in text


async def test_show_gives_the_detail_of_one_cluster_without_its_kubeconfig(
    bot: BotUnderTest,
) -> None:
    answer = await bot.command("show rl-sweeps-h200")
    blocks = answer.params["blocks"]
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "rl-sweeps-h200", "emoji": True},
    }
    text = all_text(blocks)
    assert "Worker nodes" in text
    assert "PENDING_APPROVAL" in text
    assert "Deleted nodes: 1" in text
    for secret in ("sim-fake-token", "apiVersion", "kube_config"):
        assert secret not in str(answer.params)


async def test_show_accepts_a_unique_start_of_a_name(bot: BotUnderTest) -> None:
    answer = await bot.command("show batch-emb")
    assert answer.params["blocks"][0]["text"]["text"] == "batch-embed-l40"


async def test_an_unknown_cluster_names_the_closest_matches_with_buttons(
    bot: BotUnderTest,
) -> None:
    answer = await bot.command("show rl-sweep-h200x")
    text = all_text(answer.params["blocks"])
    assert "No cluster matches 'rl-sweep-h200x'." in text
    assert "rl-sweeps-h200" in text
    assert "Show rl-sweeps-h200" in text


async def test_help_shows_the_usage(bot: BotUnderTest) -> None:
    text = all_text((await bot.command("help")).params["blocks"])
    assert "/clusters show <name|id>" in text.replace("&lt;", "<").replace("&gt;", ">")
    assert "public" in text


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("status:Brokn", "Unknown status 'Brokn'"),
        ("colour:red", "Unknown filter `colour:`"),
        ("frobnicate the cluster", "Unknown subcommand `frobnicate`"),
        ("shwo", "Did you mean `show`?"),
        ("show", "`show` needs a cluster name or id"),
        ("region:mars-1", "Unknown region 'mars-1'. Valid: eu-north-1, us-east-1, us-west-2"),
    ],
)
async def test_bad_input_names_the_bad_word_and_shows_the_usage(
    bot: BotUnderTest, typed: str, expected: str
) -> None:
    answer = await bot.command(typed)
    text = all_text(answer.params["blocks"])
    assert expected in text
    assert "*Usage*" in text


async def test_hostile_command_text_is_echoed_escaped(bot: BotUnderTest) -> None:
    answer = await bot.command("<!channel>:x")
    text = all_text(answer.params["blocks"])
    assert "&lt;!channel&gt;" in text
    assert "<!channel>" not in text


async def test_another_slack_team_is_refused_politely(bot: BotUnderTest) -> None:
    answer = await bot.command("", team="T0STRANGER")
    text = all_text(answer.params["blocks"])
    assert "only members of the workspace" in text
    assert "rl-sweeps-h200" not in text


async def test_an_allowed_other_team_is_answered(make_bot: MakeBot) -> None:
    bot = make_bot(slack_allowed_team_ids="T0PARTNER")
    answer = await bot.command("degraded", team="T0PARTNER")
    assert "rl-sweeps-h200" in all_text(answer.params["blocks"])


async def test_user_and_channel_allow_lists_refuse_everyone_else(make_bot: MakeBot) -> None:
    bot = make_bot(clusters_allowed_users="U0ALICE", clusters_allowed_channels=f"{CHANNEL},C0TWO")
    assert "rl-sweeps-h200" in all_text((await bot.command("")).params["blocks"])
    refused_user = await bot.command("", user="U0MALLORY")
    assert "CLUSTERS_ALLOWED_USERS" in refused_user.params["text"]
    refused_channel = await bot.command("", channel="C0ELSEWHERE")
    assert "CLUSTERS_ALLOWED_CHANNELS" in refused_channel.params["text"]


async def test_a_channel_mapped_to_a_project_sees_only_that_project(make_bot: MakeBot) -> None:
    bot = make_bot(clusters_channel_projects=f"{CHANNEL}=proj-inference")
    text = all_text((await bot.command("")).params["blocks"])
    assert "batch-embed-l40" in text
    assert "rl-sweeps-h200" not in text
    refused = await bot.command("project:proj-research")
    assert "shows only project `proj-inference`" in refused.params["text"]
    elsewhere = await bot.command("project:proj-research", channel="C0OTHER")
    assert "rl-sweeps-h200" in all_text(elsewhere.params["blocks"])


async def test_a_rejected_together_key_is_explained(make_bot: MakeBot) -> None:
    bot = make_bot(together=together_settings(api_key="wrong-key-123456"))
    answer = await bot.command("")
    shown = all_text(answer.params["blocks"])
    assert "Together rejected the API key (401)." in shown
    assert "Set TOGETHER_API_KEY to a valid key. _This is for whoever runs the bot._" in shown
    assert "wrong-key" not in str(answer.params)


async def test_rate_limiting_says_when_to_retry(bot: BotUnderTest) -> None:
    bot.simulator.add_faults([Fault(status=429, headers={"Retry-After": "7"})])
    answer = await bot.command("")
    assert answer.params["text"].startswith("Together is rate limiting requests (429).")
    assert "Try again in 7 s." in answer.params["text"]


async def test_a_server_error_says_together_is_not_answering(bot: BotUnderTest) -> None:
    bot.simulator.add_faults([Fault(status=503, body="<html>upstream down</html>")])
    answer = await bot.command("show rl-sweeps-h200")
    text = all_text(answer.params["blocks"])
    assert "Together is not answering properly (503)" in text
    assert "Traceback" not in text


async def test_extension_subcommands_get_the_parsed_request_and_answer(
    make_bot: MakeBot,
) -> None:
    received: list[CommandRequest] = []

    async def subscribe(request: CommandRequest) -> SlackMessage:
        """Post alerts for a project in this channel."""
        received.append(request)
        return SlackMessage(text="Subscribed.", public=request.public)

    bot = make_bot(
        extra_commands={"subscribe": subscribe},
        clusters_channel_projects=f"{CHANNEL}=proj-research",
    )
    answer = await bot.command("subscribe project:proj-research public")
    assert answer.params == {"text": "Subscribed.", "response_type": "in_channel"}
    assert received == [
        CommandRequest(
            args=("project:proj-research",),
            user_id="U0ALICE",
            channel_id=CHANNEL,
            team_id="T0001",
            public=True,
            project_scope="proj-research",
        )
    ]
    help_text = all_text((await bot.command("help")).params["blocks"])
    assert "`/clusters subscribe` · Post alerts for a project in this channel." in help_text


async def test_a_failing_extension_is_answered_without_a_traceback(make_bot: MakeBot) -> None:
    async def broken(request: CommandRequest) -> SlackMessage:
        raise RuntimeError("secret internals")

    bot = make_bot(extra_commands={"incidents": broken})
    answer = await bot.command("incidents")
    assert "Something went wrong inside the bot" in answer.params["text"]
    assert "secret internals" not in str(answer.params)


async def test_commands_within_the_cache_lifetime_share_one_together_request(
    make_bot: MakeBot,
) -> None:
    bot = make_bot(together=together_settings(cache_ttl_s=15))
    await bot.command("")
    await bot.command("degraded")
    assert bot.clusters.requests_sent == 1
