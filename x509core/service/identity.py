"""The service's own certificates and keys: its HTTPS server certificate and its delegated OCSP
responder, issued by its CA, kept in ``CA-DIR/service/`` and renewed before they expire.

Files (the directory is 0700 like the CA directory; written atomically, the key first)::

    service/https.pem, https.key     the HTTPS certificate (in the inventory, profile server)
    service/ocsp.pem,  ocsp.key      the OCSP responder (RFC 6960 §4.2.2.2; profile ocsp)

Keys at rest. Each key is encrypted PKCS#8 (PBES2, AES-256-CBC) under a password derived from
the CA's private key: HMAC-SHA256 keyed with the CA's private exponent (as octets) over a fixed
label, written as 64 hex digits. Whoever can open the CA (its passphrase, or its plain key)
can open these, and nobody else: a copy of the CA directory at rest yields neither a way to
impersonate the service nor to forge "good" OCSP answers, and the service needs no second
secret and keeps no passphrase in memory. The password has 256 bits, so PBKDF2 runs one
iteration (stretching protects guessable passwords only).

Renewal: a certificate is replaced when it is missing, unreadable, does not match its key,
was not issued by this CA, is revoked in the inventory, names other hosts than asked for, or
has less than the renewal margin left (``limits``). Each replacement gets a new key.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from x509core.ca.files import FILE_MODE, KEY_MODE, atomic_write, make_private_directory
from x509core.ca.issuance.certificate_authority import CertificateAuthority
from x509core.cert.certificate import Certificate, load_pem_certificate
from x509core.cert.names.general_name import DNSName, IPAddress
from x509core.errors import InvalidSignature, X509CoreError
from x509core.rsa.key import RSAPrivateKey
from x509core.rsa.keygen import generate_private_key
from x509core.rsa.keys import load_pem_private_key, private_key_to_pem
from x509core.service import authority, limits

__all__ = ["SERVICE_DIRECTORY", "Identity", "key_password", "load_identity", "save_identity",
           "https_identity", "responder_identity", "needs_renewal"]

SERVICE_DIRECTORY = "service"
_LABEL = b"x509core service key encryption v1"


@dataclass(frozen=True)
class Identity:
    """A certificate of the service and its private key."""

    certificate: Certificate
    key: RSAPrivateKey


def key_password(ca_key: RSAPrivateKey) -> str:
    """The password of the service's key files (see the module docstring)."""
    secret = ca_key.d.to_bytes((ca_key.d.bit_length() + 7) // 8, "big")
    return hmac.new(secret, _LABEL, hashlib.sha256).hexdigest()


def _paths(ca: CertificateAuthority, name: str) -> tuple[Path, Path]:
    directory = ca.directory / SERVICE_DIRECTORY
    return directory / f"{name}.pem", directory / f"{name}.key"


def load_identity(ca: CertificateAuthority, name: str) -> Identity | None:
    """The stored identity ``name``, or None when it is missing or unusable (to be reissued)."""
    cert_path, key_path = _paths(ca, name)
    try:
        certificate = load_pem_certificate(cert_path.read_bytes())
        key = load_pem_private_key(key_path.read_bytes(), key_password(ca.key))
        certificate.verify_directly_issued_by(ca.certificate)
    except (OSError, X509CoreError, InvalidSignature):
        return None
    if getattr(certificate.public_key, "n", None) != key.n:
        return None                                   # a crash between the two writes
    return Identity(certificate, key)


def save_identity(ca: CertificateAuthority, name: str, identity: Identity) -> None:
    """Write the key (0600, encrypted) and then the certificate, each atomically."""
    cert_path, key_path = _paths(ca, name)
    make_private_directory(cert_path.parent)
    key_pem = private_key_to_pem(identity.key, key_password(ca.key), iterations=1)
    atomic_write(key_path, key_pem.encode("ascii"), mode=KEY_MODE, overwrite=True)
    atomic_write(cert_path, identity.certificate.to_pem().encode("ascii"), mode=FILE_MODE,
                 overwrite=True)


def needs_renewal(ca: CertificateAuthority, certificate: Certificate, margin: timedelta,
                  now: datetime | None = None) -> bool:
    """Whether ``certificate`` has less than ``margin`` left or is revoked in the inventory."""
    now = now or datetime.now(timezone.utc)
    if certificate.not_valid_after - now < margin or certificate.not_valid_before > now:
        return True
    record = authority.find_record(ca, certificate.serial_number)
    return record is not None and record.status == "revoked"


def _names(certificate: Certificate) -> tuple[set[str], set[str]]:
    san = certificate.subject_alternative_name
    dns, ip = set(), set()
    for name in (san.names if san is not None else ()):
        if isinstance(name, DNSName):
            dns.add(name.value.lower())
        elif isinstance(name, IPAddress):
            ip.add(str(name.value))
    return dns, ip


def https_identity(ca: CertificateAuthority, dns, ip, *, force: bool = False) -> tuple[Identity, bool]:
    """The HTTPS identity for the names ``dns``/``ip``: the stored one while it is good, else a
    new key and certificate (saved). Returns (identity, whether it is new)."""
    current = None if force else load_identity(ca, "https")
    wanted = ({d.lower() for d in dns}, {str(ipaddress.ip_address(a)) for a in ip})
    if current is not None and _names(current.certificate) == wanted and not needs_renewal(
            ca, current.certificate, limits.SERVER_CERT_RENEW_BEFORE):
        return current, False
    key = generate_private_key(limits.SERVICE_KEY_BITS)
    issued = authority.issue_service_certificate(ca, dns=dns, ip=ip, public_key=key.public_key(),
                                                 days=limits.SERVER_CERT_DAYS)
    identity = Identity(issued.certificate, key)
    save_identity(ca, "https", identity)
    return identity, True


def responder_identity(ca: CertificateAuthority, *, force: bool = False) -> tuple[Identity, bool]:
    """The OCSP responder identity, renewed as :func:`https_identity` is."""
    current = None if force else load_identity(ca, "ocsp")
    if current is not None and not needs_renewal(ca, current.certificate,
                                                 limits.RESPONDER_RENEW_BEFORE):
        return current, False
    key = generate_private_key(limits.SERVICE_KEY_BITS)
    certificate = authority.issue_responder_certificate(ca, public_key=key.public_key(),
                                                        days=limits.RESPONDER_DAYS)
    identity = Identity(certificate, key)
    save_identity(ca, "ocsp", identity)
    return identity, True
