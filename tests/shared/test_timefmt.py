"""Durations and moments as on-call engineers read them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from shared.timefmt import humanize, stamp, utcnow


@pytest.mark.parametrize(
    ("delta", "shown"),
    [
        (timedelta(0), "0 s"),
        (timedelta(seconds=45), "45 s"),
        (timedelta(seconds=59.9), "59 s"),
        (timedelta(seconds=60), "1 min"),
        (timedelta(minutes=42, seconds=50), "42 min"),
        (timedelta(hours=3), "3 h"),
        (timedelta(hours=3, minutes=12), "3 h 12 min"),
        (timedelta(hours=23, minutes=59), "23 h 59 min"),
        (timedelta(days=1), "1 d"),
        (timedelta(days=2, hours=4, minutes=30), "2 d 4 h"),
        (timedelta(days=400), "400 d"),
        (timedelta(seconds=-30), "0 s"),
        (90.7, "1 min"),
        (7200, "2 h"),
    ],
)
def test_a_duration_is_shown_in_its_two_largest_units(delta: timedelta | float, shown: str) -> None:
    assert humanize(delta) == shown


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        (None, "-"),
        (datetime(2026, 11, 30, 5, 20, 59, tzinfo=UTC), "2026-11-30 05:20 UTC"),
        (
            datetime(2026, 11, 30, 7, 20, tzinfo=timezone(timedelta(hours=2))),
            "2026-11-30 05:20 UTC",
        ),
        (
            datetime(2026, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-3))),
            "2027-01-01 02:00 UTC",
        ),
    ],
    ids=["unknown", "utc", "east_of_utc", "across_new_year"],
)
def test_a_moment_is_shown_in_utc_to_the_minute(moment: datetime | None, shown: str) -> None:
    assert stamp(moment) == shown


@pytest.mark.parametrize(
    "moment",
    [
        datetime(9999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-5))),
        datetime(1, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=5))),
    ],
    ids=["after_9999", "before_year_1"],
)
def test_a_moment_with_no_utc_equivalent_is_shown_with_its_offset_instead_of_failing(
    moment: datetime,
) -> None:
    assert stamp(moment) == moment.isoformat(sep=" ", timespec="minutes")


def test_now_is_an_aware_utc_moment() -> None:
    now = utcnow()
    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)
    assert abs(now - datetime.now(UTC)) < timedelta(minutes=1)
