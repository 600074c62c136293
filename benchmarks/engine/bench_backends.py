"""RSA-4096 with each GMP build in one run: the gmpy2 wheel's bundled GMP and gmpy2 built on
the system's GMP, beside pyca/cryptography and pycryptodome (issue 17).

This process measures whatever gmpy2 it has (normally the wheel); a child process measures the
platform build (``benchmarks/engine/platform_child.py``) on the same key and message. The two are
timed in turns, round after round (``_interleaved``), so that a machine shared with other work
slows both alike. Each build gets five rows: x509core's signature (and the same on one core) and its floor (two
``powmod_sec`` halves and the CRT recombination, ``harness.crt_limit``), the same floor with the
two halves at once (``harness.crt_limit_threads``: ``bignum.powmod_sec_pair``, as x509core signs
when a second core is free), and verification with its floor (``gmpy2.powmod`` alone).
Notes give each x509core row against pycryptodome and against its own build's floor.

The platform build's Python: ``$X509CORE_PLATFORM_PYTHON`` if set, else the virtual environment
``$XDG_CACHE_HOME/x509core/platform-gmp`` (default ``~/.cache/...``), made on first use with
``python3 -m venv`` and ``pip install --no-binary gmpy2 gmpy2==<this process's version>``: that
needs a C compiler and the GMP, MPFR and MPC headers (Debian/Ubuntu ``libgmp-dev libmpfr-dev
libmpc-dev``; RPM ``gmp-devel mpfr-devel libmpc-devel``; Homebrew ``gmp mpfr libmpc``). If it
cannot be made, or its gmpy2 turns out to carry its own GMP, the run stops with one message.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from benchmarks.harness import REPO, Row, Stats, bignum_build, measure, x509core_key
from x509core.bignum import BackendInfo

__all__ = ["run", "platform_python"]

MESSAGE = b"x509core benchmark message " * 8
SIGN = "RSA-4096 sign (PKCS#1 v1.5, SHA-256), each GMP build"
VERIFY = "RSA-4096 verify (PKCS#1 v1.5, SHA-256), each GMP build"
_HEADERS = ("Debian/Ubuntu: apt-get install gcc libgmp-dev libmpfr-dev libmpc-dev; "
            "RPM: dnf install gcc gmp-devel mpfr-devel libmpc-devel; "
            "macOS: brew install gmp mpfr libmpc")


def platform_python() -> str:
    """A Python whose gmpy2 is built on the system's GMP: $X509CORE_PLATFORM_PYTHON, else the
    cached virtual environment, made here when missing."""
    if os.environ.get("X509CORE_PLATFORM_PYTHON"):
        return os.environ["X509CORE_PLATFORM_PYTHON"]
    import importlib.metadata
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    venv = cache / "x509core" / "platform-gmp"
    python = venv / "bin" / "python"
    if python.exists():
        return str(python)
    version = importlib.metadata.version("gmpy2")
    print(f"bench_backends: building gmpy2 {version} on the system's GMP in {venv} ...",
          file=sys.stderr, flush=True)
    made = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True)
    if made.returncode == 0:
        made = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-cache-dir",
                               "--no-binary", "gmpy2", f"gmpy2=={version}"], capture_output=True, text=True)
    if made.returncode != 0:
        shutil.rmtree(venv, ignore_errors=True)
        why = (made.stderr.strip().splitlines() or ["no message"])[-1]
        raise SystemExit(f"bench_backends: could not build gmpy2 on the system's GMP in {venv}: "
                         f"{why}. It needs a C compiler and the GMP, MPFR and MPC headers "
                         f"({_HEADERS}); or set X509CORE_PLATFORM_PYTHON to a Python whose "
                         "gmpy2 is built that way.")
    return str(python)


class _Child:
    """The platform build's process: set up once, then asked for one timing at a time."""

    def __init__(self, python: str, key) -> None:
        self.process = subprocess.Popen([python, "-m", "benchmarks.engine.platform_child"], cwd=REPO,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        numbers = {name: str(getattr(key, name)) for name in
                   ("n", "e", "d", "p", "q", "dp", "dq", "qinv")}
        self.info = BackendInfo(**self.ask({"op": "setup", "key": numbers,
                                            "message": MESSAGE.hex()}))
        if self.info.gmp_origin not in ("system", "local"):     # local: built for this CPU
            self.close()
            raise SystemExit(f"bench_backends: {python} does not run gmpy2 on the system's GMP "
                             f"({bignum_build(self.info)}); rebuild it with pip install "
                             "--no-cache-dir --force-reinstall --no-binary gmpy2 gmpy2")

    def ask(self, request: dict) -> dict:
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"bench_backends: the platform-build process stopped "
                             f"(exit status {self.process.wait()})")
        return json.loads(line)

    def sampler(self, what: str):
        return lambda min_time: self.ask({"op": "sample", "what": what, "min_time": min_time})["seconds"]

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.write(json.dumps({"op": "quit"}) + "\n")
            self.process.stdin.close()
            self.process.wait(timeout=30)


