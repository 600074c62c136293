"""AlgorithmIdentifiers of EC keys and ECDSA signatures: ECParameters and ecdsa-with-SHA*.

RFC 5480 §2.1.1 (the key algorithm and its parameters)::

    ECParameters ::= CHOICE {
      namedCurve         OBJECT IDENTIFIER
      -- implicitCurve   NULL
      -- specifiedCurve  SpecifiedECDomain
    }
      -- implicitCurve and specifiedCurve MUST NOT be used in PKIX.

RFC 5758 §3.2 (ECDSA with SHA-2) and RFC 3279 §2.2.3 (ECDSA with SHA-1)::

    ecdsa-with-SHA224 OBJECT IDENTIFIER ::= { iso(1) member-body(2) us(840) ansi-X9-62(10045)
         signatures(4) ecdsa-with-SHA2(3) 1 }
    ecdsa-with-SHA256 ... ecdsa-with-SHA2(3) 2 }
    ecdsa-with-SHA384 ... ecdsa-with-SHA2(3) 3 }
    ecdsa-with-SHA512 ... ecdsa-with-SHA2(3) 4 }
    ecdsa-with-SHA1   ... signatures(4) 1 }

"When the ecdsa-with-SHA224, ecdsa-with-SHA256, ecdsa-with-SHA384, or ecdsa-with-SHA512
algorithm identifier appears in the algorithm field as an AlgorithmIdentifier, the encoding
MUST omit the parameters field" (RFC 5758 §3.2; RFC 3279 §2.2.3 says the same of SHA-1), so
parameters — NULL included — are refused. The SHA-3 forms (NIST CSOR sigAlgs 9-12,
id-ecdsa-with-sha3-224 .. -512, as OpenSSL names them) are read by the same rule. Whether SHA-1
or SHA-224 signatures are acceptable is validation policy, decided above this layer.
"""

from __future__ import annotations

from dataclasses import dataclass

from x509core.der import ObjectIdentifier, Reader, Writer
from x509core.der import tags
from x509core.ec.curves import OID_EC_PUBLIC_KEY, Curve, curve_for_oid
from x509core.errors import DecodeError, InvalidEncodedValue, UnsupportedAlgorithm

__all__ = ["ECDSA_SIGNATURE_OIDS", "ECDSASignatureAlgorithm", "read_signature_algorithm",
           "write_signature_algorithm", "read_ec_parameters", "write_ec_parameters",
           "read_key_algorithm", "write_key_algorithm"]

ECDSA_SIGNATURE_OIDS = {
    "sha1": ObjectIdentifier("1.2.840.10045.4.1"),            # ecdsa-with-SHA1, RFC 3279
    "sha224": ObjectIdentifier("1.2.840.10045.4.3.1"),        # ecdsa-with-SHA224, RFC 5758
    "sha256": ObjectIdentifier("1.2.840.10045.4.3.2"),        # ecdsa-with-SHA256
    "sha384": ObjectIdentifier("1.2.840.10045.4.3.3"),        # ecdsa-with-SHA384
    "sha512": ObjectIdentifier("1.2.840.10045.4.3.4"),        # ecdsa-with-SHA512
    "sha3_224": ObjectIdentifier("2.16.840.1.101.3.4.3.9"),   # id-ecdsa-with-sha3-224 (sigAlgs 9)
    "sha3_256": ObjectIdentifier("2.16.840.1.101.3.4.3.10"),  # sigAlgs 10
    "sha3_384": ObjectIdentifier("2.16.840.1.101.3.4.3.11"),  # sigAlgs 11
    "sha3_512": ObjectIdentifier("2.16.840.1.101.3.4.3.12"),  # sigAlgs 12
}
_HASHES = {oid: name for name, oid in ECDSA_SIGNATURE_OIDS.items()}
_NAMES = {"sha1": "ecdsa-with-SHA1", "sha224": "ecdsa-with-SHA224",
          "sha256": "ecdsa-with-SHA256", "sha384": "ecdsa-with-SHA384",
          "sha512": "ecdsa-with-SHA512", "sha3_224": "ecdsa_with_SHA3-224",
          "sha3_256": "ecdsa_with_SHA3-256", "sha3_384": "ecdsa_with_SHA3-384",
          "sha3_512": "ecdsa_with_SHA3-512"}


@dataclass(frozen=True, slots=True)
class ECDSASignatureAlgorithm:
    """What an ECDSA signatureAlgorithm names: the hash (ECDSA has no other parameter)."""

    hash_name: str

    def __post_init__(self) -> None:
        if self.hash_name not in ECDSA_SIGNATURE_OIDS:
            raise UnsupportedAlgorithm(f"no ECDSA signature algorithm with hash {self.hash_name!r}")

    @property
    def scheme(self) -> str:
        """``"ecdsa"``: the certificate layer reads ``scheme`` and ``hash_name`` of RSA and
        ECDSA signature algorithms alike."""
        return "ecdsa"

    @property
    def pss(self) -> None:
        """No RSASSA-PSS parameters (as for an RSA PKCS #1 v1.5 algorithm)."""
        return None

    @property
    def oid(self) -> ObjectIdentifier:
        return ECDSA_SIGNATURE_OIDS[self.hash_name]

    @property
    def name(self) -> str:
        """The name ``openssl x509 -text`` prints, e.g. ``ecdsa-with-SHA256``."""
        return _NAMES[self.hash_name]


