"""What a fake Slack workspace holds: channel messages, ephemeral messages, App Home views.

Plain state behind one lock, so the fake's server thread writes while a test thread reads. The
HTTP side (`clusters_devkit.fake_slack`) turns Web API calls into the methods here.
"""

from __future__ import annotations

import copy
import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any

TRIGGER_LIFE_S = 3.0  # how long a click's trigger_id can open a modal


class SlackMethodError(Exception):
    """A Web API call Slack would refuse, with Slack's error code (`message_not_found`)."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


@dataclass(slots=True)
class ResponseTarget:
    """Where posts to one response_url land, like the message a button sat on."""

    channel: str | None
    user: str | None
    message_ts: str | None
    ephemeral: bool
    uses: int = 0


@dataclass(slots=True)
class Workspace:
    """Messages by channel, ephemeral messages, published views; every method is thread-safe."""

    _lock: threading.Lock = field(default_factory=threading.Lock)
    _channels: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _ephemeral: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _views: dict[str, dict[str, Any]] = field(default_factory=dict)
    _usergroups: dict[str, list[str]] = field(default_factory=dict)
    _modals: dict[str, dict[str, Any]] = field(default_factory=dict)
    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def new_ts(self) -> str:
        """A unique, increasing message timestamp in Slack's `seconds.micro` shape."""
        return f"{int(time.time())}.{next(self._counter):06d}"

    def post(self, channel: str, message: dict[str, Any]) -> dict[str, Any]:
        """Add a message (a reply when it carries `thread_ts`) and return it with its `ts`."""
        stored = {**copy.deepcopy(message), "channel": channel, "ts": self.new_ts()}
        with self._lock:
            thread_ts = stored.get("thread_ts")
            if thread_ts is not None:
                parent = self._find(self._channels.get(channel, []), thread_ts)
                if parent is None:
                    raise SlackMethodError("thread_not_found")
                parent["reply_count"] = parent.get("reply_count", 0) + 1
            self._channels.setdefault(channel, []).append(stored)
        return copy.deepcopy(stored)

    def update(self, channel: str, ts: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Replace the text and blocks of the message `ts`."""
        with self._lock:
            found = self._find(self._channels.get(channel, []), ts)
            if found is None:
                raise SlackMethodError("message_not_found")
            for key in ("text", "blocks", "attachments"):
                if key in changes:
                    found[key] = copy.deepcopy(changes[key])
            found["edited"] = True
            return copy.deepcopy(found)

    def delete(self, channel: str, ts: str) -> None:
        with self._lock:
            for store in (self._channels, self._ephemeral):
                messages = store.get(channel, [])
                found = self._find(messages, ts)
                if found is not None:
                    messages.remove(found)
                    return
        raise SlackMethodError("message_not_found")

    def post_ephemeral(self, channel: str, user: str, message: dict[str, Any]) -> dict[str, Any]:
        stored = {**copy.deepcopy(message), "channel": channel, "user": user, "ts": self.new_ts()}
        with self._lock:
            self._ephemeral.setdefault(channel, []).append(stored)
        return copy.deepcopy(stored)

    def replace_ephemeral(self, channel: str, ts: str, message: dict[str, Any]) -> None:
        with self._lock:
            found = self._find(self._ephemeral.get(channel, []), ts)
            if found is None:
                raise SlackMethodError("message_not_found")
            for key in ("text", "blocks"):
                found[key] = copy.deepcopy(message.get(key))

    def react(self, channel: str, ts: str, name: str) -> None:
        with self._lock:
            found = self._find(self._channels.get(channel, []), ts)
            if found is None:
                raise SlackMethodError("message_not_found")
            names: list[str] = found.setdefault("reactions", [])
            if name in names:
                raise SlackMethodError("already_reacted")
            names.append(name)

    def publish(self, user: str, view: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._views[user] = copy.deepcopy(view)
        return {"id": f"V{abs(hash(user)) % 10**8:08d}", **copy.deepcopy(view)}

    def messages(self, channel: str) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._channels.get(channel, []))

    def ephemeral_messages(self, channel: str, user: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            found = self._ephemeral.get(channel, [])
            return copy.deepcopy([m for m in found if user is None or m["user"] == user])

    def view(self, user: str) -> dict[str, Any] | None:
        with self._lock:
            return copy.deepcopy(self._views.get(user))

    def open_modal(self, trigger_id: str, view: dict[str, Any]) -> dict[str, Any]:
        """Open a modal (`views.open`) and return it with its new `id`.

        Raises:
            SlackMethodError: `expired_trigger_id` when the trigger is older than Slack's 3 s
                (its first part is the click's time in whole seconds, so a second is allowed).
        """
        seconds = trigger_id.partition(".")[0]
        if not seconds.isdigit() or time.time() - int(seconds) > TRIGGER_LIFE_S + 1:
            raise SlackMethodError("expired_trigger_id")
        with self._lock:
            view_id = f"VM{next(self._counter):06d}"
            stored = {**copy.deepcopy(view), "id": view_id}
            self._modals[view_id] = {"view": stored, "open": True, "errors": {}}
            return copy.deepcopy(stored)

    def update_modal(self, view_id: str, view: dict[str, Any]) -> dict[str, Any]:
        """Replace an open modal's view (`views.update`, or a submission's `update`)."""
        with self._lock:
            found = self._modals.get(view_id)
            if found is None or not found["open"]:
                raise SlackMethodError("not_found")
            found["view"] = {**copy.deepcopy(view), "id": view_id}
            found["errors"] = {}
            return copy.deepcopy(found["view"])

    def modal_errors(self, view_id: str, errors: dict[str, str]) -> None:
        """Show a submission's `errors` on the modal's input blocks; it stays open."""
        with self._lock:
            if view_id in self._modals:
                self._modals[view_id]["errors"] = dict(errors)

    def close_modal(self, view_id: str) -> None:
        with self._lock:
            if view_id in self._modals:
                self._modals[view_id]["open"] = False

    def modals(self) -> list[dict[str, Any]]:
        """Open modals, oldest first: `{"view": ..., "errors": {block_id: text}}` each."""
        with self._lock:
            return [copy.deepcopy(m) for m in self._modals.values() if m["open"]]

    def set_usergroup(self, group: str, users: list[str]) -> None:
        """Create or replace a user group (`S...`) and its members."""
        with self._lock:
            self._usergroups[group] = list(users)

    def usergroup_users(self, group: str) -> list[str]:
        """A user group's members.

        Raises:
            SlackMethodError: `no_such_subteam`, as Slack answers for an unknown group.
        """
        with self._lock:
            if group not in self._usergroups:
                raise SlackMethodError("no_such_subteam")
            return list(self._usergroups[group])

    def channels(self) -> list[str]:
        with self._lock:
            return sorted(set(self._channels) | set(self._ephemeral))

    def respond(self, target: ResponseTarget, body: dict[str, Any]) -> None:
        """Apply a response_url post: a new message, or a replacement of the original."""
        message: dict[str, Any] = {k: body[k] for k in ("text", "blocks") if k in body}
        if target.channel is None:
            return
        if body.get("delete_original"):
            if target.message_ts is not None:
                self.delete(target.channel, target.message_ts)
            return
        if body.get("replace_original") and target.message_ts is not None:
            if target.ephemeral:
                self.replace_ephemeral(target.channel, target.message_ts, message)
            else:
                self.update(target.channel, target.message_ts, message)
            return
        if body.get("response_type") == "in_channel":
            posted = self.post(target.channel, message)
            target.ephemeral = False
        else:
            posted = self.post_ephemeral(target.channel, target.user or "", message)
            target.ephemeral = True
        target.message_ts = posted["ts"]

    @staticmethod
    def _find(messages: list[dict[str, Any]], ts: str) -> dict[str, Any] | None:
        return next((m for m in messages if m["ts"] == ts), None)
