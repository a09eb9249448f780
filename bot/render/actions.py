"""Buttons: their action ids, and the state they carry in their `value`.

A button's value is compact JSON: `id` (a cluster id), `q` (the `/clusters` text that made the
message, so Refresh and Back redo the same query), `p` (a page), `project`. The listener that
receives a click decodes it with `ButtonState.decode`; nothing else is trusted from it (access
is checked again on every click).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bot.extension import DETAILS_ACTION, DETAILS_NEW_ACTION
from bot.render.mrkdwn import plain

REFRESH_ACTION = "clusters_refresh"
NEXT_PAGE_ACTION = "clusters_next_page"
PREVIOUS_PAGE_ACTION = "clusters_previous_page"
BACK_ACTION = "clusters_back"
DETAIL_REFRESH_ACTION = "cluster_detail_refresh"
HOME_DETAILS_ACTION = "home_cluster_details"
HOME_OVERVIEW_ACTION = "home_overview"
MAX_VALUE_CHARS = 2000

__all__ = [
    "BACK_ACTION",
    "DETAILS_ACTION",
    "DETAILS_NEW_ACTION",
    "DETAIL_REFRESH_ACTION",
    "HOME_DETAILS_ACTION",
    "HOME_OVERVIEW_ACTION",
    "NEXT_PAGE_ACTION",
    "PREVIOUS_PAGE_ACTION",
    "REFRESH_ACTION",
    "ButtonState",
    "button",
    "details_button",
    "matching",
    "numbered",
]


@dataclass(frozen=True, slots=True)
class ButtonState:
    """What a click needs to redo: a cluster, the query text, a page, a project."""

    cluster_id: str | None = None
    query: str | None = None
    page: int = 0
    project: str | None = None

    def encode(self) -> str | None:
        """The value string, or None when it would exceed Slack's 2000 characters."""
        data: dict[str, Any] = {}
        if self.cluster_id is not None:
            data["id"] = self.cluster_id
        if self.query is not None:
            data["q"] = self.query
        if self.page:
            data["p"] = self.page
        if self.project is not None:
            data["project"] = self.project
        value = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        return value if len(value) <= MAX_VALUE_CHARS else None

    @classmethod
    def decode(cls, value: str | None) -> ButtonState:
        """Read a value back; a bare string (not JSON) is taken as a cluster id.

        A plain cluster id is what other features put on their Details buttons
        (`DETAILS_NEW_ACTION`), so both shapes are accepted.
        """
        if not value:
            return cls()
        data = json_object(value)
        if data is None:
            return cls(cluster_id=value)
        page = data.get("p", 0)
        return cls(
            cluster_id=_str_or_none(data.get("id")),
            # "" is the plain `/clusters`: a query all the same, so Back still has a list to show.
            query=data["q"] if isinstance(data.get("q"), str) else None,
            page=page if isinstance(page, int) and page >= 0 else 0,
            project=_str_or_none(data.get("project")),
        )


def json_object(value: object) -> dict[str, Any] | None:
    """The JSON object a button's value (or a modal's metadata) holds; None for anything else."""
    try:
        data = json.loads(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def button(
    label: str, action_id: str, state: ButtonState, *, style: str | None = None
) -> dict[str, Any] | None:
    """A button, or None when its state does not fit in a value."""
    value = state.encode()
    if value is None:
        return None
    return button_element(label, action_id, value, style=style)


def button_element(
    label: str, action_id: str, value: str, *, style: str | None = None
) -> dict[str, Any]:
    """A Block Kit button element carrying `value` as it is."""
    element: dict[str, Any] = {
        "type": "button",
        "text": plain(label, 75),
        "action_id": action_id,
        "value": value,
    }
    if style is not None:
        element["style"] = style
    return element


def details_button(
    cluster_id: str, *, project_id: str | None = None, new_message: bool = True
) -> dict[str, Any] | None:
    """A "Details" button for any message that shows a cluster (alert parents use this).

    Args:
        cluster_id: the cluster to show.
        project_id: its project, when it is not the bot's default.
        new_message: answer with a new ephemeral message (`DETAILS_NEW_ACTION`) rather than
            replacing the message the button sits on (`DETAILS_ACTION`).
    """
    action = DETAILS_NEW_ACTION if new_message else DETAILS_ACTION
    return button("Details", action, ButtonState(cluster_id=cluster_id, project=project_id))


def numbered(action_id: str, n: int) -> str:
    """`action_id` made unique within one actions block; listeners match both forms."""
    return f"{action_id}:{n}"


def matching(action_id: str) -> re.Pattern[str]:
    """A pattern for `action_id` and its `numbered` forms, for `app.action(...)`."""
    return re.compile(rf"^{re.escape(action_id)}(:\d+)?$")


def actions_block(*elements: dict[str, Any] | None) -> dict[str, Any] | None:
    """An actions block of the buttons that fit, or None when none do."""
    present = [e for e in elements if e is not None]
    return {"type": "actions", "elements": present} if present else None


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
