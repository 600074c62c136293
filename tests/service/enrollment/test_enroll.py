"""EST simpleenroll (RFC 7030 §4.2.1) against the running service, curl and the OpenSSL CLI
as the client: a first enrollment with a token, then re-enrollment with the certificate it
gave; the wrong token, a spent one, an expired one, a revoked one, a revoked certificate; a
request the token does not allow; malformed requests that cost no use; and the audit trail
of every one of them."""

from __future__ import annotations

import base64
import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from tests.service.clients import (EST, MACHINE, certificate_of, curl_call, enroll, make_token,
                                   one_line, openssl_csr)
from tests.service.conftest import x509core_cli
from x509core.ca import tokens
from x509core.ca.inventory import serial_hex

pytestmark = pytest.mark.service

ORG = "Example Clinic"


def _token_id(presented: str) -> str:
    return presented.split(".")[0]


def test_first_enrollment_then_reenrollment(curl, openssl, service, service_ca, tmp_path):
    """The whole life of a modality's certificate over EST, by hand with curl and openssl."""
    presented = make_token(service_ca, client_id="CT11WORKSTATION1", machine_id=MACHINE,
                           organization=ORG)
    key, request, _ = openssl_csr(openssl, tmp_path, f"/O={ORG}/CN=CT11WORKSTATION1",
                                  machine_id=MACHINE)
    reply = enroll(curl, service, request, presented, user="")            # any user name
    assert (reply.status, reply.code) == (0, 200), reply.headers + reply.text()
    assert "application/pkcs7-mime; smime-type=certs-only" in reply.headers
    (tmp_path / "first.p7").write_bytes(base64.b64decode(reply.body))
    pem = subprocess.run([openssl, "pkcs7", "-inform", "DER", "-in", tmp_path / "first.p7",
                          "-print_certs"], check=True, capture_output=True, text=True).stdout
    (tmp_path / "first.pem").write_text(pem)
    verified = subprocess.run([openssl, "verify", "-CAfile", service.ca_dir / "ca.pem",
                               "-purpose", "sslclient", tmp_path / "first.pem"],
                              capture_output=True, text=True)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    first = certificate_of(reply)
    assert first.machine_identity == MACHINE and first.subject.common_name == "CT11WORKSTATION1"
    assert service_ca.inventory.get(first.serial_number).pem == first.to_pem()   # recorded
    # Re-enrollment with the certificate just obtained and a new key (RFC 7030 §4.2.2).
    _, renewal, _ = openssl_csr(openssl, tmp_path, f"/O={ORG}/CN=CT11WORKSTATION1",
                                machine_id=MACHINE, name="renewal")
    again = curl_call(curl, service.url(f"{EST}/simplereenroll"), "--cert",
                      tmp_path / "first.pem", "--key", key, "-H",
                      "Content-Type: application/pkcs10", "--data-binary", f"@{renewal}",
                      ca=service.ca_dir / "ca.pem")
    assert again.code == 200, again.text()
    second = certificate_of(again)
    assert second.serial_number != first.serial_number
    assert second.subject.rfc4514() == first.subject.rfc4514()
    assert second.public_key_info.raw != first.public_key_info.raw
    token_id = _token_id(presented)
    rows = {e.action: e for e in service_ca.inventory.audit_page(actor=token_id)}
    assert rows["token-use"].detail == "enroll: use 1 of 1" and rows["token-use"].target == token_id
    assert rows["enroll"].target == serial_hex(first.serial_number)
    assert rows["enroll"].source == "127.0.0.1" and rows["enroll"].outcome == "success"
    reenrolled, = service_ca.inventory.audit_page(action="reenroll",
                                                  actor=serial_hex(first.serial_number))
    assert (reenrolled.actor_kind, reenrolled.target) == ("certificate",
                                                          serial_hex(second.serial_number))
    # The token had one use: it is spent now.
    reply = enroll(curl, service, request, presented)
    assert reply.code == 401 and "is spent" in one_line(reply)


