"""The real `clusters-bot` console script as a subprocess, for whole-process tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Self

import httpx

SCRIPT = Path(sys.executable).parent / "clusters-bot"
START_TIMEOUT_S = 20.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def bot_environment(home: Path, **values: str) -> dict[str, str]:
    """Only what the bot needs: no SLACK_* or TOGETHER_* from the developer's shell, and a HOME
    of its own, so state files (alerts) land in the test's directory."""
    keep = {name: os.environ[name] for name in ("PATH", "LANG") if name in os.environ}
    return {**keep, "HOME": str(home), "PYTHONUNBUFFERED": "1", **values}


class BotProcess:
    """`clusters-bot --host 127.0.0.1 --port N` with the given environment; stderr to a file.

    Args:
        env: the process environment (see `bot_environment`).
        log_path: where its output goes, read back by `output()`.
        http: whether it serves HTTP (then `start` waits for `/healthz`).
    """

    def __init__(self, env: dict[str, str], log_path: Path, *, http: bool = True) -> None:
        self.env = env
        self.log_path = log_path
        self.http = http
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> Self:
        """Start it; in HTTP mode, return once `/healthz` answers.

        Raises:
            RuntimeError: it exited or did not become healthy in time (its output is included).
        """
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                [str(SCRIPT), "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        if not self.http:
            return self
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"clusters-bot exited:\n{self.output()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"clusters-bot did not become healthy:\n{self.output()}")

    def stop(self) -> int:
        """SIGTERM, then SIGKILL after 10 s; returns the exit code."""
        process = self._process
        if process is None:
            return 0
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return process.returncode

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def run_to_exit(
    env: dict[str, str], *, port: int | None = None, timeout: float = 20
) -> subprocess.CompletedProcess[str]:
    """Run `clusters-bot` expecting it to refuse to start; its output is captured."""
    return subprocess.run(
        [str(SCRIPT), "--host", "127.0.0.1", "--port", str(port or free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
