"""RSAPublicKey, RSAPrivateKey and the primitives of RFC 8017 §5 (x509core/rsa/key.py)."""

from __future__ import annotations

import dataclasses
import math

import pytest

from tests.rsa.keys_fixture import ALL_KEYS, RSA_2048, RSA_3072, numbers, private_key
from x509core.errors import InvalidValue, UnsupportedAlgorithm, X509CoreError
from x509core import bignum as _mpz
from x509core.rsa import key as key_module
from x509core.rsa.key import RSAPrivateKey, RSAPublicKey, rsadp, rsaep, rsasp1, rsavp1

KEY = private_key(RSA_2048)
PUB = KEY.public_key()


def _secret_texts(key: RSAPrivateKey) -> list[str]:
    """Every rendering of a secret that must never appear in a message or repr."""
    phi = (key.p - 1) * (key.q - 1)
    lam = math.lcm(key.p - 1, key.q - 1)
    texts = []
    for value in (key.p, key.q, key.d, key.dp, key.dq, key.qinv, phi, lam):
        for text in (str(value), format(value, "x"), format(value, "X")):
            texts += [text, text[:16], text[-16:]]
    return texts


def _assert_no_secret(text: str, key: RSAPrivateKey = KEY) -> None:
    leaked = [s for s in _secret_texts(key) if s in text]
    assert not leaked, f"secret material in {text!r}"


@pytest.fixture
def restore_backend():
    saved = _mpz.BACKEND
    yield
    _mpz.set_backend(saved)


# -- public keys ---------------------------------------------------------------------------------

def test_public_key_properties():
    assert PUB == RSAPublicKey(KEY.n, 65537)
    assert (PUB.n, PUB.e, PUB.key_size, PUB.size_in_bytes) == (KEY.n, 65537, 2048, 256)
    odd = private_key(ALL_KEYS["RSA_1025"]).public_key()
    assert (odd.key_size, odd.size_in_bytes) == (1025, 129)
    assert hash(PUB) == hash(RSAPublicKey(KEY.n, 65537))


def test_public_key_is_immutable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        PUB.e = 3  # type: ignore[misc]


@pytest.mark.parametrize("n, e, fragment", [
    ("even", 65537, "must be odd"),
    ("1023 bits", 65537, "1023 bits is outside"),
    ("16385 bits", 65537, "16385 bits is outside"),
    ("key", 65536, "public exponent"),
    ("key", 1, "public exponent"),
    ("key", -65537, "public exponent"),
    ("key", "n", "public exponent"),
    ("key", "n+2", "public exponent"),
])
def test_public_key_refused(n, e, fragment):
    moduli = {"even": KEY.n + 1, "1023 bits": (1 << 1022) + 1, "16385 bits": (1 << 16384) + 1,
              "key": KEY.n}
    modulus = moduli[n]
    exponent = {"n": KEY.n, "n+2": KEY.n + 2}.get(e, e)
    with pytest.raises(InvalidValue, match=fragment):
        RSAPublicKey(modulus, exponent)


def test_public_key_size_bounds_are_inclusive():
    assert RSAPublicKey((1 << 1023) + 1, 3).key_size == 1024
    assert RSAPublicKey((1 << 16383) + 1, 3).key_size == 16384


@pytest.mark.parametrize("n, e", [(1.0, 3), ("abc", 3), (True, 3), ("key", 3.0), ("key", True)])
def test_public_key_wrong_types(n, e):
    with pytest.raises(TypeError):
        RSAPublicKey(KEY.n if n == "key" else n, e)


def test_public_repr_is_short_and_public():
    text = repr(PUB)
    assert text.startswith("RSAPublicKey(key_size=2048, e=65537, n=0x913e1ff2")
    assert len(text) < 100


# -- private keys --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(ALL_KEYS))
def test_fixture_keys_load(name):
    key = private_key(ALL_KEYS[name])
    assert key.public_key() == RSAPublicKey(key.n, key.e)
    assert key.size_in_bytes == (key.key_size + 7) // 8


def test_from_primes_matches_the_generated_key():
    key = RSAPrivateKey.from_primes(KEY.p, KEY.q)
    assert (key.n, key.e, key.dp, key.dq, key.qinv) == (KEY.n, KEY.e, KEY.dp, KEY.dq, KEY.qinv)
    lam = math.lcm(KEY.p - 1, KEY.q - 1)
    assert key.d == pow(65537, -1, lam) and key.d % lam == KEY.d % lam
    assert RSAPrivateKey.from_primes(KEY.q, KEY.p).public_key() == PUB


