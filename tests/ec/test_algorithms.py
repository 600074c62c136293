"""ECDSA signature AlgorithmIdentifiers (RFC 5758 §3.2, RFC 3279 §2.2.3) and ECParameters
(RFC 5480 §2.1.1), against what OpenSSL writes."""

from __future__ import annotations

import subprocess

import pytest

from x509core.der import Reader, Writer
from x509core.ec.algorithms import (ECDSA_SIGNATURE_OIDS, ECDSASignatureAlgorithm,
                                    read_ec_parameters, read_key_algorithm,
                                    read_signature_algorithm, write_key_algorithm,
                                    write_signature_algorithm)
from x509core.ec.curves import P256, P384, P521
from x509core.errors import DecodeError, InvalidEncodedValue, UnsupportedAlgorithm

OPENSSL_DIGESTS = ["sha1", "sha224", "sha256", "sha384", "sha512", "sha3-256", "sha3-512"]


def _hex(text):
    return bytes.fromhex(text.replace(" ", ""))


@pytest.mark.parametrize("digest", OPENSSL_DIGESTS)
def test_reads_the_signature_algorithm_of_openssl_certificates(openssl, tmp_path, digest):
    done = subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-keyout", str(tmp_path / "key.pem"), "-subj", "/CN=modality", f"-{digest}",
         "-days", "1", "-outform", "DER", "-out", str(tmp_path / "cert.der")],
        capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    cert = Reader((tmp_path / "cert.der").read_bytes()).read_sequence("certificate")
    tbs = cert.read_sequence("tbsCertificate")
    tbs.read_explicit(0, "version")
    tbs.read_integer("serialNumber")
    inner = read_signature_algorithm(tbs, "signature")
    outer_start = cert.pos
    outer = read_signature_algorithm(cert)
    hash_name = digest.replace("-", "_")
    assert inner == outer == ECDSASignatureAlgorithm(hash_name)
    w = Writer()
    write_signature_algorithm(w, hash_name)                 # the same bytes OpenSSL wrote
    assert w.to_bytes() == cert.data[outer_start:cert.pos]


def test_names_as_openssl_prints_them():
    assert ECDSASignatureAlgorithm("sha256").name == "ecdsa-with-SHA256"
    assert ECDSASignatureAlgorithm("sha384").oid == "1.2.840.10045.4.3.3"
    assert ECDSA_SIGNATURE_OIDS["sha1"] == "1.2.840.10045.4.1"
    with pytest.raises(UnsupportedAlgorithm):
        ECDSASignatureAlgorithm("md5")


def test_null_parameters_are_refused_citing_rfc_5758():
    # SEQUENCE { ecdsa-with-SHA256, NULL }: the NULL starts at byte 12.
    data = _hex("30 0c 06 08 2a 86 48 ce 3d 04 03 02 05 00")
    with pytest.raises(InvalidEncodedValue, match=r"ecdsa-with-SHA256 with NULL parameters.*RFC 5758 §3\.2") as info:
        read_signature_algorithm(Reader(data))
    assert info.value.offset == 12
    other = _hex("30 0d 06 08 2a 86 48 ce 3d 04 03 02 02 01 00")
    with pytest.raises(InvalidEncodedValue, match="with parameters"):
        read_signature_algorithm(Reader(other))


def test_other_signature_algorithms_are_not_ecdsa():
    rsa = _hex("30 0d 06 09 2a 86 48 86 f7 0d 01 01 0b 05 00")     # sha256WithRSAEncryption
    with pytest.raises(UnsupportedAlgorithm, match="not ECDSA"):
        read_signature_algorithm(Reader(rsa))


@pytest.mark.parametrize("curve", [P256, P384, P521], ids=lambda c: c.nist_name)
def test_key_algorithm_round_trip(curve):
    w = Writer()
    write_key_algorithm(w, curve)
    assert read_key_algorithm(Reader(w.to_bytes()).read_sequence()) is curve


@pytest.mark.parametrize("name, hex_text, error, words", [
    ("implicitCurve", "05 00", UnsupportedAlgorithm, "implicitCurve (NULL)"),
    ("specifiedCurve", "30 03 02 01 01", UnsupportedAlgorithm, "specifiedCurve (explicit curve parameters)"),
    ("secp256k1", "06 05 2b 81 04 00 0a", UnsupportedAlgorithm, "secp256k1 (1.3.132.0.10) at byte 0"),
    ("INTEGER", "02 01 01", DecodeError, "namedCurve OBJECT IDENTIFIER"),
    ("malformed SEQUENCE", "30 03 02 01", DecodeError, ""),
])
def test_ec_parameters_refusals(name, hex_text, error, words):
    with pytest.raises(error) as info:
        read_ec_parameters(Reader(_hex(hex_text)))
    assert words in str(info.value)
    if error is UnsupportedAlgorithm and name != "secp256k1":
        assert "MUST NOT be used in PKIX" in str(info.value)


def test_id_ec_public_key_needs_parameters():
    with pytest.raises(DecodeError, match=r"MUST always be present \(RFC 5480 §2\.1\.1\)"):
        read_key_algorithm(Reader(_hex("30 09 06 07 2a 86 48 ce 3d 02 01")).read_sequence())
    with pytest.raises(UnsupportedAlgorithm, match="not an EC public key"):
        read_key_algorithm(Reader(_hex("30 0d 06 09 2a 86 48 86 f7 0d 01 01 01 05 00")).read_sequence())
