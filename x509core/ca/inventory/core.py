"""The inventory object: one class with every operation, on top of an engine's connection."""

from __future__ import annotations

from x509core.ca.inventory.admins import AdminsMixin
from x509core.ca.inventory.audit import AuditMixin
from x509core.ca.inventory.storage.base import InventoryBase
from x509core.ca.inventory.certificates import CertificatesMixin
from x509core.ca.inventory.listing import ListingMixin
from x509core.ca.inventory.reconcile import ReconcileMixin
from x509core.ca.inventory.tokens import TokensMixin

__all__ = ["Inventory"]


class Inventory(CertificatesMixin, ListingMixin, TokensMixin, AdminsMixin, AuditMixin,
                ReconcileMixin, InventoryBase):
    """Certificates, revocations, counters, enrollment tokens, admin accounts and sessions, and
    the audit trail of one CA, in SQLite
    (:class:`~x509core.ca.inventory.storage.sqlite.SQLiteInventory`) or PostgreSQL
    (:class:`~x509core.ca.inventory.storage.postgres.PostgresInventory`). One connection, usable from
    several threads (serialised by a lock); every process opens its own."""

    def bind_ca(self, fingerprint: str) -> None:
        """Record the CA this inventory belongs to (SHA-256 of its certificate), or refuse the
        inventory of another CA: two CAs sharing one inventory would mix their serials."""
        def work(tx):
            row = tx.one("SELECT value FROM meta WHERE key = 'ca_sha256'")
            if row is None:
                self.put_meta(tx, "ca_sha256", fingerprint)
            elif row[0] != fingerprint:
                from x509core.errors import InvalidValue
                raise InvalidValue(f"the inventory {self.location} belongs to another CA "
                                   f"(certificate SHA-256 {row[0][:16]}...)")
        self.run(work)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.location}>"
