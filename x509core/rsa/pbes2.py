"""Password-based encryption of PKCS#8 keys: PBES2 with PBKDF2 and AES-CBC. RFC 8018 §6.2, §5.2,
RFC 5958 §3 (EncryptedPrivateKeyInfo)::

    EncryptedPrivateKeyInfo ::= SEQUENCE {
        encryptionAlgorithm  EncryptionAlgorithmIdentifier,   -- id-PBES2 with PBES2-params
        encryptedData        EncryptedData }                  -- OCTET STRING
    PBES2-params ::= SEQUENCE { keyDerivationFunc AlgorithmIdentifier {{PBES2-KDFs}},
                                encryptionScheme  AlgorithmIdentifier {{PBES2-Encs}} }
    PBKDF2-params ::= SEQUENCE { salt CHOICE { specified OCTET STRING, ... },
                                 iterationCount INTEGER (1..MAX),
                                 keyLength INTEGER (1..MAX) OPTIONAL,
                                 prf AlgorithmIdentifier {{PBKDF2-PRFs}} DEFAULT algid-hmacWithSHA1 }

We write what ``openssl pkcs8 -topk8 -v2 aes-256-cbc`` writes (PBKDF2-HMAC-SHA256, AES-256-CBC)
with 600,000 iterations (OWASP's 2023 figure for PBKDF2-HMAC-SHA256; OpenSSL 3 writes 2048), and
read AES-128/192/256-CBC with HMAC-SHA1/224/256/384/512. PBKDF2 is hashlib's.

A wrong passphrase and corrupt data give the same error: the CBC padding check and the parse of
the decrypted key cannot be told apart by message (no padding oracle through our errors). The
AES code is not constant-time (see ``aes.py``); it protects keys at rest, never network traffic.
"""

from __future__ import annotations

import hashlib
import secrets

from x509core.der import ObjectIdentifier, Reader, Writer
from x509core.der.tags import INTEGER as _INTEGER
from x509core.errors import InvalidValue, NonCanonicalEncoding, UnsupportedAlgorithm
from x509core.rsa import aes

__all__ = ["OID_PBES2", "DEFAULT_ITERATIONS", "encrypt_private_key_info",
           "decrypt_private_key_info", "DecryptionFailed"]

OID_PBES2 = ObjectIdentifier("1.2.840.113549.1.5.13")        # pkcs-5 13
OID_PBKDF2 = ObjectIdentifier("1.2.840.113549.1.5.12")       # pkcs-5 12
_PRFS = {
    ObjectIdentifier("1.2.840.113549.2.7"): "sha1",          # hmacWithSHA1, the DEFAULT
    ObjectIdentifier("1.2.840.113549.2.8"): "sha224",
    ObjectIdentifier("1.2.840.113549.2.9"): "sha256",
    ObjectIdentifier("1.2.840.113549.2.10"): "sha384",
    ObjectIdentifier("1.2.840.113549.2.11"): "sha512",
}
_PRF_OIDS = {name: oid for oid, name in _PRFS.items()}
_CIPHERS = {
    ObjectIdentifier("2.16.840.1.101.3.4.1.2"): 16,          # aes128-CBC-PAD
    ObjectIdentifier("2.16.840.1.101.3.4.1.22"): 24,         # aes192-CBC-PAD
    ObjectIdentifier("2.16.840.1.101.3.4.1.42"): 32,         # aes256-CBC-PAD
}
_AES256_CBC = ObjectIdentifier("2.16.840.1.101.3.4.1.42")
DEFAULT_ITERATIONS = 600_000
_MAX_ITERATIONS = 10_000_000          # a hostile file must not make us spin for hours


class DecryptionFailed(InvalidValue):
    """Wrong passphrase or corrupt encrypted key (one message for both)."""


def _password_bytes(password: bytes | str) -> bytes:
    if isinstance(password, str):
        return password.encode("utf-8")
    if isinstance(password, (bytes, bytearray)):
        return bytes(password)
    raise TypeError("password must be bytes or str")


