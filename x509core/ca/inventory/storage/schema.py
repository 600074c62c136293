"""The inventory's schema, as numbered migrations for both engines, applied when an inventory
is opened.

Each :class:`Migration` turns schema version ``n - 1`` into ``n`` inside one write transaction
(SQLite ``BEGIN IMMEDIATE``; PostgreSQL a transaction holding an advisory lock, so that two
nodes opening a new database at once do not both migrate it). ``schema_migrations`` records
every version applied and when. An inventory whose version is higher than :data:`VERSION` was
written by a newer x509core and is refused, never written to (its meaning is unknown here).

To change the schema, append a migration (the package docstring shows one); never edit one that
has shipped. The DDL below is one text for both engines with a few words that differ
(:data:`_WORDS`): the auto-numbered key, and the collation of searchable text, which is the
byte order ("C") in PostgreSQL as it always is in SQLite, so prefix ranges and sort orders agree.

Indexes, and the query each serves (``benchmarks/ca/bench_inventory.py`` prints their plans):

- ``certificates.serial`` UNIQUE: lookup and OCSP status by serial; serial prefix search.
- ``certificates_status_not_after``: ``list --expiring``, ``--status``, the dashboard counts.
- ``certificates_not_after``: listing sorted by notAfter, keyset pagination ``(not_after, id)``.
- ``certificates_machine``, ``certificates_cn``, ``certificates_org``: search by machine id, CN
  and organization (case-folded copies ``cn_key``/``org_key``, prefix ranges).
- ``certificates_revoked`` (partial, status = 'revoked'): the CRL, streamed in serial order.
- ``certificates_reserved`` (partial): the repair on open finds its node's open reservations.
- ``certificate_names_value``: search by DNS name or IP address of the subjectAltName.
- ``enrollment_tokens_expires``, ``audit_events_*``: token listing, audit filters.
- ``certificates_profile_not_after`` (version 3): the admin list filtered by profile, sorted by
  notAfter, paginated by ``(not_after, id)``.
- ``admin_sessions_admin``, ``admin_sessions_expires`` (version 3): ending an admin's sessions
  when the account is removed; sweeping expired sessions.

Versions: 1, the tables above; 2 (issue 12), the delegated OCSP responder's certificates
recorded like every other (profile ``ocsp``: the CA key signs nothing without a row) and the
node that wrote each audit row (``audit_events.node``, IHE ATNA's audit source). SQLite cannot
change a CHECK constraint in place, so version 2 rebuilds ``certificates`` as SQLite's manual
describes (https://sqlite.org/lang_altertable.html, "Making Other Kinds Of Table Schema
Changes"): with foreign-key enforcement off on that connection, a new table with the new
CHECK, every row copied, the old table dropped, the new one renamed, its indexes re-created,
and ``PRAGMA foreign_key_check`` before the commit; all in the one migration transaction.
PostgreSQL replaces the constraint. 3 (issue 13), the admin pages: ``admin_accounts`` (a name
and its scrypt hash, ``x509core/ca/admins.py``) and ``admin_sessions`` (server-side sessions:
the SHA-256 of each session secret, who, since when, last seen, absolute expiry), plus
``certificates_profile_not_after`` for the admin list filtered by profile and sorted by
notAfter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

__all__ = ["Migration", "MIGRATIONS", "VERSION", "TABLES", "ddl"]

_WORDS = {
    "sqlite": {"id": "INTEGER PRIMARY KEY AUTOINCREMENT", "key": "TEXT", "bigint": "INTEGER"},
    "postgresql": {"id": "BIGSERIAL PRIMARY KEY", "key": 'TEXT COLLATE "C"', "bigint": "BIGINT"},
}

_V1_TABLES = """
CREATE TABLE schema_migrations (
    version      INTEGER PRIMARY KEY,
    description  TEXT NOT NULL,
    applied_at   TEXT NOT NULL
);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE counters (name TEXT PRIMARY KEY, value {bigint} NOT NULL);
CREATE TABLE certificates (
    id                {id},
    serial            {key} NOT NULL UNIQUE,
    status            TEXT NOT NULL
                      CHECK (status IN ('reserved', 'valid', 'revoked', 'abandoned')),
    profile           TEXT NOT NULL CHECK (profile IN ('client', 'server')),
    subject           TEXT NOT NULL,
    common_name       TEXT,
    organization      TEXT,
    cn_key            {key},
    org_key           {key},
    machine_identity  {key},
    mac_address       TEXT,
    binding           TEXT NOT NULL DEFAULT 'seed' CHECK (binding IN ('seed', 'san')),
    dns_names         TEXT NOT NULL DEFAULT '[]',
    ip_addresses      TEXT NOT NULL DEFAULT '[]',
    key_algorithm     TEXT NOT NULL,
    not_before        {key} NOT NULL,
    not_after         {key} NOT NULL,
    revocation_reason TEXT,
    revocation_date   {key},
    path              TEXT NOT NULL,
    pem               TEXT,
    node              TEXT NOT NULL,
    reserved_at       {key} NOT NULL,
    issued_at         {key},
    CHECK (pem IS NOT NULL OR status IN ('reserved', 'abandoned')),
    CHECK ((status = 'revoked') = (revocation_date IS NOT NULL))
);
CREATE INDEX certificates_status_not_after ON certificates (status, not_after);
CREATE INDEX certificates_not_after ON certificates (not_after, id);
CREATE INDEX certificates_machine ON certificates (machine_identity);
CREATE INDEX certificates_cn ON certificates (cn_key);
CREATE INDEX certificates_org ON certificates (org_key);
CREATE INDEX certificates_revoked ON certificates (serial) WHERE status = 'revoked';
CREATE INDEX certificates_reserved ON certificates (node) WHERE status = 'reserved';
CREATE TABLE certificate_names (
    serial  {key} NOT NULL REFERENCES certificates (serial),
    kind    TEXT NOT NULL CHECK (kind IN ('dns', 'ip')),
    value   {key} NOT NULL,
    PRIMARY KEY (serial, kind, value)
);
CREATE INDEX certificate_names_value ON certificate_names (value, kind);
CREATE TABLE enrollment_tokens (
    id            {key} PRIMARY KEY,
    secret_hash   TEXT NOT NULL,
    profile       TEXT NOT NULL CHECK (profile IN ('client', 'server')),
    constraints   TEXT NOT NULL DEFAULT '{{}}',
    created_at    {key} NOT NULL,
    expires_at    {key} NOT NULL,
    uses_allowed  INTEGER NOT NULL CHECK (uses_allowed >= 1),
    uses_spent    INTEGER NOT NULL DEFAULT 0
                  CHECK (uses_spent >= 0 AND uses_spent <= uses_allowed),
    revoked_at    {key},
    created_by    TEXT NOT NULL
);
CREATE INDEX enrollment_tokens_expires ON enrollment_tokens (expires_at);
CREATE TABLE audit_events (
    id          {id},
    at          {key} NOT NULL,
    actor_kind  TEXT NOT NULL CHECK (actor_kind IN ('cli', 'admin', 'token', 'certificate',
                                                    'service')),
    actor       {key} NOT NULL,
    source      TEXT,
    action      {key} NOT NULL,
    target      {key},
    outcome     TEXT NOT NULL CHECK (outcome IN ('success', 'failure')),
    detail      TEXT
);
CREATE INDEX audit_events_at ON audit_events (at, id);
CREATE INDEX audit_events_action ON audit_events (action, id);
CREATE INDEX audit_events_actor ON audit_events (actor, id);
CREATE INDEX audit_events_target ON audit_events (target, id);
"""

# Append-only: the engine itself refuses to change or remove an audit row.
_V1_APPEND_ONLY = {
    "sqlite": """
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
""",
    "postgresql": """
