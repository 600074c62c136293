"""End to end with an EC modality key (issue 11), with real tools on loopback.

A modality makes its P-256 key pair and CSR with OpenSSL (``openssl req -newkey ec -pkeyopt
ec_paramgen_curve:P-256``, the machine binding in the request); the site's CA signs it with the
real command line (``python3 -m x509core issue client --csr``). With that certificate and
OpenSSL's key file:

- dcmtk's ``echoscu +tls`` (Debian package dcmtk) completes mutual TLS and a C-ECHO against a
  pynetdicom SCP presenting our RSA server certificate, whose context applies the
  medical-imaging policy (x509core's validator after each handshake): it accepts the machine
  binding; a modality bound to another machine is refused;
- curl completes mutual TLS against an HTTPS server with the same RSA certificate and policy;
- a pynetdicom SCU whose context x509core's TLS helper made from the EC key file (PKCS #8,
  SEC 1 or encrypted PKCS #8, never computed with) is accepted by the policy SCP.

Every socket and subprocess has a timeout (tls_pki.TIMEOUT).
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from pynetdicom import AE
from pynetdicom.sop_class import Verification

from tests.ca.conftest import CLIENT_ID, MACHINE_ID, ORG
from tests.ca.links.test_dicom_links import SCP_TITLE, scp
from tests.ca.links.test_https_links import https_server
from tests.ca.links.tls_pki import OTHER_MACHINE_ID, TIMEOUT, handshake
from tests.conftest import REPO
from x509core import MedicalImagingPolicy
from x509core.ca.issuance.certificate_authority import CertificateAuthority
from x509core.ca.keys import OpaqueECPrivateKey, load_pem_private_key
from x509core.ca.tls import client_ssl_context, server_ssl_context
from x509core.cert import Certificate, load_pem_certificate
from x509core.ec.key import ECPublicKey
from x509core.errors import X509CoreError
from x509core.rsa.keys import private_key_to_pem

OTHER_CLIENT_ID = "HZ10999900000009"


@dataclass
class Site:
    ca: Certificate
    server: Certificate                 # RSA-2048, localhost and 127.0.0.1, serverAuth
    server_key: object
    modality: Certificate               # EC P-256, bound to MACHINE_ID (made by the CLI)
    other_machine: Certificate          # EC P-384, bound to OTHER_MACHINE_ID
    files: dict


def _run(args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True,
                          timeout=TIMEOUT + 50, **kwargs)


def _modality(openssl: str, where: Path, ca_dir: Path, name: str, curve: str, machine: str,
              client_id: str) -> Path:
    """OpenSSL makes the key and CSR; ``x509core issue client --csr`` signs it."""
    key, csr, cert = where / f"{name}.key", where / f"{name}.csr", where / f"{name}.pem"
    made = _run([openssl, "req", "-new", "-newkey", "ec", "-pkeyopt", f"ec_paramgen_curve:{curve}",
                 "-nodes", "-keyout", key, "-subj", f"/O={ORG}/CN={client_id}", "-addext",
                 f"1.3.6.1.4.15967132172.1=DER:{machine.encode('ascii').hex()}", "-out", csr])
    assert made.returncode == 0, made.stderr
    issued = _run([sys.executable, "-m", "x509core", "issue", "client", "--csr", csr,
                   "--ca-dir", ca_dir, "--days", "30", "--out", cert], cwd=REPO)
    assert issued.returncode == 0, issued.stdout + issued.stderr
    return cert


@pytest.fixture(scope="module")
def site(openssl, tmp_path_factory, ca_key, leaf_key) -> Site:
    where = tmp_path_factory.mktemp("ec-links")
    ca_dir = where / "site-ca"
    with CertificateAuthority.create(ca_dir, subject="/C=DE/O=Example Clinic/CN=Site CA",
                                     passphrase=None, key=ca_key) as ca:
        server = ca.issue_server(dns=["localhost"], ip=["127.0.0.1"],
                                 public_key=leaf_key.public_key(), days=30).certificate
        ca_cert = ca.certificate
    files = {"ca": where / "ca.pem", "server": where / "server.pem", "server_key": where / "server.key"}
    files["ca"].write_text(ca_cert.to_pem())
    files["server"].write_text(server.to_pem())
    files["server_key"].write_text(private_key_to_pem(leaf_key))
    files["server_key"].chmod(0o600)
    files["modality"] = _modality(openssl, where, ca_dir, "modality", "P-256", MACHINE_ID, CLIENT_ID)
    files["other"] = _modality(openssl, where, ca_dir, "other", "P-384", OTHER_MACHINE_ID,
                               OTHER_CLIENT_ID)
    return Site(ca_cert, server, leaf_key, load_pem_certificate(files["modality"].read_text()),
                load_pem_certificate(files["other"].read_text()), files)


@pytest.fixture(autouse=True)
def quiet_pynetdicom():
    logger = logging.getLogger("pynetdicom")
    level = logger.level
    logger.setLevel(logging.CRITICAL)                # refusals are expected; keep output short
    yield
    logger.setLevel(level)


def _policy_context(site: Site):
    policy = MedicalImagingPolicy(machine_identity=MACHINE_ID, organizations=(ORG,),
                                  issuing_ca=site.ca)
    return server_ssl_context(site.server, site.server_key, ca_certificates=[site.ca],
                              policy=policy)


@pytest.fixture(scope="module")
def policy_scp(site):
    with scp(_policy_context(site)) as found:
        yield found


def _key_file(site: Site, name: str) -> Path:
    return site.files[name].with_suffix(".key")


# -- the certificate the command line issued --------------------------------------------------------

def test_the_cli_signed_the_openssl_p256_csr(openssl, site):
    cert = site.modality
    assert isinstance(cert.public_key, ECPublicKey) and cert.public_key.curve.nist_name == "P-256"
    key = load_pem_private_key(_key_file(site, "modality").read_text())
    assert isinstance(key, OpaqueECPrivateKey) and key.matches(cert.public_key) is True
    assert cert.machine_identity == MACHINE_ID and cert.subject.common_name == CLIENT_ID
    ku = cert.key_usage
    assert ku.digital_signature and not ku.key_encipherment
    done = _run([openssl, "verify", "-x509_strict", "-purpose", "sslclient", "-CAfile",
                 site.files["ca"], site.files["modality"]])
    assert done.returncode == 0, done.stdout + done.stderr


# -- x509core's TLS helpers with OpenSSL's EC key files ---------------------------------------------

@pytest.mark.parametrize("form", ["pkcs8", "sec1", "encrypted"])
def test_tls_helpers_take_openssl_ec_key_files(openssl, site, tmp_path, form):
    source = _key_file(site, "modality")
    if form == "pkcs8":
        text, password = source.read_text(), None
    elif form == "sec1":
        text, password = _run([openssl, "ec", "-in", source]).stdout, None
        assert "BEGIN EC PRIVATE KEY" in text
    else:
        text, password = _run([openssl, "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", source,
                               "-passout", "pass:modality"]).stdout, "modality"
    key = load_pem_private_key(text, password)
    client = client_ssl_context(site.modality, key, ca_certificates=[site.ca])
    server = server_ssl_context(site.server, site.server_key, ca_certificates=[site.ca])
    seen_by_server, seen_by_client = handshake(server, client)
    assert seen_by_server == site.modality.raw and seen_by_client == site.server.raw


def test_an_ec_server_certificate_with_its_openssl_key(openssl, site, tmp_path, ca_key):
    """A P-521 server key made by OpenSSL, its CSR signed for the server profile: the server
    context presents it, and the EC modality's client context accepts it (both sides EC)."""
    key_path, csr_path = tmp_path / "pacs.key", tmp_path / "pacs.csr"
    made = _run([openssl, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-521",
                 "-nodes", "-keyout", key_path, "-subj", "/CN=localhost", "-addext",
                 "subjectAltName=DNS:localhost,IP:127.0.0.1", "-out", csr_path])
    assert made.returncode == 0, made.stderr
    from x509core.cert import load_pem_csr
    with CertificateAuthority.open(site.files["ca"].parent / "site-ca") as ca:
        server_cert = ca.sign_csr(load_pem_csr(csr_path.read_text()), profile="server",
                                  days=30).certificate
    assert not server_cert.key_usage.key_encipherment
    server = server_ssl_context(server_cert, load_pem_private_key(key_path.read_text()),
                                ca_certificates=[site.ca])
    modality_key = load_pem_private_key(_key_file(site, "modality").read_text())
    client = client_ssl_context(site.modality, modality_key, ca_certificates=[site.ca])
    seen_by_server, seen_by_client = handshake(server, client)
    assert seen_by_server == site.modality.raw and seen_by_client == server_cert.raw


