"""The simulator as an ASGI app: the simulated API under `/v1`, the control API under `/_sim`.

For in-process tests, hand the app to `httpx.ASGITransport`:

    app = create_app("demo", clock=fake_clock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://sim/v1") as http:
        ...

and reach its state directly with `simulator_state(app)`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TypedDict

from starlette.applications import Starlette
from starlette.routing import Mount, Route

from shared.simulator.api import ClustersAPI
from shared.simulator.control import control_app
from shared.simulator.state import SimulatorState

DEFAULT_API_KEY = "sim-key"


class AppOptions(TypedDict, total=False):
    """`create_app`'s keyword arguments, for what builds an app on a caller's behalf."""

    api_key: str
    seed: int
    time_scale: float
    clock: Callable[[], float] | None
    now: datetime | None
    read_only_keys: Iterable[str]


def create_app(
    scenario: str = "demo",
    *,
    api_key: str = DEFAULT_API_KEY,
    seed: int = 0,
    time_scale: float = 1.0,
    clock: Callable[[], float] | None = None,
    now: datetime | None = None,
    read_only_keys: Iterable[str] = (),
) -> Starlette:
    """Build a simulator serving `scenario`.

    Args:
        scenario: `demo`, `large:N` or `empty`.
        api_key: the only bearer token the API accepts.
        seed: makes ids and sizes repeatable.
        time_scale: how fast the demo timeline runs; 0.1 makes it 10x faster.
        clock: seconds from any origin, default `time.monotonic`; inject one to drive time.
        now: the wall-clock start time, default the current time; fix it for repeatable data.
        read_only_keys: more bearer tokens, that read everything and may decide nothing (403).

    Raises:
        ValueError: unknown scenario, or `time_scale` not positive.
    """
    state = SimulatorState(
        scenario,
        api_key=api_key,
        seed=seed,
        time_scale=time_scale,
        clock=clock or time.monotonic,
        now=now,
    )
    state.set_read_only_keys(read_only_keys)
    app = Starlette(
        routes=[
            Route("/v1/{path:path}", ClustersAPI(state)),
            Mount("/_sim", app=control_app(state)),
        ]
    )
    app.state.simulator = state
    return app


def simulator_state(app: Starlette) -> SimulatorState:
    """The state behind an app made by `create_app`, to inspect or change it directly."""
    state: SimulatorState = app.state.simulator
    return state
