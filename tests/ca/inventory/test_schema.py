"""Schema versions and which inventory a CA uses: migrations applied on open and recorded, a
newer schema refused, the first SQLite layout upgraded in place, another program's database
and another CA's inventory refused, and the recorded PostgreSQL URL enforced."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

import pytest

from x509core.ca.inventory import open_inventory, recorded_location
from x509core.ca.inventory.storage.schema import VERSION
from x509core.ca.issuance.certificate_authority import CertificateAuthority
from x509core.errors import InvalidValue

# The first layout (x509core 0.1), as its store.py created it.
_OLD_SCHEMA = """
CREATE TABLE certificates (serial TEXT PRIMARY KEY, subject TEXT NOT NULL, profile TEXT NOT NULL,
    machine_identity TEXT, mac_address TEXT, not_before TEXT NOT NULL, not_after TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'valid', revocation_reason TEXT, revocation_date TEXT,
    path TEXT NOT NULL, pem TEXT NOT NULL, issued_at TEXT NOT NULL);
CREATE INDEX certificates_not_after ON certificates (not_after);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def test_versions_are_recorded(inventory):
    rows = inventory.query("SELECT version, description FROM schema_migrations")
    assert [r[0] for r in rows] == list(range(1, VERSION + 1)) and all(r[1] for r in rows)
    assert inventory.schema_version_now() == VERSION


def test_a_newer_schema_is_refused(inventory, inventory_location):
    inventory.run(lambda tx: tx.execute(
        "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)",
        (VERSION + 1, "from the future", "2030-01-01T00:00:00Z")))
    with pytest.raises(InvalidValue, match=f"schema version {VERSION + 1}, newer"):
        open_inventory(inventory.directory, inventory_location)


def test_the_first_layout_is_upgraded(make_ca, leaf_key):
    ca = make_ca()
    issued = ca.issue_server(dns=["Old.Example.org"], ip=["10.1.2.3"],
                             public_key=leaf_key.public_key())
    directory = ca.directory
    ca.close()
    path = directory / "inventory.sqlite3"
    path.unlink()
    for suffix in ("-wal", "-shm"):
        (directory / f"inventory.sqlite3{suffix}").unlink(missing_ok=True)
    old = sqlite3.connect(path)
    old.executescript(_OLD_SCHEMA)
    r = issued.record
    old.execute("INSERT INTO certificates VALUES (?, ?, ?, ?, ?, ?, ?, 'revoked', ?, ?, ?, ?, ?)",
                (r.serial_hex, r.subject, r.profile, None, None, "2026-01-01T00:00:00Z",
                 "2027-01-01T00:00:00Z", "keyCompromise", "2026-02-01T00:00:00Z",
                 f"issued/{r.serial_hex}.pem", r.pem, "2026-01-01T00:00:00Z"))
    old.execute("INSERT INTO meta VALUES ('crl_number', '41'), ('crl_published', '41')")
    old.commit()
    old.close()
    with CertificateAuthority.open(directory) as upgraded:
        record = upgraded.inventory.get(r.serial)
        assert record.status == "revoked" and record.revocation_reason == "keyCompromise"
        assert record.dns_names == ("old.example.org",) and record.ip_addresses == ("10.1.2.3",)
        assert upgraded.inventory.records(search="10.1.2.3", search_field="ip") == [record]
        assert upgraded.crl().crl_number == 42                   # the counter carried over
        assert upgraded.inventory.meta("crl_published") is None


