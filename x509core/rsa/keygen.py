"""RSA key generation with random probable primes. FIPS 186-5 §A.1.3.

Parameters. nlen is 2048, 3072 or 4096. The public exponent is 65537 unless given; any odd e with
2^16 < e < 2^256 is accepted, the range FIPS 186-5 §A.1.1 allows, and nothing else (no e = 3).

Randomness. ``random(nbytes) -> bytes`` is the random bit generator; it defaults to
:func:`secrets.token_bytes` (the operating system's generator). It is asked only for seeds, 48
bytes per prime: each seed instantiates HMAC_DRBGs with SHA-256 (NIST SP 800-90A Rev. 1
§10.1.2; 32 bytes of entropy input and a 16-byte nonce, which supports a security strength of
256 bits, above the 112-152 bits of these key sizes), told apart by their personalization
strings: one draws the starting candidates of the search (§A.1.3 step 4.2), and one per
candidate that passes a base-2 round draws its Miller-Rabin bases (§B.3.1 step 4.1). A prime
thus depends only on its seed, so a replayed ``random`` gives the same key, in one process or
two.

Parallel search. With ``workers=2`` (the default where two CPUs and ``fork`` are available) a
forked child shares the work: both processes walk the same candidates and take them one at a
time from a shared counter, this process starting with p and the child with q, each helping
with the other prime once its own is found (see :func:`_search_primes`). The result is the
same as in one process. ``fork`` re-imports nothing, so callers need no
``if __name__ == "__main__"`` guard. The search stays in this process if ``workers=1``, if the
platform is not Linux, if this process runs other threads (a forked child inherits their
locks, held forever), if it is itself a daemonic process, or if the fork fails; if the child
dies, this process searches both primes again alone (same seeds, same primes).

Measured on the 2-core development machine (RSA-4096, trials during which other processes
used under 5% of a CPU): with gmpy2 the median fell from 0.49 s (``workers=1``) to 0.27 s,
with pure Python from 4.8 s to 1.2 s. Starting the child costs about 4 ms; both processes
sieve the windows they walk, about 20% more CPU time in all. Searching p and q each in its own
process, without sharing, was slower (median 0.41 s): one prime often takes much longer than
the other. See benchmarks/engine/bench_rsa_keygen.py.
"""

from __future__ import annotations

import hashlib
import hmac
import multiprocessing
import os
import secrets
import signal
import sys
import threading
from collections.abc import Callable, Iterator

from x509core.errors import InvalidValue
from x509core import bignum as _mpz
from x509core.rsa import primes
from x509core.rsa.key import RSAPrivateKey

__all__ = ["SUPPORTED_SIZES", "HmacDrbg", "generate_private_key"]

SUPPORTED_SIZES = (2048, 3072, 4096)
_SEED_BYTES = 48                       # SP 800-90A §10.1.2.3: 256-bit entropy, 128-bit nonce
_WINDOW = 4096                         # sieve window: 8192 consecutive integers
_PERSONALIZATION = b"x509core RSA prime "
_NONE = 1 << 62                        # "no candidate has passed yet" in a shared index


class HmacDrbg:
    """HMAC_DRBG with SHA-256, without reseeding. NIST SP 800-90A Rev. 1 §10.1.2.

    ``seed`` is entropy_input || nonce; ``personalization`` separates the streams drawn from
    one seed. A new instance per prime search; 2^48 requests (§10.1 Table 2) are never reached.
    """

    def __init__(self, seed: bytes, personalization: bytes = b""):
        self._key = b"\x00" * 32                              # §10.1.2.3 step 2
        self._value = b"\x01" * 32                            # §10.1.2.3 step 3
        self._update(seed + personalization)                  # §10.1.2.3 steps 1 and 4

    def _hmac(self, data: bytes) -> bytes:
        return hmac.digest(self._key, data, hashlib.sha256)

    def _update(self, provided: bytes) -> None:
        """HMAC_DRBG_Update, §10.1.2.2."""
        self._key = self._hmac(self._value + b"\x00" + provided)      # step 1
        self._value = self._hmac(self._value)                         # step 2
        if provided:                                                  # step 3
            self._key = self._hmac(self._value + b"\x01" + provided)  # step 4
            self._value = self._hmac(self._value)                     # step 5

    def generate(self, nbytes: int) -> bytes:
        """HMAC_DRBG_Generate without additional input, §10.1.2.5."""
        if not 0 < nbytes <= 1 << 16:                          # max_number_of_bits 2^19
            raise InvalidValue("an HMAC_DRBG request is 1 to 65536 bytes")
        out = b""
        while len(out) < nbytes:                               # step 4
            self._value = self._hmac(self._value)
            out += self._value
        self._update(b"")                                      # step 6
        return out[:nbytes]


