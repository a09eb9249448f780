"""The simulator on a loopback port: `SimulatorServer`, its control helpers, the CLI, the demo."""

from __future__ import annotations

import signal
import socket
import sys
from collections.abc import Iterator

import httpx
import pytest

from clusters_devkit.rig import ChildProcess, run_until_exit
from shared.parsing import parse_clusters
from shared.simulator import SimulatorControlError, SimulatorServer

AUTH = {"Authorization": "Bearer sim-key"}


@pytest.fixture
def sim() -> Iterator[SimulatorServer]:
    with SimulatorServer("demo") as server:
        yield server


def test_the_server_serves_on_loopback_and_frees_its_port_when_stopped() -> None:
    with SimulatorServer("demo") as server:
        assert server.url == f"http://127.0.0.1:{server.port}/v1"
        response = httpx.get(f"{server.url}/compute/clusters", headers=AUTH)
        clusters, invalid = parse_clusters(response.content)
        assert (len(clusters), invalid) == (8, [])
        port = server.port
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/v1/compute/clusters", headers=AUTH)
    with socket.socket() as again:
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", port))


def test_a_busy_port_is_reported_when_starting(sim: SimulatorServer) -> None:
    with pytest.raises(OSError):
        SimulatorServer("empty", port=sim.port).start()


def test_the_control_helpers_drive_a_running_server(sim: SimulatorServer) -> None:
    control = sim.control
    cluster = httpx.get(f"{sim.url}/compute/clusters", headers=AUTH).json()["clusters"][0]
    node_id = cluster["gpu_worker_nodes"][0]["node_id"]
    patched = control.set_cluster(
        cluster["cluster_id"], status="Degraded", nodes={node_id: {"status": "Failed"}}
    )
    assert patched["status"] == "Degraded"
    assert control.cluster(cluster["cluster_id"])["gpu_worker_nodes"][0]["status"] == "Failed"

    assert control.add_faults({"status": 503}, {"status": 429, "count": 2}) == 3
    codes = [httpx.get(f"{sim.url}/compute/clusters", headers=AUTH).status_code for _ in range(4)]
    assert codes == [503, 429, 429, 200]
    assert control.stats()["by_status"] == {"200": 2, "503": 1, "429": 2}

    key = control.add_cluster({"cluster_id": "raw-one", "cluster_name": "broken"})
    assert key == "raw-one"
    control.put_cluster(key, {"cluster_name": "still broken"})
    control.delete_cluster(key)
    assert control.timeline(advance_s=30)["events"][0]["applied"] is True
    control.reset()
    assert control.stats()["requests"] == 0


def test_a_refused_control_request_raises_a_clear_error(sim: SimulatorServer) -> None:
    with pytest.raises(SimulatorControlError, match="404"):
        sim.control.set_cluster("no-such-cluster", status="Ready")
    with pytest.raises(SimulatorControlError, match="400"):
        sim.control.add_faults({"status": 42})


def test_a_drop_fault_on_a_real_server_is_a_broken_connection(sim: SimulatorServer) -> None:
    sim.control.add_faults({"drop": True})
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(f"{sim.url}/compute/clusters", headers=AUTH)
    assert httpx.get(f"{sim.url}/compute/clusters", headers=AUTH).status_code == 200


def test_a_delay_fault_makes_a_client_time_out_and_the_server_still_stops() -> None:
    with SimulatorServer("empty") as server:
        server.control.add_faults({"delay_s": 0.5})
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(f"{server.url}/compute/clusters", headers=AUTH, timeout=0.05)
    assert server.state.stats()["requests"] == 1


@pytest.mark.e2e
def test_the_cli_prints_its_url_serves_and_exits_cleanly_on_sigterm() -> None:
    command = [sys.executable, "-m", "shared.simulator", "--port", "0", "--scenario", "large:3"]
    with ChildProcess("simulator", command) as process:
        match = process.wait_for_log(
            r"Simulator serving scenario large:3 at (http://127\.0\.0\.1:\d+/v1) "
            r"\(API key: sim-key\)\n"
        )
        response = httpx.get(f"{match[1]}/compute/clusters", headers=AUTH)
        assert len(response.json()["clusters"]) == 3
        process.signal(signal.SIGTERM)
        assert process.wait(15) == 0
        assert process.output() == match[0]  # nothing else: no warning, no traceback


@pytest.mark.e2e
def test_the_cli_refuses_a_host_other_machines_can_reach_unless_allowed() -> None:
    result = run_until_exit([sys.executable, "-m", "shared.simulator", "--host", "0.0.0.0"])
    assert result.returncode == 2
    assert "--allow-remote" in result.stderr
