"""Certificate rows: reserve a serial before signing, complete the row after, revoke, read one.

The issuance protocol (the auditor's summary is in the package docstring):

1. :meth:`reserve` inserts the row with status ``reserved``: serial (UNIQUE across every node),
   subject, names, validity, and the node that reserved it. Nothing is signed yet; a taken
   serial raises :class:`SerialTaken` and the issuer draws another.
2. The CA signs, and writes ``issued/<SERIAL>.pem`` atomically.
3. :meth:`complete` stores the PEM and sets status ``valid``. Only then is the certificate
   returned to the caller.

So every certificate the CA key signs has a row from before the signature, and every
certificate reported as issued has its PEM in the inventory.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from x509core.ca.inventory.fields import search_key
from x509core.ca.inventory.records import (BINDINGS, CERTIFICATE_PROFILES, AuditEvent,
                                           IssuedRecord, SerialTaken, parse_time, serial_hex,
                                           time_text)
from x509core.errors import InvalidValue

__all__ = ["CertificatesMixin", "COLUMNS", "record_from_row"]

COLUMNS = ("serial", "subject", "profile", "machine_identity", "mac_address", "not_before",
           "not_after", "status", "revocation_reason", "revocation_date", "path", "pem",
           "common_name", "organization", "binding", "dns_names", "ip_addresses",
           "key_algorithm", "issued_at", "node")
SELECT = f"SELECT {', '.join(COLUMNS)} FROM certificates"


def record_from_row(directory: Path, row) -> IssuedRecord:
    v = dict(zip(COLUMNS, row, strict=True))
    return IssuedRecord(
        serial=int(v["serial"], 16), subject=v["subject"], profile=v["profile"],
        machine_identity=v["machine_identity"], mac_address=v["mac_address"],
        not_before=parse_time(v["not_before"]), not_after=parse_time(v["not_after"]),
        status=v["status"], revocation_reason=v["revocation_reason"],
        revocation_date=parse_time(v["revocation_date"]), path=directory / v["path"],
        pem=v["pem"], common_name=v["common_name"], organization=v["organization"],
        binding=v["binding"], dns_names=tuple(json.loads(v["dns_names"])),
        ip_addresses=tuple(json.loads(v["ip_addresses"])), key_algorithm=v["key_algorithm"],
        issued_at=parse_time(v["issued_at"]), node=v["node"])


class CertificatesMixin:
    """Writing and reading certificate rows (used by :class:`CertificateAuthority`)."""

    # -- issuance -----------------------------------------------------------------------------

    def reserve(self, record: IssuedRecord, *, at: datetime | None = None,
                also=None) -> None:
        """Step 1: insert ``record`` (its ``pem`` None) as reserved by this node. ``also(tx)``,
        if given, runs in the same transaction after the insert: what must be committed with
        the reservation or not at all (an enrollment token's use, ``x509core/ca/tokens.py``);
        if it raises, nothing is reserved and nothing will be signed."""
        if record.profile not in CERTIFICATE_PROFILES or record.binding not in BINDINGS:
            raise InvalidValue(f"profile {record.profile!r} / binding {record.binding!r} unknown")
        values = self._row_values(record, "reserved", time_text(at or _now()), None)

        def work(tx):
            try:
                self.insert_row(tx, values, record)
            except self.integrity_errors:
                raise SerialTaken(f"serial {serial_hex(record.serial)} is already in the "
                                  "inventory") from None
            if also is not None:
                also(tx)
        self.run(work)

    def _row_values(self, record: IssuedRecord, status: str, reserved_at: str,
                    issued_at: str | None) -> dict:
        return {
            "serial": serial_hex(record.serial), "status": status, "profile": record.profile,
            "subject": record.subject, "common_name": record.common_name,
            "organization": record.organization, "cn_key": search_key(record.common_name),
            "org_key": search_key(record.organization),
            "machine_identity": record.machine_identity, "mac_address": record.mac_address,
            "binding": record.binding, "dns_names": json.dumps(list(record.dns_names)),
            "ip_addresses": json.dumps(list(record.ip_addresses)),
            "key_algorithm": record.key_algorithm,
            "not_before": time_text(record.not_before), "not_after": time_text(record.not_after),
            "revocation_reason": record.revocation_reason,
            "revocation_date": (None if record.revocation_date is None
                                else time_text(record.revocation_date)),
            "path": record.path.relative_to(self.directory).as_posix(),
            "pem": record.pem, "node": self.node, "reserved_at": reserved_at,
            "issued_at": issued_at,
        }

    @staticmethod
    def insert_row(tx, values: dict, record: IssuedRecord) -> None:
        """Insert one certificate row and its searchable names."""
        tx.execute(f"INSERT INTO certificates ({', '.join(values)}) "
                   f"VALUES ({', '.join('?' * len(values))})", tuple(values.values()))
        names = {("dns", name.lower()) for name in record.dns_names}
        names |= {("ip", address) for address in record.ip_addresses}
        for kind, value in sorted(names):
            tx.execute("INSERT INTO certificate_names (serial, kind, value) VALUES (?, ?, ?)",
                       (values["serial"], kind, value))

    def complete(self, serial: int, pem: str, *, audit: AuditEvent | None = None,
                 at: datetime | None = None) -> IssuedRecord:
        """Step 3: store the signed certificate of a reservation; its record. Run twice (a retry
        after a lost COMMIT), it finds its own work and returns the same record."""
        key, when = serial_hex(serial), time_text(at or _now())

        def work(tx):
            updated = tx.execute("UPDATE certificates SET status = 'valid', pem = ?, issued_at = ? "
                                 "WHERE serial = ? AND status = 'reserved'", (pem, when, key))
            if updated.rowcount != 1:
                row = tx.one("SELECT status, pem FROM certificates WHERE serial = ?", (key,))
                if row is None or row[1] != pem:
                    state = "missing" if row is None else row[0]
                    raise InvalidValue(f"the reservation of serial {key} is {state}: the "
                                       "certificate was not recorded")
            if audit is not None:
                self.append_audit_in(tx, audit)
            return record_from_row(self.directory, tx.one(f"{SELECT} WHERE serial = ?", (key,)))
        return self.run(work)

    def abandon(self, serial: int) -> None:
        """Close a reservation whose certificate was never handed out (signing failed)."""
        self.run(lambda tx: tx.execute("UPDATE certificates SET status = 'abandoned' "
                                       "WHERE serial = ? AND status = 'reserved'",
                                       (serial_hex(serial),)))

    # -- revocation ------------------------------------------------------------------------------

    def mark_revoked(self, serial: int, reason: str, at: datetime, *,
                     audit: AuditEvent | None = None) -> IssuedRecord:
        """Set the row's status to revoked (RFC 5280 §5.3.1 ``reason``); refuses an unknown or
        already revoked serial (a retry of this very revocation is accepted)."""
        key, when = serial_hex(serial), time_text(at)

        def work(tx):
            row = tx.one("SELECT status, revocation_reason, revocation_date FROM certificates "
                         "WHERE serial = ?", (key,))
            if row is None or row[0] in ("reserved", "abandoned"):
                raise InvalidValue(f"unknown serial {key} (not in {self.location})")
            if row[0] == "revoked":
                if (row[1], row[2]) == (reason, when):
                    return self._get(tx, key)
                raise InvalidValue(f"serial {key} is already revoked")
            tx.execute("UPDATE certificates SET status = 'revoked', revocation_reason = ?, "
                       "revocation_date = ? WHERE serial = ? AND status = 'valid'",
                       (reason, when, key))
            if audit is not None:
                self.append_audit_in(tx, audit)
            return self._get(tx, key)
        return self.run(work)

    # -- reading one -----------------------------------------------------------------------------

    def _get(self, tx, key: str) -> IssuedRecord | None:
        row = tx.one(f"{SELECT} WHERE serial = ?", (key,))
        return None if row is None else record_from_row(self.directory, row)

    def get(self, serial: int) -> IssuedRecord:
        """The record of ``serial``; ``InvalidValue("unknown serial ...")`` when there is none
        (an open or abandoned reservation is no certificate)."""
        key = serial_hex(serial)
        record = self.run(lambda tx: self._get(tx, key), write=False)
        if record is None or record.status in ("reserved", "abandoned"):
            raise InvalidValue(f"unknown serial {key} (not in {self.location})")
        return record

    def certificate_status(self, serial: int) -> tuple[str, datetime | None, str | None] | None:
        """(status, revocation time, RFC 5280 §5.3.1 reason) for OCSP (RFC 6960 §2.2), in one
        indexed query; None for a serial this CA never issued. Status is valid or revoked (an
        expired certificate keeps its stored status)."""
        rows = self.query("SELECT status, revocation_date, revocation_reason FROM certificates "
                          "WHERE serial = ? AND status IN ('valid', 'revoked')",
                          (serial_hex(serial),))
        if not rows:
            return None
        status, date, reason = rows[0]
        return status, parse_time(date), reason

    def __contains__(self, serial: int) -> bool:
        """Whether ``serial`` is taken (issued, or reserved: never to be drawn again)."""
        return bool(self.query("SELECT 1 FROM certificates WHERE serial = ?",
                               (serial_hex(serial),)))

    def __len__(self) -> int:
        """The number of certificates issued (valid or revoked, expired or not)."""
        return self.query("SELECT COUNT(*) FROM certificates "
                          "WHERE status IN ('valid', 'revoked')")[0][0]


def _now() -> datetime:
    return datetime.now(timezone.utc)
