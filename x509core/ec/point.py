"""Elliptic curve points as octet strings, and the validation of public keys.

SEC 1 v2 §2.3.3 (Elliptic-Curve-Point-to-Octet-String) and §2.3.4 (Octet-String-to-Elliptic-
Curve-Point), for the prime curves of ``curves.py``; an ECPoint is the OCTET STRING that
RFC 5480 §2.2 puts in subjectPublicKey::

    ECPoint ::= OCTET STRING

    uncompressed   04 || X || Y      (2 * mlen + 1 octets)
    compressed     02 || X  (y even)
                   03 || X  (y odd)  (mlen + 1 octets)

where mlen = ceil(log2(p) / 8) and X, Y are the coordinates as big-endian octet strings of
exactly mlen octets (SEC 1 §2.3.5, §2.3.7). RFC 5480 §2.2: "The uncompressed form MUST be
supported. The compressed form MAY be supported" — both are read here. Refused as public keys,
with a clear error:

- the point at infinity, encoded ``00`` (SEC 1 §2.3.4 step 1): never a valid public key
  (NIST SP 800-56A Rev. 3 §5.6.2.3.3 step 1);
- the hybrid form ``06``/``07`` || X || Y of ANSI X9.62: RFC 5480 §2.2, "The hybrid form
  MUST NOT be used".

Every decoded point passes the full public-key validation of NIST SP 800-56A Rev. 3
§5.6.2.3.3 (:func:`validate_public_point`):

1. Q is not the point at infinity — the octet ``00`` is refused, and a decoded (x, y) never is;
2. x and y are integers in [0, p - 1] — an octet string of mlen octets can hold a value up to
   2^(8 mlen) - 1 > p - 1, so this is checked, never assumed;
3. y^2 = x^3 + a*x + b (mod p): Q is on the curve;
4. n*Q = O. Implied here, so not computed: the three curves have cofactor h = 1
   (SP 800-186 §3.2.1), so the group of points on the curve has prime order n and, by
   Lagrange's theorem, every point that passed step 3 satisfies n*Q = O. (The step matters
   for curves with h > 1, whose points may lie in a small subgroup.)

Without step 3, a verifier would compute on a point of another curve (one with the same a and a
different b) chosen to have a small subgroup: the invalid-curve attack (Biehl, Meyer and Müller,
CRYPTO 2000). A decompressed point is on the curve by construction; step 3 is still checked.
"""

from __future__ import annotations

from x509core import bignum
from x509core.ec.curves import Curve
from x509core.errors import InvalidValue

__all__ = ["encode_point", "decode_point", "validate_public_point", "decompress_y",
           "field_element_to_octets"]


def field_element_to_octets(value: int, curve: Curve) -> bytes:
    """A field element as mlen big-endian octets. SEC 1 §2.3.5."""
    return value.to_bytes(curve.field_size, "big")


def encode_point(curve: Curve, x: int, y: int, *, compressed: bool = False) -> bytes:
    """Elliptic-Curve-Point-to-Octet-String for a point other than O. SEC 1 §2.3.3 step 2
    (compressed: 02 or 03 by the parity of y, then X) and step 3 (uncompressed: 04, X, Y)."""
    x_octets = field_element_to_octets(x, curve)
    if compressed:
        return bytes((2 | (y & 1),)) + x_octets                       # step 2.2: y~ = y mod 2
    return b"\x04" + x_octets + field_element_to_octets(y, curve)     # step 3


