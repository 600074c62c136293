"""The certificates and CRLs the CA issues, checked by three independent oracles:

- pkilint's RFC 5280 linters (the validator sets of its ``lint_pkix_cert`` and ``lint_crl -p
  PKIX`` commands): no finding of severity WARNING or worse.
- the OpenSSL CLI: ``openssl verify -purpose sslserver|sslclient`` accepts each leaf against the
  CA, and refuses the wrong purpose.
- pyca/cryptography: loads each certificate and reads the same field values as x509core.

One pkilint finding is accepted, for one input only: a single-label dNSName such as
``localhost`` is reported as ``pkix.invalid_domain_name_syntax`` because pkilint checks names with
the ``validators`` package's ``domain()``, which insists on a top-level domain. RFC 5280 §4.2.1.6
asks for the "preferred name syntax" of RFC 1034 §3.5, which a single label (a letter, then
letters, digits and hyphens) satisfies; and the quickstart's server certificate must name
``localhost`` for local HTTPS and DICOM TLS. ``test_localhost_is_the_only_finding`` pins this so
that any other finding still fails. The seed system's machine-binding extensions (private OIDs
under 1.3.6.1.4.15967132172, non-critical, raw octets) raise no finding at all: pkilint does not
decode extensions it does not know, and RFC 5280 §4.2 lets a relying party ignore an unknown
non-critical extension.

A second pkilint false positive, likewise pinned (``test_san_binding_urns_are_the_only_finding``):
the machine binding's subjectAltName carrier (``urn:uuid:…``, ``urn:dev:mac:…``, issue 15) is
reported as ``pkix.invalid_uri_syntax`` because pkilint checks every URI with the
``validators`` package's ``url()``, which wants ``scheme://host``. RFC 5280 §4.2.1.6 asks for
RFC 3986 syntax, where ``urn:uuid:c417aa48-…`` is ``scheme ":" path-rootless`` (RFC 3986 §3),
an absolute URI without an authority; URNs are URIs (RFC 8141).
"""

from __future__ import annotations

import subprocess
from datetime import timedelta

import pytest
from cryptography import x509 as cx509
from cryptography.x509.oid import ExtendedKeyUsageOID
from pkilint import loader
from pkilint.pkix import certificate as pkix_certificate
from pkilint.pkix import crl as pkix_crl
from pkilint.pkix import create_attribute_decoder, create_extension_decoder, extension, name
from pkilint.validation import ValidationFindingSeverity

from tests.ca.conftest import CLIENT_ID, MAC, MACHINE_ID, ORG
from x509core.cert import oids
from x509core.cert.names.general_name import DNSName, IPAddress

_CERT_VALIDATOR = pkix_certificate.create_pkix_certificate_validator_container(
    pkix_certificate.create_decoding_validators(name.ATTRIBUTE_TYPE_MAPPINGS,
                                                extension.EXTENSION_MAPPINGS),
    [
        pkix_certificate.create_issuer_validator_container([]),
        pkix_certificate.create_validity_validator_container(),
        pkix_certificate.create_subject_validator_container([]),
        pkix_certificate.create_extensions_validator_container([]),
        pkix_certificate.create_spki_validator_container([]),
    ],
)
_CRL_VALIDATOR = pkix_crl.create_pkix_crl_validator_container(
    [create_attribute_decoder(name.ATTRIBUTE_TYPE_MAPPINGS),
     create_extension_decoder(extension.EXTENSION_MAPPINGS)],
    [pkix_crl.create_issuer_validator_container([]),
     pkix_crl.create_validity_validator_container([]),
     pkix_crl.create_extensions_validator_container([])],
)


def _findings(validator, document) -> list[tuple[str, str, str]]:
    """(severity, code, message) of every finding of WARNING or worse."""
    found = []
    for result in validator.validate(document.root):
        for description in result.finding_descriptions:
            if description.finding.severity <= ValidationFindingSeverity.WARNING:
                found.append((description.finding.severity.name, description.finding.code,
                              description.message or ""))
    return found


def lint_certificate(pem: str) -> list[tuple[str, str, str]]:
    document = loader.RFC5280CertificateDocumentLoader().load_pem_document(pem, "certificate")
    return _findings(_CERT_VALIDATOR, document)


def lint_crl(pem: str) -> list[tuple[str, str, str]]:
    document = loader.RFC5280CertificateListDocumentLoader().load_pem_document(pem, "crl")
    return _findings(_CRL_VALIDATOR, document)


@pytest.fixture(scope="module")
def issued(shared_ca, leaf_key):
    """One certificate of each profile the CA issues."""
    public = leaf_key.public_key()
    return {
        "server": shared_ca.issue_server(dns=["pacs.example.org", "www.example.org"],
                                         ip=["192.0.2.10", "2001:db8::1"], org="Example Clinic",
                                         public_key=public),
        "server+client": shared_ca.issue_server(dns=["modality1.example.org"], also_client=True,
                                                public_key=public),
        "server-ip-only": shared_ca.issue_server(ip=["127.0.0.1"], public_key=public),
        "client": shared_ca.issue_client(org=ORG, client_id=CLIENT_ID, machine_id=MACHINE_ID,
                                         mac=MAC, public_key=public),
        "client-unbound": shared_ca.issue_client(org="Example Clinic", client_id=CLIENT_ID,
                                                 machine_id=None, public_key=public),
        "client-san": shared_ca.issue_client(org=ORG, client_id=CLIENT_ID, machine_id=MACHINE_ID,
                                             mac=MAC, public_key=public, binding="san"),
    }


