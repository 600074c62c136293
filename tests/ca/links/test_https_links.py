"""End to end: HTTPS with mutual TLS on loopback. Python's http.server (in a thread) serves with
our server certificate; Python (urllib, http.client), curl and ``openssl s_client
-verify_return_error`` connect with our client certificate and succeed; a client certificate
from another CA, or without clientAuth, is refused; with a policy, a client bound to another
machine is refused too. Every socket and subprocess has a timeout."""

from __future__ import annotations

import http.client
import http.server
import ssl
import subprocess
import threading
import urllib.request
from contextlib import contextmanager

import pytest

from tests.ca.conftest import MACHINE_ID, ORG
from tests.ca.links.tls_pki import TIMEOUT, build_pki
from x509core import MedicalImagingPolicy
from x509core.ca.tls import client_ssl_context, server_ssl_context

REFUSED_CLIENTS = ["foreign_client", "server_only"]


@pytest.fixture(scope="module")
def pki(tmp_path_factory, ca_key, leaf_key, other_leaf_key):
    return build_pki(tmp_path_factory.mktemp("https"), ca_key, leaf_key, other_leaf_key)


class _Handler(http.server.BaseHTTPRequestHandler):
    timeout = TIMEOUT                                   # per connection (StreamRequestHandler)

    def do_GET(self):
        peer = self.connection.getpeercert()
        cn = dict(rdn[0] for rdn in peer["subject"])["commonName"]
        self.server.seen.append(cn)
        body = f"hello {cn}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def finish(self):
        super().finish()
        try:
            self.connection.unwrap()       # close_notify: OpenSSL 3 clients treat a bare EOF as
        except (OSError, ValueError):      # a possible truncation attack (an error)
            pass

    def log_message(self, *args):                      # keep the test output quiet
        pass


