"""Point encoding and decoding (SEC 1 §2.3.3, §2.3.4) and public-key validation (NIST SP 800-56A
Rev. 3 §5.6.2.3.3), against pyca/cryptography's encodings of the same points."""

from __future__ import annotations

import random
import re

import pytest
from cryptography.hazmat.primitives.asymmetric import ec as pyca_ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, strategies as st

from x509core.ec.arithmetic import scalar_mult
from x509core.ec.curves import P256, P384, P521
from x509core.ec.point import decode_point, decompress_y, encode_point, validate_public_point
from x509core.errors import InvalidValue

CURVES = [P256, P384, P521]
PYCA = {P256: pyca_ec.SECP256R1(), P384: pyca_ec.SECP384R1(), P521: pyca_ec.SECP521R1()}


def _pyca_key(curve, rng):
    return pyca_ec.derive_private_key(rng.randrange(1, curve.n), PYCA[curve]).public_key()


@pytest.mark.parametrize("curve", CURVES, ids=lambda c: c.nist_name)
def test_pyca_points_decode_and_encode_byte_for_byte(curve):
    rng = random.Random(f"points {curve.nist_name}")
    for _ in range(40):
        key = _pyca_key(curve, rng)
        numbers = key.public_numbers()
        uncompressed = key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        compressed = key.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
        assert decode_point(curve, uncompressed) == (numbers.x, numbers.y)
        assert decode_point(curve, compressed) == (numbers.x, numbers.y)
        assert encode_point(curve, numbers.x, numbers.y) == uncompressed
        assert encode_point(curve, numbers.x, numbers.y, compressed=True) == compressed


@given(curve=st.sampled_from(CURVES), k=st.integers(1, 2 ** 64), compressed=st.booleans())
def test_encode_decode_round_trip(curve, k, compressed):
    x, y = scalar_mult(curve, k, curve.gx, curve.gy)
    data = encode_point(curve, x, y, compressed=compressed)
    assert len(data) == (curve.field_size + 1 if compressed else 2 * curve.field_size + 1)
    assert decode_point(curve, data) == (x, y)


def _refusals(curve):
    """(name, encoded point, the words the error must hold), built from the generator G."""
    m, p = curve.field_size, curve.p
    x, y = curve.gx.to_bytes(m, "big"), curve.gy.to_bytes(m, "big")
    big = lambda v: v.to_bytes(m, "big")
    non_square_x = next(v for v in range(1, 1000)
                        if pow((v ** 3 + curve.a * v + curve.b) % p, (p - 1) // 2, p) != 1)
    return [
        ("infinity", b"\x00", "point at infinity"),
        ("hybrid 06", b"\x06" + x + y, "hybrid"),
        ("hybrid 07", b"\x07" + x + y, "hybrid"),
        ("empty", b"", "empty"),
        ("unknown form 05", b"\x05" + x + y, "unknown point encoding 0x05"),
        ("uncompressed too short", b"\x04" + x + y[:-1], "must be"),
        ("uncompressed too long", b"\x04" + x + y + b"\x00", "must be"),
        ("compressed too long", b"\x02" + x + b"\x00", "must be"),
        ("uncompressed as compressed", b"\x02" + x + y, "must be"),
        ("x = p", b"\x04" + big(p) + y, "not in [0, p - 1]"),
        ("y = p", b"\x04" + x + big(p), "not in [0, p - 1]"),
        ("compressed x = p", b"\x02" + big(p), "not in [0, p - 1]"),
        ("off the curve", b"\x04" + x + big((curve.gy + 1) % p), "not on the curve"),
        ("(0, 0)", b"\x04" + big(0) + big(0), "not on the curve"),
        ("compressed, no square root", b"\x02" + big(non_square_x), "not the x-coordinate"),
    ]


@pytest.mark.parametrize("curve", CURVES, ids=lambda c: c.nist_name)
def test_refused_encodings(curve):
    for name, data, words in _refusals(curve):
        with pytest.raises(InvalidValue, match=re.escape(words)):
            decode_point(curve, data)


def test_out_of_range_coordinate_that_reduces_to_a_curve_point():
    # P-521's 66-octet field elements hold x + p: reduced mod p it is G's x, but SP 800-56A
    # Rev. 3 §5.6.2.3.3 step 2 refuses any coordinate outside [0, p - 1].
    c = P521
    data = b"\x04" + (c.gx + c.p).to_bytes(66, "big") + c.gy.to_bytes(66, "big")
    with pytest.raises(InvalidValue, match=r"§5\.6\.2\.3\.3 step 2"):
        decode_point(c, data)
    with pytest.raises(InvalidValue, match="step 2"):
        validate_public_point(c, c.gx, c.gy + c.p)


def test_pyca_refuses_what_we_refuse():
    # The same points through pyca/cryptography (OpenSSL): it refuses them too.
    for name, data, _ in _refusals(P256):
        if name in ("empty",):
            continue
        with pytest.raises(ValueError):
            pyca_ec.EllipticCurvePublicKey.from_encoded_point(pyca_ec.SECP256R1(), data)


@pytest.mark.parametrize("curve", CURVES, ids=lambda c: c.nist_name)
def test_decompress_picks_the_parity(curve):
    y_even = decompress_y(curve, curve.gx, 0)
    y_odd = decompress_y(curve, curve.gx, 1)
    assert y_even % 2 == 0 and y_odd % 2 == 1 and y_even + y_odd == curve.p
    assert curve.gy in (y_even, y_odd)


def test_validation_types():
    with pytest.raises(TypeError):
        validate_public_point(P256, float(P256.gx), P256.gy)
    with pytest.raises(TypeError):
        validate_public_point(P256, True, P256.gy)
    with pytest.raises(TypeError):
        decode_point(P256, "04")
