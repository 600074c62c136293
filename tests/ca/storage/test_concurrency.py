"""Serial numbers stay unique and nothing is lost when several processes issue at once.

Four processes each open the same CA directory and issue certificates as fast as they can; the
test then checks 4 x N rows, 4 x N distinct serials, every file present with its row's PEM, and
every serial the workers reported in the inventory; on both inventory engines (several nodes on
one PostgreSQL: tests/ca/storage/test_nodes.py). The CA key signs every certificate, so the
leaf public key is the pre-generated RSA-2048 fixture (no key generation). N is 250 with gmpy2
(1000 certificates) and 25 under the pure-Python backend (100 certificates), whose RSA-4096
signatures are slower; the code paths are the same.
"""

from __future__ import annotations

import os
import subprocess
import sys

import x509core.bignum as _mpz
from tests.conftest import REPO
from x509core.ca.issuance.certificate_authority import CertificateAuthority
from x509core.ca.inventory import serial_hex
from x509core.cert import load_pem_certificate

WORKERS = 4
PER_WORKER = 250 if _mpz.BACKEND == "gmpy2" else 25


def worker(directory: str, index: int, count: int) -> None:
    """Run in a child process: issue ``count`` certificates, print one serial per line."""
    from tests.rsa.keys_fixture import RSA_2048, private_key
    public = private_key(RSA_2048).public_key()
    with CertificateAuthority.open(directory) as ca:
        for i in range(count):
            issued = ca.issue_server(dns=[f"w{index}-{i}.example.org"], public_key=public)
            print(issued.record.serial, flush=True)


def start_worker(directory, index: int, count: int) -> subprocess.Popen:
    code = f"from tests.ca.storage.test_concurrency import worker; worker({str(directory)!r}, {index}, {count})"
    return subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=dict(os.environ))


def test_concurrent_issuance_keeps_serials_unique(engine_ca):
    ca = engine_ca()
    processes = [start_worker(ca.directory, i, PER_WORKER) for i in range(WORKERS)]
    reported = []
    for process in processes:
        out, err = process.communicate(timeout=900)
        assert process.returncode == 0, err
        reported += [int(line) for line in out.split()]
    total = WORKERS * PER_WORKER
    assert len(reported) == total and len(set(reported)) == total
    records = ca.inventory.records()
    assert len(records) == total
    assert {r.serial for r in records} == set(reported)
    files = sorted(p.name for p in (ca.directory / "issued").iterdir())
    assert files == sorted(f"{serial_hex(s)}.pem" for s in reported)
    names = set()
    for record in records:
        assert record.path.read_text() == record.pem
        cert = load_pem_certificate(record.pem)
        assert cert.serial_number == record.serial
        names.add(cert.subject.common_name)
    assert len(names) == total                              # every request issued exactly once
    assert ca.check().consistent


def test_a_taken_serial_is_drawn_again_before_signing(engine_ca, leaf_key, monkeypatch):
    """The retry path: the serials drawn first are taken (the CA's own, one already issued);
    the reservation refuses them before anything is signed."""
    import x509core.ca.issuance.issuing as issuing
    ca = engine_ca()
    first = ca.issue_server(dns=["a.example.org"], public_key=leaf_key.public_key())
    draws = iter([first.record.serial, ca.certificate.serial_number, 0x1234567890ABCDEF])
    monkeypatch.setattr(issuing, "random_serial_number", lambda: next(draws))
    real_sign = issuing.CertificateBuilder.sign
    signed = []
    monkeypatch.setattr(issuing.CertificateBuilder, "sign",
                        lambda builder, *a, **k: signed.append(builder.serial_number)
                        or real_sign(builder, *a, **k))
    second = ca.issue_server(dns=["b.example.org"], public_key=leaf_key.public_key())
    assert second.record.serial == 0x1234567890ABCDEF
    assert signed == [0x1234567890ABCDEF]                  # one signature, after the reservation
    assert ca.inventory.get(first.record.serial).pem == first.record.pem


def test_a_serial_reserved_by_another_process_is_never_signed(engine_ca, leaf_key, monkeypatch):
    """Another process (or node) reserves the serial first: this one draws again, and the CA
    key never signs a certificate with the other's serial."""
    import x509core.ca.issuance.issuing as issuing
    ca = engine_ca()
    other = CertificateAuthority.open(ca.directory, inventory=engine_ca.location)
    draws = iter([0x0A0B0C0D0E0F1011, 0x1112131415161718])
    monkeypatch.setattr(issuing, "random_serial_number", lambda: next(draws))
    real_reserve = ca.inventory.reserve
    raced = []

    def reserve_after_rival(record, **kwargs):
        if not raced:                   # the rival's reservation commits just before ours
            raced.append(record.serial)
            other.inventory.reserve(record)
        return real_reserve(record, **kwargs)

    monkeypatch.setattr(ca.inventory, "reserve", reserve_after_rival)
    issued = ca.issue_server(dns=["c.example.org"], public_key=leaf_key.public_key())
    assert issued.record.serial == 0x1112131415161718
    assert ca.inventory.certificate_status(0x0A0B0C0D0E0F1011) is None   # only reserved
    other.close()
    assert [r.serial for r in ca.inventory.records()] == [0x1112131415161718]
