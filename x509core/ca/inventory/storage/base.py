"""The DB-API machinery both engines share: one connection per inventory object, transactions,
retries while the database is away, the schema check and migrations on open, meta values and
counters.

SQL is written once, with ``?`` placeholders (SQLite's paramstyle); the PostgreSQL engine turns
them into ``%s``. Every statement is parameterised: no value is ever formatted into SQL text.

Transactions. A write transaction is ``BEGIN IMMEDIATE`` in SQLite (the database's one write
lock, taken at once, so a read-check-write inside it cannot race another process) and a plain
``BEGIN`` in PostgreSQL (READ COMMITTED), where concurrency is settled by what each statement
does: a UNIQUE constraint for serials, ``UPDATE ... RETURNING`` (a row lock) for counters and
token uses. A transaction that fails is rolled back whole.

Retries (PostgreSQL). When the connection breaks (server stopped, restarting, network), the
whole transaction is run again on a new connection, with a growing pause, for up to
``retry_seconds``; then :class:`~x509core.ca.inventory.records.InventoryUnavailable` says so in
one line. Every transaction x509core runs is safe to run twice even if the first one's COMMIT
reached the server before the connection broke: a reservation is retried under a new serial
(the first stays an open reservation and is closed by the repair on open), a completion or a
revocation finds its own earlier work and accepts it, a counter skips a number (cRLNumber may
have gaps: RFC 5280 §5.2.3 asks only that it increase). The one visible effect is that a token
use or an audit row may be counted twice, which errs on the safe side.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from x509core.ca.inventory.records import InventoryUnavailable, time_text
from x509core.ca.inventory.storage.schema import MIGRATIONS, VERSION
from x509core.errors import InvalidValue

__all__ = ["InventoryBase", "Transaction", "empty_inventory"]


class Transaction:
    """The statements of one transaction, on the engine's connection."""

    def __init__(self, engine: "InventoryBase", connection):
        self.engine, self.connection = engine, connection

    def execute(self, sql: str, args=()):
        return self.connection.execute(self.engine.sql(sql), tuple(args))

    def one(self, sql: str, args=()):
        return self.execute(sql, args).fetchone()

    def all(self, sql: str, args=()) -> list:
        return self.execute(sql, args).fetchall()

    def execute_many(self, sql: str, rows) -> None:
        self.engine.execute_many(self, sql, rows)

    def stream(self, sql: str, args=(), size: int = 2000):
        """Rows one at a time without holding them all (a server-side cursor in PostgreSQL)."""
        return self.engine.stream(self, sql, args, size)


