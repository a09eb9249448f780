"""Slack words every error from its facts: the summary in bold, what to do, and who must do it."""

from __future__ import annotations

import pytest

from bot.render.errors import render_together_error
from bot.render.style import ERROR_EMOJI
from shared.errors import AuthenticationError, ClusterNotFoundError, Remedy, TogetherError
from tests.bot.slack_app import all_text, mrkdwn_text
from tests.shared.error_samples import SAMPLES, Sample

WHO_ACTS = {
    Remedy.SETTINGS: "This is for whoever runs the bot.",
    Remedy.ACCOUNT: "This is for whoever owns the Together account.",
}


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda sample: sample.id)
def test_every_error_is_answered_with_its_summary_and_action(sample: Sample) -> None:
    reply = render_together_error(sample.error, project="proj-x")
    shown = reply.blocks[0]["text"]["text"]
    assert shown.startswith(f"{ERROR_EMOJI} *{sample.summary}* ")
    assert sample.action in shown
    assert reply.text.startswith(f"{sample.summary} ")
    assert sample.action in reply.text
    assert "*" not in reply.text
    if sample.remedy in WHO_ACTS:
        assert f"_{WHO_ACTS[sample.remedy]}_" in shown
        assert WHO_ACTS[sample.remedy] in reply.text
    else:
        assert "This is for" not in reply.text
    if sample.error.said:
        assert f"Together said: {sample.error.said}." in reply.text
    if sample.error.request_id:
        assert reply.text.endswith(f"(request id {sample.error.request_id})")


def test_a_rejected_key_reads_as_a_whole() -> None:
    reply = render_together_error(AuthenticationError(401, "Invalid API key.", request_id="r-1"))
    assert reply.text == (
        "Together rejected the API key (401). Together said: Invalid API key. "
        "Set TOGETHER_API_KEY to a valid key. This is for whoever runs the bot. (request id r-1)"
    )


def test_names_to_choose_from_become_buttons() -> None:
    reply = render_together_error(ClusterNotFoundError("alhpa", ["alpha", "beta (c-2)"]))
    assert "Show alpha" in all_text(reply.blocks)
    assert "Show beta" not in all_text(reply.blocks)  # a "name (id)" label is not a reference


def test_untrusted_text_in_the_facts_cannot_ping_or_link() -> None:
    error = ClusterNotFoundError("<!channel>", ["<https://evil.example|x>"])
    reply = render_together_error(error)
    assert "<!channel>" not in mrkdwn_text(reply.blocks)
    assert "&lt;!channel&gt;" in mrkdwn_text(reply.blocks)
    assert "<https://evil" not in mrkdwn_text(reply.blocks)


def test_an_error_the_renderer_has_never_heard_of_is_worded_from_its_facts() -> None:
    class QuotaError(TogetherError):
        summary = "The project's GPU quota is used up."
        action = "Ask for more quota."
        remedy = Remedy.ACCOUNT

    reply = render_together_error(QuotaError())
    assert reply.blocks[0]["text"]["text"] == (
        f"{ERROR_EMOJI} *The project's GPU quota is used up.* Ask for more quota. "
        "_This is for whoever owns the Together account._"
    )
