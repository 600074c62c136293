"""Shared test set-up: hypothesis profiles, the paths of the read-only shared data, the CLI
oracles, and one throwaway PostgreSQL cluster per session (``postgres_cluster``, tests/pg.py)."""

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


@pytest.fixture(scope="session")
def postgres_cluster():
    """A PostgreSQL cluster of our own for the whole session (initdb + pg_ctl in a temporary
    directory, Unix socket only), stopped and removed at the end; ``.new_database()`` gives each
    test an empty database. Missing PostgreSQL fails loudly (.ci/run installs it)."""
    from tests.pg import Cluster, PostgresMissing
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.fail("psycopg 3 is required by the PostgreSQL tests (pip install '.[test]')")
    try:
        cluster = Cluster()
    except PostgresMissing as exc:
        pytest.fail(str(exc))
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def inventory_location(request):
    """None (the SQLite file in the CA directory) or the URL of a fresh PostgreSQL database:
    tests that take this fixture run on both engines."""
    if request.param == "sqlite":
        return None
    return request.getfixturevalue("postgres_cluster").new_database()
