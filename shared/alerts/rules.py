"""What raises an alert, and the timings around it: the alert engine's configuration.

`CLUSTERS_ALERT_ON` is parsed here (the bot reads the environment; this module only reads the
string it is handed). The default set is what needs a person soon: a cluster Degraded, on-demand
compute paused for lack of credits, and a remediation waiting for someone to approve it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum


class Trigger(StrEnum):
    """A condition that opens (or keeps open) an incident. The values are the words users type."""

    DEGRADED = "degraded"
    ON_DEMAND_PAUSED = "on_demand_paused"
    PENDING_APPROVAL = "pending_approval"
    REMEDIATION_FAILED = "remediation_failed"
    TESTS_FAILED = "tests_failed"
    PREEMPTIBLE_SHORTFALL = "preemptible_shortfall"
    RESERVATION_ENDING = "reservation_ending"
    DELETED = "deleted"


DEFAULT_TRIGGERS = frozenset({Trigger.DEGRADED, Trigger.ON_DEMAND_PAUSED, Trigger.PENDING_APPROVAL})
ALL_TRIGGERS = frozenset(Trigger)


def parse_alert_on(text: str) -> frozenset[Trigger]:
    """The triggers a `CLUSTERS_ALERT_ON` value asks for.

    Words are separated by commas or blanks. `default` and `all` stand for those sets; `+word`
    adds to the default set and `-word` removes from it, so `+remediation_failed` keeps the
    defaults and adds one. An empty value means the default set.

    Raises:
        ValueError: a word is not a trigger; the message lists the valid words.
    """
    words = [word for word in re.split(r"[\s,]+", text.strip().lower()) if word]
    if not words:
        return DEFAULT_TRIGGERS
    relative = all(word[0] in "+-" for word in words)
    chosen: set[Trigger] = set(DEFAULT_TRIGGERS) if relative else set()
    for word in words:
        sign, name = (word[0], word[1:]) if word[0] in "+-" else ("+", word)
        if name == "default":
            found: frozenset[Trigger] = DEFAULT_TRIGGERS
        elif name == "all":
            found = ALL_TRIGGERS
        else:
            try:
                found = frozenset({Trigger(name)})
            except ValueError:
                valid = ", ".join(["default", "all", *(t.value for t in Trigger)])
                raise ValueError(
                    f"CLUSTERS_ALERT_ON: unknown alert '{name}'. Valid: {valid}."
                ) from None
        if sign == "+":
            chosen |= found
        else:
            chosen -= found
    return frozenset(chosen)


@dataclass(frozen=True, slots=True)
class AlertRules:
    """Everything the engine needs to decide what to say, besides the clusters themselves.

    Attributes:
        triggers: the conditions that open incidents.
        hold: how long a condition must last before its incident opens (`CLUSTERS_DEGRADED_FOR_S`).
        flap_window: a cluster that goes bad again this soon after recovering reopens the same
            incident and thread instead of a new one.
        remind_after: how long an incident stays open before each reminder in its thread.
        api_down_after: how long polls must fail before "Together API unreachable" is posted.
        flood_threshold: more incidents than this opening in one poll are announced together.
        reservation_horizon: how close a reservation's end must be to count as ending.
        absent_polls_for_gone: successful polls a cluster must be missing from to count as gone.
    """

    triggers: frozenset[Trigger] = field(default=DEFAULT_TRIGGERS)
    hold: timedelta = timedelta(0)
    flap_window: timedelta = timedelta(minutes=15)
    remind_after: timedelta = timedelta(hours=4)
    api_down_after: timedelta = timedelta(minutes=5)
    flood_threshold: int = 5
    reservation_horizon: timedelta = timedelta(hours=24)
    absent_polls_for_gone: int = 2
