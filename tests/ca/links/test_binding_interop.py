"""Issue 15, done when: every TLS stack reads x509core's machine-bound client certificates of
both kinds, except Go with the seed carrier.

- Go's ``crypto/x509`` (tests/go/parse, built here with the toolchain of tests/gotool.py)
  refuses a ``seed``-bound certificate for its OID arc above 2^31, as it refuses the seed
  system's own ``client-HZ109999.pem``, and parses and verifies a ``san``-bound one, reading the
  binding from its URI subjectAltNames. Under a CA with URI name constraints Go refuses the
  URNs (no host to match), as x509core does (tests/cert/names/test_binding.py) and OpenSSL does.
- OpenSSL (``openssl x509 -text``, ``openssl verify -purpose sslclient``), GnuTLS
  (``certtool -i``) and pyca/cryptography read both kinds.
- A Go HTTPS server requiring client certificates (tests/go/tlsserver,
  ``tls.RequireAndVerifyClientCert``) accepts a ``san``-bound client certificate from curl and
  reads the binding back from the URI SAN; a ``seed``-bound one fails Go's handshake.

These tests do no bignum work of x509core's beyond issuing a few certificates (Go, curl,
OpenSSL and GnuTLS do the checking), so they carry the ``interop`` marker: the pure-Python pass
can leave them out."""

from __future__ import annotations

import json
import select
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest
from cryptography import x509 as cx509

from tests.ca.conftest import CLIENT_ID, MAC, MACHINE_ID, ORG
from tests.conftest import INTEROP, require_program, require_shared
from tests.gotool import GoTool
from x509core.ca.issuance.certificate_authority import CertificateAuthority
from x509core.cert import CertificateBuilder, Name, oids
from x509core.cert.extensions import (BasicConstraints, ExtendedKeyUsage, GeneralSubtree,
                                      KeyUsage, NameConstraints, SubjectAlternativeName)
from x509core.cert.names.general_name import UniformResourceIdentifier

pytestmark = pytest.mark.interop

UUID_URN = "urn:uuid:c417aa48-02b3-441d-931c-135cbdaab367"
MAC_URN = "urn:dev:mac:18c04dfac0a8"
TIMEOUT = 30.0


@pytest.fixture(scope="module")
def go_programs(tmp_path_factory):
    tool = GoTool(tmp_path_factory.mktemp("go"))
    return {name: tool.build(name) for name in ("parse", "tlsserver")}


@pytest.fixture(scope="module")
def certtool() -> str:
    return require_program("certtool", "gnutls-bin")


@dataclass
class Files:
    ca: Path
    seed: Path
    san: Path
    server: Path
    key: Path


@pytest.fixture(scope="module")
def files(tmp_path_factory, ca_key, leaf_key) -> Files:
    directory = tmp_path_factory.mktemp("interop")
    public = leaf_key.public_key()
    with CertificateAuthority.create(directory / "ca", subject="/C=DE/O=Example Clinic/CN=Site CA",
                                     passphrase=None, key=ca_key) as ca:
        made = {
            "seed": ca.issue_client(org=ORG, client_id=CLIENT_ID, machine_id=MACHINE_ID, mac=MAC,
                                    public_key=public, days=30),
            "san": ca.issue_client(org=ORG, client_id=CLIENT_ID, machine_id=MACHINE_ID, mac=MAC,
                                   public_key=public, days=30, binding="san"),
            "server": ca.issue_server(dns=["localhost"], ip=["127.0.0.1"], public_key=public,
                                      days=30),
        }
        paths = {"ca": directory / "ca" / "ca.pem"}
    for name, issued in made.items():
        paths[name] = directory / f"{name}.pem"
        paths[name].write_text(issued.certificate.to_pem())
    paths["key"] = directory / "key.pem"
    paths["key"].write_text(leaf_key.to_pem())
    paths["key"].chmod(0o600)
    return Files(**paths)


