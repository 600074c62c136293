"""The CA directory's storage: atomic writes, private modes, the SQLite inventory, and
reconciliation of inventory and files."""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import datetime, timedelta, timezone

import pytest

from x509core.ca import store
from x509core.ca.files import (AlreadyExists, atomic_write, is_temporary_name,
                               make_private_directory)
from x509core.ca.issue import CertificateAuthority
from x509core.ca.store import Inventory, IssuedRecord, serial_hex
from x509core.errors import InvalidValue, X509CoreError


# -- atomic_write ----------------------------------------------------------------------------------

def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_atomic_write_creates_with_mode(tmp_path):
    key = atomic_write(tmp_path / "k.key", b"secret", mode=0o600)
    public = atomic_write(tmp_path / "c.pem", b"public")
    assert key.read_bytes() == b"secret" and _mode(key) == 0o600
    assert public.read_bytes() == b"public" and _mode(public) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.pem", "k.key"]   # no temp left


def test_atomic_write_mode_ignores_umask(tmp_path):
    old = os.umask(0o077)
    try:
        assert _mode(atomic_write(tmp_path / "c.pem", b"x", mode=0o644)) == 0o644
    finally:
        os.umask(old)


def test_atomic_write_never_overwrites_silently(tmp_path):
    path = atomic_write(tmp_path / "a.pem", b"first")
    with pytest.raises(AlreadyExists, match="already exists"):
        atomic_write(path, b"second")
    assert path.read_bytes() == b"first"
    atomic_write(path, b"third", overwrite=True)
    assert path.read_bytes() == b"third"
    assert [p.name for p in tmp_path.iterdir()] == ["a.pem"]
    assert isinstance(AlreadyExists("x"), X509CoreError)


def test_atomic_write_race_is_refused_by_link(tmp_path, monkeypatch):
    """Another process creates the name between the existence check and the link."""
    import x509core.ca.files as files
    path = tmp_path / "race.pem"
    real_link = os.link

    def link_after_rival(src, dst):
        path.write_bytes(b"rival")
        return real_link(src, dst)

    monkeypatch.setattr(files.os, "link", link_after_rival)
    with pytest.raises(AlreadyExists):
        atomic_write(path, b"mine")
    assert path.read_bytes() == b"rival"
    assert [p.name for p in tmp_path.iterdir()] == ["race.pem"]


def test_atomic_write_without_hard_links(tmp_path, monkeypatch):
    import x509core.ca.files as files

    def no_links(src, dst):
        raise PermissionError("hard links not supported")

    monkeypatch.setattr(files.os, "link", no_links)
    path = atomic_write(tmp_path / "n.pem", b"data")
    assert path.read_bytes() == b"data"
    with pytest.raises(AlreadyExists):
        atomic_write(path, b"again")
    assert [p.name for p in tmp_path.iterdir()] == ["n.pem"]


def test_atomic_write_failure_leaves_nothing(tmp_path, monkeypatch):
    import x509core.ca.files as files

    def failing_chmod(path, mode):
        raise OSError("disk on fire")

    monkeypatch.setattr(files.os, "chmod", failing_chmod)
    with pytest.raises(OSError, match="disk on fire"):
        atomic_write(tmp_path / "x.pem", b"data")
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_types(tmp_path):
    with pytest.raises(TypeError):
        atomic_write(tmp_path / "x", "text")
    with pytest.raises(TypeError):
        atomic_write(tmp_path / "x", b"", mode="0600")


def test_temporary_names():
    assert is_temporary_name(".123.pem.abc.tmp")
    assert not is_temporary_name("123.pem") and not is_temporary_name(".hidden")


def test_make_private_directory(tmp_path):
    path = make_private_directory(tmp_path / "a" / "b")
    assert _mode(path) == 0o700
    (tmp_path / "file").write_text("x")
    with pytest.raises(AlreadyExists, match="not a directory"):
        make_private_directory(tmp_path / "file")


# -- serial_hex ------------------------------------------------------------------------------------

