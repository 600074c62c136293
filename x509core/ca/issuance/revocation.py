"""Revocation, the part of the CertificateAuthority (``certificate_authority.py``) that says
which of its certificates no longer hold: where the certificates it issues point for their
status (the service's public URL: CRLDistributionPoints, RFC 5280 §4.2.1.13, and an
authorityInfoAccess OCSP URL, §4.2.2.1), marking a certificate revoked (the reasons of RFC
5280 §5.3.1), and signing and publishing the CRL (RFC 5280 §5).

Why a part of its own, a mixin the CertificateAuthority inherits: revocation is a
responsibility apart from issuance, with its own clauses (RFC 5280 §5, where issuance follows
§4), its own file (``crl.pem``, published through a temporary file under a lock of its own,
where issuance writes one file per serial under the shared lock) and its own rule across nodes
(cRLNumbers only increase, §5.2.3). It shares the CA's state (directory, certificate, key,
inventory, the actor of the audit trail) and calls no issuing method.

As for issuance, every input is checked before the CA key or the disk is touched, and every
state change lands in the audit trail in the same transaction
(``x509core/ca/inventory/__init__.py``), with the CA's :attr:`actor`.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from x509core.ca.authority import CRL_FILE
from x509core.ca.files import FILE_MODE
from x509core.ca.inventory import IssuedRecord, serial_hex
from x509core.ca.inventory.reconcile import node_lock
from x509core.ca.issuance import inputs
from x509core.cert.revocation.crl import CertificateRevocationList, load_pem_crl
from x509core.cert.revocation.crl_writer import WrittenCRL, write_crl
from x509core.cert.extensions.crl import REASON_NAMES
from x509core.errors import InvalidValue

__all__ = ["RevocationMixin", "REVOCATION_REASONS", "PUBLIC_URL_META"]

PUBLIC_URL_META = "public_url"            # the service's public URL, recorded for every issuer
# RFC 5280 §5.3.1 names a revocation may carry; removeFromCRL is for delta CRLs only.
REVOCATION_REASONS = tuple(name for name in REASON_NAMES.values() if name != "removeFromCRL")


class RevocationMixin:
    """The revocation methods of :class:`CertificateAuthority`, which provides the
    ``directory``, ``certificate``, ``key``, ``inventory``, ``actor`` and ``revocation_url``
    they use."""

    # -- where issued certificates point for their status (what the service adds) ----------------

    def set_revocation_url(self, url: str | None, *, record: bool = False) -> None:
        """From now on, issued certificates carry CRLDistributionPoints ``<url>/crl`` and an
        authorityInfoAccess OCSP URL ``<url>/ocsp`` (RFC 5280 §4.2.1.13, §4.2.2.1); None stops
        that. ``url`` is plain ``http://`` (:func:`inputs.check_public_url` says why).

        ``record``: also record it in the inventory (with an audit row when it changes), so
        that every later ``open()`` of this CA, on any node, issues with the same pointers:
        ``x509core serve --public-url`` records it, and ``x509core issue`` beside the running
        service then issues certificates that point to it too."""
        url = None if url is None else inputs.check_public_url(url)
        if record and url is not None and self.inventory.meta(PUBLIC_URL_META) != url:
            def work(tx):
                self.inventory.put_meta(tx, PUBLIC_URL_META, url)
                self.inventory.append_audit_in(tx, self.actor.event("public-url", detail=url))
            self.inventory.run(work)
        self.revocation_url = url

    # -- revocation ---------------------------------------------------------------------------------

    def revoke(self, serial: int, reason: str = "unspecified", *,
               at: datetime | None = None) -> IssuedRecord:
        """Mark ``serial`` revoked for ``reason`` (an RFC 5280 §5.3.1 name) at ``at`` (default
        now); the next :meth:`crl` of every node lists it, and the OCSP status says so at once."""
        if reason not in REVOCATION_REASONS:
            raise InvalidValue(f"unknown revocation reason {reason!r}; one of "
                               f"{', '.join(REVOCATION_REASONS)} (RFC 5280 §5.3.1)")
        at = (at or datetime.now(timezone.utc))
        if at.tzinfo is None:
            raise InvalidValue("at must be timezone-aware")
        return self.inventory.mark_revoked(
            serial, reason, at.astimezone(timezone.utc).replace(microsecond=0),
            audit=self.actor.event("revoke", serial_hex(serial), detail=reason))

    def publish_crl(self, *, next_update: timedelta = timedelta(days=7),
                    now: datetime | None = None) -> WrittenCRL:
        """Sign a v2 CRL of every revoked certificate and write it to ``crl.pem``, in bounded
        memory (:mod:`x509core.cert.revocation.crl_writer`); what was written.

        The cRLNumber is taken and the revocations are read in one transaction, under the
        counter's row lock (RFC 5280 §5.2.3: numbers increase), so across nodes a higher number
        never lists fewer revocations. The file is signed into a temporary file during that
        transaction and put in place after it commits: a number is never published twice (a
        crash between the two only leaves a gap). Within one CA directory, publishers take
        turns (a lock file), so ``crl.pem`` only ever moves to a higher number."""
        if not isinstance(next_update, timedelta) or next_update <= timedelta(0):
            raise InvalidValue("next_update must be a positive timedelta")
        key = self.key
        this_update = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)
        target = self.directory / CRL_FILE
        with node_lock(self.directory, exclusive=True, name=".x509core-crl.lock"):
            temporary = _Temporary(target)
            try:
                def work(tx):
                    number = self.inventory.take_counter(tx, "crl_number")
                    with temporary.open() as out:
                        written = write_crl(out, issuer=self.certificate.subject, issuer_key=key,
                                            this_update=this_update,
                                            next_update=this_update + next_update,
                                            crl_number=number,
                                            entries=self.inventory.revoked_entries(tx),
                                            spool_directory=self.directory)
                    self.inventory.append_audit_in(tx, self.actor.event(
                        "crl", str(number), detail=f"{written.entries} revoked"))
                    return written
                written = self.inventory.run(work)
                temporary.publish()
            finally:
                temporary.discard()
        return written

    def crl(self, *, next_update: timedelta = timedelta(days=7),
            now: datetime | None = None) -> CertificateRevocationList:
        """:meth:`publish_crl`, then the CRL read back (for small CAs and tests; a CA with very
        many revocations should use ``publish_crl`` and leave the file on disk)."""
        self.publish_crl(next_update=next_update, now=now)
        return load_pem_crl((self.directory / CRL_FILE).read_bytes())


class _Temporary:
    """A new file beside ``target``, named as atomic_write names its temporary files (so the
    repair on open removes it after a crash), moved over ``target`` when published."""

    def __init__(self, target: Path):
        self.target, self.path = target, None

    def open(self):
        import os
        import tempfile
        self.discard()
        fd, name = tempfile.mkstemp(prefix=f".{self.target.name}.", suffix=".tmp",
                                    dir=self.target.parent)
        self.path = Path(name)
        return os.fdopen(fd, "wb")

    def publish(self) -> None:
        import os
        from x509core.ca.files import fsync_directory
        with open(self.path, "rb") as stream:
            os.fsync(stream.fileno())
        os.chmod(self.path, FILE_MODE)
        os.replace(self.path, self.target)
        self.path = None
        fsync_directory(self.target.parent)

    def discard(self) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)
            self.path = None
