"""Tests of x509core.rsa.primes: Miller-Rabin, the Table B.1 round counts and the sieve."""

from __future__ import annotations

import json
import math
import random as stdlib_random

import pytest

from tests.conftest import SHARED, require_shared
from x509core.errors import InvalidValue
from x509core.rsa import primes

WYCHEPROOF = SHARED / "vectors" / "wycheproof" / "testvectors_v1" / "primality_test.json"

# The one "acceptable" kind in the file: the negative of a prime. We decide: not prime.
# Primality is a property of positive integers here (RSA primes, DH moduli), and Wycheproof's
# note says accepting -p "adds another potential pitfall".
ACCEPTABLE_DECISIONS = {"NegativeOfPrime": False}


def _stream(seed: int):
    """A replayable random source: random(nbytes) -> bytes."""
    return stdlib_random.Random(seed).randbytes


def _trial_division(n: int) -> bool:
    if n < 2:
        return False
    return all(n % d for d in range(2, math.isqrt(n) + 1))


def _load_wycheproof() -> list[dict]:
    data = json.loads(require_shared(WYCHEPROOF).read_text())
    tests = [t for group in data["testGroups"] for t in group["tests"]]
    assert len(tests) == data["numberOfTests"] == 317
    return tests


WYCHEPROOF_TESTS = _load_wycheproof()


def _value(test: dict) -> int:
    """Big-endian two's complement, so "ff" is -1 and "00ff" is 255."""
    return int.from_bytes(bytes.fromhex(test["value"]), "big", signed=True)


@pytest.mark.parametrize("test", WYCHEPROOF_TESTS, ids=lambda t: f"tc{t['tcId']}")
def test_wycheproof_primality(test):
    n = _value(test)
    got = primes.is_probable_prime(n, random=_stream(test["tcId"]))
    if test["result"] == "valid":
        assert got is True
    elif test["result"] == "invalid":
        assert got is False
    else:
        assert test["result"] == "acceptable"
        (flag,) = test["flags"]
        assert got is ACCEPTABLE_DECISIONS[flag]


def test_wycheproof_counts_and_negative_values():
    results = [t["result"] for t in WYCHEPROOF_TESTS]
    assert (results.count("valid"), results.count("invalid"), results.count("acceptable")) \
        == (66, 243, 8)
    assert _value({"value": "ff"}) == -1 and _value({"value": "fdcf"}) == -561
    negatives = [t for t in WYCHEPROOF_TESTS if _value(t) < 0]   # 6 invalid, 8 acceptable
    assert len(negatives) == 14 and all(not primes.is_probable_prime(_value(t)) for t in negatives)


def test_base_two_alone_is_fooled_by_wycheproof_pseudoprimes():
    """Why FIPS 186-5 §B.3.1 wants random bases: composites built to pass fixed bases do."""
    fooled = [t["tcId"] for t in WYCHEPROOF_TESTS if t["result"] == "invalid"
              and _value(t) > 3 and _value(t) % 2
              and primes.miller_rabin(_value(t), 0, _stream(0), base_two=True)]
    assert len(fooled) >= 10
    for tc_id in fooled:
        n = _value(WYCHEPROOF_TESTS[tc_id - 1])
        assert primes.miller_rabin(n, 64, _stream(tc_id)) is False


def test_exact_below_two_to_the_32():
    for n in range(-50, 30000):
        assert primes.is_probable_prime(n) is _trial_division(n), n
    # 2^32 - 5 is prime; F5 = 2^32 + 1 = 641·6700417; 2^32 + 15 is the least prime above 2^32.
    cases = {4294967291: True, 4294967295: False, 4294967297: False,
             65521 * 65521: False, 65537 * 65537: False, 65537 * 65539: False,
             4294967311: True, 3 ** 20: False, 2 ** 31 - 1: True}
    for n, expected in cases.items():
        assert primes.is_probable_prime(n) is expected, n


KNOWN = [
    ("M61", 2 ** 61 - 1, True), ("M89", 2 ** 89 - 1, True), ("M127", 2 ** 127 - 1, True),
    ("M521", 2 ** 521 - 1, True), ("M1279", 2 ** 1279 - 1, True),
    ("2^67-1", 2 ** 67 - 1, False), ("F7", 2 ** 128 + 1, False),
    ("M61 squared", (2 ** 61 - 1) ** 2, False), ("M89*M127", (2 ** 89 - 1) * (2 ** 127 - 1), False),
    ("3^200", 3 ** 200, False),
    ("spsp(2,3,5,7)", 3215031751, False),            # 151 · 751 · 28351
    ("spsp(2..23)", 3825123056546413051, False),     # strong pseudoprime to the first 9 primes
]


@pytest.mark.parametrize("name, n, expected", KNOWN, ids=[k[0] for k in KNOWN])
def test_known_large_values(name, n, expected):
    assert primes.is_probable_prime(n, random=_stream(n % 1000)) is expected


