"""``x509core verify``: exit 0 valid, 1 invalid, 2 usage or input error; the seed system's
certificate (interop acceptance) and certificates of our own CA (name, machine, revocation)."""

from __future__ import annotations

import json

import pytest

from tests.ca.conftest import MAC, MACHINE_ID
# The in-process runner, the fixture keys and the module's CA come from test_cli.
from tests.ca.cli.test_cli import (ORG, fast_keys_and_machine, one_error_line, run,  # noqa: F401
                               site)
from tests.conftest import INTEROP, require_shared
from x509core import load_pem_certificate

def _verify(*argv) -> Result:
    return run("verify", *argv)


SEED_CLIENT = INTEROP / "client-HZ109999.pem"
SEED_CA = INTEROP / "license-server-ca.pem"


def test_verify_accepts_the_seed_client_for_its_machine_only():
    require_shared(SEED_CLIENT)
    ok = _verify(SEED_CLIENT, "--ca", SEED_CA, "--at", "2026-01-01", "--machine", MACHINE_ID)
    assert ok.code == 0, ok.out + ok.err
    assert ok.out.startswith("OK:") and "HZ109999" in ok.out
    bad = _verify(SEED_CLIENT, "--ca", SEED_CA, "--at", "2026-01-01", "--machine",
                  "0000aa4802b3441d931c135cbdaab367")
    assert bad.code == 1 and bad.out.startswith("INVALID:") and bad.err == ""
    assert "machine" in bad.out.lower()


def test_verify_time_purpose_org_and_json():
    at = "1767225600"                                          # 2026-01-01T00:00:00Z
    assert _verify(SEED_CLIENT, "--ca", SEED_CA, "--at", at, "--purpose", "client").code == 0
    assert _verify(SEED_CLIENT, "--ca", SEED_CA, "--at", at, "--purpose", "server").code == 1
    assert _verify(SEED_CLIENT, "--ca", SEED_CA, "--at", "2027-01-01T00:00:00Z").code == 1
    assert _verify(SEED_CLIENT, "--ca", SEED_CA, "--at", at, "--org", "HzMomoStarsky.LTD",
                   "--mac", MAC).code == 0
    result = _verify(SEED_CLIENT, "--ca", SEED_CA, "--at", at, "--org", "Other Hospital", "--json")
    verdict = json.loads(result.out)
    assert result.code == 1 and verdict["valid"] is False and verdict["reason"]
    good = json.loads(_verify(SEED_CLIENT, "--ca", SEED_CA, "--at", at, "--json").out)
    assert good["valid"] is True and len(good["chain"]) == 2 and good["reason"] is None
    wrong_ca = _verify(SEED_CLIENT, "--ca", INTEROP / "dicomorg-root-ca.pem", "--at", at)
    assert wrong_ca.code == 1


def test_verify_our_certificates_by_name_machine_and_revocation(site):
    server = site.root / "pacs.pem"
    assert site.ca("issue", "server", "--dns", "pacs.example.org", "--ip", "127.0.0.1",
                   "--no-encrypt", "--out", server, "--key-out", site.root / "pacs.key").code == 0
    ca = site.ca_dir / "ca.pem"
    assert _verify(server, "--ca", ca, "--name", "pacs.example.org").code == 0
    assert _verify(server, "--ca", ca, "--name", "127.0.0.1").code == 0
    assert _verify(server, "--ca", ca, "--name", "other.example.org").code == 1
    leaf = site.root / "CT06WORKSTATION6.pem"
    assert site.ca("issue", "client", "--org", ORG, "--client-id", "CT06WORKSTATION6",
                   "--machine-id", MACHINE_ID, "--no-encrypt", "--out", leaf,
                   "--key-out", site.root / "ct06.key").code == 0
    serial = load_pem_certificate(leaf.read_text()).serial_number
    assert _verify(leaf, "--ca", ca, "--purpose", "client", "--machine", MACHINE_ID,
                   "--org", ORG).code == 0
    assert run("revoke", f"{serial:x}", "--ca-dir", site.ca_dir).code == 0
    assert site.ca("crl", "--out", site.root / "after-revoke.crl").code == 0
    revoked = _verify(leaf, "--ca", ca, "--crl", site.root / "after-revoke.crl")
    assert revoked.code == 1 and "revoked" in revoked.out.lower()


