"""RSASSA-PSS, EMSA-PSS and MGF1 (x509core/rsa/pss.py, x509core/rsa/_octets.py), with OpenSSL
(through pyca/cryptography) as the oracle."""

from __future__ import annotations

import functools
import hashlib

import pytest
from cryptography.exceptions import InvalidSignature as CryptographyInvalidSignature
from cryptography.hazmat.primitives.asymmetric import padding

from tests.rsa.keys_fixture import (ALL_KEYS, CRYPTOGRAPHY_HASHES, RSA_1025, RSA_2048, private_key,
                                    to_cryptography)
from x509core.errors import InvalidSignature, InvalidValue, UnsupportedAlgorithm
from x509core.rsa import pss
from x509core.rsa._octets import HASH_NAMES, mgf1, xor
from x509core.rsa.key import rsasp1
from x509core.rsa.pkcs1 import SIGNING_HASHES, i2osp, os2ip
from x509core.rsa.pss import emsa_pss_encode, emsa_pss_verify

KEY = private_key(RSA_2048)
PUB = KEY.public_key()
ORACLE = to_cryptography(KEY)
SMALL = private_key(RSA_1025)          # modBits - 1 = 1024: emLen = k - 1


# -- MGF1 (RFC 8017 §B.2.1) ------------------------------------------------------------------------

@pytest.mark.parametrize("seed, length, hash_name, expected", [
    # The example outputs of the Wikipedia article "Mask generation function" (MGF1).
    (b"foo", 3, "sha1", "1ac907"),
    (b"foo", 5, "sha1", "1ac9075cd4"),
    (b"bar", 5, "sha1", "bc0c655e01"),
    (b"bar", 50, "sha1", "bc0c655e016bc2931d85a2e675181adcef7f581f76df2739da74faac41627be2"
                         "f7f415c89e983fd0ce80ced9878641cb4876"),
    (b"bar", 50, "sha256", "382576a7841021cc28fc4c0948753fb8312090cea942ea4c4e735d10dc724b15"
                           "5f9f6069f289d61daca0cb814502ef04eae1"),
])
def test_mgf1_known_answers(seed, length, hash_name, expected):
    assert mgf1(seed, length, hash_name).hex() == expected


