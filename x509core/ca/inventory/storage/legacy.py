"""The first inventory layout (x509core 0.1: one ``certificates`` table keyed by serial, and a
``meta`` table holding the cRLNumber counter), upgraded by migration 1 in place.

Each old row is copied with the columns it lacked read from its own PEM (names, key algorithm),
so an upgraded inventory answers searches as a new one does.
"""

from __future__ import annotations

import json

from x509core.ca.inventory.fields import certificate_fields, search_key
from x509core.cert.certificate import load_pem_certificate

__all__ = ["has_legacy_table", "legacy_rows"]

_OLD = ("serial", "subject", "profile", "machine_identity", "mac_address", "not_before",
        "not_after", "status", "revocation_reason", "revocation_date", "path", "pem", "issued_at")


def has_legacy_table(tx) -> bool:
    return tx.one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'certificates'") \
        is not None


def legacy_rows(tx) -> None:
    """Copy the renamed old tables into the new ones, then drop them."""
    node = tx.engine.node
    rows = tx.all(f"SELECT {', '.join(_OLD)} FROM legacy_certificates ORDER BY rowid")
    for row in rows:
        old = dict(zip(_OLD, row, strict=True))
        fields = certificate_fields(load_pem_certificate(old["pem"]))
        values = {**old, "common_name": fields["common_name"],
                  "organization": fields["organization"],
                  "cn_key": search_key(fields["common_name"]),
                  "org_key": search_key(fields["organization"]), "binding": fields["binding"],
                  "dns_names": json.dumps(list(fields["dns_names"])),
                  "ip_addresses": json.dumps(list(fields["ip_addresses"])),
                  "key_algorithm": fields["key_algorithm"], "node": node,
                  "reserved_at": old["issued_at"]}
        tx.execute(f"INSERT INTO certificates ({', '.join(values)}) "
                   f"VALUES ({', '.join('?' * len(values))})", tuple(values.values()))
        for kind, names in (("dns", fields["dns_names"]), ("ip", fields["ip_addresses"])):
            for value in sorted(set(names)):
                tx.execute("INSERT INTO certificate_names (serial, kind, value) VALUES (?, ?, ?)",
                           (old["serial"], kind, value))
    for key, value in tx.all("SELECT key, value FROM legacy_meta"):
        if key == "crl_number":
            tx.execute("INSERT INTO counters (name, value) VALUES (?, ?)", (key, int(value)))
        elif key != "crl_published":
            tx.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (key, value))
    tx.execute("DROP TABLE legacy_certificates")
    tx.execute("DROP TABLE legacy_meta")
