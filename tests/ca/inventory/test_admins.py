"""Admin accounts and sessions in the inventory (schema version 3), on both engines: added
once, never replaced, removed with their sessions, every change audited; sessions stored by
hash, ended, swept when expired or idle; version 2 upgraded to 3."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from tests.ca.inventory.conftest import T0
from x509core.ca.files import AlreadyExists
from x509core.ca.inventory import open_inventory
from x509core.ca.inventory.admins import AdminSession
from x509core.ca.inventory.records import Actor
from x509core.errors import InvalidValue

HASH = "scrypt$17$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + "A" * 43 + "="


def _session(name: str, secret: str, *, at=T0, hours: int = 8) -> AdminSession:
    return AdminSession(hashlib.sha256(secret.encode()).hexdigest(), name, at, at,
                        at + timedelta(hours=hours), "127.0.0.1")


def test_an_account_is_added_once_and_audited(inventory):
    admin = Actor("cli", "cli")
    account = inventory.add_admin("alice", HASH, created_by="cli", at=T0,
                                  audit=admin.event("admin-add", "alice"))
    assert (account.name, account.password_hash, account.created_at) == ("alice", HASH, T0)
    assert inventory.admin("alice") == account and inventory.admin("bob") is None
    with pytest.raises(AlreadyExists, match="already exists"):
        inventory.add_admin("alice", HASH.replace("A", "B"), created_by="cli")
    assert inventory.admin("alice").password_hash == HASH          # never replaced
    inventory.add_admin("bob", HASH, created_by="alice")
    assert [a.name for a in inventory.admins()] == ["alice", "bob"]
    assert [(e.action, e.target) for e in inventory.audit_page()] == [("admin-add", "alice")]


def test_removing_an_account_ends_its_sessions(inventory):
    inventory.add_admin("alice", HASH, created_by="cli")
    inventory.add_admin("bob", HASH, created_by="cli")
    for name, secret in (("alice", "s1"), ("alice", "s2"), ("bob", "s3")):
        inventory.add_admin_session(_session(name, secret))
    ended = inventory.remove_admin("alice", audit=Actor().event("admin-remove", "alice"))
    assert ended == 2 and inventory.admin("alice") is None
    assert inventory.admin_session(_session("alice", "s1").id) is None
    assert inventory.admin_session(_session("bob", "s3").id).admin == "bob"
    with pytest.raises(InvalidValue, match="no admin named"):
        inventory.remove_admin("alice")
    assert inventory.audit_page()[-1].action == "admin-remove"


def test_a_session_needs_its_account(inventory):
    with pytest.raises(Exception):                  # the foreign key refuses it
        inventory.add_admin_session(_session("nobody", "s"))
    assert inventory.query("SELECT COUNT(*) FROM admin_sessions")[0][0] == 0


def test_sessions_are_kept_by_hash_touched_ended_and_swept(inventory):
    inventory.add_admin("alice", HASH, created_by="cli")
    live, idle, old = _session("alice", "live"), _session("alice", "idle"), \
        _session("alice", "old", at=T0 - timedelta(hours=9))
    for session in (live, idle, old):
        inventory.add_admin_session(session)
    stored = inventory.query("SELECT id FROM admin_sessions")
    assert all("live" not in row[0] and len(row[0]) == 64 for row in stored)
    inventory.touch_admin_session(live.id, T0 + timedelta(minutes=40))
    assert inventory.admin_session(live.id).seen_at == T0 + timedelta(minutes=40)
    swept = inventory.sweep_admin_sessions(expired_before=T0 + timedelta(minutes=45),
                                           idle_before=T0 + timedelta(minutes=15))
    assert swept == 2                                  # the idle one and the expired one
    assert inventory.admin_session(live.id) is not None
    assert inventory.admin_session(idle.id) is None and inventory.admin_session(old.id) is None
    assert inventory.end_admin_session(live.id, audit=Actor("admin", "alice").event(
        "admin-logout", "alice"))
    assert not inventory.end_admin_session(live.id)
    assert [e.action for e in inventory.audit_page()] == ["admin-logout"]


def test_version_2_is_upgraded_to_3(tmp_path, inventory_location, monkeypatch):
    from tests.ca.inventory.conftest import add_synthetic
    from x509core.ca.inventory.storage import base, schema
    directory = tmp_path / "ca"
    directory.mkdir()
    monkeypatch.setattr(base, "MIGRATIONS", schema.MIGRATIONS[:2])
    monkeypatch.setattr(base, "VERSION", 2)
    with open_inventory(directory, inventory_location, create=True) as old:
        assert old.schema_version_now() == 2
        kept = [add_synthetic(old, i, dns=[f"ws{i}.example.org"]) for i in range(3)]
        with pytest.raises(Exception):                 # version 2 has no admin accounts
            old.add_admin("alice", HASH, created_by="cli")
    monkeypatch.undo()
    with open_inventory(directory, inventory_location) as upgraded:
        assert upgraded.schema_version_now() == schema.VERSION >= 3
        assert upgraded.records() == kept
        assert upgraded.records(profile="client", sort="not_after") == kept
        upgraded.add_admin("alice", HASH, created_by="cli")
        assert upgraded.admins()[0].name == "alice"
        versions = upgraded.query("SELECT version FROM schema_migrations ORDER BY version")
        assert [v[0] for v in versions] == [1, 2, 3]


def test_expiry_counts_per_interval(inventory):
    from tests.ca.inventory.conftest import add_synthetic
    for i, days in enumerate((10, 40, 45, 400)):
        add_synthetic(inventory, i, days=days)
    bounds = [T0, T0 + timedelta(days=30), T0 + timedelta(days=60), T0 + timedelta(days=365)]
    assert inventory.expiry_counts(bounds) == [1, 2, 0]
    inventory.mark_revoked(0x1001, "keyCompromise", T0)
    assert inventory.expiry_counts(bounds) == [1, 1, 0]             # valid ones only
    with pytest.raises(InvalidValue):
        inventory.expiry_counts([T0])
