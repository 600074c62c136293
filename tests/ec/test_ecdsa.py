"""ECDSA verification (FIPS 186-5 §6.4.2) with pyca/cryptography as the oracle: what it signs
verifies here, in both encodings; what is tampered with is refused, always with one message."""

from __future__ import annotations

import hashlib
import random

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec as pyca_ec
from cryptography.hazmat.primitives.asymmetric.utils import (Prehashed, decode_dss_signature,
                                                             encode_dss_signature)
from cryptography.exceptions import InvalidSignature as PycaInvalidSignature

from x509core.ec import ecdsa
from x509core.ec.arithmetic import mul_add, scalar_mult, to_affine
from x509core.ec.curves import P256, P384, P521
from x509core.ec.key import ECPublicKey
from x509core.ec.point import decompress_y
from x509core.errors import InvalidSignature, InvalidValue, UnsupportedAlgorithm

CURVES = [P256, P384, P521]
PYCA = {P256: pyca_ec.SECP256R1(), P384: pyca_ec.SECP384R1(), P521: pyca_ec.SECP521R1()}
PYCA_HASHES = {"sha224": hashes.SHA224(), "sha256": hashes.SHA256(), "sha384": hashes.SHA384(),
               "sha512": hashes.SHA512(), "sha3_256": hashes.SHA3_256(),
               "sha3_512": hashes.SHA3_512(), "sha1": hashes.SHA1()}
MISMATCH = "signature mismatch"


def _pair(curve, rng):
    private = pyca_ec.derive_private_key(rng.randrange(1, curve.n), PYCA[curve])
    numbers = private.public_key().public_numbers()
    return private, ECPublicKey(curve, numbers.x, numbers.y)


def _p1363(curve, der_signature):
    r, s = decode_dss_signature(der_signature)
    return ecdsa.encode_p1363_signature(curve, r, s)


def _refused(key, signature, message, hash_name, encoding="der"):
    with pytest.raises(InvalidSignature) as info:
        key.verify(signature, message, hash_name, encoding=encoding)
    assert str(info.value) == MISMATCH                     # never says why


# Every curve with its own hash, and the truncation cases of FIPS 186-5 §6.4.2 step 3: a hash
# longer than n (P-256 with SHA-512: cut to 256 bits), shorter (P-521 with SHA-256, P-384 with
# SHA-256: used whole), and P-521 with SHA-512 (512 < 521 bits: used whole, not cut to octets).
COMBINATIONS = [(P256, "sha256"), (P256, "sha512"), (P256, "sha3_256"), (P256, "sha1"),
                (P384, "sha384"), (P384, "sha256"), (P384, "sha512"), (P384, "sha224"),
                (P521, "sha512"), (P521, "sha256"), (P521, "sha3_512")]


@pytest.mark.parametrize("curve, hash_name", COMBINATIONS, ids=lambda v: getattr(v, "nist_name", v))
def test_pyca_signatures_verify_and_tampered_ones_do_not(curve, hash_name):
    rng = random.Random(f"ecdsa {curve.nist_name} {hash_name}")
    for _ in range(6):
        private, key = _pair(curve, rng)
        message = rng.randbytes(rng.randrange(0, 200))
        der_signature = private.sign(message, pyca_ec.ECDSA(PYCA_HASHES[hash_name]))
        key.verify(der_signature, message, hash_name)
        key.verify(_p1363(curve, der_signature), message, hash_name, encoding="p1363")
        key.verify_digest(hashlib.new(hash_name, message).digest(), der_signature)
        r, s = decode_dss_signature(der_signature)
        _refused(key, der_signature, message + b"\x00", hash_name)
        _refused(key, encode_dss_signature(r ^ 1, s), message, hash_name)
        _refused(key, encode_dss_signature(r, s ^ 4), message, hash_name)
        _refused(key, encode_dss_signature(s, r), message, hash_name)
        _refused(key, der_signature, message, "sha384" if hash_name != "sha384" else "sha256")
        _refused(key, _p1363(curve, der_signature)[::-1], message, hash_name, "p1363")
        other = _pair(curve, rng)[1]
        _refused(other, der_signature, message, hash_name)


@pytest.mark.parametrize("curve", CURVES, ids=lambda c: c.nist_name)
def test_what_x509core_accepts_pyca_accepts(curve):
    # The other direction on the same inputs: the malleated (r, n - s) is valid ECDSA (FIPS
    # 186-5 has no low-s rule), and both libraries accept it; a changed r is refused by both.
    rng = random.Random(f"other way {curve.nist_name}")
    private, key = _pair(curve, rng)
    message = b"C-STORE request from CT01"
    r, s = decode_dss_signature(private.sign(message, pyca_ec.ECDSA(hashes.SHA256())))
    for candidate, ok in ((encode_dss_signature(r, curve.n - s), True),
                          (encode_dss_signature(r, (s + 1) % curve.n), False)):
        pyca_ok = _pyca_accepts(private.public_key(), candidate, message)
        assert pyca_ok is ok
        if ok:
            key.verify(candidate, message)
        else:
            _refused(key, candidate, message, "sha256")


def _pyca_accepts(public, signature, message):
    try:
        public.verify(signature, message, pyca_ec.ECDSA(hashes.SHA256()))
        return True
    except PycaInvalidSignature:
        return False