@pytest.mark.parametrize("serial, text", [(1, "01"), (0xABC, "0ABC"), (0xABCD, "ABCD"),
                                          ((1 << 159) - 1, "7F" + "FF" * 19)])
def test_serial_hex(serial, text):
    assert serial_hex(serial) == text


def test_serial_hex_errors():
    with pytest.raises(InvalidValue):
        serial_hex(0)
    with pytest.raises(TypeError):
        serial_hex("01")


# -- the inventory ---------------------------------------------------------------------------------

def test_inventory_file_is_private(make_ca):
    ca = make_ca()
    assert _mode(ca.directory / "inventory.sqlite3") == 0o600
    assert _mode(ca.directory / "issued") == 0o700


def test_records_filters(make_ca, leaf_key):
    ca = make_ca()
    now = datetime.now(timezone.utc).replace(microsecond=0)
    public = leaf_key.public_key()
    short = ca.issue_server(dns=["short.example.org"], public_key=public, days=10, now=now)
    long = ca.issue_server(dns=["long.example.org"], public_key=public, days=100, now=now)
    gone = ca.issue_server(dns=["gone.example.org"], public_key=public, days=10, now=now)
    ca.revoke(gone.record.serial, "cessationOfOperation", at=now)
    serials = lambda records: [r.serial for r in records]
    assert serials(ca.inventory.records()) == [short.record.serial, long.record.serial, gone.record.serial]
    assert serials(ca.inventory.records(status="revoked")) == [gone.record.serial]
    assert serials(ca.inventory.records(status="valid")) == [short.record.serial, long.record.serial]
    assert serials(ca.inventory.records(expiring_within=timedelta(days=30), at=now)) == \
        [short.record.serial]
    later = now + timedelta(days=11)
    assert serials(ca.inventory.records(expiring_within=timedelta(days=30), at=later)) == []
    assert serials(ca.inventory.records(expiring_within=timedelta(days=90), at=later)) == \
        [long.record.serial]
    assert serials(ca.inventory.records(status="expired", at=later)) == [short.record.serial]
    assert short.record.is_expired(later) and not long.record.is_expired(later)
    with pytest.raises(InvalidValue, match="status"):
        ca.inventory.records(status="lost")
    with pytest.raises(TypeError):
        ca.inventory.records(expiring_within=30)
    with pytest.raises(InvalidValue, match="timezone-aware"):
        ca.inventory.records(at=datetime(2030, 1, 1))


def test_record_round_trip(make_ca, leaf_key):
    ca = make_ca()
    issued = ca.issue_client(org="Clinic", client_id="ABCDEFGH12345678",
                             machine_id="0123456789abcdef0123456789abcdef", mac="AA:BB:CC:DD:EE:FF",
                             public_key=leaf_key.public_key())
    again = Inventory(ca.directory).get(issued.record.serial)
    assert again == issued.record
    assert isinstance(again, IssuedRecord) and again.mac_address == "aa:bb:cc:dd:ee:ff"
    assert again.subject == "CN=ABCDEFGH12345678,O=Clinic"
    assert type(again.not_after) is datetime and again.not_after.tzinfo == timezone.utc
    assert again.serial_hex + ".pem" == again.path.name
    assert len(ca.inventory) == 1 and issued.record.serial in ca.inventory


