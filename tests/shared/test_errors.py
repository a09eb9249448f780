"""The error tree: the right class for each status, and messages that say what to do."""

from __future__ import annotations

import pytest

from shared import errors


def make(status: int, message: str | None = None, **kwargs: object) -> errors.APIStatusError:
    options: dict[str, object] = {"request_id": None, "body": "", "retry_after_s": None}
    return errors.status_error(status, message, **(options | kwargs))  # type: ignore[arg-type]


STATUSES_OF_CLASS: dict[type[errors.APIStatusError], tuple[int, ...]] = {
    errors.APIStatusError: (400, 409, 418),
    errors.AuthenticationError: (401,),
    errors.PaymentRequiredError: (402,),
    errors.PermissionDeniedError: (403,),
    errors.NotFoundError: (404,),
    errors.RateLimitError: (429,),
    errors.ServerError: (500, 502, 503, 504),
}

CLASS_OF_STATUS = {
    status: cls for cls, statuses in STATUSES_OF_CLASS.items() for status in statuses
}


@pytest.mark.parametrize(
    ("status", "cls"), [(status, CLASS_OF_STATUS[status]) for status in sorted(CLASS_OF_STATUS)]
)
def test_status_error_picks_the_most_specific_class(status: int, cls: type) -> None:
    error = make(status)
    assert type(error) is cls
    assert isinstance(error, errors.APIStatusError)
    assert isinstance(error, errors.TogetherError)
    assert error.status_code == status
    assert str(status) in str(error)


@pytest.mark.parametrize(
    ("status", "advice"),
    [
        (401, "Set TOGETHER_API_KEY to a valid key."),
        (402, "Add credits to the Together account."),
        (403, "TOGETHER_PROJECT_ID"),
        (404, "TOGETHER_BASE_URL is wrong"),
        (500, "Try again in a few minutes."),
        (503, "Try again in a few minutes."),
        (418, "Retrying will not help"),
        (409, "Retrying will not help"),
        (408, "Try again later."),
    ],
)
def test_each_status_error_says_what_to_do(status: int, advice: str) -> None:
    assert advice in str(make(status))


def test_a_rejected_key_is_explained_in_words_a_person_can_act_on() -> None:
    assert str(make(401)) == (
        "Together rejected the API key (401). Set TOGETHER_API_KEY to a valid key."
    )


@pytest.mark.parametrize(
    ("retry_after_s", "advice"),
    [
        (12.4, "Try again in 12 s."),
        (0.2, "Try again in 1 s."),
        (90, "Try again in 90 s."),
        (None, "Try again in a minute."),
    ],
)
def test_a_rate_limit_says_when_to_retry(retry_after_s: float | None, advice: str) -> None:
    error = make(429, retry_after_s=retry_after_s)
    assert isinstance(error, errors.RateLimitError)
    assert error.retry_after_s == retry_after_s
    assert str(error).startswith("Together is rate limiting requests (429).")
    assert str(error).endswith(advice)


def test_the_api_message_and_request_id_are_kept_and_shown() -> None:
    error = make(403, "user is not a member of project proj-x", request_id="req-123")
    assert error.api_message == "user is not a member of project proj-x"
    assert error.request_id == "req-123"
    assert "It said: user is not a member of project proj-x." in str(error)
    assert str(error).endswith("(request id req-123)")


def test_a_long_api_message_and_body_are_cut_short() -> None:
    error = make(500, "x" * 5_000, body="q" * 5_000)
    assert len(error.body) == errors.BODY_EXCERPT_CHARS
    assert "x" * 200 in str(error)
    assert "x" * 201 not in str(error)
    assert "q" not in str(error)


def test_the_message_attribute_is_what_str_shows() -> None:
    for error in (
        make(401),
        errors.ResponseValidationError("bad shape"),
        errors.APITimeoutError("slow"),
    ):
        assert error.message == str(error)


def test_a_timeout_is_a_kind_of_connection_error() -> None:
    assert issubclass(errors.APITimeoutError, errors.APIConnectionError)
    assert issubclass(errors.APIConnectionError, errors.TogetherError)
    assert not issubclass(errors.ResponseValidationError, errors.APIStatusError)


def test_cluster_not_found_lists_the_closest_names() -> None:
    error = errors.ClusterNotFoundError("alhpa", ["alpha", "alpine"])
    assert error.suggestions == ["alpha", "alpine"]
    assert str(error) == (
        "No cluster matches 'alhpa'. Closest: alpha, alpine. "
        "Use one of the closest names, or list the clusters to find the one."
    )


def test_cluster_not_found_without_suggestions_says_to_list_the_clusters() -> None:
    assert str(errors.ClusterNotFoundError("zzz")) == (
        "No cluster matches 'zzz'. List the clusters to find the right name."
    )


def test_an_ambiguous_reference_lists_the_candidates_and_how_to_choose() -> None:
    error = errors.AmbiguousClusterError("train", ["train-a", "train-b"])
    assert error.candidates == ["train-a", "train-b"]
    assert str(error) == (
        "'train' matches several clusters: train-a, train-b. Use the full name or id."
    )


def test_an_ambiguous_reference_with_many_candidates_shows_ten_and_counts_the_rest() -> None:
    names = [f"train-{index:02}" for index in range(13)]
    message = str(errors.AmbiguousClusterError("train", names))
    assert "train-09" in message
    assert "train-10" not in message
    assert "and 3 more" in message