@contextmanager
def https_server(context: ssl.SSLContext):
    """A ThreadingHTTPServer on 127.0.0.1 (a free port) wrapped with ``context``."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.seen = []
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(TIMEOUT)
        assert not thread.is_alive(), "the HTTPS server did not stop"


@pytest.fixture(scope="module")
def server(pki):
    context = server_ssl_context(pki.server, pki.key, ca_certificates=[pki.ca])
    with https_server(context) as httpd:
        yield httpd


@pytest.fixture(scope="module")
def policy_server(pki):
    policy = MedicalImagingPolicy(machine_identity=MACHINE_ID, organizations=(ORG,),
                                  issuing_ca=pki.ca)
    context = server_ssl_context(pki.server, pki.key, ca_certificates=[pki.ca], policy=policy)
    with https_server(context) as httpd:
        yield httpd


def _python_get(pki, httpd, certificate: str, host: str = "127.0.0.1") -> str:
    context = client_ssl_context(getattr(pki, certificate), pki.key, ca_certificates=[pki.ca])
    connection = http.client.HTTPSConnection(host, httpd.server_address[1], context=context,
                                             timeout=TIMEOUT)
    try:
        connection.request("GET", "/")
        response = connection.getresponse()
        assert response.status == 200
        return response.read().decode()
    finally:
        connection.close()


def _curl(curl, pki, httpd, certificate: str, url_host: str = "127.0.0.1"):
    port = httpd.server_address[1]
    return subprocess.run([curl, "--silent", "--show-error", "--max-time", str(int(TIMEOUT)),
                           "--cacert", str(pki.files["ca"]), "--cert", str(pki.files[certificate]),
                           "--key", str(pki.files["key"]), "--resolve", f"localhost:{port}:127.0.0.1",
                           f"https://{url_host}:{port}/"], capture_output=True, text=True,
                          timeout=TIMEOUT + 5)


def _s_client(openssl, pki, httpd, certificate: str):
    return subprocess.run([openssl, "s_client", "-connect", f"127.0.0.1:{httpd.server_address[1]}",
                           "-servername", "localhost", "-verify_hostname", "localhost",
                           "-CAfile", str(pki.files["ca"]), "-verify_return_error",
                           "-cert", str(pki.files[certificate]), "-key", str(pki.files["key"]),
                           "-ign_eof", "-quiet"],
                          input="GET / HTTP/1.0\r\nHost: localhost\r\n\r\n", capture_output=True,
                          text=True, timeout=TIMEOUT + 5)


# -- success ----------------------------------------------------------------------------------

def test_python_http_client(pki, server):
    assert _python_get(pki, server, "client") == "hello HZ10999900000001\n"


def test_python_urllib_by_name(pki, server):
    context = client_ssl_context(pki.client, pki.key, ca_certificates=[pki.ca])
    url = f"https://localhost:{server.server_address[1]}/"
    try:
        with urllib.request.urlopen(url, context=context, timeout=TIMEOUT) as response:
            assert response.read() == b"hello HZ10999900000001\n"
    except urllib.error.URLError as exc:           # localhost may resolve to ::1 only
        if not isinstance(exc.reason, ConnectionRefusedError):
            raise
        pytest.fail(f"localhost does not reach 127.0.0.1 here: {exc}")


@pytest.mark.parametrize("url_host", ["127.0.0.1", "localhost"])
def test_curl(curl, pki, server, url_host):
    done = _curl(curl, pki, server, "client", url_host)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "hello HZ10999900000001\n"


def test_openssl_s_client(openssl, pki, server):
    done = _s_client(openssl, pki, server, "client")
    assert done.returncode == 0, done.stderr
    assert "HTTP/1.0 200 OK" in done.stdout and "hello HZ10999900000001" in done.stdout


def test_curl_refuses_a_server_outside_its_trust(curl, pki, server, tmp_path):
    other_trust = tmp_path / "foreign-ca.pem"
    other_trust.write_text(pki.foreign_ca.to_pem())
    done = subprocess.run([curl, "--silent", "--show-error", "--max-time", str(int(TIMEOUT)),
                           "--cacert", str(other_trust), "--cert", str(pki.files["client"]),
                           "--key", str(pki.files["key"]),
                           f"https://127.0.0.1:{server.server_address[1]}/"],
                          capture_output=True, text=True, timeout=TIMEOUT + 5)
    assert done.returncode == 60, done.stderr          # CURLE_PEER_FAILED_VERIFICATION
    assert done.stdout == ""


# -- refusals ---------------------------------------------------------------------------------

@pytest.mark.parametrize("certificate", REFUSED_CLIENTS)
def test_python_client_refused(pki, server, certificate):
    before = list(server.seen)
    with pytest.raises((ssl.SSLError, ConnectionError, http.client.HTTPException)):
        _python_get(pki, server, certificate)
    assert server.seen == before


@pytest.mark.parametrize("certificate", REFUSED_CLIENTS)
def test_curl_refused(curl, pki, server, certificate):
    done = _curl(curl, pki, server, certificate)
    assert done.returncode != 0 and "hello" not in done.stdout
    # 35 SSL connect error (TLS 1.2), 55/56 send/receive failure (TLS 1.3: the refusal comes
    # after the client's handshake); never 58/60 (our files or the server were the problem).
    assert done.returncode in (35, 55, 56), done.stderr


@pytest.mark.parametrize("certificate", REFUSED_CLIENTS)
def test_openssl_s_client_refused(openssl, pki, server, certificate):
    done = _s_client(openssl, pki, server, certificate)
    assert "hello" not in done.stdout
    assert "alert" in done.stderr, done.stderr


# -- the medical-imaging policy on an HTTPS server --------------------------------------------

def test_policy_server_accepts_the_bound_client(curl, pki, policy_server):
    assert _python_get(pki, policy_server, "client") == "hello HZ10999900000001\n"
    done = _curl(curl, pki, policy_server, "client")
    assert done.returncode == 0 and done.stdout == "hello HZ10999900000001\n", done.stderr


@pytest.mark.parametrize("certificate", ["other_machine_client", "other_org_client"])
def test_policy_server_refuses_other_machines_and_organizations(curl, pki, policy_server,
                                                                 certificate):
    before = list(policy_server.seen)
    with pytest.raises((ssl.SSLError, ConnectionError, http.client.HTTPException)):
        _python_get(pki, policy_server, certificate)
    done = _curl(curl, pki, policy_server, certificate)
    assert done.returncode != 0 and "hello" not in done.stdout
    assert policy_server.seen == before