def test_inventory_errors(tmp_path):
    with pytest.raises(InvalidValue, match="not a CA directory"):
        Inventory(tmp_path)
    (tmp_path / "inventory.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(InvalidValue, match="not a usable inventory"):
        Inventory(tmp_path)


def test_inventory_of_another_program(tmp_path):
    db = sqlite3.connect(tmp_path / "inventory.sqlite3")
    db.execute("CREATE TABLE other (x)")
    db.commit()
    db.close()
    with pytest.raises(InvalidValue, match="not an x509core inventory"):
        Inventory(tmp_path)


def test_inventory_create_refuses_existing(make_ca):
    ca = make_ca()
    with pytest.raises(AlreadyExists):
        Inventory(ca.directory, create=True)


def test_counter_increases(make_ca):
    ca = make_ca()
    assert [ca.inventory.next_counter("n") for _ in range(3)] == [1, 2, 3]
    assert ca.inventory.meta("n") == "3" and ca.inventory.meta("other") is None


def test_failed_write_rolls_back(make_ca):
    ca = make_ca()
    with pytest.raises(RuntimeError):
        with ca.inventory.write() as db:
            ca.inventory.set_meta(db, "x", "1")
            raise RuntimeError("abort")
    assert ca.inventory.meta("x") is None


# -- reconciliation --------------------------------------------------------------------------------

def _issue(ca, leaf_key, name="a.example.org"):
    return ca.issue_server(dns=[name], public_key=leaf_key.public_key())


def test_consistent_ca_needs_no_repair(make_ca, leaf_key):
    ca = make_ca()
    _issue(ca, leaf_key)
    assert ca.check().consistent and ca.reconcile().consistent


def test_missing_file_is_restored_from_the_inventory(make_ca, leaf_key):
    ca = make_ca()
    record = _issue(ca, leaf_key).record
    record.path.unlink()
    assert ca.check().restored == (record.serial,)
    assert not record.path.exists()                       # check() changes nothing
    assert ca.reconcile().restored == (record.serial,)
    assert record.path.read_text() == record.pem
    assert ca.check().consistent


def test_changed_file_is_reported_not_overwritten(make_ca, leaf_key):
    ca = make_ca()
    record = _issue(ca, leaf_key).record
    record.path.write_text("tampered")
    found = ca.reconcile()
    assert len(found.problems) == 1 and "differs" in found.problems[0]
    assert record.path.read_text() == "tampered"


def test_orphan_of_this_ca_is_adopted(make_ca, leaf_key):
    ca = make_ca()
    issued = _issue(ca, leaf_key)
    with ca.inventory.write() as db:                      # as if the row's commit never happened
        db.execute("DELETE FROM certificates")
    assert ca.check().adopted == (issued.record.serial,)
    assert len(ca.inventory) == 0
    assert ca.reconcile().adopted == (issued.record.serial,)
    adopted = ca.inventory.get(issued.record.serial)
    assert adopted.pem == issued.record.pem and adopted.profile == "server"
    assert adopted.status == "valid"


def test_foreign_or_misnamed_files_are_reported_not_adopted(make_ca, leaf_key, other_leaf_key):
    ca = make_ca()
    other = make_ca(key=other_leaf_key)                   # another CA, another key
    foreign = _issue(other, leaf_key).record
    (ca.directory / "issued" / foreign.path.name).write_text(foreign.pem)   # another CA's
    own = _issue(ca, leaf_key).record
    misnamed = ca.directory / "issued" / "0102.pem"
    misnamed.write_text(own.pem)
    (ca.directory / "issued" / "notes.txt").write_text("hello")
    (ca.directory / "issued" / "0A0B.pem").write_bytes(b"\xff\xfe")
    found = ca.reconcile()
    assert found.adopted == ()
    text = "\n".join(found.problems)
    assert len(found.problems) == 4
    assert "signature" in text and "does not match its name" in text
    assert "not a certificate file name" in text
    assert {p.name for p in (ca.directory / "issued").iterdir()} >= {foreign.path.name, "0102.pem"}


def test_stale_temporary_files_are_removed(make_ca):
    ca = make_ca()
    stale = [ca.directory / "issued" / ".0A0B.pem.xyz.tmp", ca.directory / ".crl.pem.abc.tmp"]
    for path in stale:
        path.write_text("partial")
    assert sorted(ca.check().removed_temporary) == sorted(p.name for p in stale)
    assert all(p.exists() for p in stale)
    reopened = CertificateAuthority.open(ca.directory)    # open() reconciles
    assert not any(p.exists() for p in stale)
    assert reopened.check().consistent
    reopened.close()


def test_reconcile_without_an_adopter_reports_orphans(make_ca, leaf_key):
    ca = make_ca()
    _issue(ca, leaf_key)
    with ca.inventory.write() as db:
        db.execute("DELETE FROM certificates")
    found = ca.inventory.check()
    assert found.adopted == () and "no inventory row" in found.problems[0]
    assert store.Reconciliation().consistent