def test_pkilint_ca_certificate(shared_ca):
    assert lint_certificate(shared_ca.certificate.to_pem()) == []


def test_pkilint_ca_certificate_with_path_length(make_ca):
    assert lint_certificate(make_ca(path_length=0).certificate.to_pem()) == []


@pytest.mark.parametrize("profile", ["server", "server+client", "server-ip-only", "client",
                                     "client-unbound"])
def test_pkilint_leaf_certificates(issued, profile):
    assert lint_certificate(issued[profile].certificate.to_pem()) == []


def test_localhost_is_the_only_finding(shared_ca, leaf_key):
    """The quickstart's localhost certificate: pkilint's single-label false positive only."""
    cert = shared_ca.issue_server(dns=["localhost"], ip=["127.0.0.1"],
                                  public_key=leaf_key.public_key()).certificate
    findings = lint_certificate(cert.to_pem())
    assert findings == [("ERROR", "pkix.invalid_domain_name_syntax",
                         'Invalid domain name syntax: "localhost"')]


def test_san_binding_urns_are_the_only_finding(issued):
    """The client profile with the subjectAltName carrier: pkilint's URL-only URI check is its
    only finding (module docstring); ``test_openssl_verify_purpose`` has OpenSSL accept it."""
    cert = issued["client-san"].certificate
    uris = [name.value for name in cert.subject_alternative_name.names]
    assert lint_certificate(cert.to_pem()) == [
        ("ERROR", "pkix.invalid_uri_syntax", f'Invalid URI syntax: "{uri}"') for uri in uris]


def test_pkilint_crl(make_ca, leaf_key):
    ca = make_ca()
    empty = ca.crl()
    assert lint_crl(empty.to_pem()) == []
    for reason in ("keyCompromise", "unspecified", "superseded"):
        serial = ca.issue_server(dns=["a.example.org"], public_key=leaf_key.public_key()).record.serial
        ca.revoke(serial, reason)
    full = ca.crl(next_update=timedelta(days=30))
    assert len(full.revoked_certificates) == 3
    assert lint_crl(full.to_pem()) == []


# -- OpenSSL ---------------------------------------------------------------------------------------

def _verify(openssl, ca_path, leaf_pem, tmp_path, purpose):
    leaf = tmp_path / "leaf.pem"
    leaf.write_text(leaf_pem)
    return subprocess.run([openssl, "verify", "-x509_strict", "-purpose", purpose, "-CAfile",
                           str(ca_path), str(leaf)], capture_output=True, text=True)


@pytest.mark.parametrize("profile, accepted, refused", [
    ("server", ["sslserver"], ["sslclient"]),
    ("server+client", ["sslserver", "sslclient"], []),
    ("client", ["sslclient"], ["sslserver"]),
    ("client-san", ["sslclient"], ["sslserver"]),
])
def test_openssl_verify_purpose(openssl, shared_ca, issued, tmp_path, profile, accepted, refused):
    ca_path = shared_ca.directory / "ca.pem"
    for purpose in accepted:
        result = _verify(openssl, ca_path, issued[profile].record.pem, tmp_path, purpose)
        assert result.returncode == 0 and result.stdout.strip().endswith(": OK"), result.stderr
    for purpose in refused:
        result = _verify(openssl, ca_path, issued[profile].record.pem, tmp_path, purpose)
        assert result.returncode != 0 and "unsuitable certificate purpose" in result.stderr


def test_openssl_reads_the_crl(openssl, make_ca, leaf_key, tmp_path):
    ca = make_ca()
    serial = ca.issue_server(dns=["a.example.org"], public_key=leaf_key.public_key()).record.serial
    ca.revoke(serial, "keyCompromise")
    ca.crl()
    result = subprocess.run([openssl, "crl", "-in", str(ca.directory / "crl.pem"), "-noout",
                             "-CAfile", str(ca.directory / "ca.pem")], capture_output=True, text=True)
    assert result.returncode == 0 and "verify OK" in result.stderr + result.stdout
    leaf = ca.inventory.get(serial).path
    result = subprocess.run([openssl, "verify", "-crl_check", "-CAfile", str(ca.directory / "ca.pem"),
                             "-CRLfile", str(ca.directory / "crl.pem"), str(leaf)],
                            capture_output=True, text=True)
    assert result.returncode != 0 and "certificate revoked" in result.stderr


# -- pyca/cryptography -----------------------------------------------------------------------------

