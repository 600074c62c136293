"""Signature AlgorithmIdentifiers of certificates, CRLs and CSRs, the signatureAlgorithm and
signatureValue after a signed TBS (RFC 5280 §4.1.1.2, §4.1.1.3, §5.1.1.2), and checking
signatures.

RFC 5280 §4.1.1.2::

    AlgorithmIdentifier  ::=  SEQUENCE  {
         algorithm               OBJECT IDENTIFIER,
         parameters              ANY DEFINED BY algorithm OPTIONAL  }

Every algorithm is kept with its OID and the exact bytes of its identifier; a recognised one is
checked against its own rule for ``parameters`` and an unknown one is refused only when a
signature must be checked with it (UnsupportedAlgorithm). The rules (a departure is a finding;
a strict reader refuses it):

- sha*WithRSAEncryption (and md2/md5/sha1WithRSAEncryption): NULL, but "Implementations MUST
  accept the parameters being absent as well as present" (RFC 4055 §5; RFC 3279 §2.2.1), so an
  absent NULL is a warning only;
- id-RSASSA-PSS: RSASSA-PSS-params, required in a signature (RFC 4055 §3.1);
- ecdsa-with-SHA1/224/256/384/512 and ecdsa-with-SHA3-*: absent (RFC 3279 §2.2.3, RFC 5758 §3.2,
  RFC 9688 §3.2); NULL there is an error, and no signature is checked with such an identifier
  (``verify_signed_bytes`` raises UnsupportedAlgorithm, naming the rule);
- dsa-with-sha1/224/256: absent (RFC 3279 §2.2.2, RFC 5758 §3.1);
- Ed25519, Ed448: absent (RFC 8410 §3).
"""

from __future__ import annotations

from typing import Union

from x509core.cert.public_key import UnsupportedPublicKey
from x509core.der import ObjectIdentifier, Reader
from x509core.der.findings import WARNING
from x509core.der.header import short_header
from x509core.ec.algorithms import ECDSA_SIGNATURE_OIDS, ECDSASignatureAlgorithm
from x509core.ec.key import ECPublicKey
from x509core.errors import DecodeError, InvalidSignature, UnsupportedAlgorithm
from x509core.rsa.algorithms import (OID_RSASSA_PSS, PKCS1_SIGNATURE_OIDS, SignatureAlgorithm,
                                     read_signature_algorithm)
from x509core.rsa.key import RSAPublicKey

__all__ = ["SIGNATURE_ALGORITHM_NAMES", "ABSENT_PARAMETERS", "SignatureAlgorithmInfo",
           "read_algorithm_identifier", "read_outer_signature", "read_signature_value",
           "verify_signed_bytes"]

# What a signatureAlgorithm means when x509core can check signatures with it: both kinds have
# ``scheme`` ("pkcs1v15", "pss" or "ecdsa") and ``hash_name``; ``pss`` is None but for PSS.
SignatureAlgorithmInfo = Union[SignatureAlgorithm, ECDSASignatureAlgorithm]

_OID = ObjectIdentifier

# OID -> the name OpenSSL prints (``openssl x509 -text``, "Signature Algorithm:").
SIGNATURE_ALGORITHM_NAMES = {
    "1.2.840.113549.1.1.2": "md2WithRSAEncryption",
    "1.2.840.113549.1.1.4": "md5WithRSAEncryption",
    "1.2.840.113549.1.1.5": "sha1WithRSAEncryption",
    "1.2.840.113549.1.1.14": "sha224WithRSAEncryption",
    "1.2.840.113549.1.1.11": "sha256WithRSAEncryption",
    "1.2.840.113549.1.1.12": "sha384WithRSAEncryption",
    "1.2.840.113549.1.1.13": "sha512WithRSAEncryption",
    "1.2.840.113549.1.1.10": "rsassaPss",
    "1.2.840.10045.4.1": "ecdsa-with-SHA1",
    "1.2.840.10045.4.3.1": "ecdsa-with-SHA224",
    "1.2.840.10045.4.3.2": "ecdsa-with-SHA256",
    "1.2.840.10045.4.3.3": "ecdsa-with-SHA384",
    "1.2.840.10045.4.3.4": "ecdsa-with-SHA512",
    "2.16.840.1.101.3.4.3.9": "ecdsa_with_SHA3-224",
    "2.16.840.1.101.3.4.3.10": "ecdsa_with_SHA3-256",
    "2.16.840.1.101.3.4.3.11": "ecdsa_with_SHA3-384",
    "2.16.840.1.101.3.4.3.12": "ecdsa_with_SHA3-512",
    "1.2.840.10040.4.3": "dsa_with_SHA1",
    "2.16.840.1.101.3.4.3.1": "dsa_with_SHA224",
    "2.16.840.1.101.3.4.3.2": "dsa_with_SHA256",
    "1.3.101.112": "ED25519",
    "1.3.101.113": "ED448",
}

