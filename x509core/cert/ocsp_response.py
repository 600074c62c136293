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

The builder writes what a relying party needs and nothing more: ResponderID byKey (RFC 6960
§4.2.2.3), one SingleResponse per CertID asked about (the CertID echoed byte for byte), times in
whole seconds, and the request's nonce echoed in responseExtensions (§4.4.1). It signs with
sha256WithRSAEncryption, reads its own output back and verifies the signature before returning.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import datetime

from x509core.cert.builder import sign_with, signature_algorithm_for
from x509core.cert.certificate import (Certificate, read_algorithm_identifier,
                                       read_signature_value, verify_signed_bytes)
from x509core.cert.extensions import Extension, read_extensions, write_extensions
from x509core.cert.extensions.crl import REASON_NAMES
from x509core.cert.name import Name, read_name
from x509core.cert.ocsp import (OID_PKIX_OCSP_BASIC, CertID, OCSPNonce, read_cert_id,
                                read_certificates, read_nonce)
from x509core.der import BitString, ObjectIdentifier, Reader, Writer
from x509core.der.tags import Tag
from x509core.der.time import to_utc
from x509core.errors import DecodeError, InvalidValue
from x509core.rsa.algorithms import SignatureAlgorithm, write_signature_algorithm
from x509core.rsa.key import RSAPrivateKey

__all__ = ["RESPONSE_STATUSES", "CERT_STATUSES", "SingleResponse", "BasicOCSPResponse",
           "OCSPResponse", "OCSPResponseBuilder", "load_der_ocsp_response",
           "encode_error_response", "responder_key_hash"]

RESPONSE_STATUSES = {"successful": 0, "malformedRequest": 1, "internalError": 2, "tryLater": 3,
                     "sigRequired": 5, "unauthorized": 6}
_STATUS_NAMES = {value: name for name, value in RESPONSE_STATUSES.items()}
CERT_STATUSES = ("good", "revoked", "unknown")
_REASON_VALUES = {name: value for value, name in REASON_NAMES.items()}


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
                                                   or self.revocation_reason not in _REASON_VALUES):
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
    signature_algorithm_info: SignatureAlgorithm | None
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
    extensions = ()
    holder = seq.read_optional_explicit(1, "singleExtensions")
    if holder is not None:
        extensions = read_extensions(holder)
        holder.finish()
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
    extensions = ()
    holder = tbs.read_optional_explicit(1, "responseExtensions")
    if holder is not None:
        extensions = read_extensions(holder)
        holder.finish()
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
    if value not in _STATUS_NAMES:
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
    return OCSPResponse(reader.data, _STATUS_NAMES[value], basic)


def encode_error_response(status: str) -> bytes:
    """An OCSPResponse carrying only an error status (RFC 6960 §4.2.1), e.g. malformedRequest."""
    if status not in RESPONSE_STATUSES or status == "successful":
        raise InvalidValue(f"not an OCSP error status: {status!r}")
    w = Writer()
    with w.sequence():
        w.write_enumerated(RESPONSE_STATUSES[status])
    return w.to_bytes()