def generate_private_key(bits: int = 4096, public_exponent: int = 65537, *,
                         random: Callable[[int], bytes] | None = None,
                         progress: Callable[[str], object] | None = None,
                         workers: int | None = None) -> RSAPrivateKey:
    """A new RSA private key of ``bits`` bits. FIPS 186-5 §A.1.3 and §A.1.1.

    ``random(nbytes) -> bytes`` is the random source (default :func:`secrets.token_bytes`),
    asked for one 48-byte seed per prime. ``progress`` (optional) is called with
    ``"candidate"`` for each candidate this process rejects and ``"prime"`` for each prime
    found, for a progress display; the child process of a parallel search does not report its
    candidates. ``workers`` is 1 (one process) or 2 (p and q at the same time); None picks 2
    where that is possible (see the module docstring). A size other than 2048, 3072 or 4096
    or an exponent outside FIPS 186-5 raises :class:`InvalidValue`, a non-int ``TypeError``.
    """
    _check_parameters(bits, public_exponent)                   # steps 1-2
    random = random or secrets.token_bytes
    workers = _workers(workers)
    half = bits // 2
    e = public_exponent
    while True:
        seed_p, seed_q = _seed(random), _seed(random)
        p, q = _search_primes(seed_p, seed_q, bits, e, progress, workers)
        # Step 5.4: |p - q| > 2^(nlen/2 - 100); we check it once both are known and draw q
        # again if it fails (probability about 2^-98).
        while abs(p - q) <= 1 << (half - 100):
            q = _find_prime(_seed(random), b"q", bits, e, progress)
        d = _private_exponent(p, q, e, half)
        if d is not None:
            break
    return RSAPrivateKey(n=p * q, e=e, d=d, p=p, q=q, dp=d % (p - 1), dq=d % (q - 1),
                         qinv=_mpz.invert(q, p))            # RFC 8017 §3.2 CRT values


def _check_parameters(bits: int, e: int) -> None:
    if not isinstance(bits, int) or isinstance(bits, bool):
        raise TypeError("bits must be an int")
    if not isinstance(e, int) or isinstance(e, bool):
        raise TypeError("public_exponent must be an int")
    # Step 1: nlen. FIPS 186-5 allows longer moduli; this library generates these three.
    if bits not in SUPPORTED_SIZES:
        raise InvalidValue(f"RSA key size must be 2048, 3072 or 4096 bits, not {bits}")
    # Step 2, FIPS 186-5 §A.1.1: "an odd positive integer such that 2^16 < e < 2^256".
    if not (1 << 16 < e < 1 << 256) or e % 2 == 0:
        raise InvalidValue("public exponent must be odd with 2^16 < e < 2^256")


def _seed(random: Callable[[int], bytes]) -> bytes:
    seed = random(_SEED_BYTES)
    if not isinstance(seed, (bytes, bytearray)) or len(seed) != _SEED_BYTES:
        raise InvalidValue(f"the random source must return {_SEED_BYTES} bytes when asked")
    return bytes(seed)


def _private_exponent(p: int, q: int, e: int, half: int) -> int | None:
    """d = e^-1 mod lcm(p-1, q-1), or None if d <= 2^(nlen/2). FIPS 186-5 §A.1.1."""
    # gcd(e, p-1) = gcd(e, q-1) = 1 was checked in steps 4.5 and 5.6, so e is invertible.
    d = _mpz.invert(e, _mpz.lcm(p - 1, q - 1))
    # "2^(nlen/2) < d < LCM(p-1, q-1)"; a d that is too small means new primes.
    return d if d > 1 << half else None


