"""PKCS #1 v1.5: RSASSA-PKCS1-v1_5 signatures and RSAES-PKCS1-v1_5 encryption. RFC 8017 §8.2, §7.2.

Also the home of I2OSP and OS2IP (RFC 8017 §4), the integer/octet-string conversions that every
scheme uses.

Signatures (RFC 8017 §8.2, EMSA-PKCS1-v1_5 of §9.2). Verification never parses the padding: it
builds the one encoded message EM that a valid signature can have and compares all of it with
:func:`hmac.compare_digest`, as RFC 8017 §8.2.2 step 3 describes. A parser of the DigestInfo is
what the forgeries of Bleichenbacher (2006) and their successors (CVE-2006-4339, CVE-2014-1568,
CVE-2016-1494) exploited; here there is no parser. So DigestInfo encodings that omit the NULL
parameters, or use BER, are refused: only the DER forms of RFC 8017 §9.2 Note 1 verify.

Signing policy: RSASSA-PKCS1-v1_5 signs with sha256, sha384 and sha512 only
(:data:`SIGNING_HASHES`); sha1, sha224, sha512_224, sha512_256 and SHA-3 verify but do not sign
(SHA-1 is broken for collision resistance, and the others are not used by the certificate
profiles this library produces). The same policy applies to RSASSA-PSS (``pss.py``).

Encryption (RFC 8017 §7.2) and Bleichenbacher's attack (CRYPTO '98). RSAES-PKCS1-v1_5 exists here
for interoperability; new protocols should use RSAES-OAEP (``oaep.py``). What decryption does:

- Every failure raises the same exception, ``InvalidValue("decryption error")``, the one output
  RFC 8017 §7.2.2 names: a wrong ciphertext length, a ciphertext representative >= n, and each
  kind of bad padding are indistinguishable by type and message.
- The padding checks read every octet of EM and combine their outcomes; there is no early exit on
  the first bad octet, and one branch at the end decides.
- This is NOT constant-time. The checks are Python code: comparisons and integer operations whose
  timing CPython does not guarantee, and raising an exception takes measurably longer than
  returning. An attacker who can time decryptions, or who learns from the surrounding protocol
  whether one failed, has a padding oracle.
- Implicit rejection (returning a pseudorandom message derived from the private key and the
  ciphertext instead of failing, as OpenSSL 3.2 does by default) is NOT implemented: failures
  raise. Callers that must resist Bleichenbacher's attack in a protocol such as TLS-RSA key
  exchange must handle failures without revealing them, or better, not use this scheme.
"""

from __future__ import annotations

import hmac
import secrets
from types import MappingProxyType

from x509core.errors import InvalidSignature, InvalidValue, UnsupportedAlgorithm
from x509core.rsa._octets import as_bytes, check_hash_name, digest, i2osp, os2ip
from x509core.rsa.key import RSAPrivateKey, RSAPublicKey, rsadp, rsaep, rsasp1, rsavp1

__all__ = ["i2osp", "os2ip", "DIGEST_INFO_PREFIXES", "SIGNING_HASHES", "check_signing_hash",
           "emsa_pkcs1_v15_encode", "sign", "verify", "sign_digest", "verify_digest", "encrypt",
           "decrypt"]

