"""RSAES-OAEP: optimal asymmetric encryption padding with MGF1. RFC 8017 §7.1.

SHA-256 is the default hash; the label L and the MGF1 hash are options (RFC 8017 §7.1 lets Hash
and MGF be chosen apart; id-RSAES-OAEP parameters name them apart, RFC 4055 §4.1). Every supported
hash of ``_octets.py`` may be used, SHA-1 included: OAEP's security does not rest on collision
resistance.

Decryption and Manger's attack (CRYPTO 2001). If an attacker can tell "Y is not zero" from the
other failures, about a thousand queries recover a plaintext. So:

- Every failure raises the same exception, ``InvalidValue("decryption error")``, the one output
  RFC 8017 §7.1.2 names: a wrong ciphertext length, a ciphertext representative >= n, Y != 0, a
  wrong lHash, and a missing 0x01 separator are indistinguishable by type and message. RFC 8017
  §7.1.2 Note: "Care must be taken to ensure that an opponent cannot distinguish the different
  error conditions in Step 3.g, whether by error message or timing".
- Step 3.g computes every condition (lHash with :func:`hmac.compare_digest`, Y, and a scan of all
  of DB for the separator) and combines them with integer operations; one branch at the end decides.
- This is NOT constant-time: the scan is Python code whose timing CPython does not guarantee, and
  raising takes longer than returning. It removes the gross oracles (early exits, distinct
  errors), not a fine-grained timing channel.
"""

from __future__ import annotations

import hmac
import secrets

from x509core.errors import InvalidValue
from x509core.rsa._octets import as_bytes, check_hash_name, digest, digest_size, i2osp, mgf1, os2ip, xor
from x509core.rsa.key import RSAPrivateKey, RSAPublicKey, rsadp, rsaep

__all__ = ["eme_oaep_encode", "eme_oaep_decode", "encrypt", "decrypt"]


def _options(hash_name: str, mgf1_hash_name: str | None, label: bytes) -> tuple[str, str, bytes]:
    """The checked options (Hash, MGF1 hash, L); the MGF1 hash defaults to Hash."""
    check_hash_name(hash_name)
    mgf_hash = check_hash_name(hash_name if mgf1_hash_name is None else mgf1_hash_name)
    return hash_name, mgf_hash, as_bytes(label, "label")


def eme_oaep_encode(message: bytes, k: int, hash_name: str, mgf1_hash_name: str | None,
                    label: bytes, seed: bytes) -> bytes:
    """EME-OAEP encoding: EM = 0x00 || maskedSeed || maskedDB. RFC 8017 §7.1.1 steps 1-2.

    The seed is a parameter so that known-answer tests can fix it; :func:`encrypt` draws it.
    """
    hash_name, mgf_hash, label = _options(hash_name, mgf1_hash_name, label)
    message, seed = as_bytes(message, "message"), as_bytes(seed, "seed")
    h_len = digest_size(hash_name)
    if k < 2 * h_len + 2:
        raise InvalidValue(f"the key is too short for RSAES-OAEP with {hash_name}")
    if len(message) > k - 2 * h_len - 2:                             # step 1b
        raise InvalidValue(f"message too long (at most {k - 2 * h_len - 2} octets for this key)")
    if len(seed) != h_len:
        raise InvalidValue(f"the OAEP seed must be {h_len} octets")
    l_hash = digest(hash_name, label)                                # step 2a
    ps = bytes(k - len(message) - 2 * h_len - 2)                     # step 2b
    db = l_hash + ps + b"\x01" + message                             # step 2c
    masked_db = xor(db, mgf1(seed, k - h_len - 1, mgf_hash))         # steps 2e-f
    masked_seed = xor(seed, mgf1(masked_db, h_len, mgf_hash))        # steps 2g-h
    return b"\x00" + masked_seed + masked_db                         # step 2i


def eme_oaep_decode(em: bytes, hash_name: str, mgf1_hash_name: str | None, label: bytes) -> bytes:
    """EME-OAEP decoding: M, or the one "decryption error". RFC 8017 §7.1.2 step 3."""
    hash_name, mgf_hash, label = _options(hash_name, mgf1_hash_name, label)
    h_len = digest_size(hash_name)
    if len(em) < 2 * h_len + 2:
        raise InvalidValue("decryption error")
    l_hash = digest(hash_name, label)                                # step 3a
    y, masked_seed, masked_db = em[0], em[1:1 + h_len], em[1 + h_len:]  # step 3b
    seed = xor(masked_seed, mgf1(masked_db, h_len, mgf_hash))        # steps 3c-d
    db = xor(masked_db, mgf1(seed, len(masked_db), mgf_hash))        # steps 3e-f
    # Step 3g: DB = lHash' || PS || 0x01 || M. Every condition is computed before one decision.
    ok = int(hmac.compare_digest(db[:h_len], l_hash)) & int(y == 0)
    found, separator = _find_separator(db, h_len)
    if not (ok & found):
        raise InvalidValue("decryption error")
    return db[separator + 1:]


def _find_separator(db: bytes, start: int) -> tuple[int, int]:
    """(1, i) if db[start:i] are zero octets and db[i] is 0x01, else (0, _); reads every octet."""
    looking, bad, separator = 1, 0, 0
    for i in range(start, len(db)):
        one, zero = int(db[i] == 0x01), int(db[i] == 0x00)
        separator |= i * (looking & one)                             # the first non-zero octet ...
        bad |= looking & (one ^ 1) & (zero ^ 1)                      # ... must be 0x01
        looking &= one ^ 1
    return (bad ^ 1) & (looking ^ 1), separator


def encrypt(key: RSAPublicKey, message: bytes, *, hash_name: str = "sha256",
            mgf1_hash_name: str | None = None, label: bytes = b"") -> bytes:
    """RSAES-OAEP encryption. RFC 8017 §7.1.1."""
    k = key.size_in_bytes
    seed = secrets.token_bytes(digest_size(hash_name))              # step 2d: random seed
    em = eme_oaep_encode(message, k, hash_name, mgf1_hash_name, label, seed)  # steps 1-2
    return i2osp(rsaep(key, os2ip(em)), k)                           # steps 3-4


def decrypt(key: RSAPrivateKey, ciphertext: bytes, *, hash_name: str = "sha256",
            mgf1_hash_name: str | None = None, label: bytes = b"") -> bytes:
    """RSAES-OAEP decryption, RFC 8017 §7.1.2. Every failure is the same "decryption error"."""
    _options(hash_name, mgf1_hash_name, label)      # unsupported options are not decryption errors
    ciphertext = as_bytes(ciphertext, "ciphertext")
    k = key.size_in_bytes
    if len(ciphertext) != k or k < 2 * digest_size(hash_name) + 2:  # steps 1b-c
        raise InvalidValue("decryption error")
    c = os2ip(ciphertext)                                            # step 2a
    if c >= key.n:                                                   # step 2b: RSADP's range check
        raise InvalidValue("decryption error")
    em = i2osp(rsadp(key, c), k)                                     # steps 2b-c
    return eme_oaep_decode(em, hash_name, mgf1_hash_name, label)     # steps 3-4
