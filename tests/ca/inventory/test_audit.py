"""The audit trail on both engines: appended in the transaction of the change it records,
read back filtered and streamed, and refused by the database itself to UPDATE or DELETE."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from tests.ca.inventory.conftest import T0, add_synthetic
from x509core.ca.inventory.records import Actor, AuditEvent
from x509core.errors import InvalidValue


def test_append_and_filter(inventory):
    admin, token = Actor("admin", "alice", "10.0.0.7"), Actor("token", "0123456789abcdef")
    for i in range(25):
        actor = admin if i % 5 == 0 else token
        event = actor.event("enroll" if actor is token else "revoke", target=f"{i:04X}",
                            outcome="failure" if i % 7 == 0 else "success")
        inventory.append_audit(replace(event, at=T0 + timedelta(minutes=i)))
    everything = list(inventory.iter_audit())
    assert [e.id for e in everything] == sorted(e.id for e in everything) and len(everything) == 25
    assert everything[0].source == "10.0.0.7" and everything[0].actor_kind == "admin"
    assert len(inventory.audit_page(actor="alice")) == 5
    assert [e.target for e in inventory.audit_page(action="enroll", outcome="failure")] == \
        ["0007", "000E", "0015"]
    window = inventory.audit_page(since=T0 + timedelta(minutes=3), until=T0 + timedelta(minutes=6))
    assert [e.target for e in window] == ["0003", "0004", "0005"]
    assert len(list(inventory.iter_audit(after_id=everything[19].id))) == 5
    assert len(list(inventory.iter_audit(limit=7))) == 7
    with pytest.raises(InvalidValue):
        inventory.append_audit(AuditEvent(action="x", actor_kind="robot"))


def test_a_change_and_its_audit_row_are_one_transaction(inventory):
    record = add_synthetic(inventory, 1)
    with pytest.raises(InvalidValue):                       # the audit row is bad: no revocation
        inventory.mark_revoked(record.serial, "keyCompromise", T0,
                               audit=AuditEvent(action="revoke", outcome="maybe"))
    assert inventory.get(record.serial).status == "valid" and inventory.audit_page() == []


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET outcome = 'success'",
                                       "DELETE FROM audit_events"])
def test_the_database_refuses_to_rewrite_the_trail(inventory, statement):
    inventory.append_audit(Actor().event("revoke", outcome="failure"))
    with pytest.raises(Exception, match="append-only"):
        with inventory.write() as tx:
            tx.execute(statement)
    assert [e.outcome for e in inventory.audit_page()] == ["failure"]