def test_type_and_rounds_argument():
    with pytest.raises(TypeError):
        primes.is_probable_prime(7.0)
    p = 2 ** 127 - 1
    assert primes.is_probable_prime(p, rounds=1, random=_stream(1))
    assert primes.is_probable_prime(p, rounds=0)               # the base-2 round alone


def test_table_b1_rounds():
    assert primes.RSA_PRIME_ROUNDS == {2048: 5, 3072: 4, 4096: 4}
    assert [primes.rsa_prime_rounds(n) for n in (2048, 3072, 4096)] == [5, 4, 4]
    for nlen in (1024, 2047, 8192):
        with pytest.raises(InvalidValue):
            primes.rsa_prime_rounds(nlen)
    assert primes.DEFAULT_ROUNDS == 64


class _Recording:
    """A random source that replays chosen bytes and records each request."""

    def __init__(self, chunks: list[bytes]):
        self.chunks, self.requests = list(chunks), []

    def __call__(self, nbytes: int) -> bytes:
        self.requests.append(nbytes)
        return self.chunks.pop(0)


def _base(b: int, w: int) -> bytes:
    """The bytes that make FIPS 186-5 §B.3.1 step 4.1 pick base b for w."""
    wlen, nbytes = w.bit_length(), (w.bit_length() + 7) // 8
    return (b << (8 * nbytes - wlen)).to_bytes(nbytes, "big")


def test_miller_rabin_replays_fixed_witnesses():
    w = 2047                                         # 23 · 89, a strong pseudoprime to base 2
    assert primes.miller_rabin(w, 0, _Recording([])) is True
    assert primes.miller_rabin(w, 1, _Recording([_base(2, w)]), base_two=False) is True
    assert primes.miller_rabin(w, 1, _Recording([_base(3, w)]), base_two=False) is False
    # Step 4.2: b <= 1 and b >= w - 1 are drawn again; the third draw (b = 3) decides.
    source = _Recording([_base(1, w), _base(w - 1, w), _base(3, w)])
    assert primes.miller_rabin(w, 1, source, base_two=False) is False
    assert source.requests == [2, 2, 2]


def test_miller_rabin_prime_passes_every_base():
    w = 2 ** 61 - 1
    chunks = [_base(b, w) for b in (2, 3, 5, 7, 11, w - 2)]
    assert primes.miller_rabin(w, len(chunks), _Recording(chunks)) is True


@pytest.mark.parametrize("w", [-7, 0, 1, 2, 3, 4, 1000])
def test_miller_rabin_domain(w):
    with pytest.raises(InvalidValue):
        primes.miller_rabin(w, 1, _stream(0))


def test_small_odd_primes():
    assert primes.small_odd_primes(50) == (3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47)
    assert len(primes.small_odd_primes(1 << 16)) == 6542 - 1      # pi(2^16) = 6542, less 2
    table = primes.small_odd_primes(1 << 12)
    assert all(_trial_division(p) for p in table)


def _take(iterator, count: int) -> list[int]:
    return [next(iterator) for _ in range(count)]


@pytest.mark.parametrize("start", [0, 1, 2, 3, 4, 97, 250, 4000, 65519, 65536])
@pytest.mark.parametrize("bound, width", [(256, 16), (1 << 12, 64), (1 << 16, 4096)])
def test_sieve_keeps_every_prime_near_small_starts(start, bound, width):
    found = _take(primes.sieve_candidates(start, bound, width), 600)
    assert found == sorted(set(found)) and found[0] >= start
    expected = [n for n in range(max(start, 2), found[-1] + 1) if _trial_division(n)]
    assert set(expected) <= set(found)                  # no prime is ever struck out
    for n in found:                                      # and what stays has no small factor
        assert n == 2 or n % 2
        assert all(n % p for p in primes.small_odd_primes(bound) if p < n)


@pytest.mark.parametrize("bits", [64, 512, 1024])
def test_sieve_keeps_every_probable_prime_of_a_large_window(bits):
    start = stdlib_random.Random(bits).getrandbits(bits) | 1 << (bits - 1) | 1
    bound, width = 1 << 14, 512
    found = _take(primes.sieve_candidates(start, bound, width), 200)
    wanted = [n for n in range(start, found[-1] + 1, 2)
              if primes.is_probable_prime(n, rounds=8, random=_stream(n % 997))]
    assert wanted and set(wanted) <= set(found)
    small = math.prod(primes.small_odd_primes(bound))
    assert all(math.gcd(n, small) == 1 for n in found)
    # The sieve lets through far fewer numbers than a plain walk over the odd ones.
    assert (found[-1] - start) // 2 > 5 * len(found)


def test_sieve_bound_is_tuned_per_size():
    bounds = [primes.sieve_bound(bits) for bits in (1024, 1536, 2048)]
    assert bounds == sorted(bounds) and bounds[0] >= 1 << 15
