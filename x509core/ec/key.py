"""EC public keys: a validated point Q on a named curve. SEC 1 §3.2, RFC 5480 §2.2.

:class:`ECPublicKey` is an immutable value whose constructor runs the full public-key validation
of NIST SP 800-56A Rev. 3 §5.6.2.3.3 (``point.py``), so every ECPublicKey that exists is a point
of the curve's prime-order group other than O. There is no EC private key class: x509core
verifies ECDSA signatures and carries EC public keys, and never computes with a secret scalar
(``arithmetic.py`` is not constant-time; ``private_keys.py`` reads key files without using them).
"""

from __future__ import annotations

from dataclasses import dataclass

from x509core.ec import ecdsa
from x509core.ec.curves import Curve
from x509core.ec.point import decode_point, encode_point, validate_public_point

__all__ = ["ECPublicKey"]


@dataclass(frozen=True, slots=True, repr=False)
class ECPublicKey:
    """An elliptic curve public key Q = (x, y) on ``curve``. RFC 5480 §2.2::

        ECPoint ::= OCTET STRING

    ``curve.name`` is the name OpenSSL prints (``prime256v1``, ``secp384r1``, ``secp521r1``),
    ``curve.nist_name`` the FIPS 186-5 one (``P-256``); ``key_size`` the bits of the order n.
    """

    curve: Curve
    x: int
    y: int

    def __post_init__(self) -> None:
        if not isinstance(self.curve, Curve):
            raise TypeError(f"curve must be a Curve, not {type(self.curve).__name__}")
        validate_public_point(self.curve, self.x, self.y)     # SP 800-56A §5.6.2.3.3

    @classmethod
    def from_encoded_point(cls, curve: Curve, data: bytes) -> "ECPublicKey":
        """From an uncompressed or compressed point (SEC 1 §2.3.4); InvalidValue if refused."""
        x, y = decode_point(curve, data)
        return cls(curve, x, y)

    @property
    def key_size(self) -> int:
        """The bits of the curve's order n: 256, 384 or 521 (as ``openssl`` and pyca say)."""
        return self.curve.key_size

    def to_encoded_point(self, compressed: bool = False) -> bytes:
        """The ECPoint octets, SEC 1 §2.3.3: 04 || X || Y, or 02/03 || X when compressed."""
        return encode_point(self.curve, self.x, self.y, compressed=compressed)

    def to_der(self, *, compressed: bool = False) -> bytes:
        """SubjectPublicKeyInfo DER (RFC 5480 §2); see ``keys.py``."""
        from x509core.ec import keys        # keys.py imports this module; import on use
        return keys.public_key_to_der(self, compressed=compressed)

    def to_pem(self, *, compressed: bool = False) -> str:
        """SubjectPublicKeyInfo PEM (``PUBLIC KEY``)."""
        from x509core.ec import keys
        return keys.public_key_to_pem(self, compressed=compressed)

    def verify(self, signature: bytes, data: bytes, hash_name: str = "sha256", *,
               encoding: str = "der") -> None:
        """Check an ECDSA signature on ``data`` (FIPS 186-5 §6.4.2): returns None or raises
        :class:`~x509core.errors.InvalidSignature`. ``encoding`` is ``"der"`` (Ecdsa-Sig-Value,
        as in certificates) or ``"p1363"`` (r || s, as in JOSE)."""
        ecdsa.verify(self, hash_name, data, signature, encoding=encoding)

    def verify_digest(self, digest: bytes, signature: bytes, *, encoding: str = "der") -> None:
        """Like :meth:`verify`, given the hash H of the data rather than the data."""
        ecdsa.verify_digest(self, digest, signature, encoding=encoding)

    def __repr__(self) -> str:
        return f"ECPublicKey(curve={self.curve.nist_name}, x={self.x:#x}, y={self.y:#x})"