# Algorithms whose parameters MUST be absent, with the clause that says so.
ABSENT_PARAMETERS = {
    _OID("1.2.840.10045.4.1"): "RFC 3279 §2.2.3",
    **{_OID(f"1.2.840.10045.4.3.{n}"): "RFC 5758 §3.2" for n in (1, 2, 3, 4)},
    **{_OID(f"2.16.840.1.101.3.4.3.{n}"): "RFC 9688 §3.2" for n in (9, 10, 11, 12)},
    _OID("1.2.840.10040.4.3"): "RFC 3279 §2.2.2",
    _OID("2.16.840.1.101.3.4.3.1"): "RFC 5758 §3.1",
    _OID("2.16.840.1.101.3.4.3.2"): "RFC 5758 §3.1",
    _OID("1.3.101.112"): "RFC 8410 §3",
    _OID("1.3.101.113"): "RFC 8410 §3",
}
# PKCS #1 v1.5 signatures with hashes x509core does not compute: NULL parameters too.
_LEGACY_PKCS1 = {_OID("1.2.840.113549.1.1.2"), _OID("1.2.840.113549.1.1.4")}
_PKCS1 = frozenset(PKCS1_SIGNATURE_OIDS.values()) | _LEGACY_PKCS1
_PKCS1_HASHES = {oid: hash_name for hash_name, oid in PKCS1_SIGNATURE_OIDS.items()}
_ECDSA_HASHES = {oid: hash_name for hash_name, oid in ECDSA_SIGNATURE_OIDS.items()}

# Exact DER of a signature AlgorithmIdentifier read before -> (OID, what it means). The world
# uses a dozen of them, and every certificate carries its own twice, so each distinct value is
# read in full once and then looked up. Only identifiers read without a finding are kept, so a
# looked-up one needs no report; the values are immutable and the cache is bounded.
_ALGORITHMS: dict[bytes, tuple[ObjectIdentifier, SignatureAlgorithmInfo | None]] = {}
_ALGORITHMS_LIMIT = 64
_ALGORITHM_MAX_OCTETS = 128


def read_algorithm_identifier(r: Reader, name: str
                              ) -> tuple[bytes, ObjectIdentifier, SignatureAlgorithmInfo | None]:
    """A signature AlgorithmIdentifier: its exact bytes, its OID and, for an RSA or ECDSA
    signature x509core checks, what it means (None for any other, and for an ECDSA identifier
    with parameters)."""
    start = r.pos
    known = _known_algorithm(r)
    if known is not None:
        return known
    algorithm = r.fork().read_sequence(name)
    raw = r.data[start:algorithm.end]
    oid = algorithm.read_oid("algorithm")
    reported = 0 if r.findings is None else len(r.findings)
    if oid in _PKCS1 and algorithm.at_end:
        # RFC 4055 §5: "the parameters MUST be NULL. Implementations MUST accept the parameters
        # being absent as well as present."
        r.report(DecodeError, f"{SIGNATURE_ALGORITHM_NAMES[oid]} without its NULL parameters",
                 "RFC 4055 §5", algorithm.element_start, severity=WARNING, name=name)
    info = _read_rsa(r, name, oid)
    if oid in _ECDSA_HASHES:
        info = _read_ecdsa(r, name, oid)
    elif info is None:
        _read_other(r, name, oid)
    if len(raw) <= _ALGORITHM_MAX_OCTETS and len(_ALGORITHMS) < _ALGORITHMS_LIMIT \
            and (r.findings is None or len(r.findings) == reported):
        _ALGORITHMS[raw] = (oid, info)
    return raw, oid, info


def _known_algorithm(r: Reader) -> tuple[bytes, ObjectIdentifier, SignatureAlgorithmInfo | None] | None:
    """The identifier at ``r`` looked up in :data:`_ALGORITHMS` without a reader of its own,
    when its SEQUENCE has a minimal header (short_header) and this reader's depth limit could
    not bite; None (nothing read) otherwise. Every cached value has such a header (at most
    _ALGORITHM_MAX_OCTETS octets, read without a finding), so no other form can be a hit."""
    data, start, end = r.data, r.pos, r.end
    if start >= end or data[start] != 0x30:
        return None
    bounds = short_header(data, start, end)
    # A value read in full before gives the same result here, unless this reader's depth limit
    # could bite: an element of n octets nests at most n / 2 levels (two header octets each).
    if bounds is None or bounds[1] - start >= 2 * (r.max_depth - r.depth - 1):
        return None
    raw = data[start:bounds[1]]
    known = _ALGORITHMS.get(raw)
    if known is None:
        return None
    r.pos = bounds[1]
    return raw, known[0], known[1]


