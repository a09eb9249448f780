"""The README's client configurations have the shape each client documents.

Claude Desktop and Cursor read `mcpServers.<name>` with `command`/`args`/`env` (Cursor also
`url`/`headers` for a remote server); VS Code reads `servers.<name>` with a `type`, and secrets
come from `inputs` referenced as `${input:id}`. The commands themselves are run by the real
clients in `tests/e2e/test_mcp_clients.py`; these checks need no Node.js.
"""

from __future__ import annotations

import json
import re
import shlex
from typing import Any

import pytest

from clusters_devkit import npm_clients
from tests import readme_clients as readme

SERVER = "together-clusters"
SERVER_BINARY = f"{readme.CHECKOUT}/.venv/bin/clusters-mcp"
BEARER = re.compile(r"^Bearer \S+$")
CHECKED = {
    "claude-desktop",
    "claude-code-stdio",
    "cursor-stdio",
    "vscode-stdio",
    "inspector-stdio",
    "claude-code-http",
    "cursor-http",
    "vscode-http",
    "inspector-http",
}


def config(name: str) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(readme.snippet(name))
    return parsed


def test_every_client_snippet_of_the_mcp_section_is_marked_for_checking() -> None:
    assert set(readme.snippets()) == CHECKED


@pytest.mark.parametrize("name", ["claude-desktop", "cursor-stdio"])
def test_claude_desktop_and_cursor_start_the_server_from_mcp_servers_command_and_env(
    name: str,
) -> None:
    parsed = config(name)

    assert set(parsed) == {"mcpServers"}
    server = parsed["mcpServers"][SERVER]
    assert set(server) <= {"command", "args", "env"}
    assert server["command"] == SERVER_BINARY
    assert server["env"]["TOGETHER_API_KEY"] == readme.TOGETHER_KEY
    assert all(isinstance(value, str) for value in server["env"].values())


def test_cursor_reaches_the_http_server_by_url_with_the_token_in_headers() -> None:
    parsed = config("cursor-http")

    assert set(parsed) == {"mcpServers"}
    server = parsed["mcpServers"][SERVER]
    assert set(server) == {"url", "headers"}
    assert server["url"] == readme.MCP_URL
    assert BEARER.match(server["headers"]["Authorization"])


@pytest.mark.parametrize(
    ("name", "transport", "fields", "secret_at"),
    [
        ("vscode-stdio", "stdio", {"type", "command", "env"}, ("env", "TOGETHER_API_KEY")),
        ("vscode-http", "http", {"type", "url", "headers"}, ("headers", "Authorization")),
    ],
)
def test_vscode_reads_servers_with_a_type_and_takes_the_secret_from_a_password_input(
    name: str, transport: str, fields: set[str], secret_at: tuple[str, str]
) -> None:
    parsed = config(name)

    assert set(parsed) == {"inputs", "servers"}
    server = parsed["servers"][SERVER]
    assert set(server) == fields
    assert server["type"] == transport
    assert server.get("command", SERVER_BINARY) == SERVER_BINARY
    assert server.get("url", readme.MCP_URL) == readme.MCP_URL
    declared = {entry["id"]: entry for entry in parsed["inputs"]}
    used = re.findall(r"\$\{input:([^}]+)\}", json.dumps(parsed["servers"]))
    assert used, "the secret must come from an input, not be written in the file"
    assert set(used) == set(declared)
    for entry in declared.values():
        assert entry["type"] == "promptString"
        assert entry["password"] is True
        assert entry["description"]
    section, key = secret_at
    assert "${input:" in server[section][key]


@pytest.mark.parametrize("name", ["claude-code-stdio", "claude-code-http"])
def test_claude_code_commands_name_the_server_before_any_option_that_takes_several_values(
    name: str,
) -> None:
    # `--env` and `--header` take every value up to the next option or `--`: a name after
    # them is swallowed, and Claude Code answers "missing required argument 'commandOrUrl'".
    (command,) = readme.shell_commands(readme.snippet(name))
    words = shlex.split(command)

    assert words[:3] == ["claude", "mcp", "add"]
    variadic = [
        index for index, word in enumerate(words) if word in {"-e", "--env", "-H", "--header"}
    ]
    assert variadic, command
    assert words.index(SERVER) < min(variadic), command
    if "--" in words:
        assert words[words.index("--") + 1 :] == [SERVER_BINARY]


def test_the_inspector_commands_name_the_pinned_version_so_npx_takes_it_on_node_20() -> None:
    pinned = f"{npm_clients.INSPECTOR}@{npm_clients.PINS[npm_clients.INSPECTOR]}"
    for name in ("inspector-stdio", "inspector-http"):
        for command in readme.shell_commands(readme.snippet(name)):
            assert shlex.split(command)[:3] == ["npx", pinned, "--cli"], command
