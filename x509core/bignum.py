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

When gmpy2 is imported. The backend is chosen when this module loads (gmpy2 where it is
installed), but gmpy2 itself is imported by the first bignum operation, not before: reading and
showing certificates do no modular arithmetic, and importing gmpy2 costs 10-15 ms of a CLI
command's start (most of it ``importlib.metadata``, which gmpy2 loads for its version). Until
then :data:`BACKEND` already says ``"gmpy2"`` and each function is a stand-in that imports gmpy2,
installs the real functions and calls the one asked for. Should the import fail (a broken
installation), the first operation falls back to the pure-Python backend exactly as an import
failure at load time did, unless ``X509CORE_BACKEND=gmpy2`` asked for gmpy2, which raises.

Which GMP. The gmpy2 wheels on PyPI carry their own GMP, built as a "fat" binary
(``--enable-fat``): one library with code for many x86-64 CPUs, picked at run time by the CPU's
family and model. On a CPU missing from that table it runs GMP's portable C kernels, and in
``mpz_powm_sec`` at 2048-bit moduli it squares by multiplying (a threshold left at its generic
value): 1.3-1.4x slower than Debian's GMP on such a CPU; gmpy2 built from source
(``pip install --no-binary gmpy2 gmpy2``) uses the system's. Either build runs the same
``mpz_powm_sec`` algorithm, side-channel silent by design (GMP manual §8.1, "Low-level functions
for cryptography"); the build changes its speed only, save on the one CPU family whose kernels
that section calls leaky (64-bit Pentium 4: a fat build picks its ``mpn_add_n`` and
``mpn_sub_n`` there; README, Security). :func:`backend_info` says which library is loaded and
which kernels it chose (``x509core doctor`` prints it).
"""

from __future__ import annotations

import functools
import importlib.util
import math
import os
from dataclasses import dataclass

__all__ = ["BACKEND", "available_backends", "set_backend", "powmod", "powmod_sec",
           "powmod_sec_pair", "invert", "gcd", "lcm", "isqrt", "mpz", "BackendInfo", "backend_info"]

_gmpy2 = None                                  # the gmpy2 module, once imported
_gmpy2_missing = importlib.util.find_spec("gmpy2") is None

BACKEND = "python"
_waiting = False                               # True while the stand-ins await their first call


def available_backends() -> tuple[str, ...]:
    return ("python",) if _gmpy2_missing else ("gmpy2", "python")


def _import_gmpy2():
    """gmpy2, imported on first need; None (and remembered) when it cannot be imported."""
    global _gmpy2, _gmpy2_missing
    if _gmpy2 is None and not _gmpy2_missing:
        try:
            import gmpy2
            _gmpy2 = gmpy2
        except ImportError:  # pragma: no cover - a broken installation
            _gmpy2_missing = True
    return _gmpy2


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


def _py_powmod_sec_pair(first: tuple[int, int, int], second: tuple[int, int, int]
                        ) -> tuple[int, int]:
    return pow(*first), pow(*second)


# The two halves of an RSA private-key operation at once (gmpy2 only). gmpy2 releases the GIL
# around mpz_powm_sec when the calling thread's context allows it (gmpy2_pow.c,
# GMPY_MAYBE_BEGIN_ALLOW_THREADS; each thread has its own context), so with a second core free
# the second half runs on a thread of its own while this one computes the first: the operation
# takes about one half's time instead of two. Each half is still mpz_powm_sec, so nothing about
# its timing or memory accesses changes; the thread shares this process's memory, where the
# secrets already are. The thread lives for one operation only (about 0.1 ms to start and join):
# a process without threads of its own stays one (keygen.py forks only such a process). Below
# _PAIR_MIN_BITS (the halves of RSA-2048) or with one CPU the halves run one after the other.
_PAIR_MIN_BITS = 1024


@functools.cache
def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:                       # not on Linux
        return os.cpu_count() or 1


def _gmp_powmod_sec_pair(first: tuple[int, int, int], second: tuple[int, int, int]
                         ) -> tuple[int, int]:
    if min(first[2].bit_length(), second[2].bit_length()) < _PAIR_MIN_BITS or _cpus() < 2:
        return _gmp_powmod_sec(*first), _gmp_powmod_sec(*second)
    import threading
    results: list = [None, None]

    def half(index: int, args: tuple[int, int, int]) -> None:
        with _gmpy2.context(allow_release_gil=True):
            results[index] = _gmpy2.powmod_sec(*args)
    other = threading.Thread(target=half, args=(1, second), name="x509core-crt", daemon=True)
    other.start()
    half(0, first)
    other.join()
    if results[1] is None:                       # the thread raised (and printed why)
        raise ValueError("the second CRT half failed")
    return int(results[0]), int(results[1])


def _functions(name: str) -> dict:
    """The functions of backend ``name`` (gmpy2 already imported), by the names they take here."""
    if name == "gmpy2":
        return {"powmod": _gmp_powmod, "powmod_sec": _gmp_powmod_sec,
                "powmod_sec_pair": _gmp_powmod_sec_pair, "invert": _gmp_invert,
                "mpz": _gmpy2.mpz}
    return {"powmod": _py_powmod, "powmod_sec": _py_powmod,
            "powmod_sec_pair": _py_powmod_sec_pair, "invert": _py_invert, "mpz": _py_mpz}


def set_backend(name: str) -> None:
    """Select ``"gmpy2"`` or ``"python"`` for every later call (module-level switch)."""
    global BACKEND, powmod, powmod_sec, powmod_sec_pair, invert, mpz, _waiting
    if name == "gmpy2":
        if _import_gmpy2() is None:
            raise RuntimeError("gmpy2 is not installed")
    elif name != "python":
        raise ValueError(f"unknown bignum backend {name!r} (expected 'gmpy2' or 'python')")
    chosen = _functions(name)
    powmod, powmod_sec, powmod_sec_pair = chosen["powmod"], chosen["powmod_sec"], chosen["powmod_sec_pair"]
    invert, mpz = chosen["invert"], chosen["mpz"]
    BACKEND = name
    _waiting = False


powmod = _py_powmod
powmod_sec = _py_powmod
powmod_sec_pair = _py_powmod_sec_pair
invert = _py_invert
mpz = _py_mpz
gcd = math.gcd
lcm = math.lcm
isqrt = math.isqrt


def _on_first_use(name: str):
    """A stand-in for ``name`` under the default gmpy2 backend: the first call of any of them
    imports gmpy2 (or falls back to Python) and then calls the real function."""
    def first_call(*args):
        _activate_default()
        # The backend's own function, not the module global: a stand-in put back after the
        # switch (a test's monkeypatch undoing its patch) would otherwise call itself forever.
        return _functions(BACKEND)[name](*args)
    first_call.__name__ = first_call.__qualname__ = name
    return first_call


def _activate_default() -> None:
    """Install the gmpy2 functions, or the Python ones when gmpy2 cannot be imported (as a failed
    import at load time did), unless the stand-ins were already replaced by set_backend."""
    if _waiting:
        set_backend("gmpy2" if _import_gmpy2() is not None else "python")


_requested = os.environ.get("X509CORE_BACKEND", "").strip().lower()
if _requested not in ("", "gmpy2", "python"):
    raise RuntimeError(f"X509CORE_BACKEND={_requested!r}: expected 'gmpy2' or 'python'")
if _requested or _gmpy2_missing:
    set_backend(_requested or "python")        # an explicit gmpy2 imports it now, or raises
else:
    powmod, powmod_sec, powmod_sec_pair, invert, mpz = (
        _on_first_use(name) for name in ("powmod", "powmod_sec", "powmod_sec_pair", "invert",
                                         "mpz"))
    BACKEND, _waiting = "gmpy2", True


@dataclass(frozen=True)
class BackendInfo:
    """The bignum backend in use and, where gmpy2 is installed, the GMP under it."""
    backend: str                  # "gmpy2" or "python": what powmod_sec and the others run on
    constant_time: bool           # powmod_sec is GMP's mpz_powm_sec (False: the built-in pow)
    requested: str | None         # X509CORE_BACKEND as read at import; None when unset
    gmpy2_version: str | None     # None: gmpy2 is not installed
    gmp_version: str | None       # "6.3.0"
    gmp_library: str | None       # the file holding the mpz_powm_sec that gmpy2 calls
    gmp_origin: str | None        # "bundled" (in the gmpy2 wheel), "system", "local", "static",
                                  # "unknown"
    gmp_fat: bool | None          # a fat binary: kernels chosen by CPU model at run time
    gmp_kernels: tuple[tuple[str, str], ...] | None   # fat: (function, variant) for this CPU


def backend_info() -> BackendInfo:
    """Which backend runs the bignum functions, whether the secret exponentiations are
    constant-time, and which GMP gmpy2 uses: its version, its file, whether that file came with
    the gmpy2 wheel or from the system, and (fat binaries) the kernels picked for this CPU.
    Reads, never changes, anything but the import of gmpy2 that its first use would make; for
    ``x509core doctor`` and the benchmarks' headers."""
    if BACKEND == "gmpy2":
        _activate_default()
    if _import_gmpy2() is None:
        return BackendInfo(BACKEND, False, _requested or None, None, None, None, None, None, None)
    library, origin = _gmp_library()
    fat, kernels = _gmp_dispatch(library)
    version = _gmpy2.mp_version().removeprefix("GMP").strip()
    return BackendInfo(BACKEND, BACKEND == "gmpy2", _requested or None, _gmpy2.version(),
                       version, library, origin, fat, kernels)


def _symbol_at(address: int | None) -> tuple[str, str] | None:
    """(file, symbol) of the exported symbol that starts at ``address``, by dladdr(3) (glibc,
    musl, macOS); None where that is unknown."""
    import ctypes
    found = _dladdr()
    if not address or found is None:
        return None
    dladdr, info = found
    # dladdr names the nearest symbol below the address: only an exact start counts.
    if dladdr(address, ctypes.byref(info)) and info.dli_sname and info.dli_saddr == address:
        return os.fsdecode(info.dli_fname), info.dli_sname.decode("ascii", "replace")
    return None


@functools.cache
def _dladdr():
    """(dladdr, a Dl_info to fill), or None where the C library has no dladdr (Windows)."""
    import ctypes
    import ctypes.util

    class DlInfo(ctypes.Structure):
        _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p),
                    ("dli_sname", ctypes.c_char_p), ("dli_saddr", ctypes.c_void_p)]
    for name in (None, ctypes.util.find_library("dl")):
        try:
            dladdr = ctypes.CDLL(name).dladdr
        except (OSError, AttributeError, TypeError):
            continue
        dladdr.argtypes = [ctypes.c_void_p, ctypes.POINTER(DlInfo)]
        return dladdr, DlInfo()
    return None


