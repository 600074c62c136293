"""``x509core inventory migrate --to postgresql://…``: a 10,000-certificate SQLite inventory
copied into PostgreSQL and checked row by row; a failed migration leaves the source untouched
and the target empty.

The 10,000 rows: 12 certificates issued for real by the CA (signed, with their files), and
9,988 rows inserted in one transaction that reuse one real certificate's PEM under distinct
serials, names and dates (the copy and its check compare rows, not signatures; signing 10,000
certificates with an RSA-4096 CA key would take minutes)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import timedelta

import pytest

from tests.ca.inventory.conftest import T0, synthetic_record
from tests.ca.cli.test_cli import fast_keys_and_machine, one_error_line, run  # noqa: F401 (fixture)
from x509core.ca.inventory import open_inventory
from x509core.ca.inventory.records import Actor, time_text
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
    occupied = PostgresInventory(directory.parent, url)
    occupied.set_meta("someone", "else")
    occupied.close()
    assert "not empty" in one_error_line(run("--ca-dir", directory, "inventory", "migrate",
                                             "--to", url))
    assert "password" in one_error_line(run("--ca-dir", directory, "inventory", "migrate", "--to",
                                            "postgresql://u:secret@localhost/db"))
    assert "secret" not in run("--ca-dir", directory, "inventory", "migrate", "--to",
                               "postgresql://u:secret@localhost/db").err
    assert not (directory / "inventory.url").exists()