def _interleaved(samplers: dict, min_time: float, rounds: int = 9) -> dict:
    """Stats per name: each round takes one sample of every sampler in turn (a sampler times a
    batch of about ``min_time / rounds`` seconds and returns seconds per call)."""
    samples: dict = {name: [] for name in samplers}
    for _ in range(rounds):
        for name, sample in samplers.items():
            samples[name].append(sample(min_time / rounds))
    return {name: Stats.of(values) for name, values in samples.items()}


def _local(fn):
    return lambda min_time: measure(fn, min_time=min_time, repeat=1).median


def _peers(crypto_key, key):
    """pyca/cryptography (``crypto_key``) and pycryptodome signing and verifying with the same
    key as x509core's ``key``."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    from Crypto.Hash import SHA256
    from Crypto.PublicKey import RSA as CryptoRSA
    from Crypto.Signature import pkcs1_15
    dome = CryptoRSA.construct((key.n, key.e, key.d, key.p, key.q))
    signature = key.sign(MESSAGE)
    public = crypto_key.public_key()
    return {"pyca sign": lambda: crypto_key.sign(MESSAGE, padding.PKCS1v15(), hashes.SHA256()),
            "dome sign": lambda: pkcs1_15.new(dome).sign(SHA256.new(MESSAGE)),
            "pyca verify": lambda: public.verify(signature, MESSAGE, padding.PKCS1v15(),
                                                 hashes.SHA256())}


def run(quick: bool) -> list[Row]:
    from cryptography.hazmat.primitives.asymmetric import rsa as crypto_rsa

    from benchmarks.engine.platform_child import workloads
    from x509core import bignum
    python = platform_python()
    crypto_key = crypto_rsa.generate_private_key(public_exponent=65537, key_size=4096)
    key = x509core_key(crypto_key)
    bignum.set_backend("gmpy2")
    child = _Child(python, key)
    try:
        samplers = {name: _local(fn) for name, fn in _peers(crypto_key, key).items()}
        samplers.update({f"{name} here": _local(fn) for name, fn in workloads(key, MESSAGE).items()})
        samplers.update({f"{name} platform": child.sampler(name)
                         for name in ("sign", "sign_one_core", "limit", "limit_threads", "verify",
                                      "public_limit")})
        stats = _interleaved(samplers, 0.6 if quick else 6.0, rounds=5 if quick else 15)
    finally:
        child.close()
    return _rows(stats, bignum_build(short=True), bignum_build(child.info, short=True))


def _rows(stats: dict, here: str, platform: str) -> list[Row]:
    dome = stats["dome sign"].median

    def note(name: str, where: str) -> str:
        median, limit = stats[f"{name} {where}"].median, stats[f"limit {where}"].median
        at_once = stats[f"limit_threads {where}"].median
        return (f"{median / dome:.2f}x pycryptodome, {median / limit:.2f}x this build's limit "
                f"one half after the other, {median / at_once:.2f}x with the halves at once")
    rows = [Row(SIGN, "pyca/cryptography (OpenSSL)", stats["pyca sign"], reference=True),
            Row(SIGN, "pycryptodome", stats["dome sign"])]
    for where, build in (("here", here), ("platform", platform)):
        rows += [Row(SIGN, f"x509core on {build}", stats[f"sign {where}"],
                     note=note("sign", where)),
                 Row(SIGN, "  x509core, the halves one after the other (one core, as the peers)",
                     stats[f"sign_one_core {where}"], note=note("sign_one_core", where)),
                 Row(SIGN, "  limit: 2x powmod_sec + CRT, same build", stats[f"limit {where}"]),
                 Row(SIGN, "  limit, the two halves at once (powmod_sec_pair, two threads), same build",
                     stats[f"limit_threads {where}"], note=note("limit_threads", where))]
    rows.append(Row(VERIFY, "pyca/cryptography (OpenSSL)", stats["pyca verify"], reference=True))
    for where, build in (("here", here), ("platform", platform)):
        rows += [Row(VERIFY, f"x509core on {build}", stats[f"verify {where}"]),
                 Row(VERIFY, "  limit: gmpy2.powmod(s, e, n) alone, same build",
                     stats[f"public_limit {where}"])]
    return rows
