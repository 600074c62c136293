"""RSASSA-PSS: the probabilistic signature scheme with EMSA-PSS and MGF1. RFC 8017 §8.1 and §9.1.

The message hash and the MGF1 hash may differ (RFC 8017 §9.1 lets the options Hash and MGF be
chosen apart; id-RSASSA-PSS parameters name them apart, RFC 4055 §3.1). Signing uses sha256,
sha384 or sha512 (the policy of ``pkcs1.py``, :data:`x509core.rsa.pkcs1.SIGNING_HASHES`) with a
random salt as long as the hash by default (RFC 8017 §9.1 Note 4's usual choice, and RFC 4055's
default for id-RSASSA-PSS parameters). Verification accepts every supported hash (``_octets.py``:
SHA-1, SHA-2 and SHA-3; SHAKE, RFC 8702, is not supported) and either an exact salt length or,
with ``salt_length=None``, any salt length.

Verification, unlike PKCS #1 v1.5, has to decode EM: PSS is randomized, so the expected EM cannot
be rebuilt without the salt. The decoding follows RFC 8017 §9.1.2 step by step and ends with a
:func:`hmac.compare_digest` of H and H'. Signatures are public data, so the decoding is not
written to be constant-time.
"""

from __future__ import annotations

import hmac
import secrets

from x509core.errors import InvalidSignature, InvalidValue
from x509core.rsa._octets import as_bytes, check_hash_name, digest, digest_size, i2osp, mgf1, os2ip, xor
from x509core.rsa.key import RSAPrivateKey, RSAPublicKey, rsasp1, rsavp1
from x509core.rsa.pkcs1 import check_signing_hash

__all__ = ["emsa_pss_encode", "emsa_pss_verify", "sign", "verify"]

_MISMATCH = "signature mismatch"


