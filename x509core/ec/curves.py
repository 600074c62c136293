"""The NIST prime curves P-256, P-384 and P-521, and the object identifiers that name them.

Domain parameters from NIST SP 800-186 §3.2.1 (the curves FIPS 186-5 approves for ECDSA), which
SEC 2 v2 §2.4 lists as secp256r1, secp384r1 and secp521r1. Each curve is the short Weierstrass
curve ``y^2 = x^3 + a*x + b`` over the prime field GF(p) with ``a = p - 3`` (SP 800-186 §3.2.1:
"a = -3"), base point G = (gx, gy) of prime order n, and cofactor h = 1.

Object identifiers, RFC 5480 §2.1.1.1::

    secp256r1 OBJECT IDENTIFIER ::= { iso(1) member-body(2) us(840) ansi-X9-62(10045)
        curves(3) prime(1) 7 }
    secp384r1 OBJECT IDENTIFIER ::= { iso(1) identified-organization(3) certicom(132) curve(0) 34 }
    secp521r1 OBJECT IDENTIFIER ::= { iso(1) identified-organization(3) certicom(132) curve(0) 35 }

and RFC 5480 §2.1.1 for the key algorithm::

    id-ecPublicKey OBJECT IDENTIFIER ::= { iso(1) member-body(2) us(840) ansi-X9-62(10045)
        keyType(2) 1 }

Other named curves (secp192r1, secp224r1, secp256k1, the brainpool curves) are recognised by
name only, so that a refusal can say which curve it met (:data:`UNSUPPORTED_CURVE_NAMES`).
The parameters are checked against ``openssl ecparam -param_enc explicit`` in the tests.
"""

from __future__ import annotations

from dataclasses import dataclass

from x509core.der import ObjectIdentifier
from x509core.errors import UnsupportedAlgorithm

__all__ = ["OID_EC_PUBLIC_KEY", "OID_SECP256R1", "OID_SECP384R1", "OID_SECP521R1", "Curve",
           "P256", "P384", "P521", "CURVES", "UNSUPPORTED_CURVE_NAMES", "curve_for_oid",
           "curve_by_name"]

OID_EC_PUBLIC_KEY = ObjectIdentifier("1.2.840.10045.2.1")     # ansi-X9-62 keyType 1
OID_SECP256R1 = ObjectIdentifier("1.2.840.10045.3.1.7")        # ansi-X9-62 curves prime 7
OID_SECP384R1 = ObjectIdentifier("1.3.132.0.34")               # certicom curve 34
OID_SECP521R1 = ObjectIdentifier("1.3.132.0.35")               # certicom curve 35


@dataclass(frozen=True, slots=True, repr=False)
class Curve:
    """The domain parameters of a prime curve y^2 = x^3 + ax + b over GF(p). SEC 1 §3.1.1.

    ``name`` is what OpenSSL prints (``openssl x509 -text``: "ASN1 OID: prime256v1"),
    ``nist_name`` the FIPS 186-5 name ("P-256"), ``sec_name`` the SEC 2 name ("secp256r1").
    """

    name: str
    nist_name: str
    sec_name: str
    oid: ObjectIdentifier
    p: int
    a: int
    b: int
    gx: int
    gy: int
    n: int
    h: int

    @property
    def key_size(self) -> int:
        """The bit length of the order n (256, 384, 521), as ``openssl`` and pyca report it."""
        return self.n.bit_length()

    @property
    def field_size(self) -> int:
        """mlen of SEC 1 §2.3.3: the octets of a field element, ceil(log2(p) / 8)."""
        return (self.p.bit_length() + 7) // 8

    @property
    def order_size(self) -> int:
        """The octets of an integer modulo n: r and s each take this many in the IEEE P1363
        form (RFC 7518 §3.4: 32, 48 and 66 octets for P-256, P-384 and P-521)."""
        return (self.n.bit_length() + 7) // 8

    def __repr__(self) -> str:
        return f"Curve({self.nist_name})"


# NIST SP 800-186 §3.2.1, curve P-256. p = 2^256 - 2^224 + 2^192 + 2^96 - 1.
P256 = Curve(
    name="prime256v1", nist_name="P-256", sec_name="secp256r1", oid=OID_SECP256R1,
    p=0xFFFFFFFF_00000001_00000000_00000000_00000000_FFFFFFFF_FFFFFFFF_FFFFFFFF,
    a=0xFFFFFFFF_00000001_00000000_00000000_00000000_FFFFFFFF_FFFFFFFF_FFFFFFFC,
    b=0x5AC635D8_AA3A93E7_B3EBBD55_769886BC_651D06B0_CC53B0F6_3BCE3C3E_27D2604B,
    gx=0x6B17D1F2_E12C4247_F8BCE6E5_63A440F2_77037D81_2DEB33A0_F4A13945_D898C296,
    gy=0x4FE342E2_FE1A7F9B_8EE7EB4A_7C0F9E16_2BCE3357_6B315ECE_CBB64068_37BF51F5,
    n=0xFFFFFFFF_00000000_FFFFFFFF_FFFFFFFF_BCE6FAAD_A7179E84_F3B9CAC2_FC632551,
    h=1,
)

