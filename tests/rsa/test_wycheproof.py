"""Project Wycheproof's RSA vectors, read unchanged from ../shared/vectors (README.md there).

Every ``valid`` case must succeed and every ``invalid`` case must fail. Each ``acceptable`` case
is decided by :data:`ACCEPTABLE_DECISIONS` (keyed by Wycheproof flag) and the decision is checked
like any other expectation, so a change of behaviour fails. Cases this library does not support
are counted per file in :data:`UNSUPPORTED`, checked to fail in the documented way, and the count
is asserted, so it cannot grow silently.

Under the pure-Python backend (``X509CORE_BACKEND=python``, about ten times slower for private-key
operations) the private-key families run a deterministic subset: every 10th case of each file,
every ``acceptable`` case, and every non-valid case of one file per family (:func:`_selected`).
Public-key families always run in full.
"""

from __future__ import annotations

import base64
import functools
import json
import math
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import require_shared
from x509core.errors import InvalidSignature, InvalidValue, UnsupportedAlgorithm
from x509core import bignum as _mpz
from x509core.rsa import oaep, pkcs1, pss
from x509core.rsa.key import RSAPrivateKey, RSAPublicKey

VECTORS = Path(__file__).resolve().parents[2] / ".." / "shared" / "vectors" / "wycheproof" / "testvectors_v1"

HASHES = {"SHA-1": "sha1", "SHA-224": "sha224", "SHA-256": "sha256", "SHA-384": "sha384",
          "SHA-512": "sha512", "SHA-512/224": "sha512_224", "SHA-512/256": "sha512_256",
          "SHA3-224": "sha3_224", "SHA3-256": "sha3_256", "SHA3-384": "sha3_384",
          "SHA3-512": "sha3_512", "SHAKE128": "shake128", "SHAKE256": "shake256"}

# How each `acceptable` case is decided, by the Wycheproof flag that makes it acceptable.
ACCEPTABLE_DECISIONS = {
    # PKCS#1 v1.5 verify: a DigestInfo without the NULL parameters. Verification re-encodes the
    # one DER form of RFC 8017 §9.2 Note 1 (with NULL) and compares, so it is refused.
    "MissingNull": "invalid",
    # OAEP decrypt: a ciphertext representative 0 or 1 is in range (RFC 8017 §5.1.2) and decrypts
    # to a well-formed EM here; nothing singles it out, so it is accepted.
    "SmallIntegerCiphertext": "valid",
    # Signature generation with 1024- and 1536-bit keys: private keys of 1024 bits and more are
    # accepted (key.py, MIN_PRIVATE_MODULUS_BITS), so these sign, byte for byte.
    "SmallModulus": "valid",
    # Signature generation with e = 3: RFC 8017 §3.1 allows 3 <= e < n, so these sign.
    "SmallPublicKey": "valid",
    # Signature generation with SHA-1: refused by the signing policy (pkcs1.SIGNING_HASHES);
    # the expected signature is still checked to verify.
    "WeakHash": "verify-only",
}

# Files or cases that are not supported, and how many cases each holds.
UNSUPPORTED = {
    # RSASSA-PSS with SHAKE128/SHAKE256 as hash and as MGF (RFC 8702): UnsupportedAlgorithm.
    "rsa_pss_2048_shake128_test.json": 114,
    "rsa_pss_2048_shake256_test.json": 184,
    "rsa_pss_3072_shake128_test.json": 114,
    "rsa_pss_3072_shake256_test.json": 184,
    "rsa_pss_4096_shake256_test.json": 184,
    # Multi-prime RSA (otherPrimeInfos, RFC 8017 §3.2): RSAPrivateKey takes two primes only.
    "rsa_three_primes_oaep_2048_sha1_mgf1sha1_test.json": 36,
    "rsa_three_primes_oaep_3072_sha224_mgf1sha224_test.json": 38,
    "rsa_three_primes_oaep_4096_sha256_mgf1sha256_test.json": 36,
}

