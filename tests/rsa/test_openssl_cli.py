"""Signatures and ciphertexts cross-checked with the OpenSSL CLI, both ways (issue 3).

OpenSSL verifies what we sign (``openssl dgst -verify``, ``openssl pkeyutl -verify``), we verify
what it signs, PKCS#1 v1.5 signatures are byte-identical to OpenSSL's for the same key and
message (the scheme is deterministic, RFC 8017 §8.2.1), and OAEP / PKCS#1 v1.5 ciphertexts
decrypt both ways. The keys are the fixture keys, written out as PKCS#8 PEM for the CLI.
"""

from __future__ import annotations

import hashlib
import subprocess

import pytest

from tests.rsa.keys_fixture import RSA_2048, RSA_4096, private_key
from x509core.errors import InvalidSignature

MESSAGE = b"DICOM association from CT-7 to PACS-1\n" * 3
KEYS = {"2048": RSA_2048, "4096": RSA_4096}


def _ssl(openssl: str, *args: str, data: bytes | None = None) -> bytes:
    done = subprocess.run([openssl, *args], input=data, capture_output=True, timeout=60)
    if done.returncode != 0:
        raise AssertionError(f"openssl {' '.join(args)} failed: {done.stderr.decode(errors='replace')}")
    return done.stdout


@pytest.fixture(scope="module", params=sorted(KEYS))
def key_files(request, tmp_path_factory):
    key = private_key(KEYS[request.param])
    where = tmp_path_factory.mktemp(f"rsa{request.param}")
    (where / "key.pem").write_text(key.to_pem())
    (where / "pub.pem").write_text(key.public_key().to_pem())
    (where / "msg").write_bytes(MESSAGE)
    return key, where


@pytest.mark.parametrize("hash_name", ["sha256", "sha384", "sha512"])
def test_pkcs1v15_signature_is_byte_identical_and_verifies_both_ways(openssl, key_files, hash_name):
    key, where = key_files
    ours = key.sign(MESSAGE, hash_name, "pkcs1v15")
    theirs = _ssl(openssl, "dgst", f"-{hash_name}", "-sign", str(where / "key.pem"), str(where / "msg"))
    assert ours == theirs
    (where / "sig").write_bytes(ours)
    out = _ssl(openssl, "dgst", f"-{hash_name}", "-verify", str(where / "pub.pem"),
               "-signature", str(where / "sig"), str(where / "msg"))
    assert b"Verified OK" in out
    (where / "digest").write_bytes(hashlib.new(hash_name, MESSAGE).digest())
    out = _ssl(openssl, "pkeyutl", "-verify", "-pubin", "-inkey", str(where / "pub.pem"),
               "-sigfile", str(where / "sig"), "-in", str(where / "digest"),
               "-pkeyopt", f"digest:{hash_name}")
    assert b"Signature Verified Successfully" in out
    key.public_key().verify(theirs, MESSAGE, hash_name, "pkcs1v15")


def test_openssl_refuses_our_signature_on_another_message(openssl, key_files):
    key, where = key_files
    (where / "sig").write_bytes(key.sign(MESSAGE + b"!", "sha256"))
    done = subprocess.run([openssl, "dgst", "-sha256", "-verify", str(where / "pub.pem"),
                           "-signature", str(where / "sig"), str(where / "msg")],
                          capture_output=True, timeout=60)
    assert done.returncode == 1 and b"Verification failure" in done.stdout + done.stderr


@pytest.mark.parametrize("hash_name", ["sha256", "sha512"])
def test_pss_signatures_verify_both_ways(openssl, key_files, hash_name):
    key, where = key_files
    salt = hashlib.new(hash_name).digest_size
    (where / "pss.sig").write_bytes(key.sign(MESSAGE, hash_name, "pss"))
    pss = ["-sigopt", "rsa_padding_mode:pss", "-sigopt", f"rsa_pss_saltlen:{salt}",
           "-sigopt", f"rsa_mgf1_md:{hash_name}"]
    out = _ssl(openssl, "dgst", f"-{hash_name}", *pss, "-verify", str(where / "pub.pem"),
               "-signature", str(where / "pss.sig"), str(where / "msg"))
    assert b"Verified OK" in out
    # OpenSSL signs with the largest salt ("max"); any salt length verifies (RFC 8017 §9.1.2).
    theirs = _ssl(openssl, "dgst", f"-{hash_name}", "-sigopt", "rsa_padding_mode:pss",
                  "-sigopt", "rsa_pss_saltlen:max", "-sign", str(where / "key.pem"), str(where / "msg"))
    key.public_key().verify(theirs, MESSAGE, hash_name, "pss")
    with pytest.raises(InvalidSignature):
        key.public_key().verify(theirs, MESSAGE + b"!", hash_name, "pss")


@pytest.mark.parametrize("label", [b"", b"x509core"])
def test_oaep_ciphertexts_decrypt_both_ways(openssl, key_files, label):
    key, where = key_files
    plaintext = b"session key material 0123456789abcdef"
    oaep = ["-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256",
            "-pkeyopt", "rsa_mgf1_md:sha256"]
    if label:
        oaep += ["-pkeyopt", f"rsa_oaep_label:{label.hex()}"]
    theirs = _ssl(openssl, "pkeyutl", "-encrypt", "-pubin", "-inkey", str(where / "pub.pem"), *oaep,
                  data=plaintext)
    assert key.decrypt(theirs, "oaep", "sha256", label) == plaintext
    ours = key.public_key().encrypt(plaintext, "oaep", "sha256", label)
    assert _ssl(openssl, "pkeyutl", "-decrypt", "-inkey", str(where / "key.pem"), *oaep,
                data=ours) == plaintext


def test_pkcs1v15_encryption_decrypts_both_ways(openssl, key_files):
    key, where = key_files
    plaintext = b"legacy peer secret"
    theirs = _ssl(openssl, "pkeyutl", "-encrypt", "-pubin", "-inkey", str(where / "pub.pem"),
                  "-pkeyopt", "rsa_padding_mode:pkcs1", data=plaintext)
    assert key.decrypt(theirs, "pkcs1v15") == plaintext
    ours = key.public_key().encrypt(plaintext, "pkcs1v15")
    assert _ssl(openssl, "pkeyutl", "-decrypt", "-inkey", str(where / "key.pem"),
                "-pkeyopt", "rsa_padding_mode:pkcs1", data=ours) == plaintext
