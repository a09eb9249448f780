"""The developer's kit around the product: a local Slack, the demo, and the loopback rig.

Not part of the product (`shared`, `bot` and `mcp_server` never import it); the tests, the
benchmarks and `make demo` do.

- `FakeSlack` (`fake_slack`): the Slack Web API, response_urls and Socket Mode (`socket_mode`)
  on loopback, recording every call; `payloads` builds and signs the requests Slack sends apps.
- `Sandbox` (`web`): the fake Slack plus a page in the browser where a person types commands
  and clicks buttons (`python -m clusters_devkit`).
- `rig`: child processes on loopback (one `free_port`, one environment policy, one way to stop).
- `World` (`world`): the simulator, a fake Slack and the real bot and MCP server, wired.
- `demo`: `make demo`, the whole product on one machine.
- `npm_clients`: the pinned MCP clients (Claude Code, MCP Inspector) that the README's commands
  are tested with, in `.cache/npm-clients/`.
"""

from clusters_devkit.fake_slack import FakeSlack, RecordedCall
from clusters_devkit.socket_mode import FakeSocketMode, SocketAck

__all__ = ["FakeSlack", "FakeSocketMode", "RecordedCall", "SocketAck"]