CREATE FUNCTION x509core_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END $$;
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION x509core_audit_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
FOR EACH STATEMENT EXECUTE FUNCTION x509core_audit_append_only();
""",
}

# Tables in copy order (a name's certificate before the name), and their key order.
TABLES = {"meta": "key", "counters": "name", "certificates": "id",
          "certificate_names": "serial, kind, value", "enrollment_tokens": "id",
          "audit_events": "id", "admin_accounts": "name", "admin_sessions": "id"}


def ddl(text: str, dialect: str) -> list[str]:
    """``text`` for ``dialect``, split into statements (a PL/pgSQL body keeps its semicolons)."""
    text = text.format(**_WORDS[dialect])
    statements, current, in_body = [], [], False
    for line in text.splitlines():
        current.append(line)
        in_body ^= line.count("$$") % 2 == 1
        if line.rstrip().endswith(";") and not in_body:
            statements.append("\n".join(current).strip())
            current = []
    return [s for s in statements if s]


@dataclass(frozen=True)
class Migration:
    """Schema version ``version``: ``apply(tx, dialect)`` runs inside the write transaction."""

    version: int
    description: str
    apply: Callable[[object, str], None]


def _v1(tx, dialect: str) -> None:
    from x509core.ca.inventory.storage.legacy import legacy_rows, has_legacy_table
    legacy = dialect == "sqlite" and has_legacy_table(tx)
    if legacy:
        tx.execute("ALTER TABLE certificates RENAME TO legacy_certificates")
        tx.execute("DROP INDEX IF EXISTS certificates_not_after")       # the old one's name
        tx.execute("ALTER TABLE meta RENAME TO legacy_meta")
    for statement in ddl(_V1_TABLES, dialect) + ddl(_V1_APPEND_ONLY[dialect], dialect):
        tx.execute(statement)
    if legacy:
        legacy_rows(tx)


_V1_PROFILE_CHECK = "CHECK (profile IN ('client', 'server'))"
_V2_PROFILE_CHECK = "CHECK (profile IN ('client', 'server', 'ocsp'))"


def _v1_certificates_sqlite() -> list[str]:
    """Version 1's ``CREATE TABLE certificates`` and its indexes, for the SQLite rebuild."""
    statements = ddl(_V1_TABLES, "sqlite")
    table = [s for s in statements if s.startswith("CREATE TABLE certificates (")]
    indexes = [s for s in statements if s.startswith("CREATE INDEX") and " ON certificates " in s]
    return table + indexes


