"""Mutation scores of the pure core, per module, after `mutmut run` (`make mutation`).

Reads the results mutmut leaves in `mutants/**/*.py.meta` and leaves out the mutants listed in
`equivalent.txt` beside this file: those cannot change behaviour, so no test could kill them. A
mutant that times out or that the type checker rejects counts as killed: something noticed it.

Exits 1 when a module misses its target (100 % for the small pure modules, 98 % elsewhere), or when
`equivalent.txt` names a mutant that no longer exists or that a test now kills, so the list cannot
quietly go stale.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MUTANTS = ROOT / "mutants"
EQUIVALENT = Path(__file__).with_name("equivalent.txt")

KILLED = {1, 3}  # a test failed, or pytest itself errored on the mutant
TIMEOUT = {36, 24, -24, 152, 255}  # mutmut's codes for a mutant that made the tests hang
TYPE_CHECKED = {37}
SURVIVED = {0}
NO_TESTS = {5, 33}

# Modules every mutant of which must die; the rest of a package must reach `DEFAULT_TARGET`.
FULL_TARGET = frozenset(
    {
        "shared/fleet/severity.py",
        "shared/fleet/filters.py",
        "shared/lookup.py",
        "shared/retrying.py",
    }
)
DEFAULT_TARGET = 0.98


@dataclass
class Score:
    killed: int = 0
    equivalent: int = 0
    missed: list[str] = field(default_factory=list)

    @property
    def counted(self) -> int:
        return self.killed + len(self.missed)

    @property
    def ratio(self) -> float:
        return self.killed / self.counted if self.counted else 1.0


def read_equivalent(path: Path) -> dict[str, str]:
    """Mutant name -> reason, from lines `name  # reason`; blank lines and comments skipped."""
    listed: dict[str, str] = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        name, _, reason = text.partition("#")
        if not reason.strip():
            raise SystemExit(f"{path.name}:{number}: {name.strip()} has no reason")
        listed[name.strip()] = reason.strip()
    return listed


def read_results(mutants: Path) -> dict[str, dict[str, int | None]]:
    """Exit codes by mutant name, per source module (`shared/alerts/engine.py`)."""
    results: dict[str, dict[str, int | None]] = {}
    for meta in sorted(mutants.rglob("*.py.meta")):
        module = meta.relative_to(mutants).as_posix().removesuffix(".meta")
        results[module] = json.loads(meta.read_text())["exit_code_by_key"]
    return results


def describe(code: int | None) -> str:
    if code in SURVIVED:
        return "survived"
    if code in NO_TESTS:
        return "no tests"
    return "not checked" if code is None else f"exit code {code}"


def target_of(module: str) -> float:
    return 1.0 if module in FULL_TARGET else DEFAULT_TARGET


def main() -> int:
    if not MUTANTS.is_dir():
        print("No mutants/ directory: run `mutmut run` first (`make mutation` does both).")
        return 1
    equivalent = read_equivalent(EQUIVALENT)
    results = read_results(MUTANTS)
    scores: dict[str, Score] = defaultdict(Score)
    seen: set[str] = set()
    stale: list[str] = []
    for module, codes in results.items():
        score = scores[module]
        for name, code in sorted(codes.items()):
            seen.add(name)
            dead = code in KILLED | TIMEOUT | TYPE_CHECKED
            if name in equivalent:
                score.equivalent += 1
                if dead:
                    stale.append(f"{name} is listed as equivalent but a test kills it")
            elif dead:
                score.killed += 1
            else:
                score.missed.append(f"{name} ({describe(code)})")
    stale += [f"{name} is listed as equivalent but no such mutant exists" for name in equivalent]
    stale = [line for line in stale if "kills" in line or line.split()[0] not in seen]

    packages: dict[str, Score] = defaultdict(Score)
    for module, score in scores.items():
        if module.count("/") < 2:
            continue  # a single-module target is scored on its own line above
        package = module.rsplit("/", 1)[0]
        packages[package].killed += score.killed
        packages[package].equivalent += score.equivalent
        packages[package].missed += score.missed

    failed = False
    print(f"{'module':34} {'killed':>7} {'of':>5} {'score':>8} {'equiv':>6} {'target':>7}")
    for module in sorted(scores):
        score, target = scores[module], target_of(module)
        if not score.counted + score.equivalent:
            continue  # nothing to mutate: re-exports, plain dataclasses
        short = score.ratio < target
        failed |= short
        mark = "  <- below target" if short else ""
        print(
            f"{module:34} {score.killed:7} {score.counted:5} {score.ratio:8.1%} "
            f"{score.equivalent:6} {target:7.0%}{mark}"
        )
    print()
    for package in sorted(packages):
        score = packages[package]
        short = score.ratio < DEFAULT_TARGET
        failed |= short
        print(
            f"{package:34} {score.killed:7} {score.counted:5} {score.ratio:8.1%} "
            f"{score.equivalent:6} {DEFAULT_TARGET:7.0%}{'  <- below target' if short else ''}"
        )
    total = Score(
        killed=sum(s.killed for s in scores.values()),
        equivalent=sum(s.equivalent for s in scores.values()),
        missed=[m for s in scores.values() for m in s.missed],
    )
    print(
        f"{'all':34} {total.killed:7} {total.counted:5} {total.ratio:8.1%} {total.equivalent:6}"
        f"\n\n{total.counted + total.equivalent} mutants, {total.equivalent} listed as equivalent"
        f" in {EQUIVALENT.relative_to(ROOT)}."
    )
    if total.missed:
        print("\nNot killed (`.venv/bin/mutmut show NAME` shows one):")
        for line in total.missed:
            print(f"  {line}")
    if stale:
        print(f"\n{EQUIVALENT.name} is out of date:")
        for line in stale:
            print(f"  {line}")
    return 1 if failed or stale else 0


if __name__ == "__main__":
    sys.exit(main())
