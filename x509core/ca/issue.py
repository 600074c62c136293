"""The certificate authority: create or open a CA directory, issue client and server
certificates, sign CSRs, revoke, publish CRLs, renew.

Every operation checks its inputs before it touches the CA key or the disk, so a bad input
(an impossible date, a malformed or forged CSR, an unknown serial) raises an
:class:`~x509core.errors.X509CoreError` and leaves the CA as it was. The files and the
inventory are described, with the crash-consistency argument, in ``x509core/ca/store.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from x509core.ca import profiles
from x509core.ca.authority import CRL_FILE, load_ca_files, write_new_ca
from x509core.ca.store import (ISSUED_DIRECTORY, Inventory, IssuedRecord, Reconciliation,
                               SerialTaken, serial_hex)
from x509core.cert import oids
from x509core.cert.builder import CertificateBuilder, random_serial_number
from x509core.cert.certificate import Certificate, load_pem_certificate
from x509core.cert.crl import CertificateRevocationList, CRLBuilder
from x509core.cert.csr import CertificateSigningRequest
from x509core.cert.extensions.crl import REASON_NAMES
from x509core.cert.name import Name
from x509core.errors import InvalidSignature, InvalidValue
from x509core.rsa.key import RSAPrivateKey, RSAPublicKey
from x509core.rsa.keygen import generate_private_key

__all__ = ["CertificateAuthority", "Issued", "REVOCATION_REASONS", "SIGNATURE_HASH"]

SIGNATURE_HASH = "sha256"                 # sha256WithRSAEncryption, what every peer accepts
DEFAULT_CLIENT_DAYS = 365                 # the seed system's one year
DEFAULT_SERVER_DAYS = 365
DEFAULT_CA_DAYS = 3650
_SERIAL_ATTEMPTS = 8
# RFC 5280 §5.3.1 names a revocation may carry; removeFromCRL is for delta CRLs only.
REVOCATION_REASONS = tuple(name for name in REASON_NAMES.values() if name != "removeFromCRL")


@dataclass(frozen=True)
class Issued:
    """A certificate just issued, its inventory record, and its key when the CA generated it."""

    certificate: Certificate
    record: IssuedRecord
    private_key: RSAPrivateKey | None = None


class CertificateAuthority:
    """A CA directory opened for use; make one with :meth:`create` or :meth:`open`."""

    def __init__(self, directory: Path, certificate: Certificate, key: RSAPrivateKey | None,
                 inventory: Inventory):
        self.directory = directory
        self.certificate = certificate
        self.inventory = inventory
        self._key = key
        # What open() repaired after a crash (a Reconciliation; .consistent when nothing).
        self.repairs = Reconciliation()
        # The service's public URL: certificates issued while it is set point there for their
        # revocation status (set_revocation_url).
        self.revocation_url: str | None = None

    # -- creating and opening ---------------------------------------------------------------------

    @classmethod
    def create(cls, directory, *, subject: Name | str, passphrase: bytes | None,
               path_length: int | None = None, days: int = DEFAULT_CA_DAYS,
               key: RSAPrivateKey | None = None, now: datetime | None = None,
               key_bits: int = 4096, progress: Callable[[str], object] | None = None
               ) -> "CertificateAuthority":
        """A new root CA in ``directory`` (created 0700); refuses an existing CA (AlreadyExists).

        The key is generated (RSA-``key_bits``, ``progress`` as for ``generate_private_key``)
        unless given, and stored encrypted with ``passphrase`` (PBES2, RFC 8018) or, with
        ``passphrase=None``, unencrypted.
        """
        directory = Path(directory)
        name = profiles.parse_subject(subject)
        if passphrase is not None and not isinstance(passphrase, bytes):
            raise TypeError("passphrase must be bytes or None")
        if passphrase == b"":
            raise InvalidValue("the passphrase must not be empty (use passphrase=None for no encryption)")
        not_before, not_after = profiles.validity(now, days=days, not_after=None, default_days=days)
        if key is not None and not isinstance(key, RSAPrivateKey):
            raise TypeError("key must be an RSAPrivateKey")
        public = key.public_key() if key is not None else _probe_key()
        profiles.root_ca_builder(public, name, not_before, not_after, path_length=path_length)
        write_new_ca(directory, check_only=True)          # refuse an existing CA before keygen
        if key is None:
            key = generate_private_key(key_bits, progress=progress)
        builder = profiles.root_ca_builder(key.public_key(), name, not_before, not_after,
                                           path_length=path_length)
        certificate = builder.with_random_serial_number().sign(key, SIGNATURE_HASH)
        inventory = write_new_ca(directory, certificate=certificate, key=key, passphrase=passphrase)
        return cls(directory, certificate, key, inventory)

    @classmethod
    def open(cls, directory, *, passphrase: bytes | None = None,
             reconcile: bool = True) -> "CertificateAuthority":
        """An existing CA. A corrupt ``ca.pem``/``ca.key``, a wrong passphrase or a key that does
        not match the certificate is an X509CoreError. An encrypted key opened without a
        passphrase stays encrypted: listing, revoking and checking work, and anything that
        signs (issuing, renewing, a CRL) raises a clear error. ``reconcile`` repairs the inventory after a crash
        (:meth:`reconcile`)."""
        directory = Path(directory)
        certificate, key = load_ca_files(directory, passphrase)
        ca = cls(directory, certificate, key, Inventory(directory))
        if reconcile:
            ca.repairs = ca.reconcile()
        return ca

    def close(self) -> None:
        self.inventory.close()

    def __enter__(self) -> "CertificateAuthority":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def key(self) -> RSAPrivateKey:
        """The CA's private key; an error if it is encrypted and no passphrase was given."""
        if self._key is None:
            raise InvalidValue(f"the CA key {self.directory / 'ca.key'} is encrypted: "
                               "open the CA with its passphrase to sign")
        return self._key

    # -- issuing ------------------------------------------------------------------------------------

    def issue_client(self, *, org: str, client_id: str, machine_id: str | None,
                     mac: str | None = None, csr: CertificateSigningRequest | None = None,
                     public_key: RSAPublicKey | None = None, not_after: datetime | None = None,
                     days: int | None = None, now: datetime | None = None, key_bits: int = 4096,
                     key_encipherment: bool = False, binding_encoding: str = "raw") -> Issued:
        """A client certificate (EKU clientAuth) for ``client_id`` of ``org``, bound to
        ``machine_id`` (and ``mac``) by the seed system's extensions."""
        not_before, end = self._validity(now, days, not_after, DEFAULT_CLIENT_DAYS)
        profiles.client_builder(self.certificate, _probe_key(), not_before, end, org=org,
                                client_id=client_id, machine_id=machine_id, mac=mac,
                                encoding=binding_encoding)      # checks every input first
        key, subject_key = self._subject_key(csr, public_key, key_bits)
        builder = profiles.client_builder(self.certificate, subject_key, not_before, end, org=org,
                                          client_id=client_id, machine_id=machine_id, mac=mac,
                                          key_encipherment=key_encipherment,
                                          encoding=binding_encoding)
        return self._issue(builder, "client", key, now)

    def issue_server(self, *, dns=(), ip=(), common_name: str | None = None,
                     org: str | None = None, also_client: bool = False,
                     csr: CertificateSigningRequest | None = None,
                     public_key: RSAPublicKey | None = None, days: int | None = None,
                     not_after: datetime | None = None, now: datetime | None = None,
                     key_bits: int = 4096) -> Issued:
        """A server certificate (EKU serverAuth, +clientAuth with ``also_client``) for the DNS
        names and IP addresses given."""
        not_before, end = self._validity(now, days, not_after, DEFAULT_SERVER_DAYS)
        options = dict(dns=dns, ip=ip, common_name=common_name, org=org, also_client=also_client)
        profiles.server_builder(self.certificate, _probe_key(), not_before, end, **options)
        key, subject_key = self._subject_key(csr, public_key, key_bits)
        builder = profiles.server_builder(self.certificate, subject_key, not_before, end, **options)
        return self._issue(builder, "server", key, now)

    def sign_csr(self, csr: CertificateSigningRequest, *, profile: str = "client", **kwargs) -> Issued:
        """Issue from a CSR after checking its signature (proof of possession, RFC 2986 §3).
        Unless given, a client's ``org``/``client_id`` come from the CSR subject's O/CN and its
        machine binding from the CSR's extensionRequest; a server's names from its SAN."""
        if not isinstance(csr, CertificateSigningRequest):
            raise TypeError("csr must be a CertificateSigningRequest")
        _verify_csr(csr)
        arguments = profiles.csr_arguments(csr, profile, kwargs)
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
        return profiles.validity(now, days=days, not_after=not_after, default_days=default_days,
                                 limit=self.certificate.not_valid_after)

    def _subject_key(self, csr, public_key, key_bits):
        """(generated private key or None, the subject public key)."""
        if csr is not None and public_key is not None:
            raise InvalidValue("give a CSR or a public key, not both")
        if csr is not None:
            if not isinstance(csr, CertificateSigningRequest):
                raise TypeError("csr must be a CertificateSigningRequest")
            _verify_csr(csr)
            return None, profiles._check_key(csr.public_key, profiles.MIN_LEAF_KEY_BITS)
        if public_key is not None:
            return None, profiles._check_key(public_key, profiles.MIN_LEAF_KEY_BITS)
        _ = self.key                                  # fail before a long key generation
        key = generate_private_key(key_bits)
        return key, key.public_key()

    def _issue(self, builder: CertificateBuilder, profile: str, private_key, now) -> Issued:
        """Sign with a fresh random serial and record it; a taken serial (another process, or a
        file left by a crash) means another serial and another signature."""
        key = self.key
        if self.revocation_url is not None:
            builder = profiles.with_revocation_pointers(builder, self.revocation_url)
        for _ in range(_SERIAL_ATTEMPTS):
            serial = random_serial_number()
            if serial == self.certificate.serial_number or serial in self.inventory:
                continue
            certificate = builder.with_serial_number(serial).sign(key, SIGNATURE_HASH)
            record = self._record_for(certificate, profile)
            try:
                self.inventory.record_issued(record, issued_at=now)
            except SerialTaken:
                continue
            return Issued(certificate, record, private_key)
        raise InvalidValue(f"no free serial number after {_SERIAL_ATTEMPTS} attempts; "
                           "run reconcile() on the CA")

    def _record_for(self, certificate: Certificate, profile: str) -> IssuedRecord:
        return record_for(self.directory, certificate, profile)

    # -- what the service (x509core serve) adds -----------------------------------------------------

    def set_revocation_url(self, url: str | None) -> None:
        """From now on, issued certificates carry CRLDistributionPoints ``<url>/crl`` and an
        authorityInfoAccess OCSP URL ``<url>/ocsp`` (RFC 5280 §4.2.1.13, §4.2.2.1); None stops
        that. ``url`` is plain ``http://`` (:func:`profiles.check_public_url` says why)."""
        self.revocation_url = None if url is None else profiles.check_public_url(url)

    def issue_ocsp_responder(self, public_key: RSAPublicKey, *, days: int,
                             now: datetime | None = None) -> Certificate:
        """A delegated OCSP responder certificate for ``public_key`` (RFC 6960 §4.2.2.2:
        id-kp-OCSPSigning, id-pkix-ocsp-nocheck), valid ``days``.

        It is not recorded in the inventory, whose profile column holds client and server
        only; the service keeps it beside its key (``x509core/service/identity.py``). Its
        serial is drawn like every other and checked against the inventory."""
        not_before, end = self._validity(now, days, None, days)
        builder = profiles.ocsp_responder_builder(self.certificate, public_key, not_before, end)
        key = self.key
        for _ in range(_SERIAL_ATTEMPTS):
            serial = random_serial_number()
            if serial != self.certificate.serial_number and serial not in self.inventory:
                return builder.with_serial_number(serial).sign(key, SIGNATURE_HASH)
        raise InvalidValue(f"no free serial number after {_SERIAL_ATTEMPTS} attempts")

    # -- revocation ---------------------------------------------------------------------------------

    def revoke(self, serial: int, reason: str = "unspecified", *,
               at: datetime | None = None) -> IssuedRecord:
        """Mark ``serial`` revoked for ``reason`` (an RFC 5280 §5.3.1 name) at ``at`` (default
        now); the next :meth:`crl` lists it."""
        if reason not in REVOCATION_REASONS:
            raise InvalidValue(f"unknown revocation reason {reason!r}; one of "
                               f"{', '.join(REVOCATION_REASONS)} (RFC 5280 §5.3.1)")
        at = (at or datetime.now(timezone.utc))
        if at.tzinfo is None:
            raise InvalidValue("at must be timezone-aware")
        return self.inventory.mark_revoked(serial, reason, at.astimezone(timezone.utc).replace(microsecond=0))

    def crl(self, *, next_update: timedelta = timedelta(days=7),
            now: datetime | None = None) -> CertificateRevocationList:
        """A signed v2 CRL of every revoked certificate (cRLNumber increasing, AKI), also
        written to ``crl.pem`` unless a newer CRL is already there."""
        if not isinstance(next_update, timedelta) or next_update <= timedelta(0):
            raise InvalidValue("next_update must be a positive timedelta")
        key = self.key
        this_update = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)
        builder = CRLBuilder().with_issuer(self.certificate.subject).with_update_times(
            this_update, this_update + next_update)
        for record in self.inventory.records(status="revoked"):
            builder = builder.with_revoked(record.serial, record.revocation_date,
                                           reason=record.revocation_reason)
        number = self.inventory.next_counter("crl_number")
        crl = builder.with_crl_number(number).sign(key, SIGNATURE_HASH)
        self._publish_crl(crl, number)
        return crl

    def _publish_crl(self, crl: CertificateRevocationList, number: int) -> None:
        """Write crl.pem unless a CRL with a higher number was published meanwhile."""
        from x509core.ca.files import FILE_MODE, atomic_write
        with self.inventory.write() as db:
            published = self.inventory_meta_int(db, "crl_published")
            if number > published:
                atomic_write(self.directory / CRL_FILE, crl.to_pem().encode("ascii"),
                             mode=FILE_MODE, overwrite=True)
                self.inventory.set_meta(db, "crl_published", str(number))

    @staticmethod
    def inventory_meta_int(db, name: str) -> int:
        row = db.execute("SELECT value FROM meta WHERE key = ?", (name,)).fetchone()
        return int(row[0]) if row else 0

    # -- consistency --------------------------------------------------------------------------------

    def reconcile(self) -> Reconciliation:
        """Repair the inventory after a crash: adopt certificates of this CA left without a row,
        restore missing files from the inventory, remove stale temporary files."""
        return self.inventory.reconcile(self._adopt)

    def check(self) -> Reconciliation:
        """The same survey as :meth:`reconcile`, changing nothing."""
        return self.inventory.check(self._adopt)

    def _adopt(self, path: Path, pem: str) -> IssuedRecord:
        certificate = load_pem_certificate(pem)
        certificate.verify_signature(self.certificate.public_key)
        if path.name != f"{serial_hex(certificate.serial_number)}.pem":
            raise InvalidValue(f"its serial {serial_hex(certificate.serial_number)} does not match its name")
        eku = certificate.extended_key_usage
        server = eku is not None and oids.OID_SERVER_AUTH in eku.key_purposes
        return record_for(self.directory, certificate, "server" if server else "client")

    def __repr__(self) -> str:
        return f"<CertificateAuthority {self.directory} {self.certificate.subject.rfc4514()!r}>"


def record_for(directory: Path, certificate: Certificate, profile: str) -> IssuedRecord:
    """The inventory record of a freshly issued ``certificate``."""
    return IssuedRecord(
        serial=certificate.serial_number, subject=certificate.subject.rfc4514(), profile=profile,
        machine_identity=certificate.machine_identity, mac_address=certificate.mac_address,
        not_before=_plain(certificate.not_valid_before), not_after=_plain(certificate.not_valid_after),
        status="valid", revocation_reason=None, revocation_date=None,
        path=directory / ISSUED_DIRECTORY / f"{serial_hex(certificate.serial_number)}.pem",
        pem=certificate.to_pem())


def _plain(moment: datetime) -> datetime:
    """A plain aware datetime (not the DER layer's UTCTime/GeneralizedTime subclass)."""
    return datetime.fromtimestamp(moment.timestamp(), timezone.utc)


def _verify_csr(csr: CertificateSigningRequest) -> None:
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
