"""The command line as a user meets it: wall time and peak memory of whole processes.

Each sample is one process, started the way a shell starts it, beside the OpenSSL CLI doing the
same job (the reference rows):

- ``x509core show FILE`` against ``openssl x509 -noout -text -in FILE`` (the seed system's client
  certificate);
- ``x509core verify LEAF --ca ROOT --at 2026-01-01`` against ``openssl verify -attime
  1767225600 -CAfile ROOT LEAF``;
- several files in one run: ``x509core show`` of the eight interop certificates against eight
  ``openssl x509`` processes (it takes one file), and ``x509core verify`` of the four leaves of
  the interop set against one ``openssl verify`` of the same four files.

x509core runs as an installed package runs: byte-code compiled once (pip compiles it at install
time), so ``PYTHONDONTWRITEBYTECODE``, which some machines set, is dropped for those runs. One
row shows ``show`` from a source checkout with no byte-code cache at all (every module compiled
at each start), which is what such a machine pays without an install.

Peak memory is the peak resident set size of each process, read with ``/usr/bin/time -f %M``
(its ``wait4`` rusage of the child it forks). ``resource.getrusage(RUSAGE_CHILDREN)`` of this
process cannot be used directly: Linux carries a process's peak across ``exec``, and
``subprocess`` starts children with ``vfork``, so every child would show this interpreter's
peak (300 MiB for a child of a 300 MiB parent, measured). The note gives the largest of the
samples.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness import REPO, Row, Stats

SEED = REPO.parent / "shared" / "interop" / "seed-system"
LEAVES = [("client-HZ109999.pem", "license-server-ca.pem"),
          ("dicom-org-cn-client.pem", "dicom-org-cn-ca.pem"),
          ("dicom-org-cn-client-x.pem", "dicom-org-cn-ca.pem"),
          ("dicomorg-server.pem", "dicomorg-root-ca.pem")]


def _installed_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "x509core")],
                   check=True, env=env)
    return env


def _checkout_environment(cache: str) -> dict[str, str]:
    """No byte-code read or written: an empty cache prefix, and nothing written to it."""
    return {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": cache}


def _run(commands: list[list[str]], env: dict[str, str]) -> tuple[float, int]:
    """Wall time of running ``commands`` one after the other, and the largest peak RSS (KiB)."""
    peak = 0
    start = time.perf_counter()
    for command in commands:
        done = subprocess.run(["/usr/bin/time", "-f", "%M", *command], cwd=REPO, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if done.returncode not in (0, 1):
            raise RuntimeError(f"{command} failed: {done.stderr[-400:]}")
        peak = max(peak, int(done.stderr.strip().splitlines()[-1]))
    return time.perf_counter() - start, peak


def _rows(group: str, entries: list[tuple[str, list[list[str]], dict]], count: int) -> list[Row]:
    """One row per entry (label, commands, env), the first the reference; the entries take
    turns sample by sample, so load from other work falls on all of them alike."""
    samples: list[list[tuple[float, int]]] = [[] for _ in entries]
    for _, commands, env in entries:
        _run(commands, env)                                 # warm the page cache
    for _ in range(count):
        for runs, (_, commands, env) in zip(samples, entries):
            runs.append(_run(commands, env))
    return [Row(group, label, Stats.of([t for t, _ in runs]), reference=index == 0,
                note=f"peak RSS {max(kib for _, kib in runs) / 1024:.1f} MiB")
            for index, ((label, _, _), runs) in enumerate(zip(entries, samples))]


def run(quick: bool) -> list[Row]:
    count = 3 if quick else 15
    installed = _installed_environment()
    cli = [sys.executable, "-m", "x509core"]
    leaf, root = (str(SEED / name) for name in LEAVES[0])
    every = [str(path) for path in sorted(SEED.glob("*.pem"))]
    leaves = [str(SEED / name) for name, _ in LEAVES]
    with tempfile.TemporaryDirectory() as tmp:
        roots = Path(tmp) / "roots.pem"
        roots.write_text("".join((SEED / r).read_text() for r in sorted({r for _, r in LEAVES})))
        checkout = _checkout_environment(str(Path(tmp) / "no-cache"))
        return (
            _rows("CLI: show one certificate (wall time; peak RSS in note)", [
                ("openssl x509 -noout -text", [["openssl", "x509", "-noout", "-text", "-in", leaf]],
                 installed),
                ("x509core show", [[*cli, "show", leaf]], installed),
                ("x509core show, source checkout without byte-code cache",
                 [[*cli, "show", leaf]], checkout)], count)
            + _rows("CLI: verify one certificate against its root (wall time; peak RSS in note)", [
                ("openssl verify -attime", [["openssl", "verify", "-attime", "1767225600",
                                             "-CAfile", root, leaf]], installed),
                ("x509core verify --at", [[*cli, "verify", leaf, "--ca", root, "--at",
                                           "2026-01-01"]], installed)], count)
            + _rows(f"CLI: show {len(every)} certificates (wall time; peak RSS in note)", [
                (f"openssl x509 -noout -text, {len(every)} processes",
                 [["openssl", "x509", "-noout", "-text", "-in", f] for f in every], installed),
                ("x509core show, one run", [[*cli, "show", *every]], installed)], count)
            + _rows(f"CLI: verify {len(leaves)} leaves (wall time; peak RSS in note)", [
                ("openssl verify -attime, one run", [["openssl", "verify", "-attime",
                                                      "1767225600", "-CAfile", str(roots),
                                                      *leaves]], installed),
                ("x509core verify --at, one run", [[*cli, "verify", *leaves, "--ca", str(roots),
                                                    "--at", "2026-01-01"]], installed)], count))
