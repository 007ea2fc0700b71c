"""Shared fixtures: the real public logs live in ../shared/logs beside the repository."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_LOGS = Path(os.environ.get("FRICTIONMINER_SHARED_LOGS", REPO.parent / "shared" / "logs"))
SAMPLES = REPO / "sample_logs"


def shared_log(relative: str) -> Path:
    """Path of a real log; the test is skipped (loudly, with -ra) when it is absent."""
    path = SHARED_LOGS / relative
    if not path.exists():
        if os.environ.get("CI"):
            raise FileNotFoundError(f"{path} missing in CI: ../shared/logs must be present")
        pytest.skip(f"real log not available: {path}")
    return path
