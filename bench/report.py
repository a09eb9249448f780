"""What a benchmark reports (`Section`, `Target`), the machine it ran on, and the two renderings:
a plain table for the terminal and `bench/RESULTS.md`."""

from __future__ import annotations

import os
import platform
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

PACKAGES = (
    "together-clusters-ops",
    "httpx",
    "pydantic",
    "pydantic-core",
    "slack-bolt",
    "slack-sdk",
    "mcp",
    "together",
    "psutil",
)


@dataclass(frozen=True)
class Target:
    """One goal from the issue and how the run did against it.

    Attributes:
        goal: the target in words ("ours <= 0.15x the SDK, 1,000 clusters").
        measured: the figure it is judged on ("0.12x (0.11-0.14)").
        met: True, False, or None when it could not be measured.
    """

    goal: str
    measured: str
    met: bool | None

    @property
    def verdict(self) -> str:
        return {True: "met", False: "MISSED", None: "not measured"}[self.met]


@dataclass
class Section:
    """One benchmark's results: a table, targets and notes, or why it was not measured."""

    title: str
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    not_measured: str | None = None
    seconds: float = 0.0


def not_measured(title: str, reason: str, goals: list[str]) -> Section:
    """A section for a benchmark that could not run; each of its goals is marked not measured."""
    targets = [Target(goal, f"not measured: {reason}", None) for goal in goals]
    return Section(title, targets=targets, not_measured=reason)


def machine() -> dict[str, str]:
    """Cores, memory, CPU model, load, Python and package versions, and the date."""
    info = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": _cpu_model(),
        "cores": str(os.cpu_count() or "?"),
        "memory": _memory(),
        "load average (1, 5, 15 min)": ", ".join(f"{x:.2f}" for x in os.getloadavg()),
        "os": platform.platform(),
        "python": sys.version.split()[0],
    }
    for name in PACKAGES:
        try:
            info[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            info[name] = "not installed"
    return info


def terminal(sections: list[Section], info: dict[str, str], *, quick: bool) -> str:
    """The results as plain text tables."""
    mode = "quick" if quick else "full"
    lines = [f"Benchmarks ({mode} run) on {info['cpu']}, {info['cores']} cores, {info['date']}"]
    for section in sections:
        lines += ["", f"== {section.title} ({section.seconds:.0f} s)"]
        if section.not_measured:
            lines.append(f"   not measured: {section.not_measured}")
        lines += ["   " + line for line in _aligned(section.columns, section.rows)]
        lines += [f"   - {note}" for note in section.notes]
    lines += ["", "== Targets"]
    for target in (t for s in sections for t in s.targets):
        lines.append(f"   [{target.verdict:^12}] {target.goal}: {target.measured}")
    return "\n".join(lines)


def markdown(sections: list[Section], info: dict[str, str], *, quick: bool) -> str:
    """The results as `bench/RESULTS.md`."""
    mode = "quick (`make bench-quick`)" if quick else "full (`make bench`)"
    out = [
        "# Benchmark results",
        "",
        f"Written by `python -m bench`, {mode} run. Times are medians with (min-max, n=repeats);",
        "every comparison is a ratio measured within this run, repeats interleaved. The machine",
        "is shared, so absolute times are noisy; ratios are what the targets are judged on.",
        "",
        "## Targets",
        "",
        "| Target | Measured | Verdict |",
        "| --- | --- | --- |",
    ]
    for target in (t for s in sections for t in s.targets):
        out.append(f"| {_cell(target.goal)} | {_cell(target.measured)} | {target.verdict} |")
    out += ["", "## Machine", "", "| | |", "| --- | --- |"]
    out += [f"| {key} | {_cell(value)} |" for key, value in info.items()]
    for section in sections:
        out += ["", f"## {section.title}", ""]
        if section.not_measured:
            out += [f"Not measured: {_cell(section.not_measured)}", ""]
        if section.columns:
            out.append("| " + " | ".join(_cell(c) for c in section.columns) + " |")
            out.append("|" + " --- |" * len(section.columns))
            out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in section.rows]
            out.append("")
        out += [f"- {_cell(note)}" for note in section.notes]
    return "\n".join(out).rstrip() + "\n"


def write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def _aligned(columns: list[str], rows: list[list[str]]) -> list[str]:
    if not columns:
        return []
    widths = [max(len(str(row[i])) for row in [columns, *rows]) for i in range(len(columns))]

    def line(cells: list[str]) -> str:
        return "  ".join(str(cell).ljust(width) for cell, width in zip(cells, widths, strict=True))

    return [line(columns), line(["-" * w for w in widths]), *(line(row) for row in rows)]


def _cell(text: str) -> str:
    """Text safe in a Markdown table cell: no pipes, newlines or HTML-looking brackets."""
    escaped = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("|", "\\|").replace("\n", " ")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory() -> str:
    try:
        import psutil

        return f"{psutil.virtual_memory().total / 2**30:.1f} GiB"
    except ImportError:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        return f"{pages * size / 2**30:.1f} GiB"
