"""The README's MCP client snippets, read from README.md exactly as a user would copy them.

Each checked snippet is the fenced block right after a `<!-- client-check: NAME -->` line. Only
the placeholders a user replaces are substituted (the checkout's path, keys, addresses);
everything else runs as written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from clusters_devkit.rig import REPO_ROOT

README = REPO_ROOT / "README.md"
CHECKOUT = "/path/to/together-clusters-ops"
TOGETHER_KEY = "your-together-api-key"
SIMULATOR_KEY = "sim-key"
SIMULATOR_URL = "http://127.0.0.1:8400/v1"
MCP_URL = "http://127.0.0.1:8000/mcp"
_SNIPPET = re.compile(
    r"^<!-- client-check: (?P<name>[\w-]+) -->\n```(?P<lang>\w+)\n(?P<body>.*?)^```$",
    re.MULTILINE | re.DOTALL,
)


def snippets(readme: Path = README) -> dict[str, str]:
    """Every checked snippet of `readme` by name."""
    return {found["name"]: found["body"] for found in _SNIPPET.finditer(readme.read_text())}


def snippet(name: str, readme: Path = README) -> str:
    """The body of the snippet `name`.

    Raises:
        AssertionError: the README has no such snippet (its marker went missing).
    """
    found = snippets(readme)
    assert name in found, f"README.md has no `<!-- client-check: {name} -->` block: {sorted(found)}"
    return found[name]


def shell_commands(block: str) -> list[str]:
    """The commands of a shell block, a line ending in `\\` joined to the next, as a shell
    reads them."""
    joined = re.sub(r"\\\n", " ", block)
    return [line.strip() for line in joined.splitlines() if line.strip()]


def substitute(text: str, replacements: Mapping[str, str]) -> str:
    """`text` with each placeholder replaced by its value, all in one pass (a value is never
    searched for another placeholder)."""
    longest_first = sorted(replacements, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(placeholder) for placeholder in longest_first))
    return pattern.sub(lambda found: replacements[found.group()], text)
