"""Run the simulator on a loopback port in a background thread: for tests, the demo and the CLI.

    with SimulatorServer("demo", time_scale=0.1) as sim:
        settings = TogetherSettings(api_key=sim.api_key, base_url=sim.url)
        sim.control.set_cluster(cluster_id, status="Degraded")
        ...

The port defaults to a free one chosen by the OS; `stop()` (or leaving the `with`) shuts the
server down, waits for its thread and frees the port.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from typing import Self, Unpack

import uvicorn

from shared.lifecycle import Lifecycle
from shared.simulator.api import SimulatedDisconnect
from shared.simulator.app import AppOptions, create_app, simulator_state
from shared.simulator.control_client import SimulatorControl

START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0


class _HideSimulatedDisconnects(logging.Filter):
    """Keep uvicorn from logging a traceback for every connection a `drop` fault breaks."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], SimulatedDisconnect))


_hide_disconnects = _HideSimulatedDisconnects()


class SimulatorServer(Lifecycle):
    """The simulator served by uvicorn on `host:port` from a daemon thread.

    Args:
        scenario: `demo`, `large:N` or `empty`.
        host: the address to listen on.
        port: the port; 0 lets the OS pick a free one.
        options: the rest of the app's settings, as `create_app` takes them.

    Attributes:
        url: the API base URL, ending in `/v1` (what `TOGETHER_BASE_URL` should be).
        root_url: the server's root, where `/_sim/...` lives.
        control: helpers for the control API over HTTP.
        state: the simulator's state, to inspect or change directly (thread-safe).
    """

    def __init__(
        self,
        scenario: str = "demo",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        **options: Unpack[AppOptions],
    ) -> None:
        self.scenario = scenario
        self.host = host
        self.app = create_app(scenario, **options)
        self.state = simulator_state(self.app)
        self.api_key = self.state.api_key
        self._requested_port = port
        self._port: int | None = None
        self._socket: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port being served (known once started)."""
        if self._port is None:
            raise RuntimeError("The simulator is not started.")
        return self._port

    @property
    def root_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.root_url}/v1"

    @property
    def control(self) -> SimulatorControl:
        return SimulatorControl(self.root_url)

    def start(self) -> Self:
        """Bind the port and serve; returns once connections are accepted.

        Raises:
            OSError: the port cannot be bound (in use, or a host that is not ours).
            RuntimeError: the server did not start.
        """
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self._requested_port))
            sock.listen(128)
        except OSError:
            sock.close()
            raise
        self._socket = sock
        self._port = sock.getsockname()[1]
        logging.getLogger("uvicorn.error").addFilter(_hide_disconnects)
        config = uvicorn.Config(
            self.app,
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="off",
            http="h11",
            timeout_graceful_shutdown=2,
        )
        server = self._server = uvicorn.Server(config)
        thread = self._thread = threading.Thread(
            target=lambda: asyncio.run(server.serve(sockets=[sock])),
            name=f"clusters-sim-{self.port}",
            daemon=True,
        )
        thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("The simulator's server did not start.")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Shut down, wait for the server thread, and free the port. Safe to call twice."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(STOP_TIMEOUT_S)
        if self._socket is not None:
            self._socket.close()
        self._server, self._thread, self._socket = None, None, None
