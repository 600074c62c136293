"""Certificate rows on both engines: the reservation protocol, revocation, the OCSP status
lookup, and the records the CA stores (real certificates)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.ca.inventory.conftest import T0, add_synthetic, synthetic_record
from x509core.ca.inventory import SerialTaken, open_inventory
from x509core.errors import InvalidValue


def test_reserve_complete_get(inventory):
    record = synthetic_record(inventory.directory, 1, dns=["PACS.example.org"], ip=["10.0.0.5"])
    inventory.reserve(record, at=T0)
    with pytest.raises(InvalidValue, match="unknown serial"):       # a reservation is no certificate
        inventory.get(record.serial)
    assert record.serial in inventory and len(inventory) == 0
    stored = inventory.complete(record.serial, "PEM", at=T0)
    assert stored.status == "valid" and stored.pem == "PEM" and stored.issued_at == T0
    assert stored.dns_names == ("PACS.example.org",) and stored.ip_addresses == ("10.0.0.5",)
    assert inventory.records(search="pacs.EXAMPLE", search_field="dns") == [stored]
    assert stored.node == inventory.node and stored.key_algorithm == "RSA-2048"
    assert inventory.get(record.serial) == stored and len(inventory) == 1
    assert inventory.complete(record.serial, "PEM") == stored       # a retry finds its own work
    with pytest.raises(InvalidValue, match="not recorded"):
        inventory.complete(record.serial, "another PEM")


def test_a_taken_serial_is_refused_at_reservation(inventory):
    add_synthetic(inventory, 1)
    with pytest.raises(SerialTaken):
        inventory.reserve(synthetic_record(inventory.directory, 1))
    assert len(inventory) == 1


def test_abandoned_reservation_keeps_its_serial(inventory):
    record = synthetic_record(inventory.directory, 2)
    inventory.reserve(record)
    inventory.abandon(record.serial)
    assert record.serial in inventory and inventory.certificate_status(record.serial) is None
    with pytest.raises(SerialTaken):
        inventory.reserve(record)
    with pytest.raises(InvalidValue, match="abandoned"):
        inventory.complete(record.serial, "PEM")


def test_revocation_and_the_ocsp_status(inventory):
    record = add_synthetic(inventory, 3)
    assert inventory.certificate_status(record.serial) == ("valid", None, None)
    at = T0 + timedelta(days=3)
    revoked = inventory.mark_revoked(record.serial, "keyCompromise", at)
    assert revoked.status == "revoked" and revoked.revocation_date == at
    assert inventory.certificate_status(record.serial) == ("revoked", at, "keyCompromise")
    assert inventory.mark_revoked(record.serial, "keyCompromise", at) == revoked   # a retry
    with pytest.raises(InvalidValue, match="already revoked"):
        inventory.mark_revoked(record.serial, "superseded", at)
    with pytest.raises(InvalidValue, match="unknown serial"):
        inventory.mark_revoked(0xDEAD, "superseded", at)
    assert inventory.certificate_status(0xDEAD) is None


def test_counters_and_meta(inventory):
    assert [inventory.next_counter("n") for _ in range(3)] == [1, 2, 3]
    assert inventory.counter("n") == 3 and inventory.counter("other") == 0
    inventory.set_meta("k", "v")
    inventory.set_meta("k", "w")
    assert inventory.meta("k") == "w" and inventory.meta("none") is None


def test_failed_write_rolls_back(inventory):
    with pytest.raises(RuntimeError):
        with inventory.write() as tx:
            inventory.put_meta(tx, "x", "1")
            raise RuntimeError("abort")
    assert inventory.meta("x") is None


def test_an_inventory_belongs_to_one_ca(inventory, tmp_path, inventory_location):
    inventory.bind_ca("aa" * 32)
    inventory.bind_ca("aa" * 32)
    with pytest.raises(InvalidValue, match="another CA"):
        inventory.bind_ca("bb" * 32)


# -- with the CA's real certificates ---------------------------------------------------------------

def test_record_round_trip(engine_ca, leaf_key):
    ca = engine_ca()
    issued = ca.issue_client(org="Clinic", client_id="ABCDEFGH12345678",
                             machine_id="0123456789abcdef0123456789abcdef", mac="AA:BB:CC:DD:EE:FF",
                             public_key=leaf_key.public_key())
    again = open_inventory(ca.directory).get(issued.record.serial)
    assert again == issued.record
    assert again.mac_address == "aa:bb:cc:dd:ee:ff" and again.binding == "seed"
    assert again.subject == "CN=ABCDEFGH12345678,O=Clinic"
    assert (again.common_name, again.organization) == ("ABCDEFGH12345678", "Clinic")
    assert again.key_algorithm == "RSA-2048"
    assert type(again.not_after) is datetime and again.not_after.tzinfo == timezone.utc
    assert again.serial_hex + ".pem" == again.path.name
    assert len(ca.inventory) == 1 and issued.record.serial in ca.inventory
    events = ca.inventory.audit_page(action="issue")
    assert [(e.actor_kind, e.target) for e in events] == [("cli", issued.record.serial_hex)]


def test_records_filters(engine_ca, leaf_key):
    ca = engine_ca()
    now = datetime.now(timezone.utc).replace(microsecond=0)
    public = leaf_key.public_key()
    short = ca.issue_server(dns=["short.example.org"], public_key=public, days=10, now=now)
    long = ca.issue_server(dns=["long.example.org"], public_key=public, days=100, now=now)
    gone = ca.issue_server(dns=["gone.example.org"], public_key=public, days=10, now=now)
    ca.revoke(gone.record.serial, "cessationOfOperation", at=now)
    serials = lambda records: [r.serial for r in records]
    inv = ca.inventory
    assert serials(inv.records()) == [short.record.serial, long.record.serial, gone.record.serial]
    assert serials(inv.records(status="revoked")) == [gone.record.serial]
    assert serials(inv.records(status="valid")) == [short.record.serial, long.record.serial]
    assert serials(inv.records(expiring_within=timedelta(days=30), at=now)) == [short.record.serial]
    later = now + timedelta(days=11)
    assert serials(inv.records(expiring_within=timedelta(days=30), at=later)) == []
    assert serials(inv.records(expiring_within=timedelta(days=90), at=later)) == [long.record.serial]
    assert serials(inv.records(status="expired", at=later)) == [short.record.serial]
    assert serials(inv.records(search="long.example", search_field="dns")) == [long.record.serial]
    assert short.record.is_expired(later) and not long.record.is_expired(later)
    with pytest.raises(InvalidValue, match="status"):
        inv.records(status="lost")
    with pytest.raises(TypeError):
        inv.records(expiring_within=30)
    with pytest.raises(InvalidValue, match="timezone-aware"):
        inv.records(at=datetime(2030, 1, 1))