def emsa_pss_encode(message: bytes, em_bits: int, hash_name: str, salt: bytes,
                    mgf1_hash_name: str | None = None) -> bytes:
    """EMSA-PSS encoding of ``message`` with the given salt: maskedDB || H || 0xbc. RFC 8017 §9.1.1.

    The salt is a parameter so that known-answer tests can fix it; :func:`sign` draws it at random.
    """
    mgf_hash = check_hash_name(hash_name if mgf1_hash_name is None else mgf1_hash_name)
    salt = as_bytes(salt, "salt")
    m_hash = digest(hash_name, as_bytes(message, "message"))         # step 2: mHash = Hash(M)
    h_len, s_len, em_len = len(m_hash), len(salt), -(-em_bits // 8)
    if em_len < h_len + s_len + 2:                                   # step 3
        raise InvalidValue("encoding error: the key is too short for this hash and salt length")
    h = digest(hash_name, bytes(8) + m_hash + salt)                  # steps 5-6: H = Hash(M')
    db = bytes(em_len - s_len - h_len - 2) + b"\x01" + salt          # steps 7-8: DB = PS || 0x01 || salt
    masked_db = xor(db, mgf1(h, em_len - h_len - 1, mgf_hash))       # steps 9-10
    masked_db = _clear_leftmost_bits(masked_db, 8 * em_len - em_bits)  # step 11
    return masked_db + h + b"\xbc"                                   # step 12


def emsa_pss_verify(message: bytes, em: bytes, em_bits: int, hash_name: str,
                    salt_length: int | None = None, mgf1_hash_name: str | None = None) -> bool:
    """Whether EM is an EMSA-PSS encoding of ``message`` ("consistent"). RFC 8017 §9.1.2.

    ``salt_length=None`` accepts any salt length (see :func:`_salt_from_db`).
    """
    mgf_hash = check_hash_name(hash_name if mgf1_hash_name is None else mgf1_hash_name)
    m_hash = digest(hash_name, as_bytes(message, "message"))         # step 2: mHash = Hash(M)
    h_len, em_len = len(m_hash), -(-em_bits // 8)
    zero_bits = 8 * em_len - em_bits
    if len(em) != em_len or em_len < h_len + (salt_length or 0) + 2:  # step 3
        return False
    if em[-1] != 0xBC:                                               # step 4
        return False
    masked_db, h = em[:em_len - h_len - 1], em[em_len - h_len - 1:-1]  # step 5
    if masked_db[0] >> (8 - zero_bits):                              # step 6: leftmost bits zero
        return False
    db = xor(masked_db, mgf1(h, em_len - h_len - 1, mgf_hash))       # steps 7-8
    db = _clear_leftmost_bits(db, zero_bits)                         # step 9
    salt = _salt_from_db(db, salt_length)                            # steps 10-11
    if salt is None:
        return False
    h_prime = digest(hash_name, bytes(8) + m_hash + salt)            # steps 12-13: H' = Hash(M')
    return hmac.compare_digest(h, h_prime)                           # step 14


def _salt_from_db(db: bytes, salt_length: int | None) -> bytes | None:
    """The salt at the end of DB = PS || 0x01 || salt, or None if DB has another form.

    RFC 8017 §9.1.2 steps 10-11, where PS is emLen - hLen - sLen - 2 zero octets.
    """
    if salt_length is None:
        # Deviation: RFC 8017 takes sLen as a fixed option; salt_length=None finds it from the
        # position of the first non-zero octet of DB, which must be 0x01 (as OpenSSL's
        # RSA_PSS_SALTLEN_AUTO does), because signers use salt lengths other than hLen.
        rest = db.lstrip(b"\x00")
        if not rest or rest[0] != 0x01:
            return None
        return rest[1:]
    ps_len = len(db) - salt_length - 1
    if db[:ps_len] != bytes(ps_len) or db[ps_len] != 0x01:           # step 10
        return None
    return db[ps_len + 1:]                                           # step 11


def _clear_leftmost_bits(octets: bytes, bits: int) -> bytes:
    """``octets`` with its leftmost ``bits`` bits (0..7) set to zero."""
    return bytes([octets[0] & (0xFF >> bits)]) + octets[1:]


def _check_salt_length(salt_length: int | None) -> int | None:
    if salt_length is None:
        return None
    if isinstance(salt_length, bool) or not isinstance(salt_length, int):
        raise TypeError(f"salt_length must be an int or None, not {type(salt_length).__name__}")
    if salt_length < 0:
        raise InvalidValue("salt_length must be >= 0")
    return salt_length


def sign(key: RSAPrivateKey, hash_name: str, message: bytes, *, salt_length: int | None = None,
         mgf1_hash_name: str | None = None) -> bytes:
    """RSASSA-PSS signature generation. RFC 8017 §8.1.1.

    ``salt_length`` defaults to the length of the hash; ``mgf1_hash_name`` to ``hash_name``.
    """
    check_signing_hash(hash_name)
    s_len = _check_salt_length(salt_length)
    if s_len is None:
        s_len = digest_size(hash_name)
    salt = secrets.token_bytes(s_len)                                # §9.1.1 step 4: random salt
    em = emsa_pss_encode(message, key.key_size - 1, hash_name, salt, mgf1_hash_name)  # step 1
    s = rsasp1(key, os2ip(em))                                       # step 2a-b (checked, §5.2.1)
    return i2osp(s, key.size_in_bytes)                               # step 2c


def verify(key: RSAPublicKey, hash_name: str, message: bytes, signature: bytes, *,
           salt_length: int | None = None, mgf1_hash_name: str | None = None) -> None:
    """RSASSA-PSS verification, RFC 8017 §8.1.2. Returns None or raises :class:`InvalidSignature`.

    ``salt_length=None`` accepts any salt length; an int requires exactly that one.
    """
    check_hash_name(hash_name)
    check_hash_name(hash_name if mgf1_hash_name is None else mgf1_hash_name)
    s_len = _check_salt_length(salt_length)
    message, signature = as_bytes(message, "message"), as_bytes(signature, "signature")
    if len(signature) != key.size_in_bytes:                          # step 1
        raise InvalidSignature(_MISMATCH)
    s = os2ip(signature)                                             # step 2a
    if s >= key.n:                                                   # step 2b: RSAVP1's range check
        raise InvalidSignature(_MISMATCH)
    m = rsavp1(key, s)                                               # step 2b
    em_bits = key.key_size - 1
    em_len = -(-em_bits // 8)
    if m >> (8 * em_len):                                            # step 2c: I2OSP "integer too large"
        raise InvalidSignature(_MISMATCH)
    if not emsa_pss_verify(message, i2osp(m, em_len), em_bits, hash_name, s_len,
                           mgf1_hash_name):                          # steps 3-4
        raise InvalidSignature(_MISMATCH)
