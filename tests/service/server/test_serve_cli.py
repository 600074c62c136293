"""``x509core serve`` as a command: the passphrase as for every command, its files, a clean stop
on SIGTERM, a restart that keeps its certificates, and one-line errors (also without aiohttp)."""

from __future__ import annotations

import stat
import subprocess
import sys

import pytest

from tests.ca.conftest import CA_SUBJECT, PASSPHRASE
from tests.conftest import REPO
from tests.rsa.keys_fixture import RSA_4096, private_key
from tests.service.conftest import start_service, x509core_cli
from x509core.ca.issuance.certificate_authority import CertificateAuthority
from x509core.cert import load_pem_certificate
from x509core.rsa.keys import load_pem_private_key
from x509core.service.identity import key_password

pytestmark = pytest.mark.service


@pytest.fixture
def ca_dir(tmp_path):
    directory = tmp_path / "ca"
    CertificateAuthority.create(directory, subject=CA_SUBJECT, passphrase=PASSPHRASE,
                                key=private_key(RSA_4096)).close()
    return directory


def _one_line_error(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1, result.stderr
    assert lines[0].startswith("x509core: ") and "Traceback" not in result.stderr
    return lines[0]


def test_passphrase_from_the_environment_files_kept_and_reused_after_sigterm(ca_dir):
    env = {"X509CORE_PASSPHRASE": PASSPHRASE.decode()}
    first = start_service(ca_dir, "--dns", "ca.example.test", "--ip", "127.0.0.1", env=env)
    assert first.stop() == 0
    assert first.log.rstrip().endswith("x509core serve: stopped") and "Traceback" not in first.log
    service_dir = ca_dir / "service"
    assert stat.S_IMODE(service_dir.stat().st_mode) == 0o700
    with CertificateAuthority.open(ca_dir, passphrase=PASSPHRASE) as ca:
        for name in ("https", "ocsp"):
            key_file = service_dir / f"{name}.key"
            assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
            assert key_file.read_text().startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
            load_pem_private_key(key_file.read_bytes(), key_password(ca.key))
        https = load_pem_certificate((service_dir / "https.pem").read_bytes())
        assert ca.inventory.get(https.serial_number).profile == "server"       # recorded
        names = {str(n.value) for n in https.subject_alternative_name.names}
        assert names == {"ca.example.test", "127.0.0.1"}
    second = start_service(ca_dir, "--dns", "ca.example.test", "--ip", "127.0.0.1", env=env)
    assert second.stop() == 0
    assert f"using the HTTPS certificate {https.serial_number:X}" in second.log


def test_other_names_get_a_new_https_certificate(ca_dir, passphrase_file):
    first = start_service(ca_dir, "--ip", "127.0.0.1", passphrase_file=passphrase_file)
    first.stop()
    second = start_service(ca_dir, "--dns", "localhost", passphrase_file=passphrase_file)
    second.stop()
    assert "issued the HTTPS certificate" in second.log and "for localhost" in second.log


def test_a_wrong_passphrase_is_one_line(ca_dir, tmp_path):
    wrong = tmp_path / "wrong"
    wrong.write_text("not the passphrase\n")
    result = x509core_cli("serve", "--ca-dir", ca_dir, "--listen", "127.0.0.1:0",
                          "--passphrase-file", wrong)
    assert "passphrase" in _one_line_error(result)


@pytest.mark.parametrize("args, words", [
    (["--listen", "127.0.0.1"], "HOST:PORT"),
    (["--listen", "127.0.0.1:99999"], "HOST:PORT"),
    (["--listen", "0.0.0.0:0"], "--dns"),
    (["--listen", "127.0.0.1:0", "--public-url", "https://ca.example.test"], "http://"),
    (["--listen", "127.0.0.1:0", "--ip", "not-an-address"], "IP address"),
])
def test_bad_options_are_one_line(ca_dir, args, words):
    result = x509core_cli("serve", "--ca-dir", ca_dir, *args)
    assert words in _one_line_error(result)


def test_a_port_in_use_is_one_line(ca_dir, passphrase_file):
    running = start_service(ca_dir, passphrase_file=passphrase_file)
    try:
        result = x509core_cli("serve", "--ca-dir", ca_dir, "--passphrase-file", passphrase_file,
                              "--listen", f"127.0.0.1:{running.https_port}")
        assert "in use" in _one_line_error(result)
        assert "signed CRL" not in result.stderr                  # refused before any work
    finally:
        assert running.stop() == 0


_WITHOUT_AIOHTTP = """
import sys
sys.modules["aiohttp"] = None          # as on a machine without the extra
from x509core.__main__ import main
sys.exit(main(sys.argv[1:]))
"""


def test_without_aiohttp_the_cli_works_and_serve_says_how_to_install_it(ca_dir):
    def run(*args):
        return subprocess.run([sys.executable, "-c", _WITHOUT_AIOHTTP, *map(str, args)], cwd=REPO,
                              capture_output=True, text=True, timeout=60)
    assert run("--help").returncode == 0
    listing = run("list", "--ca-dir", ca_dir)
    assert listing.returncode == 0, listing.stderr
    line = _one_line_error(run("serve", "--ca-dir", ca_dir, "--listen", "127.0.0.1:0"))
    assert "pip install '.[server]'" in line and "pip install aiohttp" in line
