"""OCSP and the CRL over HTTP against the running service: ``openssl ocsp -url`` for good and
revoked certificates (SHA-1 and SHA-256 CertIDs, the nonce, GET and POST), a revocation seen
through the cache, unknown serials, malformed requests, and ``openssl verify -crl_check`` on the
CRL fetched over HTTP."""

from __future__ import annotations

import base64
import subprocess
import time
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from tests.service.conftest import x509core_cli

pytestmark = pytest.mark.service


def _ocsp(openssl, service, leaf, *extra, digest=()):
    ca = service.ca_dir / "ca.pem"
    result = subprocess.run([openssl, "ocsp", "-issuer", ca, *digest, "-cert", leaf, "-CAfile", ca,
                             "-url", service.http_url("/ocsp"), *extra],
                            capture_output=True, text=True, timeout=60)
    return result.returncode, result.stdout + result.stderr


@pytest.fixture
def leaf(client_files):
    """A fresh client certificate of the service's CA: (path, Issued)."""
    counter = getattr(leaf, "counter", 0) + 1
    leaf.counter = counter
    cert, _, issued = client_files(f"OCSPTEST{counter:08d}")
    return cert, issued


def test_openssl_ocsp_good_then_revoked(openssl, service, leaf):
    path, issued = leaf
    status, out = _ocsp(openssl, service, path)
    assert status == 0 and f"{path}: good" in out and "Response verify OK" in out, out
    assert "WARNING" not in out                             # the nonce came back
    revoked = x509core_cli("revoke", issued.record.serial_hex, "--reason", "keyCompromise",
                           "--ca-dir", service.ca_dir)
    assert revoked.returncode == 0, revoked.stderr
    status, out = _ocsp(openssl, service, path, digest=["-sha256"])  # a SHA-256 CertID this time
    assert status == 0 and f"{path}: revoked" in out and "Response verify OK" in out, out
    assert "Reason: keyCompromise" in out and "Revocation Time:" in out


def test_a_cached_answer_never_hides_a_revocation(openssl, service, leaf):
    path, issued = leaf
    for _ in range(2):                                       # the second one is served cached
        status, out = _ocsp(openssl, service, path, "-no_nonce")
        assert status == 0 and f"{path}: good" in out, out
    x509core_cli("revoke", issued.record.serial_hex, "--ca-dir", service.ca_dir)
    status, out = _ocsp(openssl, service, path, "-no_nonce")
    assert status == 0 and f"{path}: revoked" in out, out


def test_get_with_the_request_in_the_path(openssl, curl, service, leaf, tmp_path):
    path, _ = leaf
    request = tmp_path / "request.der"
    subprocess.run([openssl, "ocsp", "-issuer", service.ca_dir / "ca.pem", "-cert", path,
                    "-no_nonce", "-reqout", request], check=True, capture_output=True)
    encoded = quote(base64.b64encode(request.read_bytes()).decode(), safe="")
    response, headers = tmp_path / "response.der", tmp_path / "headers.txt"
    subprocess.run([curl, "-sS", "-o", response, "-D", headers,
                    service.http_url(f"/ocsp/{encoded}")], check=True, timeout=60)
    assert "content-type: application/ocsp-response" in headers.read_text().lower()
    assert "max-age=" in headers.read_text()                 # RFC 5019 §6.2
    result = subprocess.run([openssl, "ocsp", "-respin", response, "-issuer",
                             service.ca_dir / "ca.pem", "-cert", path, "-CAfile",
                             service.ca_dir / "ca.pem", "-resp_text"],
                            capture_output=True, text=True)
    assert f"{path}: good" in result.stdout and "Response verify OK" in result.stderr, result
    # RFC 5019 §6.2: Last-Modified is thisUpdate, Expires nextUpdate, an ETag names it
    from email.utils import parsedate_to_datetime
    fields = dict(line.split(": ", 1) for line in headers.read_text().splitlines()[1:] if ": " in line)
    fields = {k.lower(): v.strip() for k, v in fields.items()}
    answer = ocsp.load_der_ocsp_response(response.read_bytes())
    assert parsedate_to_datetime(fields["last-modified"]) == answer.this_update_utc
    assert parsedate_to_datetime(fields["expires"]) == answer.next_update_utc
    assert fields["etag"].startswith('"') and len(fields["etag"]) == 42
    nonce_request = tmp_path / "nonce.der"
    subprocess.run([openssl, "ocsp", "-issuer", service.ca_dir / "ca.pem", "-cert", path,
                    "-reqout", nonce_request], check=True, capture_output=True)   # with a nonce
    encoded = quote(base64.b64encode(nonce_request.read_bytes()).decode(), safe="")
    once = subprocess.run([curl, "-sS", "-o", "/dev/null", "-D", "-",
                           service.http_url(f"/ocsp/{encoded}")], capture_output=True,
                          text=True, check=True, timeout=60).stdout.lower()
    assert "cache-control: no-store" in once and "etag" not in once   # a one-off answer


