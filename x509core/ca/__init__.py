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

from x509core.lazy import lazy_attributes

_LAZY = {
    "CertificateAuthority": "issuance.certificate_authority",
    "Issued": "issuance.issuing",
    "REVOCATION_REASONS": "issuance.revocation",
    "Inventory": "inventory", "IssuedRecord": "inventory",
    "Reconciliation": "inventory", "serial_hex": "inventory",
    "open_inventory": "inventory", "AuditEvent": "inventory",
    "Token": "inventory", "InventoryUnavailable": "inventory",
    "AlreadyExists": "files", "atomic_write": "files",
    "parse_not_after": "issuance.inputs",
    "machine_identity": "machine", "primary_mac_address": "machine",
    "MachineIdError": "machine",
    "export_pkcs12": "pkcs12",
    "server_ssl_context": "tls", "client_ssl_context": "tls",
    "check_peer": "tls",
}

__all__ = sorted(_LAZY)

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)