# Signature generation: the signing policy comes first. A case whose hash is not one of
# pkcs1.SIGNING_HASHES (here sha1 and sha224) is expected to be refused for signing
# (UnsupportedAlgorithm) and its expected signature to verify ("verify-only"), whatever its
# result. That overrides 8 `valid` sha224 cases (a deliberate deviation) and 32 `acceptable` ones.
POLICY_REFUSED = {
    "rsa_pkcs1_1024_sig_gen_test.json": {"acceptable": 16},   # sha1 and sha224
    "rsa_pkcs1_1536_sig_gen_test.json": {"acceptable": 8},    # sha224
    "rsa_pkcs1_2048_sig_gen_test.json": {"acceptable": 8, "valid": 8},   # sha1; sha224
}

# The one file per private-key family whose non-valid cases all run under the Python backend.
FULL_FILES = {"rsa_oaep_2048_sha256_mgf1sha256_test.json", "rsa_oaep_misc_test.json",
              "rsa_pkcs1_2048_test.json", "rsa_pkcs1_2048_sig_gen_test.json"}


def _files(pattern: str, count: int) -> list[str]:
    require_shared(VECTORS)
    names = sorted(p.name for p in VECTORS.glob(pattern))
    assert len(names) == count, f"{pattern}: expected {count} files, found {len(names)}"
    return names


SIGNATURE_FILES = _files("rsa_signature_*_test.json", 24)
PSS_FILES = _files("rsa_pss_*_test.json", 26)
OAEP_FILES = _files("rsa_oaep_*_test.json", 22) + _files("rsa_three_primes_oaep_*_test.json", 3)
PKCS1_DECRYPT_FILES = [n for n in _files("rsa_pkcs1_*_test.json", 8) if "sig_gen" not in n]
SIG_GEN_FILES = _files("rsa_pkcs1_*_sig_gen_test.json", 5)


def _load(name: str) -> dict:
    data = json.loads(require_shared(VECTORS / name).read_text())
    total = sum(len(group["tests"]) for group in data["testGroups"])
    assert total == data["numberOfTests"], f"{name}: {total} cases, header says {data['numberOfTests']}"
    return data


def _cases(data: dict, name: str, private: bool):
    """(group, test) pairs, all of them or the Python-backend subset (see the module docstring)."""
    index = 0
    for group in data["testGroups"]:
        for test in group["tests"]:
            if not private or _selected(name, index, test["result"]):
                yield group, test
            index += 1


def _selected(name: str, index: int, result: str) -> bool:
    if _mpz.BACKEND != "python":
        return True
    return index % 10 == 0 or result == "acceptable" or (result != "valid" and name in FULL_FILES)


def _expected(test: dict) -> str:
    """"valid" or "invalid" for the case, with `acceptable` decided by ACCEPTABLE_DECISIONS."""
    if test["result"] != "acceptable":
        return test["result"]
    decisions = {ACCEPTABLE_DECISIONS[f] for f in test["flags"] if f in ACCEPTABLE_DECISIONS}
    assert decisions, f"tcId {test['tcId']}: undecided acceptable case, flags {test['flags']}"
    return "verify-only" if "verify-only" in decisions else decisions.pop()


def _public_key(group: dict) -> RSAPublicKey:
    key = group["publicKey"]
    return RSAPublicKey(int(key["modulus"], 16), int(key["publicExponent"], 16))


def _b64int(text: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")


def _private_key(group: dict) -> RSAPrivateKey:
    """The group's key, made once per group (each test loads its own copy of the JSON)."""
    if "_x509core_key" not in group:
        group["_x509core_key"] = _make_private_key(group)
    return group["_x509core_key"]


def _make_private_key(group: dict) -> RSAPrivateKey:
    """From privateKeyJwk where there is one, else from the hex privateKey fields."""
    if "privateKeyJwk" in group:
        jwk = group["privateKeyJwk"]
        fields = {name: _b64int(jwk[name]) for name in ("n", "e", "d", "p", "q", "dp", "dq")}
        return RSAPrivateKey(**fields, qinv=_b64int(jwk["qi"]))
    key = group["privateKey"]
    n, e, d = (int(key[f], 16) for f in ("modulus", "publicExponent", "privateExponent"))
    if "prime1" not in key:                      # some sig-gen groups give only n, e, d
        return RSAPrivateKey.from_primes(*_recover_primes(n, e, d), e=e)
    p, q, dp, dq, qinv = (int(key[f], 16) for f in ("prime1", "prime2", "exponent1", "exponent2",
                                                      "coefficient"))
    return RSAPrivateKey(n=n, e=e, d=d, p=p, q=q, dp=dp, dq=dq, qinv=qinv)


def _recover_primes(n: int, e: int, d: int) -> tuple[int, int]:
    """p and q from (n, e, d). NIST SP 800-56B Rev. 2 Appendix C.2 (with small fixed bases)."""
    k = d * e - 1
    t = (k & -k).bit_length() - 1
    for g in range(2, 100):
        y = pow(g, k >> t, n)
        for _ in range(t):
            if y in (1, n - 1):                  # no nontrivial square root of 1 from this base
                break
            x = pow(y, 2, n)
            if x == 1:                           # y is a nontrivial square root of 1 mod n
                p = math.gcd(y - 1, n)
                return p, n // p
            y = x
    raise AssertionError("could not factor n from (n, e, d)")


def _check(failures: list, name: str, test: dict, expected: str, outcome: str) -> None:
    if outcome != expected:
        failures.append(f"{name} tcId {test['tcId']} ({test['comment']!r}, {test['flags']}): "
                        f"expected {expected}, got {outcome}")


def _report(failures: list, counts: Counter, record_property, name: str) -> None:
    record_property("cases", dict(counts))
    print(f"{name}: {dict(counts)}")
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:25])
    assert sum(counts.values()) > 0, f"{name}: no case ran"


