"""The CA directory and the operator's files around it (issue 16, items 6 and 10): x509core
changes the mode only of a directory it created, refuses a non-empty directory that is not a
CA, creates missing parents 0700, and on open removes only its own temporary files."""

from __future__ import annotations

import os
import stat

import pytest

from tests.ca.conftest import CA_SUBJECT
from tests.ca.cli.test_cli import fast_keys_and_machine, one_error_line, run  # noqa: F401 (fixture)
from x509core.ca.files import AlreadyExists
from x509core.ca.issuance.certificate_authority import CertificateAuthority


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# -- item 6: whose directory is it? ----------------------------------------------------------------

def test_create_keeps_the_mode_of_an_existing_empty_directory(tmp_path, ca_key):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)                       # like /tmp: sticky, world-writable
    CertificateAuthority.create(shared, subject=CA_SUBJECT, passphrase=None, key=ca_key).close()
    assert _mode(shared) == 0o1777                 # not x509core's to lock down
    assert _mode(shared / "ca.key") == 0o600 and _mode(shared / "issued") == 0o700


def test_create_refuses_a_non_empty_directory_that_is_not_a_ca(tmp_path, ca_key):
    other = tmp_path / "other"
    other.mkdir()
    os.chmod(other, 0o1777)
    (other / "someone-elses-file").write_text("mine")
    with pytest.raises(AlreadyExists, match="not empty"):
        CertificateAuthority.create(other, subject=CA_SUBJECT, passphrase=None, key=ca_key)
    assert _mode(other) == 0o1777
    assert sorted(p.name for p in other.iterdir()) == ["someone-elses-file"]


def test_create_makes_missing_parents_private(tmp_path, ca_key):
    directory = tmp_path / "a" / "b" / "ca"
    CertificateAuthority.create(directory, subject=CA_SUBJECT, passphrase=None, key=ca_key).close()
    for path in (tmp_path / "a", tmp_path / "a" / "b", directory):
        assert _mode(path) == 0o700, path


def test_cli_ca_init_and_quickstart_leave_a_shared_directory_alone(tmp_path):
    shared = tmp_path / "tmp-like"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    (shared / "report.txt").write_text("another user's file")
    line = one_error_line(run("--ca-dir", shared, "ca", "init", "--cn", "X", "--no-encrypt"))
    assert "not empty" in line
    assert "not empty" in one_error_line(run("quickstart", shared))
    assert _mode(shared) == 0o1777 and [p.name for p in shared.iterdir()] == ["report.txt"]


# -- item 10: only x509core's own temporary files ----------------------------------------------------

def test_open_removes_only_its_own_temporary_files(make_ca):
    ca = make_ca()
    directory = ca.directory
    ca.close()
    own = directory / ".crl.pem.k2j4h_9a.tmp"                  # as atomic_write names them
    notes = [directory / ".notes.tmp", directory / "notes.tmp", directory / ".plan.v2.tmp"]
    for path in (own, *notes):
        path.write_text("text")
    (directory / ".x.tmp").mkdir()                              # a directory of that name
    (directory / "issued" / ".y.tmp").mkdir()
    reopened = CertificateAuthority.open(directory)
    reopened.close()
    assert not own.exists()
    assert all(p.read_text() == "text" for p in notes)
    assert (directory / ".x.tmp").is_dir() and (directory / "issued" / ".y.tmp").is_dir()


def test_every_command_works_beside_a_directory_named_like_a_temporary_file(make_ca):
    ca = make_ca()
    (ca.directory / ".x.tmp").mkdir()
    (ca.directory / "issued" / ".z.abcdefgh.tmp").mkdir()
    ca.close()
    for command in (["list"], ["crl"], ["revoke", "01"]):
        result = run("--ca-dir", ca.directory, *command)
        assert result.code == (2 if command[0] == "revoke" else 0), result.err
        assert "Is a directory" not in result.err and "unknown serial" in result.err \
            if command[0] == "revoke" else True
    assert (ca.directory / "issued" / ".z.abcdefgh.tmp").is_dir()
