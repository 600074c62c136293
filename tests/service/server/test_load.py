"""The service under concurrent enrollments and a crash, on both inventory engines: 50 curl
clients enrolling at once get 50 certificates with 50 distinct serials, 50 success rows and
50 token uses; 60 clients racing for a 50-use token get exactly 50; and a server SIGKILLed in
the middle of a burst, then restarted, has every certificate it answered in its inventory
(the same PEM, no open reservation, files and rows in agreement), and each answered
certificate paid by one use."""

from __future__ import annotations

import base64
import signal
import subprocess
import time

import pytest

from tests.ca.conftest import CA_SUBJECT
from tests.rsa.keys_fixture import RSA_4096, private_key
from tests.service.clients import EST, make_token, openssl_csr
from tests.service.conftest import start_service
from x509core.ca.issuance.certificate_authority import CertificateAuthority
from x509core.cert.cms import load_der_certs_only

pytestmark = pytest.mark.service

ORG = "Example Clinic"


@pytest.fixture
def load_ca(tmp_path, inventory_location):
    """A CA of its own (unencrypted fixture key) on each inventory engine in turn."""
    ca = CertificateAuthority.create(tmp_path / "ca", subject=CA_SUBJECT, passphrase=None,
                                     key=private_key(RSA_4096), inventory=inventory_location)
    yield ca
    ca.close()


@pytest.fixture
def request_file(openssl, tmp_path):
    """One CSR for every client (a 50-use token may enroll one device's key 50 times)."""
    return openssl_csr(openssl, tmp_path, f"/O={ORG}/CN=CT40WORKSTATION0")[1]


def _start(curl, running, request, token: str) -> subprocess.Popen:
    return subprocess.Popen(
        [curl, "-sS", "--max-time", "120", "--cacert", str(running.ca_dir / "ca.pem"),
         "-u", f"device:{token}", "-H", "Content-Type: application/pkcs10", "--data-binary",
         f"@{request}", "-o", "-", "-w", "\n%{http_code}", running.url(f"{EST}/simpleenroll")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _results(processes) -> list[tuple[int, bytes]]:
    """(HTTP status, body) of each finished client; 0 when it got no HTTP answer."""
    results = []
    for process in processes:
        out, _ = process.communicate(timeout=180)
        body, _, code = out.rpartition(b"\n")
        results.append((int(code or 0), body))
    return results


def _serial(body: bytes) -> int:
    return load_der_certs_only(base64.b64decode(body)).certificates[0].serial_number


def test_fifty_concurrent_enrollments(curl, load_ca, request_file):
    running = start_service(load_ca.directory)
    try:
        presented = [make_token(load_ca, client_id="CT40WORKSTATION0") for _ in range(50)]
        results = _results([_start(curl, running, request_file, t) for t in presented])
    finally:
        assert running.stop() == 0, running.log
    assert [code for code, _ in results] == [200] * 50, results[:3]
    serials = [_serial(body) for _, body in results]
    assert len(set(serials)) == 50
    assert {r.serial for r in load_ca.inventory.records()} >= set(serials)
    enrolled = load_ca.inventory.audit_page(action="enroll", outcome="success")
    assert sorted(int(e.target, 16) for e in enrolled) == sorted(serials)
    uses = load_ca.inventory.audit_page(action="token-use")
    assert sorted(e.target for e in uses) == sorted(t.split(".")[0] for t in presented)
    assert all(t.uses_spent == 1 for t in load_ca.inventory.tokens())
    assert load_ca.check().consistent


def test_sixty_clients_race_for_fifty_uses(curl, load_ca, request_file):
    running = start_service(load_ca.directory)
    try:
        presented = make_token(load_ca, uses=50, client_id="CT40WORKSTATION0")
        results = _results([_start(curl, running, request_file, presented) for _ in range(60)])
    finally:
        assert running.stop() == 0, running.log
    codes = [code for code, _ in results]
    assert codes.count(200) == 50 and codes.count(401) == 10, codes
    assert all(b"is spent" in body or b"can no longer be used" in body
               for code, body in results if code == 401)
    serials = {_serial(body) for code, body in results if code == 200}
    assert len(serials) == 50
    token = load_ca.inventory.token(presented.split(".")[0])
    assert token.uses_spent == 50
    assert len(load_ca.inventory.audit_page(action="token-use")) == 50
    assert len(load_ca.inventory) == 50 + 2          # and the service's HTTPS and OCSP certificates


def test_a_server_killed_mid_run_loses_nothing_it_answered(curl, load_ca, request_file):
    running = start_service(load_ca.directory)
    presented = make_token(load_ca, uses=80, client_id="CT40WORKSTATION0")
    processes = [_start(curl, running, request_file, presented) for _ in range(80)]
    deadline = time.monotonic() + 120
    while sum(p.poll() is not None for p in processes) < 8 and time.monotonic() < deadline:
        time.sleep(0.005)
    running.process.send_signal(signal.SIGKILL)
    running.process.wait(timeout=30)
    results = _results(processes)
    answered = [_serial(body) for code, body in results if code == 200]
    assert answered, "no enrollment was answered before the kill"
    assert len(answered) < len(processes), "every enrollment finished before the kill"
    restarted = start_service(load_ca.directory)        # its open() repairs what the kill left
    try:
        with CertificateAuthority.open(load_ca.directory) as after:
            assert after.check().consistent
            assert not after.inventory.query(
                "SELECT serial FROM certificates WHERE status = 'reserved'")
            by_serial = {r.serial: r for r in after.inventory.records()}
            for (code, body), serial in zip([r for r in results if r[0] == 200], answered):
                record = by_serial[serial]
                assert record.status == "valid"
                pem = load_der_certs_only(base64.b64decode(body)).certificates[0].to_pem()
                assert record.pem == pem and record.path.read_text() == pem
            token = after.inventory.token(presented.split(".")[0])
            # Each answered certificate paid one use; a use may have paid a reservation whose
            # answer the kill cut off (abandoned or adopted), never the other way round.
            issued_with_token = [r for r in by_serial.values() if r.profile == "client"]
            assert len(answered) <= len(issued_with_token) <= token.uses_spent
        after_kill = _results([_start(curl, restarted, request_file, presented)])
        assert after_kill[0][0] == 200
    finally:
        assert restarted.stop() == 0, restarted.log
