"""``x509core inventory migrate --to postgresql://…``: a 10,000-certificate SQLite inventory
copied into PostgreSQL and checked row by row; a failed migration leaves the source untouched
and the target empty; after a migration the new tables are vacuumed and analysed, and a vacuum
that the server refuses is a warning that neither undoes nor hides the migration.

The 10,000 rows: 12 certificates issued for real by the CA (signed, with their files), and
9,988 rows inserted in one transaction that reuse one real certificate's PEM under distinct
serials, names and dates (the copy and its check compare rows, not signatures; signing 10,000
certificates with an RSA-4096 CA key would take minutes)."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import replace
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from tests.ca.inventory.conftest import T0, synthetic_record
from tests.ca.cli.test_cli import fast_keys_and_machine, one_error_line, run  # noqa: F401 (fixture)
from x509core.ca.inventory import open_inventory
from x509core.ca.inventory.records import Actor, time_text
from x509core.ca.inventory.storage.schema import TABLES
from x509core.ca.issuance.certificate_authority import CertificateAuthority

pytestmark = pytest.mark.postgres

TOTAL = 10_000
REAL = 12
REVOKED = 3 + len(range(0, TOTAL - REAL, 10))


def _fill(ca, leaf_key) -> None:
    real = [ca.issue_server(dns=[f"node{i}.example.org"], public_key=leaf_key.public_key())
            for i in range(REAL)]
    for record in real[:3]:
        ca.revoke(record.record.serial, "keyCompromise")
    template = real[0].record.pem
    inventory = ca.inventory
    with inventory.write() as tx:
        for i in range(TOTAL - REAL):
            record = replace(synthetic_record(ca.directory, i, days=1 + i % 700,
                                              dns=[f"ws{i}.example.org"]), pem=template)
            values = inventory._row_values(record, "revoked" if i % 10 == 0 else "valid",
                                           time_text(T0), time_text(T0))
            if i % 10 == 0:
                values.update(revocation_reason="superseded",
                              revocation_date=time_text(T0 + timedelta(days=1)))
            inventory.insert_row(tx, values, record)
            record.path.write_text(template)              # its file, as every row has one
        for i in range(50):
            inventory.append_audit_in(tx, Actor("admin", f"admin{i}").event("token-create"))
    inventory.next_counter("crl_number")
    inventory.add_token(token_id="0123456789abcdef", secret_hash="ab" * 32, profile="client",
                        constraints={"organization": "Clinic"}, expires_at=T0 + timedelta(days=1),
                        created_by="admin", at=T0)


def _digest(path) -> str:
    """The SQLite database's content (a dump of every table), not its page layout."""
    import sqlite3
    connection = sqlite3.connect(path)
    try:
        return hashlib.sha256("\n".join(connection.iterdump()).encode()).hexdigest()
    finally:
        connection.close()


def test_migrate_ten_thousand_certificates(make_ca, leaf_key, postgres_cluster):
    ca = make_ca()
    _fill(ca, leaf_key)
    directory = ca.directory
    before = len(ca.inventory)
    ca.close()
    CertificateAuthority.open(directory).close()                  # the repair on open, done
    assert before == TOTAL
    sqlite_file = directory / "inventory.sqlite3"
    source_digest = _digest(sqlite_file)
    url = postgres_cluster.new_database()
    result = run("--ca-dir", directory, "inventory", "migrate", "--to", url)
    assert result.code == 0, result.err
    assert f"migrated {TOTAL} certificates, 1 tokens and " in result.out
    assert (directory / "inventory.url").read_text().strip() == url
    assert _digest(sqlite_file) == source_digest                  # the source was only read
    with CertificateAuthority.open(directory) as moved:           # the recorded URL is used
        assert type(moved.inventory).__name__ == "PostgresInventory"
        assert len(moved.inventory) == TOTAL
        assert moved.inventory.counter("crl_number") == 1
        assert moved.inventory.tokens()[0].constraints == {"organization": "Clinic"}
        assert moved.inventory.counts(at=T0).revoked == REVOKED
        issued = moved.issue_server(dns=["after.example.org"], public_key=leaf_key.public_key())
        assert moved.inventory.get(issued.record.serial).pem == issued.record.pem
        assert moved.crl().crl_number == 2
    listed = json.loads(run("--ca-dir", directory, "list", "--status", "revoked", "--json").out)
    assert len(listed) == REVOKED


def test_a_failed_migration_leaves_both_sides_as_they_were(make_ca, leaf_key, postgres_cluster):
    ca = make_ca()
    ca.issue_server(dns=["a.example.org"], public_key=leaf_key.public_key())
    ca.inventory.append_audit(Actor("cli", "cli").event("note", detail="bad\x00byte"))
    directory = ca.directory
    ca.close()
    CertificateAuthority.open(directory).close()
    source_digest = _digest(directory / "inventory.sqlite3")
    url = postgres_cluster.new_database()
    line = one_error_line(run("--ca-dir", directory, "inventory", "migrate", "--to", url))
    assert "NUL" in line or "0x00" in line                        # PostgreSQL refuses the text
    assert not (directory / "inventory.url").exists()
    assert _digest(directory / "inventory.sqlite3") == source_digest
    import psycopg
    with psycopg.connect(url) as connection:
        assert connection.execute("SELECT COUNT(*) FROM certificates").fetchone()[0] == 0
        assert connection.execute("SELECT COUNT(*) FROM audit_events").fetchone()[0] == 0
    with CertificateAuthority.open(directory) as still:           # the CA keeps its SQLite file
        assert type(still.inventory).__name__ == "SQLiteInventory" and len(still.inventory) == 1


