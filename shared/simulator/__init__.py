"""A local stand-in for Together's `GET /v1/compute/clusters`, for the demo, tests and experiments.

- `create_app(...)`: the ASGI app (in-process tests use `httpx.ASGITransport`);
- `SimulatorServer(...)`: the app on a loopback port in a background thread;
- `SimulatorControl(url)`: the control API (`/_sim/...`) over HTTP;
- `clusters-sim` / `python -m shared.simulator`: the command line.

Scenarios are `demo`, `large:N` and `empty` (`shared.simulator.scenarios`); faults, patches and
the timeline are described in their modules.
"""

from shared.simulator.api import INVALID_API_KEY, SimulatedDisconnect
from shared.simulator.app import DEFAULT_API_KEY, create_app, simulator_state
from shared.simulator.control_client import SimulatorControl, SimulatorControlError
from shared.simulator.scenarios import DEMO_TIMELINE_CLUSTER, build_scenario
from shared.simulator.server import SimulatorServer
from shared.simulator.state import SimulatorState
from shared.simulator.timeline import APPROVE_AT_S, DEGRADE_AT_S, RECOVER_AT_S

__all__ = [
    "APPROVE_AT_S",
    "DEFAULT_API_KEY",
    "DEGRADE_AT_S",
    "DEMO_TIMELINE_CLUSTER",
    "INVALID_API_KEY",
    "RECOVER_AT_S",
    "SimulatedDisconnect",
    "SimulatorControl",
    "SimulatorControlError",
    "SimulatorServer",
    "SimulatorState",
    "build_scenario",
    "create_app",
    "simulator_state",
]
