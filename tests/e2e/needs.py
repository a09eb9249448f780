"""What to do when a test needs a tool this machine lacks: skip locally, fail in CI.

A developer without Chromium or Node.js still runs the rest of the suite; CI (`CI` set) has
them installed by `.ci/run`, so there a missing tool is a broken CI, never a quiet skip.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def tool_missing(reason: str, *, needed_by: str) -> NoReturn:
    """Skip the test with `reason`; in CI, fail it instead.

    Args:
        reason: what is missing and how to get it.
        needed_by: which tests need it ("the browser tests"), for the CI failure.
    """
    if os.environ.get("CI"):
        pytest.fail(f"CI must run {needed_by}: {reason}")
    pytest.skip(reason)
