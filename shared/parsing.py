"""Turning a `GET /compute/clusters` body into clusters, one bad entry at a time.

The fast path validates the whole document at once in pydantic's Rust core. Only when that fails
does it fall back to one entry at a time, so that one malformed cluster is reported while the
others still come back.
"""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import TypeAdapter, ValidationError

from shared.errors import ResponseValidationError
from shared.models import Cluster, GPUClusters, InvalidCluster, identify

_MAX_ERRORS_PER_CLUSTER = 5
_cluster_adapter: TypeAdapter[Cluster] = TypeAdapter(Cluster)


def parse_clusters(content: bytes) -> tuple[list[Cluster], list[InvalidCluster]]:
    """Parse a response body into valid clusters and reports of invalid ones.

    Raises:
        ResponseValidationError: the body is not JSON, or not an object with a `clusters` list.
    """
    try:
        with collector_paused():
            return GPUClusters.model_validate_json(content).clusters, []
    except ValidationError:
        pass  # some entry is bad, or the document itself is: find out below
    try:
        document = json.loads(content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ResponseValidationError(_not_json(content, exc)) from None
    except RecursionError:
        raise ResponseValidationError(
            "Together's answer was nested too deeply to be the documented shape."
        ) from None
    if not isinstance(document, dict) or not isinstance(document.get("clusters"), list):
        expected = '{"clusters": [...]}'
        raise ResponseValidationError(
            f"Together's answer was not shaped like {expected} (got {_shape(document)})."
        )
    return parse_entries(document["clusters"])


class _CollectorPause:
    """One process-wide pause of the cyclic collector, shared by every thread that asks for it.

    `gc.disable()` is process-wide, so pauses from several threads (one parser thread per
    client) overlap. Counted under a lock, the collector stays off until the last pause ends,
    and is switched back on only if it was on when the first began: a program that turned it
    off itself keeps it off. (One that turns it off *during* a pause will see it switched back
    on at the end; nothing in gc tells the two apart.)
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holders = 0
        self._was_enabled = False

    def begin(self) -> None:
        with self._lock:
            if self._holders == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._holders += 1

    def end(self) -> None:
        with self._lock:
            self._holders -= 1
            if self._holders == 0 and self._was_enabled:
                gc.enable()


_PAUSE = _CollectorPause()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block, safely from any number of threads.

    Validation allocates ~90 objects per cluster and none of them is garbage, yet the collector
    would rescan them all, again and again: a third of a 1,000-cluster parse.
    """
    _PAUSE.begin()
    try:
        yield
    finally:
        _PAUSE.end()


def parse_entries(entries: list[Any]) -> tuple[list[Cluster], list[InvalidCluster]]:
    """Validate entries one by one; each failure becomes an `InvalidCluster`."""
    clusters: list[Cluster] = []
    invalid: list[InvalidCluster] = []
    for index, raw in enumerate(entries):
        try:
            clusters.append(_cluster_adapter.validate_python(raw))
        except ValidationError as exc:
            cluster_id, cluster_name = identify(raw)
            invalid.append(
                InvalidCluster(
                    index=index,
                    cluster_id=cluster_id,
                    cluster_name=cluster_name,
                    errors=_describe(exc),
                )
            )
    return clusters, invalid


def _shape(document: Any) -> str:
    if not isinstance(document, dict):
        return _JSON_TYPES.get(type(document), "a value")
    if "clusters" in document:
        return f'an object whose "clusters" is {_JSON_TYPES.get(type(document["clusters"]))}'
    if not document:
        return "an empty object"
    return "an object with keys " + ", ".join(sorted(document)[:8])


_JSON_TYPES: dict[type, str] = {
    dict: "an object",
    list: "an array",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
    type(None): "null",
}


def _not_json(content: bytes, exc: ValueError) -> str:
    head = content[:80].decode("utf-8", "replace")
    if head.lstrip().startswith(("{", "[")):
        # JSON cut short: its first bytes may already be a cluster's kube_config, so say where
        # it broke instead of quoting it.
        where = f" at character {exc.pos}" if isinstance(exc, json.JSONDecodeError) else ""
        return f"Together's answer was malformed or truncated JSON{where}."
    # Plain text or HTML from a proxy: its first words usually say what went wrong.
    return f"Together's answer was not JSON ({exc.__class__.__name__}); it began: {head!r}."


def _describe(exc: ValidationError) -> list[str]:
    # Only locations and messages: pydantic's default text echoes input values, and an entry's
    # input may include its kube_config.
    out = []
    for error in exc.errors(include_input=False, include_url=False)[:_MAX_ERRORS_PER_CLUSTER]:
        where = ".".join(str(part) for part in error["loc"]) or "entry"
        out.append(f"{where}: {error['msg']}")
    extra = exc.error_count() - _MAX_ERRORS_PER_CLUSTER
    if extra > 0:
        out.append(f"and {extra} more problems")
    return out
