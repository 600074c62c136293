"""Tests of x509core.rsa.keygen: FIPS 186-5 §A.1.3 key generation, its DRBG and its processes.

Keys are 2048 bits, from replayed random streams, except one real RSA-4096 key (marked slow).
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import random as stdlib_random
import sys
import threading

import pytest

from x509core.errors import InvalidValue
from x509core import bignum as _mpz
from x509core.rsa import keygen, primes
from x509core.rsa.key import RSAPrivateKey


def _stream(seed: int):
    """A replayable random source: each call to _stream(s) gives the same bytes."""
    return stdlib_random.Random(seed).randbytes


class _Counting:
    def __init__(self, seed: int):
        self.source, self.requests = _stream(seed), []

    def __call__(self, nbytes: int) -> bytes:
        self.requests.append(nbytes)
        return self.source(nbytes)


def _numbers(key: RSAPrivateKey) -> tuple[int, ...]:
    return key.n, key.e, key.d, key.p, key.q, key.dp, key.dq, key.qinv


def _check_fips_186_5(key: RSAPrivateKey, nlen: int, e: int = 65537) -> None:
    """Every condition FIPS 186-5 §A.1.1 and §A.1.3 put on the key, checked from scratch."""
    half = nlen // 2
    assert isinstance(key, RSAPrivateKey)
    assert key.e == e and key.n == key.p * key.q and key.n.bit_length() == nlen
    for prime in (key.p, key.q):
        assert prime.bit_length() == half
        assert prime * prime >= 1 << (nlen - 1)               # prime >= sqrt(2)·2^(nlen/2-1)
        assert math.gcd(prime - 1, e) == 1                      # steps 4.5 and 5.6
        assert primes.is_probable_prime(prime, random=_stream(prime % 9973))
    assert abs(key.p - key.q) > 1 << (half - 100)               # step 5.4
    lam = math.lcm(key.p - 1, key.q - 1)
    assert 1 << half < key.d < lam and key.e * key.d % lam == 1  # §A.1.1
    assert key.dp == key.d % (key.p - 1) and key.dq == key.d % (key.q - 1)
    assert key.qinv * key.q % key.p == 1 and 0 < key.qinv < key.p
    message = 0x1234567890ABCDEF << (nlen - 80)
    assert pow(pow(message, key.e, key.n), key.d, key.n) == message


@pytest.fixture(scope="module")
def key_2048() -> RSAPrivateKey:
    return keygen.generate_private_key(2048, random=_stream(2048), workers=1)


def test_hmac_drbg_nist_cavp_vector():
    """CAVP HMAC_DRBG.rsp, [SHA-256], no prediction resistance, no personalization, COUNT = 0:
    instantiate, generate 1024 bits and discard them, generate 1024 bits = ReturnedBits."""
    drbg = keygen.HmacDrbg(bytes.fromhex(
        "ca851911349384bffe89de1cbdc46e6831e44d34a4fb935ee285dd14b71a7488"
        "659ba96c601dc69fc902940805ec0ca8"))                  # EntropyInput || Nonce
    drbg.generate(128)
    assert drbg.generate(128).hex() == (
        "e528e9abf2dece54d47c7e75e5fe302149f817ea9fb4bee6f4199697d04d5b89"
        "d54fbb978a15b5c443c9ec21036d2460b6f73ebad0dc2aba6e624abf07745bc1"
        "07694bb7547bb0995f70de25d6b29e2d3011bb19d27676c07162c8b5ccde0668"
        "961df86803482cb37ed6d5c0bb8d50cf1f50d476aa0458bdaba806f48be9dcb8")


def test_hmac_drbg_streams_and_limits():
    seed = bytes(48)
    assert keygen.HmacDrbg(seed, b"p").generate(64) == keygen.HmacDrbg(seed, b"p").generate(64)
    assert keygen.HmacDrbg(seed, b"p").generate(64) != keygen.HmacDrbg(seed, b"q").generate(64)
    drbg = keygen.HmacDrbg(seed)
    assert drbg.generate(32) != drbg.generate(32)
    for bad in (0, -1, (1 << 16) + 1):
        with pytest.raises(InvalidValue):
            drbg.generate(bad)


def test_fips_186_5_conditions(key_2048):
    _check_fips_186_5(key_2048, 2048)


def test_same_stream_same_key_in_one_process_or_two(key_2048):
    if sys.platform.startswith("linux"):
        assert keygen._fork_context() is not None          # the parallel path really runs here
    again = keygen.generate_private_key(2048, random=_stream(2048), workers=2)
    assert _numbers(again) == _numbers(key_2048)


def test_other_stream_other_key(key_2048):
    other = keygen.generate_private_key(2048, random=_stream(2049))
    assert {other.p, other.q}.isdisjoint({key_2048.p, key_2048.q})


def test_both_backends_give_the_same_key(key_2048):
    previous = _mpz.BACKEND
    _mpz.set_backend("python" if previous == "gmpy2" else "gmpy2")
    try:
        other = keygen.generate_private_key(2048, random=_stream(2048), workers=1)
    finally:
        _mpz.set_backend(previous)
    assert _numbers(other) == _numbers(key_2048)


@pytest.mark.slow
def test_one_real_4096_bit_key():
    """The only RSA-4096 generation of the test run: the default random source and workers."""
    _check_fips_186_5(keygen.generate_private_key(), 4096)


@pytest.mark.parametrize("bits", [0, 512, 1024, 2047, 2049, 2560, 4095, 4097, 8192, -2048])
def test_other_sizes_refused(bits):
    with pytest.raises(InvalidValue, match="2048, 3072 or 4096"):
        keygen.generate_private_key(bits)


@pytest.mark.parametrize("e", [1, 3, 17, 65535, 65536, 65538, 2 ** 256 + 1, 2 ** 256 - 2, -65537])
def test_public_exponents_outside_fips_range_refused(e):
    with pytest.raises(InvalidValue, match="2\\^16 < e < 2\\^256"):
        keygen.generate_private_key(2048, e)


@pytest.mark.parametrize("bits, e", [("2048", 65537), (2048.0, 65537), (True, 65537),
                                     (2048, 65537.0), (2048, None)])
def test_types_refused(bits, e):
    with pytest.raises(TypeError):
        keygen.generate_private_key(bits, e)


def test_another_odd_public_exponent(monkeypatch):
    # 3·5·7·11·13·17·19: most primes p have gcd(p - 1, e) > 1, so steps 4.5 and 5.6 must work.
    e = 4849845
    real, tested = primes.miller_rabin, []

    def miller_rabin(w, rounds, *args, **kwargs):
        tested.append((w, rounds))
        return real(w, rounds, *args, **kwargs)

    monkeypatch.setattr(primes, "miller_rabin", miller_rabin)
    key = keygen.generate_private_key(2048, e, random=_stream(7), workers=1)
    # Step 4.5: Miller-Rabin only sees candidates w with gcd(w - 1, e) = 1: a base-2 round
    # (rounds=0), then for the few that pass it the 5 random rounds of Table B.1 (nlen 2048).
    assert tested and all(math.gcd(w - 1, e) == 1 for w, _ in tested)
    assert {rounds for _, rounds in tested} == {0, 5}
    assert {w for w, rounds in tested if rounds == 5} >= {key.p, key.q}
    _check_fips_186_5(key, 2048, e)


@pytest.mark.parametrize("workers, error", [(0, InvalidValue), (-1, InvalidValue),
                                            ("2", TypeError), (1.5, TypeError), (True, TypeError)])
def test_workers_argument_refused(workers, error):
    with pytest.raises(error):
        keygen.generate_private_key(2048, random=_stream(1), workers=workers)


@pytest.mark.parametrize("reply", [b"", bytes(47), bytes(49), "x" * 48, None])
def test_broken_random_source_refused(reply):
    with pytest.raises(InvalidValue, match="48 bytes"):
        keygen.generate_private_key(2048, random=lambda n: reply)


def test_random_source_is_asked_only_for_seeds(key_2048):
    source = _Counting(2048)
    key = keygen.generate_private_key(2048, random=source, workers=1)
    assert source.requests == [48, 48] and _numbers(key) == _numbers(key_2048)


def test_progress_reports_candidates_and_primes():
    events = []
    keygen.generate_private_key(2048, random=_stream(5), progress=events.append, workers=1)
    assert events.count("prime") == 2 and set(events) == {"candidate", "prime"}
    assert events[-1] == "prime"


def test_child_that_dies_is_replaced(monkeypatch, key_2048):
    """A child that fails: this process searches both primes again, alone."""
    monkeypatch.setattr(keygen, "_child_search", lambda *args: os._exit(3))
    key = keygen.generate_private_key(2048, random=_stream(2048), workers=2)
    assert _numbers(key) == _numbers(key_2048)


class _Shared:
    """A stand-in for a shared multiprocessing.Value, for one process."""

    def __init__(self, value: int):
        self.value = value

    def get_lock(self):
        return contextlib.nullcontext()


@pytest.mark.parametrize("seed", range(4))
def test_shared_search_finds_the_sequential_prime(seed):
    """Two shares of one prime's search, interleaved by hand: after the first share has taken
    a few indices (and maybe found a prime), the second joins; the least passing index is the
    sequential search's prime."""
    source = _stream(seed)(48)
    counter, best = _Shared(0), _Shared(keygen._NONE)
    first = keygen._search_share(source, b"p", _Limited(counter, 3 + seed), best, 2048, 65537)
    second = keygen._search_share(source, b"p", counter, best, 2048, 65537)
    found = {**first, **second}
    assert found[b"p", best.value] == keygen._find_prime(source, b"p", 2048, 65537)
    assert counter.value > best.value


