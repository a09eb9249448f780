"""A throwaway PostgreSQL server on loopback, from Debian's server binaries, for tests and benches.

    with PostgresServer() as pg:                   # initdb + postgres, as the `postgres` user
        url = pg.create_database("t1")              # postgresql://clusters:...@127.0.0.1:PORT/t1
        pg.restart()                                # fast shutdown, then the same data again

PostgreSQL refuses to run as root, and CI runs as root: then every server command runs as the
`postgres` user (`runuser -u postgres --`), on a data directory it owns under a fresh temporary
directory. The server listens on 127.0.0.1 only, on a free port, with its socket in that
directory, `fsync=off` (nothing here must survive a power cut) and password authentication for
the one role the bot uses, so that URLs carry a password as they do in production.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from pathlib import Path
from typing import Self

from clusters_devkit.rig import ChildError, ChildProcess, free_port, run_until_exit
from shared.lifecycle import Lifecycle

ROLE = "clusters"
PASSWORD = "s3cret-pg-password"  # a throwaway server's made-up password


def server_binaries() -> Path | None:
    """The newest `/usr/lib/postgresql/<version>/bin` holding `initdb` and `postgres`, or None."""
    root = Path("/usr/lib/postgresql")
    if not root.is_dir():
        return None
    found = [
        path / "bin"
        for path in root.iterdir()
        if (path / "bin" / "initdb").exists() and (path / "bin" / "postgres").exists()
    ]
    return max(found, key=_version, default=None)


def _version(binaries: Path) -> int:
    name = binaries.parent.name
    return int(name) if name.isdigit() else 0


class PostgresServer(Lifecycle):
    """One PostgreSQL server in a temporary directory, removed by `stop()`.

    Args:
        binaries: the directory with `initdb` and `postgres` (`server_binaries()` by default).
        port: where it listens (a free port by default); kept across `restart()`.

    Raises (from `start()`):
        ChildError: no binaries, `initdb` failed, or the server did not come up.
    """

    def __init__(self, binaries: Path | None = None, *, port: int = 0) -> None:
        self.binaries = binaries or server_binaries()
        self.port = port or free_port()
        self.home = Path(tempfile.mkdtemp(prefix="clusters-pg-"))
        self.data = self.home / "data"
        self.process: ChildProcess | None = None
        self._starts = 0

    def start(self) -> Self:
        if self.binaries is None:
            raise ChildError("PostgreSQL server binaries not found under /usr/lib/postgresql")
        as_server = self._as_server_user()
        self.home.chmod(0o755)
        (self.home / "pw").write_text(PASSWORD + "\n")
        if as_server:
            shutil.chown(self.home, "postgres", "postgres")
            shutil.chown(self.home / "pw", "postgres", "postgres")
        done = run_until_exit(
            [
                *as_server,
                str(self.binaries / "initdb"),
                "-D",
                str(self.data),
                "-U",
                ROLE,
                "--pwfile",
                str(self.home / "pw"),
                "-A",
                "scram-sha-256",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            timeout_s=120.0,
            cwd=self.home,
        )
        if done.returncode != 0:
            raise ChildError(f"initdb failed:\n{done.stdout}\n{done.stderr}")
        self._run_server()
        return self

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete its directory; safe to call twice."""
        self.halt()
        shutil.rmtree(self.home, ignore_errors=True)

    def halt(self) -> None:
        """Stop the server, keeping its data (`resume()` starts it again)."""
        if self.process is not None:
            self.process.signal(signal.SIGINT)  # fast shutdown: clients are disconnected
            self.process.stop()
            self.process = None

    def resume(self) -> None:
        """Start the halted server again on the same port and data."""
        self._run_server()

    def restart(self) -> None:
        """Fast shutdown, then start again: every client connection breaks."""
        self.halt()
        self.resume()

    def url(self, database: str = "postgres", *, password: str = PASSWORD) -> str:
        """A `postgresql://` URL for `database` as the bot's role."""
        return f"postgresql://{ROLE}:{password}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create database `name` and return its URL.

        Raises:
            psycopg.Error: it could not be created (it exists, the server is down).
        """
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def _run_server(self) -> None:
        assert self.binaries is not None
        self._starts += 1
        self.process = ChildProcess(
            "postgres",
            [
                *self._as_server_user(),
                str(self.binaries / "postgres"),
                "-D",
                str(self.data),
                "-c",
                "listen_addresses=127.0.0.1",
                "-p",
                str(self.port),
                "-c",
                f"unix_socket_directories={self.home}",
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "max_connections=200",
            ],
            log_path=self.home / f"postgres-{self._starts}.log",
            cwd=self.home,
        ).start()
        try:
            self.process.wait_for_log(r"ready to accept connections", timeout_s=60.0)
            self.process.wait_for_port(self.port)
        except ChildError:
            self.process.stop()
            self.process = None
            raise

    @staticmethod
    def _as_server_user() -> list[str]:
        return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
