"""Timing helpers shared by every benchmark module.

A benchmark module ``benchmarks/<part>/bench_<name>.py`` (parts: engine, ca, service) defines
``run(quick: bool) -> list[Row]``.
Every row of one ``group`` is compared with the row whose ``impl`` is the group's ``reference``
(the first row unless a row sets ``reference=True``): the ratio column is
``median(row) / median(reference)``, so 0.5 means "twice as fast as the reference".
"""

from __future__ import annotations

import gc
import shutil
import signal
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

__all__ = ["REPO", "INTEROP", "Row", "Stats", "measure", "measure_each", "measure_interleaved", "with_backend",
           "stop_servers",
           "crt_limit", "crt_limit_threads", "one_core", "x509core_key", "bignum_build"]

REPO = Path(__file__).resolve().parents[1]          # the checkout's root
# The seed system's certificates in ../shared beside the checkout (read, never copied in).
INTEROP = REPO.parent / "shared" / "interop" / "seed-system"


@dataclass(frozen=True)
class Stats:
    median: float          # seconds per call
    mean: float
    best: float
    samples: int

    @classmethod
    def of(cls, values: list[float]) -> "Stats":
        return cls(statistics.median(values), statistics.fmean(values), min(values), len(values))


@dataclass(frozen=True)
class Row:
    group: str             # what is measured, e.g. "RSA-4096 sign (PKCS#1 v1.5, SHA-256)"
    impl: str              # who, e.g. "x509core (gmpy2)"
    stats: Stats
    reference: bool = False
    note: str = ""
    extra: dict = field(default_factory=dict)


def measure(fn: Callable[[], object], *, min_time: float = 0.4, repeat: int = 7) -> Stats:
    """Median over ``repeat`` batches of the per-call time; each batch runs for about
    ``min_time / repeat`` seconds (calibrated on one call), with the GC off as timeit does."""
    gc_was_enabled = gc.isenabled()
    fn()                                            # warm up caches and imports
    start = time.perf_counter()
    fn()
    one = max(time.perf_counter() - start, 1e-7)
    number = max(1, int(min_time / repeat / one))
    per_call = []
    gc.disable()
    try:
        for _ in range(repeat):
            start = time.perf_counter()
            for _ in range(number):
                fn()
            per_call.append((time.perf_counter() - start) / number)
    finally:
        if gc_was_enabled:
            gc.enable()
    return Stats.of(per_call)


def measure_each(fn: Callable[[], object], count: int) -> Stats:
    """Time ``count`` separate calls (for slow, high-variance work such as key generation)."""
    times = []
    for _ in range(count):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return Stats.of(times)


def measure_interleaved(fns: list, *, min_time: float, rounds: int = 9) -> list[Stats]:
    """Like ``measure`` for several functions at once, taking turns: each round times every
    function once (one batch of about ``min_time / rounds`` seconds), so that a machine shared
    with other work slows all of them alike and the ratios stay fair."""
    per_round: list[list[float]] = [[] for _ in fns]
    for _ in range(rounds):
        for samples, fn in zip(per_round, fns):
            samples.append(measure(fn, min_time=min_time / rounds, repeat=1).median)
    return [Stats.of(samples) for samples in per_round]


def with_backend(name: str, fn: Callable[[], object]) -> Callable[[], object]:
    """``fn`` run with x509core's bignum backend ``name`` ("gmpy2" or "python")."""
    from x509core import bignum as _mpz

    def run():
        previous = _mpz.BACKEND
        _mpz.set_backend(name)
        try:
            return fn()
        finally:
            _mpz.set_backend(previous)
    return run


def crt_limit(key) -> Callable[[], object]:
    """The private-key operation of constant-time CRT signing and nothing else (the RSA layer's
    floor): two half-size ``gmpy2.powmod_sec`` and the recombination, on x509core key ``key``."""
    import gmpy2
    p, q, dp, dq, qinv = map(gmpy2.mpz, (key.p, key.q, key.dp, key.dq, key.qinv))
    c = gmpy2.mpz(key.n - 12345)

    def run():
        m1 = gmpy2.powmod_sec(c % p, dp, p)
        m2 = gmpy2.powmod_sec(c % q, dq, q)
        return m2 + q * ((m1 - m2) * qinv % p)
    return run


def one_core(fn: Callable[[], object]) -> Callable[[], object]:
    """``fn`` with x509core's two CRT halves one after the other (as on a machine with one
    CPU): the row that compares with peers that sign on one core."""
    from x509core import bignum

    def run():
        saved, bignum._PAIR_MIN_BITS = bignum._PAIR_MIN_BITS, 1 << 30
        try:
            return fn()
        finally:
            bignum._PAIR_MIN_BITS = saved
    return run


def crt_limit_threads(key) -> Callable[[], object]:
    """``crt_limit`` with the two halves at once, as x509core runs them with a second core:
    ``bignum.powmod_sec_pair`` (the second half on a thread of its own, gmpy2 releasing the GIL
    in both) and the recombination. Needs the gmpy2 backend."""
    from x509core import bignum
    c = key.n - 12345
    halves = ((c % key.p, key.dp, key.p), (c % key.q, key.dq, key.q))

    def run():
        m1, m2 = bignum.powmod_sec_pair(*halves)
        return m2 + key.q * ((m1 - m2) * key.qinv % key.p)
    return run


def bignum_build(info=None, *, short: bool = False) -> str:
    """One line naming x509core's bignum backend and, with gmpy2, the GMP build under it (the
    header of every RESULTS.md section; ``short``: the rows of bench_backends). ``info``: a
    ``bignum.BackendInfo``, by default this process's."""
    from x509core import bignum
    info = info or bignum.backend_info()
    if info.gmpy2_version is None:
        return "python (gmpy2 not installed)"
    origin = {"bundled": "bundled with the gmpy2 wheel", "system": "from the system",
              "local": "built locally"}.get(
        info.gmp_origin, info.gmp_origin)
    if info.gmp_fat:
        names = {k: ("portable C" if v == "fat" else v) for k, v in info.gmp_kernels or ()}
        same = set(names.values())
        listed = same.pop() if len(same) == 1 else ", ".join(f"{k} {v}" for k, v in names.items())
        build = f"fat binary, kernels on this CPU: {listed or 'unknown'}"
    else:
        build = "built for one CPU target" if info.gmp_fat is False else "build unknown"
    if short:
        return f"GMP {info.gmp_version} {origin} ({build})"
    return (f"{info.backend}; gmpy2 {info.gmpy2_version} on GMP {info.gmp_version}, {origin}, "
            f"{build} ({info.gmp_library})")


def x509core_key(pyca_private_key):
    """The same RSA private key as an x509core ``RSAPrivateKey`` (peers' keys made by pyca)."""
    from x509core.rsa.key import RSAPrivateKey
    nums = pyca_private_key.private_numbers()
    return RSAPrivateKey(n=nums.public_numbers.n, e=nums.public_numbers.e, d=nums.d, p=nums.p,
                         q=nums.q, dp=nums.dmp1, dq=nums.dmq1, qinv=nums.iqmp)


def stop_servers(processes, work) -> None:
    """SIGTERM every server a benchmark started (killed if one outlives 30 s), then remove its
    working directory."""
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    shutil.rmtree(work, ignore_errors=True)
