"""Key formats against the OpenSSL CLI, both ways: PKCS#1, PKCS#8, encrypted PKCS#8, SPKI."""

from __future__ import annotations

import subprocess

import pytest

from x509core import pem
from x509core.der import Reader
from x509core.errors import DecodeError, InvalidValue, UnsupportedAlgorithm
from x509core.rsa import keys
from x509core.rsa.pbes2 import DecryptionFailed


def _ssl(openssl, *args, input=None):
    result = subprocess.run([openssl, *args], input=input, capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout


@pytest.fixture(scope="module")
def openssl_key(openssl, tmp_path_factory):
    """One RSA-2048 key made by OpenSSL, in the forms OpenSSL 3 writes by default."""
    d = tmp_path_factory.mktemp("keys")
    pkcs8 = d / "pkcs8.pem"
    _ssl(openssl, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", str(pkcs8))
    forms = {"pkcs8": pkcs8}
    forms["pkcs1"] = d / "pkcs1.pem"
    _ssl(openssl, "rsa", "-in", str(pkcs8), "-traditional", "-out", str(forms["pkcs1"]))
    forms["genpkey_enc"] = d / "genpkey_enc.pem"      # what `openssl genpkey -aes-256-cbc` writes
    _ssl(openssl, "pkey", "-in", str(pkcs8), "-aes-256-cbc", "-passout", "pass:correct horse",
         "-out", str(forms["genpkey_enc"]))
    forms["topk8"] = d / "topk8.pem"                  # `openssl pkcs8 -topk8 -v2 aes-256-cbc`
    _ssl(openssl, "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", str(pkcs8), "-passout",
         "pass:correct horse", "-out", str(forms["topk8"]))
    forms["topk8_aes128_sha512"] = d / "topk8b.pem"
    _ssl(openssl, "pkcs8", "-topk8", "-v2", "aes-128-cbc", "-v2prf", "hmacWithSHA512", "-in", str(pkcs8),
         "-passout", "pass:correct horse", "-out", str(forms["topk8_aes128_sha512"]))
    forms["spki"] = d / "spki.pem"
    _ssl(openssl, "pkey", "-in", str(pkcs8), "-pubout", "-out", str(forms["spki"]))
    forms["pkcs1_public"] = d / "pkcs1_public.pem"
    _ssl(openssl, "rsa", "-in", str(pkcs8), "-RSAPublicKey_out", "-out", str(forms["pkcs1_public"]))
    forms["dir"] = d
    return forms


def _numbers(key):
    return (key.n, key.e, key.d, key.p, key.q, key.dp, key.dq, key.qinv)


def test_every_openssl_private_form_loads_to_the_same_key(openssl_key):
    reference = keys.load_pem_private_key(openssl_key["pkcs8"].read_bytes())
    assert reference.key_size == 2048
    assert _numbers(keys.load_pem_private_key(openssl_key["pkcs1"].read_text())) == _numbers(reference)
    for form in ("genpkey_enc", "topk8", "topk8_aes128_sha512"):
        key = keys.load_pem_private_key(openssl_key[form].read_text(), password="correct horse")
        assert _numbers(key) == _numbers(reference), form


def test_both_public_forms_load(openssl_key):
    private = keys.load_pem_private_key(openssl_key["pkcs8"].read_text())
    for form in ("spki", "pkcs1_public"):
        public = keys.load_pem_public_key(openssl_key[form].read_text())
        assert (public.n, public.e) == (private.n, private.e)


def test_wrong_or_missing_passphrase_is_a_clear_error(openssl_key):
    text = openssl_key["topk8"].read_text()
    with pytest.raises(DecryptionFailed, match="wrong passphrase or corrupt data"):
        keys.load_pem_private_key(text, password="wrong")
    with pytest.raises(InvalidValue, match="passphrase is required"):
        keys.load_pem_private_key(text)
    with pytest.raises(InvalidValue, match="not encrypted"):
        keys.load_pem_private_key(openssl_key["pkcs8"].read_text(), password="x")


def test_our_pkcs8_and_spki_are_byte_identical_to_openssl(openssl, openssl_key):
    key = keys.load_pem_private_key(openssl_key["pkcs8"].read_text())
    assert keys.private_key_to_pem(key) == openssl_key["pkcs8"].read_text()
    assert keys.private_key_to_pem(key, format="pkcs1") == openssl_key["pkcs1"].read_text()
    assert keys.public_key_to_pem(key.public_key()) == openssl_key["spki"].read_text()


def test_openssl_checks_and_opens_our_keys(openssl, openssl_key):
    key = keys.load_pem_private_key(openssl_key["pkcs8"].read_text())
    d = openssl_key["dir"]
    plain, encrypted = d / "ours.pem", d / "ours_enc.pem"
    plain.write_text(keys.private_key_to_pem(key))
    encrypted.write_text(keys.private_key_to_pem(key, password="pässword", iterations=2048))
    assert b"valid" in _ssl(openssl, "pkey", "-in", str(plain), "-check", "-noout")
    assert b"RSA key ok" in _ssl(openssl, "rsa", "-in", str(plain), "-check", "-noout")
    opened = _ssl(openssl, "pkey", "-in", str(encrypted), "-passin", "pass:pässword")
    assert opened.decode() == openssl_key["pkcs8"].read_text()
    listing = _ssl(openssl, "asn1parse", "-in", str(encrypted)).decode()
    assert "PBES2" in listing and "hmacWithSHA256" in listing and "aes-256-cbc" in listing


def test_encrypted_round_trip_and_tamper(openssl_key):
    key = keys.load_pem_private_key(openssl_key["pkcs8"].read_text())
    der = keys.private_key_to_der(key, password=b"pw", iterations=1000)
    assert _numbers(keys.load_der_private_key(der, password="pw")) == _numbers(key)
    tampered = bytearray(der)
    tampered[-5] ^= 0x01                                  # the last ciphertext block
    with pytest.raises(InvalidValue, match="wrong passphrase or corrupt data"):
        keys.load_der_private_key(bytes(tampered), password="pw")


def test_inconsistent_key_is_refused_without_leaking(openssl_key):
    key = keys.load_pem_private_key(openssl_key["pkcs8"].read_text())
    der = bytearray(keys.private_key_to_der(key, format="pkcs1"))
    # Change the last octet of the coefficient (qInv): the key no longer holds together.
    der[-1] ^= 0x02
    with pytest.raises(InvalidValue) as info:
        keys.load_der_private_key(bytes(der))
    message = str(info.value)
    for secret in (key.p, key.q, key.d):
        assert format(secret, "x")[:16] not in message.lower() and str(secret)[:16] not in message


def test_non_rsa_and_multiprime_keys_are_unsupported(openssl, tmp_path):
    ec = tmp_path / "ec.pem"
    _ssl(openssl, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", str(ec))
    with pytest.raises(UnsupportedAlgorithm, match="not an RSA private key"):
        keys.load_pem_private_key(ec.read_text())
    with pytest.raises(UnsupportedAlgorithm, match="multi-prime"):
        keys.load_der_private_key(bytes.fromhex("3003020101"))


def test_pss_spki_carries_its_restriction(openssl, tmp_path):
    path = tmp_path / "pss.pem"
    _ssl(openssl, "genpkey", "-algorithm", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:2048",
         "-pkeyopt", "rsa_pss_keygen_md:sha256", "-pkeyopt", "rsa_pss_keygen_mgf1_md:sha256",
         "-pkeyopt", "rsa_pss_keygen_saltlen:32", "-out", str(path))
    spki = _ssl(openssl, "pkey", "-in", str(path), "-pubout", "-outform", "DER")
    key, params = keys.read_subject_public_key_info(Reader(spki))
    assert params is not None and (params.hash_name, params.mgf1_hash_name, params.salt_length) == ("sha256", "sha256", 32)
    assert keys.load_pem_private_key(path.read_text()).key_size == 2048


def test_wrong_pem_label_and_garbage():
    with pytest.raises(DecodeError):
        keys.load_pem_private_key(pem.encode("CERTIFICATE", b"\x30\x00"))
    with pytest.raises(DecodeError):
        keys.load_der_public_key(b"\x30\x03\x02\x01")
