"""OCSP responses: read, verify, build and sign. RFC 6960 §4.2.1::

    OCSPResponse ::= SEQUENCE {
       responseStatus         OCSPResponseStatus,
       responseBytes          [0] EXPLICIT ResponseBytes OPTIONAL }

    OCSPResponseStatus ::= ENUMERATED {
        successful            (0),  -- Response has valid confirmations
        malformedRequest      (1),  -- Illegal confirmation request
        internalError         (2),  -- Internal error in issuer
        tryLater              (3),  -- Try again later
                                    -- (4) is not used
        sigRequired           (5),  -- Must sign the request
        unauthorized          (6)   -- Request unauthorized
    }

    ResponseBytes ::=       SEQUENCE {
        responseType   OBJECT IDENTIFIER,
        response       OCTET STRING }

    BasicOCSPResponse       ::= SEQUENCE {
       tbsResponseData      ResponseData,
       signatureAlgorithm   AlgorithmIdentifier,
       signature            BIT STRING,
       certs            [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }

    ResponseData ::= SEQUENCE {
       version              [0] EXPLICIT Version DEFAULT v1,
       responderID              ResponderID,
       producedAt               GeneralizedTime,
       responses                SEQUENCE OF SingleResponse,
       responseExtensions   [1] EXPLICIT Extensions OPTIONAL }

    ResponderID ::= CHOICE {
       byName               [1] Name,
       byKey                [2] KeyHash }

    KeyHash ::= OCTET STRING -- SHA-1 hash of responder's public key
                             -- (excluding the tag and length fields)

    SingleResponse ::= SEQUENCE {
       certID                       CertID,
       certStatus                   CertStatus,
       thisUpdate                   GeneralizedTime,
       nextUpdate         [0]       EXPLICIT GeneralizedTime OPTIONAL,
       singleExtensions   [1]       EXPLICIT Extensions OPTIONAL }

    CertStatus ::= CHOICE {
        good        [0]     IMPLICIT NULL,
        revoked     [1]     IMPLICIT RevokedInfo,
        unknown     [2]     IMPLICIT UnknownInfo }

    RevokedInfo ::= SEQUENCE {
        revocationTime              GeneralizedTime,
        revocationReason    [0]     EXPLICIT CRLReason OPTIONAL }

    UnknownInfo ::= NULL

Responses are built and signed by :mod:`x509core.cert.revocation.ocsp_builder`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from x509core.cert.algorithms import SignatureAlgorithmInfo
from x509core.cert.certificate import (Certificate, read_algorithm_identifier,
                                       read_signature_value, verify_signed_bytes)
from x509core.cert.extensions import Extension, read_explicit_extensions
from x509core.cert.extensions.crl import REASON_NAMES
from x509core.cert.names.name import Name, read_name
from x509core.cert.revocation.ocsp import (OID_PKIX_OCSP_BASIC, CertID, read_cert_id,
                                           read_certificates, read_nonce)
from x509core.der import ObjectIdentifier, Reader
from x509core.der.tags import Tag
from x509core.errors import DecodeError, InvalidValue

__all__ = ["RESPONSE_STATUSES", "CERT_STATUSES", "STATUS_NAMES", "REASON_VALUES",
           "SingleResponse", "BasicOCSPResponse", "OCSPResponse", "load_der_ocsp_response",
           "responder_key_hash"]

RESPONSE_STATUSES = {"successful": 0, "malformedRequest": 1, "internalError": 2, "tryLater": 3,
                     "sigRequired": 5, "unauthorized": 6}
STATUS_NAMES = {value: name for name, value in RESPONSE_STATUSES.items()}
CERT_STATUSES = ("good", "revoked", "unknown")
REASON_VALUES = {name: value for value, name in REASON_NAMES.items()}


def responder_key_hash(certificate: Certificate) -> bytes:
    """KeyHash of a responder (RFC 6960 §4.2.1): SHA-1 of its subjectPublicKey BIT STRING value."""
    return hashlib.sha1(certificate.public_key_info.subject_public_key).digest()


@dataclass(frozen=True, slots=True)
class SingleResponse:
    """The status of one certificate (RFC 6960 §4.2.1, §2.2: good, revoked or unknown)."""

    cert_id: CertID
    cert_status: str
    this_update: datetime
    next_update: datetime | None = None
    revocation_time: datetime | None = None
    revocation_reason: str | None = None        # an RFC 5280 §5.3.1 CRLReason name
    extensions: tuple[Extension, ...] = ()

    def __post_init__(self) -> None:
        if self.cert_status not in CERT_STATUSES:
            raise InvalidValue(f"certStatus must be one of {', '.join(CERT_STATUSES)}")
        if (self.cert_status == "revoked") != (self.revocation_time is not None):
            raise InvalidValue("revocationTime is given for revoked certificates, and only for them")
        if self.revocation_reason is not None and (self.cert_status != "revoked"
                                                   or self.revocation_reason not in REASON_VALUES):
            raise InvalidValue(f"not a revocation reason here: {self.revocation_reason!r}")
        if self.next_update is not None and self.next_update <= self.this_update:
            raise InvalidValue("nextUpdate must be later than thisUpdate (RFC 6960 §4.2.2.1)")


@dataclass(frozen=True, slots=True, eq=False)
class BasicOCSPResponse:
    """A parsed BasicOCSPResponse that keeps its exact bytes; check it with
    :meth:`verify_signature` against the responder's key."""

    raw: bytes
    raw_tbs: bytes
    version: int
    responder_key_hash: bytes | None           # ResponderID byKey
    responder_name: Name | None                # ResponderID byName
    produced_at: datetime
    responses: tuple[SingleResponse, ...]
    extensions: tuple[Extension, ...]
    nonce: bytes | None
    signature_algorithm: ObjectIdentifier
    signature_algorithm_info: SignatureAlgorithmInfo | None
    signature: bytes
    certs: tuple[Certificate, ...]

    def verify_signature(self, responder_public_key) -> None:
        """None, or InvalidSignature: the signature over tbsResponseData (RFC 6960 §4.2.1)."""
        verify_signed_bytes(self.raw_tbs, self.signature, self.signature_algorithm,
                            self.signature_algorithm_info, responder_public_key)

    def signed_by(self, certificate: Certificate) -> bool:
        """Whether the ResponderID names ``certificate`` (by key hash or by subject)."""
        if self.responder_key_hash is not None:
            return self.responder_key_hash == responder_key_hash(certificate)
        return self.responder_name is not None and self.responder_name.matches(certificate.subject)


