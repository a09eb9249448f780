"""The MCP clients the README tells people to use, pinned, in a project-local npm prefix.

The client tests (`tests/e2e/test_mcp_clients.py`) run the README's `claude mcp add` and
`npx @modelcontextprotocol/inspector` commands against these exact versions, installed in
`.cache/npm-clients/` (gitignored) by

    python -m clusters_devkit.npm_clients     # installs them when absent or not the pins

which `.ci/run` calls. Nothing else installs them: a test never downloads anything.

Pins: Claude Code 2.1.197 is the last release that runs on Node 20 (2.1.198 and later ask for
Node 22). The Inspector asks for Node 22.7.5 from 0.16 on, so on Node 20 a bare
`npx @modelcontextprotocol/inspector` takes 0.15.0, whose CLI has no `--header` for the HTTP
token; 0.22.0's CLI mode runs on Node 20 all the same (npm only warns), and the README names it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
PREFIX = REPO_ROOT / ".cache" / "npm-clients"
CLAUDE_CODE = "@anthropic-ai/claude-code"
INSPECTOR = "@modelcontextprotocol/inspector"
PINS: Mapping[str, str] = {CLAUDE_CODE: "2.1.197", INSPECTOR: "0.22.0"}
INSTALL_TIMEOUT_S = 900.0
# Every client run by the tests is told to stay off the network: no update checks, telemetry,
# error reports or registry look-ups (npx resolves the pinned package from PREFIX).
QUIET_CLIENT_ENV: Mapping[str, str] = {
    "DISABLE_AUTOUPDATER": "1",
    "DISABLE_TELEMETRY": "1",
    "DISABLE_ERROR_REPORTING": "1",
    "DISABLE_BUG_COMMAND": "1",
    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
    "npm_config_offline": "true",
    "npm_config_update_notifier": "false",
    "npm_config_audit": "false",
    "npm_config_fund": "false",
    "NO_UPDATE_NOTIFIER": "1",
}


def installed_version(package: str, prefix: Path = PREFIX) -> str | None:
    """The version of `package` installed under `prefix`, or None."""
    manifest = prefix / "node_modules" / package / "package.json"
    try:
        version = json.loads(manifest.read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None
    return str(version)


def missing(prefix: Path = PREFIX) -> str | None:
    """Why the pinned clients cannot run here (no Node, no npm, not installed), or None."""
    for tool in ("node", "npm", "npx"):
        if shutil.which(tool) is None:
            return f"`{tool}` is not on PATH (the MCP client tests need Node.js 20+ and npm)"
    wrong = [
        f"{package}@{version}"
        for package, version in PINS.items()
        if installed_version(package, prefix) != version
    ]
    if wrong:
        return (
            f"{', '.join(wrong)} not installed in {prefix} "
            "(run `python -m clusters_devkit.npm_clients`; .ci/run does it)"
        )
    return None


def bin_dir(prefix: Path = PREFIX) -> Path:
    """Where the clients' commands (`claude`, `mcp-inspector`) are."""
    return prefix / "node_modules" / ".bin"


def client_env(home: Path, prefix: Path = PREFIX) -> dict[str, str]:
    """Variables for running a client as a new user would: its own `HOME`, the pinned clients
    first on `PATH`, and no traffic beyond loopback."""
    path = os.pathsep.join(filter(None, [str(bin_dir(prefix)), os.environ.get("PATH")]))
    return {
        **QUIET_CLIENT_ENV,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "npm_config_cache": str(home / ".npm"),
        "PATH": path,
    }


def install(prefix: Path = PREFIX) -> None:
    """Install the pinned clients under `prefix` with npm.

    Raises:
        RuntimeError: npm is missing, or the install failed (npm's output is in the message).
    """
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not on PATH: install Node.js 20+ with npm first")
    prefix.mkdir(parents=True, exist_ok=True)
    # A manifest of our own, so that npm installs exactly the pins and runs Claude Code's
    # postinstall (it puts the native binary in place; npm 11 runs only approved scripts).
    manifest = {
        "private": True,
        "dependencies": dict(PINS),
        "allowScripts": {f"{CLAUDE_CODE}@{PINS[CLAUDE_CODE]}": True},
    }
    (prefix / "package.json").write_text(json.dumps(manifest, indent=2) + "\n")
    result = subprocess.run(
        [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT_S,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"npm install in {prefix} failed:\n{result.stderr[-4000:]}")


def main(argv: list[str] | None = None) -> int:
    """`python -m clusters_devkit.npm_clients [--force]`: install the pinned clients if needed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="install even if present")
    args = parser.parse_args(argv)
    if not args.force and missing() is None:
        print(f"MCP clients already installed in {PREFIX}")
        return 0
    try:
        install()
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        print(exc, file=sys.stderr)
        return 1
    if (reason := missing()) is not None:
        print(reason, file=sys.stderr)
        return 1
    print(f"MCP clients installed in {PREFIX}: " + ", ".join(f"{p}@{v}" for p, v in PINS.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
