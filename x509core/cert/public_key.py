"""SubjectPublicKeyInfo of any algorithm: RSA keys become key objects, others are kept as read.

RFC 5280 §4.1.2.7::

    SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }

Non-RSA keys (EC, Ed25519, DSA, …) parse and print; operations on them raise
``UnsupportedAlgorithm`` with a clear message.
"""

from __future__ import annotations

from dataclasses import dataclass

from x509core.der import ObjectIdentifier, Reader
from x509core.der.header import read_header, short_header
from x509core.der.oid import decode_oid_content
from x509core.errors import UnsupportedAlgorithm, X509CoreError
from x509core.rsa.algorithms import OID_RSA_ENCRYPTION, OID_RSASSA_PSS, PssParameters
from x509core.rsa.key import RSAPublicKey
from x509core.rsa.keys import read_subject_public_key_info

__all__ = ["UnsupportedPublicKey", "PublicKeyInfo", "read_public_key_info", "KEY_ALGORITHM_NAMES"]

KEY_ALGORITHM_NAMES = {
    "1.2.840.113549.1.1.1": "rsaEncryption",
    "1.2.840.113549.1.1.10": "rsassaPss",
    "1.2.840.10045.2.1": "id-ecPublicKey",
    "1.3.101.112": "ED25519",
    "1.3.101.113": "ED448",
    "1.2.840.10040.4.1": "dsaEncryption",
}


@dataclass(frozen=True, slots=True)
class UnsupportedPublicKey:
    """A public key of an algorithm x509core does not implement, kept byte for byte."""

    algorithm: ObjectIdentifier
    parameters: bytes            # the DER of AlgorithmIdentifier.parameters, or b"" when absent
    subject_public_key: bytes    # the BIT STRING's octets (unused bits must be 0)

    @property
    def algorithm_name(self) -> str:
        return KEY_ALGORITHM_NAMES.get(self.algorithm, self.algorithm)

    def verify(self, *args, **kwargs) -> None:
        raise UnsupportedAlgorithm(f"unsupported algorithm: cannot verify with a {self.algorithm_name} key")


@dataclass(frozen=True, slots=True)
class PublicKeyInfo:
    """A parsed SubjectPublicKeyInfo: the key, its algorithm, and the exact bytes."""

    key: RSAPublicKey | UnsupportedPublicKey
    algorithm: ObjectIdentifier
    pss_parameters: PssParameters | None          # an id-RSASSA-PSS key's restriction, if any
    raw: bytes                                    # the whole SubjectPublicKeyInfo DER
    subject_public_key: bytes                     # the BIT STRING's octets (for SKI method 1)


def read_public_key_info(r: Reader, name: str = "subjectPublicKeyInfo") -> PublicKeyInfo:
    info = _read_rsa_public_key_info(r, name)
    # Not RSA, or an error to report exactly as the general reading reports it.
    return _read_any_public_key_info(r, name) if info is None else info


def _read_rsa_public_key_info(r: Reader, name: str) -> PublicKeyInfo | None:
    """A valid RSA SubjectPublicKeyInfo, read once (a fast path); None (nothing read) otherwise."""
    start = r.pos
    fast = r.fork()
    try:
        key, pss = read_subject_public_key_info(fast, name)
    except X509CoreError:
        return None
    # A valid RSA SubjectPublicKeyInfo (read strictly above): find its parts from the headers.
    data = r.data
    spki_start, spki_end = _contents(data, start, fast.pos)
    algorithm_start, algorithm_end = _contents(data, spki_start, spki_end)
    oid_start, oid_end = _contents(data, algorithm_start, algorithm_end)
    bits_start, bits_end = _contents(data, algorithm_end, spki_end)
    oid = decode_oid_content(data, oid_start, oid_end, ())
    r.pos = fast.pos
    # The BIT STRING's octets after its unused-bits octet (0, checked above).
    return PublicKeyInfo(key, oid, pss, data[start:spki_end], data[bits_start + 1:bits_end])


def _contents(data: bytes, pos: int, end: int) -> tuple[int, int]:
    """The content bounds of the (already checked) element at ``pos``."""
    return short_header(data, pos, end) or read_header(data, pos, end, ())[2:]


def _read_any_public_key_info(r: Reader, name: str) -> PublicKeyInfo:
    start = r.pos
    probe = r.fork()
    seq = probe.read_sequence(name)
    alg = seq.read_sequence("algorithm")
    oid = alg.read_oid("algorithm")
    parameters = alg.data[alg.pos:alg.end]
    bits = seq.read_bit_string("subjectPublicKey")
    raw = r.data[start:seq.end]
    if oid in (OID_RSA_ENCRYPTION, OID_RSASSA_PSS):
        key, pss = read_subject_public_key_info(r, name)
        return PublicKeyInfo(key, oid, pss, raw, bits.data)
    if not alg.at_end:
        alg.read_any("parameters")
    alg.finish()
    seq.finish()
    r.pos = probe.pos
    if bits.unused_bits:
        raise UnsupportedAlgorithm(f"{oid} public key with {bits.unused_bits} unused bits")
    return PublicKeyInfo(UnsupportedPublicKey(oid, parameters, bits.data), oid, None, raw, bits.data)