def _go_parse(go_programs, *paths, ca=None) -> list[dict]:
    argv = [str(go_programs["parse"]), *(["-ca", str(ca)] if ca else []), *map(str, paths)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


# -- Go's crypto/x509 -----------------------------------------------------------------------------

def test_go_refuses_the_seed_carrier_and_reads_the_san_carrier(go_programs, files):
    seed_system = require_shared(INTEROP / "client-HZ109999.pem")
    seed, san, theirs = _go_parse(go_programs, files.seed, files.san, seed_system, ca=files.ca)
    # The seed carrier: refused whole, exactly as the seed system's own certificate is.
    for refused in (seed, theirs):
        assert not refused["parsed"]
        assert "malformed extension OID" in refused["error"], refused
    assert seed["error"] == theirs["error"]
    # The san carrier: parsed, verified as a client certificate, the binding read from the URIs.
    assert san["parsed"] and san["verified"], san
    assert san["subject"] == f"CN={CLIENT_ID},O={ORG}"
    assert san["uris"] == [UUID_URN, MAC_URN]
    assert (san["machine_identity"], san["mac_address"]) == (MACHINE_ID, MAC.replace(":", ""))


def _constrained_pair(directory: Path, leaf_key, kind: str) -> tuple[Path, Path]:
    """A root with a URI name constraint (.example.org) and a san-bound leaf under it."""
    validity = (datetime(2025, 1, 1, tzinfo=timezone.utc), datetime(2030, 1, 1, tzinfo=timezone.utc))
    subtree = (GeneralSubtree(UniformResourceIdentifier(".example.org")),)
    constraints = NameConstraints(**{f"{kind}_subtrees": subtree})
    name = Name.build([("O", "Example Clinic"), ("CN", f"URI-constrained {kind} root")])
    root = (CertificateBuilder().with_subject(name).with_issuer(name).with_serial_number(7)
            .with_validity(*validity).with_public_key(leaf_key.public_key())
            .with_extension(BasicConstraints(ca=True), critical=True)
            .with_extension(KeyUsage(key_cert_sign=True, crl_sign=True), critical=True)
            .with_extension(constraints, critical=True)
            .with_subject_key_identifier().sign(leaf_key))
    leaf = (CertificateBuilder().with_subject(Name.build([("O", ORG), ("CN", CLIENT_ID)]))
            .with_issuer(name).with_serial_number(8).with_validity(*validity)
            .with_public_key(leaf_key.public_key())
            .with_extension(BasicConstraints(ca=False), critical=True)
            .with_extension(KeyUsage(digital_signature=True), critical=True)
            .with_extension(ExtendedKeyUsage((oids.OID_CLIENT_AUTH,)), critical=False)
            .with_extension(SubjectAlternativeName((UniformResourceIdentifier(UUID_URN),)),
                            critical=False)
            .with_subject_key_identifier().with_authority_key_identifier(leaf_key.public_key())
            .sign(leaf_key))
    paths = directory / f"{kind}-root.pem", directory / f"{kind}-leaf.pem"
    paths[0].write_text(root.to_pem())
    paths[1].write_text(leaf.to_pem())
    return paths


@pytest.mark.parametrize("kind", ["permitted", "excluded"])
def test_uri_name_constraints_refuse_the_urns_in_go_and_openssl(go_programs, openssl, leaf_key,
                                                                tmp_path, kind):
    """RFC 5280 §4.2.1.10 applies URI constraints to the host part; a URN has none. Go, OpenSSL
    and x509core all refuse rather than guess (README: when to choose san)."""
    root, leaf = _constrained_pair(tmp_path, leaf_key, kind)
    [go] = _go_parse(go_programs, leaf, ca=root)
    assert go["parsed"] and go["verified"] is False, go
    assert "constraint" in go["verify_error"] and UUID_URN in go["verify_error"], go
    done = subprocess.run([openssl, "verify", "-purpose", "sslclient", "-CAfile", str(root),
                           str(leaf)], capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode != 0
    # X509_V_ERR_UNSUPPORTED_NAME_SYNTAX: OpenSSL's nc_uri finds no "//" authority in a URN.
    assert "unsupported or invalid name syntax" in done.stdout + done.stderr, done.stderr


# -- OpenSSL, GnuTLS, pyca --------------------------------------------------------------------------

def test_openssl_reads_and_verifies_both(openssl, files):
    for path, expected in ((files.seed, "1.3.6.1.4.15967132172.1"),
                           (files.san, f"URI:{UUID_URN}, URI:{MAC_URN}")):
        text = subprocess.run([openssl, "x509", "-in", str(path), "-noout", "-text"],
                              capture_output=True, text=True, timeout=TIMEOUT)
        assert text.returncode == 0 and expected in text.stdout, text.stderr
        verify = subprocess.run([openssl, "verify", "-x509_strict", "-purpose", "sslclient",
                                 "-CAfile", str(files.ca), str(path)],
                                capture_output=True, text=True, timeout=TIMEOUT)
        assert verify.returncode == 0 and verify.stdout.strip().endswith(": OK"), verify.stderr


def test_gnutls_certtool_reads_both(certtool, files):
    for path, expected in ((files.seed, ("Unknown extension 1.3.6.1.4.15967132172.1",
                                         f"ASCII: {MACHINE_ID}", f"ASCII: {MAC}")),
                           (files.san, (f"URI: {UUID_URN}", f"URI: {MAC_URN}"))):
        done = subprocess.run([certtool, "-i", "--infile", str(path)], capture_output=True,
                              text=True, timeout=TIMEOUT)
        assert done.returncode == 0, done.stderr
        for words in expected:
            assert words in done.stdout, (words, done.stdout)
        assert f"CN={CLIENT_ID}" in done.stdout


def test_pyca_reads_both(files):
    seed = cx509.load_pem_x509_certificate(files.seed.read_bytes())
    value = seed.extensions.get_extension_for_oid(cx509.ObjectIdentifier("1.3.6.1.4.15967132172.1"))
    assert value.value.value == MACHINE_ID.encode()               # the raw form, as written
    san = cx509.load_pem_x509_certificate(files.san.read_bytes())
    names = san.extensions.get_extension_for_class(cx509.SubjectAlternativeName).value
    assert names.get_values_for_type(cx509.UniformResourceIdentifier) == [UUID_URN, MAC_URN]
    assert not any(str(ext.oid.dotted_string).startswith("1.3.6.1.4.15967132172")
                   for ext in san.extensions)


# -- a Go HTTPS server requiring client certificates, and curl ------------------------------------

class _GoServer:
    """tests/go/tlsserver on a free port; its stdout lines are read as they come."""

    def __init__(self, program: Path, files: Files):
        self.process = subprocess.Popen(
            [str(program), "-cert", str(files.server), "-key", str(files.key), "-ca", str(files.ca)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = self.line()
        assert first.startswith("LISTENING "), first + self.process.stderr.read()
        self.port = int(first.split()[1])

    def line(self) -> str:
        ready, _, _ = select.select([self.process.stdout], [], [], TIMEOUT)
        assert ready, "the Go server printed nothing in time"
        return self.process.stdout.readline().strip()

    def close(self) -> None:
        self.process.stdin.close()                      # the server exits at end of input
        try:
            self.process.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(TIMEOUT)


@pytest.fixture
def go_server(go_programs, files):
    server = _GoServer(go_programs["tlsserver"], files)
    yield server
    server.close()


def _curl(curl, files: Files, client: Path, port: int):
    return subprocess.run([curl, "--silent", "--show-error", "--max-time", str(int(TIMEOUT)),
                           "--cacert", str(files.ca), "--cert", str(client), "--key",
                           str(files.key), f"https://127.0.0.1:{port}/"],
                          capture_output=True, text=True, timeout=TIMEOUT + 5)


def test_go_https_server_accepts_a_san_bound_client_from_curl(curl, files, go_server):
    done = _curl(curl, files, files.san, go_server.port)
    expected = f"CLIENT cn={CLIENT_ID} machine={MACHINE_ID} mac={MAC.replace(':', '')}"
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == expected                      # Go's answer, from the URI SAN
    assert go_server.line() == expected                         # and Go's own log of it


def test_go_https_server_refuses_a_seed_bound_client(curl, files, go_server):
    done = _curl(curl, files, files.seed, go_server.port)
    assert done.returncode != 0 and "CLIENT" not in done.stdout
    deadline = time.monotonic() + TIMEOUT
    line = go_server.line()
    while "handshake" not in line and time.monotonic() < deadline:
        line = go_server.line()
    assert line.startswith("ERROR ") and "malformed extension OID" in line, line
    # The same server still serves the san-bound client afterwards.
    assert _curl(curl, files, files.san, go_server.port).returncode == 0
