"""x509core.ca.tls: the contexts' settings, the key's short life on disk, and check_peer with
the medical-imaging policy, over loopback socket pairs (tests/ca/links/tls_pki.py)."""

from __future__ import annotations

import logging
import os
import ssl
import stat
import tempfile
from datetime import datetime, timedelta, timezone

import pytest

from tests.ca.conftest import MACHINE_ID, ORG
from tests.ca.links.tls_pki import OTHER_MACHINE_ID, build_pki, handshake
from x509core import MedicalImagingPolicy
from x509core.ca import tls
from x509core.ca.tls import check_peer, client_ssl_context, server_ssl_context
from x509core.errors import PathValidationError, X509CoreError

POLICY = MedicalImagingPolicy(machine_identity=MACHINE_ID, organizations=(ORG,))


@pytest.fixture(scope="module")
def pki(tmp_path_factory, ca_key, leaf_key, other_leaf_key):
    return build_pki(tmp_path_factory.mktemp("tls"), ca_key, leaf_key, other_leaf_key)


def _server(pki, **kwargs):
    return server_ssl_context(pki.server, pki.key, ca_certificates=[pki.ca], **kwargs)


def _client(pki, certificate="client", **kwargs):
    cert = getattr(pki, certificate) if certificate else None
    return client_ssl_context(cert, pki.key if cert else None, ca_certificates=[pki.ca], **kwargs)


def _refused(outcome) -> bool:
    return isinstance(outcome, (OSError, ValueError))


# -- settings ---------------------------------------------------------------------------------

def test_context_settings(pki):
    server, client = _server(pki), _client(pki)
    for ctx in (server, client):
        assert ctx.minimum_version == ssl.TLSVersion.TLSv1_2
        assert ctx.verify_mode == ssl.CERT_REQUIRED
        assert ctx.options & ssl.OP_NO_COMPRESSION and ctx.options & ssl.OP_NO_RENEGOTIATION
        tls12 = [c for c in ctx.get_ciphers() if c["protocol"] == "TLSv1.2"]
        assert tls12 and all(c["kea"] == "kx-ecdhe" and c["aead"] for c in tls12)
    assert client.check_hostname and not server.check_hostname
    assert [c["subject"] for c in client.get_ca_certs()] == [((("countryName", "DE"),),
            (("organizationName", "Example Clinic"),), (("commonName", "Site CA"),))]


def test_mutual_tls_handshake(pki):
    server_seen, client_seen = handshake(_server(pki), _client(pki))
    assert server_seen == pki.client.to_der()
    assert client_seen == pki.server.to_der()


def test_tls12_negotiates_forward_secret_aead_only(pki):
    client = _client(pki)
    client.maximum_version = ssl.TLSVersion.TLSv1_2
    client.set_ciphers("AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256")   # RSA key exchange first
    assert handshake(_server(pki), client)[1] == pki.server.to_der()
    only_rsa_kx = _client(pki)
    only_rsa_kx.maximum_version = ssl.TLSVersion.TLSv1_2
    only_rsa_kx.set_ciphers("AES256-GCM-SHA384")
    assert all(map(_refused, handshake(_server(pki), only_rsa_kx)))


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1:DeprecationWarning")
def test_old_protocol_versions_are_refused(pki):
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.load_verify_locations(cadata=pki.ca.to_pem())
    old.set_ciphers("DEFAULT:@SECLEVEL=0")
    old.minimum_version, old.maximum_version = ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1
    assert all(map(_refused, handshake(_server(pki), old)))
    # Control: this OpenSSL can still speak TLS 1.1, so the refusal above is our setting's.
    permissive = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    permissive.load_cert_chain(pki.files["server"], pki.files["key"])
    permissive.set_ciphers("DEFAULT:@SECLEVEL=0")
    permissive.minimum_version = ssl.TLSVersion.TLSv1
    assert handshake(permissive, old)[1] == pki.server.to_der()