def test_migrate_refuses_a_non_empty_target_and_a_password(make_ca, postgres_cluster):
    ca = make_ca()
    directory = ca.directory
    ca.close()
    url = postgres_cluster.new_database()
    from x509core.ca.inventory.storage.postgres import PostgresInventory
    occupied = PostgresInventory(directory.parent, url, create=True)
    occupied.set_meta("someone", "else")
    occupied.close()
    assert "not empty" in one_error_line(run("--ca-dir", directory, "inventory", "migrate",
                                             "--to", url))
    assert "password" in one_error_line(run("--ca-dir", directory, "inventory", "migrate", "--to",
                                            "postgresql://u:secret@localhost/db"))
    assert "secret" not in run("--ca-dir", directory, "inventory", "migrate", "--to",
                               "postgresql://u:secret@localhost/db").err
    assert not (directory / "inventory.url").exists()


def _maintenance(url: str, deadline: float = 10.0) -> dict[str, tuple]:
    """``(last_vacuum, last_analyze)`` of each inventory table, as the server's statistics
    report them. Those are kept apart from ``last_autovacuum``/``last_autoanalyze``, so the
    daemon cannot stand in for the command. PostgreSQL 15 writes them to shared memory when a
    table's VACUUM ends, and a reader caches a snapshot: cleared before each read, and polled
    until every table has both or the deadline passes (then the last read is returned)."""
    import psycopg
    with psycopg.connect(url, autocommit=True) as connection:
        end = time.monotonic() + deadline
        while True:
            connection.execute("SELECT pg_stat_clear_snapshot()")
            rows = connection.execute(
                "SELECT relname, last_vacuum, last_analyze FROM pg_stat_user_tables "
                "WHERE relname = ANY(%s)", (list(TABLES),)).fetchall()
            found = {name: (vacuum, analyze) for name, vacuum, analyze in rows}
            done = len(found) == len(TABLES) and all(None not in v for v in found.values())
            if done or time.monotonic() > end:
                return found
            time.sleep(0.1)


def test_migrate_vacuums_and_analyses_every_table(make_ca, leaf_key, postgres_cluster):
    ca = make_ca()
    ca.issue_server(dns=["a.example.org"], public_key=leaf_key.public_key())
    directory = ca.directory
    ca.close()
    url = postgres_cluster.new_database()
    result = run("--ca-dir", directory, "inventory", "migrate", "--to", url)
    assert result.code == 0 and result.err == "", result.err
    lines = result.out.splitlines()
    assert lines[0].startswith("migrated 1 certificates, ") and lines[1].startswith("the CA now")
    assert len(lines) == 3
    assert lines[2].startswith(f"vacuumed and analysed its {len(TABLES)} tables")
    found = _maintenance(url)
    assert sorted(found) == sorted(TABLES)
    for table, (vacuumed, analysed) in found.items():
        assert vacuumed is not None and analysed is not None, table


def _role_url(url: str, role: str) -> str:
    """The same database, reached as ``role`` (tests/pg.py names the user last)."""
    assert url.endswith("&user=postgres"), url
    return url.removesuffix("postgres") + role


def test_a_refused_vacuum_warns_and_keeps_the_migration(make_ca, leaf_key, postgres_cluster):
    """A least-privilege site: the database administrator created the schema (its owner),
    and the CA's role may read and write the rows but owns nothing. PostgreSQL then skips
    every table of the VACUUM with a WARNING and does not fail it; x509core reports that in
    one warning line, and the migration stays committed, recorded and in use."""
    ca = make_ca()
    issued = ca.issue_server(dns=["a.example.org"], public_key=leaf_key.public_key())
    directory = ca.directory
    ca.close()
    owner_url = postgres_cluster.new_database()
    from x509core.ca.inventory.storage.postgres import PostgresInventory
    PostgresInventory(directory.parent, owner_url, create=True).close()          # the schema, owned by postgres
    role = urlsplit(owner_url).path.lstrip("/") + "_ca"
    postgres_cluster.sql(f"CREATE ROLE {role} LOGIN")
    for grant in (f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
                  f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}"):
        postgres_cluster.sql(grant, database=urlsplit(owner_url).path.lstrip("/"))
    url = _role_url(owner_url, role)
    result = run("--ca-dir", directory, "inventory", "migrate", "--to", url)
    assert result.code == 0, result.err
    assert result.out.startswith("migrated 1 certificates, ") and "vacuumed" not in result.out
    warning = result.err.splitlines()
    assert len(warning) == 1 and warning[0].startswith("x509core: warning: the migration is "
                                                       "complete and recorded, but VACUUM"), warning
    assert "only table or database owner can vacuum it" in warning[0]
    assert (directory / "inventory.url").read_text().strip() == url
    with CertificateAuthority.open(directory) as moved:             # the recorded URL is used
        assert type(moved.inventory).__name__ == "PostgresInventory"
        assert moved.inventory.get(issued.record.serial).pem == issued.record.pem
        after = moved.issue_server(dns=["b.example.org"], public_key=leaf_key.public_key())
        assert moved.inventory.get(after.record.serial).status == "valid"
    found = _maintenance(owner_url, deadline=0.5)
    assert sorted(found) == sorted(TABLES)
    assert all(vacuumed is None for vacuumed, _ in found.values()), found   # the warning was true