def _candidates(seed: bytes, label: bytes, nlen: int, e: int) -> Iterator[int]:
    """The candidates of one prime search, in order. FIPS 186-5 §A.1.3 steps 4.1-4.5 up to
    the primality test: each has nlen/2 bits, is >= sqrt(2)·2^(nlen/2-1), is odd, has no
    prime factor below the sieve bound, and has gcd(w - 1, e) = 1."""
    drbg = HmacDrbg(seed, _PERSONALIZATION + label + b" candidates")
    half = nlen // 2
    bound = primes.sieve_bound(half)
    lower = _mpz.isqrt(1 << (2 * half - 1)) + 1            # least integer >= sqrt(2) 2^(half-1)
    limit, i = 5 * nlen, 0                                 # step 4.1: i = 0
    while True:
        start = _random_candidate(drbg, half, lower)       # steps 4.2-4.4
        # Deviation: FIPS 186-5 draws a fresh random candidate at every step 4.2; we walk
        # upwards from it through a sieve (Brandt and Damgård, CRYPTO '92; OpenSSL's
        # probable_prime), which skips numbers with small factors without testing them.
        for w in primes.sieve_candidates(start, bound, _WINDOW):
            if w.bit_length() > half:                      # left the range: new start
                break
            if _mpz.gcd(w - 1, e) == 1:                    # step 4.5: gcd(p - 1, e) = 1
                yield w
            i += 1                                         # step 4.6
            # Step 4.7 ends a search that runs too long with FAILURE. We stop after 5·nlen
            # candidates (FIPS 186-4 §B.3.3 had 5·nlen/2); about 60 are expected.
            if i >= limit:
                raise InvalidValue("no prime found: the random source does not look random")