def _read_rsa(r: Reader, name: str, oid: ObjectIdentifier) -> SignatureAlgorithm | None:
    """The RSA meaning of the identifier at ``r`` (the reader moves past it), or None (nothing
    read) for an algorithm that is not an RSA signature x509core computes."""
    hash_name = _PKCS1_HASHES.get(oid)
    if hash_name is not None:
        seq = r.read_sequence(name)
        seq.read_oid("algorithm")
        if not seq.at_end:                      # absent: reported by the caller (RFC 4055 §5)
            seq.read_null("parameters")
        seq.finish()
        return SignatureAlgorithm("pkcs1v15", hash_name)
    if oid != OID_RSASSA_PSS:
        return None
    algorithm = r.fork().read_sequence(name)
    algorithm.read_oid("algorithm")
    if algorithm.at_end:
        # RFC 4055 §3.1: the parameters "MUST be present when used in the algorithm identifier
        # associated with a signature value"; absent, no salt length or hash is defined, so the
        # algorithm is kept as unknown: readable, but no signature is checked with it.
        r.report(DecodeError, "id-RSASSA-PSS signature algorithm without parameters",
                 "RFC 4055 §3.1", algorithm.element_start, name=name)
        return None
    probe = r.fork()
    try:
        info = read_signature_algorithm(probe, name)
    except UnsupportedAlgorithm:          # a PSS hash x509core does not compute: kept as unknown
        return None
    r.pos = probe.pos
    return info


def _read_ecdsa(r: Reader, name: str, oid: ObjectIdentifier) -> ECDSASignatureAlgorithm | None:
    """ecdsa-with-SHA1/224/256/384/512 or ecdsa-with-SHA3-*: the hash it names, or None (the
    identifier kept, no signature checked with it) when parameters are present.

    RFC 5758 §3.2: "the encoding MUST omit the parameters field" (RFC 3279 §2.2.3 for SHA-1,
    RFC 9688 §3.2 for SHA-3). A NULL there reads one way, so it is an error-level finding (and
    refused by a strict reader), never a reason to refuse the certificate; but an identifier
    that breaks its own rule is not one to verify with."""
    seq = r.read_sequence(name)
    seq.read_oid("algorithm")
    if seq.at_end:
        return ECDSASignatureAlgorithm(_ECDSA_HASHES[oid])
    start = seq.pos
    seq.read_any("parameters")
    seq.finish()
    label = SIGNATURE_ALGORITHM_NAMES[oid]
    r.report(DecodeError, f"{label} parameters MUST be absent", ABSENT_PARAMETERS[oid], start,
             name=name)
    return None


def _read_other(r: Reader, name: str, oid: ObjectIdentifier) -> None:
    """Any other algorithm: kept with its parameters, checked as DER, and against the parameter
    rule of its specification where x509core knows it."""
    seq = r.read_sequence(name)
    seq.read_oid("algorithm")
    if not seq.at_end:
        start = seq.pos
        seq.read_any("parameters")
        clause = ABSENT_PARAMETERS.get(oid)
        if clause is not None:
            label = SIGNATURE_ALGORITHM_NAMES.get(oid, oid)
            r.report(DecodeError, f"{label} parameters MUST be absent", clause, start, name=name)
    seq.finish()


# -- signatureAlgorithm and signatureValue after a signed TBS -------------------------------

def read_signature_value(r: Reader, name: str = "signatureValue") -> bytes:
    """The signature BIT STRING of a certificate, CRL or CSR; its octets (no unused bits). A
    signature is refused, never reported, when it is not whole octets: which octets were signed
    would be a reader's guess."""
    plain = _whole_octets(r)
    if plain is not None:
        return plain
    probe = r.strict_fork()
    bits = probe.read_bit_string(name)
    r.pos = probe.pos
    if bits.unused_bits:
        raise DecodeError(f"{name} must be whole octets", r.pos, r.path + (name,))
    return bits.data


def _whole_octets(r: Reader) -> bytes | None:
    """The common signatureValue read at once: a BIT STRING with a minimal header (short_header)
    and 0 unused bits, whose value is the octets after that count (X.690 §8.6.2); None
    (nothing read) for anything else, which read_bit_string reads or refuses."""
    data, pos = r.data, r.pos
    bounds = short_header(data, pos, r.end) if pos < r.end and data[pos] == 0x03 else None
    if bounds is None or bounds[0] == bounds[1] or data[bounds[0]]:
        return None
    r.pos = bounds[1]
    return data[bounds[0] + 1:bounds[1]]


