"""The SQLite engine (standard library): the default, one file beside the CA key.

``inventory.sqlite3`` (mode 0600) in WAL mode with ``synchronous=FULL``: readers run beside the
one writer, and each COMMIT is on disk before it returns (the crash-consistency argument needs
that). Several processes on one machine may share it; a write transaction waits up to
``timeout`` seconds for the write lock. Not for several machines: SQLite over a network file
system is not safe; use PostgreSQL for several nodes.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from x509core.ca.files import KEY_MODE, AlreadyExists, make_private_directory
from x509core.ca.inventory.core import Inventory
from x509core.ca.inventory.storage.base import empty_inventory
from x509core.errors import InvalidValue

__all__ = ["SQLiteInventory", "INVENTORY_FILENAME"]

INVENTORY_FILENAME = "inventory.sqlite3"


class SQLiteInventory(Inventory):
    """The inventory in a SQLite file (default ``DIRECTORY/inventory.sqlite3``)."""

    dialect = "sqlite"
    integrity_errors = (sqlite3.IntegrityError,)
    transient_errors = ()                 # a local file: an error is final
    no_index = "+"                        # SQLite's unary plus (inventory/listing.py)

    def __init__(self, directory, path: str | Path | None = None, *, create: bool = False,
                 timeout: float = 120.0):
        directory = Path(directory)
        self.path = Path(path) if path is not None else directory / INVENTORY_FILENAME
        super().__init__(directory, str(self.path))
        self.timeout = timeout
        if create:
            if self.path.exists():
                raise AlreadyExists(f"{self.path} already exists; not overwriting it")
            make_private_directory(self.issued_directory)
        elif not self.path.is_file():
            raise InvalidValue(f"{self.path} is missing: not a CA directory, or an incomplete one")
        elif self.path.stat().st_size == 0:          # refused before SQLite writes a header
            raise empty_inventory(str(self.path))
        try:
            if create:
                self.path.touch(mode=KEY_MODE, exist_ok=False)
                self.path.chmod(KEY_MODE)
            self._refuse_foreign()
            if not create:
                self.refuse_empty()
            self.migrate_schema()
        except sqlite3.DatabaseError as exc:
            self.close()
            raise InvalidValue(f"{self.path} is not a usable inventory: {exc}") from None
        except BaseException:
            self.close()
            raise

    def _connect(self):
        db = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None,
                             check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA foreign_keys=ON")
        return db

    def migrate_schema(self) -> int:
        """As every engine does, with foreign-key enforcement off on this connection while the
        migrations run: SQLite's procedure for rebuilding a table that others reference
        (``schema.py``, version 2); each migration checks the keys itself before it commits.
        (The pragma is ignored inside a transaction, so it is set around it.)"""
        with self._lock:
            if self._connection is None:
                self._connection = self._connect()
            self._connection.execute("PRAGMA foreign_keys=OFF")
            try:
                return super().migrate_schema()
            finally:
                if self._connection is not None:
                    self._connection.execute("PRAGMA foreign_keys=ON")

    def _begin(self, connection, write: bool) -> None:
        connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")

    def _has_table(self, tx, name: str) -> bool:
        return tx.one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                      (name,)) is not None

    def _refuse_foreign(self) -> None:
        """A database with tables but neither x509core's schema nor its first layout belongs
        to another program: refuse it rather than add tables to it."""
        def work(tx):
            tables = {row[0] for row in tx.all("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if tables and not tables & {"schema_migrations", "certificates"}:
                raise InvalidValue(f"{self.path} is not an x509core inventory (no certificates table)")
        self.run(work, write=False)
