"""The seed system's ``GET /ca`` and the service's defences at the HTTP level: sizes, unknown
paths and methods, slow clients. Every refusal is a 4xx with one line, never a traceback."""

from __future__ import annotations

import json
import socket
import subprocess
import time

import pytest

from x509core.service import limits

pytestmark = pytest.mark.service


def _curl(curl, service, path, *args):
    result = subprocess.run([curl, "-sS", "--cacert", service.ca_dir / "ca.pem", "-o", "-",
                             "-w", "\n%{http_code} %{content_type}", *args, service.url(path)],
                            capture_output=True, timeout=60)
    body, _, tail = result.stdout.rpartition(b"\n")
    code, _, content_type = tail.decode().partition(" ")
    return int(code), content_type, body


def test_ca_answers_as_the_seed_system_does(curl, service):
    code, content_type, body = _curl(curl, service, "/ca")
    assert code == 200 and content_type == "application/json; charset=utf-8"
    answer = json.loads(body)
    assert list(answer) == ["ca_cert", "status"] and answer["status"] == "success"
    assert answer["ca_cert"] == (service.ca_dir / "ca.pem").read_text()


@pytest.mark.parametrize("path, args, expected", [
    ("/no/such/path", (), 404),
    ("/ca", ("-X", "POST", "--data", "x"), 405),
    ("/ocsp", ("-H", "Content-Type: application/ocsp-request", "--data-binary", "@-"), 413),
])
def test_refusals_are_one_line(curl, service, path, args, expected):
    result = subprocess.run([curl, "-sS", "--cacert", service.ca_dir / "ca.pem", "-o", "-",
                             "-w", "\n%{http_code}", *args, service.url(path)],
                            input=b"A" * (limits.MAX_BODY + 1), capture_output=True, timeout=60)
    body, _, code = result.stdout.rpartition(b"\n")
    assert int(code) == expected, result
    assert body.startswith(b"x509core: ") and body.count(b"\n") == 1 and b"Traceback" not in body


def test_an_overlong_request_line_is_refused(service):
    with socket.create_connection(("127.0.0.1", service.http_port), timeout=10) as sock:
        sock.sendall(b"GET /ocsp/" + b"A" * (limits.MAX_LINE + 10) + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        reply = sock.recv(4096)
    status_line = reply.split(b"\r\n", 1)[0]
    assert status_line.startswith(b"HTTP/1.") and b" 400 " in status_line, reply[:200]
    assert b"Traceback" not in reply


@pytest.mark.parametrize("request_bytes", [
    b"GET /crl HTTP/9.9\r\nHost: x\r\n\r\n",
    b"POST /ocsp HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\n",
    b"POST /ocsp HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    b"POST /ocsp HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
    b"GET /crl HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n",
])
def test_a_malformed_request_is_logged_in_one_line(service, request_bytes):
    """A request aiohttp cannot parse is the client's error: 400, and one log line naming the
    address and the reason, never a traceback (before: aiohttp's, indented, in the log)."""
    logged_before = len(service.log)
    with socket.create_connection(("127.0.0.1", service.http_port), timeout=10) as sock:
        sock.sendall(request_bytes)
        reply = sock.recv(4096)
    assert b" 400 " in reply.split(b"\r\n", 1)[0], reply[:200]
    deadline = time.monotonic() + 10
    while "Error handling request" not in service.log[logged_before:]:
        assert time.monotonic() < deadline, service.log[logged_before:]
        time.sleep(0.05)
    logged = service.log[logged_before:]
    assert "Traceback" not in logged
    line, = [entry for entry in logged.splitlines() if "Error handling request" in entry]
    assert "from 127.0.0.1: " in line and len(line) < 400


def test_a_client_that_trickles_its_headers_is_cut_off(service):
    with socket.create_connection(("127.0.0.1", service.http_port), timeout=60) as sock:
        sock.sendall(b"GET /crl HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        started = time.monotonic()
        sock.settimeout(limits.HEADER_TIMEOUT + 20)
        while True:                       # one header line now and then, never the end
            try:
                sock.sendall(b"X-Slow: 1\r\n")
                if sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b"":
                    break
            except BlockingIOError:
                pass
            except (ConnectionResetError, BrokenPipeError):
                break
            if time.monotonic() - started > limits.HEADER_TIMEOUT + 20:
                pytest.fail("the service kept a trickling connection open")
            time.sleep(1)
    assert limits.HEADER_TIMEOUT - 1 <= time.monotonic() - started


def test_tls_below_1_2_is_refused_by_the_server(openssl, service):
    # The client is allowed TLS 1.1 (security level 0), so the refusal is the server's; the
    # same client settings with TLS 1.2 get through.
    def handshake(version):
        return subprocess.run([openssl, "s_client", "-connect", f"127.0.0.1:{service.https_port}",
                               version, "-cipher", "DEFAULT@SECLEVEL=0"], input="",
                              capture_output=True, text=True, timeout=30)
    refused, accepted = handshake("-tls1_1"), handshake("-tls1_2")
    assert refused.returncode != 0 and "Cipher is (NONE)" in refused.stdout, refused
    assert accepted.returncode == 0 and "Cipher is ECDHE-RSA-" in accepted.stdout, accepted


def test_tls_1_2_offers_only_forward_secret_aead_suites(openssl, service):
    for suite, accepted in (("ECDHE-RSA-AES128-GCM-SHA256", True), ("AES128-SHA256", False),
                            ("ECDHE-RSA-AES128-SHA256", False)):
        result = subprocess.run([openssl, "s_client", "-connect", f"127.0.0.1:{service.https_port}",
                                 "-tls1_2", "-cipher", suite], input="", capture_output=True,
                                text=True, timeout=30)
        assert (f"Cipher is {suite}" in result.stdout) == accepted, (suite, result.stdout[-500:])


def _ocsp_request_der(service) -> bytes:
    from x509core.cert.revocation.ocsp import CertID, OCSPRequestBuilder
    from x509core.cert import load_pem_certificate
    ca = load_pem_certificate((service.ca_dir / "ca.pem").read_text())
    return OCSPRequestBuilder().with_cert_id(CertID.for_certificate(ca, 12345)).build().raw


def test_a_body_in_several_segments_is_read_whole(service):
    body = _ocsp_request_der(service)
    head = (f"POST /ocsp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/ocsp-request\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", service.http_port), timeout=30) as sock:
        sock.sendall(head + body[:10])
        time.sleep(0.3)
        sock.sendall(body[10:])
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 200 ") and b"application/ocsp-response" in reply


def test_a_body_that_never_ends_is_refused_in_time(service):
    head = (b"POST /ocsp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/ocsp-request\r\n"
            b"Content-Length: 100\r\n\r\n0123456789")
    with socket.create_connection(("127.0.0.1", service.http_port), timeout=limits.BODY_TIMEOUT + 20) as sock:
        started = time.monotonic()
        sock.sendall(head)
        reply = sock.recv(4096)
    assert reply.startswith(b"HTTP/1.1 408 ") and b"x509core: the body did not arrive" in reply
    assert limits.BODY_TIMEOUT - 1 <= time.monotonic() - started <= limits.BODY_TIMEOUT + 10