def _forged_with_large_x(curve, e):
    """A public key Q and a signature (r, s) on digest-integer e whose point R = u1 G + u2 Q has
    x_R >= n, so that r = x_R - n: the case where the final check must also try r + n
    (Wycheproof builds its "r + n" cases the same way): pick R, then Q = (R - u1 G) / u2."""
    p, n = curve.p, curve.n
    x = next(v for v in range(n + 1, p) if pow((v ** 3 + curve.a * v + curve.b) % p, (p - 1) // 2, p) == 1)
    rx, ry = x, decompress_y(curve, x, 0)
    r, s = x - n, 0x1234567
    w = pow(s, -1, n)
    u1, u2 = e * w % n, r * w % n
    r_minus_u1_g = to_affine(*mul_add(curve, n - u1, 1, rx, ry), p)
    q = scalar_mult(curve, pow(u2, -1, n), *r_minus_u1_g)
    return ECPublicKey(curve, *q), r, s


@pytest.mark.parametrize("curve", CURVES, ids=lambda c: c.nist_name)
def test_r_plus_n_branch_of_the_final_check(curve):
    digest = hashlib.sha256(b"large x").digest()
    e = ecdsa.hash_to_integer(curve, digest)
    key, r, s = _forged_with_large_x(curve, e)
    signature = ecdsa.encode_der_signature(r, s)
    key.verify_digest(digest, signature)
    pyca_key = pyca_ec.EllipticCurvePublicNumbers(key.x, key.y, PYCA[curve]).public_key()
    pyca_key.verify(signature, digest, pyca_ec.ECDSA(Prehashed(hashes.SHA256())))   # oracle agrees
    # r + n itself (= x_R) is out of range: refused by step 1 even though x_R matches.
    with pytest.raises(InvalidSignature):
        key.verify_digest(digest, ecdsa.encode_der_signature(r + curve.n, s))


def test_hash_to_integer_takes_leftmost_bits():
    h = bytes(range(64))                                                  # 512 bits
    assert ecdsa.hash_to_integer(P521, h) == int.from_bytes(h, "big")     # 512 <= 521: whole
    assert ecdsa.hash_to_integer(P256, h) == int.from_bytes(h[:32], "big")
    assert ecdsa.hash_to_integer(P384, h[:32]) == int.from_bytes(h[:32], "big")
    h66 = b"\xff" * 66                                                    # 528 bits on P-521
    assert ecdsa.hash_to_integer(P521, h66) == (1 << 521) - 1             # leftmost 521 bits


def _der(hex_text):
    return bytes.fromhex(hex_text.replace(" ", ""))


# Ecdsa-Sig-Value encodings the strict DER reader refuses (X.690 §10, §8.3.2), and values out of
# range (FIPS 186-5 §6.4.2 step 1); r = s = 1 is a well-formed, in-range, wrong signature.
MALFORMED = [
    ("non-minimal INTEGER", "30 07 02 02 00 01 02 01 01"),
    ("non-minimal length", "30 81 06 02 01 01 02 01 01"),
    ("indefinite length", "30 80 02 01 01 02 01 01 00 00"),
    ("trailing bytes", "30 06 02 01 01 02 01 01 00"),
    ("extra field", "30 09 02 01 01 02 01 01 02 01 01"),
    ("missing s", "30 03 02 01 01"),
    ("wrong outer tag", "31 06 02 01 01 02 01 01"),
    ("s as OCTET STRING", "30 06 02 01 01 04 01 01"),
    ("empty", ""),
    ("negative r", "30 06 02 01 ff 02 01 01"),
    ("r = 0", "30 06 02 01 00 02 01 01"),
    ("s = 0", "30 06 02 01 01 02 01 00"),
    ("in range, wrong", "30 06 02 01 01 02 01 01"),
]


@pytest.mark.parametrize("name, hex_text", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_der_signatures_are_invalid(name, hex_text):
    private, key = _pair(P256, random.Random(name))
    _refused(key, _der(hex_text), b"message", "sha256")


@pytest.mark.parametrize("curve", CURVES, ids=lambda c: c.nist_name)
def test_range_checks(curve):
    private, key = _pair(curve, random.Random("range"))
    message = b"range"
    r, s = decode_dss_signature(private.sign(message, pyca_ec.ECDSA(hashes.SHA256())))
    for bad_r, bad_s in ((r + curve.n, s), (r, s + curve.n), (curve.n, s), (r, curve.n),
                         (r - curve.n, s), (0, s)):
        _refused(key, ecdsa.encode_der_signature(bad_r, bad_s), message, "sha256")


@pytest.mark.parametrize("curve", CURVES, ids=lambda c: c.nist_name)
def test_p1363_needs_exactly_two_order_sized_halves(curve):
    private, key = _pair(curve, random.Random("p1363"))
    message = b"JOSE"
    fixed = _p1363(curve, private.sign(message, pyca_ec.ECDSA(hashes.SHA256())))
    assert len(fixed) == 2 * {P256: 32, P384: 48, P521: 66}[curve]        # RFC 7518 §3.4
    key.verify(fixed, message, encoding="p1363")
    for bad in (fixed[:-1], b"\x00" + fixed, fixed + b"\x00", b""):
        _refused(key, bad, message, "sha256", "p1363")
    n = curve.n.to_bytes(curve.order_size, "big")
    _refused(key, n + fixed[curve.order_size:], message, "sha256", "p1363")   # r = n


def test_argument_errors():
    key = ECPublicKey(P256, P256.gx, P256.gy)
    with pytest.raises(InvalidValue, match="encoding"):
        key.verify(b"", b"m", encoding="raw")
    with pytest.raises(UnsupportedAlgorithm, match="unknown hash"):
        key.verify(b"", b"m", "md17")
    with pytest.raises(UnsupportedAlgorithm, match="fixed output length"):
        key.verify(b"", b"m", "shake_256")
    with pytest.raises(TypeError):
        key.verify("30", b"m")
    with pytest.raises(TypeError):
        key.verify(b"", "m")
    with pytest.raises(InvalidValue):
        ecdsa.encode_p1363_signature(P256, 0, 1)
