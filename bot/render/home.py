"""The App Home tab: the fleet overview as a dashboard, and a cluster's detail in place.

A view may hold 100 blocks, so Home shows up to `HOME_CLUSTERS` clusters (the most severe
first) and says how many more there are.
"""

from __future__ import annotations

from typing import Any

from bot.message import SlackMessage
from bot.render.actions import (
    HOME_DETAILS_ACTION,
    HOME_OVERVIEW_ACTION,
    ButtonState,
    actions_block,
    button,
)
from bot.render.detail import DetailView, detail_blocks
from bot.render.mrkdwn import context, divider
from bot.render.overview import FILTER_HINT, FleetView, cluster_section, scope_line, summary_blocks

HOME_CLUSTERS = 40


def render_home(view: FleetView) -> dict[str, Any]:
    """The Home view for a fleet: header, counts, clusters with Details buttons, Refresh."""
    blocks = summary_blocks(view)
    shown = view.matching[:HOME_CLUSTERS]
    if shown:
        blocks.append(divider())
        blocks.extend(
            cluster_section(
                a, view.now, HOME_DETAILS_ACTION, ButtonState(cluster_id=a.cluster.cluster_id)
            )
            for a in shown
        )
    left_out = len(view.matching) - len(shown)
    if left_out:
        blocks.append(
            context(
                f"{left_out} more clusters not shown here. In a channel, use `/clusters` to page "
                f"through all of them, or narrow with {FILTER_HINT}."
            )
        )
    blocks.append(divider())
    refresh = actions_block(button("Refresh", HOME_OVERVIEW_ACTION, ButtonState()))
    if refresh is not None:
        blocks.append(refresh)
    blocks.append(context(scope_line(view)))
    return {"type": "home", "blocks": blocks}


def render_home_detail(view: DetailView) -> dict[str, Any]:
    """One cluster's detail in the Home tab, with Back and Refresh."""
    blocks = detail_blocks(view, interactive=False)
    nav = actions_block(
        button("Back to overview", HOME_OVERVIEW_ACTION, ButtonState()),
        button(
            "Refresh",
            HOME_DETAILS_ACTION,
            ButtonState(cluster_id=view.assessment.cluster.cluster_id),
        ),
    )
    if nav is not None:
        blocks.extend([divider(), nav])
    return {"type": "home", "blocks": blocks}


def render_home_message(reply: SlackMessage) -> dict[str, Any]:
    """An error or refusal shown in the Home tab, with a way back."""
    blocks = list(reply.blocks)
    retry = actions_block(button("Try again", HOME_OVERVIEW_ACTION, ButtonState()))
    if retry is not None:
        blocks.append(retry)
    return {"type": "home", "blocks": blocks}
