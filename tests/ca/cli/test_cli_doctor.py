"""``x509core doctor``: the backend, the constant-time claim and the GMP build, under both
backends, as text and as JSON, run as a separate process (the environment variable is read at
import). The GMP facts are checked against oracles in tests/test_bignum.py; here, that the
command reports them and that its claims follow the backend."""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys

from tests.conftest import REPO


def _doctor(*args, backend: str | None, block_gmpy2: bool = False):
    env = {**os.environ, "X509CORE_BACKEND": backend or ""}
    code = ("import sys\n"
            + ("sys.modules['gmpy2'] = None\n" if block_gmpy2 else "")
            + "from x509core.__main__ import main\nsys.exit(main(sys.argv[1:]))")
    result = subprocess.run([sys.executable, "-c", code, "doctor", *args], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    return result.stdout


def _line(text: str, prefix: str) -> str:
    found = [line for line in text.splitlines() if line.startswith(prefix)]
    assert len(found) == 1, (prefix, text)
    return found[0]


def test_gmpy2_backend_says_constant_time_and_names_the_gmp_build():
    report = json.loads(_doctor("--json", backend="gmpy2"))
    text = _doctor(backend="gmpy2")
    assert _line(text, "bignum backend:") == "bignum backend: gmpy2 (X509CORE_BACKEND=gmpy2)"
    assert _line(text, "secret exponentiations:").startswith(
        "secret exponentiations: constant-time (gmpy2.powmod_sec, GMP's mpz_powm_sec")
    assert _line(text, "gmpy2:") == f"gmpy2: {importlib.metadata.version('gmpy2')}"
    # "local": a GMP built here (README, "GMP built for this CPU"), as in a venv made by it
    origin = {"bundled": "bundled with the gmpy2 wheel", "system": "the system's",
              "local": "built or installed outside the system's library directories",
              "static": "linked into gmpy2's extension"}
    assert _line(text, "GMP:") == (f"GMP: {report['gmp']}, {origin[report['gmp_origin']]}: "
                                   f"{report['gmp_library']}")
    build = _line(text, "GMP build:")
    assert ("fat binary" in build) == report["gmp_fat"]
    if report["gmp_fat"]:
        listed = ", ".join(f"{name} {variant}" for name, variant in report["gmp_kernels"].items())
        assert f"kernels for this CPU: {listed}" in build
        portable = "fat" in report["gmp_kernels"].values()
        assert ("GMP's portable C code" in build) == portable
        assert any("system's GMP is faster here" in a for a in report["advice"]) == (
            portable and report["gmp_origin"] == "bundled")


def test_python_backend_says_nothing_is_constant_time():
    text = _doctor(backend="python")
    assert _line(text, "bignum backend:") == "bignum backend: python (X509CORE_BACKEND=python)"
    assert _line(text, "secret exponentiations:").startswith(
        "secret exponentiations: NOT constant-time")
    assert "nothing is constant-time" in text
    assert _line(text, "gmpy2:").endswith("(installed, not used)")
    assert _line(text, "advice:") == ("advice: unset X509CORE_BACKEND to use gmpy2 "
                                      "(constant-time powmod_sec)")


def test_json_has_every_fact_with_its_type():
    for backend in ("gmpy2", "python"):
        report = json.loads(_doctor("--json", backend=backend))
        assert report["backend"] == backend
        assert report["constant_time"] is (backend == "gmpy2")
        assert report["requested"] == backend
        assert report["gmpy2"] == importlib.metadata.version("gmpy2")
        assert report["gmp_origin"] in ("bundled", "system", "local", "static")
        assert isinstance(report["gmp_fat"], bool) and isinstance(report["advice"], list)
        assert report["x509core"] == importlib.metadata.version("x509core")


def test_without_gmpy2_it_says_so_and_how_to_get_it():
    text = _doctor(backend=None, block_gmpy2=True)
    assert _line(text, "bignum backend:") == "bignum backend: python (gmpy2 is not installed)"
    assert _line(text, "secret exponentiations:").startswith(
        "secret exponentiations: NOT constant-time")
    assert not any(line.startswith(("gmpy2:", "GMP")) for line in text.splitlines())
    assert _line(text, "advice:").startswith("advice: install gmpy2")
    report = json.loads(_doctor("--json", backend=None, block_gmpy2=True))
    assert (report["gmpy2"], report["gmp"], report["gmp_library"]) == (None, None, None)


def test_doctor_is_listed_in_the_help():
    result = subprocess.run([sys.executable, "-m", "x509core", "--help"], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    assert any(line.split()[:1] == ["doctor"] for line in result.stdout.splitlines())