def test_the_token_id_may_be_the_user_name(curl, openssl, service, service_ca, tmp_path):
    presented = make_token(service_ca, profile="server", dns=("pacs.example.org",))
    _, request, _ = openssl_csr(openssl, tmp_path, "/CN=pacs.example.org",
                                dns=("pacs.example.org",))
    token_id, secret = presented.split(".")
    reply = enroll(curl, service, request, secret, user=token_id)
    assert reply.code == 200, reply.text()
    issued = certificate_of(reply)
    assert [n.value for n in issued.subject_alternative_name.names] == ["pacs.example.org"]
    assert service_ca.inventory.get(issued.serial_number).profile == "server"


def test_refused_tokens(curl, openssl, service, service_ca, tmp_path):
    """No credentials, the wrong token, an expired one, a revoked one: 401 with a challenge and
    one line; the audit trail has a failure row for each, from the client's address."""
    _, request, _ = openssl_csr(openssl, tmp_path, f"/O={ORG}/CN=CT12WORKSTATION2")
    source = "127.0.0.12"
    expired = tokens.create_token(
        service_ca.inventory, tokens.TokenConstraints("client"), ttl=timedelta(hours=1),
        at=datetime.now(timezone.utc) - timedelta(hours=2))[1]
    revoked = make_token(service_ca)
    tokens.revoke_token(service_ca.inventory, _token_id(revoked))
    wrong = _token_id(revoked) + ".not-the-secret"
    cases = [(None, "needs an enrollment token"), (wrong, "unknown enrollment token or wrong"),
             ("garbage", "not an enrollment token"), (expired, "has expired"),
             (revoked, "has been revoked")]
    for presented, words in cases:
        reply = enroll(curl, service, request, presented, source=source)
        assert reply.code == 401 and words in one_line(reply), (presented, reply.text())
        assert 'www-authenticate: basic realm="x509core est"' in reply.headers
    failures = service_ca.inventory.audit_page(action="enroll", outcome="failure")
    mine = [e for e in failures if e.source == source]
    assert [e.detail.split(" ", 1)[0] for e in mine] == ["401"] * 5
    assert {e.actor for e in mine} == {"-", _token_id(revoked), _token_id(expired)}


def test_a_request_the_token_does_not_allow(curl, openssl, service, service_ca, tmp_path):
    """A token made for CT01WORKSTATION1 cannot enroll the PACS (403); the use is not spent,
    and the right request then succeeds."""
    presented = make_token(service_ca, client_id="CT13WORKSTATION3", organization=ORG)
    _, pacs, _ = openssl_csr(openssl, tmp_path, f"/O={ORG}/CN=PACSSERVER000013", name="pacs")
    reply = enroll(curl, service, pacs, presented)
    assert reply.code == 403 and "allows client id 'CT13WORKSTATION3'" in one_line(reply)
    _, other_org, _ = openssl_csr(openssl, tmp_path, "/O=Other Clinic/CN=CT13WORKSTATION3",
                                  name="org")
    assert enroll(curl, service, other_org, presented).code == 403
    assert service_ca.inventory.token(_token_id(presented)).uses_spent == 0
    _, mine, _ = openssl_csr(openssl, tmp_path, "/CN=CT13WORKSTATION3", name="mine")
    reply = enroll(curl, service, mine, presented)
    assert reply.code == 200, reply.text()
    assert certificate_of(reply).subject.organization == ORG             # from the token


@pytest.mark.parametrize("case", ["content type", "base64", "not a CSR", "signature",
                                  "weak key", "too large", "ed25519"])
def test_malformed_requests_cost_no_use(curl, openssl, service, service_ca, tmp_path, case):
    presented = make_token(service_ca)
    _, request, der = openssl_csr(openssl, tmp_path, f"/O={ORG}/CN=CT14WORKSTATION4",
                                  bits=1024 if case == "weak key" else 2048)
    content_type, expected = "application/pkcs10", 400
    if case == "content type":
        content_type, expected = "text/plain", 415
    elif case == "base64":
        request.write_bytes(b"MIIB*not base64*")
    elif case == "not a CSR":
        request.write_bytes(base64.b64encode(b"\x30\x03\x02\x01\x05"))
    elif case == "signature":
        tampered = bytearray(der)
        tampered[-5] ^= 0x01
        request.write_bytes(base64.b64encode(bytes(tampered)))
    elif case == "too large":
        request.write_bytes(b"A" * 20000)
        expected = 413
    elif case == "ed25519":                 # a valid proof with a key the CA does not take
        key = tmp_path / "ed.key"
        subprocess.run([openssl, "genpkey", "-algorithm", "ed25519", "-out", key], check=True)
        made = subprocess.run([openssl, "req", "-new", "-key", key, "-subj",
                               f"/O={ORG}/CN=CT14WORKSTATION4", "-outform", "DER"],
                              check=True, capture_output=True)
        request.write_bytes(base64.b64encode(made.stdout))
    reply = enroll(curl, service, request, presented, content_type=content_type)
    assert reply.code == expected, reply.text()
    line = one_line(reply)
    if case == "ed25519":
        assert "ED25519" in line and "proof of possession" not in line, line
    assert service_ca.inventory.token(_token_id(presented)).uses_spent == 0


