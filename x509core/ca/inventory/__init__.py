"""The CA's inventory: every certificate it issued and what became of it, the cRLNumber, the
enrollment tokens and the audit trail; in SQLite (the default, standard library) or in
PostgreSQL (several CA nodes on one database, ``x509core[postgres]``).

Which engine. ``open_inventory(directory, location)``: ``location`` is None for the SQLite file
``DIRECTORY/inventory.sqlite3``, or a PostgreSQL URL (``postgresql://…``; the CLI takes it from
``--inventory`` or ``$X509CORE_INVENTORY``). A CA created or migrated onto PostgreSQL records the
URL in ``DIRECTORY/inventory.url``, and later opens use it; naming another inventory than the
recorded one is refused, as is naming PostgreSQL for a CA whose inventory is still its SQLite
file (``x509core inventory migrate --to URL`` moves it), so that no command ever writes to a
stale copy. The inventory records its CA's certificate fingerprint and refuses another CA.

One interface, one SQL path: :class:`~x509core.ca.inventory.core.Inventory` holds every
operation, written once against DB-API with ``?`` placeholders; the engines add only how to
connect, begin a transaction, stream rows and which errors mean what (``sqlite.py``,
``postgres.py``). The modules:

    records.py       the values: IssuedRecord, Token, AuditEvent, Page, Counts, Reconciliation
    schema.py        versioned migrations for both engines, with the indexes and what each serves
    base.py          connection, transactions, retries while PostgreSQL is away, counters, meta
    certificates.py  reserve, complete, revoke, get, the OCSP status lookup
    listing.py       filters, search, sort, keyset pagination, dashboard counts, the CRL's rows
    tokens.py        enrollment tokens: add, list, revoke, atomic spend (alone, or in the
                     transaction that reserves the certificate it pays for: reserve(also=))
    admins.py        admin accounts (scrypt hashes) and server-side admin sessions (issue 13)
    audit.py         the append-only audit trail: append, filtered streaming read
    reconcile.py     files and rows in agreement after a crash, on every node
    migrate.py       copying an inventory into another (SQLite to PostgreSQL), checked row by row

Issuance never signs what is not recorded (the auditor's summary), whatever it signs: client
and server certificates, and the service's delegated OCSP responder (profile ``ocsp``, schema
version 2). The CA first *reserves* the serial: a row with status ``reserved``, its subject,
names and validity, committed before the CA key is used; a serial taken on any node fails
here, before signing. Then it signs, writes ``issued/<SERIAL>.pem`` atomically, and
*completes* the row (PEM stored, status ``valid``); only then does the caller get the
certificate. Killed or cut off at any instant:

- before the reservation commits: nothing happened;
- after it, before the file exists: no certificate left the process; the repair on open closes
  the reservation (``abandoned``; the serial is never reused);
- after the file, before the completion commits: the repair on open finds the complete file,
  checks it is this CA's certificate for that serial, and records it (``adopted``);
- PostgreSQL stopped or restarting: each transaction is retried for ``retry_seconds`` (30 s by
  default), then the command fails with one line naming the unreachable inventory. A
  reservation that cannot be made means nothing is signed; a completion that cannot be made
  leaves the file, which the next open records. Nothing that was reported done is lost: the
  completion was committed (``synchronous_commit``/``synchronous=FULL``) before it returned.

Adding a schema change is one more entry at the end of ``schema.MIGRATIONS``, applied by every
engine the next time an inventory is opened; version 3 (issue 13) is an example::

    def _v3(tx, dialect):
        for statement in ddl(_V3_ADMIN, dialect):   # CREATE TABLE admin_accounts (...), ...
            tx.execute(statement)

    MIGRATIONS = (..., Migration(3, "admin accounts and server-side admin sessions ...", _v3))

plus the methods that use it (a mixin beside ``tokens.py``: ``admins.py``) and a test that
opens an inventory of the previous version (``tests/ca/inventory/test_admins.py``). An older
x509core refuses the newer schema instead of writing to it.
"""

from __future__ import annotations

from pathlib import Path

