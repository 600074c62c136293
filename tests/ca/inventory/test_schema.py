"""Schema versions and which inventory a CA uses: migrations applied on open and recorded, a
newer schema refused, the first SQLite layout upgraded in place, another program's database
and another CA's inventory refused, and the recorded PostgreSQL URL enforced."""

from __future__ import annotations

import sqlite3

import pytest

from x509core.ca.inventory import open_inventory, recorded_location
from x509core.ca.inventory.schema import VERSION
from x509core.ca.issue import CertificateAuthority
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
