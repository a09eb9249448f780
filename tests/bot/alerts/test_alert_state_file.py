"""The state file is private, and holds only what alerts need: no secrets from the cluster."""

from __future__ import annotations

import json
import logging
import os
import stat
from pathlib import Path

import pytest

from bot.alerts.sqlite import SqliteStore
from shared.alerts import AlertRules, WatchState, step
from shared.alerts.codec import dump_incident, load_incident
from shared.models import Cluster
from tests.bot.alerts.factories import T0, cluster, node
from tests.shared.alert_polls import ok

pytestmark = pytest.mark.anyio

SECRET = "sk-slurm-very-secret-9f2c"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def every_byte(directory: Path) -> bytes:
    return b"".join(p.read_bytes() for p in directory.iterdir() if p.is_file())


def secret_cluster() -> Cluster:
    return cluster(
        status="Degraded",
        nodes=[node("n1", "Failed")],
        kube_config=f"token: {SECRET}",
        cluster_config={"slurm_startup_scripts": {"worker_prolog": f"export KEY={SECRET}"}},
        oidc_config={"issuer_url": "https://idp.example", "client_id": SECRET},
    )


async def test_the_state_file_is_created_0600_in_a_directory_created_0700(tmp_path: Path) -> None:
    path = tmp_path / "state" / "alerts" / "state.db"
    store = SqliteStore.open(path)
    try:
        await store.subscribe("C0ALERTS", None, "U1", T0)  # writes the -wal file too
        assert mode(path.parent) == 0o700
        for part in path.parent.iterdir():
            assert mode(part) == 0o600, part
    finally:
        await store.close()


async def test_an_existing_state_file_readable_by_others_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    await (SqliteStore.open(path)).close()
    path.chmod(0o644)
    store = SqliteStore.open(path)
    try:
        assert mode(path) == 0o600
    finally:
        await store.close()


async def test_a_state_file_that_cannot_be_made_private_is_opened_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "state.db"
    await (SqliteStore.open(path)).close()
    path.chmod(0o644)

    def refuse(self: Path, mode: int) -> None:
        raise PermissionError(1, "Operation not permitted", str(self))

    monkeypatch.setattr(Path, "chmod", refuse)
    with caplog.at_level(logging.WARNING):
        store = SqliteStore.open(path)
    await store.close()
    assert any("chmod 600" in r.getMessage() for r in caplog.records)


async def test_a_secret_in_the_cluster_never_reaches_the_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    c = secret_cluster()
    state = step(WatchState(), ok(c), T0, AlertRules()).state
    assert state.incidents, "the cluster opened an incident"
    store = SqliteStore.open(path)
    try:
        await store.commit_poll(state, [], [])
        assert (await store.load_state()).incidents["c1"].cluster.cluster_name == "name-c1"
    finally:
        await store.close()
    stored = every_byte(tmp_path)
    assert SECRET.encode() not in stored
    assert b"slurm_startup_scripts" not in stored


def test_an_incident_stored_with_the_whole_cluster_by_an_older_version_still_reads() -> None:
    c = secret_cluster()
    state = step(WatchState(), ok(c), T0, AlertRules()).state
    incident = state.incidents["c1"]
    older = dump_incident(incident)
    older["cluster"] = incident.cluster.model_dump(mode="json")  # every field, as before
    assert "cluster_config" in older["cluster"]
    again = load_incident(json.loads(json.dumps(older)))
    assert again.cluster.cluster_id == "c1"
    assert SECRET not in json.dumps(dump_incident(again))


def test_the_file_mode_does_not_depend_on_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        path = tmp_path / "open" / "state.db"
        SqliteStore.open(path).db.close()
    finally:
        os.umask(old)
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