# -- RSASSA-PKCS1-v1_5 verification ----------------------------------------------------------------

@pytest.mark.parametrize("name", SIGNATURE_FILES)
def test_pkcs1_v15_verify(name, record_property):
    failures, counts = [], Counter()
    for group, test in _cases(_load(name), name, private=False):
        key, hash_name = _public_key(group), HASHES[group["sha"]]
        try:
            pkcs1.verify(key, hash_name, bytes.fromhex(test["msg"]), bytes.fromhex(test["sig"]))
            outcome = "valid"
        except InvalidSignature as error:
            assert str(error) == "signature mismatch"
            outcome = "invalid"
        _check(failures, name, test, _expected(test), outcome)
        counts[test["result"]] += 1
    _report(failures, counts, record_property, name)


# -- RSASSA-PSS verification -----------------------------------------------------------------------

@pytest.mark.parametrize("name", PSS_FILES)
def test_pss_verify(name, record_property):
    failures, counts = [], Counter()
    for group, test in _cases(_load(name), name, private=False):
        if name in UNSUPPORTED:
            _check_pss_unsupported(group)
            counts["unsupported"] += 1
            continue
        assert group["mgf"] == "MGF1", name
        outcome = _pss_outcome(group, test, int(group["sLen"]))
        _check(failures, name, test, _expected(test), outcome)
        if outcome == "valid":                   # a valid signature also verifies with any salt length
            _check(failures, name + " (salt_length=None)", test, "valid", _pss_outcome(group, test, None))
        counts[test["result"]] += 1
    assert counts["unsupported"] == UNSUPPORTED.get(name, 0)
    _report(failures, counts, record_property, name)


def _pss_outcome(group: dict, test: dict, salt_length: int | None) -> str:
    try:
        pss.verify(_public_key(group), HASHES[group["sha"]], bytes.fromhex(test["msg"]),
                   bytes.fromhex(test["sig"]), salt_length=salt_length,
                   mgf1_hash_name=HASHES[group["mgfSha"]])
        return "valid"
    except InvalidSignature as error:
        assert str(error) == "signature mismatch"
        return "invalid"


def _check_pss_unsupported(group: dict) -> None:
    assert group["sha"].startswith("SHAKE") and group["mgf"].startswith("SHAKE")
    with pytest.raises(UnsupportedAlgorithm, match="SHAKE"):
        pss.verify(_public_key(group), HASHES[group["sha"]], b"", b"")


# -- RSAES-OAEP and RSAES-PKCS1-v1_5 decryption ----------------------------------------------------

@pytest.mark.parametrize("name", OAEP_FILES)
def test_oaep_decrypt(name, record_property):
    failures, counts, errors = [], Counter(), set()
    for group, test in _cases(_load(name), name, private=name not in UNSUPPORTED):
        if name in UNSUPPORTED:
            _check_multi_prime_unsupported(group)
            counts["unsupported"] += 1
            continue
        assert group["mgf"] == "MGF1", name
        options = {"hash_name": HASHES[group["sha"]], "mgf1_hash_name": HASHES[group["mgfSha"]],
                   "label": bytes.fromhex(test["label"])}
        key = _private_key(group)
        outcome = _decryption_outcome(functools.partial(oaep.decrypt, key, **options), test, errors)
        _check(failures, name, test, _expected(test), outcome)
        counts[test["result"]] += 1
    assert counts["unsupported"] == UNSUPPORTED.get(name, 0)
    assert len(errors) <= 1, f"distinguishable decryption errors: {errors}"
    _report(failures, counts, record_property, name)


