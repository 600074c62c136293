"""Shared test set-up: hypothesis profiles and the paths of the read-only shared data."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"          # ../shared beside the repository, read-only
INTEROP = SHARED / "interop" / "seed-system"
VECTORS = SHARED / "vectors"

# "ci" is bounded so that the whole suite stays inside CI's time budget; "dev" digs deeper.
settings.register_profile("ci", max_examples=150, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


def require_shared(path: Path) -> Path:
    """A file of ../shared that a test needs: missing is a failure, never a skip."""
    if not path.exists():
        pytest.fail(f"missing shared test data {path} (expected ../shared beside the repository)")
    return path


def require_program(name: str, package: str) -> str:
    """The path of a program a test calls as an oracle; .ci/run installs it, so missing is a
    failure, never a skip."""
    found = shutil.which(name)
    if not found:
        pytest.fail(f"the {name} program is required by this test (apt-get install -y {package})")
    return found


@pytest.fixture(scope="session")
def openssl() -> str:
    """The OpenSSL CLI."""
    return require_program("openssl", "openssl")


@pytest.fixture(scope="session")
def curl() -> str:
    """The curl CLI (HTTPS link tests)."""
    return require_program("curl", "curl")
