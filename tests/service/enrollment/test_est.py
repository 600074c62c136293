"""EST (RFC 7030) against the running service, with curl and the OpenSSL CLI as the client:
cacerts, csrattrs and simplereenroll, and the refusals (revoked, expired, foreign or missing
client certificate; wrong identity; bad content type, base64, CSR or signature)."""

from __future__ import annotations

import base64
import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from tests.service.conftest import x509core_cli
from x509core.cert import load_pem_certificate
from x509core.cert.cms import load_der_certs_only

pytestmark = pytest.mark.service

MACHINE = "c417aa4802b3441d931c135cbdaab367"
EST = "/.well-known/est"


def _curl(curl, service, path, *args, ca=True):
    command = [curl, "-sS", "--max-time", "30", "-o", "-", "-D", "/dev/stderr",
               "-w", "\n%{http_code}"]
    if ca:
        command += ["--cacert", str(service.ca_dir / "ca.pem")]
    result = subprocess.run([*command, *map(str, args), service.url(path)], capture_output=True,
                            timeout=60)
    body, _, code = result.stdout.rpartition(b"\n")
    return result.returncode, int(code or 0), body, result.stderr.decode(errors="replace")


def _openssl_csr(openssl, tmp_path, subject: str, machine_id: str | None, bits: int = 2048):
    """A key and a base64 DER CSR made by the OpenSSL CLI; the machine binding is written as
    the seed system writes it, its ASCII bytes directly in extnValue (``DER:`` hex)."""
    key = tmp_path / "new.key"
    subprocess.run([openssl, "genpkey", "-algorithm", "RSA", "-pkeyopt", f"rsa_keygen_bits:{bits}",
                    "-out", key], check=True, capture_output=True)
    command = [openssl, "req", "-new", "-key", key, "-subj", subject, "-outform", "DER"]
    if machine_id is not None:
        command += ["-addext", f"1.3.6.1.4.15967132172.1=DER:{machine_id.encode().hex()}"]
    der = subprocess.run(command, check=True, capture_output=True).stdout
    path = tmp_path / "request.b64"
    path.write_bytes(base64.encodebytes(der))
    return path, der


def _one_line(body: bytes) -> str:
    text = body.decode()
    assert text.startswith("x509core: ") and text.count("\n") == 1, text
    assert "Traceback" not in text
    return text


def test_cacerts_is_the_ca_in_a_base64_certs_only_cms(curl, openssl, service, tmp_path):
    status, code, body, headers = _curl(curl, service, f"{EST}/cacerts")
    assert (status, code) == (0, 200), headers
    assert "content-type: application/pkcs7-mime" in headers.lower()
    der = base64.b64decode(body)
    (tmp_path / "cacerts.p7").write_bytes(der)
    printed = subprocess.run([openssl, "pkcs7", "-inform", "DER", "-in", tmp_path / "cacerts.p7",
                              "-print_certs"], check=True, capture_output=True, text=True).stdout
    ca_pem = (service.ca_dir / "ca.pem").read_text()
    assert load_pem_certificate(printed).raw == load_pem_certificate(ca_pem).raw
    assert [c.raw for c in load_der_certs_only(der).certificates] == [load_pem_certificate(ca_pem).raw]


def test_csrattrs_names_what_the_ca_takes_from_a_csr(curl, openssl, service, tmp_path):
    status, code, body, headers = _curl(curl, service, f"{EST}/csrattrs")
    assert (status, code) == (0, 200) and "application/csrattrs" in headers
    (tmp_path / "attrs.der").write_bytes(base64.b64decode(body))
    listing = subprocess.run([openssl, "asn1parse", "-inform", "DER", "-in", tmp_path / "attrs.der"],
                             check=True, capture_output=True, text=True).stdout
    for name in ("sha256WithRSAEncryption", "ecdsa-with-SHA256", "organizationName",
                 "commonName", "1.3.6.1.4.15967132172.1", "Subject Alternative Name"):
        assert name in listing, listing
    # RFC 9908 (updating RFC 7030 §4.5.2): an extensionRequest would need one Extensions value
    # with the extnValues to use; the CA names what it takes as bare OIDs instead.
    assert "Extension Request" not in listing and listing.count("OBJECT") == 6, listing
    assert listing.count("SEQUENCE") == 1 and "SET" not in listing


def test_simplereenroll_with_the_current_certificate_and_a_new_key(curl, openssl, service, service_ca,
                                                                    client_files, tmp_path):
    cert, key, old = client_files("CT01WORKSTATION1")
    request, der = _openssl_csr(openssl, tmp_path, "/O=Example Clinic/CN=CT01WORKSTATION1", MACHINE)
    status, code, body, headers = _curl(curl, service, f"{EST}/simplereenroll", "--cert", cert,
                                        "--key", key, "-H", "Content-Type: application/pkcs10",
                                        "--data-binary", f"@{request}")
    assert (status, code) == (0, 200), headers + body.decode(errors="replace")
    assert "application/pkcs7-mime; smime-type=certs-only" in headers
    (tmp_path / "new.p7").write_bytes(base64.b64decode(body))
    pem = subprocess.run([openssl, "pkcs7", "-inform", "DER", "-in", tmp_path / "new.p7",
                          "-print_certs"], check=True, capture_output=True, text=True).stdout
    new = load_pem_certificate(pem)
    assert new.serial_number != old.certificate.serial_number
    assert new.subject.rfc4514() == old.certificate.subject.rfc4514()
    assert new.machine_identity == MACHINE
    assert new.public_key_info.raw != old.certificate.public_key_info.raw     # the new key
    (tmp_path / "new.pem").write_text(pem)
    verified = subprocess.run([openssl, "verify", "-CAfile", service.ca_dir / "ca.pem",
                               "-purpose", "sslclient", tmp_path / "new.pem"],
                              capture_output=True, text=True)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    text = subprocess.run([openssl, "x509", "-in", tmp_path / "new.pem", "-noout", "-text"],
                          check=True, capture_output=True, text=True).stdout
    assert f"URI:http://127.0.0.1:{service.http_port}/crl" in text             # --public-url
    assert f"OCSP - URI:http://127.0.0.1:{service.http_port}/ocsp" in text
    assert service_ca.inventory.get(new.serial_number).status == "valid"


