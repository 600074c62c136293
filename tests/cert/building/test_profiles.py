"""The CA's three certificate profiles (tests/cert/building/profiles.py) against three oracles.

1. pkilint's RFC 5280 certificate linter (the validators of its ``lint_pkix_cert`` command, run
   through the Python API and once through the command itself) and its RFC 5280 CRL linter
   (``lint_crl -t CRL -p PKIX``): no FATAL, ERROR or WARNING finding on any variant of the root CA,
   server and client profiles or on a CRL the root signs. NOTICE and INFO findings are allowed and
   printed (``pytest -s``); with pkilint 0.13.3 the only one is
   ``pkix.subject_key_identifier_method_1_identified`` (INFO).
   pkilint has no PKCS #10 linter (no ``lint_csr`` command, no RFC 2986 module), so CSRs are
   checked by ``openssl req -verify`` and pyca/cryptography in test_csr.py instead.
   The machine-binding extensions (1.3.6.1.4.15967132172.1/.2) are unknown to pkilint; its RFC 5280
   linter decodes only the extensions it knows (``pkix.extension.EXTENSION_MAPPINGS``) and has no
   unknown-extension rule (``PermittedExtensionValidator`` is used by its CA/B Forum linters only),
   so the seed system's raw, non-DER extnValue draws no finding. The test below checks that this
   is why: the raw form and the DER-wrapped forms lint the same.
2. ``openssl verify -x509_strict`` with ``-purpose sslserver`` / ``sslclient``.
3. pyca/cryptography's path validation (``cryptography.x509.verification``): ServerVerifier for a
   DNS name and an IP address; ClientVerifier with one change to its web-PKI end-entity policy —
   the subjectAltName may be absent, since the client profile (like the seed system's
   client-HZ109999.pem) names the client in its subject and binds it to a machine instead.

A linter that finds nothing proves little unless it can find something: one test plants two
violations and checks that pkilint reports them.
"""

from __future__ import annotations

import ipaddress
import subprocess
import sys
from datetime import datetime, timezone

import pytest
from cryptography import x509 as pyca
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import verification as pyca_verification
from pkilint import loader, pkix
from pkilint.pkix import certificate as pkilint_certificate
from pkilint.pkix import crl as pkilint_crl
from pkilint.pkix import extension as pkilint_extension
from pkilint.pkix import name as pkilint_name
from pkilint.validation import ValidationFindingSeverity

from tests.cert.building import profiles
from tests.rsa.keys_fixture import RSA_1025, RSA_2048, RSA_3072, RSA_4096, private_key
from tests.rsa.keys_fixture import to_cryptography
from x509core.cert import oids
from x509core.cert.builder import CertificateBuilder
from x509core.cert.certificate import Certificate
from x509core.cert.revocation.crl import CRLBuilder
from x509core.cert.extensions import BasicConstraints, KeyUsage
from x509core.cert.names.general_name import DNSName, IPAddress
from x509core.errors import InvalidValue

UTC = timezone.utc
ROOT_KEY = private_key(RSA_4096)
SERVER_KEY = private_key(RSA_2048)
CLIENT_KEY = private_key(RSA_3072)
NOT_BEFORE = datetime(2026, 1, 1, tzinfo=UTC)
NOT_AFTER = datetime(2027, 1, 1, tzinfo=UTC)
AT = datetime(2026, 6, 1, tzinfo=UTC)
ROOT_SUBJECT = "/C=CN/O=西部省东海市人民医院/CN=Hospital Root CA"
MACHINE_ID, MAC = "c417aa4802b3441d931c135cbdaab367", "18:c0:4d:fa:c0:a8"
BAD = (ValidationFindingSeverity.FATAL, ValidationFindingSeverity.ERROR,
       ValidationFindingSeverity.WARNING)


# -- the certificates -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def root() -> Certificate:
    return profiles.root_ca_builder(ROOT_KEY.public_key(), ROOT_SUBJECT, NOT_BEFORE).sign(ROOT_KEY)


