"""``x509core doctor``: what x509core runs on — the bignum backend, whether the secret RSA
exponentiations are constant-time, and which GMP build gmpy2 uses.

The facts come from :func:`x509core.bignum.backend_info`: gmpy2's version, GMP's version, the
file of the GMP library gmpy2 calls and whether it came inside the gmpy2 wheel ("bundled") or
from the system, and for a fat GMP (the wheel's) the kernels it picked for this CPU. A fat GMP
that does not know the CPU's model runs GMP's portable C code, and RSA private-key operations
are slower than with a distribution's GMP (1.3-1.4x on the machine of benchmarks/RESULTS.md;
README, "Faster RSA with the system's GMP"). The constant-time property does not depend on the build: every GMP runs the same
``mpz_powm_sec`` algorithm (GMP manual §8.1, "Low-level functions for cryptography").
"""

from __future__ import annotations

import platform
from pathlib import Path

from x509core.ca.cli.support import Context

__all__ = ["register", "run_doctor", "doctor_report"]

_ORIGINS = {"bundled": "bundled with the gmpy2 wheel", "system": "the system's",
            "local": "built or installed outside the system's library directories",
            "static": "linked into gmpy2's extension", "unknown": "origin unknown"}


def register(sub, common) -> None:
    s = sub.add_parser("doctor", parents=[common],
                       help="the bignum backend, whether secret exponentiations are "
                            "constant-time, and which GMP build gmpy2 uses")
    s.add_argument("--json", action="store_true", help="print the facts as JSON")
    s.set_defaults(run=run_doctor)


def run_doctor(ctx: Context) -> int:
    report = doctor_report()
    if ctx.args.json:
        ctx.out_json(report)
        return 0
    for line in _text(report):
        ctx.out(line)
    return 0


def doctor_report() -> dict:
    """Every fact ``doctor`` prints, as plain JSON values."""
    from x509core import __version__, bignum
    info = bignum.backend_info()
    return {"x509core": __version__, "python": platform.python_version(),
            "platform": f"{platform.system()} {platform.machine()}", "cpu": _cpu(),
            "backend": info.backend, "constant_time": info.constant_time,
            "requested": info.requested, "gmpy2": info.gmpy2_version,
            "gmp": info.gmp_version, "gmp_library": info.gmp_library,
            "gmp_origin": info.gmp_origin, "gmp_fat": info.gmp_fat,
            "gmp_kernels": dict(info.gmp_kernels) if info.gmp_kernels else None,
            "advice": _advice(info)}


def _text(report: dict) -> list[str]:
    lines = [f"x509core {report['x509core']} on Python {report['python']} ({report['platform']})"]
    if report["cpu"]:
        lines.append(f"CPU: {report['cpu']}")
    why = (f"X509CORE_BACKEND={report['requested']}" if report["requested"]
           else "gmpy2 is installed" if report["gmpy2"] else "gmpy2 is not installed")
    lines.append(f"bignum backend: {report['backend']} ({why})")
    if report["constant_time"]:
        lines.append("secret exponentiations: constant-time (gmpy2.powmod_sec, GMP's "
                     "mpz_powm_sec, for both CRT halves of every RSA private-key operation)")
    else:
        lines.append("secret exponentiations: NOT constant-time (the built-in pow; nothing is "
                     "constant-time on the pure-Python backend; blinding is the only defence)")
    if report["gmpy2"]:
        used = "" if report["backend"] == "gmpy2" else " (installed, not used)"
        lines.append(f"gmpy2: {report['gmpy2']}{used}")
        origin = _ORIGINS.get(report["gmp_origin"], report["gmp_origin"])
        lines.append(f"GMP: {report['gmp']}, {origin}: {report['gmp_library'] or 'file unknown'}")
        lines.append(f"GMP build: {_build(report)}")
    lines.extend(f"advice: {text}" for text in report["advice"])
    return lines


def _build(report: dict) -> str:
    if report["gmp_fat"] is None:
        return "unknown (the library could not be inspected on this platform)"
    if not report["gmp_fat"]:
        return "built for one CPU target (no run-time CPU dispatch)"
    kernels = report["gmp_kernels"]
    if not kernels:
        return "fat binary; the kernels it chose could not be read"
    listed = ", ".join(f"{name} {variant}" for name, variant in kernels.items())
    if "fat" in kernels.values():
        return (f"fat binary; kernels for this CPU: {listed} (fat: GMP's portable C code, "
                "as the binary has no assembly for this CPU model there)")
    return f"fat binary; kernels for this CPU: {listed}"


def _advice(info) -> list[str]:
    if info.gmpy2_version is None:
        return ["install gmpy2 for constant-time RSA private-key operations and native speed "
                "(README, \"Faster RSA with the system's GMP\")"]
    if info.backend != "gmpy2":
        return ["unset X509CORE_BACKEND to use gmpy2 (constant-time powmod_sec)"]
    if info.gmp_origin == "bundled" and "fat" in dict(info.gmp_kernels or ()).values():
        return ["this CPU runs the wheel's generic C code; gmpy2 built on the system's GMP "
                "is faster here (README, \"Faster RSA with the system's GMP\"; "
                "python -m benchmarks backends measures both)"]
    return []


def _cpu() -> str | None:
    """The CPU's name, family and model (Linux /proc/cpuinfo), else what platform says."""
    try:
        text = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return platform.processor() or None
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            break                                   # the first processor is enough
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    name = fields.get("model name") or platform.processor() or None
    if name and "cpu family" in fields and "model" in fields:
        return f"{name} (family {fields['cpu family']}, model {fields['model']})"
    return name
