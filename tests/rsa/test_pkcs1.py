"""PKCS #1 v1.5 signatures and encryption, I2OSP/OS2IP (x509core/rsa/pkcs1.py), with OpenSSL
(through pyca/cryptography) as the oracle."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.exceptions import InvalidSignature as CryptographyInvalidSignature
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.rsa.keys_fixture import (ALL_KEYS, CRYPTOGRAPHY_HASHES, RSA_2048, RSA_4096, private_key,
                                    to_cryptography)
from x509core.errors import InvalidSignature, InvalidValue, UnsupportedAlgorithm
from x509core.rsa import pkcs1
from x509core.rsa.key import RSAPrivateKey, rsadp, rsaep, rsasp1
from x509core.rsa.pkcs1 import (DIGEST_INFO_PREFIXES, SIGNING_HASHES, emsa_pkcs1_v15_encode, i2osp,
                                os2ip)

KEY = private_key(RSA_2048)
PUB = KEY.public_key()
K = KEY.size_in_bytes
ORACLE = to_cryptography(KEY)
ALL_HASHES = sorted(DIGEST_INFO_PREFIXES)


# -- I2OSP / OS2IP (RFC 8017 §4) -------------------------------------------------------------------

@pytest.mark.parametrize("x, length, octets", [
    (0, 0, ""), (0, 1, "00"), (1, 4, "00000001"), (255, 1, "ff"), (256, 2, "0100"),
    (0x0102030405, 8, "0000000102030405"),
])
def test_i2osp_and_os2ip(x, length, octets):
    assert i2osp(x, length) == bytes.fromhex(octets)
    assert os2ip(bytes.fromhex(octets)) == x


@pytest.mark.parametrize("x, length", [(256, 1), (1, 0), (-1, 4), (1 << 2048, 256)])
def test_i2osp_integer_too_large(x, length):
    with pytest.raises(InvalidValue, match="integer too large"):
        i2osp(x, length)


def test_octet_conversions_check_types():
    with pytest.raises(TypeError):
        i2osp(True, 1)
    with pytest.raises(TypeError):
        i2osp(1.0, 1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        os2ip("00")  # type: ignore[arg-type]
    assert os2ip(bytearray(b"\x01\x00")) == os2ip(memoryview(b"\x01\x00")) == 256


# -- DigestInfo prefixes (RFC 8017 §9.2 Note 1) ------------------------------------------------------

_HASH_OIDS = {  # hashlib name -> OID arcs, written out independently of pkcs1.py
    "sha1": "1.3.14.3.2.26", "sha256": "2.16.840.1.101.3.4.2.1", "sha384": "2.16.840.1.101.3.4.2.2",
    "sha512": "2.16.840.1.101.3.4.2.3", "sha224": "2.16.840.1.101.3.4.2.4",
    "sha512_224": "2.16.840.1.101.3.4.2.5", "sha512_256": "2.16.840.1.101.3.4.2.6",
    "sha3_224": "2.16.840.1.101.3.4.2.7", "sha3_256": "2.16.840.1.101.3.4.2.8",
    "sha3_384": "2.16.840.1.101.3.4.2.9", "sha3_512": "2.16.840.1.101.3.4.2.10",
}


def _der_tlv(tag: int, content: bytes) -> bytes:
    assert len(content) < 128
    return bytes([tag, len(content)]) + content


def _der_oid(dotted: str) -> bytes:
    arcs = [int(a) for a in dotted.split(".")]
    body = bytearray([40 * arcs[0] + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        while arc > 0x7F:
            arc >>= 7
            chunk.insert(0, 0x80 | (arc & 0x7F))
        body += bytes(chunk)
    return _der_tlv(0x06, bytes(body))


@pytest.mark.parametrize("hash_name", ALL_HASHES)
def test_digest_info_prefix_is_the_der_of_digest_info(hash_name):
    digest = hashlib.new(hash_name, b"abc").digest()
    algorithm = _der_tlv(0x30, _der_oid(_HASH_OIDS[hash_name]) + b"\x05\x00")
    digest_info = _der_tlv(0x30, algorithm + _der_tlv(0x04, digest))
    assert DIGEST_INFO_PREFIXES[hash_name] + digest == digest_info


def test_digest_info_prefixes_cover_every_supported_hash():
    assert set(DIGEST_INFO_PREFIXES) == set(_HASH_OIDS)
    assert SIGNING_HASHES == ("sha256", "sha384", "sha512")


def test_emsa_pkcs1_v15_layout():
    em = emsa_pkcs1_v15_encode("sha256", b"abc", K)
    t = DIGEST_INFO_PREFIXES["sha256"] + hashlib.sha256(b"abc").digest()
    assert em == b"\x00\x01" + b"\xff" * (K - len(t) - 3) + b"\x00" + t
    assert emsa_pkcs1_v15_encode("sha256", b"abc", len(t) + 11)[:11] == b"\x00\x01" + b"\xff" * 8 + b"\x00"
    with pytest.raises(InvalidValue, match="intended encoded message length too short"):
        emsa_pkcs1_v15_encode("sha256", b"abc", len(t) + 10)


# -- signatures, against OpenSSL ------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(ALL_KEYS))
@pytest.mark.parametrize("hash_name", SIGNING_HASHES)
def test_signatures_are_byte_identical_to_openssl(name, hash_name):
    key = private_key(ALL_KEYS[name])
    oracle = to_cryptography(key)
    for message in (b"", b"abc", bytes(range(256)) * 5):
        ours = pkcs1.sign(key, hash_name, message)
        theirs = oracle.sign(message, padding.PKCS1v15(), CRYPTOGRAPHY_HASHES[hash_name])
        assert ours == theirs
        oracle.public_key().verify(ours, message, padding.PKCS1v15(), CRYPTOGRAPHY_HASHES[hash_name])
        pkcs1.verify(key.public_key(), hash_name, message, theirs)


@pytest.mark.parametrize("hash_name", ALL_HASHES)
def test_verify_accepts_openssl_signatures_with_every_hash(hash_name):
    signature = ORACLE.sign(b"legacy", padding.PKCS1v15(), CRYPTOGRAPHY_HASHES[hash_name])
    pkcs1.verify(PUB, hash_name, b"legacy", signature)
    PUB.verify(signature, b"legacy", hash_name)
    with pytest.raises(InvalidSignature):
        pkcs1.verify(PUB, hash_name, b"legacY", signature)


def test_fresh_openssl_key_signs_the_same():
    oracle = rsa.generate_private_key(65537, 2048)
    n = oracle.private_numbers()
    key = RSAPrivateKey(n=n.public_numbers.n, e=n.public_numbers.e, d=n.d, p=n.p, q=n.q,
                        dp=n.dmp1, dq=n.dmq1, qinv=n.iqmp)
    assert key.sign(b"fresh") == oracle.sign(b"fresh", padding.PKCS1v15(), CRYPTOGRAPHY_HASHES["sha256"])


@pytest.mark.parametrize("hash_name", ["sha1", "sha224", "sha512_224", "sha512_256", "sha3_256"])
def test_sign_refuses_verify_only_hashes(hash_name):
    with pytest.raises(UnsupportedAlgorithm, match=f"signing with {hash_name} is refused.*verification only"):
        pkcs1.sign(KEY, hash_name, b"m")


@pytest.mark.parametrize("hash_name", ["md5", "shake128", "SHA-256", "sha256 "])
def test_unknown_hashes_are_unsupported(hash_name):
    with pytest.raises(UnsupportedAlgorithm):
        pkcs1.sign(KEY, hash_name, b"m")
    with pytest.raises(UnsupportedAlgorithm):
        pkcs1.verify(PUB, hash_name, b"m", bytes(K))


def _raw_signature(em: bytes) -> bytes:
    return i2osp(rsasp1(KEY, os2ip(em)), K)


def _forged_encodings() -> dict[str, bytes]:
    """Encoded messages that a parsing verifier might accept for sha256 and b"m"."""
    h = hashlib.sha256(b"m").digest()
    prefix = DIGEST_INFO_PREFIXES["sha256"]
    no_null = bytes.fromhex("302f300b0609608648016503040201") + b"\x04\x20" + h
    ber = b"\x30\x81\x31" + prefix[2:] + h               # a long-form length: BER, not DER
    good = emsa_pkcs1_v15_encode("sha256", b"m", K)

    def pad(t: bytes) -> bytes:
        return b"\x00\x01" + b"\xff" * (K - len(t) - 3) + b"\x00" + t
    return {
        "missing NULL": pad(no_null),
        "BER length in DigestInfo": pad(ber),
        "garbage after digest": good[1:] + b"\x00",
        "short padding": b"\x00\x01" + b"\xff" * 8 + b"\x00" + prefix + h + bytes(K - 11 - len(prefix) - 32),
        "block type 2": b"\x00\x02" + good[2:],
        "wrong hash in DigestInfo": emsa_pkcs1_v15_encode("sha3_256", b"m", K),
        "non-ff padding": good[:5] + b"\xfe" + good[6:],
    }


@pytest.mark.parametrize("case", sorted(_forged_encodings()))
def test_verify_refuses_other_encodings(case):
    em = _forged_encodings()[case]
    assert len(em) == K
    with pytest.raises(InvalidSignature, match="^signature mismatch$"):
        pkcs1.verify(PUB, "sha256", b"m", _raw_signature(em))


@pytest.mark.parametrize("case", ["k-1 octets", "k+1 octets", "s = n", "s = n+1", "zero", "bit flip"])
def test_verify_refuses_malformed_signatures(case):
    good = pkcs1.sign(KEY, "sha256", b"m")
    signature = {
        "k-1 octets": good[1:], "k+1 octets": b"\x00" + good, "s = n": i2osp(KEY.n, K),
        "s = n+1": i2osp(KEY.n + 1, K), "zero": bytes(K),
        "bit flip": good[:-1] + bytes([good[-1] ^ 1]),
    }[case]
    with pytest.raises(InvalidSignature, match="^signature mismatch$"):
        pkcs1.verify(PUB, "sha256", b"m", signature)
    pkcs1.verify(PUB, "sha256", b"m", bytearray(good))


def test_verify_checks_argument_types():
    with pytest.raises(TypeError):
        pkcs1.verify(PUB, "sha256", "m", bytes(K))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        pkcs1.sign(KEY, "sha256", "m")  # type: ignore[arg-type]


# -- RSAES-PKCS1-v1_5 (RFC 8017 §7.2) --------------------------------------------------------------

@pytest.mark.parametrize("name", ["RSA_2048", "RSA_4096", "RSA_1025"])
def test_encryption_interoperates_with_openssl(name):
    key = private_key(ALL_KEYS[name])
    oracle = to_cryptography(key)
    k = key.size_in_bytes
    for message in (b"", b"x", bytes(range(200))[: k - 11]):
        assert oracle.decrypt(pkcs1.encrypt(key.public_key(), message), padding.PKCS1v15()) == message
        assert pkcs1.decrypt(key, oracle.public_key().encrypt(message, padding.PKCS1v15())) == message


def test_encryption_padding_is_random_and_nonzero():
    first, second = pkcs1.encrypt(PUB, b"same"), pkcs1.encrypt(PUB, b"same")
    assert first != second
    em = i2osp(rsadp(KEY, os2ip(first)), K)
    ps = em[2:K - 5]
    assert em[:2] == b"\x00\x02" and em[K - 5:] == b"\x00same" and b"\x00" not in ps


def test_encryption_message_too_long():
    pkcs1.encrypt(PUB, bytes(K - 11))
    with pytest.raises(InvalidValue, match="message too long"):
        pkcs1.encrypt(PUB, bytes(K - 10))


def _ciphertext_of(em: bytes) -> bytes:
    return i2osp(rsaep(PUB, os2ip(em)), K)


def _bad_ciphertexts() -> dict[str, bytes]:
    m = b"message"
    ps = b"\x5a" * (K - len(m) - 3)
    return {
        "first octet 01": _ciphertext_of(b"\x01\x02" + ps + b"\x00" + m),
        "block type 1": _ciphertext_of(b"\x00\x01" + ps + b"\x00" + m),
        "block type 0": _ciphertext_of(b"\x00\x00" + ps + b"\x00" + m),
        "no separator": _ciphertext_of(b"\x00\x02" + b"\x5a" * (K - 2)),
        "PS of 7 octets": _ciphertext_of(b"\x00\x02" + b"\x5a" * 7 + b"\x00" + bytes(K - 10)),
        "PS of 0 octets": _ciphertext_of(b"\x00\x02\x00" + b"\x5a" * (K - 3)),
        "ciphertext k-1 octets": _ciphertext_of(b"\x00\x02" + ps + b"\x00" + m)[1:],
        "ciphertext k+1 octets": b"\x00" + _ciphertext_of(b"\x00\x02" + ps + b"\x00" + m),
        "c = n": i2osp(KEY.n, K),
        "c = 2^(8k) - 1": b"\xff" * K,
        "empty": b"",
    }


def test_decryption_failures_are_indistinguishable():
    outcomes = set()
    for ciphertext in _bad_ciphertexts().values():
        with pytest.raises(InvalidValue) as caught:
            pkcs1.decrypt(KEY, ciphertext)
        outcomes.add((type(caught.value), str(caught.value), caught.value.args))
    assert outcomes == {(InvalidValue, "decryption error", ("decryption error",))}


def test_decryption_padding_boundaries():
    assert pkcs1.decrypt(KEY, _ciphertext_of(b"\x00\x02" + b"\x5a" * 8 + b"\x00" + b"M" * (K - 11))) \
        == b"M" * (K - 11)
    assert pkcs1.decrypt(KEY, _ciphertext_of(b"\x00\x02" + b"\x01" * (K - 3) + b"\x00")) == b""
    assert pkcs1.decrypt(KEY, _ciphertext_of(b"\x00\x02" + b"\xff" * (K - 5) + b"\x00\x00\x00")) == b"\x00\x00"


def test_decryption_with_the_key_methods():
    big = private_key(RSA_4096)
    assert big.decrypt(big.public_key().encrypt(b"hello", "pkcs1v15"), "pkcs1v15") == b"hello"
    with pytest.raises(InvalidValue, match="^decryption error$"):
        KEY.decrypt(_bad_ciphertexts()["no separator"], "pkcs1v15")


def test_oracle_detects_a_wrong_signature():
    # The cross-checks can fail: OpenSSL refuses a signature that is off by one bit.
    signature = bytearray(pkcs1.sign(KEY, "sha256", b"m"))
    signature[10] ^= 0x80
    with pytest.raises(CryptographyInvalidSignature):
        ORACLE.public_key().verify(bytes(signature), b"m", padding.PKCS1v15(), CRYPTOGRAPHY_HASHES["sha256"])
