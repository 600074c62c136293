"""AlgorithmIdentifiers of RSA keys and signatures, and the RSASSA-PSS parameters.

RFC 8017 §A.1 and §A.2 (rsaEncryption, id-RSASSA-PSS, RSASSA-PSS-params), RFC 4055 §3.1,
RFC 5754 §2 (SHA-2 hash identifiers), RFC 4055 §5 / RFC 8017 §A.2.4 (sha*WithRSAEncryption).
The signature identifiers are what the certificate layer puts in ``signatureAlgorithm``.
"""

from __future__ import annotations

from dataclasses import dataclass

from x509core.der import ObjectIdentifier, Reader, Writer
from x509core.errors import DecodeError, InvalidValue, NonCanonicalEncoding, UnsupportedAlgorithm

__all__ = [
    "OID_RSA_ENCRYPTION", "OID_RSASSA_PSS", "OID_MGF1", "HASH_OIDS", "HASH_NAMES",
    "PKCS1_SIGNATURE_OIDS", "PssParameters", "SignatureAlgorithm", "read_hash_algorithm",
    "write_hash_algorithm", "read_pss_parameters", "write_pss_parameters",
    "read_signature_algorithm", "write_signature_algorithm",
]

OID_RSA_ENCRYPTION = ObjectIdentifier("1.2.840.113549.1.1.1")    # pkcs-1 1
OID_RSASSA_PSS = ObjectIdentifier("1.2.840.113549.1.1.10")       # pkcs-1 10
OID_MGF1 = ObjectIdentifier("1.2.840.113549.1.1.8")              # pkcs-1 8

HASH_OIDS = {
    "sha1": ObjectIdentifier("1.3.14.3.2.26"),                   # id-sha1
    "sha224": ObjectIdentifier("2.16.840.1.101.3.4.2.4"),        # hashAlgs 4
    "sha256": ObjectIdentifier("2.16.840.1.101.3.4.2.1"),        # hashAlgs 1
    "sha384": ObjectIdentifier("2.16.840.1.101.3.4.2.2"),        # hashAlgs 2
    "sha512": ObjectIdentifier("2.16.840.1.101.3.4.2.3"),        # hashAlgs 3
    "sha512_224": ObjectIdentifier("2.16.840.1.101.3.4.2.5"),    # hashAlgs 5
    "sha512_256": ObjectIdentifier("2.16.840.1.101.3.4.2.6"),    # hashAlgs 6
    "sha3_224": ObjectIdentifier("2.16.840.1.101.3.4.2.7"),      # hashAlgs 7
    "sha3_256": ObjectIdentifier("2.16.840.1.101.3.4.2.8"),      # hashAlgs 8
    "sha3_384": ObjectIdentifier("2.16.840.1.101.3.4.2.9"),      # hashAlgs 9
    "sha3_512": ObjectIdentifier("2.16.840.1.101.3.4.2.10"),     # hashAlgs 10
}
HASH_NAMES = {oid: name for name, oid in HASH_OIDS.items()}

# sha*WithRSAEncryption, RFC 8017 §A.2.4; parameters MUST be NULL (RFC 4055 §5).
PKCS1_SIGNATURE_OIDS = {
    "sha1": ObjectIdentifier("1.2.840.113549.1.1.5"),
    "sha224": ObjectIdentifier("1.2.840.113549.1.1.14"),
    "sha256": ObjectIdentifier("1.2.840.113549.1.1.11"),
    "sha384": ObjectIdentifier("1.2.840.113549.1.1.12"),
    "sha512": ObjectIdentifier("1.2.840.113549.1.1.13"),
    "sha3_224": ObjectIdentifier("2.16.840.1.101.3.4.3.13"),
    "sha3_256": ObjectIdentifier("2.16.840.1.101.3.4.3.14"),
    "sha3_384": ObjectIdentifier("2.16.840.1.101.3.4.3.15"),
    "sha3_512": ObjectIdentifier("2.16.840.1.101.3.4.3.16"),
}
_PKCS1_HASHES = {oid: name for name, oid in PKCS1_SIGNATURE_OIDS.items()}
_HASH_SIZES = {"sha1": 20, "sha224": 28, "sha256": 32, "sha384": 48, "sha512": 64,
               "sha512_224": 28, "sha512_256": 32, "sha3_224": 28, "sha3_256": 32, "sha3_384": 48,
               "sha3_512": 64}


@dataclass(frozen=True, slots=True)
class PssParameters:
    """RSASSA-PSS parameters. RFC 8017 §A.2.3::

        RSASSA-PSS-params ::= SEQUENCE {
            hashAlgorithm      [0] HashAlgorithm      DEFAULT sha1,
            maskGenAlgorithm   [1] MaskGenAlgorithm   DEFAULT mgf1SHA1,
            saltLength         [2] INTEGER            DEFAULT 20,
            trailerField       [3] TrailerField       DEFAULT trailerFieldBC }
    """

    hash_name: str = "sha1"
    mgf1_hash_name: str = "sha1"
    salt_length: int = 20

    def __post_init__(self) -> None:
        for name in (self.hash_name, self.mgf1_hash_name):
            if name not in HASH_OIDS:
                raise UnsupportedAlgorithm(f"unsupported hash {name!r} in RSASSA-PSS parameters")
        if self.salt_length < 0:
            raise InvalidValue("RSASSA-PSS saltLength must be >= 0")

    @classmethod
    def for_hash(cls, hash_name: str) -> "PssParameters":
        """The usual choice: MGF1 with the same hash and a salt as long as the hash (RFC 8017 §9.1)."""
        return cls(hash_name, hash_name, _HASH_SIZES[hash_name])