@dataclass(frozen=True, slots=True, eq=False)
class OCSPResponse:
    """A parsed OCSPResponse: its status and, when successful, the BasicOCSPResponse."""

    raw: bytes
    response_status: str
    basic: BasicOCSPResponse | None

    def to_der(self) -> bytes:
        return self.raw


# -- reading --------------------------------------------------------------------------------------

def _read_generalized(reader: Reader, name: str) -> datetime:
    return reader.read_generalized_time(name)


def _read_cert_status(seq: Reader) -> tuple[str, datetime | None, str | None]:
    start = seq.pos
    tag = seq.peek_tag()
    if tag == Tag(2, False, 0):
        seq.read_implicit(0, False, "good").finish()          # IMPLICIT NULL: no content
        return "good", None, None
    if tag == Tag(2, False, 2):
        seq.read_implicit(2, False, "unknown").finish()
        return "unknown", None, None
    if tag != Tag(2, True, 1):
        raise DecodeError(f"expected certStatus good [0], revoked [1] or unknown [2], found {tag}",
                          start, seq.path)
    info = seq.read_implicit(1, True, "revoked")
    time = _read_generalized(info, "revocationTime")
    reason = None
    holder = info.read_optional_explicit(0, "revocationReason")
    if holder is not None:
        value_start = holder.pos
        value = int(holder.read_enumerated("revocationReason"))
        holder.finish()
        if value not in REASON_NAMES:
            raise DecodeError(f"unknown CRLReason {value} (RFC 5280 §5.3.1)", value_start, holder.path)
        reason = REASON_NAMES[value]
    info.finish()
    return "revoked", time, reason


