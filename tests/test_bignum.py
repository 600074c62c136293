"""bignum.backend_info(): what it says about the backend and the GMP build, checked against
oracles outside x509core: the installed distribution's metadata, the version string inside the
library file, the process's memory map, the ELF symbol table (binutils ``nm``) and the Debian
package database (``dpkg -S``). The suite runs on the gmpy2 wheel and on gmpy2 built on the
system's GMP (README, "Faster RSA with the system's GMP"); each assertion holds for both."""

from __future__ import annotations

import ctypes
import importlib.metadata
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, require_program
from x509core import bignum

HAVE_GMPY2 = importlib.util.find_spec("gmpy2") is not None


@pytest.fixture
def backend():
    """Restores the module-level backend a test switches."""
    saved = bignum.BACKEND
    yield bignum.set_backend
    bignum.set_backend(saved)


def _nm_symbols(library: str) -> set[str]:
    nm = require_program("nm", "binutils")
    out = subprocess.run([nm, "-D", "--defined-only", library], capture_output=True, text=True,
                         check=True).stdout
    return {line.split()[-1] for line in out.splitlines() if line.strip()}


def test_gmpy2_is_installed_for_the_suite():
    # The first pass of the README's test command is the gmpy2 backend; without gmpy2 it would
    # silently test the pure-Python backend twice.
    assert HAVE_GMPY2, "gmpy2 is not installed (pip install '.[test]')"


def test_the_backend_in_use_and_its_constant_time_flag(backend):
    backend("python")
    info = bignum.backend_info()
    assert (info.backend, info.constant_time) == ("python", False)
    backend("gmpy2")
    info = bignum.backend_info()
    assert (info.backend, info.constant_time) == ("gmpy2", True)
    assert bignum.powmod_sec is bignum._gmp_powmod_sec       # what "constant-time" stands for


def test_requested_is_the_environment_variable():
    assert bignum.backend_info().requested == (os.environ.get("X509CORE_BACKEND") or None)


def test_versions_match_the_distribution_and_the_library_file():
    info = bignum.backend_info()
    assert info.gmpy2_version == importlib.metadata.version("gmpy2")
    assert info.gmp_library and Path(info.gmp_library).is_file()
    # GMP's own version string, read from the very file backend_info names.
    in_file = ctypes.c_char_p.in_dll(ctypes.CDLL(info.gmp_library), "__gmp_version").value
    assert info.gmp_version == in_file.decode()


def test_the_library_is_the_one_this_process_has_mapped():
    info = bignum.backend_info()
    maps = Path("/proc/self/maps").read_text().split()
    mapped = {os.path.realpath(word) for word in maps if "libgmp" in word or "gmpy2" in word}
    assert info.gmp_library in mapped


def test_bundled_or_system_agrees_with_the_package_database():
    info = bignum.backend_info()
    dpkg = require_program("dpkg", "dpkg")
    owner = subprocess.run([dpkg, "-S", info.gmp_library], capture_output=True, text=True)
    if info.gmp_origin == "system":
        assert owner.returncode == 0 and owner.stdout.startswith("libgmp"), owner.stdout
    elif info.gmp_origin == "local":                  # e.g. GMP built for this CPU (README)
        assert owner.returncode != 0, owner.stdout
        assert not info.gmp_library.startswith(("/usr/lib/", "/lib/")), info
    else:
        assert info.gmp_origin == "bundled", info
        assert owner.returncode != 0, owner.stdout          # no package owns the wheel's copy
        assert Path(info.gmp_library).parent.name in ("gmpy2.libs", ".dylibs")


def test_fat_build_and_its_kernels_agree_with_the_symbol_table():
    info = bignum.backend_info()
    symbols = _nm_symbols(info.gmp_library)
    assert info.gmp_fat == ("__gmpn_cpuvec" in symbols)
    if not info.gmp_fat:
        assert info.gmp_kernels is None
        return
    kernels = dict(info.gmp_kernels)
    assert list(kernels) == ["mul_basecase", "sqr_basecase", "redc_1"]
    for name, variant in kernels.items():
        # a variant the library has, and not the first-call trampoline
        assert f"__gmpn_{name}_{variant}" in symbols and variant != "init", (name, variant)


def test_without_gmpy2_nothing_is_constant_time_and_nothing_is_claimed():
    # A separate interpreter in which importing gmpy2 fails, as on a machine without it.
    code = ("import sys; sys.modules['gmpy2'] = None\n"
            "from x509core import bignum\n"
            "print(bignum.backend_info())")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                         env={**os.environ, "X509CORE_BACKEND": ""}, check=True).stdout
    assert out.strip() == ("BackendInfo(backend='python', constant_time=False, requested=None, "
                           "gmpy2_version=None, gmp_version=None, gmp_library=None, "
                           "gmp_origin=None, gmp_fat=None, gmp_kernels=None)")


