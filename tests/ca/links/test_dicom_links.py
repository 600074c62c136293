"""End to end: DICOM over TLS with pynetdicom on loopback. An SCP (Verification SOP class) that
requires client certificates and an SCU doing C-ECHO with our certificates: success; a client
certificate from another CA or without clientAuth is refused; and an SCP that applies the
machine-binding and organization policy through x509core's validator (``policy=`` of
server_ssl_context, which runs check_peer after each handshake) refuses a client whose
certificate is bound to another machine, whichever carrier holds the binding (the seed
system's extensions or subjectAltName URNs, issue 15). Threads only; every timeout is set."""

from __future__ import annotations

import logging
from contextlib import contextmanager

import pytest
from pynetdicom import AE, evt
from pynetdicom.sop_class import Verification

from tests.ca.conftest import MACHINE_ID, ORG
from tests.ca.links.tls_pki import TIMEOUT, build_pki
from x509core import MedicalImagingPolicy
from x509core.ca.tls import client_ssl_context, server_ssl_context

SCP_TITLE = "X509CORE_SCP"


@pytest.fixture(scope="module")
def pki(tmp_path_factory, ca_key, leaf_key, other_leaf_key):
    return build_pki(tmp_path_factory.mktemp("dicom"), ca_key, leaf_key, other_leaf_key)


@pytest.fixture(autouse=True)
def quiet_pynetdicom():
    logger = logging.getLogger("pynetdicom")
    level = logger.level
    logger.setLevel(logging.CRITICAL)                # refusals are expected; keep output short
    yield
    logger.setLevel(level)


def _timeouts(ae: AE) -> AE:
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = TIMEOUT
    ae.connection_timeout = TIMEOUT
    return ae


@contextmanager
def scp(context):
    """A Verification SCP on 127.0.0.1 (a free port) with ``context``; yields (port, echoes)
    where echoes lists the certificate CN of each peer whose C-ECHO was served."""
    echoes: list[str] = []

    def on_echo(event):
        peer = event.assoc.dul.socket.socket.getpeercert()
        echoes.append(dict(rdn[0] for rdn in peer["subject"])["commonName"])
        return 0x0000

    ae = _timeouts(AE(ae_title=SCP_TITLE))
    ae.add_supported_context(Verification)
    server = ae.start_server(("127.0.0.1", 0), block=False, ssl_context=context,
                             evt_handlers=[(evt.EVT_C_ECHO, on_echo)])
    try:
        yield server.server_address[1], echoes
    finally:
        server.shutdown()


def c_echo(pki, port: int, certificate: str, server_hostname: str = "localhost"):
    """Associate over TLS, C-ECHO, release. Returns the C-ECHO status, or None when no
    association was established."""
    context = client_ssl_context(getattr(pki, certificate), pki.key, ca_certificates=[pki.ca])
    ae = _timeouts(AE(ae_title="MODALITY01"))
    ae.add_requested_context(Verification)
    assoc = ae.associate("127.0.0.1", port, ae_title=SCP_TITLE,
                         tls_args=(context, server_hostname))
    if not assoc.is_established:
        return None
    try:
        status = assoc.send_c_echo()
        return int(status.Status) if status else None
    finally:
        assoc.release()


@pytest.fixture(scope="module")
def plain_scp(pki):
    with scp(server_ssl_context(pki.server, pki.key, ca_certificates=[pki.ca])) as found:
        yield found


@pytest.fixture(scope="module")
def policy_scp(pki):
    policy = MedicalImagingPolicy(machine_identity=MACHINE_ID, organizations=(ORG,),
                                  issuing_ca=pki.ca)
    context = server_ssl_context(pki.server, pki.key, ca_certificates=[pki.ca], policy=policy)
    with scp(context) as found:
        yield found


def test_c_echo_over_mutual_tls(pki, plain_scp):
    port, echoes = plain_scp
    assert c_echo(pki, port, "client") == 0x0000
    assert echoes[-1] == "HZ10999900000001"
    assert c_echo(pki, port, "client", server_hostname="127.0.0.1") == 0x0000


@pytest.mark.parametrize("certificate", ["foreign_client", "server_only"])
def test_foreign_ca_and_wrong_eku_are_refused(pki, plain_scp, certificate):
    port, echoes = plain_scp
    before = list(echoes)
    assert c_echo(pki, port, certificate) is None
    assert echoes == before


def test_scu_refuses_an_scp_with_the_wrong_name(pki, plain_scp):
    port, echoes = plain_scp
    before = list(echoes)
    assert c_echo(pki, port, "client", server_hostname="pacs.example") is None
    assert echoes == before


def test_policy_scp_accepts_the_bound_client(pki, policy_scp):
    port, echoes = policy_scp
    assert c_echo(pki, port, "client") == 0x0000
    assert echoes[-1] == "HZ10999900000001"


@pytest.mark.parametrize("certificate", ["other_machine_client", "other_org_client"])
def test_policy_scp_refuses_another_machine_or_organization(pki, policy_scp, certificate, caplog):
    port, echoes = policy_scp
    before = list(echoes)
    with caplog.at_level(logging.WARNING, logger="x509core.ca.tls"):
        assert c_echo(pki, port, certificate) is None
    assert echoes == before
    expected = "machine_identity" if certificate == "other_machine_client" else "organization"
    assert "refused" in caplog.text and expected.split("_")[0] in caplog.text.lower()
    # The same SCP still serves the bound client afterwards.
    assert c_echo(pki, port, "client") == 0x0000


def test_policy_scp_accepts_the_san_bound_client(pki, policy_scp):
    """The subjectAltName carrier (urn:uuid:) satisfies the same policy as the seed one."""
    port, echoes = policy_scp
    assert pki.san_client.machine_binding.carrier == "san"
    assert c_echo(pki, port, "san_client") == 0x0000
    assert echoes[-1] == "HZ10999900000004"


def test_policy_scp_refuses_a_san_bound_client_of_another_machine(pki, policy_scp, caplog):
    port, echoes = policy_scp
    before = list(echoes)
    with caplog.at_level(logging.WARNING, logger="x509core.ca.tls"):
        assert c_echo(pki, port, "san_other_machine_client") is None
    assert echoes == before
    assert "refused" in caplog.text and "machine identity is not the expected one" in caplog.text
    assert c_echo(pki, port, "san_client") == 0x0000
