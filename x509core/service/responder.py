"""The OCSP responder's decisions (RFC 6960): parse a request, look each certificate up in the
inventory, sign the answer with the delegated responder key, and reuse answers while fresh.

Answers, per CertID (RFC 6960 §2.2):

- ``unknown``: a hash algorithm not supported here, issuer hashes that are not this CA's
  (SHA-1 and SHA-2 CertIDs are compared with the CA's own hashes), or a serial number this CA
  never issued (the inventory is complete, so "not issued" is known; RFC 6960 §2.2 lets a
  responder say unknown for it);
- ``revoked`` with revocationTime and the CRLReason (absent for unspecified, as RFC 5280
  §5.3.1 asks of CRL entries);
- ``good`` otherwise.

Every answer has thisUpdate now and nextUpdate ``OCSP_VALIDITY`` later, producedAt now, and
echoes the request's nonce (RFC 6960 §4.4.1; 1 to 128 octets, RFC 9654 §2.1, which obsoletes
RFC 8954's limit of 32: a longer or empty one makes the request malformed). Requests need no
signature (RFC 6960 §4.1.2 makes it optional; what the responder reveals is public, as in a
CRL), and a signature that is present is not checked.

Caching, as production responders do (RFC 5019 §6): an answer to a request without a nonce
whose certificates are all known (good or revoked) is kept and served again until
``OCSP_CACHE_MARGIN`` before its nextUpdate, at most ``OCSP_CACHE_ENTRIES`` answers (least
recently used dropped first). It is dropped at once when the inventory changes (the
generation of :class:`~x509core.service.revocation.RevocationStatus`), so a revocation is
never hidden by the cache. Unknown answers are never cached: the serial may be issued next.
"""

from __future__ import annotations

import hmac
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timezone

from x509core.ca.issuance.certificate_authority import CertificateAuthority
from x509core.cert.revocation.ocsp import (CERT_ID_HASHES, CertID, issuer_hashes,
                                           load_der_ocsp_request)
from x509core.cert.revocation.ocsp_builder import OCSPResponseBuilder, encode_error_response
from x509core.errors import X509CoreError
from x509core.service import authority, limits
from x509core.service.identity import Identity
from x509core.service.revocation import RevocationStatus

__all__ = ["Answer", "Responder"]


@dataclass(frozen=True)
class Answer:
    """What to send back: the OCSPResponse DER, its status, and for logs why it was refused."""

    der: bytes
    status: str                      # "successful", "malformedRequest", ...
    reason: str | None = None
    cache_until: datetime | None = None   # for HTTP caching headers of a reusable answer
    this_update: datetime | None = None   # RFC 5019 §6.2: Last-Modified
    next_update: datetime | None = None   # RFC 5019 §6.2: Expires


class Responder:
    """Answers OCSP requests for one CA, signed by ``identity`` (the delegated responder)."""

    def __init__(self, ca: CertificateAuthority, status: RevocationStatus, identity: Identity):
        self.ca, self.status = ca, status
        self.identity = identity
        self._issuer = {name: issuer_hashes(ca.certificate, name) for name in CERT_ID_HASHES}
        self._cache: OrderedDict[bytes, tuple[int, datetime, Answer]] = OrderedDict()

    def use_identity(self, identity: Identity) -> None:
        """Sign with a renewed responder certificate from now on."""
        self.identity = identity
        self._cache.clear()

    def respond(self, request_der: bytes, now: datetime | None = None) -> Answer:
        """The answer to ``request_der``; malformedRequest for anything unreadable."""
        now = (now or datetime.now(timezone.utc)).replace(microsecond=0)
        try:
            request = load_der_ocsp_request(request_der)
        except X509CoreError as exc:
            return _refusal("malformedRequest", f"not an OCSP request: {exc}")
        if not 1 <= len(request.requests) <= limits.MAX_OCSP_CERT_IDS:
            return _refusal("malformedRequest", f"an OCSP request must ask about 1 to "
                            f"{limits.MAX_OCSP_CERT_IDS} certificates, not {len(request.requests)}")
        generation = self.status.poll()
        key = b"".join(r.cert_id.to_der() for r in request.requests)
        if request.nonce is None:
            cached = self._cached(key, generation, now)
            if cached is not None:
                return cached
        answer, cacheable = self._sign(request, now)
        if request.nonce is None and cacheable:
            self._remember(key, generation, answer)
        return answer

    def _status(self, cert_id: CertID):
        """(certStatus, revocationTime, reason) of one CertID."""
        hashes = self._issuer.get(cert_id.hash_name)
        if hashes is None or not (hmac.compare_digest(hashes[0], cert_id.issuer_name_hash)
                                  and hmac.compare_digest(hashes[1], cert_id.issuer_key_hash)):
            return "unknown", None, None
        record = authority.find_record(self.ca, cert_id.serial_number)
        if record is None:
            return "unknown", None, None
        if record.status == "revoked":
            return "revoked", record.revocation_date, record.revocation_reason
        return "good", None, None

    def _sign(self, request, now: datetime) -> tuple[Answer, bool]:
        next_update = now + limits.OCSP_VALIDITY
        builder = OCSPResponseBuilder().with_produced_at(now).with_responder(
            self.identity.certificate)
        cacheable = True
        for single in request.requests:
            status, revoked_at, reason = self._status(single.cert_id)
            cacheable = cacheable and status != "unknown"
            builder = builder.with_response(single.cert_id, status, now, next_update,
                                            revocation_time=revoked_at, revocation_reason=reason)
        if request.nonce is not None:
            builder = builder.with_nonce(request.nonce)
        response = builder.sign(self.identity.key, "sha256")
        until = next_update - limits.OCSP_CACHE_MARGIN
        reusable = cacheable and request.nonce is None     # an answer with a nonce is one-off
        return Answer(response.raw, "successful", None, until if reusable else None, now,
                      next_update), cacheable

    def _cached(self, key: bytes, generation: int, now: datetime) -> Answer | None:
        entry = self._cache.get(key)
        if entry is None:
            return None
        made_in, until, answer = entry
        if made_in != generation or now >= until:
            del self._cache[key]
            return None
        self._cache.move_to_end(key)
        return answer

    def _remember(self, key: bytes, generation: int, answer: Answer) -> None:
        self._cache[key] = (generation, answer.cache_until, answer)
        self._cache.move_to_end(key)
        while len(self._cache) > limits.OCSP_CACHE_ENTRIES:
            self._cache.popitem(last=False)


def _refusal(status: str, reason: str) -> Answer:
    return Answer(encode_error_response(status), status, reason)
