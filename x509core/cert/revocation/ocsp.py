"""OCSP requests and the certificate identifiers they carry. RFC 6960 §4.1.1::

    OCSPRequest ::= SEQUENCE {
        tbsRequest                  TBSRequest,
        optionalSignature   [0]     EXPLICIT Signature OPTIONAL }

    TBSRequest ::= SEQUENCE {
        version             [0]     EXPLICIT Version DEFAULT v1,
        requestorName       [1]     EXPLICIT GeneralName OPTIONAL,
        requestList                 SEQUENCE OF Request,
        requestExtensions   [2]     EXPLICIT Extensions OPTIONAL }

    Signature ::= SEQUENCE {
        signatureAlgorithm      AlgorithmIdentifier,
        signature               BIT STRING,
        certs               [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }

    Request ::= SEQUENCE {
        reqCert                     CertID,
        singleRequestExtensions     [0] EXPLICIT Extensions OPTIONAL }

    CertID ::= SEQUENCE {
        hashAlgorithm       AlgorithmIdentifier,
        issuerNameHash      OCTET STRING, -- Hash of issuer's DN
        issuerKeyHash       OCTET STRING, -- Hash of issuer's public key
        serialNumber        CertificateSerialNumber }

The nonce (RFC 6960 §4.4.1; its length fixed by RFC 9654 §2.1, which obsoletes RFC 8954's limit
of 32 octets: ``Nonce ::= OCTET STRING (SIZE(1..128))``) is read at load time; a malformed one is
a DecodeError like any other field. An optional request signature is read (algorithm, value,
certificates) but not verified: this responder answers unsigned requests, as RFC 6960 §4.1.2
lets it, and says so in the module that serves them. The responses are in
:mod:`x509core.cert.revocation.ocsp_response`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import ClassVar

from x509core.cert.certificate import (Certificate, load_der_certificate,
                                       read_algorithm_identifier, read_signature_value)
from x509core.cert.extensions import (Extension, ExtensionValue, find_extension,
                                      read_explicit_extensions, write_extensions)
from x509core.cert.extensions.ocsp import OCSPNoCheck
from x509core.cert.names.general_name import GeneralName
from x509core.cert.names.general_name_der import read_general_name
from x509core.cert.oids import OID_PKIX_OCSP_NOCHECK
from x509core.der import ObjectIdentifier, Reader, Writer
from x509core.der.tags import Tag
from x509core.errors import DecodeError, InvalidValue, UnexpectedTag
from x509core.rsa.algorithms import HASH_NAMES, HASH_OIDS

__all__ = ["OID_PKIX_OCSP_BASIC", "OID_PKIX_OCSP_NONCE", "OID_PKIX_OCSP_NOCHECK",
           "CERT_ID_HASHES", "NONCE_LENGTHS", "CertID", "OCSPNonce", "OCSPNoCheck", "Request",
           "RequestSignature", "OCSPRequest", "OCSPRequestBuilder", "load_der_ocsp_request",
           "issuer_hashes", "read_cert_id", "read_certificate", "read_certificates", "read_nonce"]

OID_PKIX_OCSP_BASIC = ObjectIdentifier("1.3.6.1.5.5.7.48.1.1")     # id-pkix-ocsp 1
OID_PKIX_OCSP_NONCE = ObjectIdentifier("1.3.6.1.5.5.7.48.1.2")     # id-pkix-ocsp 2

# Hashes a CertID may use here: SHA-1 (what RFC 5019 §2.1.1 and most clients send) and SHA-2.
_SEQUENCE = Tag(0, True, 16)
CERT_ID_HASHES = ("sha1", "sha256", "sha384", "sha512")
NONCE_LENGTHS = (1, 128)                      # RFC 9654 §2.1 (RFC 8954's 32 obsoleted)


@dataclass(frozen=True, slots=True)
class OCSPNonce(ExtensionValue):
    """The nonce that binds a response to its request. RFC 6960 §4.4.1, RFC 9654 §2.1::

        Nonce ::= OCTET STRING(SIZE(1..128))
    """

    oid: ClassVar[ObjectIdentifier] = OID_PKIX_OCSP_NONCE
    value: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.value, bytes):
            raise TypeError("the nonce must be bytes")
        low, high = NONCE_LENGTHS
        if not low <= len(self.value) <= high:
            raise InvalidValue(f"the nonce must be {low} to {high} octets, not {len(self.value)} "
                               "(RFC 9654 §2.1)")

    @classmethod
    def read_value(cls, reader: Reader) -> "OCSPNonce":
        return cls(reader.read_octet_string("Nonce"))

    def write_value(self, writer: Writer) -> None:
        writer.write_octet_string(self.value)

    def text_lines(self) -> list[str]:
        return [self.value.hex().upper()]


@dataclass(frozen=True, slots=True)
class CertID:
    """Which certificate a request or response is about: hashes of its issuer's name and key
    and its serial number (RFC 6960 §4.1.1). ``raw`` is the exact DER, echoed in responses."""

    hash_algorithm: ObjectIdentifier
    issuer_name_hash: bytes
    issuer_key_hash: bytes
    serial_number: int
    raw: bytes = b""

    @property
    def hash_name(self) -> str | None:
        """"sha1", "sha256", ... or None for a hash this library does not support here."""
        name = HASH_NAMES.get(self.hash_algorithm)
        return name if name in CERT_ID_HASHES else None

    @classmethod
    def for_certificate(cls, issuer: Certificate, serial_number: int,
                        hash_name: str = "sha1") -> "CertID":
        """The CertID of ``serial_number`` issued by ``issuer``. RFC 6960 §4.1.1: issuerNameHash
        is "the hash of the issuer's distinguished name (DN) ... calculated over the DER encoding
        of the issuer's name field in the certificate being checked"; issuerKeyHash "the hash of
        the issuer's public key ... calculated over the value (excluding tag and length) of the
        subject public key field in the issuer's certificate"."""
        if hash_name not in CERT_ID_HASHES:
            raise InvalidValue(f"CertID hash must be one of {', '.join(CERT_ID_HASHES)}")
        name_hash, key_hash = issuer_hashes(issuer, hash_name)
        w = Writer()
        _write_cert_id(w, HASH_OIDS[hash_name], name_hash, key_hash, serial_number)
        return cls(HASH_OIDS[hash_name], name_hash, key_hash, serial_number, w.to_bytes())

    def to_der(self) -> bytes:
        if self.raw:
            return self.raw
        w = Writer()
        _write_cert_id(w, self.hash_algorithm, self.issuer_name_hash, self.issuer_key_hash,
                       self.serial_number)
        return w.to_bytes()


