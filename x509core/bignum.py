"""The bignum backend: the only module of x509core that imports gmpy2.

Every function takes and returns plain Python ``int`` (an ``mpz`` never leaves this module,
except through :func:`mpz` for the hot loops of ``rsa/primes.py``). Two
backends give identical results:

``gmpy2``   GMP through gmpy2. :func:`powmod_sec` is ``gmpy2.powmod_sec``, which calls GMP's
            ``mpz_powm_sec``: its sequence of operations and memory accesses does not depend on the
            exponent's bits, so it is the function used for every secret exponent (RFC 8017 §5.1.2
            CRT halves). :func:`powmod` (``mpz_powm``) uses sliding windows whose pattern depends
            on the exponent; it is used only with public exponents or with public data.
``python``  CPython's built-in ``pow``. Nothing here is constant-time: ``pow`` uses a
            left-to-right k-ary method whose timing depends on the exponent and operands. This
            backend exists for environments where gmpy2 cannot be installed; a deployment that
            must resist local timing attackers should install gmpy2.

``X509CORE_BACKEND=python`` in the environment forces the pure-Python backend even where gmpy2 is
installed (the test suite runs under both). Tests may switch with :func:`set_backend`.
"""

from __future__ import annotations

import math
import os

__all__ = ["BACKEND", "available_backends", "set_backend", "powmod", "powmod_sec", "invert",
           "gcd", "lcm", "isqrt", "mpz"]

try:  # pragma: no cover - depends on the environment
    import gmpy2 as _gmpy2
except ImportError:  # pragma: no cover
    _gmpy2 = None

BACKEND = "python"


def available_backends() -> tuple[str, ...]:
    return ("gmpy2", "python") if _gmpy2 is not None else ("python",)


def _py_powmod(base: int, exponent: int, modulus: int) -> int:
    return pow(base, exponent, modulus)


def _py_invert(a: int, modulus: int) -> int:
    try:
        return pow(a, -1, modulus)
    except ValueError:
        raise ValueError("value is not invertible modulo the modulus") from None


def _gmp_powmod(base: int, exponent: int, modulus: int) -> int:
    return int(_gmpy2.powmod(base, exponent, modulus))


def _gmp_powmod_sec(base: int, exponent: int, modulus: int) -> int:
    # mpz_powm_sec requires an odd modulus and a positive exponent (GMP manual, "Modular
    # Exponentiation"); RSA primes are odd and CRT exponents positive, anything else is a bug.
    return int(_gmpy2.powmod_sec(base, exponent, modulus))


def _gmp_invert(a: int, modulus: int) -> int:
    try:
        return int(_gmpy2.invert(a, modulus))
    except ZeroDivisionError:
        raise ValueError("value is not invertible modulo the modulus") from None


def _py_mpz(value: int) -> int:
    return int(value)


def set_backend(name: str) -> None:
    """Select ``"gmpy2"`` or ``"python"`` for every later call (module-level switch)."""
    global BACKEND, powmod, powmod_sec, invert, mpz
    if name == "gmpy2":
        if _gmpy2 is None:
            raise RuntimeError("gmpy2 is not installed")
        powmod, powmod_sec, invert, mpz = _gmp_powmod, _gmp_powmod_sec, _gmp_invert, _gmpy2.mpz
    elif name == "python":
        powmod, powmod_sec, invert, mpz = _py_powmod, _py_powmod, _py_invert, _py_mpz
    else:
        raise ValueError(f"unknown bignum backend {name!r} (expected 'gmpy2' or 'python')")
    BACKEND = name


powmod = _py_powmod
powmod_sec = _py_powmod
invert = _py_invert
mpz = _py_mpz
gcd = math.gcd
lcm = math.lcm
isqrt = math.isqrt

_requested = os.environ.get("X509CORE_BACKEND", "").strip().lower()
if _requested not in ("", "gmpy2", "python"):
    raise RuntimeError(f"X509CORE_BACKEND={_requested!r}: expected 'gmpy2' or 'python'")
set_backend(_requested or ("gmpy2" if _gmpy2 is not None else "python"))
