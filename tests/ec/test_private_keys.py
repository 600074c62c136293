"""EC private key files as OpenSSL and pyca/cryptography write them: read for their curve and
public key (RFC 5915 §3, RFC 5958 §2), never used."""

from __future__ import annotations

import subprocess

import pytest
from hypothesis import given, strategies as st
from cryptography.hazmat.primitives.asymmetric import ec as pyca_ec
from cryptography.hazmat.primitives.serialization import (BestAvailableEncryption, Encoding,
                                                          NoEncryption, PrivateFormat)

from x509core import pem
from x509core.ec import ECPublicKey, keys
from x509core.ec.curves import P256, P384, P521
from x509core.ec.private_keys import (ECPrivateKeyFile, load_der_private_key_file,
                                      load_pem_private_key_file)
from x509core.errors import DecodeError, InvalidValue, UnsupportedAlgorithm

OPENSSL_NAMES = {P256: "prime256v1", P384: "secp384r1", P521: "secp521r1"}


def _ssl(openssl, *args, data=None):
    done = subprocess.run([openssl, *args], input=data, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done.stdout


def _public_of(openssl, key_file):
    """The public key as `openssl pkey -pubout` gives it, read by the SPKI reader."""
    return keys.load_pem_public_key(_ssl(openssl, "pkey", "-in", str(key_file), "-pubout"))


@pytest.mark.parametrize("curve", [P256, P384, P521], ids=lambda c: c.nist_name)
def test_openssl_ecparam_genkey_sec1(openssl, tmp_path, curve):
    # `openssl ecparam -genkey` writes an EC PARAMETERS block, then the EC PRIVATE KEY.
    path = tmp_path / "key.pem"
    path.write_bytes(_ssl(openssl, "ecparam", "-name", OPENSSL_NAMES[curve], "-genkey"))
    assert [label for label, _ in pem.decode(path.read_text())] == ["EC PARAMETERS", "EC PRIVATE KEY"]
    key_file = load_pem_private_key_file(path.read_text())
    assert key_file == ECPrivateKeyFile(curve, _public_of(openssl, path), "sec1")
    assert key_file.matches(_public_of(openssl, path)) is True
    other = ECPublicKey(curve, curve.gx, curve.gy)
    assert key_file.matches(other) is False


@pytest.mark.parametrize("curve", [P256, P384, P521], ids=lambda c: c.nist_name)
def test_openssl_genpkey_pkcs8(openssl, tmp_path, curve):
    path = tmp_path / "key.pem"
    _ssl(openssl, "genpkey", "-algorithm", "EC", "-pkeyopt",
         f"ec_paramgen_curve:{curve.nist_name}", "-out", str(path))
    key_file = load_pem_private_key_file(path.read_bytes())
    assert (key_file.curve, key_file.format) == (curve, "pkcs8")
    assert key_file.public_key == _public_of(openssl, path)
    der = _ssl(openssl, "pkcs8", "-topk8", "-nocrypt", "-in", str(path), "-outform", "DER")
    assert load_der_private_key_file(der) == key_file
    der = _ssl(openssl, "pkey", "-in", str(path), "-outform", "DER")     # OpenSSL 3: SEC 1 DER
    assert load_der_private_key_file(der) == ECPrivateKeyFile(curve, key_file.public_key, "sec1")


def test_without_public_key_the_public_key_is_unknown(openssl, tmp_path):
    path = tmp_path / "key.pem"
    path.write_bytes(_ssl(openssl, "ecparam", "-name", "secp384r1", "-genkey", "-noout"))
    bare = tmp_path / "bare.pem"
    _ssl(openssl, "ec", "-in", str(path), "-no_public", "-out", str(bare))
    key_file = load_pem_private_key_file(bare.read_text())
    assert key_file.public_key is None and key_file.curve is P384
    assert key_file.matches(_public_of(openssl, path)) is None        # cannot tell, never computed
    assert key_file.matches(ECPublicKey(P256, P256.gx, P256.gy)) is False   # another curve


def test_explicit_parameters_are_refused(openssl, tmp_path):
    path = tmp_path / "key.pem"
    path.write_bytes(_ssl(openssl, "ecparam", "-name", "prime256v1", "-genkey", "-noout"))
    explicit = _ssl(openssl, "ec", "-in", str(path), "-param_enc", "explicit")
    with pytest.raises(UnsupportedAlgorithm, match="specifiedCurve"):
        load_pem_private_key_file(explicit)


def test_encrypted_and_foreign_keys_are_refused(openssl, tmp_path):
    private = pyca_ec.generate_private_key(pyca_ec.SECP256R1())
    encrypted = private.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, BestAvailableEncryption(b"pw"))
    with pytest.raises(UnsupportedAlgorithm, match="encrypted"):
        load_pem_private_key_file(encrypted)
    der = private.private_bytes(Encoding.DER, PrivateFormat.PKCS8, BestAvailableEncryption(b"pw"))
    with pytest.raises(UnsupportedAlgorithm, match="encrypted"):
        load_der_private_key_file(der)
    from tests.rsa.keys_fixture import RSA_2048, private_key
    rsa = private_key(RSA_2048)
    with pytest.raises(UnsupportedAlgorithm, match="not an EC private key"):
        load_pem_private_key_file(rsa.to_pem())
    with pytest.raises(UnsupportedAlgorithm, match="label 'RSA PRIVATE KEY'"):
        load_pem_private_key_file(rsa.to_pem(format="pkcs1"))
    ed = _ssl(openssl, "genpkey", "-algorithm", "ED25519")
    with pytest.raises(UnsupportedAlgorithm, match="not an EC private key"):
        load_pem_private_key_file(ed)


