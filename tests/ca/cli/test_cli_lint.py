"""``x509core lint``, the findings in ``show``, ``--strict``, and PEM bundles in ``verify`` (issue
10): Debian's trust store, whose Trustwave ECC roots carry a KeyUsage with trailing zero bits,
is read whole; a certificate that does not read is skipped with one warning line."""

from __future__ import annotations

import json

import pytest

from tests.ca.cli.test_cli import one_error_line, run
from tests.cert.reading.corpus import DEBIAN_BUNDLE
from tests.conftest import INTEROP
from x509core import pem
from x509core.cert import load_pem_certificates

TRUSTWAVE = "CN=Trustwave Global ECC P256 Certification Authority"


@pytest.fixture(scope="module")
def debian_bundle():
    if not DEBIAN_BUNDLE.exists():
        pytest.fail(f"{DEBIAN_BUNDLE} is missing (apt-get install -y ca-certificates)")
    return DEBIAN_BUNDLE


@pytest.fixture(scope="module")
def trustwave(debian_bundle, tmp_path_factory):
    """The Trustwave Global ECC P256 root from Debian's bundle, and the offset of its KeyUsage
    BIT STRING's contents (found here by hand, independently of the reader)."""
    for cert in load_pem_certificates(debian_bundle.read_bytes()):
        if cert.subject.rfc4514().startswith(TRUSTWAVE):
            path = tmp_path_factory.mktemp("trustwave") / "trustwave.pem"
            path.write_text(cert.to_pem())
            ku = next(e for e in cert.extensions if e.oid == "2.5.29.15")
            assert ku.raw_value[0] == 0x03 and ku.raw_value[1] < 0x80     # BIT STRING, short length
            return path, cert.raw.index(b"\x04" + bytes((len(ku.raw_value),)) + ku.raw_value) + 4
    pytest.fail("no Trustwave Global ECC P256 root in Debian's trust store")


def test_show_and_lint_report_the_trustwave_finding_with_clause_and_offset(trustwave):
    path, offset = trustwave
    shown = run("show", path)
    assert shown.code == 0, shown.err
    line = f"error: named BIT STRING with trailing zero bits (X.690 §11.2.2) at byte {offset} " \
           f"(certificate.tbsCertificate.extensions.[1].extnValue.KeyUsage)"
    assert shown.out.splitlines()[-2:] == ["Findings:", f"    {line}"]
    linted = run("lint", path)
    assert linted.code == 1 and linted.out.strip() == f"{path}: {line}", linted.out
    data = json.loads(run("show", path, "--json").out)
    assert data["findings"] == [{"severity": "error", "reason": "named BIT STRING with trailing "
                                 "zero bits", "clause": "X.690 §11.2.2", "offset": offset,
                                 "path": "certificate.tbsCertificate.extensions.[1].extnValue.KeyUsage"}]
    strict = run("show", path, "--strict")
    assert "X.690 §11.2.2" in one_error_line(strict)


def test_lint_of_a_clean_certificate_and_of_the_seed_systems(tmp_path):
    clean = run("lint", INTEROP / "dicomorg-root-ca.pem")
    assert clean.code == 0 and clean.out.strip().endswith("no findings"), clean.out
    seed = run("lint", INTEROP / "client-HZ109999.pem", "--json")
    report = json.loads(seed.out)
    assert seed.code == 1                                   # no authorityKeyIdentifier: an error
    clauses = {f["clause"] for f in report["objects"][0]["findings"]}
    assert clauses == {"RFC 5280 §4.2.1.1", "RFC 5280 §4.2.1.2"}


def test_verify_takes_debians_trust_store_whole(debian_bundle, tmp_path):
    """Two of its roots carry a finding; before, the whole bundle was refused (exit 2)."""
    site = run("quickstart", tmp_path / "demo", "--key-bits", "2048", "--machine-id", "0" * 32)
    assert site.code == 0, site.err
    ok = run("verify", tmp_path / "demo" / "server.pem", "--ca", debian_bundle,
             "--ca", tmp_path / "demo" / "ca.pem", "--name", "localhost")
    assert ok.code == 0 and ok.err == "", ok.out + ok.err
    assert ok.out.startswith("OK:")
    strict = run("verify", tmp_path / "demo" / "server.pem", "--ca", debian_bundle,
                 "--ca", tmp_path / "demo" / "ca.pem", "--strict")      # the two roots are left out
    warnings = strict.err.strip().splitlines()
    assert strict.code == 0 and len(warnings) == 2, strict.err
    assert all("skipped" in w and "X.690 §11.2.2" in w and "Trustwave" in w for w in warnings)


def test_a_bundle_skips_what_does_not_read_with_one_warning_each(tmp_path):
    good = (INTEROP / "dicomorg-root-ca.pem").read_text()
    der = pem.decode_one(good, "CERTIFICATE")[1]
    assert der[:2] == b"\x30\x82" and der[4] == 0x30
    broken = pem.encode("CERTIFICATE", der[:4] + b"\x31" + der[5:])   # TBSCertificate as a SET
    bundle = tmp_path / "bundle.pem"
    bundle.write_text(good + broken + (INTEROP / "license-server-ca.pem").read_text())
    loaded = load_pem_certificates(bundle.read_text())
    assert len(loaded) == 2 and [e.position for e in loaded.errors] == [2]
    shown = run("show", bundle)
    assert shown.code == 0 and shown.out.count("Certificate:") == 2
    assert shown.err.count("\n") == 1 and "certificate 2" in shown.err and "skipped" in shown.err
    only_broken = tmp_path / "broken.pem"
    only_broken.write_text(broken)
    assert "not a readable" in one_error_line(run("show", only_broken))
    linted = run("lint", bundle)                          # lint: the same one warning
    assert linted.err.count("\n") == 1 and "object 2 skipped" in linted.err
    two_broken = tmp_path / "two-broken.pem"
    two_broken.write_text(broken + broken)                # nothing readable: the error alone
    assert "nothing readable" in one_error_line(run("lint", two_broken))
    assert "(and 1 more unreadable object)" in one_error_line(run("lint", two_broken))
