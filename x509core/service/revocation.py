"""What the service knows of revocation: whether the inventory changed, and the current CRL.

Revocations are made by any process on the CA directory (``x509core revoke`` today, the admin
pages and other nodes later), so the service watches the inventory rather than waiting to be
told. :meth:`RevocationStatus.poll` reads the inventory's revision counter (one indexed query;
every committed state change, on any node, moves it) and counts changes in ``generation``; the
OCSP responder tags each cached answer with the generation it was made in and drops it when
the generation moves, so a revocation is visible to the next OCSP request, cache or not.

The CRL (RFC 5280 §5) is re-signed when the set of revoked certificates differs from the one it
lists (checked whenever the generation moves: on every ``/crl`` request and every
``WATCH_INTERVAL`` seconds) and, at the latest, ``CRL_VALIDITY - CRL_RESIGN_BEFORE`` after its
thisUpdate, long before its nextUpdate. Signing also writes ``crl.pem`` and takes the next
cRLNumber, exactly as ``x509core crl`` does.
"""

from __future__ import annotations

import threading
from datetime import datetime, timezone

from x509core.ca.issuance.certificate_authority import CertificateAuthority
from x509core.cert.revocation.crl import CertificateRevocationList
from x509core.service import authority, limits

__all__ = ["RevocationStatus"]


class RevocationStatus:
    """The inventory's change counter and the CRL that goes with it."""

    def __init__(self, ca: CertificateAuthority) -> None:
        self.ca = ca
        self.generation = 0
        self.crl: CertificateRevocationList | None = None
        self._version: int | None = None
        self._entries = None
        self._crl_generation = -1
        self._lock = threading.Lock()                  # refresh() runs in worker threads

    def poll(self) -> int:
        """The current generation, moved on if the inventory changed since the last poll."""
        version = authority.inventory_version(self.ca)
        if version != self._version:
            self._version = version
            self.generation += 1
        return self.generation

    def note_change(self) -> None:
        """This process changed the inventory itself (which ``poll`` cannot see)."""
        self.generation += 1

    def crl_due(self, now: datetime | None = None) -> bool:
        """Whether :meth:`refresh` has work: a change not yet looked at, or an ageing CRL."""
        if self.crl is None or self._crl_generation != self.generation:
            return True
        now = now or datetime.now(timezone.utc)
        return now - self.crl.this_update >= limits.CRL_VALIDITY - limits.CRL_RESIGN_BEFORE

    def refresh(self, now: datetime | None = None) -> bool:
        """Re-sign the CRL if the revoked set changed or it is ageing (blocking: an RSA
        signature and a file write; run it in a worker thread). Whether a CRL was signed."""
        with self._lock:
            generation = self.generation
            if not self.crl_due(now):
                return False
            entries = authority.revoked_entries(self.ca)
            ageing = self.crl is not None and self._crl_generation == generation
            if entries == self._entries and self.crl is not None and not ageing:
                self._crl_generation = generation
                return False
            before = authority.inventory_version(self.ca)
            self.crl = authority.sign_crl(self.ca, limits.CRL_VALIDITY)
            after = authority.inventory_version(self.ca)
            if before == self._version and after == before + 1:
                self._version = after           # the one change was this CRL: caches stay good
            self._entries, self._crl_generation = entries, generation
            return True