class InventoryBase:
    """What every engine has; the engines add ``_connect``, ``_begin`` and their error types."""

    dialect = ""
    transient_errors: tuple = ()       # the connection broke: reconnect and run again
    integrity_errors: tuple = ()       # a constraint refused the statement
    no_index = ""                      # before a column: keeps the planner off its index

    def __init__(self, directory: str | Path, location: str, *, retry_seconds: float = 30.0):
        self.directory = Path(directory)
        self.issued_directory = self.directory / "issued"
        self.location = location           # what messages name: a file or a URL without password
        self.retry_seconds = retry_seconds
        self.node = f"{socket.gethostname()}:{os.path.realpath(self.directory)}"
        self._lock = threading.RLock()
        self._connection = None
        self._sql_cache: dict[str, str] = {}

    # -- engine hooks ---------------------------------------------------------------------------

    def _connect(self):                                     # pragma: no cover - abstract
        raise NotImplementedError

    def _begin(self, connection, write: bool) -> None:     # pragma: no cover - abstract
        raise NotImplementedError

    def sql(self, text: str) -> str:
        return text

    def stream(self, tx: Transaction, sql: str, args, size: int):
        return iter(tx.execute(sql, args))

    def execute_many(self, tx: Transaction, sql: str, rows) -> None:
        tx.connection.executemany(self.sql(sql), rows)

    def after_copy(self, tx: Transaction) -> None:
        """After rows were inserted with their own ids (a migration): move id sequences on."""

    def vacuum_analyze(self) -> None:
        """After a bulk load has committed (``inventory migrate``): put the tables at once in
        the state the database's own maintenance would reach later. The PostgreSQL engine runs
        ``VACUUM (ANALYZE)`` (``postgres.py``, which says why).

        Nothing here, for SQLite, on purpose. SQLite has no visibility map: an index that
        covers a query answers it from the index alone as soon as the rows are committed, so
        there is no transient to remove. And its planner has no statistics until ``ANALYZE``
        writes ``sqlite_stat1``; x509core's queries were written and measured against the
        planner without them (``listing.py``: ``no_index``), so creating them would change
        plans that nothing measured. (A migration's target is PostgreSQL in any case.)"""

    # -- connection and transactions --------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _drop_connection(self) -> None:
        try:
            if self._connection is not None:
                self._connection.close()
        except Exception:                                   # already broken: nothing to keep
            pass
        self._connection = None

    def run(self, work, *, write: bool = True):
        """``work(tx)`` in one transaction, committed when it returns and rolled back when it
        raises; run again on a new connection while the database is away (module docstring)."""
        deadline = time.monotonic() + self.retry_seconds
        pause = 0.1
        with self._lock:
            while True:
                try:
                    return self._attempt(work, write)
                except self.transient_errors as exc:
                    self._drop_connection()
                    if time.monotonic() + pause > deadline:
                        raise InventoryUnavailable(
                            f"the inventory {self.location} is unreachable "
                            f"({_first_line(exc)}); tried for {self.retry_seconds:g} s") from None
                    time.sleep(pause)
                    pause = min(pause * 2, 2.0)

    def _attempt(self, work, write: bool):
        if self._connection is None:
            self._connection = self._connect()
        connection = self._connection
        self._begin(connection, write)
        try:
            result = work(Transaction(self, connection))
        except BaseException:
            try:
                connection.execute("ROLLBACK")
            except self.transient_errors:
                pass
            raise
        connection.execute("COMMIT")
        return result

    @contextmanager
    def write(self):
        """A write transaction as a context manager (``with inventory.write() as tx:``); not
        retried (the caller's block cannot be run twice), for tests and maintenance."""
        with self._lock:
            if self._connection is None:
                self._connection = self._connect()
            self._begin(self._connection, True)
            try:
                yield Transaction(self, self._connection)
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")

    def query(self, sql: str, args=()) -> list:
        """Rows of one read-only statement."""
        return self.run(lambda tx: tx.all(sql, args), write=False)

    # -- schema ---------------------------------------------------------------------------------

    def schema_version_now(self) -> int:
        return self.run(self.schema_version, write=False)

    def schema_version(self, tx: Transaction) -> int:
        if not self._has_table(tx, "schema_migrations"):
            return 0
        row = tx.one("SELECT MAX(version) FROM schema_migrations")
        return row[0] or 0

    def _has_table(self, tx: Transaction, name: str) -> bool:   # pragma: no cover - abstract
        raise NotImplementedError

    def refuse_empty(self) -> None:
        """Refuse an existing CA's inventory that holds no tables at all (its file emptied, its
        database dropped or another one named). Starting a new one in its place would forget
        every certificate issued and restart the cRLNumber, which RFC 5280 §5.2.3 requires to
        increase; which copy is right needs a person (a backup, or the right database)."""
        def work(tx):
            if not (self._has_table(tx, "schema_migrations") or self._has_table(tx, "certificates")):
                raise empty_inventory(self.location)
        self.run(work, write=False)

    def _lock_schema(self, tx: Transaction) -> None:
        """Serialise migrations between processes (SQLite's write lock already does)."""

    def migrate_schema(self) -> int:
        """Apply the migrations this database lacks; its version. Refuses a newer schema."""
        def work(tx):
            self._lock_schema(tx)
            current = self.schema_version(tx)
            if current > VERSION:
                raise InvalidValue(
                    f"the inventory {self.location} has schema version {current}, newer than "
                    f"this x509core knows ({VERSION}); upgrade x509core, do not write to it")
            now = time_text(datetime.now(timezone.utc))
            for migration in MIGRATIONS:
                if migration.version > current:
                    migration.apply(tx, self.dialect)
                    tx.execute("INSERT INTO schema_migrations (version, description, applied_at) "
                               "VALUES (?, ?, ?)", (migration.version, migration.description, now))
            return max(current, VERSION)
        return self.run(work)

    # -- meta values and counters -----------------------------------------------------------------

    def meta(self, name: str) -> str | None:
        rows = self.query("SELECT value FROM meta WHERE key = ?", (name,))
        return rows[0][0] if rows else None

    def set_meta(self, name: str, value: str) -> None:
        self.run(lambda tx: self.put_meta(tx, name, value))

    @staticmethod
    def put_meta(tx: Transaction, name: str, value: str) -> None:
        tx.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                   "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (name, value))

    @staticmethod
    def take_counter(tx: Transaction, name: str) -> int:
        """Increment the counter ``name`` and return its new value (1 the first time), in one
        statement: the row lock it takes makes concurrent takers wait and see the new value."""
        return tx.one("INSERT INTO counters (name, value) VALUES (?, 1) ON CONFLICT (name) "
                      "DO UPDATE SET value = counters.value + 1 RETURNING value", (name,))[0]

    def next_counter(self, name: str) -> int:
        """Increment and return the persistent counter ``name``; used for cRLNumber, which
        RFC 5280 §5.2.3 requires to increase monotonically."""
        return self.run(lambda tx: self.take_counter(tx, name))

    def counter(self, name: str) -> int:
        rows = self.query("SELECT value FROM counters WHERE name = ?", (name,))
        return rows[0][0] if rows else 0


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def empty_inventory(location: str) -> InvalidValue:
    """The refusal of :meth:`InventoryBase.refuse_empty`."""
    return InvalidValue(f"the inventory {location} is empty (no tables); x509core never starts "
                        "a new one for an existing CA: restore it from a backup, or name the "
                        "right database")
