"""A real PostgreSQL for the tests: one server for the whole run, a fresh database per test.

The server is `clusters_devkit.postgres.PostgresServer` (Debian's binaries, run as the
`postgres` user when the tests run as root). Without the binaries, the tests that need it skip
with the reason, except in CI (`CI` set), where `.ci/run` installs them and a missing server is
a failure. Registered in `tests/conftest.py`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from clusters_devkit.postgres import PostgresServer, server_binaries
from tests.e2e.needs import tool_missing

_names = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the run, stopped (and its files removed) at the end."""
    if server_binaries() is None:
        tool_missing(
            "PostgreSQL's server binaries are not installed under /usr/lib/postgresql "
            "(apt-get install -y postgresql; .ci/run does it)",
            needed_by="the PostgreSQL store tests",
        )
    with PostgresServer() as server:
        yield server


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """The URL of a database created for this test alone."""
    return postgres_server.create_database(f"test_{next(_names)}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test on the real PostgreSQL needs the server process: it runs in `make test`, not in
    `make check` (marked `e2e`), whether it asks for the server or gets it as a backend."""
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        fixtures = getattr(item, "fixturenames", ())
        if {"postgres_server", "postgres_url"} & set(fixtures) or "postgresql" in params.values():
            item.add_marker(pytest.mark.e2e)