def encrypt_private_key_info(private_key_info: bytes, password: bytes | str, *,
                             iterations: int = DEFAULT_ITERATIONS) -> bytes:
    """EncryptedPrivateKeyInfo DER for a PrivateKeyInfo DER."""
    password = _password_bytes(password)
    if not password:
        raise InvalidValue("an empty passphrase does not protect a key")
    salt, iv = secrets.token_bytes(16), secrets.token_bytes(16)
    key = hashlib.pbkdf2_hmac("sha256", password, salt, iterations, 32)
    w = Writer()
    with w.sequence():
        with w.sequence():                                    # encryptionAlgorithm
            w.write_oid(OID_PBES2)
            with w.sequence():                                # PBES2-params
                with w.sequence():                            # keyDerivationFunc
                    w.write_oid(OID_PBKDF2)
                    with w.sequence():
                        w.write_octet_string(salt)
                        w.write_integer(iterations)
                        with w.sequence():
                            w.write_oid(_PRF_OIDS["sha256"])
                            w.write_null()
                with w.sequence():                            # encryptionScheme
                    w.write_oid(_AES256_CBC)
                    w.write_octet_string(iv)
        w.write_octet_string(aes.cbc_encrypt(key, iv, private_key_info))
    return w.to_bytes()


def decrypt_private_key_info(data: bytes, password: bytes | str | None) -> bytes:
    """The PrivateKeyInfo DER inside an EncryptedPrivateKeyInfo DER."""
    if password is None:
        raise InvalidValue("the private key is encrypted: a passphrase is required")
    password = _password_bytes(password)
    seq = Reader(data).read_sequence("EncryptedPrivateKeyInfo")
    kdf, cipher_key_size, iv = _read_pbes2(seq)
    ciphertext = seq.read_octet_string("encryptedData")
    seq.finish()
    salt, iterations, key_length, prf = kdf
    if key_length is not None and key_length != cipher_key_size:
        raise InvalidValue("PBKDF2 keyLength does not match the cipher's key size")
    key = hashlib.pbkdf2_hmac(prf, password, salt, iterations, cipher_key_size)
    try:
        return aes.cbc_decrypt(key, iv, ciphertext)
    except InvalidValue:
        raise DecryptionFailed("cannot decrypt the private key: wrong passphrase or corrupt data") from None


def _read_pbes2(seq: Reader):
    alg = seq.read_sequence("encryptionAlgorithm")
    start = alg.pos
    if alg.read_oid("algorithm") != OID_PBES2:
        raise UnsupportedAlgorithm(f"unsupported key encryption at byte {start}: only PBES2 "
                                   "(convert with: openssl pkcs8 -topk8 -v2 aes-256-cbc)")
    params = alg.read_sequence("PBES2-params")
    kdf = _read_pbkdf2(params.read_sequence("keyDerivationFunc"))
    scheme = params.read_sequence("encryptionScheme")
    scheme_start = scheme.pos
    cipher = scheme.read_oid("algorithm")
    if cipher not in _CIPHERS:
        raise UnsupportedAlgorithm(f"unsupported PBES2 cipher {cipher} at byte {scheme_start} (AES-CBC only)")
    iv = scheme.read_octet_string("iv")
    if len(iv) != 16:
        raise InvalidValue("AES-CBC needs a 16-octet IV")
    for reader in (scheme, params, alg):
        reader.finish()
    return kdf, _CIPHERS[cipher], iv


def _read_pbkdf2(kdf: Reader):
    start = kdf.pos
    if kdf.read_oid("algorithm") != OID_PBKDF2:
        raise UnsupportedAlgorithm(f"unsupported key derivation function at byte {start} (PBKDF2 only)")
    p = kdf.read_sequence("PBKDF2-params")
    salt = p.read_octet_string("salt")
    iterations = p.read_integer("iterationCount")
    if not 1 <= iterations <= _MAX_ITERATIONS:
        raise InvalidValue(f"PBKDF2 iterationCount {iterations} outside 1..{_MAX_ITERATIONS}")
    key_length = p.read_integer("keyLength") if p.peek_is(_INTEGER) else None
    prf = "sha1"
    if not p.at_end:
        prf_start = p.pos
        alg = p.read_sequence("prf")
        oid = alg.read_oid("algorithm")
        if not alg.at_end:
            alg.read_null("parameters")
        alg.finish()
        if oid not in _PRFS:
            raise UnsupportedAlgorithm(f"unsupported PBKDF2 PRF {oid}")
        if _PRFS[oid] == "sha1":
            raise NonCanonicalEncoding("DEFAULT value encoded (X.690 §11.5)", prf_start, alg.path)
        prf = _PRFS[oid]
    p.finish()
    kdf.finish()
    return salt, iterations, key_length, prf