def _server(root: Certificate, client_auth: bool = False, wildcard: bool = False) -> Certificate:
    dns_names = ["pacs.example.org", *(["*.pacs.example.org"] if wildcard else [])]
    return profiles.server_builder(
        root, SERVER_KEY.public_key(), "/C=CN/O=Hospital/CN=pacs.example.org", NOT_BEFORE, NOT_AFTER,
        dns_names=dns_names, ip_addresses=["10.1.2.3", "fd00::7"],
        client_auth=client_auth).sign(ROOT_KEY)


def _client(root: Certificate, encoding: str = "raw", mac: bool = True,
            key_encipherment: bool = False) -> Certificate:
    return profiles.client_builder(
        root, CLIENT_KEY.public_key(), "西部省东海市人民医院", "HZ109999", NOT_BEFORE, NOT_AFTER,
        machine_identity=MACHINE_ID, mac_address=MAC if mac else None,
        key_encipherment=key_encipherment, encoding=encoding).sign(ROOT_KEY, "sha384")


VARIANTS = {
    "root": lambda root: root,
    "root-pathlen": lambda root: profiles.root_ca_builder(
        ROOT_KEY.public_key(), ROOT_SUBJECT, NOT_BEFORE, path_len_constraint=0).sign(ROOT_KEY, "sha512"),
    "server": _server,
    "server-client-auth": lambda root: _server(root, client_auth=True),
    "server-wildcard": lambda root: _server(root, wildcard=True),
    "client-raw": _client,
    "client-raw-no-mac": lambda root: _client(root, mac=False, key_encipherment=True),
    "client-utf8": lambda root: _client(root, "utf8"),
    "client-ia5": lambda root: _client(root, "ia5"),
    "client-octet": lambda root: _client(root, "octet"),
}


@pytest.fixture(scope="module")
def issued(root) -> dict[str, Certificate]:
    return {label: make(root) for label, make in VARIANTS.items()}


# -- pkilint ----------------------------------------------------------------------------------

def _certificate_linter():
    """The validators ``lint_pkix_cert lint`` runs (pkilint/bin/lint_pkix_cert.py)."""
    c = pkilint_certificate
    return c.create_pkix_certificate_validator_container(
        c.create_decoding_validators(pkilint_name.ATTRIBUTE_TYPE_MAPPINGS,
                                     pkilint_extension.EXTENSION_MAPPINGS),
        [c.create_issuer_validator_container([]), c.create_validity_validator_container(),
         c.create_subject_validator_container([]), c.create_extensions_validator_container([]),
         c.create_spki_validator_container([])])


def _crl_linter():
    """The validators ``lint_crl lint -t CRL -p PKIX`` runs (pkilint/bin/lint_crl.py)."""
    return pkilint_crl.create_pkix_crl_validator_container(
        [pkix.create_attribute_decoder(pkilint_name.ATTRIBUTE_TYPE_MAPPINGS),
         pkix.create_extension_decoder(pkilint_extension.EXTENSION_MAPPINGS)],
        [pkilint_crl.create_issuer_validator_container([]),
         pkilint_crl.create_validity_validator_container([]),
         pkilint_crl.create_extensions_validator_container([])])


def _findings(validator, document) -> list[tuple[ValidationFindingSeverity, str, str]]:
    return [(fd.finding.severity, fd.finding.code, result.node.path)
            for result in validator.validate(document.root) for fd in result.finding_descriptions]


def lint_certificate(der: bytes, label: str = "certificate") -> list:
    document = loader.RFC5280CertificateDocumentLoader().load_der_document(der, label)
    return _findings(_certificate_linter(), document)


def lint_crl(der: bytes, label: str = "crl") -> list:
    document = loader.RFC5280CertificateListDocumentLoader().load_der_document(der, label)
    return _findings(_crl_linter(), document)