def read_signature_algorithm(r: Reader,
                             name: str = "signatureAlgorithm") -> ECDSASignatureAlgorithm:
    """An ECDSA signature AlgorithmIdentifier with its parameters absent (RFC 5758 §3.2,
    RFC 3279 §2.2.3). Other algorithms: :class:`UnsupportedAlgorithm`."""
    seq = r.read_sequence(name)
    start = seq.pos
    oid = seq.read_oid("algorithm")
    if oid not in _HASHES:
        raise UnsupportedAlgorithm(f"unsupported signature algorithm {oid} (not ECDSA) "
                                   f"at byte {start}")
    if not seq.at_end:
        # RFC 5758 §3.2: "the encoding MUST omit the parameters field".
        what = "NULL parameters" if seq.peek_is(tags.NULL) else "parameters"
        raise InvalidEncodedValue(f"{_NAMES[_HASHES[oid]]} with {what}: the parameters MUST be "
                                  "absent (RFC 5758 §3.2)", seq.pos,
                                  seq.path + ("parameters",))
    return ECDSASignatureAlgorithm(_HASHES[oid])


def write_signature_algorithm(w: Writer, algorithm: ECDSASignatureAlgorithm | str) -> None:
    """``SEQUENCE { ecdsa-with-SHAxxx }``, parameters absent (RFC 5758 §3.2)."""
    if isinstance(algorithm, str):
        algorithm = ECDSASignatureAlgorithm(algorithm)
    with w.sequence():
        w.write_oid(algorithm.oid)


def read_ec_parameters(r: Reader, name: str = "parameters") -> Curve:
    """ECParameters as RFC 5480 §2.1.1 allows it in PKIX: a namedCurve of ``curves.py``.

    implicitCurve (NULL) and specifiedCurve (a SEQUENCE of explicit domain parameters, what
    ``openssl ... -param_enc explicit`` writes) raise :class:`UnsupportedAlgorithm` naming
    which one; an unknown named curve raises it naming the OID."""
    start = r.pos
    tag = r.peek_tag()
    if tag == tags.OBJECT_IDENTIFIER:
        return curve_for_oid(r.read_oid(name), start)
    if tag == tags.NULL:
        choice = "implicitCurve (NULL)"
    elif tag == tags.SEQUENCE:
        choice = "specifiedCurve (explicit curve parameters)"
    else:
        raise DecodeError(f"ECParameters must be a namedCurve OBJECT IDENTIFIER, found {tag} "
                          "(RFC 5480 §2.1.1)", start, r.path + (name,))
    r.read_any(name)                        # well-formed DER, then refused
    raise UnsupportedAlgorithm(f"ECParameters {choice} at byte {start} is not supported: RFC 5480 "
                               "§2.1.1, \"implicitCurve and specifiedCurve MUST NOT be used in "
                               "PKIX\"; use a named curve (P-256, P-384 or P-521)")


def write_ec_parameters(w: Writer, curve: Curve) -> None:
    """ECParameters as namedCurve (RFC 5480 §2.1.1)."""
    if not isinstance(curve, Curve):
        raise TypeError(f"curve must be a Curve, not {type(curve).__name__}")
    w.write_oid(curve.oid)


def read_key_algorithm(alg: Reader, half: str = "public") -> Curve:
    """The inside of an EC key's AlgorithmIdentifier (SPKI or PKCS #8): id-ecPublicKey and its
    ECParameters, which "MUST always be present" (RFC 5480 §2.1.1). Other key types:
    :class:`UnsupportedAlgorithm`."""
    start = alg.pos
    oid = alg.read_oid("algorithm")
    if oid != OID_EC_PUBLIC_KEY:
        raise UnsupportedAlgorithm(f"not an EC {half} key (algorithm {oid} at byte {start})")
    if alg.at_end:
        raise DecodeError("id-ecPublicKey without ECParameters: the parameters MUST always be "
                          "present (RFC 5480 §2.1.1)", alg.pos, alg.path)
    curve = read_ec_parameters(alg)
    alg.finish()
    return curve


def write_key_algorithm(w: Writer, curve: Curve) -> None:
    """``SEQUENCE { id-ecPublicKey, namedCurve }`` (RFC 5480 §2.1.1)."""
    with w.sequence():
        w.write_oid(OID_EC_PUBLIC_KEY)
        write_ec_parameters(w, curve)