@dataclass(frozen=True, slots=True)
class SignatureAlgorithm:
    """What a signatureAlgorithm names: the padding, the hash and, for PSS, its parameters."""

    padding: str                      # "pkcs1v15" or "pss"
    hash_name: str
    pss: PssParameters | None = None

    @property
    def scheme(self) -> str:
        """The signature scheme: ``"pkcs1v15"`` (RSASSA-PKCS1-v1_5) or ``"pss"``; the
        certificate layer reads ``scheme`` and ``hash_name`` of RSA and ECDSA alike."""
        return self.padding


def read_hash_algorithm(r: Reader, name: str = "hashAlgorithm") -> str:
    """A hash AlgorithmIdentifier; absent and NULL parameters are both accepted (RFC 5754 §2)."""
    seq = r.read_sequence(name)
    start = seq.pos
    oid = seq.read_oid("algorithm")
    if not seq.at_end:
        seq.read_null("parameters")
    seq.finish()
    if oid not in HASH_NAMES:
        raise UnsupportedAlgorithm(f"unsupported hash algorithm {oid} at byte {start}")
    return HASH_NAMES[oid]


def write_hash_algorithm(w: Writer, hash_name: str) -> None:
    # Deviation: RFC 5754 §2 says SHA-2 identifiers are generated with absent parameters, but
    # OpenSSL and pyca/cryptography write NULL inside RSASSA-PSS-params; we write what they write
    # so that our certificates are byte-identical to theirs (both forms MUST be accepted).
    with w.sequence():
        w.write_oid(HASH_OIDS[hash_name])
        w.write_null()


def read_pss_parameters(r: Reader, name: str = "parameters") -> PssParameters:
    seq = r.read_sequence(name)
    hash_name, mgf_hash, salt = "sha1", "sha1", 20
    field = seq.read_optional_explicit(0, "hashAlgorithm")
    if field is not None:
        hash_name = _not_default(field, read_hash_algorithm(field), "sha1")
    field = seq.read_optional_explicit(1, "maskGenAlgorithm")
    if field is not None:
        mgf_hash = _not_default(field, _read_mgf1(field), "sha1")
    field = seq.read_optional_explicit(2, "saltLength")
    if field is not None:
        salt = _not_default(field, field.read_integer(), 20)
    field = seq.read_optional_explicit(3, "trailerField")
    if field is not None:
        trailer = field.read_integer()
        field.finish()
        if trailer != 1:   # trailerFieldBC(1) is the only value RFC 8017 §A.2.3 defines
            raise UnsupportedAlgorithm(f"unsupported RSASSA-PSS trailerField {trailer}")
        field.report(NonCanonicalEncoding, "DEFAULT value encoded", "X.690 §11.5", field.element_start)
    seq.finish()
    return PssParameters(hash_name, mgf_hash, salt)


def _not_default(field: Reader, value, default):
    field.finish()
    if value == default:
        field.report(NonCanonicalEncoding, "DEFAULT value encoded", "X.690 §11.5", field.element_start)
    return value


def _read_mgf1(r: Reader) -> str:
    seq = r.read_sequence("maskGenAlgorithm")
    start = seq.pos
    if seq.read_oid("algorithm") != OID_MGF1:
        raise UnsupportedAlgorithm(f"unsupported mask generation function at byte {start}")
    hash_name = read_hash_algorithm(seq, "parameters")
    seq.finish()
    return hash_name


def write_pss_parameters(w: Writer, params: PssParameters) -> None:
    with w.sequence():
        if params.hash_name != "sha1":
            with w.explicit(0):
                write_hash_algorithm(w, params.hash_name)
        if params.mgf1_hash_name != "sha1":
            with w.explicit(1):
                with w.sequence():
                    w.write_oid(OID_MGF1)
                    write_hash_algorithm(w, params.mgf1_hash_name)
        if params.salt_length != 20:
            with w.explicit(2):
                w.write_integer(params.salt_length)


def read_signature_algorithm(r: Reader, name: str = "signatureAlgorithm") -> SignatureAlgorithm:
    """An RSA signature AlgorithmIdentifier: sha*WithRSAEncryption (NULL parameters, RFC 4055
    §5) or id-RSASSA-PSS with its parameters (RFC 4055 §3.1). Others: UnsupportedAlgorithm."""
    seq = r.read_sequence(name)
    start = seq.pos
    oid = seq.read_oid("algorithm")
    if oid in _PKCS1_HASHES:
        # RFC 4055 §5: "When any of these four object identifiers appears within an
        # AlgorithmIdentifier, the parameters MUST be NULL." We require the NULL.
        seq.read_null("parameters")
        seq.finish()
        return SignatureAlgorithm("pkcs1v15", _PKCS1_HASHES[oid])
    if oid == OID_RSASSA_PSS:
        if seq.at_end:
            raise DecodeError("id-RSASSA-PSS signature algorithm without parameters (RFC 4055 §3.1)",
                              start, seq.path)
        params = read_pss_parameters(seq)
        seq.finish()
        return SignatureAlgorithm("pss", params.hash_name, params)
    raise UnsupportedAlgorithm(f"unsupported signature algorithm {oid}")


def write_signature_algorithm(w: Writer, algorithm: SignatureAlgorithm) -> None:
    with w.sequence():
        if algorithm.padding == "pkcs1v15":
            w.write_oid(PKCS1_SIGNATURE_OIDS[algorithm.hash_name])
            w.write_null()
        elif algorithm.padding == "pss":
            w.write_oid(OID_RSASSA_PSS)
            write_pss_parameters(w, algorithm.pss or PssParameters.for_hash(algorithm.hash_name))
        else:
            raise InvalidValue(f"unknown padding {algorithm.padding!r}")