def decode_point(curve: Curve, data: bytes) -> tuple[int, int]:
    """Octet-String-to-Elliptic-Curve-Point, SEC 1 §2.3.4, for a public key: (x, y), validated
    as NIST SP 800-56A Rev. 3 §5.6.2.3.3 asks. Every refusal is an :class:`InvalidValue`."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"an encoded point must be bytes, not {type(data).__name__}")
    data = bytes(data)
    mlen = curve.field_size
    if not data:
        raise InvalidValue("empty encoded point (SEC 1 §2.3.4)")
    form = data[0]
    if form == 0x00:                                                  # step 1: M = 00
        raise InvalidValue("the point at infinity is not a valid public key "
                           "(NIST SP 800-56A Rev. 3 §5.6.2.3.3 step 1)")
    if form in (0x06, 0x07):
        raise InvalidValue("hybrid point encoding (0x06/0x07) refused: RFC 5480 §2.2, "
                           '"The hybrid form MUST NOT be used"')
    if form in (0x02, 0x03):                                          # step 2: compressed
        if len(data) != mlen + 1:
            raise InvalidValue(f"compressed {curve.nist_name} point must be {mlen + 1} octets, "
                               f"not {len(data)} (SEC 1 §2.3.4 step 2)")
        x = int.from_bytes(data[1:], "big")                           # step 2.2
        _check_coordinate(x, curve, "x")
        y = decompress_y(curve, x, form & 1)                          # step 2.4
    elif form == 0x04:                                                # step 3: uncompressed
        if len(data) != 2 * mlen + 1:
            raise InvalidValue(f"uncompressed {curve.nist_name} point must be {2 * mlen + 1} "
                               f"octets, not {len(data)} (SEC 1 §2.3.4 step 3)")
        x = int.from_bytes(data[1:mlen + 1], "big")                   # step 3.2
        y = int.from_bytes(data[mlen + 1:], "big")                    # step 3.3
    else:
        raise InvalidValue(f"unknown point encoding 0x{form:02x} (SEC 1 §2.3.4: 02, 03 or 04)")
    validate_public_point(curve, x, y)                                # step 3.4 and SP 800-56A
    return x, y


def _check_coordinate(value: int, curve: Curve, name: str) -> None:
    # SP 800-56A Rev. 3 §5.6.2.3.3 step 2: "Verify that xQ and yQ are integers in the
    # interval [0, p - 1]"; SEC 1 §2.3.6 step 2 refuses a field element >= p likewise.
    if not 0 <= value < curve.p:
        raise InvalidValue(f"{curve.nist_name} point coordinate {name} is not in [0, p - 1] "
                           "(NIST SP 800-56A Rev. 3 §5.6.2.3.3 step 2)")


def validate_public_point(curve: Curve, x: int, y: int) -> None:
    """ECC full public-key validation, NIST SP 800-56A Rev. 3 §5.6.2.3.3 (see the module
    docstring for step 4, implied by the cofactor 1). Raises :class:`InvalidValue`."""
    for name, value in (("x", x), ("y", y)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"point coordinate {name} must be an int, not {type(value).__name__}")
        _check_coordinate(value, curve, name)                         # step 2
    p = curve.p
    if (y * y - (x * x + curve.a) * x - curve.b) % p:                 # step 3
        raise InvalidValue(f"the point is not on the curve {curve.nist_name} "
                           "(NIST SP 800-56A Rev. 3 §5.6.2.3.3 step 3)")
    # Step 1 (Q != O) holds: (x, y) is an affine point. Step 4 (n*Q = O) holds for h = 1.


def decompress_y(curve: Curve, x: int, y_bit: int) -> int:
    """The y with y^2 = x^3 + ax + b and y mod 2 = ``y_bit``. SEC 1 §2.3.4 step 2.4.1.

    The square root: p = 3 (mod 4) for all three curves, so (p + 1)/4 is an integer and
    beta = alpha^((p+1)/4) mod p satisfies beta^2 = alpha * alpha^((p-1)/2), which is alpha
    exactly when alpha is a square (Euler's criterion: alpha^((p-1)/2) = 1). So beta is
    checked by squaring it back; if beta^2 != alpha, alpha has no square root and x is not the
    x-coordinate of a point ("output invalid", step 2.4.1).
    """
    p = curve.p
    if p % 4 != 3:  # pragma: no cover - true of every curve in curves.py
        raise InvalidValue(f"{curve.nist_name}: square roots need p = 3 (mod 4)")
    alpha = (x * x * x + curve.a * x + curve.b) % p
    beta = bignum.powmod(alpha, (p + 1) >> 2, p)
    if beta * beta % p != alpha:
        raise InvalidValue(f"compressed point: x is not the x-coordinate of a point on "
                           f"{curve.nist_name} (SEC 1 §2.3.4 step 2.4.1)")
    if beta & 1 == y_bit:                                             # step 2.4.2
        return beta
    if beta == 0:  # pragma: no cover - no point with y = 0 exists on a curve of odd order
        raise InvalidValue("compressed point with y = 0 and odd y~")
    return p - beta
