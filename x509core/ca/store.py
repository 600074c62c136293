"""The CA's inventory: every certificate it issued, in SQLite (stdlib), beside the PEM files.

Layout of a CA directory (mode 0700)::

    ca.pem               the CA certificate (written last by ``create``: its presence marks a CA)
    ca.key               the CA key, encrypted PKCS#8 unless created without a passphrase (0600)
    inventory.sqlite3    this inventory (WAL journal, synchronous=FULL)
    issued/<SERIAL>.pem  each issued certificate; SERIAL is upper-case hex, an even number of digits
    crl.pem              the latest CRL

Crash consistency. The invariant, checked by :meth:`Inventory.check`:

    every inventory row has its file ``issued/<SERIAL>.pem`` holding exactly the row's PEM.

An issuance (:meth:`Inventory.record_issued`) takes SQLite's write lock (``BEGIN IMMEDIATE``),
writes the file atomically (:func:`atomic_write`: temp, fsync, link, fsync directory), inserts
the row, and commits. Killed at any instant, it leaves one of three states: nothing (the lock is
released by the kernel), a complete file without a row (killed after the file, before the
commit), or file and row. The second is the only inconsistency, and is repaired by
:meth:`Inventory.reconcile` (run by ``CertificateAuthority.open``) under the same lock, which
therefore never races a live issuance: such a file is adopted into the inventory if it is a
certificate of this CA (its signature verifies and its name matches its serial), and stale
temporary files are removed. A row whose file has gone missing is restored from the PEM in the
row; a file that differs from its row is reported, never overwritten.

Serial numbers are unique by the table's PRIMARY KEY (across processes); a taken serial raises
:class:`SerialTaken` and the issuer signs again with a fresh random serial.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from x509core.ca.files import (FILE_MODE, KEY_MODE, AlreadyExists, atomic_write,
                               is_temporary_name, make_private_directory, reconcile_inventory)
from x509core.errors import InvalidValue, X509CoreError

__all__ = ["AlreadyExists", "atomic_write", "make_private_directory", "Inventory", "IssuedRecord",
           "SerialTaken", "Reconciliation", "serial_hex", "PROFILES", "STATUSES",
           "INVENTORY_FILENAME", "ISSUED_DIRECTORY", "temporary_files"]

INVENTORY_FILENAME = "inventory.sqlite3"
ISSUED_DIRECTORY = "issued"
PROFILES = ("client", "server")
STATUSES = ("valid", "revoked")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS certificates (
    serial            TEXT PRIMARY KEY,          -- upper-case hex: serials exceed SQLite's 64 bits
    subject           TEXT NOT NULL,             -- RFC 4514
    profile           TEXT NOT NULL CHECK (profile IN ('client', 'server')),
    machine_identity  TEXT,
    mac_address       TEXT,
    not_before        TEXT NOT NULL,             -- YYYY-MM-DDTHH:MM:SSZ, sorts as time
    not_after         TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'valid' CHECK (status IN ('valid', 'revoked')),
    revocation_reason TEXT,
    revocation_date   TEXT,
    path              TEXT NOT NULL,             -- relative to the CA directory
    pem               TEXT NOT NULL,
    issued_at         TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS certificates_not_after ON certificates (not_after);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
_COLUMNS = ("serial", "subject", "profile", "machine_identity", "mac_address", "not_before",
            "not_after", "status", "revocation_reason", "revocation_date", "path", "pem")


class SerialTaken(X509CoreError):
    """The serial number is already in the inventory (or its file exists); draw another."""


def serial_hex(serial: int) -> str:
    """The serial as the file name stem: upper-case hex with an even number of digits."""
    if not isinstance(serial, int) or isinstance(serial, bool):
        raise TypeError("serial must be an int")
    if serial <= 0:
        raise InvalidValue(f"serial numbers are positive (RFC 5280 §4.1.2.2), not {serial}")
    text = f"{serial:X}"
    return text if len(text) % 2 == 0 else "0" + text


def _time_text(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(text: str | None) -> datetime | None:
    if text is None:
        return None
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class IssuedRecord:
    """One inventory row: a certificate the CA issued and what became of it."""

    serial: int
    subject: str                       # RFC 4514
    profile: str                       # "client" | "server"
    machine_identity: str | None
    mac_address: str | None
    not_before: datetime
    not_after: datetime
    status: str                        # "valid" | "revoked" (expiry is not a status: compare not_after)
    revocation_reason: str | None      # RFC 5280 §5.3.1 name
    revocation_date: datetime | None
    path: Path                         # the PEM file issued/<SERIAL>.pem
    pem: str

    @property
    def serial_hex(self) -> str:
        return serial_hex(self.serial)

    def is_expired(self, at: datetime | None = None) -> bool:
        return self.not_after <= (at or datetime.now(timezone.utc))


@dataclass(frozen=True)
class Reconciliation:
    """What :meth:`Inventory.reconcile` found (and, unless it was a dry run, repaired)."""

    adopted: tuple[int, ...] = ()          # files of this CA that had no row: rows added
    restored: tuple[int, ...] = ()         # rows whose file was missing: file rewritten from the row
    removed_temporary: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()         # left alone: needs a person

    @property
    def consistent(self) -> bool:
        return not (self.adopted or self.restored or self.removed_temporary or self.problems)


class Inventory:
    """The SQLite inventory of one CA directory. One connection, usable from several threads
    (serialised by a lock); every process opens its own."""

    def __init__(self, directory: str | Path, *, create: bool = False, timeout: float = 120.0):
        self.directory = Path(directory)
        self.path = self.directory / INVENTORY_FILENAME
        self.issued_directory = self.directory / ISSUED_DIRECTORY
        if not create and not self.path.is_file():
            raise InvalidValue(f"{self.path} is missing: not a CA directory, or an incomplete one")
        if create:
            if self.path.exists():
                raise AlreadyExists(f"{self.path} already exists; not overwriting it")
            make_private_directory(self.issued_directory)
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None,
                                       check_same_thread=False)
            # WAL lets readers run beside the one writer; synchronous=FULL makes each commit
            # durable before it returns (the crash-consistency argument needs that).
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            if create:
                with self.write() as db:
                    for statement in _SCHEMA.split(";"):
                        if statement.strip():
                            db.execute(statement)
            self._check_schema()
        except sqlite3.DatabaseError as exc:
            raise InvalidValue(f"{self.path} is not a usable inventory: {exc}") from None
        if create:
            self.path.chmod(KEY_MODE)

    def _check_schema(self) -> None:
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(certificates)")}
        if not set(_COLUMNS) <= columns:
            raise InvalidValue(f"{self.path} is not an x509core inventory (no certificates table)")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- transactions ---------------------------------------------------------------------------

    @contextmanager
    def write(self):
        """A write transaction holding SQLite's write lock (``BEGIN IMMEDIATE``) from the start,
        so a read-check-write inside it cannot race another process; rolled back on error."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- reading --------------------------------------------------------------------------------

    def _record(self, row) -> IssuedRecord:
        values = dict(zip(_COLUMNS, row, strict=True))
        return IssuedRecord(
            serial=int(values["serial"], 16), subject=values["subject"], profile=values["profile"],
            machine_identity=values["machine_identity"], mac_address=values["mac_address"],
            not_before=_parse_time(values["not_before"]), not_after=_parse_time(values["not_after"]),
            status=values["status"], revocation_reason=values["revocation_reason"],
            revocation_date=_parse_time(values["revocation_date"]),
            path=self.directory / values["path"], pem=values["pem"])

    def get(self, serial: int) -> IssuedRecord:
        """The record of ``serial``; ``InvalidValue("unknown serial ...")`` when there is none."""
        key = serial_hex(serial)
        with self._lock:
            row = self._db.execute(f"SELECT {', '.join(_COLUMNS)} FROM certificates WHERE serial = ?",
                                   (key,)).fetchone()
        if row is None:
            raise InvalidValue(f"unknown serial {key} (not in {self.path.name})")
        return self._record(row)

    def __contains__(self, serial: int) -> bool:
        with self._lock:
            return self._db.execute("SELECT 1 FROM certificates WHERE serial = ?",
                                    (serial_hex(serial),)).fetchone() is not None

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM certificates").fetchone()[0]

    def records(self, *, status: str | None = None, expiring_within: timedelta | None = None,
                at: datetime | None = None) -> list[IssuedRecord]:
        """Records in issuance order. ``status``: "valid" or "revoked" (the stored status), or
        "expired" (stored as valid, notAfter at or before ``at``). ``expiring_within``: not
        revoked, not yet expired at ``at`` (default now), notAfter within the given time."""
        if at is not None and at.tzinfo is None:
            raise InvalidValue("at must be timezone-aware")
        at = (at or datetime.now(timezone.utc)).astimezone(timezone.utc)
        where, args = [], []
        if status is not None:
            if status not in (*STATUSES, "expired"):
                raise InvalidValue(f"status must be valid, revoked or expired, not {status!r}")
            where.append("status = ?")
            args.append("valid" if status == "expired" else status)
            if status == "expired":
                where.append("not_after <= ?")
                args.append(_time_text(at))
        if expiring_within is not None:
            if not isinstance(expiring_within, timedelta):
                raise TypeError("expiring_within must be a timedelta")
            where.append("status = 'valid' AND not_after > ? AND not_after <= ?")
            args += [_time_text(at), _time_text(at + expiring_within)]
        sql = f"SELECT {', '.join(_COLUMNS)} FROM certificates"
        if where:
            sql += " WHERE " + " AND ".join(where)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY rowid", args).fetchall()
        return [self._record(row) for row in rows]

    # -- writing --------------------------------------------------------------------------------

    def record_issued(self, record: IssuedRecord, *, issued_at: datetime | None = None) -> IssuedRecord:
        """Write the certificate's file and insert its row, atomically with respect to every
        other process (see the module docstring); :class:`SerialTaken` if the serial is used."""
        relative = record.path.relative_to(self.directory).as_posix()
        issued_at = issued_at or datetime.now(timezone.utc)
        with self.write() as db:
            key = serial_hex(record.serial)
            if db.execute("SELECT 1 FROM certificates WHERE serial = ?", (key,)).fetchone():
                raise SerialTaken(f"serial {key} is already in the inventory")
            try:
                atomic_write(record.path, record.pem.encode("ascii"), mode=FILE_MODE)
            except AlreadyExists:
                # A file without a row: left by a crashed issuance. reconcile() adopts it.
                raise SerialTaken(f"{record.path} exists without an inventory row") from None
            db.execute(f"INSERT INTO certificates ({', '.join(_COLUMNS)}, issued_at) "
                       f"VALUES ({', '.join('?' * (len(_COLUMNS) + 1))})",
                       (*self._row(record, relative), _time_text(issued_at)))
        return record

    @staticmethod
    def _row(record: IssuedRecord, relative: str) -> tuple:
        return (serial_hex(record.serial), record.subject, record.profile, record.machine_identity,
                record.mac_address, _time_text(record.not_before), _time_text(record.not_after),
                record.status, record.revocation_reason,
                None if record.revocation_date is None else _time_text(record.revocation_date),
                relative, record.pem)

    def mark_revoked(self, serial: int, reason: str, at: datetime) -> IssuedRecord:
        """Set the row's status to revoked (RFC 5280 §5.3.1 ``reason``); refuses an unknown or
        already revoked serial."""
        key = serial_hex(serial)
        with self.write() as db:
            row = db.execute("SELECT status FROM certificates WHERE serial = ?", (key,)).fetchone()
            if row is None:
                raise InvalidValue(f"unknown serial {key} (not in {self.path.name})")
            if row[0] == "revoked":
                raise InvalidValue(f"serial {key} is already revoked")
            db.execute("UPDATE certificates SET status = 'revoked', revocation_reason = ?, "
                       "revocation_date = ? WHERE serial = ?", (reason, _time_text(at), key))
        return self.get(serial)

    def next_counter(self, name: str) -> int:
        """Increment and return the persistent counter ``name`` (1 the first time); used for
        cRLNumber, which RFC 5280 §5.2.3 requires to increase monotonically."""
        with self.write() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (name,)).fetchone()
            value = (int(row[0]) if row else 0) + 1
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (name, str(value)))
        return value

    def meta(self, name: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (name,)).fetchone()
        return None if row is None else row[0]

    def set_meta(self, db: sqlite3.Connection, name: str, value: str) -> None:
        """Inside :meth:`write`: store ``value`` under ``name``."""
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (name, value))

    # -- consistency -----------------------------------------------------------------------------

    def check(self, adopt=None) -> Reconciliation:
        """What :meth:`reconcile` would do, doing nothing; ``.consistent`` when all is well."""
        return self.reconcile(adopt, dry_run=True)

    def reconcile(self, adopt=None, *, dry_run: bool = False) -> Reconciliation:
        """Restore the invariant after a crash (see the module docstring), under the write lock.

        ``adopt(path, pem) -> IssuedRecord`` turns an orphan file into a record, raising
        X509CoreError when the file is not a certificate of this CA (it is then reported and
        left alone); None reports every orphan as a problem.
        """
        with self.write() as db:
            return reconcile_inventory(self, db, adopt, dry_run=dry_run)

    def insert_row(self, db: sqlite3.Connection, record: IssuedRecord) -> None:
        """Inside :meth:`write`: insert ``record`` whose file is already in place."""
        relative = record.path.relative_to(self.directory).as_posix()
        db.execute(f"INSERT INTO certificates ({', '.join(_COLUMNS)}, issued_at) "
                   f"VALUES ({', '.join('?' * (len(_COLUMNS) + 1))})",
                   (*self._row(record, relative), _time_text(datetime.now(timezone.utc))))

    def rows_for_reconcile(self, db: sqlite3.Connection) -> dict[str, tuple[str, str]]:
        """serial hex -> (relative path, PEM) of every row."""
        return {serial: (path, pem) for serial, path, pem in
                db.execute("SELECT serial, path, pem FROM certificates")}


def temporary_files(directory: Path) -> list[Path]:
    """The stale temporary files of :func:`atomic_write` in ``directory``."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if is_temporary_name(p.name))