def issuer_hashes(issuer: Certificate, hash_name: str) -> tuple[bytes, bytes]:
    """(issuerNameHash, issuerKeyHash) of ``issuer`` under ``hash_name`` (RFC 6960 §4.1.1)."""
    return (hashlib.new(hash_name, issuer.raw_subject).digest(),
            hashlib.new(hash_name, issuer.public_key_info.subject_public_key).digest())


def _write_cert_id(w: Writer, algorithm: ObjectIdentifier, name_hash: bytes, key_hash: bytes,
                   serial: int) -> None:
    with w.sequence():
        with w.sequence():
            w.write_oid(algorithm)
            w.write_null()               # as OpenSSL and pyca/cryptography write it
        w.write_octet_string(name_hash)
        w.write_octet_string(key_hash)
        w.write_integer(serial)


def read_cert_id(reader: Reader, name: str = "reqCert") -> CertID:
    """A CertID; any hash algorithm is read (an unsupported one makes ``hash_name`` None)."""
    seq = reader.read_sequence(name)
    algorithm = seq.read_sequence("hashAlgorithm")
    oid = algorithm.read_oid("algorithm")
    if not algorithm.at_end:
        algorithm.read_null("parameters")     # RFC 5754 §2: absent or NULL
    algorithm.finish()
    name_hash = seq.read_octet_string("issuerNameHash")
    key_hash = seq.read_octet_string("issuerKeyHash")
    serial = seq.read_integer("serialNumber")
    seq.finish()
    return CertID(oid, name_hash, key_hash, serial, seq.element_bytes)


def read_nonce(extensions: tuple[Extension, ...], data: bytes, path: tuple[str, ...]) -> bytes | None:
    """The nonce among ``extensions`` (its value, 1..128 octets), or None when absent."""
    extension = find_extension(extensions, OID_PKIX_OCSP_NONCE)
    if extension is None:
        return None
    try:
        return OCSPNonce.from_der(extension.raw_value).value
    except (DecodeError, InvalidValue) as exc:
        raise DecodeError(f"malformed nonce: {exc}", data.find(extension.raw_value),
                          path) from None


def read_certificates(reader: Reader, number: int, name: str = "certs") -> tuple[Certificate, ...]:
    """``[number] EXPLICIT SEQUENCE OF Certificate OPTIONAL`` (a request's or response's certs)."""
    holder = reader.read_optional_explicit(number, name)
    if holder is None:
        return ()
    seq = holder.read_sequence(name)
    certificates = []
    while not seq.at_end:
        certificates.append(read_certificate(seq, f"[{len(certificates)}]"))
    holder.finish()
    return tuple(certificates)


def read_certificate(reader: Reader, name: str) -> Certificate:
    """The next element, a Certificate: its bounds read here, everything else (strictly) by
    ``load_der_certificate``, whose error offsets are made absolute."""
    start = reader.pos
    if not reader.peek_is(_SEQUENCE):
        reader.fail(UnexpectedTag, f"expected a Certificate (SEQUENCE), found {reader.peek_tag()}")
    _, element = reader.read_element(name)
    try:
        return load_der_certificate(element.element_bytes)
    except DecodeError as exc:
        raise type(exc)(exc.reason, start + exc.offset, reader.path + (name,) + exc.path) from None


