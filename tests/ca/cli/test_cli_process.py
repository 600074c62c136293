"""``python3 -m x509core`` as a separate process: the exit statuses and stderr a shell script
sees (the in-process tests call ``main(argv)``; these prove the real entry point)."""

from __future__ import annotations

import subprocess
import sys

from tests.ca.conftest import MACHINE_ID
from tests.conftest import INTEROP, REPO, require_shared

SEED_CLIENT = INTEROP / "client-HZ109999.pem"
SEED_CA = INTEROP / "license-server-ca.pem"


def _x509core(*args):
    return subprocess.run([sys.executable, "-m", "x509core", *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def test_interop_acceptance_the_seed_client_verifies_for_its_machine_only():
    require_shared(SEED_CLIENT)
    ok = _x509core("verify", SEED_CLIENT, "--ca", SEED_CA, "--at", "2026-01-01",
                   "--machine", MACHINE_ID)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.startswith("OK: ") and ok.stderr == ""
    other = _x509core("verify", SEED_CLIENT, "--ca", SEED_CA, "--at", "2026-01-01",
                      "--machine", "d417aa4802b3441d931c135cbdaab367")
    assert other.returncode == 1 and other.stdout.startswith("INVALID: ")
    assert "machine" in other.stdout and other.stderr == ""


def test_errors_are_one_line_exit_2_and_no_traceback(tmp_path):
    bad = tmp_path / "bad.csr"
    bad.write_text("not a CSR\n")
    for args in (["issue", "client", "--csr", bad, "--ca-dir", tmp_path / "no-ca"],
                 ["verify", SEED_CLIENT, "--ca", tmp_path / "missing.pem"],
                 ["verify", SEED_CLIENT],                               # argparse usage error
                 ["revoke", "zz", "--ca-dir", tmp_path]):
        result = _x509core(*args)
        assert result.returncode == 2, (args, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "error" in lines[0] and "Traceback" not in result.stderr
        assert result.stdout == ""


def test_debug_shows_the_traceback(tmp_path):
    result = _x509core("--debug", "verify", SEED_CLIENT, "--ca", tmp_path / "missing.pem")
    assert result.returncode != 0 and "Traceback" in result.stderr
