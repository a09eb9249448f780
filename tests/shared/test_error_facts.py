"""Every error carries its meaning as facts, once: summary, action, remedy, and the wait."""

from __future__ import annotations

import math

import pytest

from shared.errors import RateLimitError, Remedy, ServerError, TogetherError, retry_wait
from tests.shared.error_samples import SAMPLES, Sample, library_error_classes


def test_every_error_class_has_a_sample() -> None:
    assert {type(sample.error) for sample in SAMPLES} == library_error_classes()


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda sample: sample.id)
def test_each_error_carries_its_facts(sample: Sample) -> None:
    error = sample.error
    assert error.summary == sample.summary
    assert error.action == sample.action
    assert error.remedy is sample.remedy
    assert error.transient is (sample.remedy is Remedy.WAIT)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda sample: sample.id)
def test_the_message_is_the_facts_in_sentences(sample: Sample) -> None:
    text = str(sample.error)
    assert text == sample.error.message
    assert text.startswith(sample.summary)
    assert sample.action in text
    if sample.error.said:
        assert f"It said: {sample.error.said}." in text
    if sample.error.request_id:
        assert text.endswith(f"(request id {sample.error.request_id})")


def test_a_status_error_keeps_what_together_said_and_its_request_id_as_facts() -> None:
    error = ServerError(503, "upstream down", request_id="req-9", body="<html>upstream</html>")
    assert (error.said, error.request_id, error.status_code) == ("upstream down", "req-9", 503)
    assert str(error) == (
        "Together is not answering properly (503). It said: upstream down. "
        "Try again in a few minutes. (request id req-9)"
    )


def test_only_lookups_offer_names_to_choose_from() -> None:
    offered = {sample.id: sample.error.names for sample in SAMPLES if sample.error.names}
    assert offered == {
        "ClusterNotFoundError": ("alpha", "alpine"),
        "AmbiguousClusterError": ("train-a", "train-b"),
    }


@pytest.mark.parametrize(
    ("retry_after_s", "said"),
    [
        (None, "in a minute"),
        (0, "in 1 s"),
        (0.2, "in 1 s"),
        (1.4, "in 1 s"),
        (6.6, "in 7 s"),
        (90, "in 90 s"),
        (math.inf, "in a minute"),
        (math.nan, "in a minute"),
    ],
)
def test_a_wait_is_rounded_for_people_in_one_place(retry_after_s: float | None, said: str) -> None:
    assert retry_wait(retry_after_s) == said
    error = RateLimitError(429, retry_after_s=retry_after_s)
    assert error.retry_after_s is retry_after_s
    assert error.action == f"Try again {said}."


def test_an_error_defined_elsewhere_states_its_facts_the_same_way() -> None:
    class QuotaError(TogetherError):
        summary = "The quota is used up."
        action = "Wait for tomorrow."
        remedy = Remedy.WAIT

    error = QuotaError()
    assert str(error) == "The quota is used up. Wait for tomorrow."
    assert error.transient
    assert str(QuotaError("The GPU quota is used up.")).startswith("The GPU quota is used up.")
