"""``python -m benchmarks [--quick] [--write] [NAME ...]``: run, print ratios, record them."""

from __future__ import annotations

import argparse
import datetime
import importlib
import importlib.metadata
import os
import pkgutil
import platform
import sys
from pathlib import Path

from benchmarks.harness import bignum_build

HERE = Path(__file__).resolve().parent
PEERS = ["x509core", "gmpy2", "cryptography", "pycryptodome", "rsa", "pyasn1", "pyasn1-modules",
         "asn1crypto", "ecdsa"]


# The parts of the suite (sub-packages, each a folder of bench_*.py modules).
PARTS = ("engine", "ca", "service")


def _modules() -> dict[str, str]:
    """Each benchmark's name (its module's, without ``bench_``) -> the module to import."""
    return {m.name[len("bench_"):]: f"benchmarks.{part}.{m.name}" for part in PARTS
            for m in pkgutil.iter_modules([str(HERE / part)]) if m.name.startswith("bench_")}


def _available() -> list[str]:
    return sorted(_modules())


def _fmt_time(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} µs"


def _table(rows: list[Row]) -> str:
    lines = ["| benchmark | implementation | median | mean | n | ratio to reference | note |",
             "|---|---|---|---|---|---|---|"]
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(row.group, []).append(row)
    for group, members in groups.items():
        ref = next((r for r in members if r.reference), members[0])
        for r in members:
            ratio = r.stats.median / ref.stats.median if ref.stats.median else float("nan")
            mark = " (reference)" if r is ref else ""
            lines.append(f"| {group} | {r.impl} | {_fmt_time(r.stats.median)} | "
                         f"{_fmt_time(r.stats.mean)} | {r.stats.samples} | {ratio:.2f}x{mark} | {r.note} |")
    return "\n".join(lines)


def _environment() -> str:
    versions = []
    for name in PEERS:
        try:
            versions.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{name} (not installed)")
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"- date: {datetime.date.today().isoformat()}\n- machine: {cpu}, {os.cpu_count()} cores, "
            f"{platform.system()} {platform.release()}\n- Python {platform.python_version()} "
            f"({platform.python_implementation()})\n- libraries: {', '.join(versions)}\n"
            f"- bignum: {bignum_build()}\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default all): {', '.join(_available())}")
    parser.add_argument("--quick", action="store_true", help="fewer samples (a smoke run, not a measurement)")
    parser.add_argument("--write", action="store_true", help="record the table in benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    names = args.names or _available()
    unknown = sorted(set(names) - set(_available()))
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    tables: dict[str, str] = {}
    for name in names:
        module = importlib.import_module(_modules()[name])
        print(f"running {name} ...", file=sys.stderr, flush=True)
        tables[name] = _table(module.run(args.quick))
        print(f"\n### {name}\n\n{tables[name]}", flush=True)
    if args.write:
        if args.quick:
            parser.error("--quick runs are smoke runs; they are not recorded")
        _write_results(tables)
    return 0


def _write_results(tables: dict[str, str]) -> None:
    """Replace this run's sections in RESULTS.md; sections of benchmarks not run are kept."""
    path = HERE / "RESULTS.md"
    header = "# Benchmark results\n\nWritten by `python -m benchmarks --write`; ratios are measured in the same run.\n"
    sections: dict[str, str] = {}
    if path.exists():
        current = None
        for line in path.read_text().splitlines(keepends=True):
            if line.startswith("## "):
                current = line[3:].strip()
                sections[current] = ""
            elif current is not None:
                sections[current] += line
    for name, table in tables.items():
        sections[name] = "\n" + _environment() + "\n" + table + "\n\n"
    # Each kept body ends in exactly one blank line: re-writing never adds more.
    text = header + "".join(f"\n## {name}\n{body.rstrip(chr(10))}\n\n"
                            for name, body in sorted(sections.items()))
    path.write_text(text)


if __name__ == "__main__":
    sys.exit(main())
