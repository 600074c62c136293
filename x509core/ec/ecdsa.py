"""ECDSA signature verification. FIPS 186-5 §6.4.2 (SEC 1 v2 §4.1.4 is the same algorithm).

Two signature encodings are read:

- ``encoding="der"``: the DER ``Ecdsa-Sig-Value`` that X.509 certificates, CRLs, CSRs, CMS and
  TLS carry (RFC 3279 §2.2.3; RFC 5758 §3.2 for the SHA-2 algorithms)::

      Ecdsa-Sig-Value  ::=  SEQUENCE  {
           r     INTEGER,
           s     INTEGER  }

  read with x509core's strict DER reader: a non-minimal INTEGER or length, a missing or extra
  field, BER, and trailing bytes all make the signature invalid. A negative r or s is a valid
  DER INTEGER and fails the range check of step 1.
- ``encoding="p1363"``: the fixed-width r || s of IEEE P1363, which JOSE uses (RFC 7518 §3.4,
  ES256/ES384/ES512): exactly 2 * ceil(log2(n) / 8) octets, r then s, big-endian.

Every failure — a malformed encoding, r or s out of range, a wrong signature — raises
:class:`InvalidSignature` with the same message, which never says why. Public keys are
validated when they are made (``key.py``, ``point.py``), so Q here is a point of the group.

Not constant-time, and it need not be: every input of verification is public (see
``arithmetic.py``). The hash may be any hashlib hash of fixed length (SHA-2, SHA-3, SHA-1 for
old signatures); which hashes to accept is validation policy, decided by the caller.
"""

from __future__ import annotations

import hashlib

from x509core import bignum
from x509core.der import Reader, Writer
from x509core.ec.arithmetic import mul_add
from x509core.ec.curves import Curve
from x509core.errors import DecodeError, InvalidSignature, InvalidValue, UnsupportedAlgorithm

__all__ = ["ENCODINGS", "digest", "hash_to_integer", "decode_signature", "encode_der_signature",
           "encode_p1363_signature", "verify", "verify_digest"]

ENCODINGS = ("der", "p1363")
_MISMATCH = "signature mismatch"


def digest(hash_name: str, data: bytes) -> bytes:
    """``Hash(data)`` with any fixed-length hashlib hash (``"sha256"``, ``"sha3_384"``, ...);
    SHAKE and unknown names raise :class:`UnsupportedAlgorithm`."""
    if not isinstance(hash_name, str):
        raise TypeError(f"hash name must be a str, not {type(hash_name).__name__}")
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes, not {type(data).__name__}")
    try:
        h = hashlib.new(hash_name, data)
    except (ValueError, TypeError):
        raise UnsupportedAlgorithm(f"unknown hash {hash_name!r}") from None
    if not h.digest_size:                   # SHAKE128/256: an output length would be needed
        raise UnsupportedAlgorithm(f"hash {hash_name!r} has no fixed output length")
    return h.digest()


def hash_to_integer(curve: Curve, h: bytes) -> int:
    """e, the integer of the leftmost min(len(H), len(n)) bits of H. FIPS 186-5 §6.4.2 step 3
    (SEC 1 §4.1.3 step 5, which §4.1.4 step 3 applies).

    Bits, not octets: P-521's n has 521 bits, so a SHA-512 digest (512 bits) is used whole,
    while on P-256 it is cut to its leftmost 256 bits. e may exceed n; it is reduced in step 4.
    """
    excess = 8 * len(h) - curve.n.bit_length()
    e = int.from_bytes(h, "big")
    return e >> excess if excess > 0 else e


def decode_signature(curve: Curve, signature: bytes, encoding: str = "der") -> tuple[int, int]:
    """(r, s) from a signature in ``encoding`` ("der" or "p1363"), else InvalidSignature."""
    if not isinstance(signature, (bytes, bytearray, memoryview)):
        raise TypeError(f"signature must be bytes, not {type(signature).__name__}")
    if encoding == "der":
        try:
            reader = Reader(bytes(signature))
            seq = reader.read_sequence("Ecdsa-Sig-Value")
            r, s = seq.read_integer("r"), seq.read_integer("s")
            seq.finish()
            reader.finish()
        except DecodeError:
            raise InvalidSignature(_MISMATCH) from None
        return r, s
    if encoding == "p1363":
        size = curve.order_size
        if len(signature) != 2 * size:
            raise InvalidSignature(_MISMATCH)
        data = bytes(signature)
        return int.from_bytes(data[:size], "big"), int.from_bytes(data[size:], "big")
    raise InvalidValue(f"unknown ECDSA signature encoding {encoding!r} (expected 'der' or 'p1363')")


def encode_der_signature(r: int, s: int) -> bytes:
    """The DER Ecdsa-Sig-Value of (r, s). RFC 3279 §2.2.3."""
    w = Writer()
    with w.sequence():
        w.write_integer(r)
        w.write_integer(s)
    return w.to_bytes()


def encode_p1363_signature(curve: Curve, r: int, s: int) -> bytes:
    """r || s, each as ceil(log2(n) / 8) big-endian octets (IEEE P1363, RFC 7518 §3.4)."""
    if not (0 < r < curve.n and 0 < s < curve.n):
        raise InvalidValue("r and s must be in [1, n - 1] (FIPS 186-5 §6.4.1)")
    return r.to_bytes(curve.order_size, "big") + s.to_bytes(curve.order_size, "big")


def verify(key, hash_name: str, message: bytes, signature: bytes, *, encoding: str = "der") -> None:
    """ECDSA verification of ``signature`` on ``message`` with ``key`` (an ECPublicKey).
    FIPS 186-5 §6.4.2. Returns None or raises :class:`InvalidSignature`."""
    h = digest(hash_name, message)                                   # step 2: H = Hash(M)
    verify_digest(key, h, signature, encoding=encoding)


def verify_digest(key, h: bytes, signature: bytes, *, encoding: str = "der") -> None:
    """ECDSA verification given H = Hash(M). FIPS 186-5 §6.4.2 steps 1 and 3-7.

    Steps 6-7 without an inversion: R = (X, Y, Z) in Jacobian coordinates stands for the
    affine x_R = X / Z^2 mod p, and for any c in [0, p - 1], x_R = c exactly when
    X = c * Z^2 (mod p), Z being invertible (R != O, checked first). r1 = x_R mod n equals r
    (0 < r < n) exactly when x_R = r + k*n for some k >= 0 with r + k*n < p; for these curves
    n < p < 2n, so the candidates are r and, when r + n < p, r + n. Comparing X with c * Z^2
    for each candidate c decides step 7 as FIPS 186-5 §6.4.2 states it, with no inversion.
    """
    curve = key.curve
    n = curve.n
    r, s = decode_signature(curve, signature, encoding)
    if not (0 < r < n and 0 < s < n):                                # step 1
        raise InvalidSignature(_MISMATCH)
    e = hash_to_integer(curve, bytes(h))                             # step 3
    w = bignum.invert(s, n)                                          # step 4: s^-1 mod n
    u1, u2 = e * w % n, r * w % n                                    #   u = e/s, v = r/s
    X, _, Z = mul_add(curve, u1, u2, key.x, key.y)                   # step 5: R = uG + vQ
    p = curve.p
    if not Z:                                                        # R = O: INVALID
        raise InvalidSignature(_MISMATCH)
    zz = Z * Z % p
    candidate = r
    while candidate < p:                                             # steps 6-7 (see above)
        if candidate * zz % p == X:
            return None
        candidate += n
    raise InvalidSignature(_MISMATCH)