def _read_single_response(reader: Reader, name: str) -> SingleResponse:
    seq = reader.read_sequence(name)
    cert_id = read_cert_id(seq, "certID")
    status, revoked_at, reason = _read_cert_status(seq)
    this_update = _read_generalized(seq, "thisUpdate")
    next_update = None
    holder = seq.read_optional_explicit(0, "nextUpdate")
    if holder is not None:
        next_update = _read_generalized(holder, "nextUpdate")
        holder.finish()
    extensions = read_explicit_extensions(seq, 1, "singleExtensions")
    seq.finish()
    try:
        return SingleResponse(cert_id, status, this_update, next_update, revoked_at, reason,
                              extensions)
    except InvalidValue as exc:
        raise DecodeError(str(exc), seq.element_start, seq.path) from None


def _read_responder_id(tbs: Reader) -> tuple[bytes | None, Name | None]:
    start = tbs.pos
    if tbs.peek_is(Tag(2, True, 2)):
        holder = tbs.read_explicit(2, "byKey")      # the CHOICE's tags are explicit (X.680 §31.2.7)
        key_hash = holder.read_octet_string("KeyHash")
        holder.finish()
        return key_hash, None
    if tbs.peek_is(Tag(2, True, 1)):
        holder = tbs.read_explicit(1, "byName")
        name = read_name(holder, "byName")
        holder.finish()
        return None, name
    raise DecodeError("expected responderID byName [1] or byKey [2]", start, tbs.path)


def _read_response_data(basic: Reader) -> dict:
    tbs = basic.read_sequence("tbsResponseData")
    start = tbs.pos
    version = tbs.read_explicit_default_integer(0, default=0, name="version")
    if version != 0:
        raise DecodeError(f"unknown OCSP response version {version} (RFC 6960 §4.2.1: v1)", start,
                          tbs.path)
    key_hash, name = _read_responder_id(tbs)
    produced_at = _read_generalized(tbs, "producedAt")
    seq = tbs.read_sequence("responses")
    responses = []
    while not seq.at_end:
        responses.append(_read_single_response(seq, f"[{len(responses)}]"))
    extensions = read_explicit_extensions(tbs, 1, "responseExtensions")
    tbs.finish()
    return {"raw_tbs": tbs.element_bytes, "version": version, "responder_key_hash": key_hash,
            "responder_name": name, "produced_at": produced_at, "responses": tuple(responses),
            "extensions": extensions,
            "nonce": read_nonce(extensions, tbs.data, tbs.path + ("responseExtensions",))}


def _read_basic(reader: Reader) -> BasicOCSPResponse:
    basic = reader.read_sequence("BasicOCSPResponse")
    fields = _read_response_data(basic)
    _, oid, info = read_algorithm_identifier(basic, "signatureAlgorithm")
    signature = read_signature_value(basic, "signature")
    certs = read_certificates(basic, 0)
    basic.finish()
    return BasicOCSPResponse(raw=basic.element_bytes, signature_algorithm=oid,
                             signature_algorithm_info=info, signature=signature, certs=certs,
                             **fields)


def load_der_ocsp_response(data: bytes) -> OCSPResponse:
    """A fully read OCSPResponse (the signature is checked by ``basic.verify_signature``)."""
    reader = Reader(data)
    outer = reader.read_sequence("OCSPResponse")
    start = outer.pos
    value = int(outer.read_enumerated("responseStatus"))
    if value not in STATUS_NAMES:
        raise DecodeError(f"unknown responseStatus {value} (RFC 6960 §4.2.1)", start, outer.path)
    basic = None
    holder = outer.read_optional_explicit(0, "responseBytes")
    if (holder is None) != (value != 0):
        # RFC 6960 §4.2.1: "If the value of responseStatus is one of the error conditions, the
        # responseBytes field is not set."
        raise DecodeError("responseBytes must be present exactly when responseStatus is "
                          "successful (RFC 6960 §4.2.1)", start, outer.path)
    if holder is not None:
        response_bytes = holder.read_sequence("responseBytes")
        type_start = response_bytes.pos
        if response_bytes.read_oid("responseType") != OID_PKIX_OCSP_BASIC:
            raise DecodeError("responseType is not id-pkix-ocsp-basic (RFC 6960 §4.2.1)",
                              type_start, response_bytes.path)
        inner = response_bytes.read_octet_string_der("response")
        basic = _read_basic(inner)
        inner.finish()
        response_bytes.finish()
        holder.finish()
    outer.finish()
    reader.finish()
    return OCSPResponse(reader.data, STATUS_NAMES[value], basic)