def test_from_primes_refuses_bad_input():
    with pytest.raises(InvalidValue, match="distinct"):
        RSAPrivateKey.from_primes(KEY.p, KEY.p)
    with pytest.raises(InvalidValue, match="greater than 1"):
        RSAPrivateKey.from_primes(1, KEY.q)
    p, q = _primes_with_factor_of_three(KEY)
    with pytest.raises(InvalidValue, match="not invertible") as caught:
        RSAPrivateKey.from_primes(p, q, e=3)
    _assert_no_secret(str(caught.value))
    with pytest.raises(TypeError):
        RSAPrivateKey.from_primes(float(KEY.p), KEY.q)


def _primes_with_factor_of_three(key: RSAPrivateKey) -> tuple[int, int]:
    """The key's primes when 3 divides lambda(n) (true of the fixture, checked here)."""
    assert math.lcm(key.p - 1, key.q - 1) % 3 == 0
    return key.p, key.q


def test_private_key_is_keyword_only_and_immutable():
    with pytest.raises(TypeError):
        RSAPrivateKey(*numbers(RSA_2048).values())  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        KEY.d = 3  # type: ignore[misc]


def test_private_keys_compare_by_identity():
    assert KEY != private_key(RSA_2048)
    assert KEY == KEY


def _corrupt(field: str) -> dict[str, int]:
    values = numbers(RSA_2048)
    p, q, d = values["p"], values["q"], values["d"]
    changes = {
        "n": values["n"] + 2,
        "p": p + 2,
        "q": q + 2,
        "d": d + 2,
        "d_zero": 0,
        "d_too_big": d + values["n"],
        "dp": values["dp"] + 2,
        "dq": values["dq"] + 2,
        "dp_unreduced": values["dp"] + p - 1,
        "qinv": values["qinv"] + 1,
        "qinv_unreduced": values["qinv"] + p,
        "e": 65539,
    }
    values[field.split("_")[0]] = changes[field]
    return values


@pytest.mark.parametrize("field, fragment", [
    ("n", "n != p\\*q"), ("p", "n != p\\*q"), ("q", "n != p\\*q"),
    ("d", "e\\*d != 1"), ("d_zero", "e\\*d != 1"), ("d_too_big", "e\\*d != 1"),
    ("dp", "dP != d mod"), ("dq", "dQ != d mod"), ("dp_unreduced", "dP != d mod"),
    ("qinv", "qInv\\*q != 1"), ("qinv_unreduced", "qInv\\*q != 1"), ("e", "e\\*d != 1"),
])
def test_each_corrupted_component_is_refused(field, fragment):
    with pytest.raises(InvalidValue, match=fragment) as caught:
        RSAPrivateKey(**_corrupt(field))
    _assert_no_secret(str(caught.value))


def test_private_key_structural_refusals():
    values = numbers(RSA_2048)
    p = values["p"]
    with pytest.raises(InvalidValue, match="distinct") as caught:
        RSAPrivateKey(**{**values, "n": p * p, "q": p})
    _assert_no_secret(str(caught.value))
    with pytest.raises(InvalidValue, match="greater than 1"):
        RSAPrivateKey(**{**values, "p": 1, "q": values["n"]})
    with pytest.raises(InvalidValue, match="must be odd"):
        RSAPrivateKey(**{**values, "n": values["n"] * 2, "p": 2, "q": values["n"]})
    with pytest.raises(TypeError):
        RSAPrivateKey(**{**values, "d": str(values["d"])})
    with pytest.raises(TypeError):
        RSAPrivateKey(**{**values, "qinv": True})


def test_private_key_size_floor():
    # Two Mersenne primes make a 216-bit modulus: below the 1024-bit floor.
    with pytest.raises(InvalidValue, match="outside the accepted 1024..16384 bits"):
        RSAPrivateKey.from_primes(2 ** 127 - 1, 2 ** 89 - 1)


def test_private_repr_hides_secrets():
    for fixture in ALL_KEYS.values():
        key = private_key(fixture)
        for text in (repr(key), str(key), f"{key}"):
            assert "private values hidden" in text
            _assert_no_secret(text, key)


# -- primitives and their range checks (RFC 8017 §5.1.1, §5.1.2, §5.2.1, §5.2.2) -----------------

def test_primitives_round_trip_against_plain_pow():
    for m in (0, 1, 2, 12345678901234567890, KEY.n - 1):
        c = rsaep(PUB, m)
        assert c == pow(m, KEY.e, KEY.n)
        assert rsadp(KEY, c) == m
        s = rsasp1(KEY, m)
        assert s == pow(m, KEY.d, KEY.n)
        assert rsavp1(PUB, s) == m