def test_a_key_of_another_certificate_is_refused(site):
    other = load_pem_private_key(_key_file(site, "other").read_text())
    with pytest.raises(X509CoreError, match="does not match"):
        client_ssl_context(site.modality, other, ca_certificates=[site.ca])
    with pytest.raises(X509CoreError, match="does not match"):
        client_ssl_context(site.server, other, ca_certificates=[site.ca])


# -- dcmtk echoscu -------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def dcmtk_echoscu() -> str:
    """dcmtk's echoscu (pynetdicom installs a Python script of the same name, which may come
    first on PATH): the one whose --version names dcmtk. Missing is a failure (.ci/run installs
    the Debian package dcmtk)."""
    for directory in os.environ.get("PATH", "").split(os.pathsep) + ["/usr/bin"]:
        candidate = shutil.which("echoscu", path=directory)
        if candidate:
            done = subprocess.run([candidate, "--version"], capture_output=True, text=True,
                                  timeout=TIMEOUT)
            if "dcmtk" in done.stdout:
                return candidate
    pytest.fail("dcmtk's echoscu is required by this test (apt-get install -y dcmtk)")


def _echoscu(echoscu: str, site: Site, port: int, name: str) -> subprocess.CompletedProcess:
    return _run([echoscu, "+tls", _key_file(site, name), site.files[name], "+cf", site.files["ca"],
                 "-to", int(TIMEOUT), "-ta", int(TIMEOUT), "-td", int(TIMEOUT),
                 "-aet", "MODALITY01", "-aec", SCP_TITLE, "127.0.0.1", port])