def _v2_sqlite_certificates(tx) -> None:
    from x509core.errors import InvalidValue
    table, *indexes = _v1_certificates_sqlite()
    if table.count(_V1_PROFILE_CHECK) != 1:
        raise AssertionError("version 1's certificates table is not as expected")
    tx.execute(table.replace("CREATE TABLE certificates (", "CREATE TABLE certificates_v2 (")
               .replace(_V1_PROFILE_CHECK, _V2_PROFILE_CHECK))
    tx.execute("INSERT INTO certificates_v2 SELECT * FROM certificates")   # same columns, order
    tx.execute("DROP TABLE certificates")
    tx.execute("ALTER TABLE certificates_v2 RENAME TO certificates")
    for index in indexes:
        tx.execute(index)
    if tx.all("PRAGMA foreign_key_check"):
        raise InvalidValue("schema version 2: the certificate names no longer match their "
                           "certificates; nothing was changed")


def _v2(tx, dialect: str) -> None:
    if dialect == "postgresql":
        tx.execute("ALTER TABLE certificates DROP CONSTRAINT certificates_profile_check")
        tx.execute(f"ALTER TABLE certificates ADD CONSTRAINT certificates_profile_check "
                   f"{_V2_PROFILE_CHECK}")
    else:
        _v2_sqlite_certificates(tx)
    tx.execute("ALTER TABLE audit_events ADD COLUMN node TEXT")


_V3_ADMIN = """
CREATE TABLE admin_accounts (
    name           {key} PRIMARY KEY,
    password_hash  TEXT NOT NULL,
    created_at     {key} NOT NULL,
    created_by     TEXT NOT NULL
);
CREATE TABLE admin_sessions (
    id          {key} PRIMARY KEY,
    admin       {key} NOT NULL REFERENCES admin_accounts (name),
    created_at  {key} NOT NULL,
    seen_at     {key} NOT NULL,
    expires_at  {key} NOT NULL,
    source      TEXT
);
CREATE INDEX admin_sessions_admin ON admin_sessions (admin);
CREATE INDEX admin_sessions_expires ON admin_sessions (expires_at);
CREATE INDEX certificates_profile_not_after ON certificates (profile, not_after, id);
"""


def _v3(tx, dialect: str) -> None:
    for statement in ddl(_V3_ADMIN, dialect):
        tx.execute(statement)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "certificates with search columns and names, revocations, counters, "
                 "enrollment tokens, append-only audit trail", _v1),
    Migration(2, "OCSP responder certificates recorded (profile ocsp); the node of each "
                 "audit row", _v2),
    Migration(3, "admin accounts and server-side admin sessions (the admin pages); the "
                 "certificates index by profile and notAfter", _v3),
)
VERSION = MIGRATIONS[-1].version