def _gmp_library() -> tuple[str | None, str]:
    """(path, origin) of the GMP that gmpy2's extension calls: the object that holds the
    ``mpz_powm_sec`` its own symbol lookup finds. "bundled" when that file is one of the
    gmpy2 distribution's (a wheel's gmpy2.libs/ or .dylibs/), "static" when it is the
    extension itself, "system" when it lies where a package manager puts libraries
    (:data:`_SYSTEM_LIBRARY_DIRECTORIES`), else "local" (a GMP built here, e.g. for this CPU:
    README, "Faster still: GMP built for this CPU")."""
    import ctypes
    import importlib.machinery
    import sys
    extension = None
    for name in ("gmpy2.gmpy2", "gmpy2"):          # gmpy2 >= 2.2, then older releases
        path = getattr(sys.modules.get(name), "__file__", None) or ""
        if path.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)):
            extension = path
            break
    try:
        entry = getattr(ctypes.CDLL(extension), "__gmpz_powm_sec") if extension else None
    except (OSError, AttributeError):
        entry = None
    found = _symbol_at(ctypes.cast(entry, ctypes.c_void_p).value if entry else None)
    if found is None:
        return None, "unknown"
    library = os.path.realpath(found[0])
    if library == os.path.realpath(extension):
        return library, "static"
    if library in _gmpy2_files():
        return library, "bundled"
    return library, "system" if library.startswith(_SYSTEM_LIBRARY_DIRECTORIES) else "local"