@pytest.mark.parametrize("primitive, which, message", [
    (rsaep, "public", "message representative out of range"),
    (rsadp, "private", "ciphertext representative out of range"),
    (rsasp1, "private", "message representative out of range"),
    (rsavp1, "public", "signature representative out of range"),
])
@pytest.mark.parametrize("value", ["n", "n+1", "-1"])
def test_primitive_range_checks(primitive, which, message, value):
    key = KEY if which == "private" else PUB
    x = {"n": KEY.n, "n+1": KEY.n + 1, "-1": -1}[value]
    with pytest.raises(InvalidValue, match=message):
        primitive(key, x)
    with pytest.raises(TypeError):
        primitive(key, float(1))


def test_backends_agree(restore_backend):
    results = {}
    for backend in _mpz.available_backends():
        _mpz.set_backend(backend)
        results[backend] = (rsasp1(KEY, 42), rsadp(KEY, rsaep(PUB, 43)), KEY.sign(b"m"))
    assert len(set(results.values())) == 1, results
    assert results[_mpz.BACKEND][1] == 43


# -- fault check (Boneh-DeMillo-Lipton, Lenstra) --------------------------------------------------

def _faulty_powmod_sec(monkeypatch, key: RSAPrivateKey, modulus: int) -> None:
    """A wrong result for the half modulo ``modulus``, whether the halves run one by one
    (powmod_sec) or at once (powmod_sec_pair, what the CRT calls)."""
    real, real_pair = _mpz.powmod_sec, _mpz.powmod_sec_pair

    def faulty(base, exponent, mod):
        result = real(base, exponent, mod)
        return (result + 1) % mod if mod == modulus else result

    def faulty_pair(first, second):
        results = real_pair(first, second)
        return tuple((r + 1) % h[2] if h[2] == modulus else r
                     for r, h in zip(results, (first, second)))
    monkeypatch.setattr(_mpz, "powmod_sec", faulty)
    monkeypatch.setattr(_mpz, "powmod_sec_pair", faulty_pair)


@pytest.mark.parametrize("half", ["p", "q"])
@pytest.mark.parametrize("operation", ["rsasp1", "rsadp", "sign", "decrypt"])
def test_fault_in_one_crt_half_is_refused(monkeypatch, half, operation):
    ciphertext = PUB.encrypt(b"secret")
    _faulty_powmod_sec(monkeypatch, KEY, getattr(KEY, half))
    calls = {"rsasp1": lambda: rsasp1(KEY, 42), "rsadp": lambda: rsadp(KEY, 42),
             "sign": lambda: KEY.sign(b"message"), "decrypt": lambda: KEY.decrypt(ciphertext)}
    with pytest.raises(InvalidValue, match="consistency check \\(possible fault\\)") as caught:
        calls[operation]()
    assert isinstance(caught.value, X509CoreError)
    _assert_no_secret(str(caught.value))


def test_the_fault_check_prevents_a_factoring_leak(monkeypatch):
    # What the check withholds: with a faulty p-half, gcd(s^e - m, n) = q (Boneh-DeMillo-Lipton).
    _faulty_powmod_sec(monkeypatch, KEY, KEY.p)
    m = 123456789
    faulty_s = key_module._crt(KEY, m)
    assert math.gcd(pow(faulty_s, KEY.e, KEY.n) - m, KEY.n) == KEY.q
    with pytest.raises(InvalidValue, match="possible fault"):
        rsasp1(KEY, m)


def test_unfaulted_operation_passes_the_check(monkeypatch):
    checks = []
    real = _mpz.powmod

    def spy(base, exponent, modulus):
        checks.append((exponent, modulus))
        return real(base, exponent, modulus)
    monkeypatch.setattr(_mpz, "powmod", spy)
    assert rsasp1(KEY, 7) == pow(7, KEY.d, KEY.n)
    assert checks == [(KEY.e, KEY.n), (KEY.e, KEY.n)]    # r^e for blinding, then the fault check


# -- blinding ------------------------------------------------------------------------------------

def _record_powmod_sec(monkeypatch) -> list[tuple[int, int, int]]:
    """The (base, exponent, modulus) of every secret exponentiation, the CRT's pair included."""
    calls = []
    real, real_pair = _mpz.powmod_sec, _mpz.powmod_sec_pair

    def spy(base, exponent, modulus):
        calls.append((base, exponent, modulus))
        return real(base, exponent, modulus)

    def spy_pair(first, second):
        calls.extend((first, second))
        return real_pair(first, second)
    monkeypatch.setattr(_mpz, "powmod_sec", spy)
    monkeypatch.setattr(_mpz, "powmod_sec_pair", spy_pair)
    return calls


