"""EC public key formats: SubjectPublicKeyInfo with id-ecPublicKey, DER and PEM. RFC 5480 §2.

RFC 5280 §4.1.2.7 and RFC 5480 §2::

    SubjectPublicKeyInfo ::= SEQUENCE {
      algorithm         AlgorithmIdentifier,       -- id-ecPublicKey, ECParameters
      subjectPublicKey  BIT STRING }               -- the ECPoint octets

"The elliptic curve public key (a value of type ECPoint that is an OCTET STRING) is mapped to a
subjectPublicKey (a value of type BIT STRING) as follows: the most significant bit of the OCTET
STRING value becomes the most significant bit of the BIT STRING value, and so on" (RFC 5480
§2.2): the BIT STRING's octets are the point itself, with no unused bits and no DER wrapping.

Reading checks, each with the byte offset of the field: the algorithm is id-ecPublicKey with a
named curve of ``curves.py`` (``algorithms.py``: implicitCurve, specifiedCurve and unknown
curves raise :class:`UnsupportedAlgorithm`), the point decodes (``point.py``: uncompressed or
compressed; hybrid and infinity refused) and passes full public-key validation. A bad point is
an :class:`InvalidEncodedValue` at the subjectPublicKey's offset.

EC private key files are read by ``private_keys.py``.
"""

from __future__ import annotations

from x509core import pem
from x509core.der import BitString, Reader, Writer
from x509core.ec.algorithms import read_key_algorithm, write_key_algorithm
from x509core.ec.curves import Curve
from x509core.ec.key import ECPublicKey
from x509core.ec.point import decode_point
from x509core.errors import DecodeError, InvalidEncodedValue, InvalidValue

__all__ = ["read_subject_public_key_info", "write_subject_public_key_info", "read_public_point",
           "load_der_public_key", "load_pem_public_key", "public_key_to_der", "public_key_to_pem"]


def read_public_point(r: Reader, curve: Curve, name: str = "subjectPublicKey") -> ECPublicKey:
    """A BIT STRING holding an ECPoint (RFC 5480 §2.2) as a validated key on ``curve``."""
    start = r.pos
    bits = r.read_bit_string(name)
    path = r.path + (name,)
    if bits.unused_bits:
        raise DecodeError("an EC public key BIT STRING must have 0 unused bits (RFC 5480 §2.2)",
                          start, path)
    try:
        x, y = decode_point(curve, bits.data)
    except InvalidValue as exc:
        raise InvalidEncodedValue(str(exc), start, path) from None
    return ECPublicKey(curve, x, y)


def read_subject_public_key_info(r: Reader, name: str = "subjectPublicKeyInfo") -> ECPublicKey:
    """An EC SubjectPublicKeyInfo (RFC 5480 §2). Other key types: UnsupportedAlgorithm."""
    seq = r.read_sequence(name)
    curve = read_key_algorithm(seq.read_sequence("algorithm"), "public")
    key = read_public_point(seq, curve)
    seq.finish()
    return key


def write_subject_public_key_info(w: Writer, key: ECPublicKey, *, compressed: bool = False) -> None:
    """SubjectPublicKeyInfo with id-ecPublicKey and the named curve; the point uncompressed
    (RFC 5480 §2.2: "The uncompressed form MUST be supported") unless ``compressed``."""
    if not isinstance(key, ECPublicKey):
        raise TypeError(f"key must be an ECPublicKey, not {type(key).__name__}")
    with w.sequence():
        write_key_algorithm(w, key.curve)
        w.write_bit_string(BitString(key.to_encoded_point(compressed)))


def load_der_public_key(data: bytes) -> ECPublicKey:
    """An EC public key from SubjectPublicKeyInfo DER (the only standard container of one)."""
    reader = Reader(data)
    key = read_subject_public_key_info(reader)
    reader.finish()
    return key


def load_pem_public_key(data: str | bytes) -> ECPublicKey:
    """An EC public key from a ``PUBLIC KEY`` PEM block (RFC 7468 §13)."""
    _, der = pem.decode_one(data, "PUBLIC KEY")
    return load_der_public_key(der)


def public_key_to_der(key: ECPublicKey, *, compressed: bool = False) -> bytes:
    """SubjectPublicKeyInfo DER."""
    w = Writer()
    write_subject_public_key_info(w, key, compressed=compressed)
    return w.to_bytes()


def public_key_to_pem(key: ECPublicKey, *, compressed: bool = False) -> str:
    return pem.encode("PUBLIC KEY", public_key_to_der(key, compressed=compressed))