# -- gmpy2 is imported by the first operation, not by reading certificates --------------------

def _child(code: str, env_extra: dict | None = None, pythonpath: str = "") -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != "X509CORE_BACKEND"}
    env.update(env_extra or {})
    env["PYTHONPATH"] = os.pathsep.join(p for p in (pythonpath, str(REPO)) if p)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


_READ_THEN_COMPUTE = """
import sys
from x509core import bignum, load_pem_certificate
from x509core.cert.text import certificate_text
from tests.conftest import SHARED
cert = load_pem_certificate((SHARED / "interop/seed-system/dicomorg-server.pem").read_text())
certificate_text(cert)
print(bignum.BACKEND, "gmpy2" in sys.modules)
print(bignum.powmod(3, 65537, 1000003) == pow(3, 65537, 1000003), bignum.BACKEND,
      "gmpy2" in sys.modules, bignum.powmod.__name__)
"""


def test_gmpy2_is_imported_by_the_first_operation_not_by_reading():
    assert _child(_READ_THEN_COMPUTE) == ["gmpy2", "False", "True", "gmpy2", "True",
                                          "_gmp_powmod"]


_STAND_IN_PUT_BACK = """
from x509core import bignum
stand_in = bignum.powmod                      # what a monkeypatch saves before the first call
print(bignum.powmod(3, 5, 7))                 # the switch to gmpy2 happens here
bignum.powmod = stand_in                      # ... and what its undo puts back
print(bignum.powmod(3, 5, 7), bignum.BACKEND)
"""


def test_a_stand_in_put_back_after_the_first_call_still_computes():
    # tests/cert/validation/test_bounded_work.py patches bignum.powmod in a fixture; run first,
    # its undo restored the stand-in after the switch and the next call recursed without end.
    assert _child(_STAND_IN_PUT_BACK) == ["5", "5", "gmpy2"]


def test_a_gmpy2_that_does_not_import_falls_back_to_python_at_first_use(tmp_path):
    (tmp_path / "gmpy2").mkdir()
    (tmp_path / "gmpy2" / "__init__.py").write_text("raise ImportError('broken build')\n")
    assert _child(_READ_THEN_COMPUTE, pythonpath=str(tmp_path)) == [
        "gmpy2", "False", "True", "python", "False", "_py_powmod"]
    code = "from x509core import bignum"
    env = {"X509CORE_BACKEND": "gmpy2"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, **env, "PYTHONPATH": f"{tmp_path}{os.pathsep}{REPO}"},
                          timeout=120)
    assert done.returncode != 0 and "gmpy2 is not installed" in done.stderr


# -- the two CRT halves at once ---------------------------------------------------------------

@pytest.mark.parametrize("name", ["gmpy2", "python"])
@pytest.mark.parametrize("bits", [64, 1023, 1024, 1536, 2048])
def test_powmod_sec_pair_is_two_powmod_secs(backend, name, bits):
    import secrets
    backend(name)
    for _ in range(4):
        moduli = [secrets.randbits(bits) | (1 << (bits - 1)) | 1 for _ in range(2)]
        halves = [(secrets.randbelow(m), secrets.randbits(bits) | 1, m) for m in moduli]
        assert bignum.powmod_sec_pair(*halves) == tuple(pow(*h) for h in halves)


def test_the_second_half_runs_on_a_thread_that_releases_the_gil(backend, monkeypatch):
    import threading
    import gmpy2
    backend("gmpy2")
    if bignum._cpus() < 2:
        pytest.fail("the suite needs two CPUs to exercise the parallel halves")
    seen = []
    real = gmpy2.powmod_sec

    def spy(*args):
        seen.append((threading.current_thread().name, gmpy2.get_context().allow_release_gil))
        return real(*args)
    monkeypatch.setattr(gmpy2, "powmod_sec", spy)
    from tests.rsa.keys_fixture import RSA_2048, private_key
    key = private_key(RSA_2048)
    key.public_key().verify(key.sign(b"pair"), b"pair")
    assert sorted(seen) == [("MainThread", True), ("x509core-crt", True)]
    assert gmpy2.get_context().allow_release_gil is False        # the caller's context is kept
    assert threading.active_count() == 1          # no thread outlives the operation (keygen forks)
