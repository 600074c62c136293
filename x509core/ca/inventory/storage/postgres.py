"""The PostgreSQL engine, for several CA nodes sharing one inventory (``x509core[postgres]``).

psycopg 3 is imported when a PostgreSQL inventory is opened, never before: the engine and CLI
keep working with the standard library and gmpy2 alone, and ``pip install 'x509core[postgres]'``
adds the driver (it needs libpq, Debian's ``libpq5``).

Connections: one per inventory object, in autocommit mode, with explicit ``BEGIN``/``COMMIT``
(READ COMMITTED). The URL is libpq's (``postgresql://user@host/db``, or
``postgresql:///db?host=/run/postgresql`` for a Unix socket); keep the password out of it and
in ``~/.pgpass`` or ``PGPASSFILE`` (x509core records the URL in the CA directory, and prints it).

What the database guarantees for several nodes (and what x509core relies on):

- serials: the UNIQUE constraint on ``certificates.serial``; a reservation that collides fails
  and the node draws another serial before signing anything;
- cRLNumber: ``INSERT ... ON CONFLICT DO UPDATE SET value = value + 1 RETURNING`` on one row of
  ``counters``: the row lock serialises takers, each sees the committed value of the one before
  (never read-then-write), and the CRL's revocations are read in the same transaction, under
  that lock, so a CRL with a higher number never lists fewer revocations;
- token uses: one conditional ``UPDATE ... RETURNING`` (``tokens.py``);
- migrations: ``pg_advisory_xact_lock`` so that two nodes upgrading at once apply each once.

After a bulk load (``inventory migrate``) the engine runs ``VACUUM (ANALYZE)`` on its tables
(:meth:`PostgresInventory.vacuum_analyze`), so that the first pages served are as fast as
they will be once autovacuum has had its turn.
"""

from __future__ import annotations

import itertools
from urllib.parse import urlsplit, urlunsplit

from x509core.ca.inventory.core import Inventory
from x509core.ca.inventory.storage.schema import TABLES
from x509core.errors import InvalidValue, X509CoreError

__all__ = ["PostgresInventory", "VacuumIncomplete", "is_postgres_url", "redact_url"]

_MIGRATION_LOCK = 0x7835303963 & 0x7FFFFFFF     # "x509c": pg_advisory_xact_lock's key
_cursor_names = itertools.count()


def is_postgres_url(text: str) -> bool:
    return text.startswith(("postgresql://", "postgres://"))


