"""RSA-4096 key generation (e = 65537): x509core on both backends against its peers.

Each key is timed alone (``measure_each``): the time to a prime varies a lot from key to key, so
the median needs many keys. Goals: with gmpy2 a median of at most 0.35 s on the 2-core
benchmark machine (pyca/cryptography, the reference row, takes about 0.70 s there); with the
pure-Python backend at least 5x faster than python-rsa. x509core shares the prime search
between two processes by default; the ``workers=1`` rows show what that is worth. Each x509core
row first makes one untimed key, which builds the sieve tables (once per process). The machine
should be otherwise idle: the parallel rows need both CPUs.
"""

from __future__ import annotations

import os
import resource
import time

from benchmarks.harness import Row, Stats, measure_each, with_backend

GROUP = "RSA-4096 keygen"


def _busy_seconds() -> float | None:
    """CPU time used by the whole machine so far (Linux /proc/stat), or None elsewhere."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")   # minus idle, iowait


def _own_seconds() -> float:
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum(u.ru_utime + u.ru_stime for u in usage)


def _measure(fn, count: int) -> tuple[Stats, str]:
    """measure_each, and how much of the machine other processes took meanwhile: the parallel
    rows need both CPUs, so a busy machine shows in them first."""
    busy, own, start = _busy_seconds(), _own_seconds(), time.perf_counter()
    stats = measure_each(fn, count)
    if busy is None:
        return stats, ""
    others = (_busy_seconds() - busy) - (_own_seconds() - own)
    share = max(0.0, others) / ((time.perf_counter() - start) * (os.cpu_count() or 1))
    return stats, f"other processes used {share:.0%} of the CPUs"


def _x509core(backend: str, workers: int | None):
    from x509core.rsa import keygen
    run = with_backend(backend, lambda: keygen.generate_private_key(4096, 65537, workers=workers))
    run()                                           # build the sieve tables, untimed
    return run


def _row(impl: str, fn, count: int, note: str = "", reference: bool = False) -> Row:
    stats, busy = _measure(fn, count)
    return Row(GROUP, impl, stats, reference=reference, note="; ".join(filter(None, (note, busy))))


def run(quick: bool) -> list[Row]:
    import rsa as python_rsa
    from Crypto.PublicKey import RSA as CryptoRSA
    from cryptography.hazmat.primitives.asymmetric import rsa as crypto_rsa

    fast = 3 if quick else 20
    pure = 2 if quick else 10
    return [
        _row("pyca/cryptography (OpenSSL)",
             lambda: crypto_rsa.generate_private_key(public_exponent=65537, key_size=4096), fast,
             reference=True),
        _row("x509core (gmpy2)", _x509core("gmpy2", None), fast,
             "2 processes; goal: median <= 0.35 s"),
        _row("x509core (gmpy2, workers=1)", _x509core("gmpy2", 1), fast),
        _row("pycryptodome", lambda: CryptoRSA.generate(4096), fast),
        _row("x509core (pure Python)", _x509core("python", None), pure,
             "2 processes; goal: >= 5x faster than python-rsa"),
        _row("x509core (pure Python, workers=1)", _x509core("python", 1), max(1, pure // 2)),
        _row("python-rsa (pure Python)", lambda: python_rsa.newkeys(4096), 1 if quick else 3),
    ]