@pytest.mark.parametrize("form", [PrivateFormat.PKCS8, PrivateFormat.TraditionalOpenSSL])
def test_pyca_written_keys(form):
    private = pyca_ec.generate_private_key(pyca_ec.SECP521R1())
    numbers = private.public_key().public_numbers()
    key_file = load_pem_private_key_file(private.private_bytes(Encoding.PEM, form, NoEncryption()))
    assert key_file.public_key == ECPublicKey(P521, numbers.x, numbers.y)
    assert key_file.format == ("pkcs8" if form is PrivateFormat.PKCS8 else "sec1")


def _sec1(secret_len=32, params="a0 0a 06 08 2a 86 48 ce 3d 03 01 07", public=True, version=1):
    point = b"\x04" + P256.gx.to_bytes(32, "big") + P256.gy.to_bytes(32, "big")
    body = bytes([2, 1, version, 4, secret_len]) + b"\xff" * secret_len + bytes.fromhex(params)
    if public:
        body += bytes([0xA1, len(point) + 3, 3, len(point) + 1, 0]) + point
    return b"\x30" + bytes([len(body)]) + body


def test_the_secret_is_never_interpreted():
    # privateKey = ff..ff >= n is not a valid scalar, but it is never read as one: the file
    # reads, with the public key it carries (here G, which belongs to the scalar 1).
    key_file = load_der_private_key_file(_sec1())
    assert key_file.public_key == ECPublicKey(P256, P256.gx, P256.gy)
    assert "ff" * 8 not in repr(key_file).lower()