def test_blinding_feeds_the_exponentiations_a_blinded_base(monkeypatch):
    r = 0xB11D_F00D_1234_5678_9ABC_DEF0
    draws = []
    monkeypatch.setattr(key_module, "_random_below", lambda bound: draws.append(bound) or r - 2)
    calls = _record_powmod_sec(monkeypatch)
    x = 0xC0FFEE
    assert rsasp1(KEY, x) == pow(x, KEY.d, KEY.n)
    assert draws == [KEY.n - 2]                        # r uniform in [2, n-1]
    blinded = x * pow(r, KEY.e, KEY.n) % KEY.n
    assert calls == [(blinded % KEY.p, KEY.dp, KEY.p), (blinded % KEY.q, KEY.dq, KEY.q)]
    assert calls[0][0] != x % KEY.p and calls[1][0] != x % KEY.q


def test_blinding_draws_a_fresh_factor_each_operation(monkeypatch):
    calls = _record_powmod_sec(monkeypatch)
    draws = []
    real = key_module._random_below
    monkeypatch.setattr(key_module, "_random_below", lambda bound: draws.append(real(bound)) or draws[-1])
    first, second = rsasp1(KEY, 99), rsasp1(KEY, 99)
    assert first == second == pow(99, KEY.d, KEY.n)
    assert len(draws) == 2 and draws[0] != draws[1]
    assert calls[0][0] != calls[2][0]                  # same input, different blinded bases
    assert all(2 <= r + 2 <= KEY.n - 1 for r in draws)


def test_blinding_factor_not_prime_to_n_is_redrawn(monkeypatch):
    draws = iter([KEY.p - 2, 5 - 2])                   # first r = p (gcd(r, n) = p), then r = 5
    monkeypatch.setattr(key_module, "_random_below", lambda bound: next(draws))
    calls = _record_powmod_sec(monkeypatch)
    assert rsasp1(KEY, 10) == pow(10, KEY.d, KEY.n)
    assert calls[0][0] == 10 * pow(5, KEY.e, KEY.n) % KEY.n % KEY.p


def test_blinding_handles_zero_and_one():
    assert rsadp(KEY, 0) == 0 and rsadp(KEY, 1) == 1


# -- the key methods dispatch to the padding modules --------------------------------------------

def test_methods_round_trip():
    key3072 = private_key(RSA_3072)
    for key in (KEY, key3072):
        pub = key.public_key()
        for padding in ("pkcs1v15", "pss"):
            pub.verify(key.sign(b"abc", "sha384", padding), b"abc", "sha384", padding)
        assert key.decrypt(pub.encrypt(b"abc")) == b"abc"
        assert key.decrypt(pub.encrypt(b"abc", "pkcs1v15"), "pkcs1v15") == b"abc"
        label = b"the label"
        assert key.decrypt(pub.encrypt(b"x", "oaep", "sha512", label, mgf1_hash_name="sha1"),
                           "oaep", "sha512", label, mgf1_hash_name="sha1") == b"x"


def test_methods_refuse_unknown_padding_and_misplaced_options():
    with pytest.raises(UnsupportedAlgorithm, match="padding 'oaep'"):
        KEY.sign(b"m", padding="oaep")
    with pytest.raises(UnsupportedAlgorithm, match="padding 'pss'"):
        PUB.encrypt(b"m", padding="pss")
    with pytest.raises(UnsupportedAlgorithm):
        PUB.verify(b"s", b"m", padding="raw")
    with pytest.raises(UnsupportedAlgorithm):
        KEY.decrypt(b"c", padding="none")
    with pytest.raises(InvalidValue, match="PSS padding only"):
        KEY.sign(b"m", salt_length=20)
    with pytest.raises(InvalidValue, match="PSS padding only"):
        PUB.verify(b"s", b"m", mgf1_hash_name="sha1")
    with pytest.raises(InvalidValue, match="OAEP padding only"):
        PUB.encrypt(b"m", padding="pkcs1v15", label=b"L")
    with pytest.raises(InvalidValue, match="OAEP padding only"):
        KEY.decrypt(b"c", padding="pkcs1v15", mgf1_hash_name="sha1")


@pytest.mark.parametrize("padding", ["pkcs1v15", "pss"])
@pytest.mark.parametrize("hash_name", ["sha1", "sha224", "sha512_256", "sha3_256"])
def test_sign_with_verify_only_hashes_is_refused(padding, hash_name):
    with pytest.raises(UnsupportedAlgorithm, match=f"signing with {hash_name} is refused"):
        KEY.sign(b"m", hash_name, padding)


def test_repr_of_a_key_with_a_huge_exponent():
    """repr printed e in decimal: above 4300 digits Python refuses (issue 16 item 8)."""
    key = RSAPublicKey.unchecked((1 << 16383) | 1, (1 << 16382) + 1)
    assert "e=0x40000000...00000001" in repr(key)
