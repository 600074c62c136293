"""Tests of x509core.rsa.aes: FIPS 197 and SP 800-38A vectors, PKCS#7 padding, and differential
tests against pyca/cryptography (OpenSSL), which is used here as an oracle only."""

from __future__ import annotations

import random as stdlib_random

import pytest
from cryptography.hazmat.primitives import padding as crypto_padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from x509core.errors import InvalidValue, X509CoreError
from x509core.rsa import aes

FAILED = "decryption failed: wrong passphrase or corrupt data"

# FIPS 197 Appendix C: "Example Vectors", plaintext 00112233445566778899aabbccddeeff.
FIPS_197_C = [
    ("C.1 AES-128", "000102030405060708090a0b0c0d0e0f", "69c4e0d86a7b0430d8cdb78070b4c55a"),
    ("C.2 AES-192", "000102030405060708090a0b0c0d0e0f1011121314151617",
     "dda97ca4864cdfe06eaf70a0ec0d7191"),
    ("C.3 AES-256", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
     "8ea2b7ca516745bfeafc49904b496089"),
]
FIPS_197_PLAINTEXT = bytes.fromhex("00112233445566778899aabbccddeeff")

# NIST SP 800-38A Appendix F.2 (CBC): one IV and plaintext, three keys.
SP_800_38A_IV = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
SP_800_38A_PLAINTEXT = bytes.fromhex(
    "6bc1bee22e409f96e93d7e117393172a" "ae2d8a571e03ac9c9eb76fac45af8e51"
    "30c81c46a35ce411e5fbc1191a0a52ef" "f69f2445df4f9b17ad2b417be66c3710")
SP_800_38A_CBC = [
    ("F.2.1/F.2.2 CBC-AES128", "2b7e151628aed2a6abf7158809cf4f3c",
     ("7649abac8119b246cee98e9b12e9197d" "5086cb9b507219ee95db113a917678b2"
      "73bed6b8e3c1743b7116e69e22229516" "3ff1caa1681fac09120eca307586e1a7")),
    ("F.2.3/F.2.4 CBC-AES192", "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
     ("4f021db243bc633d7178183a9fa071e8" "b4d9ada9ad7dedf4e5e738763f69145a"
      "571b242012fb7ae07fa9baac3df102e0" "08b0e27988598881d920a9e64f5615cd")),
    ("F.2.5/F.2.6 CBC-AES256", "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
     ("f58c4c04d6e5f1ba779eabfb5f7bfbd6" "9cfc4e967edb808d679f777bc6702c7d"
      "39f23369a9d9bacfa530e26304231461" "b2eb05e2c39be9fcda6c19078c6a9d1b")),
]


