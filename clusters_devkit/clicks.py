"""A click on the page turned into the `block_actions` body Slack would send for it.

The page names a button by position (block index, element index) in a message or the Home view;
this finds the button and builds the interaction payload around it, with the `container`,
`message` and `view` fields Slack includes for that surface.
"""

from __future__ import annotations

from typing import Any

from clusters_devkit.page_state import Channel
from clusters_devkit.payloads import HOME_VIEW_ID, Person, block_actions_body, with_block_ids


class PageRequestError(Exception):
    """A request from the page that the sandbox cannot act on; answered with 400."""


def find_button(
    blocks: list[dict[str, Any]], block_index: int, element_index: int
) -> dict[str, Any]:
    """The button at (block, element): an actions element, or a section's accessory.

    Raises:
        PageRequestError: there is no button there.
    """
    if not 0 <= block_index < len(blocks):
        raise PageRequestError(f"no block {block_index}")
    block = blocks[block_index]
    if block.get("type") == "section" and isinstance(block.get("accessory"), dict):
        element: Any = block["accessory"]
    else:
        elements = block.get("elements") or []
        if not 0 <= element_index < len(elements):
            raise PageRequestError(f"no element {element_index} in block {block_index}")
        element = elements[element_index]
    if not isinstance(element, dict) or element.get("type") != "button":
        raise PageRequestError("only buttons can be clicked in the sandbox")
    return element


def home_click_body(
    person: Person, view: dict[str, Any], *, block_index: int, element_index: int
) -> str:
    """A click in the App Home view: container `view`, the view itself, no response_url.

    Raises:
        PageRequestError: there is no button at that position.
    """
    blocks = with_block_ids(view.get("blocks") or [])
    return block_actions_body(
        person,
        action=find_button(blocks, block_index, element_index),
        block_id=blocks[block_index]["block_id"],
        container={"type": "view", "view_id": HOME_VIEW_ID},
        view={**view, "id": HOME_VIEW_ID, "blocks": blocks},
    )


def message_click_body(
    person: Person,
    channel: Channel,
    message: dict[str, Any],
    *,
    ephemeral: bool,
    block_index: int,
    element_index: int,
    response_url: str,
) -> str:
    """A click on a message's button, with the response_url the app answers through.

    Raises:
        PageRequestError: there is no button at that position.
    """
    blocks = with_block_ids(message.get("blocks") or [])
    action = find_button(blocks, block_index, element_index)
    container: dict[str, Any] = {
        "type": "message",
        "message_ts": message["ts"],
        "channel_id": channel.id,
        "is_ephemeral": ephemeral,
    }
    if message.get("thread_ts"):
        container["thread_ts"] = message["thread_ts"]
    clicked_on = None
    if not ephemeral:  # Slack sends no message for clicks on ephemeral ones
        clicked_on = {"type": "message", "user": "U0BOT", "bot_id": "B0BOT", **message}
        clicked_on["blocks"] = blocks
        clicked_on.pop("channel", None)
    return block_actions_body(
        person,
        action=action,
        block_id=blocks[block_index]["block_id"],
        container=container,
        channel=(channel.id, channel.name),
        message=clicked_on,
        response_url=response_url,
    )