def test_a_revoked_certificate_cannot_reenroll(curl, openssl, service, service_ca, tmp_path):
    presented = make_token(service_ca, client_id="CT15WORKSTATION5", machine_id=MACHINE,
                           organization=ORG)
    key, request, _ = openssl_csr(openssl, tmp_path, f"/O={ORG}/CN=CT15WORKSTATION5",
                                  machine_id=MACHINE)
    reply = enroll(curl, service, request, presented)
    assert reply.code == 200, reply.text()
    issued = certificate_of(reply)
    (tmp_path / "issued.pem").write_text(issued.to_pem())
    revoked = x509core_cli("revoke", serial_hex(issued.serial_number), "--reason",
                           "keyCompromise", "--ca-dir", service.ca_dir)
    assert revoked.returncode == 0, revoked.stderr
    again = curl_call(curl, service.url(f"{EST}/simplereenroll"), "--cert",
                      tmp_path / "issued.pem", "--key", key, "-H",
                      "Content-Type: application/pkcs10", "--data-binary", f"@{request}",
                      ca=service.ca_dir / "ca.pem")
    assert again.code == 403 and "revoked (keyCompromise)" in one_line(again)
    refusal, = service_ca.inventory.audit_page(action="reenroll", outcome="failure",
                                               actor=serial_hex(issued.serial_number))
    assert refusal.detail.startswith("403 ") and "revoked" in refusal.detail


def test_tokens_made_by_the_cli_work_over_est(curl, openssl, service, service_ca, tmp_path):
    made = x509core_cli("token", "create", "--profile", "client", "--client-id",
                        "CT16WORKSTATION6", "--ca-dir", service.ca_dir)
    assert made.returncode == 0, made.stderr
    presented = made.stdout.strip()
    _, request, _ = openssl_csr(openssl, tmp_path, f"/O={ORG}/CN=CT16WORKSTATION6")
    reply = enroll(curl, service, request, presented)
    assert reply.code == 200, reply.text()
    listed = x509core_cli("token", "list", "--ca-dir", service.ca_dir)
    assert f"{_token_id(presented)}  spent" in listed.stdout
    assert presented.split(".")[1] not in listed.stdout


def test_the_cli_beside_the_service_issues_with_its_public_url(openssl, service, tmp_path,
                                                               passphrase_file):
    """``serve --public-url`` is recorded in the inventory: ``x509core issue`` in another
    process, beside the running service, issues certificates pointing to it as well."""
    _, request, der = openssl_csr(openssl, tmp_path, "/CN=modality.example.org",
                                  dns=("modality.example.org",))
    (tmp_path / "request.der").write_bytes(der)
    pem = subprocess.run([openssl, "req", "-inform", "DER", "-in", tmp_path / "request.der"],
                         check=True, capture_output=True).stdout
    (tmp_path / "request.csr").write_bytes(pem)
    issued = x509core_cli("issue", "server", "--csr", tmp_path / "request.csr", "--out",
                          tmp_path / "cli.pem", "--ca-dir", service.ca_dir,
                          "--passphrase-file", passphrase_file)
    assert issued.returncode == 0, issued.stderr
    text = subprocess.run([openssl, "x509", "-in", tmp_path / "cli.pem", "-noout", "-text"],
                          check=True, capture_output=True, text=True).stdout
    assert f"URI:http://127.0.0.1:{service.http_port}/crl" in text
    assert f"OCSP - URI:http://127.0.0.1:{service.http_port}/ocsp" in text