from x509core.ca.files import AlreadyExists, FILE_MODE, atomic_write
from x509core.ca.inventory.core import Inventory
from x509core.ca.inventory.storage.postgres import is_postgres_url, redact_url
from x509core.ca.inventory.records import (AuditEvent, Counts, InventoryUnavailable,
                                           IssuedRecord, Page, Reconciliation, SerialTaken,
                                           Token, TokenRefused, serial_hex)
from x509core.ca.inventory.storage.sqlite import INVENTORY_FILENAME, SQLiteInventory
from x509core.errors import InvalidValue

__all__ = ["open_inventory", "recorded_location", "record_location", "check_location",
           "redact_url", "Inventory", "SQLiteInventory",
           "IssuedRecord", "Reconciliation", "AuditEvent", "Token", "Page", "Counts",
           "SerialTaken", "InventoryUnavailable", "TokenRefused", "serial_hex",
           "INVENTORY_FILENAME", "LOCATION_FILE", "ISSUED_DIRECTORY", "INVENTORY_ENV"]

LOCATION_FILE = "inventory.url"
ISSUED_DIRECTORY = "issued"
INVENTORY_ENV = "X509CORE_INVENTORY"


def recorded_location(directory: str | Path) -> str | None:
    """The PostgreSQL URL recorded in the CA directory, or None (the SQLite file)."""
    path = Path(directory) / LOCATION_FILE
    try:
        lines = path.read_text("utf-8").splitlines()
    except FileNotFoundError:
        return None
    url = lines[0].strip() if lines else ""
    if not is_postgres_url(url):
        raise InvalidValue(f"{path} does not hold a PostgreSQL URL")
    return url


def check_location(location: str | None) -> None:
    """Refuse an inventory location that cannot be recorded: not None (SQLite) or a
    ``postgresql://`` URL, or a URL holding a password. Asked before anything is made."""
    if location is None:
        return
    if not is_postgres_url(location):
        raise InvalidValue(f"--inventory must be a postgresql:// URL, not {location!r}")
    if redact_url(location) != location:
        raise InvalidValue("keep the PostgreSQL password out of the URL (use ~/.pgpass or "
                           "PGPASSFILE): the URL is recorded in the CA directory")


def record_location(directory: str | Path, url: str) -> None:
    """Record ``url`` as the CA's inventory (atomically; the password must not be in it)."""
    check_location(url)
    atomic_write(Path(directory) / LOCATION_FILE, (url + "\n").encode("utf-8"), mode=FILE_MODE)


def _postgres(directory: Path, url: str, **options) -> Inventory:
    from x509core.ca.inventory.storage.postgres import PostgresInventory
    return PostgresInventory(directory, url, **options)


def open_inventory(directory: str | Path, location: str | None = None, *, create: bool = False,
                   **options) -> Inventory:
    """The inventory of the CA in ``directory``; ``location`` a PostgreSQL URL or None (the
    recorded one, else the SQLite file). ``create`` makes a new one (and records a URL)."""
    directory = Path(directory)
    if location is not None and not is_postgres_url(location):
        raise InvalidValue(f"--inventory must be a postgresql:// URL, not {location!r}")
    recorded = recorded_location(directory)
    if create:
        if recorded is not None or (directory / INVENTORY_FILENAME).exists():
            raise AlreadyExists(f"{directory} already has an inventory; not replacing it")
        if location is None:
            return SQLiteInventory(directory, create=True, **options)
        record_location(directory, location)
        return _postgres(directory, location, create=True, **options)
    if recorded is not None:
        if location is not None and location != recorded:
            raise InvalidValue(f"this CA's inventory is {redact_url(recorded)} "
                               f"({directory / LOCATION_FILE}), not {redact_url(location)}")
        return _postgres(directory, recorded, **options)
    if location is not None:
        if (directory / INVENTORY_FILENAME).exists():
            raise InvalidValue(f"this CA's inventory is {directory / INVENTORY_FILENAME}; move it "
                               f"first: x509core inventory migrate --to {redact_url(location)}")
        inventory = _postgres(directory, location, **options)
        record_location(directory, location)
        return inventory
    return SQLiteInventory(directory, **options)
