"""``x509core quickstart DIR``, the README's first command: the files it writes, the checks it
prints, and a real mutual-TLS handshake on loopback with what it made. The in-process run uses
the fixture keys; one subprocess run generates real (2048-bit) keys end to end."""

from __future__ import annotations

import socket
import ssl
import stat
import subprocess
import sys
import threading

import pytest

from tests.ca.cli.test_cli import fixture_keys, one_error_line, run
from tests.conftest import REPO
from x509core import load_pem_certificate
from x509core.ca import machine
from x509core.ca.cli import support as cli_support
from x509core.ca.cli.quickstart import DEMO_ORGANIZATION
from x509core.rsa import load_pem_private_key

RAW_ID = "fedcba9876543210fedcba9876543210"


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """One quickstart run for the whole session: (directory, result)."""
    root = tmp_path_factory.mktemp("quickstart")
    (root / "machine-id").write_text(RAW_ID + "\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cli_support, "generate_key", fixture_keys())
        patch.setattr(machine, "MACHINE_ID_PATHS", (root / "machine-id",))
        result = run("quickstart", root / "demo")
        derived = machine.machine_identity()
    assert result.code == 0, result.err
    return root / "demo", result, derived


def test_quickstart_writes_the_files_with_safe_modes(demo):
    directory, result, _ = demo
    for name in ("ca.pem", "server.pem", "client.pem"):
        assert (directory / name).read_text().startswith("-----BEGIN CERTIFICATE-----")
        assert str(directory / name) in result.out
    for name in ("server.key", "client.key"):
        path = directory / name
        assert path.read_text().startswith("-----BEGIN PRIVATE KEY-----")     # PKCS#8
        assert stat.S_IMODE(path.stat().st_mode) == 0o600 and str(path) in result.out
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert "UNENCRYPTED" in result.err                       # the demo CA key, said plainly


def test_quickstart_certificates_and_what_it_prints(demo):
    directory, result, derived = demo
    server = load_pem_certificate((directory / "server.pem").read_text())
    client = load_pem_certificate((directory / "client.pem").read_text())
    names = str(server.subject_alternative_name)
    assert "localhost" in names and "127.0.0.1" in names
    assert client.machine_identity == derived != RAW_ID       # the derived id, not the raw one
    assert client.subject.organization == DEMO_ORGANIZATION
    for words in ("verified:", "valid for localhost", "valid for 127.0.0.1", "bound to this "
                  "machine", "curl --cacert", "load_cert_chain", "pynetdicom"):
        assert words in result.out
    listed = run("list", "--ca-dir", directory, "--json")
    assert listed.code == 0 and listed.out.count('"serial"') == 2


def test_quickstart_refuses_to_overwrite(demo):
    directory, _, _ = demo
    before = (directory / "client.key").read_bytes()
    assert "refusing" in one_error_line(run("quickstart", directory))
    assert (directory / "client.key").read_bytes() == before


def test_a_mutual_tls_handshake_with_the_quickstart_files(demo):
    directory, _, _ = demo
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=directory / "ca.pem")
    server_ctx.load_cert_chain(directory / "server.pem", directory / "server.key")
    server_ctx.verify_mode = ssl.CERT_REQUIRED
    client_ctx = ssl.create_default_context(cafile=directory / "ca.pem")
    client_ctx.load_cert_chain(directory / "client.pem", directory / "client.key")
    peer = {}
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]

        def serve():
            conn, _ = listener.accept()
            with server_ctx.wrap_socket(conn, server_side=True) as tls:
                peer["client"] = tls.getpeercert()["subject"]
                tls.sendall(tls.recv(5))

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        with socket.create_connection(("127.0.0.1", port), timeout=30) as raw:
            with client_ctx.wrap_socket(raw, server_hostname="localhost") as tls:
                tls.sendall(b"hello")
                assert tls.recv(5) == b"hello"
        thread.join(30)
    assert ("organizationName", DEMO_ORGANIZATION) in [pair for rdn in peer["client"]
                                                      for pair in rdn]


def test_quickstart_as_a_process_with_real_keys(tmp_path):
    """The README's first command, end to end (2048-bit keys keep it quick on both backends);
    a machine without a machine id still gets a demo, with a warning."""
    result = subprocess.run([sys.executable, "-m", "x509core", "quickstart", str(tmp_path / "d"),
                             "--key-bits", "2048", "--machine-id", "0123456789abcdef0123"],
                            cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    key = load_pem_private_key((tmp_path / "d" / "client.key").read_bytes())
    client = load_pem_certificate((tmp_path / "d" / "client.pem").read_text())
    assert key.n == client.public_key.n and key.n.bit_length() == 2048
    assert client.machine_identity == "0123456789abcdef0123"


def test_quickstart_without_a_machine_id_binds_a_random_one(tmp_path, monkeypatch):
    monkeypatch.setattr(cli_support, "generate_key", fixture_keys())
    monkeypatch.setattr(machine, "MACHINE_ID_PATHS", (tmp_path / "absent",))
    result = run("quickstart", tmp_path / "d")
    assert result.code == 0, result.err
    assert "random id" in result.err
    bound = load_pem_certificate((tmp_path / "d" / "client.pem").read_text()).machine_identity
    assert bound in result.err and f"--machine {bound}" in result.out
    assert "no machine id" in one_error_line(run("quickstart", tmp_path / "e", "--raw"))


def _printed_code(output: str, heading: str) -> list[str]:
    """The indented lines quickstart prints under ``heading``."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith(heading))
    code = []
    for line in lines[start + 1:]:
        if not line.startswith("    "):
            break
        code.append(line[4:])
    assert code, heading
    return code


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_printed_python_and_pynetdicom_instructions_work(demo):
    """Run what quickstart tells the user to run: the ssl contexts, then a C-ECHO over TLS."""
    from pynetdicom import AE
    _, result, _ = demo
    port = _free_port()
    source = "\n".join(_printed_code(result.out, "Python ssl, server")
                       + _printed_code(result.out, "Python ssl, client")
                       + _printed_code(result.out, "pynetdicom")).replace("11112", str(port))
    scope = {"ssl": ssl, "AE": AE}
    exec(compile(source, "quickstart-output", "exec"), scope)
    assoc, scp = scope["assoc"], scope["scp"]
    try:
        assert assoc.is_established
        status = assoc.send_c_echo()
        assert status.Status == 0x0000
        assoc.release()
    finally:
        scp.shutdown()


def test_the_printed_curl_command_works(demo, tmp_path, curl):
    import http.server
    directory, result, _ = demo
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=directory / "ca.pem")
    server_ctx.load_cert_chain(directory / "server.pem", directory / "server.key")
    server_ctx.verify_mode = ssl.CERT_REQUIRED

    class Hello(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"hello over mutual TLS")

        def log_message(self, *args):
            pass

    with http.server.HTTPServer(("127.0.0.1", 0), Hello) as httpd:
        httpd.socket = server_ctx.wrap_socket(httpd.socket, server_side=True)
        port = httpd.server_address[1]
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        try:
            command = _printed_code(result.out, "curl")[0].replace(":8443", f":{port}")
            argv = command.split()
            assert argv[0] == "curl"
            done = subprocess.run([curl, "--silent", "--show-error", *argv[1:]],
                                  capture_output=True, text=True, timeout=60)
        finally:
            httpd.shutdown()
    assert done.returncode == 0, done.stderr
    assert done.stdout == "hello over mutual TLS"
