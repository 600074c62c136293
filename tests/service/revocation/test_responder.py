"""The service's decisions without HTTP: OCSP answers and their cache, the CRL watch, and the
service's own certificates (issued, kept, renewed). These run the bignum backend (signatures,
key generation), so they run in both passes; aiohttp is not involved."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from tests.ca.conftest import CA_SUBJECT
from tests.rsa.keys_fixture import RSA_2048, RSA_4096, private_key
from x509core.ca.issuance.certificate_authority import CertificateAuthority
from x509core.cert.revocation.ocsp import CertID, OCSPRequestBuilder
from x509core.cert.revocation.ocsp_response import load_der_ocsp_response
from x509core.service import identity
from x509core.service.responder import Responder
from x509core.service.revocation import RevocationStatus


@pytest.fixture
def setup(tmp_path):
    """(CA as the service opens it, the same CA opened by 'another process', responder)."""
    service_ca = CertificateAuthority.create(tmp_path / "ca", subject=CA_SUBJECT, passphrase=None,
                                             key=private_key(RSA_4096))
    other = CertificateAuthority.open(tmp_path / "ca")
    status = RevocationStatus(service_ca)
    status.poll()
    responder_identity, new = identity.responder_identity(service_ca)
    assert new
    yield service_ca, other, Responder(service_ca, status, responder_identity)
    other.close()
    service_ca.close()


def _leaf(ca):
    return ca.issue_server(dns=["pacs.example.test"],
                           public_key=private_key(RSA_2048).public_key()).certificate


def _request(ca, certificate, *, nonce=None, hash_name="sha1") -> bytes:
    builder = OCSPRequestBuilder().with_cert_id(
        CertID.for_certificate(ca.certificate, certificate.serial_number, hash_name))
    return (builder.with_nonce(nonce) if nonce else builder).build().raw


def test_answers_without_a_nonce_are_reused_until_the_inventory_changes(setup):
    service_ca, other, responder = setup
    leaf = _leaf(other)
    first = responder.respond(_request(service_ca, leaf))
    assert responder.respond(_request(service_ca, leaf)).der == first.der       # cached
    assert load_der_ocsp_response(first.der).basic.responses[0].cert_status == "good"
    other.revoke(leaf.serial_number, "keyCompromise")                         # another connection
    after = load_der_ocsp_response(responder.respond(_request(service_ca, leaf)).der)
    single = after.basic.responses[0]
    assert (single.cert_status, single.revocation_reason) == ("revoked", "keyCompromise")


def test_nonce_answers_are_fresh_and_echo_the_nonce(setup):
    service_ca, other, responder = setup
    leaf = _leaf(other)
    one = responder.respond(_request(service_ca, leaf, nonce=b"a" * 16))
    two = responder.respond(_request(service_ca, leaf, nonce=b"b" * 16))
    assert load_der_ocsp_response(one.der).basic.nonce == b"a" * 16
    assert load_der_ocsp_response(two.der).basic.nonce == b"b" * 16


def test_unknown_is_never_cached_and_a_foreign_issuer_is_unknown(setup, tmp_path):
    service_ca, other, responder = setup
    foreign = CertificateAuthority.create(tmp_path / "foreign", subject="/CN=Foreign CA",
                                          passphrase=None, key=private_key(RSA_4096))
    stranger = _leaf(foreign)
    answer = responder.respond(_request(foreign, stranger, hash_name="sha256"))
    assert load_der_ocsp_response(answer.der).basic.responses[0].cert_status == "unknown"
    assert answer.cache_until is None
    foreign.close()


def test_the_answer_reads_in_pyca_and_verifies_with_the_delegated_responder(setup):
    service_ca, other, responder = setup
    leaf = _leaf(other)
    answer = ocsp.load_der_ocsp_response(responder.respond(_request(service_ca, leaf,
                                                                     hash_name="sha256")).der)
    assert answer.certificate_status == ocsp.OCSPCertStatus.GOOD
    assert answer.hash_algorithm.name == "sha256" and answer.serial_number == leaf.serial_number
    signer = answer.certificates[0]
    ca = x509.load_pem_x509_certificate(service_ca.certificate.to_pem().encode())
    signer.verify_directly_issued_by(ca)
    from cryptography.hazmat.primitives.asymmetric import padding
    signer.public_key().verify(answer.signature, answer.tbs_response_bytes, padding.PKCS1v15(),
                               hashes.SHA256())
    assert answer.responder_key_hash == x509.SubjectKeyIdentifier.from_public_key(
        signer.public_key()).digest


def test_malformed_and_oversized_requests(setup):
    service_ca, other, responder = setup
    assert responder.respond(b"\x30\x00").status == "malformedRequest"
    builder = OCSPRequestBuilder()
    for serial in range(1, 18):
        builder = builder.with_cert_id(CertID.for_certificate(service_ca.certificate, serial))
    assert responder.respond(builder.build().raw).status == "malformedRequest"     # 17 > 16


def test_the_crl_follows_revocations_made_elsewhere(setup):
    service_ca, other, _ = setup
    status = RevocationStatus(service_ca)
    status.poll()
    assert status.refresh() and status.crl.revoked_certificates == ()
    status.poll()
    assert not status.crl_due() and not status.refresh()                    # nothing new
    leaf = _leaf(other)
    other.revoke(leaf.serial_number, "superseded")
    status.poll()
    assert status.crl_due() and status.refresh()
    assert status.crl.revoked(leaf.serial_number).reason == "superseded"
    later = datetime.now(timezone.utc) + timedelta(days=1, minutes=1)
    assert status.crl_due(later)                                             # ageing: re-signed


def test_service_certificates_are_kept_and_renewed(setup):
    service_ca, other, _ = setup
    https, new = identity.https_identity(service_ca, ["ca.example.test"], ["127.0.0.1"])
    assert new
    again, new = identity.https_identity(service_ca, ["ca.example.test"], ["127.0.0.1"])
    assert not new and again.certificate.raw == https.certificate.raw
    other.revoke(https.certificate.serial_number, "keyCompromise")           # e.g. a leaked key
    renewed, new = identity.https_identity(service_ca, ["ca.example.test"], ["127.0.0.1"])
    assert new and renewed.key.n != https.key.n
    soon = datetime.now(timezone.utc) + timedelta(days=identity.limits.SERVER_CERT_DAYS - 29)
    assert identity.needs_renewal(service_ca, renewed.certificate,
                                  identity.limits.SERVER_CERT_RENEW_BEFORE, soon)
    responder, _ = identity.responder_identity(service_ca)
    eku = x509.load_der_x509_certificate(responder.certificate.raw).extensions.get_extension_for_class(
        x509.ExtendedKeyUsage).value
    assert list(eku) == [x509.oid.ExtendedKeyUsageOID.OCSP_SIGNING]
    record = service_ca.inventory.get(responder.certificate.serial_number)    # reserve-then-sign
    assert (record.profile, record.pem) == ("ocsp", responder.certificate.to_pem())
    other.revoke(record.serial, "keyCompromise")                             # a leaked key
    replaced, new = identity.responder_identity(service_ca)
    assert new and replaced.certificate.serial_number != record.serial
    pem = (service_ca.directory / "service" / "ocsp.key").read_bytes()
    with pytest.raises(ValueError):
        serialization.load_pem_private_key(pem, password=b"wrong")
    serialization.load_pem_private_key(pem, password=identity.key_password(service_ca.key).encode())
