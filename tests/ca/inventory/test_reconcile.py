"""Files of ``issued/`` and inventory rows in agreement: the repair on open (cheap, bounded)
and the full check, on both engines."""

from __future__ import annotations

import os

from x509core.ca.issuance.certificate_authority import CertificateAuthority


def _issue(ca, leaf_key, name="a.example.org"):
    return ca.issue_server(dns=[name], public_key=leaf_key.public_key())


def test_consistent_ca_needs_no_repair(engine_ca, leaf_key):
    ca = engine_ca()
    _issue(ca, leaf_key)
    assert ca.check().consistent and ca.reconcile().consistent


def test_missing_file_is_reported_by_check_and_restored(engine_ca, leaf_key):
    ca = engine_ca()
    record = _issue(ca, leaf_key).record
    record.path.unlink()
    assert ca.check().restored == (record.serial,)
    assert not record.path.exists()                       # check() changes nothing
    assert ca.inventory.reconcile(ca._adopt, full=True).restored == (record.serial,)
    assert record.path.read_text() == record.pem
    assert ca.check().consistent


def test_changed_file_is_reported_not_overwritten(engine_ca, leaf_key):
    ca = engine_ca()
    record = _issue(ca, leaf_key).record
    record.path.write_text("tampered")
    found = ca.check()
    assert len(found.problems) == 1 and "differs" in found.problems[0]
    assert record.path.read_text() == "tampered"


def test_files_without_rows_are_reported_not_adopted(engine_ca, leaf_key, make_ca, other_leaf_key):
    ca = engine_ca()
    other = make_ca(key=other_leaf_key)                   # another CA, another key
    foreign = _issue(other, leaf_key).record
    (ca.directory / "issued" / foreign.path.name).write_text(foreign.pem)
    own = _issue(ca, leaf_key).record
    (ca.directory / "issued" / "0102.pem").write_text(own.pem)
    (ca.directory / "issued" / "notes.txt").write_text("hello")
    found = ca.check()
    assert found.adopted == () and len(found.problems) == 3, found.problems
    text = "\n".join(found.problems)
    assert "not a certificate file name" in text and text.count("no inventory row") == 2
    assert CertificateAuthority.open(ca.directory).repairs.consistent    # open leaves them


def test_a_reservation_with_a_foreign_file_is_not_completed(engine_ca, leaf_key, make_ca,
                                                            other_leaf_key):
    """A file that is not this CA's certificate for the reserved serial never completes it."""
    ca = engine_ca()
    other = make_ca(key=other_leaf_key)
    forged = _issue(other, leaf_key).record
    record = ca._reservation(ca_builder(ca, leaf_key), "server")
    ca.inventory.reserve(record)
    record.path.write_text(forged.pem)
    found = ca.reconcile()
    assert found.adopted == () and "cannot complete its reservation" in found.problems[0]
    assert ca.inventory.certificate_status(record.serial) is None


def ca_builder(ca, leaf_key):
    from datetime import datetime, timedelta, timezone
    from x509core.ca.issuance import profiles
    now = datetime.now(timezone.utc).replace(microsecond=0)
    return profiles.server_builder(ca.certificate, leaf_key.public_key(), now,
                                   now + timedelta(days=30), dns=["r.example.org"], ip=(),
                                   common_name=None, org=None,
                                   also_client=False).with_serial_number(0x7A7A7A7A7A7A)


def test_stale_temporary_files_are_removed_on_open(engine_ca, leaf_key):
    ca = engine_ca()
    stale = ca.directory / ".crl.pem.abc123_x.tmp"
    stale.write_text("partial")
    os.symlink("/etc/passwd", ca.directory / ".ca.pem.zzzzzzzz.tmp")   # not a regular file
    assert ca.check().removed_temporary == (stale.name,)
    assert stale.exists()
    reopened = CertificateAuthority.open(ca.directory)
    assert not stale.exists() and (ca.directory / ".ca.pem.zzzzzzzz.tmp").is_symlink()
    assert reopened.check().consistent
    reopened.close()


def _cli(ca, location, *argv):
    from tests.ca.cli.test_cli import run
    where = ("--inventory", location) if location else ()
    return run("--ca-dir", ca.directory, *where, *argv)


def test_cli_check_reports_without_repairing_and_repair_restores(engine_ca, leaf_key):
    """`inventory check` reports a missing file and an open reservation, and leaves both as
    they are (the CLI's repair on open must not run first and hide them); `--repair` writes
    the file from its row and closes the reservation, and then all is consistent."""
    ca = engine_ca()
    record = _issue(ca, leaf_key).record
    record.path.unlink()
    reserved = ca._reservation(ca_builder(ca, leaf_key), "server")
    ca.inventory.reserve(reserved)                      # a process killed before it signed
    found = _cli(ca, engine_ca.location, "inventory", "check")
    assert found.code == 1, (found.out, found.err)
    assert f"missing file: {record.serial_hex}" in found.out.splitlines()
    assert f"open reservation: {reserved.serial_hex}" in found.out.splitlines()
    assert "--repair" in found.err and not record.path.exists()
    assert _cli(ca, engine_ca.location, "inventory", "check").out == found.out   # unchanged
    repaired = _cli(ca, engine_ca.location, "inventory", "check", "--repair")
    assert repaired.code == 0, (repaired.out, repaired.err)
    assert f"restored: {record.serial_hex}" in repaired.out.splitlines()
    assert f"closed reservation: {reserved.serial_hex}" in repaired.out.splitlines()
    assert record.path.read_text() == record.pem
    again = _cli(ca, engine_ca.location, "inventory", "check")
    assert again.code == 0 and again.out.startswith("consistent: 1 certificates")


def test_cli_repair_leaves_a_changed_file_to_a_person(engine_ca, leaf_key):
    ca = engine_ca()
    record = _issue(ca, leaf_key).record
    record.path.write_text("tampered")
    result = _cli(ca, engine_ca.location, "inventory", "check", "--repair")
    assert result.code == 1 and "differs" in result.out and "consistent" not in result.out
    assert record.path.read_text() == "tampered"