def _is_prime(seed: bytes, label: bytes, w: int, nlen: int) -> bool:
    """Step 4.5.1: Miller-Rabin with the rounds of Table B.1 (FIPS 186-5 §B.3.1).

    A base-2 round first rejects almost every composite. The random bases of a candidate that
    passes it come from a DRBG of the seed and the candidate itself, so the verdict on w does
    not depend on which candidates were tested before it, nor by which process."""
    if not primes.miller_rabin(w, 0, _no_random):          # base 2 only
        return False
    tag = w.to_bytes(nlen // 16, "big")
    bases = HmacDrbg(seed, _PERSONALIZATION + label + b" bases " + tag)
    return primes.miller_rabin(w, primes.rsa_prime_rounds(nlen), bases.generate, base_two=False)


def _no_random(nbytes: int) -> bytes:
    raise AssertionError("a base-2 round draws no random bases")


def _find_prime(seed: bytes, label: bytes, nlen: int, e: int, progress=None) -> int:
    """The first candidate that passes, in one process. FIPS 186-5 §A.1.3 steps 4.1-4.8."""
    for w in _candidates(seed, label, nlen, e):
        if _is_prime(seed, label, w, nlen):                # step 4.5.2: PROBABLY PRIME
            if progress:
                progress("prime")
            return w
        if progress:
            progress("candidate")
    raise AssertionError("unreachable: _candidates ends only by raising")


def _random_candidate(drbg: HmacDrbg, half: int, lower: int) -> int:
    """An odd number of half bits >= sqrt(2)·2^(half-1). FIPS 186-5 §A.1.3 steps 4.2-4.4."""
    while True:
        x = int.from_bytes(drbg.generate(half // 8), "big")   # step 4.2: nlen/2 random bits
        x |= 1                                                 # step 4.3: if even, add 1
        # Step 4.4: p >= sqrt(2)·2^(nlen/2-1), exactly: lower is isqrt(2^(nlen-1)) + 1, and
        # 2^(nlen-1) is not a square, so x >= lower  <=>  x^2 > 2^(nlen-1).
        if x >= lower:
            return x


def _workers(workers: int | None) -> int:
    if workers is None:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        return 2 if (cpus or 1) >= 2 else 1
    if not isinstance(workers, int) or isinstance(workers, bool):
        raise TypeError("workers must be an int")
    if workers < 1:
        raise InvalidValue("workers must be 1 or more")
    return min(workers, 2)


def _fork_context():
    """The "fork" multiprocessing context, or None where forking is unsafe or unavailable."""
    if not sys.platform.startswith("linux") or threading.active_count() > 1:
        return None
    if multiprocessing.current_process().daemon:          # daemons may not have children
        return None
    try:
        return multiprocessing.get_context("fork")
    except ValueError:
        return None


def _search_primes(seed_p: bytes, seed_q: bytes, nlen: int, e: int, progress,
                   workers: int) -> tuple[int, int]:
    """p from seed_p and q from seed_q, in this process or shared with a forked child."""
    context = _fork_context() if workers > 1 else None
    pair = _search_together(context, seed_p, seed_q, nlen, e, progress) if context else None
    if pair is None:                                       # one process, or the child failed
        pair = (_find_prime(seed_p, b"p", nlen, e, progress),
                _find_prime(seed_q, b"q", nlen, e, progress))
    return pair


def _search_together(context, seed_p: bytes, seed_q: bytes, nlen: int, e: int,
                     progress) -> tuple[int, int] | None:
    """Both primes, searched by this process and a forked child; None if the child fails.

    Each prime's candidates are numbered in walk order, and for each prime two counters live
    in shared memory: the next index to test and the least index that passed (``best``). A
    process takes the next index, stops once it reaches ``best``, and tests the candidate
    otherwise. This process starts with p and the child with q; whichever is done first helps
    with the other prime. Every index below the final ``best`` was taken and failed, so the
    result is the first candidate that passes: what :func:`_find_prime` finds.
    """
    primes.sieve_candidates(3, primes.sieve_bound(nlen // 2), _WINDOW)   # tables, pre-fork
    jobs = [(seed, label, context.Value("q", 0), context.Value("q", _NONE))
            for seed, label in ((seed_p, b"p"), (seed_q, b"q"))]
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child_search, args=(sender, jobs[::-1], nlen, e),
                            daemon=True)
    try:
        child.start()
    except OSError:                                        # no fork today: one process
        receiver.close()
        sender.close()
        return None
    sender.close()
    try:
        found = {}
        for job in jobs:
            found.update(_search_share(*job, nlen, e, progress))
        found.update(_receive(receiver))
        child.join()
    finally:
        receiver.close()
        if child.is_alive():
            child.terminate()
            child.join()
    if child.exitcode != 0:
        return None
    if progress:
        progress("prime")
        progress("prime")
    return found[b"p", jobs[0][3].value], found[b"q", jobs[1][3].value]


def _search_share(seed: bytes, label: bytes, counter, best, nlen: int, e: int,
                  progress=None) -> dict[tuple[bytes, int], int]:
    """Take and test one prime's candidates until ``best`` is reached; return those that
    passed here, by (label, index)."""
    walked, found = [], {}
    candidates = _candidates(seed, label, nlen, e)
    while True:
        with counter.get_lock():
            index = counter.value
            counter.value = index + 1
        if index >= best.value:
            return found
        while len(walked) <= index:                        # the walk is the same everywhere
            walked.append(next(candidates))
        if _is_prime(seed, label, walked[index], nlen):
            found[label, index] = walked[index]
            with best.get_lock():
                best.value = min(best.value, index)
        elif progress:
            progress("candidate")


def _child_search(sender, jobs, nlen: int, e: int) -> None:
    # Ctrl-C reaches the whole process group: the parent handles it and ends this child.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    found = {}
    try:
        for job in jobs:
            found.update(_search_share(*job, nlen, e))
        sender.send(found)
    finally:
        sender.close()


def _receive(receiver) -> dict:
    try:
        found = receiver.recv()
    except (EOFError, OSError):                            # the child died; exitcode says so
        return {}
    return found if isinstance(found, dict) else {}