@pytest.mark.parametrize("data, error, words", [
    (_sec1(secret_len=31), DecodeError, "must be 32 octets for P-256 (RFC 5915 §3)"),
    (_sec1(params=""), DecodeError, "its curve is unknown"),
    (_sec1(version=0), DecodeError, "version must be 1"),
    (_sec1(params="a0 07 06 05 2b 81 04 00 22"), DecodeError, "must be 48 octets"),
    (_sec1(params="a0 07 06 05 2b 81 04 00 0a"), UnsupportedAlgorithm, "secp256k1"),
    (_sec1() + b"\x00", DecodeError, "after the top-level element"),
])
def test_malformed_sec1(data, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        load_der_private_key_file(data)


def test_ec_parameters_block_must_agree(openssl):
    key = _ssl(openssl, "ecparam", "-name", "prime256v1", "-genkey", "-noout")
    params = _ssl(openssl, "ecparam", "-name", "secp384r1")
    with pytest.raises(InvalidValue, match="another curve"):
        load_pem_private_key_file(params + key)
    with pytest.raises(InvalidValue, match="found 2"):
        load_pem_private_key_file(key + key)
    with pytest.raises(InvalidValue, match="not its name"):      # a path given for the text
        load_pem_private_key_file("/etc/x509core/modality.key")


def _one_asymmetric_key(version, inner_public, outer_point):
    """OneAsymmetricKey (RFC 5958 §2) for P-256 with an optional [1] IMPLICIT publicKey."""
    from x509core.der import Writer
    w = Writer()
    with w.sequence():
        w.write_integer(version)
        with w.sequence():
            w.write_oid("1.2.840.10045.2.1")
            w.write_oid("1.2.840.10045.3.1.7")
        w.write_octet_string(_sec1(params="", public=inner_public))
        if outer_point is not None:
            w.write_implicit_primitive(1, b"\x00" + outer_point)
    return w.to_bytes()


def test_one_asymmetric_key_v2_public_key():
    g = ECPublicKey(P256, P256.gx, P256.gy)
    key_file = load_der_private_key_file(_one_asymmetric_key(1, False, g.to_encoded_point()))
    assert key_file == ECPrivateKeyFile(P256, g, "pkcs8")
    assert load_der_private_key_file(_one_asymmetric_key(1, True, g.to_encoded_point(True))).public_key == g
    with pytest.raises(DecodeError, match="needs version v2"):
        load_der_private_key_file(_one_asymmetric_key(0, False, g.to_encoded_point()))
    two_g = ECPublicKey.from_encoded_point(P256, bytes.fromhex(
        "047cf27b188d034f7e8a52380304b51ac3c08969e277f21b35a60b48fc47669978"
        "07775510db8ed040293d9ac69f7430dbba7dade63ce982299e04b79d227873d1"))
    with pytest.raises(DecodeError, match="differ"):
        load_der_private_key_file(_one_asymmetric_key(1, True, two_g.to_encoded_point()))
    assert load_der_private_key_file(_one_asymmetric_key(0, True, None)).public_key == g


@given(st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_decode_or_unsupported(data):
    try:
        load_der_private_key_file(data)
    except (DecodeError, UnsupportedAlgorithm):
        pass


@given(st.binary(min_size=0, max_size=40), st.booleans())
def test_arbitrary_secret_octets_are_never_read(secret, public):
    # Whatever the privateKey octets hold, only their length matters (RFC 5915 §3).
    data = _sec1(secret_len=len(secret), public=public).replace(b"\xff" * len(secret), secret, 1)
    try:
        key_file = load_der_private_key_file(data)
    except DecodeError as exc:
        assert len(secret) != 32 and "must be 32 octets" in str(exc)
    else:
        assert len(secret) == 32 and key_file.curve is P256


def test_encrypted_pkcs8_decrypted_by_the_caller_then_read(openssl, tmp_path):
    # How the CA layer reads an encrypted EC key: PBES2 (rsa/pbes2.py, a layer beside ec/)
    # decrypts the EncryptedPrivateKeyInfo, and this reader takes the plain PKCS #8 DER.
    from x509core.rsa import pbes2
    plain = tmp_path / "key.pem"
    _ssl(openssl, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", str(plain))
    encrypted = _ssl(openssl, "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", str(plain),
                     "-passout", "pass:modality", "-outform", "DER")
    key_file = load_der_private_key_file(pbes2.decrypt_private_key_info(encrypted, "modality"))
    assert key_file == load_pem_private_key_file(plain.read_text())
    assert key_file.public_key == _public_of(openssl, plain)
