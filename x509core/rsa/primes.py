"""Probable primes: Miller-Rabin (FIPS 186-5 §B.3.1), its round counts, and a small-prime sieve.

Round counts. FIPS 186-5 Table B.1 ("Minimum number of rounds of M-R testing when generating
primes for use in RSA digital signatures") gives, for the primes p and q themselves:

    nlen   len(p), len(q)   error 2^-100   error 2^-(security strength)
    2048   1024 bits        4 rounds       5 rounds  (2^-112)
    3072   1536 bits        3 rounds       4 rounds  (2^-128)
    4096   2048 bits        2 rounds       4 rounds  (2^-144)

:data:`RSA_PRIME_ROUNDS` takes the right-hand column. So few rounds suffice because the candidates
are *random*: Damgård, Landrock and Pomerance ("Average case error estimates for the strong
probable prime test", Math. Comp. 61 (1993)) bound the probability p(k, t) that a random k-bit
odd number which passes t rounds is composite, and for large k that bound is far below the
worst-case 4^-t of Rabin's theorem, because almost every composite has far fewer than n/4 strong
liars. Table B.1 rests on those average-case bounds, as FIPS 186-5 Appendix B explains; they
hold for numbers drawn at random by the generator itself, NOT for a number an adversary chose:
Wycheproof's ``primality_test.json`` holds composites that pass each round with probability close
to 1/4. :func:`is_probable_prime`, which tests numbers of unknown origin, therefore runs 64 random
rounds (4^-64 = 2^-128 in the worst case) after a base-2 round.

OpenSSL, for comparison (from its source, not measured): the RSA key generation of OpenSSL 3.0
(SP 800-56B, ``crypto/bn/bn_rsa_fips186_4.c``, step 7 of the prime derivation) calls
``BN_check_prime``, which runs trial division and then ``bn_mr_min_checks(bits)`` rounds
(``crypto/bn/bn_prime.c``): 64 rounds for a prime of at most 2048 bits (worst case 2^-128) and
128 rounds above 2048 bits. So each 2048-bit prime of an RSA-4096 key gets 64 rounds there.
Later OpenSSL sources (``ossl_bn_check_generated_prime`` with
``bn_rsa_fips186_5_prime_MR_rounds``) use Table B.1 instead: 5 rounds for nlen 2048 and 4 for
nlen >= 3072, the counts used here.

The sieve. :func:`sieve_candidates` walks odd numbers upwards from a start and drops those with a
prime factor below a bound, so that Miller-Rabin only sees numbers without small factors: the
"incremental search" of OpenSSL's ``probable_prime``. Its candidates are not independent, so the
bounds above do not apply word for word; Brandt and Damgård ("On generation of probable primes by
incremental search", CRYPTO '92) show that the error probability of incremental search is of
the same order as that of independent random candidates.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from functools import lru_cache
from itertools import chain, compress, repeat
from math import prod
from operator import mod, mul, sub

from x509core.errors import InvalidValue
from x509core import bignum as _mpz

__all__ = ["RSA_PRIME_ROUNDS", "DEFAULT_ROUNDS", "RandomSource", "rsa_prime_rounds",
           "small_odd_primes", "sieve_bound", "sieve_candidates", "miller_rabin",
           "is_probable_prime"]

RandomSource = Callable[[int], bytes]   # random(nbytes) -> nbytes bytes from an RBG

# FIPS 186-5 Table B.1, right-hand column: nlen -> M-R rounds for p and q.
RSA_PRIME_ROUNDS = {2048: 5, 3072: 4, 4096: 4}
# Numbers of unknown origin (worst case 4^-t, FIPS 186-5 §B.3.1; as OpenSSL's BN_check_prime).
DEFAULT_ROUNDS = 64


def rsa_prime_rounds(nlen: int) -> int:
    """Miller-Rabin rounds for a prime of an nlen-bit RSA modulus. FIPS 186-5 Table B.1."""
    try:
        return RSA_PRIME_ROUNDS[nlen]
    except KeyError:
        raise InvalidValue(f"FIPS 186-5 Table B.1 has no entry for nlen={nlen}") from None


@lru_cache(maxsize=8)
def small_odd_primes(bound: int) -> tuple[int, ...]:
    """The odd primes below ``bound``, by the sieve of Eratosthenes."""
    flags = bytearray([1]) * (bound // 2)          # flags[i] stands for 2i + 1
    flags[0] = 0                                   # 1 is not prime
    for i in range(1, (_mpz.isqrt(bound) + 1) // 2):
        if flags[i]:
            p = 2 * i + 1
            start = p * p // 2
            flags[start::p] = bytes(len(range(start, len(flags), p)))
    return tuple(compress(range(1, bound, 2), flags))


def sieve_bound(bits: int) -> int:
    """The sieve bound for candidates of ``bits`` bits, tuned for the active bignum backend.

    One more sieving prime p costs about 0.3-0.5 µs per window and spares a Miller-Rabin
    round for the 1/p of the candidates that it removes; by Mertens' theorem about
    1.12/ln(bound) of the odd numbers survive. The bound where the two balance rises with the
    cost of a round: with the length of the prime and on the pure-Python backend, whose rounds
    are about 7 times slower. Measured on the 2-core development machine for 2048-bit primes
    (2.7 ms a round with gmpy2, 20 ms in pure Python, one sieve window per prime): the time
    per prime is flat within a few percent from 2^17 to 2^19 with gmpy2 and from 2^19 to 2^22
    in pure Python, so the smaller bound of each plateau is taken (cheaper tables).
    """
    if _mpz.BACKEND == "gmpy2":
        return 1 << 16 if bits <= 1024 else 1 << 17 if bits <= 1536 else 1 << 18
    return 1 << 17 if bits <= 1024 else 1 << 19 if bits <= 1536 else 1 << 20


_FAN_OUT = 32                  # primes per product in _residues (products of 400-700 bits)


@lru_cache(maxsize=8)
def _sieve_tables(bound: int, width: int):
    primes = small_odd_primes(max(bound, 3))
    narrow = [p for p in primes if p < width]             # marked with a slice
    wide = primes[len(narrow):]                           # at most one hit per window
    halves = [(p + 1) // 2 for p in wide]                 # the inverse of 2 modulo p
    products = [prod(wide[i:i + _FAN_OUT]) for i in range(0, len(wide), _FAN_OUT)]
    return narrow, wide, halves, products


def _residues(x: int, products: list[int], leaves) -> Iterator[int]:
    """x mod each leaf, in two steps: x mod a product of _FAN_OUT leaves is a short number,
    and reducing that is cheaper than reducing the long x once per leaf."""
    remainders = map(x.__mod__, products)
    return map(mod, chain.from_iterable(map(repeat, remainders, repeat(_FAN_OUT))), leaves)


def sieve_candidates(start: int, bound: int = 1 << 16, width: int = 4096) -> Iterator[int]:
    """Odd n >= start, increasing, with no prime factor p < bound other than n itself.

    Every prime >= start is yielded (a small prime is never struck out by itself), together
    with the composites whose least prime factor is >= ``bound``; below bound**2 only primes
    remain. The walk never ends: the caller stops it. The tables for ``bound`` are built on
    the first call and cached.
    """
    return _walk(start, width, _sieve_tables(bound, width))


def _walk(start: int, width: int, tables) -> Iterator[int]:
    if start <= 2:
        yield 2
    base = max(start, 3) | 1
    while True:
        flags = _sieve_window(base, width, *tables)
        k = flags.find(1)
        while k >= 0:
            yield base + 2 * k
            k = flags.find(1, k + 1)
        base += 2 * width


def _sieve_window(base: int, width: int, narrow, wide, halves, products) -> bytearray:
    """flags[k] == 1 iff base + 2k has no odd prime factor p < bound with p != base + 2k."""
    flags = bytearray([1]) * width
    zeros = bytes(width)
    for p in narrow:
        k = (p - base % p) * ((p + 1) // 2) % p            # base + 2k == 0 (mod p)
        if base + 2 * k == p:                              # p itself stays in
            k += p
        if k < width:
            flags[k::p] = zeros[:(width - 1 - k) // p + 1]
    if not wide:
        return flags
    # The same for p >= width, at C speed: k = (p - base mod p) * 2^-1 mod p, hits only.
    ks = map(mod, map(mul, map(sub, wide, _residues(base, products, wide)), halves), wide)
    if base <= wide[-1]:                                   # a sieving prime may lie in the window
        for k, p in zip(ks, wide):
            if k < width and base + 2 * k != p:
                flags[k] = 0
    else:
        for k in filter(width.__gt__, ks):
            flags[k] = 0
    return flags


def _random_base(w: int, random: RandomSource) -> int:
    """A base b with 1 < b < w - 1 from wlen random bits. FIPS 186-5 §B.3.1 steps 4.1-4.2."""
    wlen = w.bit_length()
    nbytes = (wlen + 7) // 8
    while True:
        b = int.from_bytes(random(nbytes), "big") >> (8 * nbytes - wlen)   # step 4.1
        if 1 < b < w - 1:                                                  # step 4.2
            return b


def _strong_probable_prime(w, m: int, a: int, b: int) -> bool:
    """One round: is w a strong probable prime to base b? FIPS 186-5 §B.3.1 steps 4.3-4.7."""
    z = _mpz.mpz(_mpz.powmod(b, m, w))                     # step 4.3: z = b^m mod w
    if z == 1 or z == w - 1:                               # step 4.4
        return True
    for _ in range(a - 1):                                 # step 4.5
        z = z * z % w                                      # step 4.5.1
        if z == w - 1:                                     # step 4.5.2
            return True
        if z == 1:                                         # step 4.5.3
            return False
    return False                                           # step 4.6: COMPOSITE


def miller_rabin(w: int, rounds: int, random: RandomSource, *, base_two: bool = True) -> bool:
    """The Miller-Rabin probabilistic primality test. FIPS 186-5 §B.3.1.

    ``w`` is odd and > 3. Returns True for PROBABLY PRIME, False for COMPOSITE. The ``rounds``
    bases are drawn from ``random`` as FIPS 186-5 §B.3.1 step 4.1 requires. With ``base_two``
    a round with base 2 comes first: it can only reject composites (a prime passes every base),
    and it spares the random draw for the many composites a prime search meets.
    """
    if w <= 3 or w % 2 == 0:
        raise InvalidValue("Miller-Rabin needs an odd w > 3")
    a = ((w - 1) & -(w - 1)).bit_length() - 1             # step 1: 2^a exactly divides w - 1
    m = (w - 1) >> a                                       # step 2
    wm = _mpz.mpz(w)
    if base_two and not _strong_probable_prime(wm, m, a, 2):
        return False
    for _ in range(rounds):                                # step 4
        if not _strong_probable_prime(wm, m, a, _random_base(w, random)):
            return False
    return True                                            # step 5: PROBABLY PRIME


def is_probable_prime(n: int, rounds: int | None = None, *,
                      random: RandomSource | None = None) -> bool:
    """Is the integer n prime? Exact below 2^32; above, Miller-Rabin (FIPS 186-5 §B.3.1).

    Zero, one and negative numbers are not prime (the negative of a prime included). Small
    factors are found by trial division, and an n below 2^32 that has none below 2^16 is prime.
    Larger n get a base-2 round and then ``rounds`` random rounds, :data:`DEFAULT_ROUNDS` unless
    given: for an n of unknown origin only the worst-case bound 4^-rounds holds.
    """
    if not isinstance(n, int):
        raise TypeError("n must be an int")
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    limit = 1 << 16
    for p in small_odd_primes(limit):
        if p * p > n:
            return True                                    # no factor up to sqrt(n)
        if n % p == 0:
            return n == p
    if n < limit * limit:
        return True
    return miller_rabin(n, DEFAULT_ROUNDS if rounds is None else rounds,
                        random or secrets.token_bytes)
