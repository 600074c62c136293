"""OCSP requests and responses (x509core/cert/revocation/ocsp.py, ocsp_response.py) against the
OpenSSL CLI
and pyca/cryptography, both ways, and the strict reading of hostile input."""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta, timezone

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.x509 import ocsp
from hypothesis import given, strategies as st

from tests.ca.conftest import CA_SUBJECT
from tests.rsa.keys_fixture import RSA_2048, RSA_4096, private_key
from x509core.ca.issuance.certificate_authority import CertificateAuthority
from x509core.cert.revocation.ocsp import CertID, OCSPRequestBuilder, load_der_ocsp_request
from x509core.cert.revocation.ocsp_builder import OCSPResponseBuilder, encode_error_response
from x509core.cert.revocation.ocsp_response import load_der_ocsp_response
from x509core.der import Writer
from x509core.errors import DecodeError, InvalidValue

DER = serialization.Encoding.DER
NOW = datetime.now(timezone.utc).replace(microsecond=0)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """(CA, a leaf it issued, that leaf's key), the CA made from the fixture key."""
    ca = CertificateAuthority.create(tmp_path_factory.mktemp("ocsp") / "ca", subject=CA_SUBJECT,
                                     passphrase=None, key=private_key(RSA_4096))
    key = private_key(RSA_2048)
    leaf = ca.issue_server(dns=["pacs.example.test"], public_key=key.public_key()).certificate
    yield ca, leaf, key
    ca.close()


def _pyca(certificate):
    return x509.load_der_x509_certificate(certificate.raw)


@pytest.mark.parametrize("hash_name, pyca_hash", [("sha1", hashes.SHA1()), ("sha256", hashes.SHA256())])
def test_cert_id_is_the_one_pyca_computes(pki, hash_name, pyca_hash):
    ca, leaf, _ = pki
    theirs = ocsp.OCSPRequestBuilder().add_certificate(_pyca(leaf), _pyca(ca.certificate),
                                                       pyca_hash).build()
    ours = load_der_ocsp_request(theirs.public_bytes(DER)).requests[0].cert_id
    assert ours == CertID.for_certificate(ca.certificate, leaf.serial_number, hash_name)
    assert ours.hash_name == hash_name


def test_our_request_reads_in_pyca(pki):
    ca, leaf, _ = pki
    request = (OCSPRequestBuilder()
               .with_cert_id(CertID.for_certificate(ca.certificate, leaf.serial_number, "sha256"))
               .with_nonce(b"\x01" * 32).build())
    theirs = ocsp.load_der_ocsp_request(request.raw)
    assert theirs.serial_number == leaf.serial_number and theirs.hash_algorithm.name == "sha256"
    assert theirs.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == b"\x01" * 32


def test_openssl_requests_plain_and_signed_are_read(openssl, pki, tmp_path):
    ca, leaf, key = pki
    for name, certificate in (("ca.pem", ca.certificate), ("leaf.pem", leaf)):
        (tmp_path / name).write_text(certificate.to_pem())
    (tmp_path / "leaf.key").write_text(key.to_pem())
    plain, signed = tmp_path / "plain.der", tmp_path / "signed.der"
    base = [openssl, "ocsp", "-issuer", tmp_path / "ca.pem", "-cert", tmp_path / "leaf.pem"]
    subprocess.run([*base, "-reqout", plain], check=True, capture_output=True)
    subprocess.run([*base, "-signer", tmp_path / "leaf.pem", "-signkey", tmp_path / "leaf.key",
                    "-reqout", signed], check=True, capture_output=True)
    request = load_der_ocsp_request(plain.read_bytes())
    assert request.requests[0].cert_id.serial_number == leaf.serial_number
    assert request.nonce is not None and 1 <= len(request.nonce) <= 32
    assert request.signature is None
    signed_request = load_der_ocsp_request(signed.read_bytes())
    assert signed_request.signature is not None                  # read, not required
    assert signed_request.signature.certs[0].raw == leaf.raw
    assert signed_request.requestor_name is not None


def _response(ca, leaf, status, **kwargs):
    cert_id = CertID.for_certificate(ca.certificate, leaf.serial_number)
    return (OCSPResponseBuilder().with_response(cert_id, status, NOW, NOW + timedelta(hours=1), **kwargs)
            .with_produced_at(NOW).with_nonce(b"nonce-16-octets!").with_responder(ca.certificate,
                                                                                   include=False)
            .sign(ca.key))


@pytest.mark.parametrize("status, pyca_status", [("good", ocsp.OCSPCertStatus.GOOD),
                                                 ("unknown", ocsp.OCSPCertStatus.UNKNOWN)])
