"""Helpers for the simulator's control API over HTTP, for a simulator in a thread or a process.

control = SimulatorControl("http://127.0.0.1:8600")
control.set_cluster(cluster_id, status="Degraded", nodes={node_id: {"status": "Failed"}})
control.add_faults({"status": 429, "headers": {"Retry-After": "2"}, "count": 3})
assert control.stats()["by_status"]["429"] == 3
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import httpx

from shared.errors import TogetherError

_NO_BODY = object()


class SimulatorControlError(TogetherError):
    """The simulator's control API could not be reached or refused a request."""

    action = "Check that the simulator is running at that URL and what the call asked for."


class SimulatorControl:
    """Blocking calls to `/_sim/...`; each one is a single short HTTP request.

    Args:
        root_url: the simulator's root URL; a base URL ending in `/v1` works too.
        timeout_s: timeout of each call.
    """

    def __init__(self, root_url: str, *, timeout_s: float = 10.0) -> None:
        root = root_url.rstrip("/")
        self.root_url = root.removesuffix("/v1")
        self.timeout_s = timeout_s

    def stats(self) -> dict[str, Any]:
        """Requests served: `requests`, `by_path`, `by_status`, `recent`, `faults_pending`."""
        result: dict[str, Any] = self._call("GET", "/stats")
        return result

    def reset(self) -> None:
        """Back to the scenario's start: clusters, timeline, faults and stats."""
        self._call("POST", "/reset")

    def cluster(self, cluster_id: str) -> Any:
        """The stored cluster, raw."""
        return self._call("GET", f"/clusters/{quote(cluster_id, safe='')}")

    def set_cluster(
        self,
        cluster_id: str,
        *,
        status: str | None = None,
        phase: str | None = None,
        nodes: dict[str, dict[str, Any]] | None = None,
        fields: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Patch a cluster (see `shared.simulator.patches`) and return it as now stored."""
        patch = {
            key: value
            for key, value in (
                ("status", status),
                ("phase", phase),
                ("nodes", nodes),
                ("fields", fields),
            )
            if value is not None
        }
        result: dict[str, Any] = self._call(
            "POST", f"/clusters/{quote(cluster_id, safe='')}", patch
        )
        return result

    def put_cluster(self, cluster_id: str, raw: Any) -> None:
        """Store any JSON under `cluster_id`, replacing the cluster there if any."""
        self._call("PUT", f"/clusters/{quote(cluster_id, safe='')}", raw)

    def add_cluster(self, raw: Any) -> str:
        """Append any JSON as a cluster entry; returns the key to change or delete it by."""
        key: str = self._call("POST", "/clusters", raw)["key"]
        return key

    def delete_cluster(self, cluster_id: str) -> None:
        self._call("DELETE", f"/clusters/{quote(cluster_id, safe='')}")

    def add_faults(self, *faults: dict[str, Any]) -> int:
        """Queue faults (see `shared.simulator.faults`); returns the requests they will spoil."""
        pending: int = self._call("POST", "/faults", list(faults))["pending"]
        return pending

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def set_read_only_keys(self, *keys: str) -> None:
        """Make these bearer tokens read-only: every repair decision with them answers 403."""
        self._call("PUT", "/read_only_keys", {"keys": list(keys)})

    def timeline(self, *, paused: bool | None = None, advance_s: float = 0.0) -> dict[str, Any]:
        """Pause, resume or advance the timeline; returns where it stands."""
        body: dict[str, Any] = {"advance_s": advance_s}
        if paused is not None:
            body["paused"] = paused
        result: dict[str, Any] = self._call("POST", "/timeline", body)
        return result

    def _call(self, method: str, path: str, body: Any = _NO_BODY) -> Any:
        url = f"{self.root_url}/_sim{path}"
        content = None if body is _NO_BODY else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        try:
            response = httpx.request(
                method, url, content=content, headers=headers, timeout=self.timeout_s
            )
        except httpx.HTTPError as exc:
            raise SimulatorControlError(
                f"Could not reach the simulator at {self.root_url} ({exc.__class__.__name__})."
            ) from exc
        if response.is_error:
            raise SimulatorControlError(
                f"The simulator refused {method} /_sim{path} ({response.status_code}): "
                f"{response.text[:300]}."
            )
        return response.json()
