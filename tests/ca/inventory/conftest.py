"""Fixtures of the inventory tests: a bare inventory on each engine, and synthetic rows.

Synthetic rows carry a placeholder instead of a signed PEM: listing, search, pagination, tokens
and the audit trail do not read certificates, and thousands of real signatures would only slow
the suite (the CA tests store real certificates, on both engines too)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from x509core.ca.inventory import IssuedRecord, open_inventory, serial_hex

__all__ = ["synthetic_record", "add_synthetic", "T0"]

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


@pytest.fixture
def inventory(tmp_path, inventory_location):
    """An empty inventory (SQLite, then PostgreSQL) for a CA directory ``tmp_path/ca``."""
    directory = tmp_path / "ca"
    directory.mkdir()
    store = open_inventory(directory, inventory_location, create=True)
    yield store
    store.close()


def synthetic_record(directory, i: int, *, days: int = 365, profile: str = "client",
                     org: str = "Example Clinic", dns=(), ip=(), machine=None) -> IssuedRecord:
    serial = 0x1000 + i
    return IssuedRecord(
        serial=serial, subject=f"CN=WS{i:06d},O={org}", profile=profile,
        machine_identity=machine if machine is not None else f"{i:032x}", mac_address=None,
        not_before=T0, not_after=T0 + timedelta(days=days), status="reserved",
        revocation_reason=None, revocation_date=None,
        path=directory / "issued" / f"{serial_hex(serial)}.pem", pem=None,
        common_name=f"WS{i:06d}", organization=org, dns_names=tuple(dns), ip_addresses=tuple(ip),
        key_algorithm="RSA-2048")


def add_synthetic(inventory, i: int, **kwargs) -> IssuedRecord:
    """Reserve and complete one synthetic row; its stored record."""
    record = synthetic_record(inventory.directory, i, **kwargs)
    inventory.reserve(record, at=T0)
    return inventory.complete(record.serial, f"PEM {i}", at=T0)