class _Limited:
    """The shared counter as seen by a share that may take only ``takes`` more indices."""

    def __init__(self, shared: _Shared, takes: int):
        self.shared, self.takes = shared, takes

    def get_lock(self):
        return contextlib.nullcontext()

    @property
    def value(self) -> int:
        return self.shared.value if self.takes > 0 else keygen._NONE

    @value.setter
    def value(self, new: int) -> None:
        if self.takes > 0:
            self.takes -= 1
            self.shared.value = new


def test_an_error_in_this_process_ends_the_child():
    """An exception (here from the progress callback) ends the search; no child is left."""
    def progress(event):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        keygen.generate_private_key(2048, random=_stream(3), progress=progress, workers=2)
    assert multiprocessing.active_children() == []


def test_no_fork_while_other_threads_run(key_2048):
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert keygen._fork_context() is None
        key = keygen.generate_private_key(2048, random=_stream(2048))
    finally:
        stop.set()
        thread.join()
    assert _numbers(key) == _numbers(key_2048)


def test_step_5_4_close_primes_draw_q_again(monkeypatch):
    """|p - q| <= 2^(nlen/2 - 100): a new seed is drawn and q searched again."""
    real, found = keygen._find_prime, []

    def find_prime(seed, label, nlen, e, progress=None):
        prime = real(seed, label, nlen, e, progress)
        found.append((label, prime))
        return found[0][1] + 2 if len(found) == 2 else prime   # the first q: p + 2, too close

    monkeypatch.setattr(keygen, "_find_prime", find_prime)
    source = _Counting(54)
    key = keygen.generate_private_key(2048, random=source, workers=1)
    assert [label for label, _ in found] == [b"p", b"q", b"q"]
    assert source.requests == [48, 48, 48]
    _check_fips_186_5(key, 2048)


