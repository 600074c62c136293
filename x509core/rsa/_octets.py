"""Octet strings, hash functions and MGF1: the helpers that every RFC 8017 scheme shares.

RFC 8017 §4 converts between integers and octet strings (I2OSP, OS2IP); RFC 8017 §B.2.1 defines
the mask generation function MGF1 that both EMSA-PSS (§9.1) and EME-OAEP (§7.1) use. The hash
functions are named as :mod:`hashlib` names them (``"sha256"``, ``"sha512_224"``, ``"sha3_256"``).
The SHAKE extendable-output functions (RFC 8702) are not supported: their "hash" has no fixed
length and RSASSA-PSS with SHAKE replaces MGF1 by SHAKE itself, which this module does not offer.

:func:`i2osp` and :func:`os2ip` are re-exported by :mod:`x509core.rsa.pkcs1`; import them from there.
"""

from __future__ import annotations

import hashlib

from x509core.errors import InvalidValue, UnsupportedAlgorithm

__all__ = ["HASH_NAMES", "i2osp", "os2ip", "as_bytes", "check_hash_name", "digest", "digest_size",
           "mgf1", "xor"]

# The hash functions of RFC 8017 §B.1 and FIPS 202 SHA-3, as hashlib spells them.
HASH_NAMES = frozenset({"sha1", "sha224", "sha256", "sha384", "sha512", "sha512_224", "sha512_256",
                        "sha3_224", "sha3_256", "sha3_384", "sha3_512"})


def i2osp(x: int, x_len: int) -> bytes:
    """Integer-to-Octet-String primitive: ``x`` as ``x_len`` big-endian octets. RFC 8017 §4.1.

    Step 1: "If x >= 256^xLen, output 'integer too large' and stop." A negative ``x`` has no
    representation either.
    """
    if isinstance(x, bool) or not isinstance(x, int) or not isinstance(x_len, int):
        raise TypeError("i2osp takes two integers")
    if x < 0 or x_len < 0 or x >> (8 * x_len):
        raise InvalidValue("integer too large")
    return x.to_bytes(x_len, "big")


def os2ip(octets: bytes) -> int:
    """Octet-String-to-Integer primitive: big-endian octets as a non-negative int. RFC 8017 §4.2."""
    return int.from_bytes(as_bytes(octets, "octet string"), "big")


def as_bytes(value: bytes | bytearray | memoryview, what: str) -> bytes:
    """``value`` as immutable bytes; anything that is not bytes-like is a :class:`TypeError`."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    raise TypeError(f"{what} must be bytes, not {type(value).__name__}")


def check_hash_name(name: str) -> str:
    """``name`` if it names a supported hash function, else :class:`UnsupportedAlgorithm`."""
    if not isinstance(name, str):
        raise TypeError(f"hash name must be a str, not {type(name).__name__}")
    if name in HASH_NAMES:
        return name
    if name.startswith("shake"):
        raise UnsupportedAlgorithm(f"hash {name!r} is not supported (SHAKE, RFC 8702, is not implemented)")
    raise UnsupportedAlgorithm(f"unknown hash {name!r} (expected one of {', '.join(sorted(HASH_NAMES))})")


def digest(name: str, data: bytes) -> bytes:
    """``Hash(data)`` with the hash function ``name``."""
    return hashlib.new(check_hash_name(name), data).digest()


def digest_size(name: str) -> int:
    """hLen, the output length in octets of the hash function ``name``."""
    return hashlib.new(check_hash_name(name)).digest_size


def mgf1(seed: bytes, mask_len: int, hash_name: str) -> bytes:
    """MGF1, the mask generation function built on a hash. RFC 8017 §B.2.1.

    Step 1 ("If maskLen > 2^32 hLen, output 'mask too long'") cannot trigger here: the masks of
    PSS and OAEP are shorter than the modulus, and moduli are limited to 16384 bits.
    """
    h_len = digest_size(hash_name)
    if mask_len > (h_len << 32):                                     # step 1
        raise InvalidValue("mask too long")
    t = bytearray()                                                  # step 2
    for counter in range(-(-mask_len // h_len)):                     # step 3: 0 .. ceil(maskLen/hLen)-1
        t += digest(hash_name, seed + i2osp(counter, 4))             # steps 3.A and 3.B
    return bytes(t[:mask_len])                                       # step 4


def xor(a: bytes, b: bytes) -> bytes:
    """The octet-wise exclusive or of two strings of the same length."""
    if len(a) != len(b):
        raise ValueError("xor of strings of different lengths")
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).to_bytes(len(a), "big")