# NIST SP 800-186 §3.2.1, curve P-384. p = 2^384 - 2^128 - 2^96 + 2^32 - 1.
P384 = Curve(
    name="secp384r1", nist_name="P-384", sec_name="secp384r1", oid=OID_SECP384R1,
    p=int("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFE"
          "FFFFFFFF0000000000000000FFFFFFFF", 16),
    a=int("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFE"
          "FFFFFFFF0000000000000000FFFFFFFC", 16),
    b=int("B3312FA7E23EE7E4988E056BE3F82D19181D9C6EFE8141120314088F5013875A"
          "C656398D8A2ED19D2A85C8EDD3EC2AEF", 16),
    gx=int("AA87CA22BE8B05378EB1C71EF320AD746E1D3B628BA79B9859F741E082542A38"
           "5502F25DBF55296C3A545E3872760AB7", 16),
    gy=int("3617DE4A96262C6F5D9E98BF9292DC29F8F41DBD289A147CE9DA3113B5F0B8C0"
           "0A60B1CE1D7E819D7A431D7C90EA0E5F", 16),
    n=int("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF"
          "581A0DB248B0A77AECEC196ACCC52973", 16),
    h=1,
)

# NIST SP 800-186 §3.2.1, curve P-521. p = 2^521 - 1.
P521 = Curve(
    name="secp521r1", nist_name="P-521", sec_name="secp521r1", oid=OID_SECP521R1,
    p=(1 << 521) - 1,
    a=(1 << 521) - 4,
    b=int("0051953EB9618E1C9A1F929A21A0B68540EEA2DA725B99B315F3B8B489918EF1"
          "09E156193951EC7E937B1652C0BD3BB1BF073573DF883D2C34F1EF451FD46B503F00", 16),
    gx=int("00C6858E06B70404E9CD9E3ECB662395B4429C648139053FB521F828AF606B4D"
           "3DBAA14B5E77EFE75928FE1DC127A2FFA8DE3348B3C1856A429BF97E7E31C2E5BD66", 16),
    gy=int("011839296A789A3BC0045C8A5FB42C7D1BD998F54449579B446817AFBD17273E"
           "662C97EE72995EF42640C550B9013FAD0761353C7086A272C24088BE94769FD16650", 16),
    n=int("01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
          "FA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409", 16),
    h=1,
)

CURVES = {curve.oid: curve for curve in (P256, P384, P521)}

# Named curves met in certificates and test suites that this layer does not implement.
UNSUPPORTED_CURVE_NAMES = {
    ObjectIdentifier("1.2.840.10045.3.1.1"): "secp192r1",           # prime192v1, P-192
    ObjectIdentifier("1.3.132.0.33"): "secp224r1",                  # P-224
    ObjectIdentifier("1.3.132.0.10"): "secp256k1",
    ObjectIdentifier("1.3.36.3.3.2.8.1.1.3"): "brainpoolP192r1",    # RFC 5639 §4.1
    ObjectIdentifier("1.3.36.3.3.2.8.1.1.5"): "brainpoolP224r1",
    ObjectIdentifier("1.3.36.3.3.2.8.1.1.7"): "brainpoolP256r1",
    ObjectIdentifier("1.3.36.3.3.2.8.1.1.9"): "brainpoolP320r1",
    ObjectIdentifier("1.3.36.3.3.2.8.1.1.11"): "brainpoolP384r1",
    ObjectIdentifier("1.3.36.3.3.2.8.1.1.13"): "brainpoolP512r1",
}

_BY_NAME = {name.lower(): curve for curve in CURVES.values()
            for name in (curve.name, curve.nist_name, curve.sec_name)}


def curve_for_oid(oid: str, offset: int | None = None) -> Curve:
    """The curve a namedCurve OID names (RFC 5480 §2.1.1.1), else :class:`UnsupportedAlgorithm`
    naming the OID (and the curve, when it is a known one) and the ``offset`` it was read at."""
    curve = CURVES.get(oid)
    if curve is not None:
        return curve
    known = UNSUPPORTED_CURVE_NAMES.get(oid)
    label = f"{known} ({oid})" if known else str(oid)
    where = "" if offset is None else f" at byte {offset}"
    raise UnsupportedAlgorithm(f"unsupported named curve {label}{where}: only P-256, P-384 and "
                               "P-521 are implemented")


def curve_by_name(name: str) -> Curve:
    """A curve by any of its names: ``"P-256"``, ``"secp256r1"``, ``"prime256v1"`` (any case)."""
    if not isinstance(name, str):
        raise TypeError(f"curve name must be a str, not {type(name).__name__}")
    curve = _BY_NAME.get(name.lower())
    if curve is None:
        raise UnsupportedAlgorithm(f"unsupported curve {name!r}: only P-256, P-384 and P-521 "
                                   "are implemented")
    return curve