@pytest.mark.parametrize("name, key, ciphertext", FIPS_197_C, ids=[c[0] for c in FIPS_197_C])
def test_fips_197_appendix_c(name, key, ciphertext):
    cipher = aes.AES(bytes.fromhex(key))
    assert cipher.rounds == {16: 10, 24: 12, 32: 14}[len(key) // 2]
    assert cipher.encrypt_block(FIPS_197_PLAINTEXT).hex() == ciphertext
    assert cipher.decrypt_block(bytes.fromhex(ciphertext)) == FIPS_197_PLAINTEXT


def test_fips_197_sbox_and_key_expansion():
    # §5.1.1: S-box({53}) = {ed}, and the S-box has no fixed point; §5.3.2: its inverse.
    assert aes._SBOX[0x00] == 0x63 and aes._SBOX[0x53] == 0xED
    assert sorted(aes._SBOX) == list(range(256)) and all(aes._SBOX[x] != x for x in range(256))
    assert all(aes._INV_SBOX[aes._SBOX[x]] == x for x in range(256))
    # Appendix A.1-A.3: the first derived word and the last word of each key schedule.
    for key, first, last in [
        ("2b7e151628aed2a6abf7158809cf4f3c", 0xA0FAFE17, 0xB6630CA6),
        ("8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b", 0xFE0C91F7, 0x01002202),
        ("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", 0x9BA35411,
         0x706C631E),
    ]:
        words = aes._expand_key(bytes.fromhex(key))
        assert len(words) == 4 * (aes._ROUNDS[len(key) // 2] + 1)
        assert words[len(key) // 8] == first and words[-1] == last


@pytest.mark.parametrize("name, key, ciphertext", SP_800_38A_CBC,
                         ids=[c[0] for c in SP_800_38A_CBC])
def test_sp_800_38a_cbc(name, key, ciphertext):
    key, expected = bytes.fromhex(key), bytes.fromhex(ciphertext)
    # CBC-AESxxx.Encrypt and .Decrypt, exactly as printed (four blocks, no padding).
    assert aes.cbc_encrypt(key, SP_800_38A_IV, SP_800_38A_PLAINTEXT, padding=False) == expected
    assert aes.cbc_decrypt(key, SP_800_38A_IV, expected, padding=False) == SP_800_38A_PLAINTEXT
    # With PKCS#7 padding the same four blocks come first, then one block of sixteen 0x10.
    padded = aes.cbc_encrypt(key, SP_800_38A_IV, SP_800_38A_PLAINTEXT)
    assert padded[:64] == expected and len(padded) == 80
    last = aes.AES(key).encrypt_block(bytes(a ^ 0x10 for a in expected[-16:]))
    assert padded[64:] == last
    assert aes.cbc_decrypt(key, SP_800_38A_IV, padded) == SP_800_38A_PLAINTEXT


def test_pkcs7_padding():
    assert aes.pkcs7_pad(b"") == bytes([16]) * 16
    assert aes.pkcs7_pad(b"a" * 15) == b"a" * 15 + b"\x01"
    assert aes.pkcs7_pad(b"a" * 16) == b"a" * 16 + bytes([16]) * 16
    for n in range(40):
        data = bytes(range(n))
        assert aes.pkcs7_unpad(aes.pkcs7_pad(data)) == data


BAD_PADDING = [
    ("empty", b""),
    ("short", b"\x01" * 15),
    ("not whole blocks", b"\x01" * 17),
    ("zero pad byte", b"x" * 15 + b"\x00"),
    ("pad byte 17", b"x" * 15 + b"\x11"),
    ("pad byte 255", b"x" * 15 + b"\xff"),
    ("inconsistent pad", b"x" * 13 + b"\x04\x03\x03"),
    ("one byte wrong of 16", b"\x10" * 7 + b"\x0f" + b"\x10" * 8),
]


@pytest.mark.parametrize("name, data", BAD_PADDING, ids=[b[0] for b in BAD_PADDING])
def test_every_padding_failure_is_the_same_error(name, data):
    with pytest.raises(InvalidValue) as unpad:
        aes.pkcs7_unpad(data)
    assert str(unpad.value) == FAILED
    key, iv = bytes(range(32)), bytes(16)
    ciphertext = aes.cbc_encrypt(key, iv, data, padding=False) if len(data) % 16 == 0 else data
    with pytest.raises(InvalidValue) as decrypt:
        aes.cbc_decrypt(key, iv, ciphertext)
    assert str(decrypt.value) == FAILED and isinstance(decrypt.value, X509CoreError)


def test_wrong_key_and_corruption_are_the_same_error():
    key, iv = bytes(range(32)), bytes(range(16))
    ciphertext = aes.cbc_encrypt(key, iv, b"-----PRIVATE KEY INFO-----" * 3)
    failures = [(bytes(32), iv, ciphertext),                                  # wrong key
                (key, iv, ciphertext[:-1]),                                    # truncated
                (key, iv, ciphertext[:-16] + bytes(16))]                       # last block lost
    for bad_key, bad_iv, data in failures:
        with pytest.raises(InvalidValue) as caught:
            aes.cbc_decrypt(bad_key, bad_iv, data)
        assert str(caught.value) == FAILED


@pytest.mark.parametrize("key, iv, error", [
    (bytes(15), bytes(16), InvalidValue), (bytes(33), bytes(16), InvalidValue),
    (bytes(0), bytes(16), InvalidValue), (bytes(16), bytes(15), InvalidValue),
    (bytes(16), bytes(17), InvalidValue), ("k" * 16, bytes(16), TypeError),
    (bytes(16), "i" * 16, TypeError),
])
def test_key_and_iv_checks(key, iv, error):
    for function in (aes.cbc_encrypt, aes.cbc_decrypt):
        with pytest.raises(error):
            function(key, iv, bytes(32))


def test_unpadded_cbc_needs_whole_blocks():
    for function in (aes.cbc_encrypt, aes.cbc_decrypt):
        with pytest.raises(InvalidValue, match="multiple of 16"):
            function(bytes(16), bytes(16), bytes(20), padding=False)
    assert aes.cbc_encrypt(bytes(16), bytes(16), b"", padding=False) == b""
    with pytest.raises(InvalidValue):
        aes.AES(bytes(16)).encrypt_block(bytes(15))


def _reference_cbc(key: bytes, iv: bytes, plaintext: bytes) -> bytes:
    padder = crypto_padding.PKCS7(128).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


@pytest.mark.parametrize("key_size", [16, 24, 32])
def test_cbc_against_cryptography(key_size):
    rng = stdlib_random.Random(key_size)
    for length in list(range(50)) + [rng.randrange(50, 3000) for _ in range(10)]:
        key, iv, plaintext = rng.randbytes(key_size), rng.randbytes(16), rng.randbytes(length)
        ciphertext = aes.cbc_encrypt(key, iv, plaintext)
        assert ciphertext == _reference_cbc(key, iv, plaintext)
        assert aes.cbc_decrypt(key, iv, ciphertext) == plaintext


@pytest.mark.parametrize("key_size", [16, 24, 32])
def test_blocks_against_cryptography(key_size):
    rng = stdlib_random.Random(1000 + key_size)
    for _ in range(200):
        key, block = rng.randbytes(key_size), rng.randbytes(16)
        encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
        expected = encryptor.update(block) + encryptor.finalize()
        cipher = aes.AES(key)
        assert cipher.encrypt_block(block) == expected
        assert cipher.decrypt_block(expected) == block
