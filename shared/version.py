"""The distribution's version: written once, in `pyproject.toml`, read from the installed metadata.

`--version` on the three commands, the MCP `serverInfo` and the client's `User-Agent` all use
`__version__`. A checkout that was never installed (no metadata) says `0+unknown` rather than
guessing.
"""

from __future__ import annotations

import argparse
from importlib.metadata import PackageNotFoundError, version

DISTRIBUTION = "together-clusters-ops"


def _installed_version() -> str:
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return "0+unknown"


__version__ = _installed_version()


def add_version_argument(parser: argparse.ArgumentParser) -> None:
    """`--version`: print `<prog> <version>` and exit 0."""
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}", help="print the version"
    )