def _pyca_request(issuer_pem: bytes, cert_pem: bytes | None, serial: int | None = None) -> bytes:
    issuer = x509.load_pem_x509_certificate(issuer_pem)
    builder = ocsp.OCSPRequestBuilder()
    if cert_pem is not None:
        builder = builder.add_certificate(x509.load_pem_x509_certificate(cert_pem), issuer,
                                          hashes.SHA256())
    else:
        name_hash = hashes.Hash(hashes.SHA1())
        name_hash.update(issuer.subject.public_bytes())
        key_hash = hashes.Hash(hashes.SHA1())
        key_der = issuer.public_key().public_bytes(serialization.Encoding.DER,
                                                   serialization.PublicFormat.PKCS1)
        key_hash.update(key_der)
        builder = builder.add_certificate_by_hash(name_hash.finalize(), key_hash.finalize(),
                                                  serial, hashes.SHA1())
    return builder.add_extension(x509.OCSPNonce(b"n" * 32), critical=False).build().public_bytes(
        serialization.Encoding.DER)


def _post(url: str, body: bytes, content_type="application/ocsp-request"):
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, reply.read(), dict(reply.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def test_an_unknown_serial_is_unknown_and_the_nonce_is_echoed(service):
    ca_pem = (service.ca_dir / "ca.pem").read_bytes()
    code, body, _ = _post(service.http_url("/ocsp"), _pyca_request(ca_pem, None, 0x1234567))
    assert code == 200
    response = ocsp.load_der_ocsp_response(body)
    assert response.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    assert response.certificate_status == ocsp.OCSPCertStatus.UNKNOWN
    assert response.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == b"n" * 32
    responder = response.certificates[0]
    assert x509.ObjectIdentifier("1.3.6.1.5.5.7.48.1.5") in [e.oid for e in responder.extensions]
    assert responder.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value == \
        x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.OCSP_SIGNING])


@pytest.mark.parametrize("body, content_type, expected", [
    (b"\x30\x03\x02\x01\x05", "application/ocsp-request", 400),   # DER, not an OCSP request
    (b"garbage", "application/ocsp-request", 400),
    (b"\x30\x00", "text/plain", 415),
])
def test_malformed_requests(service, body, content_type, expected):
    code, reply, headers = _post(service.http_url("/ocsp"), body, content_type)
    assert code == expected
    if expected == 400:                     # OCSP clients still read a status in the body
        assert ocsp.load_der_ocsp_response(reply).response_status == \
            ocsp.OCSPResponseStatus.MALFORMED_REQUEST
        assert "\n" not in headers["X-Reason"] and headers["X-Reason"]
    else:
        assert reply.decode().startswith("x509core: ") and reply.count(b"\n") == 1


