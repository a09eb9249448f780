"""Modals in the sandbox: a Submit on the page becomes the signed `view_submission` Slack sends,
and the app's answer is applied as Slack applies it.

Slack reads the HTTP answer to a `view_submission`: empty (or `clear`) closes the modal,
`{"response_action": "errors", "errors": {block_id: text}}` keeps it open with the errors under
those inputs, `update` (or `push`, drawn here as an update) replaces the view.
"""

from __future__ import annotations

import json
from typing import Any

from clusters_devkit.delivery import Delivery
from clusters_devkit.payloads import Person, view_submission_body
from clusters_devkit.workspace import SlackMethodError, Workspace


def submission_body(
    workspace: Workspace, person: Person, view_id: str, values: dict[str, Any]
) -> str:
    """The `view_submission` for the open modal `view_id` with the page's input `values`.

    Raises:
        SlackMethodError: `not_found` when no such modal is open.
    """
    found = next((m for m in workspace.modals() if m["view"].get("id") == view_id), None)
    if found is None:
        raise SlackMethodError("not_found")
    filled = {str(k): (str(v) if v not in (None, "") else None) for k, v in values.items()}
    return view_submission_body(person, found["view"], filled)


def apply_answer(workspace: Workspace, view_id: str, delivery: Delivery) -> str:
    """Apply the app's answer to a submission; returns what happened, in words."""
    if delivery.error is not None:
        return f"the app did not answer: {delivery.error}"
    try:
        answer = json.loads(delivery.body) if delivery.body.strip() else {}
    except ValueError:
        answer = {}
    action = answer.get("response_action") if isinstance(answer, dict) else None
    if action == "errors" and isinstance(answer.get("errors"), dict):
        workspace.modal_errors(view_id, {str(k): str(v) for k, v in answer["errors"].items()})
        return "errors shown in the modal"
    if action in ("update", "push") and isinstance(answer.get("view"), dict):
        workspace.update_modal(view_id, answer["view"])
        return "the modal was updated"
    workspace.close_modal(view_id)
    return "the modal was closed"