def test_verify_machine_auto_uses_this_machine(site):
    request, out = site.root / "auto.csr", site.root / "auto.pem"
    run("csr", "--org", ORG, "--client-id", "CT07WORKSTATION7", "--out", request,
        "--key-out", site.root / "auto.key")
    assert site.ca("issue", "client", "--csr", request, "--out", out).code == 0
    ca = site.ca_dir / "ca.pem"
    assert _verify(out, "--ca", ca, "--machine", "auto").code == 0
    assert _verify(out, "--ca", ca, "--machine", "auto", "--raw").code == 1


@pytest.mark.parametrize("argv, words", [
    (["/no/such/leaf.pem", "--ca", SEED_CA], "no such file"),
    ([SEED_CA, "--ca", INTEROP / "nope.pem"], "no such file"),
    ([SEED_CLIENT, "--ca", SEED_CA, "--at", "next tuesday"], "ISO-8601"),
    ([SEED_CLIENT, "--ca", SEED_CA, "--crl", SEED_CA], "CRL"),
    ([SEED_CLIENT], "--ca"),
    # values no certificate could match: a usage error, not INVALID (exit 1)
    ([SEED_CLIENT, "--ca", SEED_CA, "--name", "bad_name"], "--name must be a DNS name"),
    ([SEED_CLIENT, "--ca", SEED_CA, "--name", ""], "--name must be a DNS name"),
    ([SEED_CLIENT, "--ca", SEED_CA, "--machine", "x!"], "--machine takes auto"),
    ([SEED_CLIENT, "--ca", SEED_CA, "--machine", ""], "--machine takes auto"),
    ([SEED_CLIENT, "--ca", SEED_CA, "--mac", "zz"], "--mac: MAC address must look like"),
])
def test_verify_input_errors_exit_2(argv, words):
    assert words in one_error_line(_verify(*argv))


def test_verify_takes_every_form_of_a_matching_value():
    """The checks above refuse nothing a certificate can match: the seed client's machine id
    and its MAC address in both separators; an IP or a DNS name as --name gets a verdict."""
    seed = load_pem_certificate(SEED_CLIENT.read_bytes())
    mac = seed.mac_address
    at = ("--at", "2026-01-01")
    for value in (mac, mac.replace(":", "-").upper(), mac.replace("-", ":")):
        result = _verify(SEED_CLIENT, "--ca", SEED_CA, *at, "--machine", seed.machine_identity,
                         "--mac", value)
        assert result.code == 0, (value, result.err, result.out)
    for name in ("10.0.0.5", "::1", "pacs.example.org"):
        result = _verify(SEED_CLIENT, "--ca", SEED_CA, *at, "--name", name)
        assert result.code == 1 and result.out.startswith("INVALID:"), (name, result.err)



@pytest.fixture(scope="module")
def three_level_chain(tmp_path_factory):
    """root -> intermediate -> client leaf, built with the certificate layer (fixture keys)."""
    from datetime import datetime, timedelta, timezone
    from tests.rsa.keys_fixture import RSA_2048, RSA_3072, RSA_4096, private_key
    from x509core import CertificateBuilder, Name
    from x509core.cert.extensions import (BasicConstraints, ExtendedKeyUsage, KeyUsage,
                                          MachineIdentity)
    from x509core.cert.oids import OID_CLIENT_AUTH
    now = datetime.now(timezone.utc).replace(microsecond=0)
    keys = [private_key(RSA_4096), private_key(RSA_3072), private_key(RSA_2048)]
    names = [Name.from_openssl("/O=Example Clinic/CN=Root"),
             Name.from_openssl("/O=Example Clinic/CN=Issuing CA"),
             Name.from_openssl(f"/O={ORG}/CN=CT08WORKSTATION8")]
    certs = []
    for depth in range(3):
        issuer = max(depth - 1, 0)
        builder = (CertificateBuilder().with_subject(names[depth]).with_issuer(names[issuer])
                   .with_random_serial_number()
                   .with_validity(now - timedelta(days=1), now + timedelta(days=300 - depth))
                   .with_public_key(keys[depth].public_key()).with_subject_key_identifier()
                   .with_authority_key_identifier(keys[issuer].public_key()))
        if depth < 2:
            builder = (builder.with_extension(BasicConstraints(ca=True), critical=True)
                       .with_extension(KeyUsage(key_cert_sign=True, crl_sign=True), critical=True))
        else:
            builder = (builder.with_extension(KeyUsage(digital_signature=True), critical=True)
                       .with_extension(ExtendedKeyUsage((OID_CLIENT_AUTH,)), critical=False)
                       .with_extension(MachineIdentity(MACHINE_ID), critical=False))
        certs.append(builder.sign(keys[issuer]))
    root = tmp_path_factory.mktemp("chain")
    for name, cert in zip(("root.pem", "issuing.pem", "leaf.pem"), certs):
        (root / name).write_text(cert.to_pem())
    (root / "bundle.pem").write_text(certs[2].to_pem() + certs[1].to_pem())
    return root