@dataclass(frozen=True, slots=True)
class Request:
    """One certificate asked about, with its singleRequestExtensions (RFC 6960 §4.1.1)."""

    cert_id: CertID
    extensions: tuple[Extension, ...] = ()


@dataclass(frozen=True, slots=True)
class RequestSignature:
    """``optionalSignature``, as read (RFC 6960 §4.1.2); not verified by this library."""

    signature_algorithm: ObjectIdentifier
    signature: bytes
    certs: tuple[Certificate, ...]


@dataclass(frozen=True, slots=True, eq=False)
class OCSPRequest:
    """A parsed OCSPRequest that keeps its exact bytes."""

    raw: bytes
    raw_tbs: bytes
    version: int                              # 0: v1, the only version
    requestor_name: GeneralName | None
    requests: tuple[Request, ...]
    extensions: tuple[Extension, ...]
    nonce: bytes | None
    signature: RequestSignature | None

    def to_der(self) -> bytes:
        return self.raw


def _read_request(reader: Reader, name: str) -> Request:
    seq = reader.read_sequence(name)
    cert_id = read_cert_id(seq)
    extensions = read_explicit_extensions(seq, 0, "singleRequestExtensions")
    seq.finish()
    return Request(cert_id, extensions)


def _read_tbs_request(outer: Reader) -> dict:
    tbs = outer.read_sequence("tbsRequest")
    start = tbs.pos
    version = tbs.read_explicit_default_integer(0, default=0, name="version")
    if version != 0:
        raise DecodeError(f"unknown OCSP request version {version} (RFC 6960 §4.1.1: v1)", start,
                          tbs.path)
    requestor = None
    holder = tbs.read_optional_explicit(1, "requestorName")
    if holder is not None:
        requestor = read_general_name(holder, "requestorName")
        holder.finish()
    request_list = tbs.read_sequence("requestList")
    requests = []
    while not request_list.at_end:
        requests.append(_read_request(request_list, f"[{len(requests)}]"))
    extensions = read_explicit_extensions(tbs, 2, "requestExtensions")
    tbs.finish()
    return {"raw_tbs": tbs.element_bytes, "version": version, "requestor_name": requestor,
            "requests": tuple(requests), "extensions": extensions,
            "nonce": read_nonce(extensions, tbs.data, tbs.path + ("requestExtensions",))}


def _read_signature(outer: Reader) -> RequestSignature | None:
    holder = outer.read_optional_explicit(0, "optionalSignature")
    if holder is None:
        return None
    seq = holder.read_sequence("optionalSignature")
    _, oid, _ = read_algorithm_identifier(seq, "signatureAlgorithm")
    value = read_signature_value(seq, "signature")
    certs = read_certificates(seq, 0)
    seq.finish()
    holder.finish()
    return RequestSignature(oid, value, certs)


def load_der_ocsp_request(data: bytes) -> OCSPRequest:
    """A fully read OCSPRequest; DecodeError (with offset) for anything else."""
    reader = Reader(data)
    outer = reader.read_sequence("OCSPRequest")
    fields = _read_tbs_request(outer)
    signature = _read_signature(outer)
    outer.finish()
    reader.finish()
    return OCSPRequest(raw=reader.data, signature=signature, **fields)


@dataclass(frozen=True)
class OCSPRequestBuilder:
    """An unsigned OCSPRequest: the CertIDs asked about and an optional nonce."""

    cert_ids: tuple[CertID, ...] = ()
    nonce: bytes | None = None

    def with_cert_id(self, cert_id: CertID) -> "OCSPRequestBuilder":
        if not isinstance(cert_id, CertID):
            raise TypeError("with_cert_id takes a CertID")
        return replace(self, cert_ids=(*self.cert_ids, cert_id))

    def with_nonce(self, nonce: bytes) -> "OCSPRequestBuilder":
        if self.nonce is not None:
            raise InvalidValue("the nonce is already set")
        return replace(self, nonce=OCSPNonce(nonce).value)

    def build(self) -> OCSPRequest:
        """Encode and read back."""
        if not self.cert_ids:
            raise InvalidValue("an OCSP request asks about at least one certificate")
        w = Writer()
        with w.sequence():
            with w.sequence():                            # tbsRequest, version v1 (DEFAULT)
                with w.sequence():
                    for cert_id in self.cert_ids:
                        with w.sequence():
                            w.write_raw(cert_id.to_der())
                if self.nonce is not None:
                    with w.explicit(2):
                        write_extensions(w, (Extension.from_value(OCSPNonce(self.nonce), False),))
        return load_der_ocsp_request(w.to_bytes())
