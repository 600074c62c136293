"""The small PKI of the TLS and link tests (tests/ca/links/test_tls.py, test_https_links.py,
test_dicom_links.py): a site CA made with x509core's CertificateAuthority, a server certificate
for localhost and 127.0.0.1, client certificates bound to machines, and the certificates that
must be refused (from a foreign CA, without clientAuth, bound to another machine, for another
organization), and the same bound clients with the subjectAltName carrier (issue 15). Every
leaf uses the RSA-2048 fixture key; no key is generated.

Also :func:`handshake`: one TLS handshake over a socket pair, server in a thread, with timeouts.
"""

from __future__ import annotations

import socket
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path

from tests.ca.conftest import CLIENT_ID, MACHINE_ID, ORG
from x509core.ca.issuance.certificate_authority import CertificateAuthority
from x509core.cert import Certificate
from x509core.rsa.key import RSAPrivateKey

__all__ = ["LinksPKI", "build_pki", "handshake", "OTHER_MACHINE_ID", "TIMEOUT"]

OTHER_MACHINE_ID = "0123456789abcdef0123456789abcdef"
TIMEOUT = 10.0                       # seconds, for every socket and subprocess of these tests


@dataclass
class LinksPKI:
    ca: Certificate
    foreign_ca: Certificate
    key: RSAPrivateKey                          # every leaf's private key
    server: Certificate                         # serverAuth, localhost + 127.0.0.1
    client: Certificate                         # clientAuth, ORG, bound to MACHINE_ID
    other_machine_client: Certificate           # clientAuth, ORG, bound to OTHER_MACHINE_ID
    other_org_client: Certificate               # clientAuth, another organization
    foreign_client: Certificate                 # clientAuth, issued by the foreign CA
    server_only: Certificate                    # serverAuth only: not a client certificate
    san_client: Certificate                     # as client, the binding in subjectAltName URNs
    san_other_machine_client: Certificate       # as other_machine_client, subjectAltName URNs
    files: dict[str, Path] = field(default_factory=dict)


def build_pki(directory: Path, ca_key: RSAPrivateKey, leaf_key: RSAPrivateKey,
              foreign_key: RSAPrivateKey) -> LinksPKI:
    """Make the PKI in ``directory`` and write every certificate and the key as PEM files."""
    public = leaf_key.public_key()
    with CertificateAuthority.create(directory / "site-ca", subject="/C=DE/O=Example Clinic/CN=Site CA",
                                     passphrase=None, key=ca_key) as ca, \
         CertificateAuthority.create(directory / "foreign-ca", subject="/C=DE/O=Elsewhere/CN=Foreign CA",
                                     passphrase=None, key=foreign_key) as foreign:
        def client(authority, org=ORG, machine=MACHINE_ID, client_id=CLIENT_ID, binding="seed"):
            return authority.issue_client(org=org, client_id=client_id, machine_id=machine,
                                          public_key=public, days=30, binding=binding).certificate
        pki = LinksPKI(
            ca=ca.certificate, foreign_ca=foreign.certificate, key=leaf_key,
            server=ca.issue_server(dns=["localhost"], ip=["127.0.0.1"], public_key=public,
                                   days=30).certificate,
            client=client(ca),
            other_machine_client=client(ca, machine=OTHER_MACHINE_ID, client_id="HZ10999900000002"),
            other_org_client=client(ca, org="Other Hospital", client_id="HZ10999900000003"),
            foreign_client=client(foreign),
            server_only=ca.issue_server(dns=["modality.example"], public_key=public,
                                        days=30).certificate,
            san_client=client(ca, client_id="HZ10999900000004", binding="san"),
            san_other_machine_client=client(ca, machine=OTHER_MACHINE_ID,
                                            client_id="HZ10999900000005", binding="san"),
        )
    for name in ("ca", "foreign_ca", "server", "client", "other_machine_client",
                 "other_org_client", "foreign_client", "server_only", "san_client",
                 "san_other_machine_client"):
        path = directory / f"{name}.pem"
        path.write_text(getattr(pki, name).to_pem())
        pki.files[name] = path
    pki.files["key"] = directory / "key.pem"
    pki.files["key"].write_text(leaf_key.to_pem())
    pki.files["key"].chmod(0o600)
    return pki


def handshake(server_ctx: ssl.SSLContext, client_ctx: ssl.SSLContext,
              server_hostname: str | None = "localhost"):
    """One handshake over a socket pair, then one byte each way. Returns (server outcome,
    client outcome): each the peer's DER certificate (or None) on success, or the exception."""
    left, right = socket.socketpair()
    left.settimeout(TIMEOUT)
    right.settimeout(TIMEOUT)
    outcome: dict[str, object] = {}

    def serve() -> None:
        try:
            with server_ctx.wrap_socket(left, server_side=True) as tls:
                tls.sendall(b"S")
                tls.recv(1)
                outcome["server"] = tls.getpeercert(binary_form=True)
        except (OSError, ValueError) as exc:
            outcome["server"] = exc
        finally:
            left.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        with client_ctx.wrap_socket(right, server_hostname=server_hostname) as tls:
            tls.sendall(b"C")
            if tls.recv(1) != b"S":
                raise ConnectionError("the server closed the connection")
            outcome["client"] = tls.getpeercert(binary_form=True)
    except (OSError, ValueError) as exc:
        outcome["client"] = exc
    finally:
        right.close()
        thread.join(TIMEOUT)
    assert not thread.is_alive(), "the server side of the handshake hung"
    return outcome["server"], outcome["client"]