def test_nonces_of_1_to_128_octets_are_echoed_and_longer_ones_are_malformed(service):
    """RFC 9654 §2.1 (which obsoletes RFC 8954's limit of 32 octets): Nonce is SIZE(1..128)."""
    ca_pem = (service.ca_dir / "ca.pem").read_bytes()
    issuer = x509.load_pem_x509_certificate(ca_pem)

    def ask(nonce: bytes):
        request = (ocsp.OCSPRequestBuilder().add_certificate(issuer, issuer, hashes.SHA1())
                   .add_extension(x509.OCSPNonce(nonce), critical=False).build())
        return _post(service.http_url("/ocsp"), request.public_bytes(serialization.Encoding.DER))
    for length in (1, 32, 33, 128):
        code, reply, _ = ask(bytes(range(length)))
        answer = ocsp.load_der_ocsp_response(reply)
        assert code == 200 and answer.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
        echoed = answer.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
        assert echoed == bytes(range(length)), length
    code, reply, _ = ask(b"n" * 129)
    assert code == 400 and ocsp.load_der_ocsp_response(reply).response_status == \
        ocsp.OCSPResponseStatus.MALFORMED_REQUEST


def _fetch_crl(curl, openssl, url, tmp_path) -> bytes:
    der, pem = tmp_path / "crl.der", tmp_path / "crl.pem"
    headers = subprocess.run([curl, "-sS", "-o", der, "-D", "-", url], check=True,
                             capture_output=True, text=True, timeout=60).stdout
    assert "content-type: application/pkix-crl" in headers.lower()
    subprocess.run([openssl, "crl", "-inform", "DER", "-in", der, "-out", pem], check=True)
    return pem


def test_openssl_verify_crl_check_with_the_crl_fetched_over_http(curl, openssl, service, leaf,
                                                                 tmp_path):
    path, issued = leaf
    ca = service.ca_dir / "ca.pem"
    crl = _fetch_crl(curl, openssl, service.http_url("/crl"), tmp_path)
    ok = subprocess.run([openssl, "verify", "-crl_check", "-CRLfile", crl, "-CAfile", ca, path],
                        capture_output=True, text=True)
    assert ok.returncode == 0 and f"{path}: OK" in ok.stdout, ok.stdout + ok.stderr
    x509core_cli("revoke", issued.record.serial_hex, "--reason", "superseded",
                 "--ca-dir", service.ca_dir)
    crl = _fetch_crl(curl, openssl, service.http_url("/crl"), tmp_path)   # re-signed at once
    refused = subprocess.run([openssl, "verify", "-crl_check", "-CRLfile", crl, "-CAfile", ca, path],
                             capture_output=True, text=True)
    assert refused.returncode != 0 and "certificate revoked" in refused.stdout + refused.stderr
    text = subprocess.run([openssl, "crl", "-in", crl, "-noout", "-text"], check=True,
                          capture_output=True, text=True).stdout
    assert issued.record.serial_hex in text.replace(":", "") and "Superseded" in text


def test_the_crl_is_on_the_https_listener_too_and_est_is_not_on_http(curl, openssl, service,
                                                                     tmp_path):
    crl = subprocess.run([curl, "-sS", "--cacert", service.ca_dir / "ca.pem", "-o", "-",
                          service.url("/crl")], check=True, capture_output=True).stdout
    assert crl[:1] == b"\x30"
    for path in ("/.well-known/est/cacerts", "/ca"):
        code = subprocess.run([curl, "-s", "-o", "/dev/null", "-w", "%{http_code}",
                               service.http_url(path)], capture_output=True, text=True).stdout
        assert code == "404"


def test_the_crl_is_resigned_in_the_background_after_a_revocation(service, client_files):
    """Nobody fetches /crl: the service's watch re-signs crl.pem by itself."""
    _, _, issued = client_files("CRLWATCH00000001")
    x509core_cli("revoke", issued.record.serial_hex, "--ca-dir", service.ca_dir)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        crl = x509.load_pem_x509_crl((service.ca_dir / "crl.pem").read_bytes())
        if crl.get_revoked_certificate_by_serial_number(issued.record.serial) is not None:
            break
        time.sleep(0.2)
    else:
        pytest.fail("crl.pem did not list the revocation within 30 s")
