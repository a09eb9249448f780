"""The MCP server words every error from its facts, plus what a model needs: retry or not."""

from __future__ import annotations

import pytest

from mcp_server.failures import error_result, explain
from shared.errors import AmbiguousClusterError, ClusterNotFoundError, Remedy, TogetherError
from tests.shared.error_samples import SAMPLES, Sample

DO_NOT_RETRY = "tell them, and do not retry."
UNKNOWN_NOT_HEALTHY = "Until then cluster state is unknown, which does not mean healthy."


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda sample: sample.id)
def test_every_error_is_explained_with_its_summary_and_what_to_do(sample: Sample) -> None:
    text = explain(sample.error)
    assert text.startswith(f"{sample.summary} ")
    if not isinstance(sample.error, ClusterNotFoundError | AmbiguousClusterError):
        assert sample.action in text
    assert (DO_NOT_RETRY in text) is (sample.remedy in {Remedy.SETTINGS, Remedy.ACCOUNT})
    assert (UNKNOWN_NOT_HEALTHY in text) is (sample.remedy is Remedy.WAIT)
    if sample.error.said:
        assert f'Together said: "{sample.error.said}".' in text
    if sample.error.request_id:
        assert text.endswith(f"(request id {sample.error.request_id})")
    result = error_result(text)
    assert result.is_error
    assert result.content[0].text == text  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("error", "next_call"),
    [
        (ClusterNotFoundError("alhpa", ["alpha"]), "list_clusters with name= to search."),
        (AmbiguousClusterError("train", ["train-a", "train-b"]), "with a full name or id."),
    ],
)
def test_a_lookup_error_names_the_tool_to_call_next(error: TogetherError, next_call: str) -> None:
    text = explain(error)
    assert text.startswith(error.summary)
    assert "Call get_cluster" in text
    assert text.endswith(next_call)


def test_a_configuration_problem_says_where_to_fix_it() -> None:
    error = next(sample.error for sample in SAMPLES if sample.id == "AuthenticationError")
    assert explain(error) == (
        'Together rejected the API key (401). Together said: "invalid api key". '
        "Set TOGETHER_API_KEY to a valid key. This is a configuration problem the user must fix "
        "in this MCP server's environment (the env block of the client's configuration), then "
        "restart it; tell them, and do not retry."
    )


def test_invisible_and_control_characters_in_the_facts_are_cleaned() -> None:
    text = explain(ClusterNotFoundError("a\u202eb\nc", ["x\u200by"]))
    assert text.startswith("No cluster matches 'ab c'. Closest: xy.")


def test_an_error_the_server_has_never_heard_of_is_worded_from_its_facts() -> None:
    class QuotaError(TogetherError):
        summary = "The project's GPU quota is used up."
        action = "Ask for more quota."
        remedy = Remedy.ACCOUNT

    assert explain(QuotaError()) == (
        "The project's GPU quota is used up. Ask for more quota. "
        "The user must fix this; tell them, and do not retry."
    )