# RFC 8017 §9.2 Note 1: the DER encoding of DigestInfo up to the digest value,
#     DigestInfo ::= SEQUENCE { digestAlgorithm AlgorithmIdentifier, digest OCTET STRING }
# with NULL parameters. The SHA-3 rows follow the same pattern with the OIDs id-sha3-224 ..
# id-sha3-512 (2.16.840.1.101.3.4.2.7 .. 10, NIST CSOR hashAlgs, as used by RFC 8702 and by
# RSASSA-PKCS1-v1_5 with SHA-3 in Wycheproof and OpenSSL).
DIGEST_INFO_PREFIXES = MappingProxyType({
    "sha1": bytes.fromhex("30 21 30 09 06 05 2b 0e 03 02 1a 05 00 04 14"),
    "sha224": bytes.fromhex("30 2d 30 0d 06 09 60 86 48 01 65 03 04 02 04 05 00 04 1c"),
    "sha256": bytes.fromhex("30 31 30 0d 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20"),
    "sha384": bytes.fromhex("30 41 30 0d 06 09 60 86 48 01 65 03 04 02 02 05 00 04 30"),
    "sha512": bytes.fromhex("30 51 30 0d 06 09 60 86 48 01 65 03 04 02 03 05 00 04 40"),
    "sha512_224": bytes.fromhex("30 2d 30 0d 06 09 60 86 48 01 65 03 04 02 05 05 00 04 1c"),
    "sha512_256": bytes.fromhex("30 31 30 0d 06 09 60 86 48 01 65 03 04 02 06 05 00 04 20"),
    "sha3_224": bytes.fromhex("30 2d 30 0d 06 09 60 86 48 01 65 03 04 02 07 05 00 04 1c"),
    "sha3_256": bytes.fromhex("30 31 30 0d 06 09 60 86 48 01 65 03 04 02 08 05 00 04 20"),
    "sha3_384": bytes.fromhex("30 41 30 0d 06 09 60 86 48 01 65 03 04 02 09 05 00 04 30"),
    "sha3_512": bytes.fromhex("30 51 30 0d 06 09 60 86 48 01 65 03 04 02 0a 05 00 04 40"),
})

SIGNING_HASHES = ("sha256", "sha384", "sha512")

_MISMATCH = "signature mismatch"


def check_signing_hash(hash_name: str) -> str:
    """``hash_name`` if this library signs with it, else :class:`UnsupportedAlgorithm`."""
    check_hash_name(hash_name)
    if hash_name not in SIGNING_HASHES:
        raise UnsupportedAlgorithm(f"signing with {hash_name} is refused: {hash_name} is accepted for "
                                   f"verification only; sign with {', '.join(SIGNING_HASHES)}")
    return hash_name


def emsa_pkcs1_v15_encode(hash_name: str, message: bytes, em_len: int) -> bytes:
    """EMSA-PKCS1-v1_5 encoding: 0x00 || 0x01 || PS || 0x00 || T. RFC 8017 §9.2."""
    check_hash_name(hash_name)
    if hash_name not in DIGEST_INFO_PREFIXES:  # pragma: no cover - every supported hash has one
        raise UnsupportedAlgorithm(f"no DigestInfo prefix for {hash_name}")
    h = digest(hash_name, as_bytes(message, "message"))              # step 1: H = Hash(M)
    return _encode_digest(hash_name, h, em_len)


def _encode_digest(hash_name: str, h: bytes, em_len: int) -> bytes:
    """EMSA-PKCS1-v1_5 from step 2 on, for a hash value H already computed. RFC 8017 §9.2."""
    t = DIGEST_INFO_PREFIXES[hash_name] + h                          # step 2: T = DigestInfo
    if em_len < len(t) + 11:                                         # step 3
        raise InvalidValue("intended encoded message length too short")
    ps = b"\xff" * (em_len - len(t) - 3)                             # step 4: at least 8 octets
    return b"\x00\x01" + ps + b"\x00" + t                            # step 5


def sign(key: RSAPrivateKey, hash_name: str, message: bytes) -> bytes:
    """RSASSA-PKCS1-v1_5 signature generation. RFC 8017 §8.2.1."""
    check_signing_hash(hash_name)
    k = key.size_in_bytes
    em = emsa_pkcs1_v15_encode(hash_name, message, k)                # step 1
    s = rsasp1(key, os2ip(em))                                       # step 2a-b (checked, §5.2.1)
    return i2osp(s, k)                                               # step 2c


def verify(key: RSAPublicKey, hash_name: str, message: bytes, signature: bytes) -> None:
    """RSASSA-PKCS1-v1_5 verification, RFC 8017 §8.2.2. Returns None or raises."""
    signature = as_bytes(signature, "signature")
    k = key.size_in_bytes
    expected = emsa_pkcs1_v15_encode(hash_name, message, k)          # step 3 (computed first)
    if len(signature) != k:                                          # step 1
        raise InvalidSignature(_MISMATCH)
    s = os2ip(signature)                                             # step 2a
    if s >= key.n:                                                   # step 2b: RSAVP1's range check
        raise InvalidSignature(_MISMATCH)
    em = i2osp(rsavp1(key, s), k)                                    # steps 2b-c
    if not hmac.compare_digest(em, expected):                        # step 4: compare all of EM
        raise InvalidSignature(_MISMATCH)