def read_outer_signature(r: Reader, inner_algorithm: tuple, tbs_name: str, rule: str):
    """signatureAlgorithm and signatureValue after a signed TBS: ``(raw_alg, oid, info,
    signature)``. The algorithm must equal the TBS ``signature`` field byte for byte: RFC 5280
    §4.1.1.2 (certificates) and §5.1.1.2 (CRLs), "MUST contain the same algorithm identifier as
    the signature field" — ``rule`` names the section. Otherwise two readers could disagree on
    the algorithm, so a difference is refused, never a finding. ``inner_algorithm`` is what
    :func:`read_algorithm_identifier` gave for the inner one: the same bytes mean the same (and
    the same findings, reported once)."""
    start = r.pos
    raw_alg = inner_algorithm[0]
    if r.data.startswith(raw_alg, start) and start + len(raw_alg) <= r.end:
        # The same octets as the inner one, which were read as a whole SEQUENCE: equal.
        r.pos = start + len(raw_alg)
        return raw_alg, inner_algorithm[1], inner_algorithm[2], read_signature_value(r)
    outer = r.fork().read_sequence("signatureAlgorithm")
    if r.data[start:outer.end] != raw_alg:
        probe = r.fork()
        probe.findings = []            # its own refusal first, if it has one; findings do not matter
        read_algorithm_identifier(probe, "signatureAlgorithm")
        raise DecodeError(f"signatureAlgorithm differs from {tbs_name}.signature ({rule})", start, r.path)
    r.pos = outer.end
    return raw_alg, inner_algorithm[1], inner_algorithm[2], read_signature_value(r)


# -- checking signatures ----------------------------------------------------------------------


def verify_signed_bytes(data: bytes, signature: bytes, algorithm: ObjectIdentifier,
                        info: SignatureAlgorithmInfo | None, public_key) -> None:
    """Check a signature over ``data`` as a signatureAlgorithm names it (certificates, CSRs,
    CRLs and OCSP responses share this): RSA (PKCS #1 v1.5, PSS) with an RSA key, ECDSA with
    an EC key. Returns None or raises:

    - UnsupportedAlgorithm: an algorithm x509core does not check (or an ECDSA identifier with
      parameters, RFC 5758 §3.2), or a key it does not implement (its reason says which);
    - InvalidSignature: the signature does not verify, or was not made by this kind of key (an
      ECDSA signature and an RSA key, or the reverse: the message names both);
    - InvalidValue: a key no signature can be checked with (RFC 8017 §3.1; a key that does
      not read).
    """
    if info is None:
        raise UnsupportedAlgorithm(_unusable_algorithm(algorithm))
    if isinstance(public_key, UnsupportedPublicKey):
        public_key.verify()                # says which algorithm it is, or why it does not read
    if info.scheme == "ecdsa" and isinstance(public_key, ECPublicKey):
        public_key.verify(signature, data, info.hash_name)
    elif info.scheme != "ecdsa" and isinstance(public_key, RSAPublicKey):
        _verify_rsa(data, signature, info, public_key)
    elif isinstance(public_key, (RSAPublicKey, ECPublicKey)):
        raise InvalidSignature(f"signature mismatch: the {SIGNATURE_ALGORITHM_NAMES[algorithm]} "
                               f"signature cannot be made by {_key_description(public_key)}")
    else:
        raise TypeError("verify_signature needs an issuer public key")


def _verify_rsa(data: bytes, signature: bytes, info: SignatureAlgorithm,
                public_key: RSAPublicKey) -> None:
    if info.padding == "pss":
        public_key.verify(signature, data, info.hash_name, "pss", info.pss.salt_length,
                          mgf1_hash_name=info.pss.mgf1_hash_name)
    else:
        public_key.verify(signature, data, info.hash_name, "pkcs1v15")


def _unusable_algorithm(algorithm: ObjectIdentifier) -> str:
    name = SIGNATURE_ALGORITHM_NAMES.get(algorithm)
    if algorithm in _ECDSA_HASHES:
        return (f"unsupported algorithm: {name} with parameters, which MUST be absent "
                f"({ABSENT_PARAMETERS[algorithm]}); no signature is checked with it")
    label = f"{name} ({algorithm})" if name else algorithm
    return f"unsupported algorithm: signature algorithm {label}"


def _key_description(public_key) -> str:
    if isinstance(public_key, ECPublicKey):
        return f"an EC key ({public_key.curve.nist_name})"
    return f"an RSA key ({public_key.key_size} bits)"
