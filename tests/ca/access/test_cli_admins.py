"""Administrators (``x509core/ca/admins.py``) and ``x509core admin add|list|remove``: scrypt
hashes with the documented parameters and a salt of their own, checked against
``hashlib.scrypt`` recomputed here and against pyca/cryptography's scrypt; the password from a
file or the environment, never echoed, the rules enforced with one line and exit status 2."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from tests.ca.cli.test_cli import one_error_line, run
from x509core.ca import admins
from x509core.errors import InvalidValue

PASSWORD = b"correct horse battery staple"


def test_the_hash_is_scrypt_with_the_documented_parameters():
    stored = admins.hash_password(PASSWORD)
    kind, log2_n, r, p, salt, digest = stored.split("$")
    assert (kind, log2_n, r, p) == ("scrypt", "17", "8", "1")
    salt, digest = base64.b64decode(salt), base64.b64decode(digest)
    assert len(salt) == 16 and len(digest) == 32
    # An independent implementation (OpenSSL through pyca/cryptography) derives the same key.
    Scrypt(salt=salt, length=32, n=2 ** 17, r=8, p=1).verify(PASSWORD, digest)
    assert admins.check_password(stored, PASSWORD)
    assert not admins.check_password(stored, PASSWORD + b"!")
    assert not admins.check_password(None, PASSWORD)                # no such account
    assert admins.hash_password(PASSWORD) != stored                 # a new salt each time


def test_a_hash_with_other_parameters_still_verifies():
    salt = bytes(range(16))
    digest = Scrypt(salt=salt, length=32, n=2 ** 14, r=8, p=1).derive(PASSWORD)
    stored = f"scrypt$14$8$1${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"
    assert admins.check_password(stored, PASSWORD) and not admins.check_password(stored, b"x" * 12)
    for bad in ("scrypt$40$8$1$AA==$AA==", "bcrypt$2b$...", "scrypt$14$8$1$!!$AA=="):
        with pytest.raises(InvalidValue):
            admins.check_password(bad, PASSWORD)


@pytest.mark.parametrize("password, reason", [
    (b"short", "at least 12"), (b"tab\tinside pw!", "control"), (b"\xff" * 20, "UTF-8"),
    (b"x" * 1025, "limited to 1024"),
    # the guessable kinds of NIST SP 800-63B §5.1.1.2 (a review added the first three)
    (b"aaaaaaaaaaaa", "three different characters"), (b"passwordpassword", "repeats"),
    (b"weakuser3weakuser3", "repeats"), (b"123456789012", "keyboard row"),
    (b"qwertyuiopas", "keyboard row"), (b"Password2026!", "common word"),
    (b"P4ssw0rd!2026", "common word"), (b"Radiology123!", "common word"),
    (b"my x509core pw", "contains 'x509core'")])
def test_password_rules(password, reason):
    with pytest.raises(InvalidValue, match=reason):
        admins.check_new_password(password)


def test_the_account_and_the_ca_are_context_and_good_passwords_pass():
    with pytest.raises(InvalidValue, match="contains 'alice'"):
        admins.check_new_password(b"Alice and her PACS", ("alice",))
    with pytest.raises(InvalidValue, match="contains 'exampleclinic'"):
        admins.check_new_password(b"ExampleClinic!2026", ("alice", "Example Clinic"))
    for good in (PASSWORD, b"Tr0ub4dor&3 horse", "gr\u00fcne Wiese am Fluss".encode()):
        assert admins.check_new_password(good, ("alice", "Example Clinic")) == good


@pytest.mark.parametrize("name", ["", "bad name", "-dash", "a" * 65, "alice\n", "<b>"])
def test_name_rules(name):
    with pytest.raises(InvalidValue, match="admin name"):
        admins.check_name(name)


@pytest.fixture
def ca_dir(make_ca, monkeypatch):
    ca = make_ca()
    monkeypatch.setenv("X509CORE_CA_DIR", str(ca.directory))
    monkeypatch.delenv("X509CORE_ADMIN_PASSWORD", raising=False)
    return ca


def test_admin_add_refuses_a_password_made_of_the_cas_name(ca_dir, tmp_path):
    secret = tmp_path / "password"
    secret.write_text("Example Clinic Root CA!\n")           # the CA's CN
    line = one_error_line(run("admin", "add", "bob", "--password-file", secret))
    assert "contains 'exampleclinic" in line and ca_dir.inventory.admin("bob") is None


def test_admin_add_list_remove(ca_dir, tmp_path, monkeypatch):
    secret = tmp_path / "password"
    secret.write_bytes(PASSWORD + b"\nsecond line ignored\n")
    added = run("admin", "add", "alice", "--password-file", secret)
    assert added.code == 0 and added.out == "added the admin alice\n", added.err
    assert PASSWORD.decode() not in added.out + added.err
    stored = ca_dir.inventory.admin("alice").password_hash
    assert admins.check_password(stored, PASSWORD) and PASSWORD.decode() not in stored
    monkeypatch.setenv("X509CORE_ADMIN_PASSWORD", "another good password")
    assert run("admin", "add", "bob.smith@radiology").code == 0
    assert admins.check_password(ca_dir.inventory.admin("bob.smith@radiology").password_hash,
                                 b"another good password")
    listing = run("admin", "list")
    assert listing.out.splitlines()[0].split() == ["NAME", "CREATED", "BY"]
    assert [line.split()[0] for line in listing.out.splitlines()[1:]] == \
        ["alice", "bob.smith@radiology"]
    assert "scrypt" not in listing.out
    as_json = json.loads(run("admin", "list", "--json").out)
    assert [a["name"] for a in as_json] == ["alice", "bob.smith@radiology"]
    assert all(set(a) == {"name", "created_at", "created_by"} for a in as_json)
    removed = run("admin", "remove", "alice")
    assert removed.code == 0 and "removed the admin alice" in removed.out
    actions = [(e.action, e.actor_kind, e.target) for e in ca_dir.inventory.audit_page()]
    assert actions == [("admin-add", "cli", "alice"), ("admin-add", "cli", "bob.smith@radiology"),
                       ("admin-remove", "cli", "alice")]


def test_admin_refusals_are_one_line(ca_dir, monkeypatch):
    monkeypatch.setenv("X509CORE_ADMIN_PASSWORD", "another good password")
    assert "admin name" in one_error_line(run("admin", "add", "bad name"))
    assert run("admin", "add", "alice").code == 0
    assert "already exists" in one_error_line(run("admin", "add", "alice"))
    monkeypatch.setenv("X509CORE_ADMIN_PASSWORD", "too short")
    assert "at least 12" in one_error_line(run("admin", "add", "carol"))
    monkeypatch.delenv("X509CORE_ADMIN_PASSWORD")
    # No file, no variable, no terminal: it says where the password may come from.
    line = one_error_line(run("admin", "add", "carol"))
    assert "--password-file" in line and "X509CORE_ADMIN_PASSWORD" in line
    assert "no admin named" in one_error_line(run("admin", "remove", "nobody"))
    assert ca_dir.inventory.admin("carol") is None
