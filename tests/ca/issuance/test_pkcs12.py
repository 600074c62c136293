"""x509core.ca.pkcs12: PFX files that OpenSSL 3 (CLI, without -legacy) and pyca/cryptography
read, that refuse a wrong password, and the PKCS#12 key derivation (RFC 7292 Appendix B.2)."""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12 as crypto_pkcs12

from tests.cert.building.profiles import client_builder, root_ca_builder
from tests.rsa.keys_fixture import RSA_2048, RSA_3072, RSA_4096, private_key
from x509core import load_pem_certificates
from x509core.ca.pkcs12 import (DEFAULT_ITERATIONS, PKCS12DecryptionFailed, export_pkcs12,
                                load_pkcs12, pkcs12_kdf)
from x509core.errors import DecodeError, InvalidValue, X509CoreError
from x509core.rsa import load_pem_private_key

FAST = 2048                    # OpenSSL 3's own default count; the default (600,000) runs once
PASSWORD = "pässwörd 1"        # non-ASCII: UTF-8 for PBES2, BMPString for the MAC


@pytest.fixture(scope="module")
def pki():
    now = datetime.now(timezone.utc).replace(microsecond=0)
    ca_key, leaf_key = private_key(RSA_4096), private_key(RSA_2048)
    root = root_ca_builder(ca_key.public_key(), "/C=CN/O=Links Test/CN=Links Root",
                           now - timedelta(days=1)).sign(ca_key)
    leaf = client_builder(root, leaf_key.public_key(), "Links Test", "PACS0000WKSTN001",
                          now - timedelta(days=1), now + timedelta(days=30),
                          machine_identity="c417aa4802b3441d931c135cbdaab367").sign(ca_key)
    return root, leaf, leaf_key


@pytest.fixture(scope="module")
def pfx(pki):
    root, leaf, key = pki
    return export_pkcs12(leaf, key, password=PASSWORD.encode(), chain=[root],
                         friendly_name="PACS workstation 1", iterations=FAST)


def _openssl_pkcs12(openssl, path, password: str, *extra: str):
    return subprocess.run([openssl, "pkcs12", "-in", str(path), "-passin", f"pass:{password}",
                           *extra], capture_output=True, timeout=60)


# -- the PKCS#12 KDF --------------------------------------------------------------------------

# RFC 7292 Appendix B.2 vectors used by OpenSSL's and Bouncy Castle's tests (and checked here
# against `openssl kdf ... PKCS12KDF`): password "smeg" as a BMPString with its terminator, SHA-1.
SMEG = "smeg".encode("utf-16-be") + b"\x00\x00"
KDF_VECTORS = [
    (SMEG, "0a58cf64530d823f", 1, 1, 24, "8aaae6297b6cb04642ab5b077851284eb7128f1a2a7fbca3"),
    (SMEG, "0a58cf64530d823f", 2, 1, 8, "79993dfe048d3b76"),
    (SMEG, "642b99ab44fb4b1f", 1, 1, 24, "f3a95fec48d7711e985cfe67908c5ab79fa3d7c5caa5d966"),
    (SMEG, "642b99ab44fb4b1f", 2, 1, 8, "c0a38d64a79bea1d"),
]


@pytest.mark.parametrize("password, salt, purpose, iterations, length, expected", KDF_VECTORS)
def test_pkcs12_kdf_known_vectors(password, salt, purpose, iterations, length, expected):
    assert pkcs12_kdf(password, bytes.fromhex(salt), purpose, iterations, length,
                      "sha1").hex() == expected


@pytest.mark.parametrize("hash_name, iterations, length", [
    ("sha256", 1, 32), ("sha256", 2048, 32), ("sha256", 3, 80), ("sha512", 5, 64),
])
def test_pkcs12_kdf_matches_openssl(openssl, hash_name, iterations, length):
    password, salt = PASSWORD.encode("utf-16-be") + b"\x00\x00", bytes(range(20))
    done = subprocess.run([openssl, "kdf", "-keylen", str(length), "-kdfopt",
                           f"digest:{hash_name.upper()}", "-kdfopt", f"hexpass:{password.hex()}",
                           "-kdfopt", f"hexsalt:{salt.hex()}", "-kdfopt", f"iter:{iterations}",
                           "-kdfopt", "id:3", "PKCS12KDF"], capture_output=True, text=True,
                          timeout=60, check=True)
    expected = bytes.fromhex(done.stdout.strip().replace(":", ""))
    assert pkcs12_kdf(password, salt, 3, iterations, length, hash_name) == expected


# -- OpenSSL 3 and pyca/cryptography read what we write ---------------------------------------

def test_openssl_reads_it_without_legacy(openssl, tmp_path, pki, pfx):
    root, leaf, key = pki
    path = tmp_path / "client.p12"
    path.write_bytes(pfx)
    done = _openssl_pkcs12(openssl, path, PASSWORD, "-nodes", "-info")
    assert done.returncode == 0, done.stderr.decode()
    info = done.stderr.decode()
    assert "MAC: sha256, Iteration 2048" in info
    assert "PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256" in info
    assert "Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256" in info
    out = done.stdout.decode("utf-8", "replace")
    assert [c.to_der() for c in load_pem_certificates(out)] == [leaf.to_der(), root.to_der()]
    start = out.index("-----BEGIN PRIVATE KEY-----")
    end = out.index("-----END PRIVATE KEY-----") + len("-----END PRIVATE KEY-----")
    assert load_pem_private_key(out[start:end]).n == key.n
    assert "friendlyName: PACS workstation 1" in out