def test_server_name_is_checked(pki):
    server, client = handshake(_server(pki), _client(pki), server_hostname="pacs.example")
    assert isinstance(client, ssl.SSLCertVerificationError)
    assert handshake(_server(pki), _client(pki), server_hostname="127.0.0.1")[1] == pki.server.to_der()


@pytest.mark.parametrize("certificate", ["foreign_client", "server_only", None])
def test_server_refuses_foreign_ca_missing_client_auth_and_no_certificate(pki, certificate):
    server, client = handshake(_server(pki), _client(pki, certificate))
    assert _refused(server) and _refused(client)


def test_optional_client_certificate(pki):
    server, client = handshake(_server(pki, require_client_certificate=False), _client(pki, None))
    assert server is None and client == pki.server.to_der()


# -- the key on disk ---------------------------------------------------------------------------

def test_key_is_written_encrypted_in_a_private_directory_and_removed(pki, monkeypatch):
    made, seen = [], {}
    real_mkdtemp, real_load = tempfile.mkdtemp, tls._PeerCheckingContext.load_cert_chain

    def mkdtemp(*args, **kwargs):
        made.append(real_mkdtemp(*args, **kwargs))
        return made[-1]

    def load_cert_chain(self, certfile, keyfile=None, password=None):
        seen["dir"] = stat.S_IMODE(os.stat(os.path.dirname(keyfile)).st_mode)
        seen["key"] = stat.S_IMODE(os.stat(keyfile).st_mode)
        seen["pem"] = open(keyfile).read()
        return real_load(self, certfile, keyfile, password)

    monkeypatch.setattr(tls.tempfile, "mkdtemp", mkdtemp)
    monkeypatch.setattr(tls._PeerCheckingContext, "load_cert_chain", load_cert_chain)
    _server(pki)
    assert seen["dir"] == 0o700 and seen["key"] == 0o600
    assert seen["pem"].startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert len(made) == 1 and not os.path.exists(made[0])


def test_files_are_removed_when_loading_fails(pki, monkeypatch):
    made = []
    real_mkdtemp = tempfile.mkdtemp
    monkeypatch.setattr(tls.tempfile, "mkdtemp", lambda *a, **k: made.append(real_mkdtemp(*a, **k)) or made[-1])
    monkeypatch.setattr(tls._PeerCheckingContext, "load_cert_chain",
                        lambda *a, **k: (_ for _ in ()).throw(ssl.SSLError("boom")))
    with pytest.raises(ssl.SSLError):
        _server(pki)
    assert made and not os.path.exists(made[0])


def test_argument_checks(pki, other_leaf_key):
    with pytest.raises(X509CoreError, match="does not match"):
        server_ssl_context(pki.server, other_leaf_key, ca_certificates=[pki.ca])
    with pytest.raises(X509CoreError, match="at least one CA"):
        server_ssl_context(pki.server, pki.key, ca_certificates=[])
    with pytest.raises(X509CoreError, match="at least one CA"):
        client_ssl_context(None, None, ca_certificates=[])
    with pytest.raises(X509CoreError, match="both"):
        client_ssl_context(pki.client, None, ca_certificates=[pki.ca])
    with pytest.raises(X509CoreError, match="require_client_certificate"):
        _server(pki, require_client_certificate=False, policy=POLICY)
    with pytest.raises(TypeError):
        server_ssl_context(pki.server.to_der(), pki.key, ca_certificates=[pki.ca])
    with pytest.raises(TypeError):
        server_ssl_context(pki.server, pki.key, ca_certificates=pki.ca)
    with pytest.raises(TypeError):
        _server(pki, policy="machine")
    with pytest.raises(TypeError):
        check_peer("not a peer", ca_certificates=[pki.ca])


# -- check_peer and contexts with a policy ------------------------------------------------------

