"""The certificate authority: :class:`CertificateAuthority`, a CA directory opened for use.
This module holds creating a CA and opening one (its files, ``x509core/ca/authority.py``; its
inventory, ``x509core/ca/inventory/``), who acts in the audit trail (:meth:`acting_as`), the CA
key, and the repair of what a crash left (:meth:`reconcile`, :meth:`check`).

The class is one, in three parts, each a responsibility of its own: this module (the CA
directory and its consistency), issuing (``issuing.py``: the profiles, CSRs, renewal, the
serial reservation) and revocation (``revocation.py``: revoking, CRLs, where certificates
point for their status). The other two are mixins that this class inherits; each uses the
state this class sets up and nothing of the other, so each can be read alone.

Every operation checks its inputs before it touches the CA key or the disk, so a bad input
(an impossible date, a malformed or forged CSR, an unknown serial) raises an
:class:`~x509core.errors.X509CoreError` and leaves the CA as it was. The inventory, and the
issuance protocol that never signs a certificate without its row (reserve, sign, write the
file, complete), are described in ``x509core/ca/inventory/__init__.py``; every state change
lands in the audit trail in the same transaction, with the CA's :attr:`actor`.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Callable

from x509core.ca.issuance import inputs, profiles
from x509core.ca.issuance.issuing import SIGNATURE_HASH, IssuanceMixin, _probe_key
from x509core.ca.issuance.revocation import PUBLIC_URL_META, RevocationMixin
from x509core.ca.authority import load_ca_files, write_new_ca
from x509core.ca.inventory import (ISSUED_DIRECTORY, Inventory, IssuedRecord, Reconciliation,
                                   open_inventory, serial_hex)
from x509core.ca.inventory.records import Actor
from x509core.cert import oids
from x509core.cert.certificate import Certificate, load_pem_certificate
from x509core.cert.names.name import Name
from x509core.errors import InvalidValue
from x509core.rsa.key import RSAPrivateKey
from x509core.rsa.keygen import generate_private_key

__all__ = ["CertificateAuthority"]

DEFAULT_CA_DAYS = 3650


class CertificateAuthority(IssuanceMixin, RevocationMixin):
    """A CA directory opened for use; make one with :meth:`create` or :meth:`open`."""

    def __init__(self, directory: Path, certificate: Certificate, key: RSAPrivateKey | None,
                 inventory: Inventory):
        self.directory = directory
        self.certificate = certificate
        self.inventory = inventory
        self._key = key
        # What open() repaired after a crash (a Reconciliation; .consistent when nothing).
        self.repairs = Reconciliation()
        # Who acts, for the audit trail: the command line unless a service says otherwise;
        # one thread may act for someone else for a while (acting_as).
        self._acting = threading.local()
        self.actor = Actor("cli", "cli")
        # The service's public URL: certificates issued while it is set point there for their
        # revocation status (set_revocation_url; recorded in the inventory, read by open()).
        self.revocation_url: str | None = None

    # -- creating and opening ---------------------------------------------------------------------

    @classmethod
    def create(cls, directory, *, subject: Name | str, passphrase: bytes | None,
               path_length: int | None = None, days: int = DEFAULT_CA_DAYS,
               key: RSAPrivateKey | None = None, now: datetime | None = None,
               key_bits: int = 4096, progress: Callable[[str], object] | None = None,
               inventory: str | None = None) -> "CertificateAuthority":
        """A new root CA in ``directory`` (created 0700 with missing parents; an existing
        directory must be empty and keeps its mode); refuses an existing CA (AlreadyExists).
        ``inventory``: None for SQLite in the directory, or a PostgreSQL URL (recorded).

        The key is generated (RSA-``key_bits``, ``progress`` as for ``generate_private_key``)
        unless given, and stored encrypted with ``passphrase`` (PBES2, RFC 8018) or, with
        ``passphrase=None``, unencrypted.
        """
        directory = Path(directory)
        name = inputs.parse_subject(subject)
        if passphrase is not None and not isinstance(passphrase, bytes):
            raise TypeError("passphrase must be bytes or None")
        if passphrase == b"":
            raise InvalidValue("the passphrase must not be empty (use passphrase=None for no encryption)")
        not_before, not_after = inputs.validity(now, days=days, not_after=None, default_days=days)
        if key is not None and not isinstance(key, RSAPrivateKey):
            raise TypeError("key must be an RSAPrivateKey")
        public = key.public_key() if key is not None else _probe_key()
        profiles.root_ca_builder(public, name, not_before, not_after, path_length=path_length)
        write_new_ca(directory, check_only=True, inventory=inventory)   # refused before keygen
        if key is None:
            key = generate_private_key(key_bits, progress=progress)
        builder = profiles.root_ca_builder(key.public_key(), name, not_before, not_after,
                                           path_length=path_length)
        certificate = builder.with_random_serial_number().sign(key, SIGNATURE_HASH)
        store = write_new_ca(directory, certificate=certificate, key=key, passphrase=passphrase,
                             inventory=inventory)
        return cls(directory, certificate, key, store)

    @classmethod
    def open(cls, directory, *, passphrase: bytes | None = None, reconcile: bool = True,
             inventory: str | None = None, retry_seconds: float | None = None
             ) -> "CertificateAuthority":
        """An existing CA. A corrupt ``ca.pem``/``ca.key``, a wrong passphrase or a key that does
        not match the certificate is an X509CoreError. An encrypted key opened without a
        passphrase stays encrypted: listing, revoking and checking work, and anything that
        signs (issuing, renewing, a CRL) raises a clear error. ``reconcile`` repairs what a
        crash left (:meth:`reconcile`). ``inventory``: a PostgreSQL URL, else the one recorded
        in the directory, else its SQLite file (``x509core/ca/inventory/__init__.py``)."""
        directory = Path(directory)
        certificate, key = load_ca_files(directory, passphrase)
        options = {} if retry_seconds is None else {"retry_seconds": retry_seconds}
        store = open_inventory(directory, inventory, **options)
        try:
            if not (directory / ISSUED_DIRECTORY).is_dir():   # a new node of a shared inventory
                from x509core.ca.files import make_private_directory
                make_private_directory(directory / ISSUED_DIRECTORY)
            store.bind_ca(certificate.fingerprint("sha256").hex())
            ca = cls(directory, certificate, key, store)
            ca.revocation_url = store.meta(PUBLIC_URL_META)
            if reconcile:
                ca.repairs = ca.reconcile()
        except BaseException:
            store.close()
            raise
        return ca

    def close(self) -> None:
        self.inventory.close()

    def __enter__(self) -> "CertificateAuthority":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def actor(self) -> Actor:
        """Who the audit rows of this thread's changes name (:meth:`acting_as`)."""
        acting = getattr(self._acting, "state", None)
        return acting[0] if acting is not None else self._actor

    @actor.setter
    def actor(self, value: Actor) -> None:
        self._actor = value

    @contextmanager
    def acting_as(self, actor: Actor, *, action: str = "issue", spend=None):
        """In this thread, until the block ends: audit rows name ``actor``, an issuance is
        recorded as ``action`` (enroll, reenroll, register), and ``spend(tx)`` runs in the
        transaction that reserves each certificate's serial, so an enrollment token's use and
        the reservation commit together or not at all (``x509core/ca/tokens.py``). One CA
        object serves a service's worker threads at once; each thread acts for its request."""
        if getattr(self._acting, "state", None) is not None:
            raise RuntimeError("acting_as does not nest")
        self._acting.state = (actor, action, spend)
        try:
            yield self
        finally:
            self._acting.state = None

    def _issuance(self) -> tuple[str, Callable | None]:
        acting = getattr(self._acting, "state", None)
        return ("issue", None) if acting is None else (acting[1], acting[2])

    @property
    def key(self) -> RSAPrivateKey:
        """The CA's private key; an error if it is encrypted and no passphrase was given."""
        if self._key is None:
            raise InvalidValue(f"the CA key {self.directory / 'ca.key'} is encrypted: "
                               "open the CA with its passphrase to sign")
        return self._key

    # -- consistency --------------------------------------------------------------------------------

    def reconcile(self) -> Reconciliation:
        """Repair what a crash left on this node: open reservations recorded or closed, files
        of rows issued since this node last caught up written, stale temporary files removed."""
        return self.inventory.reconcile(self._adopt)

    def check(self) -> Reconciliation:
        """Compare every row with every file, changing nothing."""
        return self.inventory.check(self._adopt)

    def repair(self) -> Reconciliation:
        """:meth:`check`, and repair what a file can be rebuilt from: every missing file
        written from its row, open reservations of this node closed or recorded, stale
        temporary files removed. A file that differs from its row, or has no row, is only
        reported (``problems``): which of the two is right needs a person."""
        return self.inventory.reconcile(self._adopt, full=True)

    def _adopt(self, path: Path, pem: str) -> IssuedRecord:
        """A file left by a crash completes its reservation only if it is this CA's
        certificate for that serial."""
        certificate = load_pem_certificate(pem)
        certificate.verify_signature(self.certificate.public_key)
        if path.name != f"{serial_hex(certificate.serial_number)}.pem":
            raise InvalidValue(f"its serial {serial_hex(certificate.serial_number)} does not match its name")
        purposes = () if certificate.extended_key_usage is None else \
            certificate.extended_key_usage.key_purposes
        profile = ("ocsp" if oids.OID_OCSP_SIGNING in purposes else
                   "server" if oids.OID_SERVER_AUTH in purposes else "client")
        return record_for(self.directory, certificate, profile)

    def __repr__(self) -> str:
        return f"<CertificateAuthority {self.directory} {self.certificate.subject.rfc4514()!r}>"


def record_for(directory: Path, certificate: Certificate, profile: str) -> IssuedRecord:
    """The inventory record of a freshly issued ``certificate``."""
    from x509core.ca.inventory.fields import certificate_fields
    fields = certificate_fields(certificate)
    return IssuedRecord(
        profile=profile, status="valid", revocation_reason=None, revocation_date=None,
        path=directory / ISSUED_DIRECTORY / f"{serial_hex(certificate.serial_number)}.pem",
        pem=certificate.to_pem(), **fields)
