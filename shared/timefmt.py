"""Durations and moments as on-call engineers read them: "42 min", "3 h 12 min", "2 d 4 h"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def utcnow() -> datetime:
    return datetime.now(UTC)


def humanize(delta: timedelta | float) -> str:
    """A short duration: `45 s`, `42 min`, `3 h 12 min`, `2 d 4 h`."""
    seconds = int(delta.total_seconds() if isinstance(delta, timedelta) else delta)
    seconds = max(0, seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def stamp(moment: datetime | None) -> str:
    """`2026-11-30 05:20 UTC`, or `-` when unknown."""
    if moment is None:
        return "-"
    try:
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    except OverflowError:
        # Within hours of year 1 or 9999 (garbage from the API) UTC does not exist: keep the offset.
        return moment.isoformat(sep=" ", timespec="minutes")