def _check_digest(hash_name: str, h: bytes) -> bytes:
    h = as_bytes(h, "digest")
    if len(h) != len(digest(hash_name, b"")):
        raise InvalidValue(f"a {hash_name} digest has {len(digest(hash_name, b''))} octets, not {len(h)}")
    return h


def sign_digest(key: RSAPrivateKey, hash_name: str, h: bytes) -> bytes:
    """RSASSA-PKCS1-v1_5 signature of a message whose hash ``h`` the caller computed (RFC 8017
    §8.2.1 with §9.2 step 1 done beforehand), for messages too large to hold in memory, such as
    a CRL of 100,000 entries streamed through the hash."""
    check_signing_hash(hash_name)
    k = key.size_in_bytes
    em = _encode_digest(hash_name, _check_digest(hash_name, h), k)
    return i2osp(rsasp1(key, os2ip(em)), k)


def verify_digest(key: RSAPublicKey, hash_name: str, h: bytes, signature: bytes) -> None:
    """RSASSA-PKCS1-v1_5 verification against a precomputed hash ``h``; as :func:`verify`."""
    check_hash_name(hash_name)
    signature = as_bytes(signature, "signature")
    k = key.size_in_bytes
    expected = _encode_digest(hash_name, _check_digest(hash_name, h), k)
    if len(signature) != k or os2ip(signature) >= key.n:
        raise InvalidSignature(_MISMATCH)
    if not hmac.compare_digest(i2osp(rsavp1(key, os2ip(signature)), k), expected):
        raise InvalidSignature(_MISMATCH)


def encrypt(key: RSAPublicKey, message: bytes) -> bytes:
    """RSAES-PKCS1-v1_5 encryption. RFC 8017 §7.2.1."""
    message = as_bytes(message, "message")
    k = key.size_in_bytes
    if len(message) > k - 11:                                        # step 1
        raise InvalidValue(f"message too long (at most {k - 11} octets for this key)")
    ps = _nonzero_random_octets(k - len(message) - 3)                # step 2a
    em = b"\x00\x02" + ps + b"\x00" + message                        # step 2b
    return i2osp(rsaep(key, os2ip(em)), k)                           # steps 3-4


def decrypt(key: RSAPrivateKey, ciphertext: bytes) -> bytes:
    """RSAES-PKCS1-v1_5 decryption, RFC 8017 §7.2.2. Every failure is the same "decryption error"."""
    ciphertext = as_bytes(ciphertext, "ciphertext")
    k = key.size_in_bytes
    if len(ciphertext) != k or k < 11:                               # step 1
        raise InvalidValue("decryption error")
    c = os2ip(ciphertext)                                            # step 2a
    if c >= key.n:                                                   # step 2b: RSADP's range check
        raise InvalidValue("decryption error")
    em = i2osp(rsadp(key, c), k)                                     # steps 2b-c
    ok, separator = _eme_pkcs1_v15_check(em)                         # step 3
    if not ok:
        raise InvalidValue("decryption error")
    return em[separator + 1:]                                        # step 4: output M


def _eme_pkcs1_v15_check(em: bytes) -> tuple[int, int]:
    """(1 if EM = 0x00 || 0x02 || PS || 0x00 || M with |PS| >= 8 else 0, index of the separator).

    RFC 8017 §7.2.2 step 3. Every octet is read and the conditions are combined with integer
    operations, without early exit (see the module docstring for what this does not guarantee).
    """
    ok = int(em[0] == 0) & int(em[1] == 2)                           # 0x00 || 0x02
    found = separator = 0
    for i in range(2, len(em)):
        zero = int(em[i] == 0)
        separator |= i * (zero & (found ^ 1))                        # the first 0x00 after PS
        found |= zero
    # "If there is no octet with hexadecimal value 0x00 to separate PS from M, or if the length
    # of PS is less than 8 octets, output 'decryption error'": PS = EM[2:separator].
    return ok & found & int(separator >= 10), separator


def _nonzero_random_octets(length: int) -> bytes:
    """``length`` random octets, none of them zero (PS of RFC 8017 §7.2.1 step 2a)."""
    out = bytearray()
    while len(out) < length:
        out += secrets.token_bytes(length - len(out) + 8).replace(b"\x00", b"")
    return bytes(out[:length])
