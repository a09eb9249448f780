"""Dependencies point one way: bot -> shared <- mcp_server, and the core of shared imports little.

The developer's kit (`clusters_devkit`: fake Slack, demo, loopback rig) sits outside the product:
it may use `shared` and Slack's limits from the bot, and nothing of the product imports it.

Every `.py` file is parsed with `ast`, so an import hidden in a function or behind
`if TYPE_CHECKING:` counts as much as one at the top.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = ("shared", "bot", "mcp_server")
FRONT_ENDS = ("slack_bolt", "slack_sdk", "mcp", "bot", "mcp_server")
# The pure core (fleet logic, the alert engine, lookup, retry decisions): no network, files,
# database, processes, clock or threads of its own.
PURE_IO = (
    "httpx",
    "asyncio",
    "anyio",
    "socket",
    "sqlite3",
    "subprocess",
    "threading",
    "time",
    "shared.client",
    "shared.simulator",
)
PURE_CORE = ("shared/fleet", "shared/alerts", "shared/lookup.py", "shared/retrying.py")
# A test module that starts processes or browsers belongs to `make test`, not `make check`.
STARTS_PROCESSES = (
    "subprocess",
    "clusters_devkit.rig.ChildProcess",
    "clusters_devkit.rig.run_until_exit",
    "clusters_devkit.world",
    "clusters_devkit.sim_process",
    "playwright",
    "tests.e2e",
)
DEVKIT = "clusters_devkit"
# Its fake Slack refuses what Slack refuses, by the same table the bot's renderers are held to.
DEVKIT_MAY_USE = ("bot.render.budgets",)


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, root: Path = ROOT) -> set[str]:
    """Every module `path` imports, relative imports resolved to absolute names."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def is_within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def violations(package: str, forbidden: tuple[str, ...], root: Path = ROOT) -> Iterator[str]:
    base = root / package
    files = [base] if base.suffix == ".py" else sorted(base.rglob("*.py"))
    assert files, f"found no .py files under {package}/: the check would pass vacuously"
    for path in files:
        for module in sorted(imports_of(path, root)):
            if is_within(module, forbidden):
                yield f"{path.relative_to(root).as_posix()} imports {module}"


def test_shared_never_imports_slack_mcp_or_the_front_ends() -> None:
    assert list(violations("shared", FRONT_ENDS)) == []


def test_the_bot_never_imports_the_mcp_server() -> None:
    assert list(violations("bot", ("mcp_server",))) == []


def test_the_mcp_server_never_imports_the_bot() -> None:
    assert list(violations("mcp_server", ("bot",))) == []


_MODEL_PARTS = ("shared.enums", "shared.model_types", "shared.linked_alerts")


@pytest.mark.parametrize(
    ("module", "allowed"),
    [
        ("shared/errors.py", ()),
        ("shared/models.py", _MODEL_PARTS),
        ("shared/linked_alerts.py", ("shared.enums", "shared.model_types")),
        ("shared/model_types.py", ()),
    ],
)
def test_errors_and_models_import_nothing_of_ours_beyond_the_enums_and_each_other(
    module: str, allowed: tuple[str, ...]
) -> None:
    path = ROOT / module
    ours = {m for m in imports_of(path) if is_within(m, OURS)}
    assert {m for m in ours if not is_within(m, allowed)} == set()


@pytest.mark.parametrize("package", OURS)
def test_the_product_never_imports_the_devkit(package: str) -> None:
    assert list(violations(package, (DEVKIT,))) == []


def test_the_devkit_uses_shared_and_only_the_slack_limits_of_the_bot() -> None:
    found = [
        line
        for line in violations(DEVKIT, ("bot", "mcp_server", "tests", "bench"))
        if not is_within(line.rpartition(" imports ")[2], DEVKIT_MAY_USE)
    ]
    assert found == []


def test_the_devkits_one_allowance_is_a_real_import_of_it() -> None:
    used = {m for path in (ROOT / DEVKIT).rglob("*.py") for m in imports_of(path)}
    assert all(module in used for module in DEVKIT_MAY_USE), "drop an allowance nothing uses"


@pytest.mark.parametrize("part", PURE_CORE)
def test_the_pure_core_does_no_io(part: str) -> None:
    assert list(violations(part, PURE_IO)) == []


def test_every_test_that_starts_a_process_is_marked_so_make_check_skips_it() -> None:
    unmarked = [
        path.relative_to(ROOT).as_posix()
        for path in sorted((ROOT / "tests").rglob("test_*.py"))
        if any(is_within(m, STARTS_PROCESSES) for m in imports_of(path))
        and "pytest.mark.e2e" not in path.read_text()
        and "pytest.mark.browser" not in path.read_text()
    ]
    assert unmarked == []


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        ("import slack_sdk\n", "slack_sdk"),
        ("from mcp.server import MCPServer\n", "mcp.server"),
        ("def f():\n    import bot.app\n", "bot.app"),
        (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import mcp_server\n",
            "mcp_server",
        ),
        ("from ...bot import app\n", "bot"),
    ],
    ids=["top_level", "from_import", "inside_a_function", "type_checking_only", "relative"],
)
def test_the_check_catches_a_forbidden_import_wherever_it_hides(
    tmp_path: Path, source: str, caught: str
) -> None:
    (tmp_path / "shared" / "fleet").mkdir(parents=True)
    (tmp_path / "shared" / "fleet" / "probe.py").write_text(source)
    found = list(violations("shared", FRONT_ENDS, root=tmp_path))
    assert found[0] == f"shared/fleet/probe.py imports {caught}"


def test_the_check_fails_when_there_is_nothing_to_check(tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match=r"found no \.py files"):
        list(violations("shared", FRONT_ENDS, root=tmp_path))


def test_relative_imports_are_resolved_against_their_package(tmp_path: Path) -> None:
    (tmp_path / "shared" / "fleet").mkdir(parents=True)
    probe = tmp_path / "shared" / "fleet" / "probe.py"
    probe.write_text("from . import severity\nfrom ..enums import ClusterStatus\n")
    assert imports_of(probe, tmp_path) == {
        "shared.fleet",
        "shared.fleet.severity",
        "shared.enums",
        "shared.enums.ClusterStatus",
    }
    assert "shared.enums" in imports_of(ROOT / "shared" / "models.py")


def test_mcp_is_not_mistaken_for_mcp_server_or_the_reverse() -> None:
    assert is_within("mcp.server", ("mcp",))
    assert not is_within("mcp_server.tools", ("mcp",))
    assert not is_within("mcpx", ("mcp",))
    assert is_within("mcp_server.tools", ("mcp_server",))
