"""x509core.cert.public_key: SubjectPublicKeyInfo of certificates, RSA and EC (issue 11).

EC keys come from certificates that pyca/cryptography (OpenSSL) makes (tests/cert/ec_chains.py)
and from OpenSSL-made key files; a point off the curve, a compressed point, explicit and
implicit curve parameters and another named curve are planted byte for byte
(tests/cert/reading/surgery.py). Each must read as the issue says: an ECPublicKey equal to pyca's; an
UnreadablePublicKey and an error-level finding (refused in strict mode) for a point that is
not on its curve; an UnsupportedPublicKey, readable even by a strict reader and refused with a
reason when it must check a signature, for curves x509core does not implement.
"""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import given, strategies as st

from tests.cert.ec_chains import ECFactory, compressed, off_curve, with_point
from tests.cert.reading.reported import assert_reported
from tests.cert.reading.surgery import certificate_paths, element, replace, span, tlv
from tests.rsa.keys_fixture import RSA_2048, private_key
from x509core.cert import load_der_certificate
from x509core.cert.public_key import (UnreadablePublicKey, UnsupportedPublicKey, key_description,
                                      subject_public_key_octets, write_public_key_info)
from x509core.der import Writer
from x509core.ec.key import ECPublicKey
from x509core.errors import DecodeError, InvalidEncodedValue, InvalidValue, UnsupportedAlgorithm

_SECP256K1 = bytes.fromhex("06052b8104000a")
_SPECIFIED = bytes.fromhex("3003020101")             # a SEQUENCE where a SpecifiedECDomain goes
_IMPLICIT = bytes.fromhex("0500")


@pytest.fixture(scope="module")
def factory() -> ECFactory:
    return ECFactory()


def _leaf(factory: ECFactory, kind: str):
    root = factory.ca("Root P-384", "P-384")
    return factory.leaf(f"public key {kind}", kind, root), root


@pytest.mark.parametrize("kind,name,bits", [("P-256", "prime256v1", 256),
                                            ("P-384", "secp384r1", 384),
                                            ("P-521", "secp521r1", 521)])
def test_ec_keys_read_as_pyca_reads_them(factory, kind, name, bits):
    cert, root = _leaf(factory, kind)
    der = cert.public_bytes(serialization.Encoding.DER)
    ours = load_der_certificate(der, strict=True)
    key, numbers = ours.public_key, cert.public_key().public_numbers()
    assert isinstance(key, ECPublicKey) and not ours.findings
    assert (key.curve.name, key.curve.nist_name, key.key_size) == (name, kind, bits)
    assert (key.x, key.y) == (numbers.x, numbers.y)
    assert ours.public_key_info.algorithm == "1.2.840.10045.2.1"
    assert ours.public_key_info.subject_public_key == key.to_encoded_point()
    assert ours.raw_spki == cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert key_description(key) == f"EC {kind}"
    # SKI method 1 (RFC 5280 §4.2.1.2) as pyca computes it
    assert ours.subject_key_identifier.key_identifier == \
        hashlib.sha1(ours.public_key_info.subject_public_key).digest()
    ours.verify_directly_issued_by(load_der_certificate(
        root.cert.public_bytes(serialization.Encoding.DER)))


def test_a_compressed_point_keeps_its_octets(factory):
    cert, root = _leaf(factory, "P-256")
    der = with_point(cert, root, compressed)
    ours = load_der_certificate(der, strict=True)
    point = element(der, certificate_paths(der)["subjectPublicKey"])[3:]
    assert point[0] in (2, 3) and len(point) == 33
    assert ours.public_key_info.subject_public_key == point          # what SKI method 1 hashes
    assert ours.public_key == load_der_certificate(
        cert.public_bytes(serialization.Encoding.DER)).public_key   # the same point, decompressed
    assert ours.public_key.to_encoded_point(compressed=True) == point


def test_a_point_off_the_curve_is_an_unreadable_key_and_a_finding(factory):
    cert, root = _leaf(factory, "P-256")
    der = with_point(cert, root, off_curve)
    start = span(der, certificate_paths(der)["subjectPublicKey"])[0]
    ours = assert_reported(der, start, "SP 800-56A", error=InvalidEncodedValue)
    key = ours.public_key
    assert isinstance(key, UnreadablePublicKey) and "not on the curve P-256" in key.error
    assert ours.public_key_info.subject_public_key == off_curve(cert.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))
    with pytest.raises(InvalidValue, match="does not read"):
        ours.verify_signature(key)
    assert "Public-Key: (256 bit)" in ours.text()       # shown, as OpenSSL would for a good point


@pytest.mark.parametrize("parameters,reason", [
    (_SECP256K1, "1.3.132.0.10"), (_SPECIFIED, "specifiedCurve"), (_IMPLICIT, "implicitCurve")])
