"""The certificate authority: a CA directory with its inventory (SQLite, or PostgreSQL for
several nodes), the client (machine-bound) and server profiles, CSRs, revocation and CRLs;
machine identity, PKCS #12 export and TLS contexts beside it.

    from x509core.ca import CertificateAuthority
    ca = CertificateAuthority.create("site-ca", subject="/C=DE/O=Clinic/CN=Clinic Root CA",
                                     passphrase=b"...")
    issued = ca.issue_server(dns=["pacs.clinic.example"], ip=["10.0.0.5"])

Names are imported on first use (PEP 562), so ``import x509core.ca`` stays cheap.
"""

from __future__ import annotations

import importlib

_LAZY = {
    "CertificateAuthority": "x509core.ca.issue", "Issued": "x509core.ca.issue",
    "REVOCATION_REASONS": "x509core.ca.issue",
    "Inventory": "x509core.ca.inventory", "IssuedRecord": "x509core.ca.inventory",
    "Reconciliation": "x509core.ca.inventory", "serial_hex": "x509core.ca.inventory",
    "open_inventory": "x509core.ca.inventory", "AuditEvent": "x509core.ca.inventory",
    "Token": "x509core.ca.inventory", "InventoryUnavailable": "x509core.ca.inventory",
    "AlreadyExists": "x509core.ca.files", "atomic_write": "x509core.ca.files",
    "parse_not_after": "x509core.ca.profiles",
    "machine_identity": "x509core.ca.machine", "primary_mac_address": "x509core.ca.machine",
    "MachineIdError": "x509core.ca.machine",
    "export_pkcs12": "x509core.ca.pkcs12",
    "server_ssl_context": "x509core.ca.tls", "client_ssl_context": "x509core.ca.tls",
    "check_peer": "x509core.ca.tls",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'x509core.ca' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