def _assert_clean(findings: list, label: str) -> None:
    for severity, code, path in findings:
        print(f"pkilint {label}: {severity} {code} at {path}")
    assert [f for f in findings if f[0] in BAD] == [], label


@pytest.mark.parametrize("label", [v for v in VARIANTS if v != "server-wildcard"])
def test_pkilint_finds_no_error_or_warning_in_a_profile(issued, label):
    findings = lint_certificate(issued[label].raw, label)
    _assert_clean(findings, label)
    # The one expected informational finding: pkilint recognises the SKI as method 1 (§4.2.1.2).
    assert ("pkix.subject_key_identifier_method_1_identified"
            in [code for _, code, _ in findings]), findings


def test_pkilint_reports_a_wildcard_dns_name_and_nothing_else(issued):
    """pkilint's RFC 5280 linter holds a dNSName to the preferred name syntax (RFC 5280 §4.2.1.6,
    RFC 1034 §3.5), which has no wildcard: ``*.pacs.example.org`` is its ERROR
    ``pkix.invalid_domain_name_syntax``. Wildcards are defined by RFC 6125 §6.4.3 and used by the
    seed system (dicomorg-server.pem: ``*.dicom.org.cn``), and every TLS client accepts them, so
    the server profile allows them; a site that wants a lint-clean certificate lists its host
    names instead. This is the only finding the wildcard draws."""
    findings = lint_certificate(issued["server-wildcard"].raw, "server-wildcard")
    bad = [f for f in findings if f[0] in BAD]
    assert bad == [(ValidationFindingSeverity.ERROR, "pkix.invalid_domain_name_syntax",
                    "certificate.tbsCertificate.extensions.3.extnValue.subjectAltName.1.dNSName")]
    clean = {code for _, code, _ in lint_certificate(issued["server"].raw)}
    assert {code for _, code, _ in findings} - clean == {"pkix.invalid_domain_name_syntax"}


def test_pkilint_lints_the_machine_binding_forms_alike(issued):
    """Raw (not DER) and DER-wrapped machine-binding values draw the same findings: pkilint does
    not decode extensions it does not know, so the raw form is neither flagged nor checked."""
    codes = {label: sorted(code for _, code, _ in lint_certificate(issued[label].raw))
             for label in ("client-raw", "client-utf8", "client-ia5", "client-octet")}
    assert len({tuple(c) for c in codes.values()}) == 1, codes
    raw = issued["client-raw"].extension(oids.OID_MACHINE_IDENTITY).raw_value
    assert raw == MACHINE_ID.encode("ascii") and raw[0] != 0x0C        # not a DER UTF8String


@pytest.mark.parametrize("label", ["root", "server", "client-raw"])
def test_the_lint_pkix_cert_command_agrees(issued, tmp_path, label):
    """The command-line linter, as an operator would run it: nothing at WARNING or above."""
    path = tmp_path / f"{label}.pem"
    path.write_text(issued[label].to_pem(), encoding="ascii")
    done = subprocess.run([sys.executable, "-m", "pkilint.bin.lint_pkix_cert", "lint", "-s",
                           "WARNING", str(path)], capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "", ""), done


