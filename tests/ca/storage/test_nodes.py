"""Several CA nodes on one PostgreSQL inventory, and PostgreSQL going away mid-issuance.

Two nodes are two processes with separate CA directories for the same CA (each a copy of
``ca.pem``, ``ca.key`` and ``inventory.url``), issuing at once from several threads each:
serials stay unique across nodes, every node ends up with every certificate's file, each
node's CRL lists the revocations made on the other, and cRLNumbers never repeat. Then the
database is stopped (as if it crashed) and started again while a node issues: nothing reported
as issued is lost, nothing is issued twice, and a node that cannot wait gets a clear error.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time

import pytest

from tests.conftest import REPO
from x509core.ca.inventory import InventoryUnavailable, serial_hex
from x509core.ca.issuance.certificate_authority import CertificateAuthority
from x509core.cert import load_pem_certificate, load_pem_crl

pytestmark = pytest.mark.postgres

import x509core.bignum as _mpz

# 250 per node with gmpy2 (the issue's figure); 25 under the pure-Python backend, whose
# RSA-4096 signatures are slower (the code paths are the same).
PER_NODE = 250 if _mpz.BACKEND == "gmpy2" else 25
THREADS = 4


def issue_worker(directory: str, count: int, threads: int, revoke: int) -> None:
    """Child process: issue ``count`` certificates from ``threads`` threads, revoke the first
    ``revoke`` of them; print one JSON line per event."""
    from concurrent.futures import ThreadPoolExecutor
    from tests.rsa.keys_fixture import RSA_2048, private_key
    public = private_key(RSA_2048).public_key()
    printing = threading.Lock()
    with CertificateAuthority.open(directory) as ca:
        def one(i):
            issued = ca.issue_server(dns=[f"n{i}.{abs(hash(directory)) % 10**6}.example.org"],
                                     public_key=public)
            with printing:
                print(json.dumps({"issued": issued.record.serial}), flush=True)
            return issued.record.serial
        with ThreadPoolExecutor(threads) as pool:
            serials = list(pool.map(one, range(count)))
        for serial in serials[:revoke]:
            ca.revoke(serial, "keyCompromise")
            print(json.dumps({"revoked": serial}), flush=True)


def crl_worker(directory: str, count: int) -> None:
    with CertificateAuthority.open(directory) as ca:
        for _ in range(count):
            crl = ca.crl()
            print(json.dumps({"crl": crl.crl_number,
                              "revoked": [r.serial_number for r in crl.revoked_certificates]}),
                  flush=True)


def _start(function: str, *args) -> subprocess.Popen:
    code = f"from tests.ca.storage.test_nodes import {function}; {function}(*{args!r})"
    return subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _events(processes) -> list[dict]:
    events = []
    for process in processes:
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, err
        events += [json.loads(line) for line in out.splitlines()]
    return events


def _node_copy(directory, name):
    node = directory.parent / name
    node.mkdir(mode=0o700)
    for file in ("ca.pem", "ca.key", "inventory.url"):
        shutil.copy2(directory / file, node / file)
    return node


def test_two_nodes_share_one_postgresql_inventory(make_ca, postgres_cluster):
    ca = make_ca(inventory=postgres_cluster.new_database())
    node_a = ca.directory
    ca.close()
    node_b = _node_copy(node_a, "node-b")
    issued = [_start("issue_worker", str(d), PER_NODE, THREADS, 5) for d in (node_a, node_b)]
    a_events, b_events = (_events([p]) for p in issued)
    serials = [e["issued"] for e in a_events + b_events if "issued" in e]
    revoked = {e["revoked"] for e in a_events + b_events if "revoked" in e}
    assert len(serials) == 2 * PER_NODE and len(set(serials)) == 2 * PER_NODE
    assert len(revoked) == 10
    crls = _events([_start("crl_worker", str(d), 3) for d in (node_a, node_b)])
    numbers = [e["crl"] for e in crls]
    assert len(numbers) == 6 and len(set(numbers)) == 6           # never one number twice
    for node in (node_a, node_b):
        with CertificateAuthority.open(node) as opened:           # catches up: every file
            assert len(opened.inventory) == 2 * PER_NODE
            assert {r.serial for r in opened.inventory.records()} == set(serials)
            files = {p.name for p in (node / "issued").iterdir()}
            assert files == {f"{serial_hex(s)}.pem" for s in serials}
            crl = load_pem_crl((node / "crl.pem").read_bytes())
            assert {r.serial_number for r in crl.revoked_certificates} == revoked
            crl.verify_signature(opened.certificate.public_key)
            assert opened.check().consistent
    ordered = sorted(crls, key=lambda e: e["crl"])
    assert all(set(e["revoked"]) == revoked for e in ordered)


def steady_worker(directory: str, seconds: float, retry: float) -> None:
    """Child process: issue for ``seconds``; print each serial issued and each error."""
    from tests.rsa.keys_fixture import RSA_2048, private_key
    from x509core.errors import X509CoreError
    public = private_key(RSA_2048).public_key()
    with CertificateAuthority.open(directory, retry_seconds=retry) as ca:
        print(json.dumps({"ready": True}), flush=True)
        deadline = time.monotonic() + seconds
        i = 0
        while time.monotonic() < deadline:
            i += 1
            try:
                issued = ca.issue_server(dns=[f"s{i}.example.org"], public_key=public)
            except X509CoreError as exc:
                print(json.dumps({"error": str(exc)}), flush=True)
                time.sleep(0.2)
                continue
            print(json.dumps({"issued": issued.record.serial}), flush=True)


def test_postgresql_stopped_and_started_mid_issuance(make_ca, postgres_cluster):
    ca = make_ca(inventory=postgres_cluster.new_database())
    directory = ca.directory
    ca.close()
    patient = _start("steady_worker", str(directory), 9.0, 30.0)    # waits the outage out
    other = _node_copy(directory, "impatient")
    impatient = _start("steady_worker", str(other), 9.0, 0.5)       # reports it
    for process in (patient, impatient):
        assert json.loads(process.stdout.readline()) == {"ready": True}
    time.sleep(2.0)
    postgres_cluster.stop("immediate")                               # as if it crashed
    time.sleep(3.0)
    with pytest.raises(InventoryUnavailable, match="unreachable"):
        CertificateAuthority.open(directory, retry_seconds=0.3)
    postgres_cluster.start()
    events = _events([patient, impatient])
    serials = [e["issued"] for e in events if "issued" in e]
    errors = [e["error"] for e in events if "error" in e]
    assert errors and all("unreachable" in e or "reservation" in e for e in errors), errors
    assert all("\n" not in e for e in errors)
    assert len(serials) == len(set(serials)) > 10
    for node in (directory, other):
        with CertificateAuthority.open(node) as reopened:
            rows = {r.serial: r for r in reopened.inventory.records()}
            assert set(serials) <= set(rows)                         # nothing reported is lost
            for serial in serials:
                pem = (node / "issued" / f"{serial_hex(serial)}.pem").read_text()
                assert pem == rows[serial].pem
                assert load_pem_certificate(pem).serial_number == serial
            assert not reopened.inventory.query(
                "SELECT serial FROM certificates WHERE status = 'reserved' AND node = ?",
                (reopened.inventory.node,))
    names = [load_pem_certificate(r.pem).subject_alternative_name.names[0].value
             for r in rows.values()]
    assert len(names) == len(rows)
