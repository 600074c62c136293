"""What the service adds to the CA's profiles (x509core/ca/issuance/: profiles.py, issuing.py,
revocation.py): the delegated OCSP responder (RFC 6960 §4.2.2.2), recorded in the
inventory like every certificate the CA key signs, and the CRL/OCSP pointers of certificates
issued while a public URL is set (RFC 5280 §4.2.1.13, §4.2.2.1), recorded so that every later
opening of the CA uses it; linted by pkilint and read by pyca."""

from __future__ import annotations

import subprocess

import pytest
from cryptography import x509 as cx509
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID

from tests.ca.conftest import CLIENT_ID, MACHINE_ID, ORG
from tests.ca.issuance.test_profiles_pkilint import lint_certificate
from x509core.ca.issuance import inputs
from x509core.cert import oids
from x509core.cert.extensions import MalformedExtension, OCSPNoCheck, read_extension
from x509core.der import Reader, Writer
from x509core.errors import InvalidValue


def test_the_responder_certificate(make_ca, leaf_key):
    ca = make_ca()
    ca.set_revocation_url("http://ca.example.test:8080")
    issued = ca.issue_ocsp_responder(leaf_key.public_key(), days=7)
    certificate = issued.certificate
    assert lint_certificate(certificate.to_pem()) == []
    theirs = cx509.load_der_x509_certificate(certificate.raw)
    assert list(theirs.extensions.get_extension_for_class(cx509.ExtendedKeyUsage).value) == \
        [ExtendedKeyUsageOID.OCSP_SIGNING]
    nocheck = theirs.extensions.get_extension_for_class(cx509.OCSPNoCheck)
    assert not nocheck.critical
    usage = theirs.extensions.get_extension_for_class(cx509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and not usage.value.key_cert_sign
    assert (theirs.not_valid_after_utc - theirs.not_valid_before_utc).days == 7
    record = ca.inventory.get(certificate.serial_number)          # reserved, signed, recorded
    assert (record.profile, record.status, record.pem) == ("ocsp", "valid", certificate.to_pem())
    assert record.path.read_text() == record.pem
    assert certificate.extension("2.5.29.31") is None              # nocheck: no pointers
    assert [r.serial for r in ca.inventory.records(profile="ocsp")] == [certificate.serial_number]
    certificate.verify_directly_issued_by(ca.certificate)


def test_the_responder_certificate_reads_and_prints_its_nocheck_as_openssl(make_ca, leaf_key,
                                                                          tmp_path):
    """id-pkix-ocsp-nocheck is a known extension (RFC 6960 §4.2.2.2.1: NULL): typed, no finding,
    and `show` prints it as `openssl x509 -text` does; a value that is not NULL is malformed."""
    ca = make_ca()
    certificate = ca.issue_ocsp_responder(leaf_key.public_key(), days=7).certificate
    assert isinstance(certificate.extension(oids.OID_PKIX_OCSP_NOCHECK).value, OCSPNoCheck)
    assert certificate.findings == ()
    path = tmp_path / "responder.pem"
    path.write_text(certificate.to_pem())
    openssl = subprocess.run(["openssl", "x509", "-in", str(path), "-noout", "-text"],
                             capture_output=True, text=True, check=True).stdout
    assert _extensions_part(certificate.text()) == _extensions_part(openssl)
    assert "OCSP No Check: \n\n" in certificate.text()
    writer = Writer()
    with writer.sequence():                           # extnValue an OCTET STRING, not NULL
        writer.write_oid(oids.OID_PKIX_OCSP_NOCHECK)
        writer.write_octet_string(b"\x04\x01\x00")
    raw = writer.to_bytes()
    findings = []
    read = read_extension(Reader(raw, findings=findings))
    assert isinstance(read.value, MalformedExtension) and findings


def _extensions_part(text: str) -> str:
    start = text.index("X509v3 extensions:")
    return text[start:text.index("Signature Algorithm:", start)]


def test_certificates_issued_with_a_public_url_point_there(make_ca, leaf_key):
    ca = make_ca()
    before = ca.issue_client(org=ORG, client_id=CLIENT_ID, machine_id=MACHINE_ID,
                             public_key=leaf_key.public_key()).certificate
    assert before.extension("2.5.29.31") is None
    ca.set_revocation_url("http://ca.example.test:8080/pki/")
    issued = ca.issue_client(org=ORG, client_id=CLIENT_ID, machine_id=MACHINE_ID,
                             public_key=leaf_key.public_key())
    assert lint_certificate(issued.certificate.to_pem()) == []
    theirs = cx509.load_der_x509_certificate(issued.certificate.raw)
    points = theirs.extensions.get_extension_for_class(cx509.CRLDistributionPoints).value
    assert [n.value for n in points[0].full_name] == ["http://ca.example.test:8080/pki/crl"]
    access = theirs.extensions.get_extension_for_class(cx509.AuthorityInformationAccess).value
    assert [(a.access_method, a.access_location.value) for a in access] == [
        (AuthorityInformationAccessOID.OCSP, "http://ca.example.test:8080/pki/ocsp")]
    renewed = ca.renew(issued.record.serial)                      # keeps them, no duplicate
    assert renewed.certificate.extension("2.5.29.31").raw_value == \
        issued.certificate.extension("2.5.29.31").raw_value
    ca.set_revocation_url(None)
    after = ca.issue_server(dns=["pacs.example.test"], public_key=leaf_key.public_key())
    assert after.certificate.extension("1.3.6.1.5.5.7.1.1") is None


def test_a_recorded_public_url_is_used_by_every_later_opening(make_ca, leaf_key):
    """``x509core serve --public-url`` records it: a CLI issuance beside the service (another
    process opening the CA) points to the service too; the change is audited once."""
    from x509core.ca.issuance.certificate_authority import CertificateAuthority
    ca = make_ca()
    ca.set_revocation_url("http://ca.example.test:8080", record=True)
    ca.set_revocation_url("http://ca.example.test:8080", record=True)       # unchanged
    with CertificateAuthority.open(ca.directory) as other:
        assert other.revocation_url == "http://ca.example.test:8080"
        issued = other.issue_server(dns=["pacs.example.test"], public_key=leaf_key.public_key())
    theirs = cx509.load_der_x509_certificate(issued.certificate.raw)
    points = theirs.extensions.get_extension_for_class(cx509.CRLDistributionPoints).value
    assert [n.value for n in points[0].full_name] == ["http://ca.example.test:8080/crl"]
    changes = ca.inventory.audit_page(action="public-url")
    assert [(e.detail, e.actor) for e in changes] == [("http://ca.example.test:8080", "cli")]


@pytest.mark.parametrize("url", ["https://ca.example.test", "ftp://ca.example.test",
                                 "http://", "http://ca.example.test/?x=1",
                                 "http://ca.example.test/a b", "http://cä.example.test"])
def test_public_urls_are_plain_http(url):
    with pytest.raises(InvalidValue):
        inputs.check_public_url(url)