def test_our_responses_read_in_pyca(pki, status, pyca_status):
    ca, leaf, _ = pki
    theirs = ocsp.load_der_ocsp_response(_response(ca, leaf, status).raw)
    assert theirs.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    assert theirs.certificate_status == pyca_status
    assert theirs.this_update_utc == NOW and theirs.next_update_utc == NOW + timedelta(hours=1)
    assert theirs.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == b"nonce-16-octets!"
    _pyca(ca.certificate).public_key().verify(theirs.signature, theirs.tbs_response_bytes,
                                              padding.PKCS1v15(), hashes.SHA256())


def test_a_revoked_answer_reads_in_openssl(openssl, pki, tmp_path):
    ca, leaf, _ = pki
    revoked_at = NOW - timedelta(hours=2)
    response = _response(ca, leaf, "revoked", revocation_time=revoked_at,
                         revocation_reason="cessationOfOperation")
    for name, data in (("ca.pem", ca.certificate.to_pem()), ("leaf.pem", leaf.to_pem())):
        (tmp_path / name).write_text(data)
    (tmp_path / "response.der").write_bytes(response.raw)
    result = subprocess.run([openssl, "ocsp", "-respin", tmp_path / "response.der", "-issuer",
                             tmp_path / "ca.pem", "-cert", tmp_path / "leaf.pem", "-CAfile",
                             tmp_path / "ca.pem", "-no_nonce"], capture_output=True, text=True)
    assert "Response verify OK" in result.stderr, result.stderr
    assert "revoked" in result.stdout and "Reason: cessationOfOperation" in result.stdout
    assert f"Revocation Time: {revoked_at:%b %e %H:%M:%S %Y} GMT" in result.stdout


def test_pyca_responses_are_read(pki, tmp_path):
    ca, leaf, key = pki
    pyca_ca_key = serialization.load_pem_private_key(ca.key.to_pem().encode(), None)
    builder = (ocsp.OCSPResponseBuilder()
               .add_response(cert=_pyca(leaf), issuer=_pyca(ca.certificate), algorithm=hashes.SHA1(),
                             cert_status=ocsp.OCSPCertStatus.REVOKED, this_update=NOW,
                             next_update=NOW + timedelta(days=1), revocation_time=NOW,
                             revocation_reason=x509.ReasonFlags.key_compromise)
               .responder_id(ocsp.OCSPResponderEncoding.NAME, _pyca(ca.certificate))
               .certificates([_pyca(ca.certificate)]))
    theirs = builder.sign(pyca_ca_key, hashes.SHA256()).public_bytes(DER)
    ours = load_der_ocsp_response(theirs)
    basic = ours.basic
    basic.verify_signature(ca.certificate.public_key)
    assert ours.response_status == "successful" and basic.signed_by(ca.certificate)
    single = basic.responses[0]
    assert (single.cert_status, single.revocation_reason) == ("revoked", "keyCompromise")
    assert single.cert_id == CertID.for_certificate(ca.certificate, leaf.serial_number)
    assert basic.certs[0].raw == ca.certificate.raw
    for status in (ocsp.OCSPResponseStatus.MALFORMED_REQUEST, ocsp.OCSPResponseStatus.UNAUTHORIZED):
        error = ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(DER)
        assert load_der_ocsp_response(error).response_status == {
            ocsp.OCSPResponseStatus.MALFORMED_REQUEST: "malformedRequest",
            ocsp.OCSPResponseStatus.UNAUTHORIZED: "unauthorized"}[status]


@pytest.mark.parametrize("curve", ["P-256", "P-384"])
def test_an_ecdsa_signed_response_verifies_with_the_responders_ec_key(pki, curve):
    """Issue 11: a responder with an EC key (its response made by pyca, ECDSA over SHA-256 or
    SHA-384) verifies with its ECPublicKey; tampered, or checked with an RSA key, it does not."""
    from tests.cert.ec_chains import ECFactory, tampered
    from x509core.errors import InvalidSignature
    ca, leaf, _ = pki
    factory = ECFactory()
    responder = factory.ca(f"OCSP root {curve}", curve)
    theirs = (ocsp.OCSPResponseBuilder()
              .add_response(cert=_pyca(leaf), issuer=_pyca(ca.certificate), algorithm=hashes.SHA256(),
                            cert_status=ocsp.OCSPCertStatus.GOOD, this_update=NOW,
                            next_update=NOW + timedelta(days=1), revocation_time=None,
                            revocation_reason=None)
              .responder_id(ocsp.OCSPResponderEncoding.HASH, responder.cert)
              .sign(responder.key, {"P-256": hashes.SHA256(), "P-384": hashes.SHA384()}[curve])
              .public_bytes(DER))
    basic = load_der_ocsp_response(theirs).basic
    assert basic.signature_algorithm_info.scheme == "ecdsa"
    assert basic.signed_by(responder.x509core)
    basic.verify_signature(responder.x509core.public_key)
    with pytest.raises(InvalidSignature):
        load_der_ocsp_response(tampered(theirs)).basic.verify_signature(responder.x509core.public_key)
    with pytest.raises(InvalidSignature, match="cannot be made by an RSA key"):
        basic.verify_signature(ca.certificate.public_key)