def test_verify_with_an_intermediate(three_level_chain):
    d = three_level_chain
    common = ["--ca", d / "root.pem", "--purpose", "client", "--machine", MACHINE_ID]
    ok = _verify(d / "leaf.pem", "--intermediate", d / "issuing.pem", *common)
    assert ok.code == 0, ok.out
    assert [line.split(": ", 1)[1] for line in ok.out.splitlines()[1:]] == [
        f"CN=CT08WORKSTATION8,O={ORG}", "CN=Issuing CA,O=Example Clinic",
        "CN=Root,O=Example Clinic"]
    assert _verify(d / "bundle.pem", *common).code == 0          # intermediates after the leaf
    missing = _verify(d / "leaf.pem", *common, "--json")
    assert missing.code == 1 and json.loads(missing.out)["valid"] is False


def test_verify_several_files_in_one_run_as_openssl_does(openssl, tmp_path):
    """Several LEAF files: each verified against the same anchors (read once), each verdict
    line named by its file; exit 1 when one is invalid. OpenSSL's verdict for each file (one
    `openssl verify` over all of them) is the oracle."""
    import subprocess
    require_shared(SEED_CLIENT)
    anchors = tmp_path / "anchors.pem"
    anchors.write_text(SEED_CA.read_text() + (INTEROP / "dicom-org-cn-ca.pem").read_text())
    files = [SEED_CLIENT, INTEROP / "dicom-org-cn-client.pem", INTEROP / "dicomorg-server.pem"]
    both = _verify(*files[:2], "--ca", anchors, "--at", "2026-01-01", "--purpose", "client")
    assert both.code == 0, both.out + both.err
    verdicts = [line for line in both.out.splitlines() if not line.startswith(" ")]
    second = load_pem_certificate(files[1].read_text()).subject.rfc4514()
    assert verdicts == [f"{files[0]}: OK: CN=HZ109999,O=HzMomoStarsky.LTD,C=CN",
                        f"{files[1]}: OK: {second}"]
    ours = _verify(*files, "--ca", anchors, "--at", "1767225600")
    assert ours.code == 1                      # dicomorg-server.pem: not under these anchors
    mine = {line.split(": ", 1)[0]: line.split(": ", 2)[1]
            for line in ours.out.splitlines() if not line.startswith(" ")}
    theirs = subprocess.run([openssl, "verify", "-attime", "1767225600", "-CAfile", str(anchors),
                             *map(str, files)], capture_output=True, text=True)
    assert theirs.returncode != 0
    oracle = {str(f): ("OK" if f"{f}: OK" in theirs.stdout else "INVALID") for f in files}
    assert mine == oracle, (ours.out, theirs.stdout, theirs.stderr)
    as_json = json.loads(_verify(*files, "--ca", anchors, "--at", "1767225600", "--json").out)
    assert [verdict["valid"] for verdict in as_json] == [True, True, False]


def test_show_lint_and_verify_read_pem_after_explanatory_text():
    """RFC 7468 §2: text before the BEGIN line is allowed; localhost-selfsigned.pem starts with
    the "Bag Attributes" lines openssl pkcs12 writes (it was taken for DER and refused)."""
    path = require_shared(INTEROP / "localhost-selfsigned.pem")
    assert not path.read_bytes().startswith(b"-----BEGIN")
    shown = run("show", path)
    assert shown.code == 0 and "Subject: CN = localhost" in shown.out, shown.err
    assert run("lint", path).code in (0, 1) and "not readable" not in run("lint", path).err
    verdict = _verify(path, "--ca", path, "--at", "2026-01-01")    # read: a verdict, not exit 2
    assert verdict.code in (0, 1) and ": CN=localhost" in verdict.out, verdict.out + verdict.err
