"""Timing helpers shared by every benchmark module.

A benchmark module ``benchmarks/bench_<name>.py`` defines ``run(quick: bool) -> list[Row]``.
Every row of one ``group`` is compared with the row whose ``impl`` is the group's ``reference``
(the first row unless a row sets ``reference=True``): the ratio column is
``median(row) / median(reference)``, so 0.5 means "twice as fast as the reference".
"""

from __future__ import annotations

import gc
import statistics
import time
from dataclasses import dataclass, field
from typing import Callable

__all__ = ["Row", "Stats", "measure", "measure_each"]


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