@pytest.mark.parametrize("profile", ["server", "server+client", "client"])
def test_cryptography_reads_the_same_fields(shared_ca, issued, profile):
    ours = issued[profile].certificate
    theirs = cx509.load_pem_x509_certificate(ours.to_pem().encode())
    assert theirs.serial_number == ours.serial_number
    assert theirs.subject.rfc4514_string() == ours.subject.rfc4514()
    assert theirs.issuer.rfc4514_string() == shared_ca.certificate.subject.rfc4514()
    assert theirs.not_valid_before_utc == ours.not_valid_before
    assert theirs.not_valid_after_utc == ours.not_valid_after
    assert theirs.public_key().public_numbers().n == ours.public_key.n
    theirs.verify_directly_issued_by(
        cx509.load_pem_x509_certificate(shared_ca.certificate.to_pem().encode()))
    eku = [oid.dotted_string for oid in
           theirs.extensions.get_extension_for_class(cx509.ExtendedKeyUsage).value]
    assert eku == [str(oid) for oid in ours.extended_key_usage.key_purposes]
    assert (ExtendedKeyUsageOID.CLIENT_AUTH.dotted_string in eku) == (profile != "server")
    basic = theirs.extensions.get_extension_for_class(cx509.BasicConstraints)
    assert basic.critical and basic.value.ca is False
    ku = theirs.extensions.get_extension_for_class(cx509.KeyUsage)
    assert ku.critical and ku.value.digital_signature
    assert ku.value.key_encipherment == ours.key_usage.key_encipherment
    ski = theirs.extensions.get_extension_for_class(cx509.SubjectKeyIdentifier).value
    assert ski.digest == ours.subject_key_identifier.key_identifier
    if profile.startswith("server"):
        san = theirs.extensions.get_extension_for_class(cx509.SubjectAlternativeName).value
        ours_san = ours.subject_alternative_name.names
        assert san.get_values_for_type(cx509.DNSName) == \
            [n.value for n in ours_san if isinstance(n, DNSName)]
        assert [str(a) for a in san.get_values_for_type(cx509.IPAddress)] == \
            [str(n.value) for n in ours_san if isinstance(n, IPAddress)]


def test_cryptography_sees_the_raw_machine_binding(issued):
    theirs = cx509.load_pem_x509_certificate(issued["client"].record.pem.encode())
    machine = theirs.extensions.get_extension_for_oid(cx509.ObjectIdentifier(
        str(oids.OID_MACHINE_IDENTITY)))
    mac = theirs.extensions.get_extension_for_oid(cx509.ObjectIdentifier(str(oids.OID_MAC_ADDRESS)))
    assert not machine.critical and not mac.critical
    assert machine.value.value == MACHINE_ID.encode("ascii")     # raw octets, no inner DER
    assert mac.value.value == MAC.encode("ascii")


# -- EC leaves (issue 11) ----------------------------------------------------------------------------

def _ec_public_key(curve: str):
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
    from tests.cert.ec_chains import ECFactory
    from x509core.ec.keys import load_der_public_key
    public = ECFactory().key(curve, "pkilint").public_key()
    return load_der_public_key(public.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo))


@pytest.mark.parametrize("curve", ["P-256", "P-384", "P-521"])
def test_pkilint_ec_leaves(shared_ca, curve):
    """EC leaves carry the key usages RFC 5480 §3 / RFC 8813 §3 allow; pkilint's EC rules (e.g.
    pkix.key_usage_value_prohibited_for_ec) find nothing."""
    public = _ec_public_key(curve)
    leaves = [
        shared_ca.issue_client(org=ORG, client_id=CLIENT_ID, machine_id=MACHINE_ID, public_key=public),
        shared_ca.issue_server(dns=["pacs.example.org"], also_client=True, public_key=public),
        shared_ca.issue_server(dns=["pacs.example.org"], public_key=public, key_agreement=True),
    ]
    for issued in leaves:
        assert lint_certificate(issued.certificate.to_pem()) == []
        assert not issued.certificate.key_usage.key_encipherment


def test_pkilint_would_flag_key_encipherment_on_an_ec_key(shared_ca):
    """The oracle can fail: the usage the profiles refuse for EC keys, forced in by hand."""
    from datetime import datetime, timezone
    from x509core.ca.issuance import profiles
    from x509core.cert import CertificateBuilder, Name
    from x509core.cert.extensions import BasicConstraints, KeyUsage
    now = datetime.now(timezone.utc)
    forced = (CertificateBuilder().with_subject(Name.build([("CN", "forced")]))
              .with_issuer(shared_ca.certificate.subject).with_validity(now, now + timedelta(days=1))
              .with_public_key(_ec_public_key("P-256"))
              .with_extension(BasicConstraints(ca=False), critical=True)
              .with_extension(KeyUsage(digital_signature=True, key_encipherment=True), critical=True)
              .with_subject_key_identifier()
              .with_authority_key_identifier(shared_ca.certificate.public_key)
              .with_random_serial_number().sign(shared_ca.key))
    assert [code for _, code, _ in lint_certificate(forced.to_pem())] == \
        ["pkix.key_usage_value_prohibited_for_ec"]
    with pytest.raises(ValueError, match="RFC 8813"):
        profiles.client_builder(shared_ca.certificate, _ec_public_key("P-256"), now,
                                now + timedelta(days=1), org=ORG, client_id=CLIENT_ID,
                                machine_id=None, key_encipherment=True)