def test_dcmtk_echoscu_completes_mutual_tls_with_the_ec_key(dcmtk_echoscu, site, policy_scp):
    port, echoes = policy_scp
    done = _echoscu(dcmtk_echoscu, site, port, "modality")
    assert done.returncode == 0, done.stdout + done.stderr
    assert echoes[-1] == CLIENT_ID            # the policy SCP accepted the machine binding


def test_dcmtk_echoscu_bound_to_another_machine_is_refused(dcmtk_echoscu, site, policy_scp):
    port, echoes = policy_scp
    before = list(echoes)
    done = _echoscu(dcmtk_echoscu, site, port, "other")
    assert done.returncode != 0 and echoes == before, done.stdout + done.stderr
    assert _echoscu(dcmtk_echoscu, site, port, "modality").returncode == 0   # still serving


# -- pynetdicom SCU with x509core's client context --------------------------------------------------

def test_pynetdicom_scu_with_the_ec_key_file_is_accepted_by_the_policy_scp(site, policy_scp):
    port, echoes = policy_scp
    key = load_pem_private_key(_key_file(site, "modality").read_text())
    context = client_ssl_context(site.modality, key, ca_certificates=[site.ca])
    ae = AE(ae_title="MODALITY01")
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = ae.connection_timeout = TIMEOUT
    ae.add_requested_context(Verification)
    assoc = ae.associate("127.0.0.1", port, ae_title=SCP_TITLE, tls_args=(context, "localhost"))
    assert assoc.is_established
    try:
        assert int(assoc.send_c_echo().Status) == 0x0000
    finally:
        assoc.release()
    assert echoes[-1] == CLIENT_ID


# -- curl ------------------------------------------------------------------------------------------

def _curl(curl: str, site: Site, port: int, name: str) -> subprocess.CompletedProcess:
    return _run([curl, "--silent", "--show-error", "--max-time", int(TIMEOUT), "--cacert",
                 site.files["ca"], "--cert", site.files[name], "--key", _key_file(site, name),
                 f"https://127.0.0.1:{port}/"])


def test_curl_completes_mutual_tls_with_the_ec_key(curl, site):
    with https_server(_policy_context(site)) as httpd:
        port = httpd.server_address[1]
        done = _curl(curl, site, port, "modality")
        assert done.returncode == 0 and done.stdout == f"hello {CLIENT_ID}\n", done.stderr
        refused = _curl(curl, site, port, "other")
        assert refused.returncode != 0 and "hello" not in refused.stdout
        assert httpd.seen == [CLIENT_ID]


def test_a_key_file_without_its_public_key_is_checked_by_openssl(openssl, site):
    """``openssl ec -no_public`` leaves the public key out: x509core does not compute it from
    the secret (x509core/ec/private_keys.py), so OpenSSL's own check of the pair decides."""
    text = _run([openssl, "ec", "-no_public", "-in", _key_file(site, "modality")]).stdout
    key = load_pem_private_key(text)
    assert key.public_key is None and key.matches(site.modality.public_key) is None
    client = client_ssl_context(site.modality, key, ca_certificates=[site.ca])
    server = server_ssl_context(site.server, site.server_key, ca_certificates=[site.ca])
    assert handshake(server, client)[0] == site.modality.raw
    wrong = _run([openssl, "ec", "-no_public", "-in", _key_file(site, "other")]).stdout
    with pytest.raises(X509CoreError, match="does not match"):     # P-384: another curve
        client_ssl_context(site.modality, load_pem_private_key(wrong), ca_certificates=[site.ca])
    same_curve = _run([openssl, "genpkey", "-algorithm", "EC", "-pkeyopt",
                       "ec_paramgen_curve:P-256"]).stdout
    same_curve = _run([openssl, "ec", "-no_public"], input=same_curve).stdout
    with pytest.raises(X509CoreError, match="does not match"):     # OpenSSL's check
        client_ssl_context(site.modality, load_pem_private_key(same_curve),
                           ca_certificates=[site.ca])