def redact_url(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


class VacuumIncomplete(X509CoreError):
    """``VACUUM (ANALYZE)`` failed, or the server skipped a table; the data is untouched."""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _psycopg():
    try:
        import psycopg
    except ImportError:
        raise InvalidValue("a PostgreSQL inventory needs psycopg 3: python3 -m pip install "
                           "'.[postgres]' in x509core's source, or python3 -m pip install "
                           "psycopg") from None
    return psycopg


class PostgresInventory(Inventory):
    """The inventory in a PostgreSQL database (a dedicated database, or one shared with
    nothing else named like x509core's tables)."""

    dialect = "postgresql"

    def __init__(self, directory, url: str, *, create: bool = False,
                 retry_seconds: float = 30.0, connect_timeout: int = 5):
        if not is_postgres_url(url):
            raise InvalidValue(f"not a PostgreSQL URL: {redact_url(url)!r}")
        psycopg = _psycopg()
        self._psycopg = psycopg
        self.integrity_errors = (psycopg.errors.UniqueViolation,)
        self.transient_errors = (psycopg.OperationalError, psycopg.InterfaceError)
        super().__init__(directory, redact_url(url), retry_seconds=retry_seconds)
        self.url = url
        self.connect_timeout = connect_timeout
        try:
            self._refuse_foreign()
            if not create:                   # a new inventory, or a migration's empty target
                self.refuse_empty()
            self.migrate_schema()
        except BaseException:
            self.close()
            raise

    def _connect(self):
        return self._psycopg.connect(self.url, autocommit=True,
                                     connect_timeout=self.connect_timeout,
                                     application_name="x509core")

    def _begin(self, connection, write: bool) -> None:
        connection.execute("BEGIN")

    def sql(self, text: str) -> str:
        converted = self._sql_cache.get(text)
        if converted is None:
            if "%" in text:
                raise ValueError("a literal % in SQL text")     # pragma: no cover - a bug
            converted = self._sql_cache[text] = text.replace("?", "%s")
        return converted

    def stream(self, tx, sql: str, args, size: int):
        """A server-side (named) cursor: rows arrive ``size`` at a time."""
        cursor = tx.connection.cursor(name=f"x509core_{next(_cursor_names)}")
        cursor.itersize = size
        try:
            cursor.execute(self.sql(sql), tuple(args))
            yield from cursor
        finally:
            cursor.close()

    def execute_many(self, tx, sql: str, rows) -> None:
        with tx.connection.cursor() as cursor:
            cursor.executemany(self.sql(sql), rows)

    def after_copy(self, tx) -> None:
        for table in ("certificates", "audit_events"):
            tx.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                       f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {table}")

    def vacuum_analyze(self) -> None:
        """``VACUUM (ANALYZE)`` every inventory table (``schema.TABLES``), after a bulk load
        has committed: what autovacuum would do within a minute or so, done at once.

        Why. Rows that one big transaction inserted are not yet marked all-visible in the
        visibility map, which only VACUUM sets; until it is, an index-only scan must visit the
        heap for every row to check its visibility, and the planner has no statistics for the
        new tables. PostgreSQL 15/16 manual, Routine Vacuuming: §25.1.4 "Updating the
        Visibility Map" and §25.1.3 "Updating Planner Statistics". Measured at 100,000 rows
        (``benchmarks/service/bench_admin.py``), the admin dashboard's counts took 208-240 ms
        before autovacuum's turn and about 11 ms after ``VACUUM (ANALYZE)``.

        How. VACUUM cannot run inside a transaction block, so not through :meth:`run`: on
        this inventory's own connection, which is in autocommit mode between transactions
        (``_connect``), under its lock; no second connection (a role may be limited to one).
        Run once, not retried. Without ``SKIP_LOCKED``: an autovacuum worker already on a
        table is cancelled by our lock request (within ``deadlock_timeout``) rather than the
        table skipped.

        Raises :class:`VacuumIncomplete` when the statement fails or the server warns. A
        role that owns neither the table nor the database is not refused: PostgreSQL 15
        skips the table with a WARNING ("only table or database owner can vacuum it") and
        goes on, so the warnings are collected and reported. Either way no row changes."""
        warnings: list[str] = []

        def collect(diagnostic) -> None:
            if diagnostic.severity_nonlocalized == "WARNING":
                warnings.append(diagnostic.message_primary or "a warning")
        with self._lock:
            try:
                if self._connection is None:
                    self._connection = self._connect()
                connection = self._connection
                connection.add_notice_handler(collect)
                try:
                    connection.execute(f"VACUUM (ANALYZE) {', '.join(TABLES)}")
                finally:
                    connection.remove_notice_handler(collect)
            except self._psycopg.Error as exc:
                if isinstance(exc, self.transient_errors):
                    self._drop_connection()
                raise VacuumIncomplete(_first_line(exc)) from None
        if len(warnings) == 1:
            raise VacuumIncomplete(warnings[0])
        if warnings:
            raise VacuumIncomplete(f"{len(warnings)} warnings, the first: {warnings[0]}")

    def _has_table(self, tx, name: str) -> bool:
        return tx.one("SELECT to_regclass(?) IS NOT NULL", (name,))[0]

    def _lock_schema(self, tx) -> None:
        tx.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))

    def _refuse_foreign(self) -> None:
        def work(tx):
            if self._has_table(tx, "certificates") and not self._has_table(tx, "schema_migrations"):
                raise InvalidValue(f"{self.location} has a certificates table that is not "
                                   "x509core's; use a database of its own")
        self.run(work, write=False)
