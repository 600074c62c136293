"""Signature AlgorithmIdentifiers and RSASSA-PSS parameters (RFC 4055, RFC 8017 §A.2)."""

import subprocess

import pytest

from x509core.der import Reader, Writer
from x509core.errors import DecodeError, NonCanonicalEncoding, UnsupportedAlgorithm
from x509core.rsa.algorithms import (PssParameters, SignatureAlgorithm, read_pss_parameters,
                                     read_signature_algorithm, write_signature_algorithm)

# What OpenSSL writes for sha256WithRSAEncryption and for RSASSA-PSS/SHA-256/MGF1-SHA-256/salt 32.
SHA256_RSA = "300d06092a864886f70d01010b0500"
PSS_SHA256 = ("304106092a864886f70d01010a3034a00f300d06096086480165030402010500a11c301a06092a864886f7"
              "0d010108300d06096086480165030402010500a203020120")


@pytest.mark.parametrize("hexdata,expected", [
    (SHA256_RSA, SignatureAlgorithm("pkcs1v15", "sha256")),
    (PSS_SHA256, SignatureAlgorithm("pss", "sha256", PssParameters("sha256", "sha256", 32))),
])
def test_round_trip(hexdata, expected):
    data = bytes.fromhex(hexdata)
    assert read_signature_algorithm(Reader(data)) == expected
    w = Writer()
    write_signature_algorithm(w, expected)
    assert w.to_bytes() == data


def test_openssl_writes_the_same_pss_identifier(openssl, tmp_path):
    key = tmp_path / "k.pem"
    subprocess.run([openssl, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out",
                    str(key)], check=True, capture_output=True)
    cert = subprocess.run([openssl, "req", "-x509", "-new", "-key", str(key), "-subj", "/CN=pss", "-sha256",
                           "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32",
                           "-outform", "DER"], check=True, capture_output=True).stdout
    assert bytes.fromhex(PSS_SHA256) in cert


def test_defaults_are_omitted_and_refused_when_encoded():
    w = Writer()
    write_signature_algorithm(w, SignatureAlgorithm("pss", "sha1", PssParameters()))
    assert w.to_bytes().endswith(bytes.fromhex("3000"))                # all DEFAULTs omitted
    explicit_salt_20 = bytes.fromhex("3005a203020114")
    with pytest.raises(NonCanonicalEncoding, match="DEFAULT"):
        read_pss_parameters(Reader(explicit_salt_20))


def test_parameters_must_be_null_for_pkcs1_signatures():
    with pytest.raises(DecodeError, match="missing element"):
        read_signature_algorithm(Reader(bytes.fromhex("300b06092a864886f70d01010b")))


def test_unknown_algorithms_are_unsupported():
    ecdsa = bytes.fromhex("300a06082a8648ce3d040302")
    with pytest.raises(UnsupportedAlgorithm):
        read_signature_algorithm(Reader(ecdsa))
