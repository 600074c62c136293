"""x509core.ca.keys: the leaf keys the CA certifies, their key usages, and the private key files
a site brings (issue 11). The EC key files are made by the OpenSSL CLI in every form it writes:
``genpkey`` (PKCS #8), ``ecparam -genkey`` (EC PARAMETERS + EC PRIVATE KEY), ``ec`` (SEC 1
without the parameters block), ``pkcs8 -topk8 -v2 aes-256-cbc`` (encrypted), and ``req -newkey
ec -nodes``. Each must read as an OpaqueECPrivateKey with OpenSSL's public key, and what it hands
on must be the same key to OpenSSL."""

from __future__ import annotations

import subprocess

import pytest
from hypothesis import given, strategies as st

from tests.rsa.keys_fixture import RSA_2048, private_key
from x509core.ca.keys import (OpaqueECPrivateKey, check_public_key, key_matches,
                              leaf_key_usage, load_der_private_key, load_pem_private_key)
from x509core.ec.keys import load_pem_public_key
from x509core.errors import InvalidValue, UnsupportedAlgorithm
from x509core.rsa import pbes2
from x509core.rsa.key import RSAPrivateKey

PASSWORD = "modality key passphrase"


def _openssl(openssl, *args, cwd, data=None) -> bytes:
    done = subprocess.run([openssl, *args], cwd=cwd, input=data, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


@pytest.fixture(scope="module")
def key_files(openssl, tmp_path_factory):
    """name -> (path, the public key OpenSSL derives from the file)."""
    work = tmp_path_factory.mktemp("ec-key-files")
    run = lambda *args: _openssl(openssl, *args, cwd=work)          # noqa: E731
    run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "pkcs8.pem")
    run("ecparam", "-genkey", "-name", "secp384r1", "-out", "ecparam.pem")
    run("ec", "-in", "ecparam.pem", "-out", "sec1.pem")
    run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521", "-out", "p521.pem")
    run("pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", "p521.pem", "-passout", f"pass:{PASSWORD}",
        "-out", "encrypted.pem")
    run("pkcs8", "-topk8", "-nocrypt", "-in", "sec1.pem", "-outform", "DER", "-out", "pkcs8.der")
    run("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "req.key", "-subj", "/CN=modality", "-out", "req.csr")
    found = {}
    for name, extra in (("pkcs8.pem", ()), ("ecparam.pem", ()), ("sec1.pem", ()),
                        ("encrypted.pem", ("-passin", f"pass:{PASSWORD}")),
                        ("pkcs8.der", ("-inform", "DER")), ("req.key", ())):
        public = run("pkey", "-in", name, *extra, "-pubout")
        found[name] = (work / name, load_pem_public_key(public))
    return found


@pytest.mark.parametrize("name,curve", [("pkcs8.pem", "P-256"), ("ecparam.pem", "P-384"),
                                        ("sec1.pem", "P-384"), ("encrypted.pem", "P-521"),
                                        ("pkcs8.der", "P-384"), ("req.key", "P-256")])
def test_openssl_ec_key_files_read_with_their_public_key(openssl, key_files, tmp_path, name, curve):
    path, public = key_files[name]
    data = path.read_bytes()
    password = PASSWORD if name == "encrypted.pem" else None
    key = load_der_private_key(data) if name.endswith(".der") else load_pem_private_key(data, password)
    assert isinstance(key, OpaqueECPrivateKey)
    assert key.curve.nist_name == curve and key.public_key == public
    assert key.matches(public) is True and key_matches(key, public) is True
    assert "private_key_info" not in repr(key)
    # What x509core hands on is the same key to OpenSSL: its public half is OpenSSL's.
    handed = tmp_path / "handed.pem"
    handed.write_text(key.to_pem("one-time", iterations=1))
    again = _openssl(openssl, "pkey", "-in", str(handed), "-passin", "pass:one-time", "-pubout",
                     cwd=tmp_path)
    assert load_pem_public_key(again) == public


def test_another_key_does_not_match(key_files):
    key = load_pem_private_key(key_files["pkcs8.pem"][0].read_bytes())
    assert key.matches(key_files["req.key"][1]) is False
    assert key.matches(private_key(RSA_2048).public_key()) is False


def test_rsa_key_files_still_read():
    from x509core.rsa.keys import private_key_to_pem
    rsa_key = private_key(RSA_2048)
    for form in ("pkcs8", "pkcs1"):
        loaded = load_pem_private_key(private_key_to_pem(rsa_key, format=form))
        assert isinstance(loaded, RSAPrivateKey) and loaded.n == rsa_key.n
    encrypted = private_key_to_pem(rsa_key, PASSWORD, iterations=1)
    assert load_pem_private_key(encrypted, PASSWORD).n == rsa_key.n
    assert key_matches(rsa_key, rsa_key.public_key()) is True


def test_passphrase_errors(key_files):
    encrypted = key_files["encrypted.pem"][0].read_bytes()
    with pytest.raises(InvalidValue, match="passphrase is required"):
        load_pem_private_key(encrypted)
    with pytest.raises(pbes2.DecryptionFailed):
        load_pem_private_key(encrypted, "wrong")
    with pytest.raises(InvalidValue, match="not encrypted"):
        load_pem_private_key(key_files["pkcs8.pem"][0].read_bytes(), PASSWORD)


def test_other_algorithms_are_refused_by_name(openssl, tmp_path):
    _openssl(openssl, "genpkey", "-algorithm", "ED25519", "-out", "ed.pem", cwd=tmp_path)
    with pytest.raises(UnsupportedAlgorithm, match="1.3.101.112"):
        load_pem_private_key((tmp_path / "ed.pem").read_bytes())
    with pytest.raises(InvalidValue, match="one private key PEM block"):
        load_pem_private_key("-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n")


def test_leaf_keys_and_their_key_usages(key_files):
    ec_key = key_files["pkcs8.pem"][1]
    rsa_key = private_key(RSA_2048).public_key()
    assert check_public_key(ec_key, 2048) is ec_key
    with pytest.raises(InvalidValue, match="only RSA keys"):
        check_public_key(ec_key, 2048, ec=False)                  # the CA's own key
    usage = leaf_key_usage(ec_key, key_encipherment=False)
    assert usage.digital_signature and not usage.key_encipherment and not usage.key_agreement
    assert leaf_key_usage(ec_key, key_encipherment=False, key_agreement=True).key_agreement
    with pytest.raises(InvalidValue, match="RFC 8813"):
        leaf_key_usage(ec_key, key_encipherment=True)
    usage = leaf_key_usage(rsa_key, key_encipherment=True)
    assert usage.digital_signature and usage.key_encipherment
    with pytest.raises(InvalidValue, match="RFC 3279"):
        leaf_key_usage(rsa_key, key_encipherment=False, key_agreement=True)


@given(st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_x509core_errors(data):
    """Hostile key files: every refusal is an X509CoreError (DecodeError with an offset,
    UnsupportedAlgorithm, InvalidValue), never another exception."""
    from x509core.errors import X509CoreError
    try:
        load_der_private_key(data)
    except X509CoreError:
        pass