def test_pkilint_reports_planted_violations(root):
    """The oracle can fail: a CA certificate without a subjectKeyIdentifier and with a
    non-critical basicConstraints draws the two ERRORs RFC 5280 §4.2.1.2 and §4.2.1.9 call for,
    and a CRL without cRLNumber and authorityKeyIdentifier (made by pyca/cryptography) the two of
    §5.2.1 and §5.2.3."""
    bad = (CertificateBuilder().with_subject(root.subject).with_issuer(root.subject)
           .with_serial_number(5).with_validity(NOT_BEFORE, NOT_AFTER)
           .with_public_key(ROOT_KEY.public_key())
           .with_extension(BasicConstraints(ca=True), critical=False)
           .with_extension(KeyUsage(key_cert_sign=True, crl_sign=True), critical=True)
           .sign(ROOT_KEY))
    codes = {(s, c) for s, c, _ in lint_certificate(bad.raw)}
    assert {(ValidationFindingSeverity.ERROR, "pkix.certificate_skid_ca_missing"),
            (ValidationFindingSeverity.ERROR, "pkix.basic_constraints_extension_not_critical")} <= codes
    theirs = (pyca.CertificateRevocationListBuilder()
              .issuer_name(pyca.load_der_x509_certificate(root.raw).subject)
              .last_update(NOT_BEFORE).next_update(NOT_AFTER)
              .sign(to_cryptography(ROOT_KEY), hashes.SHA256()))
    codes = {(s, c) for s, c, _ in lint_crl(theirs.public_bytes(Encoding.DER))}
    assert {(ValidationFindingSeverity.ERROR, "pkix.crl_number_missing"),
            (ValidationFindingSeverity.ERROR, "pkix.authority_key_identifier_missing")} <= codes


def _crls(root: Certificate) -> dict:
    base = (CRLBuilder().with_issuer(root.subject).with_crl_number(1)
            .with_update_times(NOT_BEFORE, datetime(2026, 1, 8, tzinfo=UTC)))
    full = base
    for serial, reason in enumerate(["keyCompromise", "cACompromise", "affiliationChanged",
                                     "superseded", "cessationOfOperation", "certificateHold",
                                     "privilegeWithdrawn", None, "unspecified"], start=100):
        full = full.with_revoked(serial, NOT_BEFORE, reason=reason,
                                 invalidity_date=datetime(2025, 12, 24, 8, tzinfo=UTC)
                                 if reason == "keyCompromise" else None)
    return {"empty": base.sign(ROOT_KEY), "revocations": full.sign(ROOT_KEY, "sha384")}


def test_pkilint_finds_no_error_or_warning_in_our_crls(root):
    for label, crl in _crls(root).items():
        _assert_clean(lint_crl(crl.raw, label), f"crl-{label}")


def test_the_lint_crl_command_agrees(root, tmp_path):
    for label, crl in _crls(root).items():
        path = tmp_path / f"{label}.crl"
        path.write_text(crl.to_pem(), encoding="ascii")
        done = subprocess.run([sys.executable, "-m", "pkilint.bin.lint_crl", "lint", "-t", "CRL",
                               "-p", "PKIX", "-s", "WARNING", str(path)],
                              capture_output=True, text=True, check=False)
        assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "", ""), done


# -- OpenSSL and pyca/cryptography path validation ----------------------------------------------

@pytest.mark.parametrize("label, purpose", [
    ("server", "sslserver"), ("server-client-auth", "sslserver"),
    ("server-client-auth", "sslclient"), ("client-raw", "sslclient"),
    ("client-octet", "sslclient"), ("client-raw-no-mac", "sslclient")])
