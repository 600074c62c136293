"""Crash consistency: an issuing process killed with SIGKILL leaves an inventory and files that
agree (after the repair ``CertificateAuthority.open`` runs), and the next issuance works; on
both inventory engines.

The invariant (x509core/ca/inventory/reconcile.py): every issued row has its file
``issued/<SERIAL>.pem`` holding exactly the row's PEM, no reservation stays open, and no file
lacks a row.

Two kinds of kill:
- at random instants of a process issuing in a loop (several runs, random delays);
- at chosen points, by a worker that patches the step after which it kills itself: after the
  temporary file is written (before it is linked: the reservation is closed, abandoned), after
  the certificate file is in place (before the row is completed: the file is adopted), and
  after a CRL's number is committed (before the file is moved into place: a gap, never a
  number used twice).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest

import x509core.bignum as _mpz
from tests.conftest import REPO
from x509core.ca.issuance.certificate_authority import CertificateAuthority
from x509core.cert import load_pem_certificate

RANDOM_RUNS = 6 if _mpz.BACKEND == "gmpy2" else 3


def worker(directory: str, crash_point: str) -> None:
    """Run in a child process: issue until killed, or kill itself at ``crash_point``."""
    from tests.rsa.keys_fixture import RSA_2048, private_key
    import x509core.ca.files as files
    import x509core.ca.issuance.issuing as issuing
    import x509core.ca.issuance.revocation as revocation
    public = private_key(RSA_2048).public_key()

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    if crash_point == "before-link":
        files._link_new = lambda temporary, path: die()
    elif crash_point == "before-commit":
        real = issuing.atomic_write
        issuing.atomic_write = lambda *a, **k: (real(*a, **k), die())
    elif crash_point == "crl-before-publish":
        revocation._Temporary.publish = lambda self: die()
    with CertificateAuthority.open(directory) as ca:
        print("ready", flush=True)
        if crash_point == "crl-before-publish":
            ca.crl()
        for i in range(10 ** 6):
            issued = ca.issue_server(dns=[f"crash-{i}.example.org"], public_key=public)
            print(issued.record.serial, flush=True)


def run_worker(directory, crash_point: str = "none") -> subprocess.Popen:
    code = f"from tests.ca.storage.test_crash import worker; worker({str(directory)!r}, {crash_point!r})"
    return subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def assert_consistent(directory, reported=()) -> CertificateAuthority:
    """Open (which reconciles) and check the invariant by hand as well as with check()."""
    ca = CertificateAuthority.open(directory)
    assert ca.check().consistent
    rows = {r.serial: r for r in ca.inventory.records()}
    files = {p.name for p in (directory / "issued").iterdir()}
    assert files == {f"{r.serial_hex}.pem" for r in rows.values()}     # no orphan, no temp file
    assert not ca.inventory.query("SELECT serial FROM certificates WHERE status = 'reserved'")
    for record in rows.values():
        assert record.path.read_text() == record.pem
        load_pem_certificate(record.pem).verify_signature(ca.certificate.public_key)
    assert set(reported) <= set(rows)                 # every serial a caller saw was recorded
    assert not [p for p in directory.iterdir() if p.name.endswith(".tmp")]
    return ca


def issue_once(ca, leaf_key):
    issued = ca.issue_server(dns=["after.example.org"], public_key=leaf_key.public_key())
    assert ca.inventory.get(issued.record.serial).path.read_text() == issued.record.pem
    return issued


def test_sigkill_at_random_instants(engine_ca, leaf_key):
    ca = engine_ca()
    directory = ca.directory
    ca.close()
    rng = random.Random(20251124)
    killed_with_work = 0
    for _ in range(RANDOM_RUNS):
        process = run_worker(directory)
        assert process.stdout.readline() == "ready\n"      # imports done, CA open
        # Somewhere in the first dozen or so issuances (about 40 ms each with gmpy2).
        time.sleep(rng.random() * (0.6 if _mpz.BACKEND == "gmpy2" else 1.5))
        process.send_signal(signal.SIGKILL)
        out, err = process.communicate(timeout=60)
        assert process.returncode == -signal.SIGKILL, err
        reported = [int(line) for line in out.split()]
        killed_with_work += bool(reported)
        with assert_consistent(directory, reported) as reopened:
            issue_once(reopened, leaf_key)
    assert killed_with_work > 0, "no run got as far as issuing; raise the delays"


@pytest.mark.parametrize("crash_point", ["before-link", "before-commit"])
def test_sigkill_at_chosen_points(engine_ca, leaf_key, crash_point):
    ca = engine_ca()
    directory = ca.directory
    ca.close()
    process = run_worker(directory, crash_point)
    out, err = process.communicate(timeout=120)
    assert process.returncode == -signal.SIGKILL and out == "ready\n", err
    survey = CertificateAuthority.open(directory, reconcile=False)
    found = survey.check()
    survey.close()
    repairing = CertificateAuthority.open(directory)
    assert repairing.repairs == found                   # open() reports what it repaired
    repairing.close()
    if crash_point == "before-link":
        # A reservation, a complete temporary file, no certificate file: the temporary file is
        # removed and the reservation closed (no certificate left the process).
        assert len(found.removed_temporary) == 1 and found.adopted == ()
        assert len(found.abandoned) == 1
    else:
        # A reservation and its complete certificate file: the row is completed from it.
        assert len(found.adopted) == 1 and found.removed_temporary == () and not found.abandoned
    assert found.problems == () and found.restored == ()
    with assert_consistent(directory) as reopened:
        assert reopened.repairs.consistent              # the survey's open already repaired
        rows = reopened.inventory.records()
        assert len(rows) == len(found.adopted)
        if found.adopted:
            assert rows[0].serial == found.adopted[0] and rows[0].profile == "server"
        issue_once(reopened, leaf_key)


def test_sigkill_while_publishing_a_crl(engine_ca, leaf_key):
    ca = engine_ca()
    serial = ca.issue_server(dns=["r.example.org"], public_key=leaf_key.public_key()).record.serial
    ca.revoke(serial, "keyCompromise")
    first = ca.crl()
    directory = ca.directory
    ca.close()
    process = run_worker(directory, "crl-before-publish")
    process.communicate(timeout=120)
    assert process.returncode == -signal.SIGKILL
    assert [p.name for p in directory.iterdir() if p.name.startswith(".crl.pem.")]  # its temp file
    with assert_consistent(directory) as reopened:
        # The killed process took the next number but never published it: crl.pem is the old
        # one, and the next CRL skips the number (a gap; never one number for two CRLs).
        from x509core.cert import load_pem_crl
        assert load_pem_crl((directory / "crl.pem").read_text()).crl_number == first.crl_number
        assert reopened.crl().crl_number == first.crl_number + 2
        assert load_pem_crl((directory / "crl.pem").read_text()).crl_number == first.crl_number + 2


def test_list_records_a_certificate_left_by_a_kill(engine_ca, leaf_key):
    """issue 16: `list` right after a kill shows the certificate whose file was written but whose
    row was not completed (it opens the CA, which repairs), not an inventory without it."""
    import io
    from contextlib import redirect_stderr, redirect_stdout
    from x509core.ca.cli import main
    ca = engine_ca()
    directory = ca.directory
    ca.close()
    process = run_worker(directory, "before-commit")
    process.communicate(timeout=120)
    assert process.returncode == -signal.SIGKILL
    orphan = [p.name[:-4] for p in (directory / "issued").iterdir() if p.name.endswith(".pem")]
    assert len(orphan) == 1
    out = io.StringIO()
    with redirect_stdout(out), redirect_stderr(io.StringIO()):
        assert main(["--ca-dir", str(directory), "list", "--json"]) == 0
    import json
    listed = json.loads(out.getvalue())
    assert [entry["serial"] for entry in listed] == orphan
    assert listed[0]["status"] == "valid"