# Where distributions and package managers install shared libraries: the dynamic loader's own
# directories (Debian's multiarch ones are below /usr/lib and /lib), Homebrew, MacPorts, Nix, Guix.
_SYSTEM_LIBRARY_DIRECTORIES = ("/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/", "/opt/homebrew/",
                               "/usr/local/Cellar/", "/opt/local/", "/nix/store/", "/gnu/store/")


def _gmpy2_files() -> set[str]:
    """The real paths of the files the installed gmpy2 distribution lists (its RECORD)."""
    import importlib.metadata
    try:
        files = importlib.metadata.files("gmpy2") or ()
    except importlib.metadata.PackageNotFoundError:   # e.g. a distribution's python3-gmpy2
        return set()
    return {os.path.realpath(file.locate()) for file in files}


# The kernels of mpn_sec_powm's inner loop, as fat GMP names them in its dispatch table.
_SEC_POWM_KERNELS = ("mul_basecase", "sqr_basecase", "redc_1")


def _gmp_dispatch(library: str | None) -> tuple[bool | None, tuple[tuple[str, str], ...] | None]:
    """(fat, kernels): whether ``library`` is a fat GMP (it has the dispatch table
    ``__gmpn_cpuvec``) and, if so, which variant of each of ``_SEC_POWM_KERNELS`` the table
    holds for this CPU, by the suffix of its symbol: "coreibwl", "k8", "zen", ... or "fat" for
    GMP's portable C code."""
    import ctypes
    if library is None:
        return None, None
    try:
        table = ctypes.addressof(ctypes.c_void_p.in_dll(ctypes.CDLL(library), "__gmpn_cpuvec"))
    except (OSError, ValueError):                  # no table: built for one CPU type
        return (False, None) if os.path.exists(library) else (None, None)
    _gmpy2.powmod(3, (1 << 600) + 1, (1 << 607) - 1)   # the table is filled on first use
    width, kernels = ctypes.sizeof(ctypes.c_void_p), {}
    for index in range(64):     # function pointers first; the first word that is not one ends it
        found = _symbol_at(ctypes.c_void_p.from_address(table + index * width).value)
        if found is None or os.path.realpath(found[0]) != library:
            break
        for name in _SEC_POWM_KERNELS:
            if found[1].startswith(f"__gmpn_{name}_"):
                kernels[name] = found[1].removeprefix(f"__gmpn_{name}_")
    if set(kernels) != set(_SEC_POWM_KERNELS) or "init" in kernels.values():
        return True, None
    return True, tuple((name, kernels[name]) for name in _SEC_POWM_KERNELS)
