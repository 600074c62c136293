"""SubjectPublicKeyInfo for id-ecPublicKey (RFC 5480 §2): byte-identical to pyca/cryptography's,
refusals with the offset of the faulty field."""

from __future__ import annotations

import random

import pytest
from cryptography.hazmat.primitives.asymmetric import ec as pyca_ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, strategies as st

from x509core.der import Reader, Writer
from x509core.ec import keys
from x509core.ec.curves import P256, P384, P521
from x509core.ec.key import ECPublicKey
from x509core.errors import DecodeError, InvalidEncodedValue, UnsupportedAlgorithm, X509CoreError

PYCA = {P256: pyca_ec.SECP256R1(), P384: pyca_ec.SECP384R1(), P521: pyca_ec.SECP521R1()}


@pytest.mark.parametrize("curve", [P256, P384, P521], ids=lambda c: c.nist_name)
def test_spki_round_trip_with_pyca(curve):
    rng = random.Random(f"spki {curve.nist_name}")
    for _ in range(10):
        public = pyca_ec.derive_private_key(rng.randrange(1, curve.n), PYCA[curve]).public_key()
        der = public.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        pem = public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
        key = keys.load_der_public_key(der)
        numbers = public.public_numbers()
        assert (key.curve, key.x, key.y) == (curve, numbers.x, numbers.y)
        assert keys.load_pem_public_key(pem) == key
        assert keys.public_key_to_der(key) == der
        assert keys.public_key_to_pem(key).encode() == pem
        compressed = keys.public_key_to_der(key, compressed=True)
        assert keys.load_der_public_key(compressed) == key
        from cryptography.hazmat.primitives.serialization import load_der_public_key
        assert load_der_public_key(compressed).public_numbers() == numbers   # pyca reads ours


def _spki(point: bytes, curve_oid_der: str = "06 08 2a 86 48 ce 3d 03 01 07", unused: int = 0) -> bytes:
    """SEQUENCE { SEQUENCE { id-ecPublicKey, <parameters> }, BIT STRING <point> }"""
    alg = bytes.fromhex("06 07 2a 86 48 ce 3d 02 01" + curve_oid_der)
    alg = b"\x30" + bytes([len(alg)]) + alg
    bits = b"\x03" + bytes([len(point) + 1, unused]) + point
    body = alg + bits
    return b"\x30" + bytes([len(body)]) + body


G256 = b"\x04" + P256.gx.to_bytes(32, "big") + P256.gy.to_bytes(32, "big")


def test_refusals_carry_the_offset_of_the_field():
    # The BIT STRING starts at byte 23 of a P-256 SPKI (2 + 21 octets of AlgorithmIdentifier).
    bad_point = G256[:-1] + bytes([G256[-1] ^ 1])
    with pytest.raises(InvalidEncodedValue, match="not on the curve") as info:
        keys.load_der_public_key(_spki(bad_point))
    assert info.value.offset == 23 and info.value.path == ("subjectPublicKeyInfo", "subjectPublicKey")
    with pytest.raises(InvalidEncodedValue, match="hybrid"):
        keys.load_der_public_key(_spki(b"\x06" + G256[1:]))
    with pytest.raises(InvalidEncodedValue, match="point at infinity"):
        keys.load_der_public_key(_spki(b"\x00"))
    with pytest.raises(DecodeError, match="0 unused bits") as info:
        keys.load_der_public_key(_spki(G256[:-1] + b"\x00", unused=1))
    assert info.value.offset == 23
    with pytest.raises(DecodeError, match="after the top-level element"):
        keys.load_der_public_key(_spki(G256) + b"\x00")


def test_refused_algorithms_and_curves():
    with pytest.raises(UnsupportedAlgorithm, match=r"specifiedCurve \(explicit curve parameters\) at byte 13"):
        keys.load_der_public_key(_spki(G256, "30 03 02 01 01"))
    with pytest.raises(UnsupportedAlgorithm, match="implicitCurve"):
        keys.load_der_public_key(_spki(G256, "05 00"))
    with pytest.raises(UnsupportedAlgorithm, match=r"secp256k1 \(1\.3\.132\.0\.10\) at byte 13"):
        keys.load_der_public_key(_spki(G256, "06 05 2b 81 04 00 0a"))
    with pytest.raises(DecodeError, match="MUST always be present"):
        keys.load_der_public_key(_spki(G256, ""))
    with pytest.raises(InvalidEncodedValue, match="must be 97 octets"):       # a P-256 point as P-384
        keys.load_der_public_key(_spki(G256, "06 05 2b 81 04 00 22"))
    from tests.rsa.keys_fixture import RSA_2048, private_key
    with pytest.raises(UnsupportedAlgorithm, match="not an EC public key"):
        keys.load_der_public_key(private_key(RSA_2048).public_key().to_der())


def test_reader_positioned_inside_a_larger_structure():
    # The certificate layer calls read_subject_public_key_info on a Reader within a TBS: the
    # offsets are absolute, and the reader is left after the SPKI.
    inner = _spki(G256[:-1] + bytes([G256[-1] ^ 1]))
    outer = b"\x30" + bytes([len(inner) + 3]) + b"\x02\x01\x05" + inner
    seq = Reader(outer).read_sequence("tbs")
    seq.read_integer("serial")
    with pytest.raises(InvalidEncodedValue) as info:
        keys.read_subject_public_key_info(seq)
    assert info.value.offset == 2 + 3 + 23
    assert info.value.path == ("tbs", "subjectPublicKeyInfo", "subjectPublicKey")
    good = b"\x30" + bytes([len(_spki(G256)) + 3]) + b"\x02\x01\x05" + _spki(G256)
    seq = Reader(good).read_sequence("tbs")
    seq.read_integer()
    assert keys.read_subject_public_key_info(seq) == ECPublicKey(P256, P256.gx, P256.gy)
    seq.finish()


def test_writer_round_trip():
    key = ECPublicKey(P521, P521.gx, P521.gy)
    w = Writer()
    keys.write_subject_public_key_info(w, key)
    assert keys.read_subject_public_key_info(Reader(w.to_bytes())) == key
    with pytest.raises(TypeError):
        keys.write_subject_public_key_info(Writer(), "key")


@given(st.binary(max_size=200))
def test_arbitrary_bytes_raise_only_x509core_errors(data):
    # Hostile input: only DecodeError (bad DER, bad point, with an offset) or
    # UnsupportedAlgorithm (another key type or curve) may escape.
    try:
        keys.load_der_public_key(data)
    except (DecodeError, UnsupportedAlgorithm):
        pass


@given(st.binary(min_size=1, max_size=100))
def test_arbitrary_points_in_a_valid_spki(point):
    try:
        key = keys.load_der_public_key(_spki(point))
    except DecodeError as exc:
        assert isinstance(exc, X509CoreError) and exc.offset == 23
    else:
        assert key.to_encoded_point(compressed=point[0] in (2, 3)) == point
