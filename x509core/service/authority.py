"""The service's few calls into the certificate authority and its inventory, and nothing else.

Every handler and background task of the service reaches the CA through these functions: the
same ``CertificateAuthority`` calls the command line makes (``issue``, ``crl``, ``show
SERIAL``) on the inventory of ``x509core/ca/inventory/`` (SQLite or PostgreSQL), plus
:func:`inventory_version`.

Threads: the CA's inventory serialises its connection with a lock, so these may be called
from the event loop and from the executor that runs the slow ones (RSA-4096 signatures, fsync).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from x509core.ca.issue import CertificateAuthority, Issued
from x509core.ca.inventory import IssuedRecord
from x509core.cert.certificate import Certificate
from x509core.cert.crl import CertificateRevocationList
from x509core.cert.csr import CertificateSigningRequest
from x509core.errors import InvalidValue
from x509core.rsa.key import RSAPublicKey

__all__ = ["find_record", "revoked_entries", "inventory_version", "sign_crl", "issue_from_csr",
           "issue_service_certificate", "issue_responder_certificate"]


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
