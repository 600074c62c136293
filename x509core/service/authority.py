"""The service's few calls into the certificate authority and its inventory, and nothing else.

Every handler and background task of the service reaches the CA through these functions: the
same ``CertificateAuthority`` calls the command line makes (``issue``, ``crl``, ``show
SERIAL``) on the inventory of ``x509core/ca/inventory/`` (SQLite or PostgreSQL), the
enrollment-token checks of :mod:`x509core.ca.tokens` (shared with ``x509core token`` and the
admin pages), the audit trail, plus :func:`inventory_version`.

Threads: the CA's inventory serialises its connection with a lock, so these may be called
from the event loop and from the executor that runs the slow ones (RSA-4096 signatures, fsync).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from x509core.ca import tokens
from x509core.ca.issuance.certificate_authority import CertificateAuthority
from x509core.ca.issuance.issuing import DEFAULT_CLIENT_DAYS, DEFAULT_SERVER_DAYS, Issued
from x509core.ca.inventory import AuditEvent, IssuedRecord, Token
from x509core.ca.inventory.records import Actor
from x509core.cert.certificate import Certificate
from x509core.cert.revocation.crl import CertificateRevocationList
from x509core.cert.csr import CertificateSigningRequest
from x509core.errors import InvalidValue
from x509core.rsa.key import RSAPublicKey

__all__ = ["find_record", "revoked_entries", "inventory_version", "sign_crl", "issue_from_csr",
           "issue_service_certificate", "issue_responder_certificate", "authenticate_token",
           "token_csr_arguments", "token_client_arguments", "enroll", "record_event",
           "reenroll"]


def find_record(ca: CertificateAuthority, serial: int) -> IssuedRecord | None:
    """The inventory row of ``serial``, or None when this CA never issued it."""
    if serial <= 0 or serial.bit_length() > 160:
        return None                                   # not a serial this CA could have drawn
    if serial not in ca.inventory:
        return None
    return ca.inventory.get(serial)


def revoked_entries(ca: CertificateAuthority) -> tuple[tuple[int, datetime, str | None], ...]:
    """(serial, revocation date, reason) of every revoked certificate, sorted by serial."""
    return tuple(sorted((record.serial, record.revocation_date, record.revocation_reason)
                        for record in ca.inventory.records(status="revoked")))


def inventory_version(ca: CertificateAuthority) -> int:
    """A number that changes whenever any process or node (``x509core revoke``, ``issue``,
    another ``serve``) has committed a change to the inventory: the inventory's revision
    counter, taken in the transaction of every state change (``inventory/audit.py``)."""
    return ca.inventory.revision()


def sign_crl(ca: CertificateAuthority, validity: timedelta) -> CertificateRevocationList:
    """A new CRL of every revoked certificate (``x509core crl``), also written to ``crl.pem``."""
    return ca.crl(next_update=validity)


def issue_from_csr(ca: CertificateAuthority, csr: CertificateSigningRequest, *, profile: str,
                   days: int, also_client: bool = False) -> Issued:
    """A certificate from a CSR whose signature the CA checks (``x509core issue --csr``)."""
    options = {"also_client": True} if profile == "server" and also_client else {}
    return ca.sign_csr(csr, profile=profile, days=_within_ca(ca, days), **options)


def reenroll(ca: CertificateAuthority, csr: CertificateSigningRequest, *, profile: str,
             days: int, also_client: bool, actor: Actor) -> Issued:
    """:func:`issue_from_csr`, recorded as a re-enrollment by the holder of ``actor``'s
    certificate (blocking)."""
    with ca.acting_as(actor, action="reenroll"):
        return issue_from_csr(ca, csr, profile=profile, days=days, also_client=also_client)


def authenticate_token(ca: CertificateAuthority, presented: str) -> tuple[Token, str]:
    """(token, secret hash) of a token that may be spent now; TokenRefused otherwise."""
    return tokens.authenticate(ca.inventory, presented)


def token_csr_arguments(token: Token, csr: CertificateSigningRequest) -> dict:
    """What a CSR asks for, held to the token (``tokens.NotAllowed`` when it may not)."""
    return tokens.csr_arguments(tokens.TokenConstraints.of(token), csr)


def token_client_arguments(token: Token, **fields) -> dict:
    """A client certificate's fields (the seed API's), held to the token."""
    return tokens.client_arguments(tokens.TokenConstraints.of(token), **fields)


def enroll(ca: CertificateAuthority, token: Token, secret_hash: str, arguments: dict, *,
           actor: Actor, action: str, csr: CertificateSigningRequest | None = None,
           not_after: datetime | None = None, **options) -> Issued:
    """Issue with one use of ``token`` (``tokens.issue_with_token``; blocking): valid until
    ``not_after``, else for the CA's default days, never past the CA certificate."""
    if not_after is None:
        default = DEFAULT_CLIENT_DAYS if token.profile == "client" else DEFAULT_SERVER_DAYS
        options["days"] = _within_ca(ca, default)
    else:
        options["not_after"] = not_after
    return tokens.issue_with_token(ca, token, secret_hash, arguments, actor=actor,
                                   action=action, csr=csr, **options)


def record_event(ca: CertificateAuthority, event: AuditEvent) -> None:
    """Append ``event`` (a refused request) to the audit trail, in its own transaction."""
    ca.inventory.append_audit(event)


def issue_service_certificate(ca: CertificateAuthority, *, dns, ip, public_key: RSAPublicKey,
                              days: int) -> Issued:
    """The service's own HTTPS certificate (``x509core issue server``), recorded like any other."""
    return ca.issue_server(dns=list(dns), ip=list(ip), public_key=public_key,
                           days=_within_ca(ca, days))


def issue_responder_certificate(ca: CertificateAuthority, *, public_key: RSAPublicKey,
                                days: int) -> Certificate:
    """The delegated OCSP responder's certificate, recorded like every other (profile
    ``ocsp``: ``CertificateAuthority.issue_ocsp_responder``)."""
    return ca.issue_ocsp_responder(public_key, days=_within_ca(ca, days)).certificate


def _within_ca(ca: CertificateAuthority, days: int) -> int:
    """``days``, or fewer so as to end before the CA certificate does."""
    left = (ca.certificate.not_valid_after - datetime.now(timezone.utc)).days
    if left < 1:
        raise InvalidValue("the CA certificate expires within a day: renew the CA first")
    return min(days, left)