def test_another_programs_database_is_refused(tmp_path):
    db = sqlite3.connect(tmp_path / "inventory.sqlite3")
    db.execute("CREATE TABLE other (x)")
    db.commit()
    db.close()
    with pytest.raises(InvalidValue, match="not an x509core inventory"):
        open_inventory(tmp_path)
    (tmp_path / "inventory.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(InvalidValue, match="not a usable inventory"):
        open_inventory(tmp_path)
    with pytest.raises(InvalidValue, match="missing"):
        open_inventory(tmp_path / "nowhere")


@pytest.mark.postgres
def test_the_recorded_location_is_the_only_one(make_ca, postgres_cluster, ca_key):
    url = postgres_cluster.new_database()
    ca = make_ca(inventory=url)
    assert recorded_location(ca.directory) == url
    assert not (ca.directory / "inventory.sqlite3").exists()
    with pytest.raises(InvalidValue, match="this CA's inventory is"):
        open_inventory(ca.directory, postgres_cluster.new_database())
    plain = make_ca()
    with pytest.raises(InvalidValue, match="inventory migrate"):
        CertificateAuthority.open(plain.directory, inventory=url)
    from tests.rsa.keys_fixture import RSA_3072, private_key
    other = make_ca(key=private_key(RSA_3072), inventory=None)
    (other.directory / "inventory.url").write_text(url + "\n")
    with pytest.raises(InvalidValue, match="another CA"):       # two CAs never share rows
        CertificateAuthority.open(other.directory)
    with pytest.raises(InvalidValue, match="password"):
        make_ca(inventory="postgresql://user:secret@localhost/x509core")
    with pytest.raises(InvalidValue, match="postgresql://"):
        make_ca(inventory="mysql://localhost/x509core")


def test_version_1_is_upgraded_to_2(tmp_path, inventory_location, monkeypatch):
    """An inventory written by an x509core that knew only version 1 (the migrations as they
    then were) is upgraded in place on open: its rows kept, the certificate names still tied
    to their certificates, the OCSP responder's profile allowed, the audit rows given a node."""
    from tests.ca.inventory.conftest import T0, add_synthetic, synthetic_record
    from x509core.ca.inventory.storage import base, schema
    from x509core.ca.inventory.records import Actor
    directory = tmp_path / "ca"
    directory.mkdir()
    monkeypatch.setattr(base, "MIGRATIONS", schema.MIGRATIONS[:1])
    monkeypatch.setattr(base, "VERSION", 1)
    with open_inventory(directory, inventory_location, create=True) as old:
        assert old.schema_version_now() == 1
        kept = [add_synthetic(old, i, dns=[f"ws{i}.example.org"]) for i in range(3)]
        with old.write() as tx:                     # as version 1's code wrote a row
            tx.execute("INSERT INTO audit_events (at, actor_kind, actor, action, target, "
                       "outcome) VALUES ('2026-01-01T00:00:00Z', 'cli', 'cli', 'revoke', '0A', "
                       "'success')")
        with pytest.raises(Exception):              # version 1 knows no responder profile
            old.reserve(replace(synthetic_record(directory, 9), profile="ocsp"), at=T0)
    monkeypatch.undo()
    with open_inventory(directory, inventory_location) as upgraded:
        assert upgraded.schema_version_now() == VERSION >= 2
        assert upgraded.records() == kept
        assert upgraded.records(search="ws1.example.org", search_field="dns") == [kept[1]]
        before, = upgraded.audit_page()
        assert before.node is None
        upgraded.append_audit(Actor().event("crl", "1"))
        assert upgraded.audit_page()[-1].node == upgraded.node
        responder = replace(synthetic_record(directory, 9), profile="ocsp")
        upgraded.reserve(responder, at=T0)
        assert upgraded.complete(responder.serial, "PEM 9", at=T0).profile == "ocsp"
        with pytest.raises(Exception):              # still refused: an unknown profile
            with upgraded.write() as tx:
                tx.execute("UPDATE certificates SET profile = 'root' WHERE serial = ?",
                           (kept[0].serial_hex,))
        with pytest.raises(Exception):              # names still need their certificate
            with upgraded.write() as tx:
                tx.execute("INSERT INTO certificate_names (serial, kind, value) "
                           "VALUES ('FFFF', 'dns', 'orphan.example.org')")
        with pytest.raises(Exception, match="append-only"):
            with upgraded.write() as tx:
                tx.execute("DELETE FROM audit_events")
        if inventory_location is None:              # the rebuilt table kept every index
            indexes = {row[0] for row in upgraded.query(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = "
                "'certificates' AND name NOT LIKE 'sqlite_autoindex%'")}
            assert indexes == {"certificates_status_not_after", "certificates_not_after",
                               "certificates_machine", "certificates_cn", "certificates_org",
                               "certificates_revoked", "certificates_reserved",
                               "certificates_profile_not_after"}        # version 3's


def test_an_emptied_sqlite_inventory_is_refused_not_started_again(make_ca, leaf_key):
    """An inventory.sqlite3 truncated to nothing read as a new, empty inventory: every
    certificate forgotten and the cRLNumber back at 1 (RFC 5280 §5.2.3: it only increases),
    crl.pem replaced. Now every command refuses it with one line and writes nothing."""
    from tests.ca.cli.test_cli import one_error_line, run
    ca = make_ca()
    ca.issue_server(dns=["a.example.org"], public_key=leaf_key.public_key())
    for _ in range(3):
        run("crl", "--ca-dir", ca.directory)
    ca.close()
    published = (ca.directory / "crl.pem").read_bytes()
    (ca.directory / "inventory.sqlite3").write_bytes(b"")
    with pytest.raises(InvalidValue, match="is empty"):
        CertificateAuthority.open(ca.directory)
    for argv in (["crl"], ["list"], ["issue", "server", "--dns", "b.example.org", "--no-encrypt",
                                     "--out", ca.directory.parent / "b.pem"]):
        line = one_error_line(run(*argv, "--ca-dir", ca.directory))
        assert "is empty (no tables)" in line and "backup" in line, argv
    assert (ca.directory / "crl.pem").read_bytes() == published
    assert (ca.directory / "inventory.sqlite3").read_bytes() == b""
    assert not (ca.directory.parent / "b.pem").exists()


@pytest.mark.postgres
def test_an_empty_postgresql_database_is_refused_for_an_existing_ca(make_ca, postgres_cluster):
    """The recorded URL naming a database without x509core's tables (dropped, or another one
    named): refused, never filled with a new inventory."""
    ca = make_ca(inventory=postgres_cluster.new_database())
    ca.crl()
    ca.close()
    empty = postgres_cluster.new_database()
    (ca.directory / "inventory.url").write_text(empty + "\n")
    with pytest.raises(InvalidValue, match="is empty"):
        CertificateAuthority.open(ca.directory)
    from x509core.ca.inventory.storage.postgres import PostgresInventory
    with PostgresInventory(ca.directory, empty, create=True) as fresh:   # ca init, migrate: made
        assert fresh.schema_version_now() == VERSION