def _check_multi_prime_unsupported(group: dict) -> None:
    key = group["privateKey"]
    assert key["otherPrimeInfos"], "expected a multi-prime key"
    fields = {f: int(key[w], 16) for f, w in (("n", "modulus"), ("e", "publicExponent"),
              ("d", "privateExponent"), ("p", "prime1"), ("q", "prime2"), ("dp", "exponent1"),
              ("dq", "exponent2"), ("qinv", "coefficient"))}
    with pytest.raises(InvalidValue, match="n != p\\*q"):
        RSAPrivateKey(**fields)


@pytest.mark.parametrize("name", PKCS1_DECRYPT_FILES)
def test_pkcs1_v15_decrypt(name, record_property):
    failures, counts, errors = [], Counter(), set()
    for group, test in _cases(_load(name), name, private=True):
        key = _private_key(group)
        outcome = _decryption_outcome(functools.partial(pkcs1.decrypt, key), test, errors)
        _check(failures, name, test, _expected(test), outcome)
        counts[test["result"]] += 1
    assert len(errors) <= 1, f"distinguishable decryption errors: {errors}"
    _report(failures, counts, record_property, name)


def _decryption_outcome(decrypt, test: dict, errors: set) -> str:
    """"valid" if decryption returns the expected message, "invalid" if it fails; every failure's
    (type, message) goes into ``errors``, which must hold one pair at most."""
    try:
        plaintext = decrypt(bytes.fromhex(test["ct"]))
    except InvalidValue as error:
        errors.add((type(error), str(error)))
        return "invalid"
    return "valid" if plaintext == bytes.fromhex(test["msg"]) else "wrong plaintext"


# -- RSASSA-PKCS1-v1_5 signature generation ---------------------------------------------------------

@pytest.mark.parametrize("name", SIG_GEN_FILES)
def test_pkcs1_v15_sign(name, record_property):
    failures, counts, refused = [], Counter(), Counter()
    for group, test in _cases(_load(name), name, private=True):
        key, hash_name = _private_key(group), HASHES[group["sha"]]
        message, expected_signature = bytes.fromhex(test["msg"]), bytes.fromhex(test["sig"])
        expected = _expected(test)
        if hash_name not in pkcs1.SIGNING_HASHES:
            outcome = _verify_only_outcome(key, hash_name, message, expected_signature)
            expected = "verify-only"
            refused[test["result"]] += 1
        else:
            outcome = "valid" if pkcs1.sign(key, hash_name, message) == expected_signature else "different"
        _check(failures, name, test, expected, outcome)
        counts[test["result"]] += 1
    expected_refused = Counter(POLICY_REFUSED.get(name, {}))
    if _mpz.BACKEND == "python":                 # a subset ran
        assert refused <= expected_refused, refused
    else:
        assert refused == expected_refused, refused
    record_property("policy_refused", dict(refused))
    _report(failures, counts, record_property, name)


def _verify_only_outcome(key: RSAPrivateKey, hash_name: str, message: bytes, signature: bytes) -> str:
    """"verify-only" if signing is refused by the policy and the expected signature verifies."""
    try:
        pkcs1.sign(key, hash_name, message)
        return "signed"
    except UnsupportedAlgorithm:
        pass
    pkcs1.verify(key.public_key(), hash_name, message, signature)
    return "verify-only"


# -- the unsupported cases, counted -------------------------------------------------------------------

def test_unsupported_cases_are_counted(record_property):
    counts = {name: _load(name)["numberOfTests"] for name in UNSUPPORTED}
    assert counts == UNSUPPORTED
    total = sum(counts.values())
    assert total == 890
    record_property("unsupported", counts)
    print(f"Wycheproof cases declared unsupported: {total}")
    for name, count in counts.items():
        print(f"  {name}: {count}")
    assert set(UNSUPPORTED) <= set(PSS_FILES) | set(OAEP_FILES)