def _reenroll(curl, service, cert, key, request, content_type="application/pkcs10"):
    return _curl(curl, service, f"{EST}/simplereenroll", "--cert", cert, "--key", key,
                 "-H", f"Content-Type: {content_type}", "--data-binary", f"@{request}")


def test_simplereenroll_refuses_another_identity(curl, openssl, service, client_files, tmp_path):
    cert, key, _ = client_files("CT02WORKSTATION2")
    other_subject, _ = _openssl_csr(openssl, tmp_path, "/O=Example Clinic/CN=PACSSERVER000001", MACHINE)
    _, code, body, _ = _reenroll(curl, service, cert, key, other_subject)
    assert code == 403 and "subject" in _one_line(body)
    other_machine, _ = _openssl_csr(openssl, tmp_path, "/O=Example Clinic/CN=CT02WORKSTATION2",
                                    "d417aa4802b3441d931c135cbdaab367")
    _, code, body, _ = _reenroll(curl, service, cert, key, other_machine)
    assert code == 403 and "machine binding" in _one_line(body)


def test_simplereenroll_refuses_a_revoked_certificate(curl, openssl, service, client_files, tmp_path):
    cert, key, issued = client_files("CT03WORKSTATION3")
    revoked = x509core_cli("revoke", issued.record.serial_hex, "--reason", "keyCompromise",
                           "--ca-dir", service.ca_dir)
    assert revoked.returncode == 0, revoked.stderr
    request, _ = _openssl_csr(openssl, tmp_path, "/O=Example Clinic/CN=CT03WORKSTATION3", MACHINE)
    _, code, body, _ = _reenroll(curl, service, cert, key, request)
    assert code == 403 and "revoked" in _one_line(body)


def test_simplereenroll_refuses_an_expired_certificate(curl, openssl, service, client_files,
                                                       tmp_path):
    long_ago = datetime.now(timezone.utc) - timedelta(days=30)
    cert, key, _ = client_files("CT04WORKSTATION4", now=long_ago, days=2)
    request, _ = _openssl_csr(openssl, tmp_path, "/O=Example Clinic/CN=CT04WORKSTATION4", MACHINE)
    _, code, body, _ = _reenroll(curl, service, cert, key, request)
    assert code == 403 and "expired" in _one_line(body)


def test_simplereenroll_needs_a_client_certificate_of_this_ca(curl, openssl, service, tmp_path):
    request, _ = _openssl_csr(openssl, tmp_path, "/O=Example Clinic/CN=CT05WORKSTATION5", MACHINE)
    _, code, body, _ = _curl(curl, service, f"{EST}/simplereenroll",
                             "-H", "Content-Type: application/pkcs10", "--data-binary", f"@{request}")
    assert code == 403 and "TLS client authentication" in _one_line(body)
    foreign_key, foreign_cert = tmp_path / "foreign.key", tmp_path / "foreign.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", foreign_key,
                    "-out", foreign_cert, "-subj", "/CN=CT05WORKSTATION5", "-days", "2"],
                   check=True, capture_output=True)
    status, code, _, stderr = _reenroll(curl, service, foreign_cert, foreign_key, request)
    assert status != 0 and code == 0, stderr                  # unknown CA: refused in TLS


@pytest.mark.parametrize("case", ["content type", "base64", "not a CSR", "signature"])
def test_simplereenroll_bad_requests_get_one_line(curl, openssl, service, client_files, tmp_path, case):
    cert, key, _ = client_files("CT06WORKSTATION6")
    request, der = _openssl_csr(openssl, tmp_path, "/O=Example Clinic/CN=CT06WORKSTATION6", MACHINE)
    content_type, expected, words = "application/pkcs10", 400, case
    if case == "content type":
        content_type, expected, words = "application/json", 415, "application/pkcs10"
    elif case == "base64":
        request.write_bytes(b"MIIB*not base64*")
    elif case == "not a CSR":
        request.write_bytes(base64.b64encode(b"\x30\x03\x02\x01\x05"))
        words = "PKCS #10"
    else:
        tampered = bytearray(der)
        tampered[-5] ^= 0x01                                  # inside the signature value
        request.write_bytes(base64.b64encode(bytes(tampered)))
    _, code, body, _ = _reenroll(curl, service, cert, key, request, content_type)
    assert code == expected and words in _one_line(body)
