"""RSAES-OAEP (x509core/rsa/oaep.py), with OpenSSL (through pyca/cryptography) as the oracle."""

from __future__ import annotations

import functools
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric import padding

from tests.rsa.keys_fixture import (ALL_KEYS, CRYPTOGRAPHY_HASHES, RSA_1025, RSA_2048, private_key,
                                    to_cryptography)
from x509core.errors import InvalidValue, UnsupportedAlgorithm
from x509core.rsa import oaep
from x509core.rsa._octets import mgf1, xor
from x509core.rsa.key import rsadp, rsaep
from x509core.rsa.oaep import eme_oaep_decode, eme_oaep_encode
from x509core.rsa.pkcs1 import i2osp, os2ip

KEY = private_key(RSA_2048)
PUB = KEY.public_key()
K = KEY.size_in_bytes
ORACLE = to_cryptography(KEY)


def _openssl_oaep(hash_name: str, mgf_hash: str, label: bytes | None):
    return padding.OAEP(padding.MGF1(CRYPTOGRAPHY_HASHES[mgf_hash]), CRYPTOGRAPHY_HASHES[hash_name],
                        label or None)


@pytest.mark.parametrize("name", sorted(ALL_KEYS))
@pytest.mark.parametrize("hash_name, mgf_hash, label", [
    ("sha256", "sha256", b""), ("sha256", "sha1", b"label"), ("sha1", "sha1", b""),
    ("sha384", "sha256", b"\x00" * 40), ("sha512", "sha512", b"L"), ("sha224", "sha224", b""),
])
def test_interoperates_with_openssl(name, hash_name, mgf_hash, label):
    key = private_key(ALL_KEYS[name])
    oracle = to_cryptography(key)
    scheme = _openssl_oaep(hash_name, mgf_hash, label)
    h_len = hashlib.new(hash_name).digest_size
    longest = key.size_in_bytes - 2 * h_len - 2
    if longest < 0:                    # RSA_1025 with sha512: both sides refuse
        with pytest.raises(InvalidValue, match="too short"):
            oaep.encrypt(key.public_key(), b"", hash_name=hash_name, mgf1_hash_name=mgf_hash)
        with pytest.raises(ValueError):
            oracle.public_key().encrypt(b"", scheme)
        return
    for message in (b"", b"m", bytes(range(256))[:longest]):
        ours = oaep.encrypt(key.public_key(), message, hash_name=hash_name, mgf1_hash_name=mgf_hash,
                            label=label)
        assert oracle.decrypt(ours, scheme) == message
        theirs = oracle.public_key().encrypt(message, scheme)
        assert oaep.decrypt(key, theirs, hash_name=hash_name, mgf1_hash_name=mgf_hash, label=label) == message


def test_defaults_are_sha256_without_label():
    ciphertext = PUB.encrypt(b"default")
    assert ORACLE.decrypt(ciphertext, _openssl_oaep("sha256", "sha256", None)) == b"default"
    assert KEY.decrypt(ORACLE.public_key().encrypt(b"x", _openssl_oaep("sha256", "sha256", None))) == b"x"


def test_encryption_is_randomized():
    assert oaep.encrypt(PUB, b"same") != oaep.encrypt(PUB, b"same")


def test_eme_oaep_known_layout():
    seed = bytes(range(32))
    em = eme_oaep_encode(b"hi", K, "sha256", None, b"L", seed)
    masked_seed, masked_db = em[1:33], em[33:]
    assert em[0] == 0 and len(em) == K
    recovered_seed = xor(masked_seed, mgf1(masked_db, 32, "sha256"))
    db = xor(masked_db, mgf1(recovered_seed, K - 33, "sha256"))
    assert recovered_seed == seed
    assert db == hashlib.sha256(b"L").digest() + bytes(K - 2 - 2 * 32 - 2) + b"\x01hi"
    assert eme_oaep_decode(em, "sha256", None, b"L") == b"hi"


def test_message_and_key_length_limits():
    longest = K - 2 * 32 - 2
    oaep.encrypt(PUB, bytes(longest))
    with pytest.raises(InvalidValue, match="message too long"):
        oaep.encrypt(PUB, bytes(longest + 1))
    small = private_key(RSA_1025)      # k = 129 < 2 * 64 + 2: no room for OAEP with sha512
    with pytest.raises(InvalidValue, match="too short for RSAES-OAEP with sha512"):
        oaep.encrypt(small.public_key(), b"", hash_name="sha512")
    with pytest.raises(InvalidValue, match="^decryption error$"):
        oaep.decrypt(small, bytes(129), hash_name="sha512")
    with pytest.raises(InvalidValue, match="seed must be 32 octets"):
        eme_oaep_encode(b"", K, "sha256", None, b"", bytes(31))