def test_small_private_exponent_means_new_primes(monkeypatch, key_2048):
    real, answers = keygen._private_exponent, []

    def private_exponent(p, q, e, half):
        answers.append(None if not answers else real(p, q, e, half))
        return answers[-1]

    monkeypatch.setattr(keygen, "_private_exponent", private_exponent)
    source = _Counting(2048)
    key = keygen.generate_private_key(2048, random=source, workers=1)
    assert source.requests == [48] * 4 and len(answers) == 2
    assert {key.p, key.q}.isdisjoint({key_2048.p, key_2048.q})


def test_private_exponent_bound():
    # p = 11, q = 13, e = 7: lcm(10, 12) = 60 and d = 43.
    assert keygen._private_exponent(11, 13, 7, 5) == 43      # 43 > 2^5
    assert keygen._private_exponent(11, 13, 7, 6) is None    # 43 <= 2^6


def test_candidate_limit_ends_a_hopeless_search(monkeypatch):
    monkeypatch.setattr(primes, "miller_rabin", lambda *args, **kwargs: False)
    with pytest.raises(InvalidValue, match="no prime found"):
        keygen._find_prime(bytes(48), b"p", 2048, 65537)


class _Replay:
    """A stand-in DRBG that returns chosen numbers."""

    def __init__(self, values: list[int], nbytes: int):
        self.chunks = [v.to_bytes(nbytes, "big") for v in values]

    def generate(self, nbytes: int) -> bytes:
        return self.chunks.pop(0)


def test_random_candidate_lower_bound_is_exact():
    """Step 4.4 on both sides of sqrt(2)·2^(half-1), and step 4.3 (even -> odd)."""
    half = 1024
    lower = math.isqrt(1 << (2 * half - 1)) + 1
    assert lower * lower > 1 << (2 * half - 1) >= (lower - 1) ** 2
    below = (lower - 1) | 1 if (lower - 1) % 2 else lower - 2     # the largest odd < lower
    above = lower | 1                                               # the least odd >= lower
    assert below < lower <= above and below * below < 1 << (2 * half - 1) < above * above
    drbg = _Replay([1 << (half - 1), below - 1, below, above - 1], half // 8)
    assert keygen._random_candidate(drbg, half, lower) == above
    drbg = keygen.HmacDrbg(bytes(48))
    for _ in range(50):
        x = keygen._random_candidate(drbg, half, lower)
        assert x % 2 == 1 and x.bit_length() == half and x * x > 1 << (2 * half - 1)