# -- building -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class OCSPResponseBuilder:
    """A BasicOCSPResponse, set one ``with_*`` call at a time, signed by :meth:`sign`.

    ``with_responder(certificate)`` names the signer (ResponderID byKey); a delegated
    responder's certificate travels in ``certs`` (RFC 6960 §4.2.2.2) unless the signer is the
    CA itself, whose certificate the client already has."""

    responses: tuple[SingleResponse, ...] = ()
    produced_at: datetime | None = None
    nonce: bytes | None = None
    responder: Certificate | None = None
    certs: tuple[Certificate, ...] = field(default=())

    def with_response(self, cert_id: CertID, cert_status: str, this_update: datetime,
                      next_update: datetime | None = None, *,
                      revocation_time: datetime | None = None,
                      revocation_reason: str | None = None) -> "OCSPResponseBuilder":
        if not isinstance(cert_id, CertID):
            raise TypeError("cert_id must be a CertID")
        if revocation_reason == "unspecified":
            revocation_reason = None        # as RFC 5280 §5.3.1 says of CRL entries
        single = SingleResponse(cert_id, cert_status, _second(this_update),
                                None if next_update is None else _second(next_update),
                                None if revocation_time is None else _second(revocation_time),
                                revocation_reason)
        return replace(self, responses=(*self.responses, single))

    def with_produced_at(self, moment: datetime) -> "OCSPResponseBuilder":
        if self.produced_at is not None:
            raise InvalidValue("producedAt is already set")
        return replace(self, produced_at=_second(moment))

    def with_nonce(self, nonce: bytes) -> "OCSPResponseBuilder":
        if self.nonce is not None:
            raise InvalidValue("the nonce is already set")
        return replace(self, nonce=OCSPNonce(nonce).value)

    def with_responder(self, certificate: Certificate, *, include: bool = True) -> "OCSPResponseBuilder":
        if not isinstance(certificate, Certificate):
            raise TypeError("the responder must be a Certificate")
        if self.responder is not None:
            raise InvalidValue("the responder is already set")
        return replace(self, responder=certificate, certs=(certificate,) if include else ())

    def sign(self, key: RSAPrivateKey, hash_name: str = "sha256") -> OCSPResponse:
        """Encode, sign, read back and verify; the parsed OCSPResponse."""
        if not isinstance(key, RSAPrivateKey):
            raise TypeError(f"sign with an RSAPrivateKey, not {type(key).__name__}")
        if self.responder is None or self.produced_at is None or not self.responses:
            raise InvalidValue("set the responder, producedAt and at least one response")
        if getattr(self.responder.public_key, "n", None) != key.n:
            raise InvalidValue("the key is not the responder certificate's key")
        algorithm = signature_algorithm_for(hash_name, "pkcs1v15")
        tbs = self._encode_response_data()
        w = Writer()
        with w.sequence():                                       # OCSPResponse
            w.write_enumerated(RESPONSE_STATUSES["successful"])
            with w.explicit(0), w.sequence():                    # responseBytes
                w.write_oid(OID_PKIX_OCSP_BASIC)
                w.write_octet_string(_encode_basic(tbs, algorithm, sign_with(key, algorithm, tbs),
                                                   self.certs))
        response = load_der_ocsp_response(w.to_bytes())
        response.basic.verify_signature(key.public_key())
        return response

    def _encode_response_data(self) -> bytes:
        w = Writer()
        with w.sequence():                                       # version v1 is the DEFAULT
            with w.explicit(2):
                w.write_octet_string(responder_key_hash(self.responder))
            w.write_generalized_time(self.produced_at)
            with w.sequence():
                for single in self.responses:
                    _write_single_response(w, single)
            if self.nonce is not None:
                with w.explicit(1):
                    write_extensions(w, (Extension.from_value(OCSPNonce(self.nonce), False),))
        return w.to_bytes()


def _encode_basic(tbs: bytes, algorithm: SignatureAlgorithm, signature: bytes,
                  certs: tuple[Certificate, ...]) -> bytes:
    w = Writer()
    with w.sequence():
        w.write_raw(tbs)
        write_signature_algorithm(w, algorithm)
        w.write_bit_string(BitString(signature, 0))
        if certs:
            with w.explicit(0), w.sequence():
                for certificate in certs:
                    w.write_raw(certificate.raw)
    return w.to_bytes()


def _write_single_response(w: Writer, single: SingleResponse) -> None:
    with w.sequence():
        w.write_raw(single.cert_id.to_der())
        if single.cert_status == "good":
            w.write_implicit_primitive(0, b"")
        elif single.cert_status == "unknown":
            w.write_implicit_primitive(2, b"")
        else:
            with w.implicit_constructed(1):
                w.write_generalized_time(single.revocation_time)
                if single.revocation_reason is not None:
                    with w.explicit(0):
                        w.write_enumerated(_REASON_VALUES[single.revocation_reason])
        w.write_generalized_time(single.this_update)
        if single.next_update is not None:
            with w.explicit(0):
                w.write_generalized_time(single.next_update)


def _second(moment: datetime) -> datetime:
    """UTC, whole seconds: GeneralizedTime as RFC 5280 §4.1.2.5.2 profiles it (and pyca and
    OpenSSL write it)."""
    if not isinstance(moment, datetime):
        raise TypeError("OCSP times are datetimes")
    return to_utc(moment).replace(microsecond=0)