@pytest.mark.parametrize("status", ["malformedRequest", "internalError", "tryLater",
                                    "sigRequired", "unauthorized"])
def test_error_responses_read_in_pyca(status):
    theirs = ocsp.load_der_ocsp_response(encode_error_response(status))
    expected = {"malformedRequest": "MALFORMED_REQUEST", "internalError": "INTERNAL_ERROR",
                "tryLater": "TRY_LATER", "sigRequired": "SIG_REQUIRED",
                "unauthorized": "UNAUTHORIZED"}[status]
    assert theirs.response_status.name == expected
    assert load_der_ocsp_response(encode_error_response(status)).response_status == status


def test_the_builder_refuses_what_rfc_6960_does_not_allow(pki):
    ca, leaf, key = pki
    cert_id = CertID.for_certificate(ca.certificate, leaf.serial_number)
    with pytest.raises(InvalidValue):
        OCSPResponseBuilder().with_response(cert_id, "good", NOW, NOW - timedelta(seconds=1))
    with pytest.raises(InvalidValue):
        OCSPResponseBuilder().with_response(cert_id, "revoked", NOW)       # no revocationTime
    with pytest.raises(InvalidValue):
        OCSPRequestBuilder().with_nonce(b"x" * 129)                         # RFC 9654 §2.1
    with pytest.raises(InvalidValue):                                       # not the responder's key
        (OCSPResponseBuilder().with_response(cert_id, "good", NOW).with_produced_at(NOW)
         .with_responder(leaf).sign(ca.key))
    with pytest.raises(InvalidValue):
        encode_error_response("successful")


# DER defects, each built with the writer so that only the one defect is wrong, and the words
# the refusal must contain.
def _cert_id(w):
    with w.sequence():
        with w.sequence():
            w.write_oid("1.3.14.3.2.26")
            w.write_null()
        w.write_octet_string(b"\x11" * 20)
        w.write_octet_string(b"\x22" * 20)
        w.write_integer(1)


def _request(version=None, nonce=None, trailing=b""):
    w = Writer()
    with w.sequence():
        with w.sequence():
            if version is not None:
                with w.explicit(0):
                    w.write_integer(version)
            with w.sequence(), w.sequence():
                _cert_id(w)
            if nonce is not None:
                with w.explicit(2), w.sequence(), w.sequence():
                    w.write_oid("1.3.6.1.5.5.7.48.1.2")
                    with w.octet_string_der():
                        w.write_octet_string(nonce)
    return w.to_bytes() + trailing


def _error_response(status, with_bytes=False):
    w = Writer()
    with w.sequence():
        w.write_enumerated(status)
        if with_bytes:
            with w.explicit(0), w.sequence():
                w.write_oid("1.3.6.1.5.5.7.48.1.1")
                w.write_octet_string(b"")
    return w.to_bytes()


_BAD = [
    ("trailing data", load_der_ocsp_request, _request(trailing=b"\x00"), "after the top-level"),
    ("request version v2", load_der_ocsp_request, _request(version=1), "version 1"),
    ("empty nonce", load_der_ocsp_request, _request(nonce=b""), "nonce"),
    ("nonce of 129 octets", load_der_ocsp_request, _request(nonce=b"n" * 129), "RFC 9654"),
    ("response status 4", load_der_ocsp_response, _error_response(4), "responseStatus 4"),
    ("error with responseBytes", load_der_ocsp_response, _error_response(1, True),
     "exactly when responseStatus is successful"),
]


def test_the_defect_free_request_is_read():
    assert load_der_ocsp_request(_request(nonce=b"n" * 32)).nonce == b"n" * 32


@pytest.mark.parametrize("name, loader, data, words", _BAD, ids=[row[0] for row in _BAD])
def test_defects_are_decode_errors(name, loader, data, words):
    with pytest.raises(DecodeError, match=words):
        loader(data)


@given(st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_decode_errors(data):
    for loader in (load_der_ocsp_request, load_der_ocsp_response):
        try:
            loader(data)
        except DecodeError:
            pass