def test_check_peer_on_certificates(pki):
    chain = check_peer(pki.client.to_der(), ca_certificates=[pki.ca], policy=POLICY)
    assert [c.to_der() for c in chain] == [pki.client.to_der(), pki.ca.to_der()]
    cases = [(pki.other_machine_client, "machine_binding_mismatch"),
             (pki.other_org_client, "organization"),
             (pki.foreign_client, "unknown_issuer"),
             (pki.server_only, "eku")]
    for certificate, category in cases:
        with pytest.raises(PathValidationError) as info:
            check_peer(certificate, ca_certificates=[pki.ca], purpose="client", policy=POLICY)
        assert info.value.category == category
    with pytest.raises(PathValidationError) as info:
        check_peer(pki.client, ca_certificates=[pki.ca], at=datetime.now(timezone.utc) + timedelta(days=60))
    assert info.value.category == "expired"


def test_check_peer_on_a_connected_socket(pki):
    checked = {}

    class Recording(tls._Check):
        def __call__(self, sock):
            checked["chain"] = check_peer(sock, ca_certificates=[pki.ca], policy=POLICY)

    server = _server(pki)
    server._x509core_check = Recording([pki.ca], (), "client", POLICY)
    assert handshake(server, _client(pki))[0] == pki.client.to_der()
    assert checked["chain"][0].to_der() == pki.client.to_der()


def test_check_peer_without_a_peer_certificate(pki):
    got = {}

    class Capture(tls._Check):
        def __call__(self, sock):
            try:
                check_peer(sock, ca_certificates=[pki.ca])
            except PathValidationError as exc:
                got["error"] = exc

    server = _server(pki, require_client_certificate=False)
    server._x509core_check = Capture([pki.ca], (), "client", POLICY)
    handshake(server, _client(pki, None))
    assert got["error"].category == "no_certificate"


@pytest.mark.parametrize("certificate, accepted", [
    ("client", True), ("other_machine_client", False), ("other_org_client", False)])
def test_server_policy(pki, certificate, accepted, caplog):
    with caplog.at_level(logging.WARNING, logger="x509core.ca.tls"):
        server, client = handshake(_server(pki, policy=POLICY), _client(pki, certificate))
    if accepted:
        assert server == getattr(pki, certificate).to_der() and client == pki.server.to_der()
    else:
        assert isinstance(server, ssl.SSLCertVerificationError) and _refused(client)
        assert "x509core refused the peer certificate" in str(server)
        assert "refused" in caplog.text


def test_server_policy_per_client(pki):
    """A policy looked up per peer: the machine each client id is registered for."""
    registry = {"HZ10999900000001": MACHINE_ID, "HZ10999900000002": "f" * 32}

    def policy_for(leaf):
        client_id = leaf.subject.rfc4514().split("CN=")[1].split(",")[0]
        return MedicalImagingPolicy(machine_identity=registry.get(client_id, "unregistered"),
                                    organizations=(ORG,), issuing_ca=pki.ca)

    assert handshake(_server(pki, policy=policy_for), _client(pki))[0] == pki.client.to_der()
    server, _ = handshake(_server(pki, policy=policy_for), _client(pki, "other_machine_client"))
    assert isinstance(server, ssl.SSLCertVerificationError) and "machine" in str(server)
    assert OTHER_MACHINE_ID not in registry.values()


def test_a_failing_policy_function_refuses_instead_of_crashing(pki):
    def broken(leaf):
        raise KeyError("no such client")

    server, client = handshake(_server(pki, policy=broken), _client(pki))
    assert isinstance(server, ssl.SSLCertVerificationError) and _refused(client)
    assert "no such client" in str(server)


def test_client_policy_checks_the_server(pki):
    client = _client(pki, policy=MedicalImagingPolicy(issuing_ca=pki.ca))
    assert handshake(_server(pki), client)[1] == pki.server.to_der()
    client = _client(pki, policy=MedicalImagingPolicy(organizations=("Nobody",)))
    assert isinstance(handshake(_server(pki), client)[1], ssl.SSLCertVerificationError)


def test_policy_context_needs_an_eager_handshake(pki):
    import socket
    ctx = _server(pki, policy=POLICY)
    with socket.socket() as sock:
        with pytest.raises(X509CoreError, match="do_handshake_on_connect"):
            ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
    with pytest.raises(X509CoreError, match="check_peer"):
        ctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_side=True)
    assert _server(pki).wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_side=True)
