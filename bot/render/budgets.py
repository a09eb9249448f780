"""Slack's limits on a message, checked before Slack rejects it with `invalid_blocks`.

slack_sdk's block models check some limits (section text, field count) but not all (total text,
button values, top-level text), so every renderer's output is checked here, by the tests and by
`clusters_devkit`'s fake Slack (which answers `invalid_blocks` as Slack would). This module is
the only part of the bot the devkit may import (`tests/test_architecture.py`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Limits:
    """The numbers a message or view must stay within (REFERENCE.md section 2)."""

    max_blocks: int = 50
    section_text: int = 3000
    section_fields: int = 10
    field_text: int = 2000
    header_text: int = 150
    context_elements: int = 10
    actions_elements: int = 25
    button_text: int = 75
    button_value: int = 2000
    url: int = 3000
    action_id: int = 255
    block_id: int = 255
    total_text: int | None = 12_000
    fallback_text: int = 4000
    json_bytes: int | None = None


MESSAGE_LIMITS = Limits()
"""A message: chat.postMessage, chat.update, a response_url post."""

VIEW_LIMITS = Limits(max_blocks=100, total_text=None, json_bytes=250_000)
"""A modal or App Home view (`views.publish`)."""


def block_text_length(blocks: Sequence[Mapping[str, Any]]) -> int:
    """Characters of text in the blocks: what Slack's undocumented total cap counts."""
    return sum(len(text) for text in _texts(blocks))


def budget_problems(
    blocks: Sequence[Mapping[str, Any]],
    *,
    text: str | None = None,
    limits: Limits = MESSAGE_LIMITS,
    require_text: bool = True,
) -> list[str]:
    """Every way `blocks` (and the top-level `text`) break `limits`; empty when all is well.

    Args:
        blocks: the Block Kit blocks as dicts.
        text: the top-level fallback text of a message.
        limits: `MESSAGE_LIMITS` for messages, `VIEW_LIMITS` for App Home and modals.
        require_text: whether a missing fallback text is a problem (it is for messages).
    """
    problems: list[str] = []
    if len(blocks) > limits.max_blocks:
        problems.append(f"{len(blocks)} blocks (limit {limits.max_blocks})")
    if require_text and not (text or "").strip():
        problems.append("no top-level text fallback")
    if text is not None and len(text) > limits.fallback_text:
        problems.append(f"top-level text of {len(text)} chars (limit {limits.fallback_text})")
    block_ids: set[str] = set()
    for index, block in enumerate(blocks):
        where = f"block {index} ({block.get('type', '?')})"
        block_id = block.get("block_id")
        if isinstance(block_id, str):
            if block_id in block_ids:
                problems.append(f"{where}: duplicate block_id {block_id!r}")
            block_ids.add(block_id)
        problems.extend(f"{where}: {p}" for p in _block_problems(block, limits))
    total = block_text_length(blocks)
    if limits.total_text is not None and total >= limits.total_text:
        problems.append(f"{total} chars of block text (limit {limits.total_text})")
    if limits.json_bytes is not None:
        size = len(json.dumps(list(blocks)).encode())
        if size > limits.json_bytes:
            problems.append(f"{size} bytes of JSON (limit {limits.json_bytes})")
    return problems


def _block_problems(block: Mapping[str, Any], limits: Limits) -> Iterator[str]:
    kind = block.get("type")
    yield from _too_long("block_id", block.get("block_id"), limits.block_id)
    if kind == "header":
        yield from _text_object("text", block.get("text"), limits.header_text, plain_only=True)
    elif kind == "section":
        if block.get("text") is None and not block.get("fields"):
            yield "section has neither text nor fields"
        if block.get("text") is not None:
            yield from _text_object("text", block.get("text"), limits.section_text)
        fields = block.get("fields") or []
        if len(fields) > limits.section_fields:
            yield f"{len(fields)} fields (limit {limits.section_fields})"
        for n, item in enumerate(fields):
            yield from _text_object(f"field {n}", item, limits.field_text)
        accessory = block.get("accessory")
        if isinstance(accessory, Mapping):
            yield from _element_problems(accessory, limits)
    elif kind == "context":
        elements = block.get("elements") or []
        yield from _element_count("context", elements, limits.context_elements)
        for n, item in enumerate(elements):
            if item.get("type") in ("mrkdwn", "plain_text"):
                yield from _text_object(f"element {n}", item, limits.section_text)
    elif kind == "actions":
        elements = block.get("elements") or []
        yield from _element_count("actions", elements, limits.actions_elements)
        action_ids = [e.get("action_id") for e in elements if e.get("action_id")]
        if len(action_ids) != len(set(action_ids)):
            yield "duplicate action_id within one actions block"
        for item in elements:
            yield from _element_problems(item, limits)


def _element_count(kind: str, elements: Sequence[Any], limit: int) -> Iterator[str]:
    if not elements:
        yield f"{kind} without elements"
    if len(elements) > limit:
        noun = "action" if kind == "actions" else kind
        yield f"{len(elements)} {noun} elements (limit {limit})"


def _element_problems(element: Mapping[str, Any], limits: Limits) -> Iterator[str]:
    yield from _too_long("action_id", element.get("action_id"), limits.action_id)
    if element.get("type") == "button":
        yield from _text_object("button text", element.get("text"), limits.button_text, True)
        yield from _too_long("button value", element.get("value"), limits.button_value)
        yield from _too_long("button url", element.get("url"), limits.url)


def _text_object(what: str, obj: Any, limit: int, plain_only: bool = False) -> Iterator[str]:
    if not isinstance(obj, Mapping) or not isinstance(obj.get("text"), str):
        yield f"{what} is not a text object"
        return
    if plain_only and obj.get("type") != "plain_text":
        yield f"{what} must be plain_text"
    length = len(obj["text"])
    if length == 0:
        yield f"{what} is empty"
    elif length > limit:
        yield f"{what} of {length} chars (limit {limit})"


def _too_long(what: str, value: Any, limit: int) -> Iterator[str]:
    if isinstance(value, str) and len(value) > limit:
        yield f"{what} of {len(value)} chars (limit {limit})"


def _texts(node: Any) -> Iterator[str]:
    """Every `text` string of every text object, however deep."""
    if isinstance(node, Mapping):
        if node.get("type") in ("plain_text", "mrkdwn") and isinstance(node.get("text"), str):
            yield node["text"]
            return
        for value in node.values():
            yield from _texts(value)
    elif isinstance(node, list | tuple):
        for item in node:
            yield from _texts(item)