@pytest.mark.parametrize("hash_name", sorted(HASH_NAMES))
def test_mgf1_follows_the_definition(hash_name):
    h_len = hashlib.new(hash_name).digest_size
    for length in (0, 1, h_len - 1, h_len, h_len + 1, 3 * h_len + 5):
        blocks = b"".join(hashlib.new(hash_name, b"seed" + c.to_bytes(4, "big")).digest()
                          for c in range(length // h_len + 1))
        assert mgf1(b"seed", length, hash_name) == blocks[:length]


# -- EMSA-PSS (RFC 8017 §9.1) ----------------------------------------------------------------------

def test_emsa_pss_layout_and_round_trip():
    salt = bytes(range(32))
    em = emsa_pss_encode(b"msg", 2047, "sha256", salt)
    assert len(em) == 256 and em[-1] == 0xBC and em[0] < 0x80
    assert emsa_pss_verify(b"msg", em, 2047, "sha256", 32)
    assert emsa_pss_verify(b"msg", em, 2047, "sha256", None)
    assert not emsa_pss_verify(b"msg", em, 2047, "sha256", 31)
    assert not emsa_pss_verify(b"msG", em, 2047, "sha256", None)
    assert not emsa_pss_verify(b"msg", em, 2047, "sha256", None, "sha1")
    h = em[-33:-1]
    assert h == hashlib.sha256(bytes(8) + hashlib.sha256(b"msg").digest() + salt).digest()
    db = xor(em[:-33], mgf1(h, 256 - 33, "sha256"))
    assert db[0] & 0x7F == 0 and db[1:-33] == bytes(256 - 33 - 33 - 1) and db[-33:] == b"\x01" + salt


def test_emsa_pss_whole_octet_em_bits():
    em = emsa_pss_encode(b"msg", 1024, "sha512", b"s" * 20)
    assert len(em) == 128 and emsa_pss_verify(b"msg", em, 1024, "sha512", 20)


def test_emsa_pss_encoding_error():
    # emLen = 256 < hLen + sLen + 2 = 64 + 191 + 2
    emsa_pss_encode(b"m", 2047, "sha512", bytes(190))
    with pytest.raises(InvalidValue, match="encoding error"):
        emsa_pss_encode(b"m", 2047, "sha512", bytes(191))
    assert not emsa_pss_verify(b"m", emsa_pss_encode(b"m", 2047, "sha512", bytes(190)), 2047, "sha512", 191)


# -- RSASSA-PSS against OpenSSL --------------------------------------------------------------------

def _openssl_pss(salt_length, mgf_hash: str = "sha256"):
    return padding.PSS(padding.MGF1(CRYPTOGRAPHY_HASHES[mgf_hash]), salt_length)


@pytest.mark.parametrize("name", sorted(ALL_KEYS))
@pytest.mark.parametrize("hash_name", SIGNING_HASHES)
def test_openssl_verifies_our_signatures(name, hash_name):
    key = private_key(ALL_KEYS[name])
    oracle = to_cryptography(key).public_key()
    h = CRYPTOGRAPHY_HASHES[hash_name]
    h_len = h.digest_size
    max_salt = (key.key_size - 1 + 7) // 8 - h_len - 2
    for salt_length in (None, 0, max_salt):
        expected = h_len if salt_length is None else salt_length
        if expected > max_salt:        # RSA_1025 with sha512: the default salt does not fit
            with pytest.raises(InvalidValue, match="encoding error"):
                pss.sign(key, hash_name, b"message", salt_length=salt_length)
            continue
        signature = pss.sign(key, hash_name, b"message", salt_length=salt_length)
        oracle.verify(signature, b"message", padding.PSS(padding.MGF1(h), expected), h)
        pss.verify(key.public_key(), hash_name, b"message", signature, salt_length=expected)


@pytest.mark.parametrize("name", sorted(ALL_KEYS))
@pytest.mark.parametrize("hash_name, mgf_hash", [
    ("sha256", "sha256"), ("sha256", "sha1"), ("sha512", "sha256"), ("sha1", "sha1"),
    ("sha224", "sha224"), ("sha3_256", "sha3_256"), ("sha512_256", "sha512_256"),
])
def test_we_verify_openssl_signatures(name, hash_name, mgf_hash):
    key = private_key(ALL_KEYS[name])
    oracle = to_cryptography(key)
    h_len = CRYPTOGRAPHY_HASHES[hash_name].digest_size
    fits = (key.key_size + 6) // 8 >= 2 * h_len + 2
    for salt_length in (padding.PSS.MAX_LENGTH, 0, 7) + ((padding.PSS.DIGEST_LENGTH,) if fits else ()):
        signature = oracle.sign(b"hello", _openssl_pss(salt_length, mgf_hash), CRYPTOGRAPHY_HASHES[hash_name])
        pss.verify(key.public_key(), hash_name, b"hello", signature, mgf1_hash_name=mgf_hash)
        with pytest.raises(InvalidSignature):
            pss.verify(key.public_key(), hash_name, b"hellO", signature, mgf1_hash_name=mgf_hash)
    signature = oracle.sign(b"hello", _openssl_pss(7, mgf_hash), CRYPTOGRAPHY_HASHES[hash_name])
    pss.verify(key.public_key(), hash_name, b"hello", signature, salt_length=7, mgf1_hash_name=mgf_hash)
    for wrong in (0, 6, 8):
        with pytest.raises(InvalidSignature):
            pss.verify(key.public_key(), hash_name, b"hello", signature, salt_length=wrong,
                       mgf1_hash_name=mgf_hash)


def test_signing_with_a_distinct_mgf1_hash():
    signature = pss.sign(KEY, "sha384", b"m", mgf1_hash_name="sha1")
    ORACLE.public_key().verify(signature, b"m", _openssl_pss(48, "sha1"), CRYPTOGRAPHY_HASHES["sha384"])
    with pytest.raises(CryptographyInvalidSignature):
        ORACLE.public_key().verify(signature, b"m", _openssl_pss(48, "sha384"), CRYPTOGRAPHY_HASHES["sha384"])
    with pytest.raises(InvalidSignature):
        pss.verify(PUB, "sha384", b"m", signature)


def test_signatures_are_randomized_unless_the_salt_is_empty():
    assert pss.sign(KEY, "sha256", b"m") != pss.sign(KEY, "sha256", b"m")
    assert pss.sign(KEY, "sha256", b"m", salt_length=0) == pss.sign(KEY, "sha256", b"m", salt_length=0)
    assert KEY.sign(b"m", padding="pss", salt_length=0) == pss.sign(KEY, "sha256", b"m", salt_length=0)


# -- refusals ------------------------------------------------------------------------------------

def _signature_of(em: bytes, key=KEY) -> bytes:
    return i2osp(rsasp1(key, os2ip(em)), key.size_in_bytes)


def _em_with_db(db: bytes, salt: bytes, message: bytes = b"m") -> bytes:
    """An EM for 2048-bit keys and sha256 built from a chosen DB (salt must end DB)."""
    h = hashlib.sha256(bytes(8) + hashlib.sha256(message).digest() + salt).digest()
    masked = bytearray(xor(db, mgf1(h, 256 - 33, "sha256")))
    masked[0] &= 0x7F
    return bytes(masked) + h + b"\xbc"


@functools.cache
def _bad_signatures() -> dict[str, bytes]:
    good_em = emsa_pss_encode(b"m", 2047, "sha256", b"S" * 32)
    salt = b"S" * 32
    ps_len = 256 - 33 - 32 - 1
    return {
        "trailer 0xbd": _signature_of(good_em[:-1] + b"\xbd"),
        "top bit set": _signature_of(b"\x80" + good_em[1:]),      # still < n = 0x913e...
        "PS with 0x02": _signature_of(_em_with_db(b"\x02" + bytes(ps_len - 1) + b"\x01" + salt, salt)),
        "no 0x01": _signature_of(_em_with_db(bytes(ps_len) + b"\x00" + salt, salt)),
        "all zero DB": _signature_of(_em_with_db(bytes(256 - 33), b"")),
        "H altered": _signature_of(good_em[:-2] + bytes([good_em[-2] ^ 1]) + b"\xbc"),
        "k-1 octets": _signature_of(good_em)[1:],
        "k+1 octets": b"\x00" + _signature_of(good_em),
        "s = n": i2osp(KEY.n, 256),
        "zero": bytes(256),
        "pkcs1 v1.5 signature": KEY.sign(b"m"),
    }


@pytest.mark.parametrize("case", sorted(_bad_signatures()))
@pytest.mark.parametrize("salt_length", [None, 32])
def test_verify_refuses(case, salt_length):
    pss.verify(PUB, "sha256", b"m", _signature_of(emsa_pss_encode(b"m", 2047, "sha256", b"S" * 32)),
               salt_length=salt_length)
    with pytest.raises(InvalidSignature, match="^signature mismatch$"):
        pss.verify(PUB, "sha256", b"m", _bad_signatures()[case], salt_length=salt_length)


def test_verify_refuses_a_representative_longer_than_em_len():
    # RSA_1025: emLen = 128 = k - 1, so m >= 2^1024 cannot be I2OSP'd (RFC 8017 §8.1.2 step 2c).
    em = emsa_pss_encode(b"m", 1024, "sha256", b"salt")
    pss.verify(SMALL.public_key(), "sha256", b"m", _signature_of(em, SMALL))
    too_long = (1 << 1024) + os2ip(em)
    assert too_long < SMALL.n
    with pytest.raises(InvalidSignature):
        pss.verify(SMALL.public_key(), "sha256", b"m", i2osp(rsasp1(SMALL, too_long), 129))


def test_sign_refusals():
    with pytest.raises(UnsupportedAlgorithm, match="signing with sha1 is refused"):
        pss.sign(KEY, "sha1", b"m")
    with pytest.raises(UnsupportedAlgorithm, match="SHAKE"):
        pss.sign(KEY, "sha256", b"m", mgf1_hash_name="shake256")
    with pytest.raises(InvalidValue, match="encoding error"):
        pss.sign(KEY, "sha512", b"m", salt_length=191)
    with pytest.raises(InvalidValue, match=">= 0"):
        pss.sign(KEY, "sha256", b"m", salt_length=-1)
    for wrong in ("20", 20.0, True):
        with pytest.raises(TypeError):
            pss.sign(KEY, "sha256", b"m", salt_length=wrong)


def test_verify_option_refusals():
    signature = pss.sign(KEY, "sha256", b"m")
    for hash_name, mgf_hash in (("shake128", None), ("shake256", None), ("sha256", "shake128"),
                                ("md5", None), ("sha256", "whirlpool")):
        with pytest.raises(UnsupportedAlgorithm):
            pss.verify(PUB, hash_name, b"m", signature, mgf1_hash_name=mgf_hash)
    with pytest.raises(InvalidValue, match=">= 0"):
        pss.verify(PUB, "sha256", b"m", signature, salt_length=-1)
    with pytest.raises(TypeError):
        pss.verify(PUB, "sha256", b"m", signature, salt_length="32")
    with pytest.raises(TypeError):
        pss.verify(PUB, "sha256", "m", signature)
    with pytest.raises(InvalidSignature):                   # salt longer than any EM can hold
        pss.verify(PUB, "sha256", b"m", signature, salt_length=10_000)