def test_unsupported_options_are_not_decryption_errors():
    ciphertext = oaep.encrypt(PUB, b"m")
    for hash_name, mgf_hash in (("shake128", None), ("md5", None), ("sha256", "shake256")):
        with pytest.raises(UnsupportedAlgorithm):
            oaep.decrypt(KEY, ciphertext, hash_name=hash_name, mgf1_hash_name=mgf_hash)
        with pytest.raises(UnsupportedAlgorithm):
            oaep.encrypt(PUB, b"m", hash_name=hash_name, mgf1_hash_name=mgf_hash)
    with pytest.raises(TypeError):
        oaep.decrypt(KEY, ciphertext, label="text")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        oaep.encrypt(PUB, "text")  # type: ignore[arg-type]


# -- decryption failures (RFC 8017 §7.1.2; Manger, CRYPTO 2001) ------------------------------------

def _ciphertext_of_db(db: bytes, y: int = 0, seed: bytes = b"\x42" * 32) -> bytes:
    """The ciphertext of the EM that masks the chosen DB (sha256, MGF1-sha256)."""
    masked_db = xor(db, mgf1(seed, K - 33, "sha256"))
    masked_seed = xor(seed, mgf1(masked_db, 32, "sha256"))
    return i2osp(rsaep(PUB, os2ip(bytes([y]) + masked_seed + masked_db)), K)


@functools.cache
def _bad_ciphertexts() -> dict[str, bytes]:
    l_hash = hashlib.sha256(b"").digest()
    good_db = l_hash + bytes(K - 33 - 32 - 6) + b"\x01" + b"hello"
    return {
        "Y = 1": _ciphertext_of_db(good_db, y=1),
        "Y = 0x80": _ciphertext_of_db(good_db, y=0x80),
        "wrong lHash": _ciphertext_of_db(b"\xff" + good_db[1:]),
        "label mismatch": oaep.encrypt(PUB, b"hello", label=b"other"),
        "no 0x01": _ciphertext_of_db(l_hash + bytes(K - 33 - 32)),
        "0x02 before 0x01": _ciphertext_of_db(l_hash + bytes(10) + b"\x02\x01" + bytes(K - 33 - 32 - 12)),
        "0x01 replaced by 0xff": _ciphertext_of_db(good_db[:-6] + b"\xffhello"),
        "MGF1 hash mismatch": oaep.encrypt(PUB, b"hello", mgf1_hash_name="sha1"),
        "ciphertext k-1 octets": oaep.encrypt(PUB, b"hello")[1:],
        "ciphertext k+1 octets": b"\x00" + oaep.encrypt(PUB, b"hello"),
        "c = n": i2osp(KEY.n, K),
        "c = 2^(8k) - 1": b"\xff" * K,
        "empty": b"",
    }


def test_the_crafted_ciphertexts_are_sound():
    l_hash = hashlib.sha256(b"").digest()
    good = _ciphertext_of_db(l_hash + bytes(K - 33 - 32 - 6) + b"\x01" + b"hello")
    assert oaep.decrypt(KEY, good) == b"hello"
    assert i2osp(rsadp(KEY, os2ip(_bad_ciphertexts()["Y = 1"])), K)[0] == 1


def test_decryption_failures_are_indistinguishable():
    outcomes = set()
    for ciphertext in _bad_ciphertexts().values():
        with pytest.raises(InvalidValue) as caught:
            oaep.decrypt(KEY, ciphertext)
        outcomes.add((type(caught.value), str(caught.value), caught.value.args))
    assert outcomes == {(InvalidValue, "decryption error", ("decryption error",))}
    with pytest.raises(InvalidValue, match="^decryption error$"):
        KEY.decrypt(_bad_ciphertexts()["no 0x01"])


def test_separator_scan_edge_cases():
    l_hash = hashlib.sha256(b"").digest()
    # no PS at all: DB = lHash || 0x01 || M with the longest M
    longest = b"M" * (K - 2 * 32 - 2)
    assert oaep.decrypt(KEY, _ciphertext_of_db(l_hash + b"\x01" + longest)) == longest
    # the message itself may hold 0x00, 0x01 and other octets after the separator
    assert oaep.decrypt(KEY, _ciphertext_of_db(l_hash + bytes(K - 33 - 32 - 4) + b"\x01\x00\x01\x02")) \
        == b"\x00\x01\x02"
    # 0x01 as the very last octet: an empty message
    assert oaep.decrypt(KEY, _ciphertext_of_db(l_hash + bytes(K - 33 - 32 - 1) + b"\x01")) == b""
