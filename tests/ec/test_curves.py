"""The curve parameters against OpenSSL's, and the curve lookups by OID and by name."""

from __future__ import annotations

import subprocess

import pytest

from x509core import der
from x509core.der import Writer
from x509core.ec import arithmetic, curves
from x509core.ec.algorithms import write_ec_parameters
from x509core.ec.curves import P256, P384, P521, curve_by_name, curve_for_oid
from x509core.errors import UnsupportedAlgorithm

OPENSSL_NAMES = {P256: "prime256v1", P384: "secp384r1", P521: "secp521r1"}


def _ecparam(openssl: str, name: str, *args: str) -> bytes:
    done = subprocess.run([openssl, "ecparam", "-name", name, "-outform", "DER", *args],
                          capture_output=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("curve", [P256, P384, P521], ids=lambda c: c.nist_name)
def test_parameters_equal_openssl_explicit_parameters(openssl, curve):
    # SEC 1 §C.2 ECParameters: version, fieldID {prime-field, p}, curve {a, b, seed}, base,
    # order, cofactor — as `openssl ecparam -param_enc explicit` writes them.
    tree = der.decode(_ecparam(openssl, OPENSSL_NAMES[curve], "-param_enc", "explicit"))
    version, (field_type, p), curve_ab, base, order, cofactor = tree
    assert (version, field_type) == (1, "1.2.840.10045.1.1")          # prime-field
    a, b = (int.from_bytes(v, "big") for v in curve_ab[:2])
    mlen = curve.field_size
    assert base == b"\x04" + curve.gx.to_bytes(mlen, "big") + curve.gy.to_bytes(mlen, "big")
    assert (p, a, b, order, cofactor) == (curve.p, curve.a, curve.b, curve.n, curve.h)


@pytest.mark.parametrize("curve", [P256, P384, P521], ids=lambda c: c.nist_name)
def test_named_curve_oid_encodes_as_openssl_writes_it(openssl, curve):
    w = Writer()
    write_ec_parameters(w, curve)
    assert w.to_bytes() == _ecparam(openssl, OPENSSL_NAMES[curve])
    assert curve.name == OPENSSL_NAMES[curve]


@pytest.mark.parametrize("curve", [P256, P384, P521], ids=lambda c: c.nist_name)
def test_what_the_arithmetic_relies_on(curve):
    # a = -3 (the doubling formula), p = 3 mod 4 (square roots), n < p < 2n (the final check of
    # ecdsa.verify_digest tries r and r + n only), h = 1 (no n*Q check needed, point.py).
    assert curve.a == curve.p - 3 and curve.p % 4 == 3 and curve.h == 1
    assert curve.n < curve.p < 2 * curve.n
    assert (curve.gy ** 2 - curve.gx ** 3 - curve.a * curve.gx - curve.b) % curve.p == 0
    assert arithmetic.scalar_mult(curve, curve.n, curve.gx, curve.gy) is None    # n*G = O
    assert arithmetic.scalar_mult(curve, curve.n + 1, curve.gx, curve.gy) == (curve.gx, curve.gy)
    assert curve.key_size == {256: 256, 384: 384, 521: 521}[curve.n.bit_length()]
    assert curve.order_size == curve.field_size == (curve.key_size + 7) // 8


def test_lookup_by_oid_and_name():
    assert curve_for_oid("1.2.840.10045.3.1.7") is P256
    assert curve_for_oid("1.3.132.0.34") is P384
    assert curve_for_oid("1.3.132.0.35") is P521
    for curve in (P256, P384, P521):
        for name in (curve.name, curve.nist_name, curve.sec_name, curve.nist_name.lower()):
            assert curve_by_name(name) is curve
    assert curves.OID_EC_PUBLIC_KEY == "1.2.840.10045.2.1"


@pytest.mark.parametrize("oid, expected", [
    ("1.3.132.0.10", "unsupported named curve secp256k1 (1.3.132.0.10)"),
    ("1.2.840.10045.3.1.1", "unsupported named curve secp192r1 (1.2.840.10045.3.1.1)"),
    ("1.3.36.3.3.2.8.1.1.7", "unsupported named curve brainpoolP256r1 (1.3.36.3.3.2.8.1.1.7)"),
    ("1.2.3.4", "unsupported named curve 1.2.3.4"),
])
def test_unknown_curves_are_named_in_the_refusal(oid, expected):
    with pytest.raises(UnsupportedAlgorithm, match=expected.replace("(", r"\(").replace(")", r"\)")):
        curve_for_oid(oid)


def test_unknown_curve_name():
    with pytest.raises(UnsupportedAlgorithm, match="secp256k1"):
        curve_by_name("secp256k1")
    with pytest.raises(TypeError):
        curve_by_name(256)