def test_curves_x509core_does_not_implement_read_and_refuse_to_verify(factory, parameters, reason):
    cert, _ = _leaf(factory, "P-256")
    der = cert.public_bytes(serialization.Encoding.DER)
    algorithm_path = certificate_paths(der)["subjectPublicKeyInfo"] + (0,)
    planted, _ = replace(der, algorithm_path, tlv(0x30, bytes.fromhex("06072a8648ce3d0201") + parameters))
    for strict in (False, True):
        ours = load_der_certificate(planted, strict=strict)
        key = ours.public_key
        assert type(key) is UnsupportedPublicKey and reason in key.reason
        assert key.parameters == parameters and not ours.findings
        with pytest.raises(UnsupportedAlgorithm, match=f"algorithm id-ecPublicKey .*{reason}"):
            ours.verify_signature(key)
        assert key_description(key) == "id-ecPublicKey"


def test_an_ec_key_with_unused_bits_is_reported(factory):
    cert, _ = _leaf(factory, "P-256")
    der = cert.public_bytes(serialization.Encoding.DER)
    path = certificate_paths(der)["subjectPublicKey"]
    bits = element(der, path)
    planted, start = replace(der, path, bits[:2] + b"\x01" + bits[3:])
    ours = assert_reported(planted, start, "RFC 5480 §2.2")
    assert isinstance(ours.public_key, UnreadablePublicKey)


@pytest.mark.parametrize("kind", ["P-256", "P-384", "P-521", "RSA"])
def test_write_public_key_info_reads_back(factory, kind):
    if kind == "RSA":
        key = private_key(RSA_2048).public_key()
        octets = subject_public_key_octets(key)
        assert octets[0] == 0x30                        # the RSAPublicKey DER (RFC 3279 §2.3.1)
    else:
        cert, _ = _leaf(factory, kind)
        key = load_der_certificate(cert.public_bytes(serialization.Encoding.DER)).public_key
        octets = subject_public_key_octets(key)
        assert octets == key.to_encoded_point()
    w = Writer()
    write_public_key_info(w, key)
    from cryptography.hazmat.primitives.serialization import load_der_public_key
    assert load_der_public_key(w.to_bytes()).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) == w.to_bytes()
    with pytest.raises(TypeError):
        write_public_key_info(Writer(), b"not a key")


# -- the dispatching loaders (x509core.load_pem_public_key) ----------------------------------------

def _openssl(openssl, *args, cwd) -> bytes:
    import subprocess
    done = subprocess.run([openssl, *args], cwd=cwd, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


@pytest.mark.parametrize("algorithm,options,kind", [
    ("EC", ("-pkeyopt", "ec_paramgen_curve:P-256"), ECPublicKey),
    ("EC", ("-pkeyopt", "ec_paramgen_curve:P-521"), ECPublicKey),
    ("RSA", ("-pkeyopt", "rsa_keygen_bits:2048"), None)])
def test_load_pem_public_key_returns_the_right_type(openssl, tmp_path, algorithm, options, kind):
    import x509core
    from cryptography.hazmat.primitives.serialization import load_pem_public_key as pyca_load
    from x509core.rsa.key import RSAPublicKey
    _openssl(openssl, "genpkey", "-algorithm", algorithm, *options, "-out", "key.pem", cwd=tmp_path)
    public_pem = _openssl(openssl, "pkey", "-in", "key.pem", "-pubout", cwd=tmp_path)
    public_der = _openssl(openssl, "pkey", "-in", "key.pem", "-pubout", "-outform", "DER", cwd=tmp_path)
    key = x509core.load_pem_public_key(public_pem)
    assert isinstance(key, kind or RSAPublicKey)
    assert x509core.load_der_public_key(public_der) == key
    assert key.to_der() == pyca_load(public_pem).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if kind is None:                                     # PKCS #1 "RSA PUBLIC KEY" too
        pkcs1 = _openssl(openssl, "rsa", "-in", "key.pem", "-RSAPublicKey_out", cwd=tmp_path)
        assert x509core.load_pem_public_key(pkcs1) == key


def test_load_public_key_refuses_other_keys_by_name(openssl, tmp_path, factory):
    import x509core
    from x509core.errors import DecodeError
    _openssl(openssl, "genpkey", "-algorithm", "ED25519", "-out", "ed.pem", cwd=tmp_path)
    with pytest.raises(UnsupportedAlgorithm, match=r"1\.3\.101\.112 \(ED25519\)"):
        x509core.load_pem_public_key(_openssl(openssl, "pkey", "-in", "ed.pem", "-pubout", cwd=tmp_path))
    _openssl(openssl, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-pkeyopt", "ec_param_enc:explicit", "-out", "explicit.pem", cwd=tmp_path)
    with pytest.raises(UnsupportedAlgorithm, match="specifiedCurve"):
        x509core.load_pem_public_key(_openssl(openssl, "pkey", "-in", "explicit.pem", "-pubout",
                                              cwd=tmp_path))
    cert, _ = _leaf(factory, "P-256")
    spki = cert.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(DecodeError, match="not on the curve"):
        x509core.load_der_public_key(spki[:-1] + bytes([spki[-1] ^ 1]))


@given(st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_decode_or_unsupported(data):
    """Hostile input to the dispatching loader: only DecodeError (with an offset) or
    UnsupportedAlgorithm (another key type or curve) may escape, as for the layers' loaders.
    (InvalidValue: an RSA key the RSA loader's constructor refuses.)"""
    import x509core
    try:
        x509core.load_der_public_key(data)
    except (DecodeError, UnsupportedAlgorithm, InvalidValue):
        pass