def test_openssl_verifies_each_profile_for_its_purpose(issued, root, openssl, tmp_path, label, purpose):
    ca, leaf = tmp_path / "root.pem", tmp_path / "leaf.pem"
    ca.write_text(root.to_pem(), encoding="ascii")
    leaf.write_text(issued[label].to_pem(), encoding="ascii")
    done = subprocess.run([openssl, "verify", "-x509_strict", "-purpose", purpose, "-attime",
                           str(int(AT.timestamp())), "-CAfile", str(ca), str(leaf)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0 and done.stdout.strip() == f"{leaf}: OK", done.stderr


@pytest.mark.parametrize("label, purpose", [("server", "sslclient"), ("client-raw", "sslserver")])
def test_openssl_refuses_a_profile_for_the_other_purpose(issued, root, openssl, tmp_path, label, purpose):
    """The extended key usages keep each profile to its purpose."""
    ca, leaf = tmp_path / "root.pem", tmp_path / "leaf.pem"
    ca.write_text(root.to_pem(), encoding="ascii")
    leaf.write_text(issued[label].to_pem(), encoding="ascii")
    done = subprocess.run([openssl, "verify", "-x509_strict", "-purpose", purpose, "-attime",
                           str(int(AT.timestamp())), "-CAfile", str(ca), str(leaf)],
                          capture_output=True, text=True, check=False)
    assert done.returncode != 0 and "unsuitable certificate purpose" in done.stdout + done.stderr


def _store(root: Certificate):
    return pyca_verification.Store([pyca.load_der_x509_certificate(root.raw)])


@pytest.mark.parametrize("subject", [pyca_verification.DNSName("pacs.example.org"),

                                     pyca_verification.IPAddress(ipaddress.ip_address("10.1.2.3")),
                                     pyca_verification.IPAddress(ipaddress.ip_address("fd00::7"))],
                         ids=["dns", "ipv4", "ipv6"])
def test_pyca_server_verifier_accepts_the_server_profile(issued, root, subject):
    verifier = (pyca_verification.PolicyBuilder().store(_store(root)).time(AT)
                .build_server_verifier(subject))
    chain = verifier.verify(pyca.load_der_x509_certificate(issued["server"].raw), [])
    assert [c.tbs_certificate_bytes for c in chain] == [issued["server"].raw_tbs, root.raw_tbs]


def test_pyca_server_verifier_accepts_a_wildcard_name(issued, root):
    verifier = (pyca_verification.PolicyBuilder().store(_store(root)).time(AT)
                .build_server_verifier(pyca_verification.DNSName("x.pacs.example.org")))
    leaf = pyca.load_der_x509_certificate(issued["server-wildcard"].raw)
    assert verifier.verify(leaf, [])[0].tbs_certificate_bytes == issued["server-wildcard"].raw_tbs
    with pytest.raises(pyca_verification.VerificationError):          # the wildcard is needed
        verifier.verify(pyca.load_der_x509_certificate(issued["server"].raw), [])


def test_pyca_server_verifier_refuses_another_name(issued, root):
    verifier = (pyca_verification.PolicyBuilder().store(_store(root)).time(AT)
                .build_server_verifier(pyca_verification.DNSName("other.example.org")))
    with pytest.raises(pyca_verification.VerificationError):
        verifier.verify(pyca.load_der_x509_certificate(issued["server"].raw), [])


@pytest.mark.parametrize("label", ["client-raw", "client-raw-no-mac", "client-utf8"])
def test_pyca_client_verifier_accepts_the_client_profile(issued, root, label):
    policy = pyca_verification.ExtensionPolicy
    ee = policy.webpki_defaults_ee().may_be_present(
        pyca.SubjectAlternativeName, pyca_verification.Criticality.AGNOSTIC, None)
    verifier = (pyca_verification.PolicyBuilder().store(_store(root)).time(AT)
                .extension_policies(ca_policy=policy.webpki_defaults_ca(), ee_policy=ee)
                .build_client_verifier())
    verified = verifier.verify(pyca.load_der_x509_certificate(issued[label].raw), [])
    assert [c.tbs_certificate_bytes for c in verified.chain] == [issued[label].raw_tbs, root.raw_tbs]


# -- what each profile contains -------------------------------------------------------------

def _layout(cert: Certificate) -> list[tuple[str, bool]]:
    return [(str(e.oid), e.critical) for e in cert.extensions]


def test_the_root_profile(root):
    assert root.is_self_issued and root.raw_issuer == root.raw_subject
    root.verify_signature(ROOT_KEY.public_key())
    assert _layout(root) == [("2.5.29.19", True), ("2.5.29.15", True), ("2.5.29.14", False)]
    assert root.basic_constraints == BasicConstraints(ca=True)
    assert root.key_usage == KeyUsage(key_cert_sign=True, crl_sign=True)
    assert root.not_valid_after == datetime(2036, 1, 1, tzinfo=UTC)
    assert 0 < root.serial_number < 2 ** 159 and root.public_key.key_size == 4096
    assert root.subject.organization == "西部省东海市人民医院"


def test_the_server_profile(issued, root):
    server = issued["server"]
    assert _layout(server) == [("2.5.29.19", True), ("2.5.29.15", True), ("2.5.29.37", False),
                               ("2.5.29.17", False), ("2.5.29.14", False), ("2.5.29.35", False)]
    assert server.extension("2.5.29.19").raw_value == b"\x30\x00"      # cA FALSE is not encoded
    assert server.extended_key_usage.key_purposes == (oids.OID_SERVER_AUTH,)
    assert issued["server-client-auth"].extended_key_usage.key_purposes == (
        oids.OID_SERVER_AUTH, oids.OID_CLIENT_AUTH)
    assert server.subject_alternative_name.names == (
        DNSName("pacs.example.org"), IPAddress(ipaddress.ip_address("10.1.2.3")), IPAddress(ipaddress.ip_address("fd00::7")))
    assert server.authority_key_identifier.key_identifier == root.subject_key_identifier.key_identifier
    assert server.raw_issuer == root.raw_subject


def test_the_client_profile(issued, root):
    client = issued["client-raw"]
    assert _layout(client) == [("2.5.29.15", True), ("2.5.29.37", False),
                               ("1.3.6.1.4.15967132172.1", False), ("1.3.6.1.4.15967132172.2", False),
                               ("2.5.29.14", False), ("2.5.29.35", False)]
    assert client.subject.rfc4514() == "CN=HZ109999,O=西部省东海市人民医院"
    assert client.key_usage == KeyUsage(digital_signature=True)
    assert issued["client-raw-no-mac"].key_usage == KeyUsage(digital_signature=True,
                                                             key_encipherment=True)
    for label in ("client-raw", "client-utf8", "client-ia5", "client-octet"):
        assert (issued[label].machine_identity, issued[label].mac_address) == (MACHINE_ID, MAC)
    assert client.extension("1.3.6.1.4.15967132172.2").raw_value == MAC.encode("ascii")
    assert issued["client-utf8"].extension("1.3.6.1.4.15967132172.1").raw_value[:2] == b"\x0c\x20"
    assert issued["client-raw-no-mac"].mac_address is None


@pytest.mark.parametrize("call, error", [
    (lambda root: profiles.root_ca_builder(private_key(RSA_3072).public_key(), "/CN=x", NOT_BEFORE),
     InvalidValue),
    (lambda root: profiles.server_builder(root, SERVER_KEY.public_key(), "/CN=x", NOT_BEFORE,
                                          NOT_AFTER), InvalidValue),
    (lambda root: profiles.server_builder(root, private_key(RSA_1025).public_key(), "/CN=x",
                                          NOT_BEFORE, NOT_AFTER, dns_names=["x"]), InvalidValue),
    (lambda root: profiles.client_builder(root.raw, CLIENT_KEY.public_key(), "O", "C", NOT_BEFORE,
                                          NOT_AFTER, machine_identity=MACHINE_ID), TypeError),
    (lambda root: profiles.root_ca_builder(ROOT_KEY, "/CN=x", NOT_BEFORE), TypeError),
    (lambda root: profiles.root_ca_builder(ROOT_KEY.public_key(), b"/CN=x", NOT_BEFORE), TypeError),
], ids=["root-not-4096", "server-without-names", "leaf-below-2048", "issuer-not-a-certificate",
        "private-key-for-public", "subject-bytes"])
def test_profiles_refuse_what_they_do_not_allow(root, call, error):
    with pytest.raises(error):
        call(root)


def test_add_years_keeps_the_day_or_moves_29_february():
    assert profiles.add_years(datetime(2024, 2, 29, tzinfo=UTC), 10) == datetime(2034, 2, 28, tzinfo=UTC)
    assert profiles.add_years(datetime(2024, 2, 29, tzinfo=UTC), 4) == datetime(2028, 2, 29, tzinfo=UTC)
