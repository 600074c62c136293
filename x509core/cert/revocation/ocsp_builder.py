"""Building and signing OCSP responses (RFC 6960 §4.2.1; the ASN.1 is in
:mod:`x509core.cert.revocation.ocsp_response`, which reads them).

The builder writes what a relying party needs and nothing more: ResponderID byKey (RFC 6960
§4.2.2.3), one SingleResponse per CertID asked about (the CertID echoed byte for byte), times in
whole seconds, and the request's nonce echoed in responseExtensions (§4.4.1). It signs with
sha256WithRSAEncryption, reads its own output back and verifies the signature before returning,
as the certificate builder does. :func:`encode_error_response` writes the status-only answers
(malformedRequest, internalError, tryLater, sigRequired, unauthorized).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from x509core.cert.builder import sign_with, signature_algorithm_for
from x509core.cert.certificate import Certificate
from x509core.cert.extensions import Extension, write_extensions
from x509core.cert.revocation.ocsp import OID_PKIX_OCSP_BASIC, CertID, OCSPNonce
from x509core.cert.revocation.ocsp_response import (RESPONSE_STATUSES, REASON_VALUES, OCSPResponse,
                                         SingleResponse, load_der_ocsp_response,
                                         responder_key_hash)
from x509core.der import BitString, Writer
from x509core.der.time import to_utc
from x509core.errors import InvalidValue
from x509core.rsa.algorithms import SignatureAlgorithm, write_signature_algorithm
from x509core.rsa.key import RSAPrivateKey

__all__ = ["OCSPResponseBuilder", "encode_error_response"]


def encode_error_response(status: str) -> bytes:
    """An OCSPResponse carrying only an error status (RFC 6960 §4.2.1), e.g. malformedRequest."""
    if status not in RESPONSE_STATUSES or status == "successful":
        raise InvalidValue(f"not an OCSP error status: {status!r}")
    w = Writer()
    with w.sequence():
        w.write_enumerated(RESPONSE_STATUSES[status])
    return w.to_bytes()


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
                        w.write_enumerated(REASON_VALUES[single.revocation_reason])
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