def test_pyca_reads_it(pki, pfx):
    root, leaf, key = pki
    loaded = crypto_pkcs12.load_pkcs12(pfx, PASSWORD.encode())
    assert loaded.key.private_numbers().d == key.d
    assert loaded.cert.certificate.public_bytes(Encoding.DER) == leaf.to_der()
    assert loaded.cert.friendly_name == b"PACS workstation 1"
    assert [c.certificate.public_bytes(Encoding.DER) for c in loaded.additional_certs] == [root.to_der()]


def test_wrong_password_is_refused_by_all_three(openssl, tmp_path, pfx):
    path = tmp_path / "client.p12"
    path.write_bytes(pfx)
    done = _openssl_pkcs12(openssl, path, "wrong password", "-nodes", "-info")
    assert done.returncode != 0 and b"Mac verify error" in done.stderr
    with pytest.raises(ValueError):
        crypto_pkcs12.load_key_and_certificates(pfx, b"wrong password")
    with pytest.raises(PKCS12DecryptionFailed, match="wrong password or corrupt data"):
        load_pkcs12(pfx, "wrong password")


def test_default_iterations(openssl, tmp_path, pki):
    root, leaf, key = pki
    path = tmp_path / "default.p12"
    path.write_bytes(export_pkcs12(leaf, key, password=b"secret"))
    done = _openssl_pkcs12(openssl, path, "secret", "-nodes", "-info", "-nokeys")
    assert done.returncode == 0, done.stderr.decode()
    assert DEFAULT_ITERATIONS == 600_000
    assert f"MAC: sha256, Iteration {DEFAULT_ITERATIONS}" in done.stderr.decode()
    assert f"AES-256-CBC, Iteration {DEFAULT_ITERATIONS}" in done.stderr.decode()


# -- our reader: round trips, OpenSSL's files, tampering ---------------------------------------

def test_round_trip(pki, pfx):
    root, leaf, key = pki
    contents = load_pkcs12(pfx, PASSWORD)
    assert contents.private_key.d == key.d
    assert contents.certificate.to_der() == leaf.to_der()
    assert [c.to_der() for c in contents.chain] == [root.to_der()]
    assert contents.friendly_name == "PACS workstation 1"


def test_each_export_is_fresh(pki):
    root, leaf, key = pki
    one = export_pkcs12(leaf, key, password="x", iterations=1)
    two = export_pkcs12(leaf, key, password="x", iterations=1)
    assert one != two                                             # new salts and IVs
    assert load_pkcs12(one, "x").friendly_name is None


def test_reads_openssl_default_export(openssl, tmp_path, pki):
    root, leaf, key = pki
    (tmp_path / "leaf.pem").write_text(leaf.to_pem() + root.to_pem())
    (tmp_path / "key.pem").write_text(key.to_pem())
    subprocess.run([openssl, "pkcs12", "-export", "-in", str(tmp_path / "leaf.pem"), "-inkey",
                    str(tmp_path / "key.pem"), "-out", str(tmp_path / "o.p12"), "-passout",
                    "pass:from openssl", "-name", "made by openssl"], check=True, timeout=60,
                   capture_output=True)
    contents = load_pkcs12((tmp_path / "o.p12").read_bytes(), b"from openssl")
    assert contents.private_key.n == key.n and contents.certificate.to_der() == leaf.to_der()
    assert [c.to_der() for c in contents.chain] == [root.to_der()]
    assert contents.friendly_name == "made by openssl"


def test_tampering_is_detected(pfx):
    for offset in (40, len(pfx) // 2, len(pfx) - 70):
        changed = bytearray(pfx)
        changed[offset] ^= 0x01
        with pytest.raises(X509CoreError):
            load_pkcs12(bytes(changed), PASSWORD)


def test_reader_refuses_garbage_and_missing_mac(pfx):
    with pytest.raises(DecodeError):
        load_pkcs12(b"\x30\x03\x02\x01", PASSWORD)
    # Drop MacData: rebuild the outer SEQUENCE from version and authSafe only.
    from x509core.der import Reader, Writer
    outer = Reader(pfx).read_sequence()
    version, auth_safe = outer.read_any(), outer.read_any()
    w = Writer()
    with w.sequence():
        w.write_raw(version)
        w.write_raw(auth_safe)
    with pytest.raises(X509CoreError, match="without a MAC"):
        load_pkcs12(w.to_bytes(), PASSWORD)


# -- input checks ---------------------------------------------------------------------------

def test_input_checks(pki):
    root, leaf, key = pki
    with pytest.raises(InvalidValue, match="empty password"):
        export_pkcs12(leaf, key, password=b"")
    with pytest.raises(InvalidValue, match="does not match"):
        export_pkcs12(leaf, private_key(RSA_3072), password=b"x", iterations=1)
    with pytest.raises(InvalidValue, match="UTF-8"):
        export_pkcs12(leaf, key, password=b"\xff\xfe", iterations=1)
    with pytest.raises(InvalidValue, match="iterations"):
        export_pkcs12(leaf, key, password=b"x", iterations=0)
    with pytest.raises(TypeError):
        export_pkcs12(leaf.to_der(), key, password=b"x")            # type: ignore[arg-type]
    with pytest.raises(TypeError):
        export_pkcs12(leaf, key, password=None)                     # type: ignore[arg-type]
    with pytest.raises(TypeError):
        export_pkcs12(leaf, key, password=b"x", chain=[b"not a cert"])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        load_pkcs12("text", "x")                                    # type: ignore[arg-type]
