"""Issuing, the part of the CertificateAuthority (``certificate_authority.py``) that makes
certificates: client certificates bound to a machine and server certificates (the profiles of
``profiles.py``), certificates signed from a CSR after its proof of possession (RFC 2986 §3),
renewals, and the service's delegated OCSP responder (RFC 6960 §4.2.2.2).

Every operation checks its inputs before it touches the CA key or the disk, so a bad input
(an impossible date, a malformed or forged CSR, an unknown serial) raises an
:class:`~x509core.errors.X509CoreError` and leaves the CA as it was. The issuance protocol
that never signs a certificate without its row (reserve, sign, write the file, complete) is
described in ``x509core/ca/inventory/__init__.py``; every state change lands in the audit
trail in the same transaction, with the CA's :attr:`actor`.

Why a part of its own, a mixin the CertificateAuthority inherits: issuing is the CA's main
responsibility (RFC 5280 §4 through the profiles, the CSR checks, the serial reservation),
apart from opening the CA directory and repairing it (``certificate_authority.py``) and from
revocation (``revocation.py``). It shares the CA's state (directory, certificate, key,
inventory, the actor and action of the audit trail, the revocation URL) and calls no
revocation method.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from x509core.ca.issuance import inputs, profiles
from x509core.ca.keys import check_public_key
from x509core.ca.files import FILE_MODE, atomic_write
from x509core.ca.inventory import ISSUED_DIRECTORY, IssuedRecord, SerialTaken, serial_hex
from x509core.ca.inventory.fields import extension_fields, key_algorithm, plain_time
from x509core.ca.inventory.reconcile import node_lock
from x509core.cert.builder import CertificateBuilder, random_serial_number
from x509core.cert.certificate import Certificate, load_pem_certificate
from x509core.cert.csr import CertificateSigningRequest
from x509core.ec.key import ECPublicKey
from x509core.errors import InvalidSignature, InvalidValue
from x509core.rsa.key import RSAPrivateKey, RSAPublicKey
from x509core.rsa.keygen import generate_private_key

__all__ = ["IssuanceMixin", "Issued", "SIGNATURE_HASH"]

SIGNATURE_HASH = "sha256"                 # sha256WithRSAEncryption, what every peer accepts
DEFAULT_CLIENT_DAYS = 365                 # the seed system's one year
DEFAULT_SERVER_DAYS = 365
_SERIAL_ATTEMPTS = 8


@dataclass(frozen=True)
class Issued:
    """A certificate just issued, its inventory record, and its key when the CA generated it."""

    certificate: Certificate
    record: IssuedRecord
    private_key: RSAPrivateKey | None = None


class IssuanceMixin:
    """The issuing methods of :class:`CertificateAuthority`, which provides the ``directory``,
    ``certificate``, ``key``, ``inventory``, ``actor``, ``revocation_url`` and ``_issuance()``
    (the action and spend of :meth:`acting_as`) they use."""

    # -- issuing ------------------------------------------------------------------------------------

    def issue_client(self, *, org: str, client_id: str, machine_id: str | None,
                     mac: str | None = None, csr: CertificateSigningRequest | None = None,
                     public_key: RSAPublicKey | ECPublicKey | None = None,
                     not_after: datetime | None = None, days: int | None = None,
                     now: datetime | None = None, key_bits: int = 4096,
                     key_encipherment: bool = False, binding_encoding: str = "raw",
                     binding: str | None = None, key_agreement: bool = False,
                     mac_as_given: bool = False) -> Issued:
        """A client certificate (EKU clientAuth) for ``client_id`` of ``org``, bound to
        ``machine_id`` (and ``mac``) by the seed system's extensions (``binding="seed"``, the
        default) or by subjectAltName URNs (``binding="san"``: every TLS stack reads them, Go's
        included; ``machine_id`` must then be a 32-hex-digit UUID such as the derived id). The
        key (from ``csr``, ``public_key``, or made here as RSA) may be RSA or EC
        (P-256/384/521); keyUsage is digitalSignature, with keyEncipherment (RSA) or
        keyAgreement (EC) when asked. ``mac_as_given``: the MAC kept as the seed system's API
        got it."""
        options = dict(org=org, client_id=client_id, machine_id=machine_id, mac=mac,
                       encoding=binding_encoding, binding=binding or "seed",
                       mac_as_given=mac_as_given)
        not_before, end = self._validity(now, days, not_after, DEFAULT_CLIENT_DAYS)
        profiles.client_builder(self.certificate, _probe_key(), not_before, end,
                                **options)                      # checks every input first
        key, subject_key = self._subject_key(csr, public_key, key_bits)
        builder = profiles.client_builder(self.certificate, subject_key, not_before, end,
                                          key_encipherment=key_encipherment,
                                          key_agreement=key_agreement, **options)
        return self._issue(builder, "client", key, now)

    def issue_server(self, *, dns=(), ip=(), common_name: str | None = None,
                     org: str | None = None, also_client: bool = False,
                     csr: CertificateSigningRequest | None = None,
                     public_key: RSAPublicKey | ECPublicKey | None = None,
                     days: int | None = None, not_after: datetime | None = None,
                     now: datetime | None = None, key_bits: int = 4096,
                     key_agreement: bool = False) -> Issued:
        """A server certificate (EKU serverAuth, +clientAuth with ``also_client``) for the DNS
        names and IP addresses given. keyUsage by the key: RSA digitalSignature and
        keyEncipherment; EC digitalSignature (and keyAgreement when asked)."""
        not_before, end = self._validity(now, days, not_after, DEFAULT_SERVER_DAYS)
        options = dict(dns=dns, ip=ip, common_name=common_name, org=org, also_client=also_client)
        profiles.server_builder(self.certificate, _probe_key(), not_before, end, **options)
        key, subject_key = self._subject_key(csr, public_key, key_bits)
        builder = profiles.server_builder(self.certificate, subject_key, not_before, end,
                                          key_agreement=key_agreement, **options)
        return self._issue(builder, "server", key, now)

    def sign_csr(self, csr: CertificateSigningRequest, *, profile: str = "client", **kwargs) -> Issued:
        """Issue from a CSR after checking its signature (proof of possession, RFC 2986 §3).
        Unless given, a client's ``org``/``client_id`` come from the CSR subject's O/CN and its
        machine binding from the CSR's extensionRequest, in the CSR's carrier unless
        ``binding=`` names one; a server's names from its SAN."""
        if not isinstance(csr, CertificateSigningRequest):
            raise TypeError("csr must be a CertificateSigningRequest")
        _verify_csr(csr)
        arguments = inputs.csr_arguments(csr, profile, kwargs)
        if profile == "client":
            return self.issue_client(csr=csr, **arguments)
        return self.issue_server(csr=csr, **arguments)

    def renew(self, serial: int, *, days: int | None = None, now: datetime | None = None) -> Issued:
        """A new certificate (new serial, new validity) with the same subject, public key and
        extensions (machine binding included, byte for byte) as ``serial``; ``days`` defaults
        to the old certificate's validity period. A revoked certificate is not renewed."""
        record = self.inventory.get(serial)
        if record.status == "revoked":
            raise InvalidValue(f"serial {serial_hex(serial)} is revoked; issue a new certificate")
        old = load_pem_certificate(record.pem)
        if days is None:
            days = max(1, round((old.not_valid_after - old.not_valid_before) / timedelta(days=1)))
        not_before, end = self._validity(now, days, None, DEFAULT_CLIENT_DAYS)
        builder = (CertificateBuilder(extensions=old.extensions)
                   .with_subject(old.subject)
                   .with_issuer(self.certificate.subject)
                   .with_validity(not_before, end)
                   .with_public_key(old.public_key))
        return self._issue(builder, record.profile, None, now)

    def _validity(self, now, days, not_after, default_days):
        return inputs.validity(now, days=days, not_after=not_after, default_days=default_days,
                                 limit=self.certificate.not_valid_after)

    def _subject_key(self, csr, public_key, key_bits):
        """(generated private key or None, the subject public key)."""
        if csr is not None and public_key is not None:
            raise InvalidValue("give a CSR or a public key, not both")
        if csr is not None:
            if not isinstance(csr, CertificateSigningRequest):
                raise TypeError("csr must be a CertificateSigningRequest")
            _verify_csr(csr)
            return None, check_public_key(csr.public_key, profiles.MIN_LEAF_KEY_BITS)
        if public_key is not None:
            return None, check_public_key(public_key, profiles.MIN_LEAF_KEY_BITS)
        _ = self.key                                  # fail before a long key generation
        key = generate_private_key(key_bits)
        return key, key.public_key()

    def _issue(self, builder: CertificateBuilder, profile: str, private_key, now) -> Issued:
        """Reserve a fresh random serial, sign, write the file, complete the row (the protocol
        of ``x509core/ca/inventory``): a serial taken on any node is redrawn before signing."""
        key = self.key
        if self.revocation_url is not None and profile != "ocsp":
            builder = profiles.with_revocation_pointers(builder, self.revocation_url)
        action, spend = self._issuance()
        for _ in range(_SERIAL_ATTEMPTS):
            serial = random_serial_number()
            if serial == self.certificate.serial_number:
                continue
            candidate = builder.with_serial_number(serial)
            record = self._reservation(candidate, profile)
            with node_lock(self.directory, exclusive=False):
                try:
                    self.inventory.reserve(record, at=now, also=spend)
                except SerialTaken:
                    continue
                certificate = self._sign_reserved(candidate, key, serial)
                pem = certificate.to_pem()
                atomic_write(record.path, pem.encode("ascii"), mode=FILE_MODE)
                stored = self.inventory.complete(
                    serial, pem, audit=self.actor.event(action, serial_hex(serial),
                                                        detail=f"{profile} {record.subject}"))
            return Issued(certificate, stored, private_key)
        raise InvalidValue(f"no free serial number after {_SERIAL_ATTEMPTS} attempts")

    def _sign_reserved(self, builder: CertificateBuilder, key, serial: int) -> Certificate:
        try:
            return builder.sign(key, SIGNATURE_HASH)
        except BaseException:
            self.inventory.abandon(serial)            # nothing was signed: close the reservation
            raise

    def _reservation(self, builder: CertificateBuilder, profile: str) -> IssuedRecord:
        """The row reserved before signing: what the TBSCertificate will say."""
        tbs = builder
        probe = extension_fields(tbs.extensions)
        return IssuedRecord(
            serial=tbs.serial_number, subject=tbs.subject.rfc4514(), profile=profile,
            machine_identity=probe["machine_identity"], mac_address=probe["mac_address"],
            binding=probe["binding"],
            not_before=_plain(tbs.not_valid_before), not_after=_plain(tbs.not_valid_after),
            status="reserved", revocation_reason=None, revocation_date=None,
            path=self.directory / ISSUED_DIRECTORY / f"{serial_hex(tbs.serial_number)}.pem",
            pem=None, common_name=tbs.subject.common_name,
            organization=tbs.subject.organization, dns_names=probe["dns_names"],
            ip_addresses=probe["ip_addresses"], key_algorithm=key_algorithm(tbs.public_key))

    # -- what the service (x509core serve) adds -----------------------------------------------------

    def issue_ocsp_responder(self, public_key: RSAPublicKey, *, days: int,
                             now: datetime | None = None) -> Issued:
        """A delegated OCSP responder certificate for ``public_key`` (RFC 6960 §4.2.2.2:
        id-kp-OCSPSigning, id-pkix-ocsp-nocheck), valid ``days``: reserved, signed and recorded
        like every certificate (profile ``ocsp``); the service keeps its key
        (``x509core/service/identity.py``). It carries no CRL or OCSP pointers: nocheck."""
        not_before, end = self._validity(now, days, None, days)
        builder = profiles.ocsp_responder_builder(self.certificate, public_key, not_before, end)
        return self._issue(builder, "ocsp", None, now)


def _plain(moment: datetime) -> datetime:
    return plain_time(moment)


def _verify_csr(csr: CertificateSigningRequest) -> None:
    """The CA's untrusted input: a request with any finding (a departure from DER, RFC 2986 or
    RFC 5280 that a reader could still read) is refused, so the CA never acts on something two
    readers could see differently; then its proof of possession (RFC 2986 §3)."""
    if csr.findings:
        raise InvalidValue(f"the CSR is not conforming DER: {csr.findings[0]}")
    try:
        check_public_key(csr.public_key, profiles.MIN_LEAF_KEY_BITS)
    except InvalidValue as exc:
        raise InvalidValue(f"the CSR's key: {exc}") from None
    try:
        csr.verify()
    except InvalidSignature:
        raise InvalidSignature("the CSR's signature does not verify (RFC 2986 §3: proof of "
                               "possession failed)") from None


_PROBE = None


def _probe_key() -> RSAPublicKey:
    """A public key used only to run a profile's input checks before any key is generated."""
    global _PROBE
    if _PROBE is None:
        _PROBE = RSAPublicKey(n=(1 << 2047) | 0x10001 | 1, e=65537)
    return _PROBE
