"""Certificates obtained over EST (curl + openssl against the running service) then used for
what a site uses them for: DICOM over TLS (pynetdicom C-ECHO, mutual TLS, the SCP applying the
machine-binding policy) and HTTPS (curl with the client certificate against a server whose
certificate also came over EST). The machinery is that of tests/ca/links/test_dicom_links.py and
test_https_links.py."""

from __future__ import annotations

import logging
import subprocess

import pytest
from pynetdicom import AE
from pynetdicom.sop_class import Verification

from tests.ca.links.test_dicom_links import SCP_TITLE, _timeouts, scp
from tests.ca.links.test_https_links import https_server
from tests.service.clients import MACHINE, certificate_of, enroll, make_token, openssl_csr
from x509core import MedicalImagingPolicy, load_pem_certificate
from x509core.ca.tls import client_ssl_context, server_ssl_context
from x509core.rsa.keys import load_pem_private_key

pytestmark = pytest.mark.service

ORG = "Example Clinic"


@pytest.fixture(scope="module")
def enrolled(curl, openssl, service, service_ca, tmp_path_factory):
    """A server certificate (localhost, 127.0.0.1) and a client certificate bound to MACHINE,
    each obtained with its own token over EST; (ca, server, client), each (cert, key, files)."""
    directory = tmp_path_factory.mktemp("enrolled")
    server_token = make_token(service_ca, profile="server", dns=("localhost",),
                              ip=("127.0.0.1",))
    client_token = make_token(service_ca, client_id="CT50WORKSTATION0", machine_id=MACHINE,
                              organization=ORG)
    made = {}
    for name, token, subject, extra in (
            ("server", server_token, "/CN=localhost", {}),            # names: the token's
            ("client", client_token, f"/O={ORG}/CN=CT50WORKSTATION0", {"machine_id": MACHINE})):
        key_path, request, _ = openssl_csr(openssl, directory, subject, name=name, **extra)
        reply = enroll(curl, service, request, token)
        assert reply.code == 200, reply.text()
        certificate = certificate_of(reply)
        cert_path = directory / f"{name}.pem"
        cert_path.write_text(certificate.to_pem())
        made[name] = (certificate, load_pem_private_key(key_path.read_bytes()), cert_path,
                      key_path)
    ca = load_pem_certificate((service.ca_dir / "ca.pem").read_text())
    return ca, made["server"], made["client"]


def test_a_server_csr_without_names_gets_the_tokens(enrolled):
    _, (server, *_), _ = enrolled
    names = sorted(str(n.value) for n in server.subject_alternative_name.names)
    assert names == ["127.0.0.1", "localhost"]                     # all the token allowed


def test_dicom_c_echo_with_enrolled_certificates(enrolled):
    ca, (server, server_key, *_), (client, client_key, *_) = enrolled
    logging.getLogger("pynetdicom").setLevel(logging.CRITICAL)
    policy = MedicalImagingPolicy(machine_identity=MACHINE, organizations=(ORG,), issuing_ca=ca)
    context = server_ssl_context(server, server_key, ca_certificates=[ca], policy=policy)
    with scp(context) as (port, echoes):
        ae = _timeouts(AE(ae_title="MODALITY50"))
        ae.add_requested_context(Verification)
        assoc = ae.associate("127.0.0.1", port, ae_title=SCP_TITLE, tls_args=(
            client_ssl_context(client, client_key, ca_certificates=[ca]), "localhost"))
        assert assoc.is_established
        try:
            status = assoc.send_c_echo()
        finally:
            assoc.release()
    assert int(status.Status) == 0x0000 and echoes == ["CT50WORKSTATION0"]


def test_https_with_enrolled_certificates(curl, enrolled, service):
    ca, (server, server_key, *_), (_, _, client_pem, client_key_path) = enrolled
    context = server_ssl_context(server, server_key, ca_certificates=[ca])
    with https_server(context) as httpd:
        port = httpd.server_address[1]
        result = subprocess.run([curl, "-sS", "--max-time", "30", "--cacert",
                                 service.ca_dir / "ca.pem", "--cert", client_pem, "--key",
                                 client_key_path, f"https://localhost:{port}/"],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0 and result.stdout == "hello CT50WORKSTATION0\n", result
        refused = subprocess.run([curl, "-sS", "--max-time", "30", "--cacert",
                                  service.ca_dir / "ca.pem", f"https://localhost:{port}/"],
                                 capture_output=True, text=True, timeout=60)
        assert refused.returncode != 0                              # no client certificate
    assert httpd.seen == ["CT50WORKSTATION0"]
