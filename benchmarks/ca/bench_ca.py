"""The certificate-management system: import time, CLI peak memory, issuing 100 client
certificates from CSRs.

- ``import x509core``: a fresh interpreter per sample (``python -c``), against the bare
  interpreter and ``import cryptography.x509``. The package imports its layers on first use
  (PEP 562), so the CLI pays only for what a command needs.
- CLI peak memory: ``/usr/bin/time -v`` around ``x509core show`` and ``x509core verify`` of the
  seed system's client certificate; the peak resident set size is in the note, the wall time is
  the measured value. ``openssl x509 -text`` is the reference row.
- Issue 100 client certificates from CSRs (RSA-4096 CA, RSA-2048 client keys, SHA-256): the
  x509core CA API (``CertificateAuthority.sign_csr``: checks each CSR's signature, builds, signs,
  reads back and verifies its own output, writes the PEM atomically with fsync and records it in
  the SQLite inventory) against pyca/cryptography's builder, which only builds and signs in
  memory; the row "x509core, no inventory" builds and signs with ``CertificateBuilder`` alone, the
  like-for-like comparison. Signing is bounded by the constant-time RSA layer (``bench_rsa_sign``).
"""

from __future__ import annotations

import datetime
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness import REPO, Row, Stats, measure_each, x509core_key

SEED = REPO.parent / "shared" / "interop" / "seed-system"
COUNT = 100
NOW = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)


def _environment() -> dict[str, str]:
    """As an installed package runs: byte-code compiled once (pip compiles at install time), so
    PYTHONDONTWRITEBYTECODE, which some machines set, is dropped for the measured runs."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "x509core")],
                   check=True, env=env)
    return env


ENV: dict[str, str] = {}


def _fresh(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO, env=ENV)
    return time.perf_counter() - start


def _import_rows(quick: bool) -> list[Row]:
    group = "import in a fresh interpreter"
    count = 5 if quick else 30
    codes = [("bare interpreter (python -c pass)", "pass", True),
             ("import x509core", "import x509core", False),
             ("import x509core.ca.cli (the CLI)", "import x509core.ca.cli", False),
             ("import cryptography.x509", "import cryptography.x509", False)]
    return [Row(group, label, measure_each(lambda c=code: _fresh(c), count), reference=ref)
            for label, code, ref in codes]


def _peak(command: list[str]) -> tuple[float, int]:
    """Wall time and peak RSS (KiB) of one run of ``command`` under /usr/bin/time -v."""
    start = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-v", *command], capture_output=True, text=True,
                          cwd=REPO, env=ENV)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise RuntimeError(f"{command} failed: {done.stderr[-400:]}")
    found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    return elapsed, int(found.group(1))


def _memory_row(group: str, label: str, command: list[str], count: int, reference: bool) -> Row:
    runs = [_peak(command) for _ in range(count)]
    peak = max(kib for _, kib in runs)
    return Row(group, label, Stats.of([t for t, _ in runs]), reference=reference,
               note=f"peak RSS {peak / 1024:.1f} MiB")


def _memory_rows(quick: bool) -> list[Row]:
    leaf, root = SEED / "client-HZ109999.pem", SEED / "license-server-ca.pem"
    count = 3 if quick else 10
    cli = [sys.executable, "-m", "x509core"]
    verify = [*cli, "verify", str(leaf), "--ca", str(root), "--at", "2026-01-01",
              "--machine", "c417aa4802b3441d931c135cbdaab367"]
    return [
        _memory_row("CLI run: show a certificate (wall time; peak RSS in note)", "openssl x509 -text",
                    ["openssl", "x509", "-in", str(leaf), "-noout", "-text"], count, True),
        _memory_row("CLI run: show a certificate (wall time; peak RSS in note)", "x509core show",
                    [*cli, "show", str(leaf)], count, False),
        _memory_row("CLI run: verify a machine-bound client (wall time; peak RSS in note)",
                    "openssl verify -attime", ["openssl", "verify", "-attime", "1767225600",
                                               "-CAfile", str(root), str(leaf)], count, True),
        _memory_row("CLI run: verify a machine-bound client (wall time; peak RSS in note)",
                    "x509core verify --machine", verify, count, False),
    ]


def _keys():
    from cryptography.hazmat.primitives.asymmetric import rsa as crypto_rsa

    ca = crypto_rsa.generate_private_key(public_exponent=65537, key_size=4096)
    client = crypto_rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ca, client, x509core_key(ca), x509core_key(client)


def _csrs(client_key, count: int):
    """``count`` x509core CSRs and the same as pyca objects: O, CN and the machine binding."""
    from cryptography import x509

    from x509core.cert import CSRBuilder, Name
    from x509core.cert.extensions.machine import MachineIdentity
    ours = []
    for index in range(count):
        subject = Name.from_rfc4514(f"CN=WS{index:014d},O=Clinic Imaging")
        ours.append(CSRBuilder().with_subject(subject)
                    .with_extension(MachineIdentity(f"c417aa4802b3441d931c135cbd{index:06d}"),
                                    critical=False).sign(client_key))
    theirs = [x509.load_der_x509_csr(csr.raw) for csr in ours]
    return ours, theirs


def _pyca_issue(ca_key, csrs):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    issuer = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Clinic Imaging"),
                        x509.NameAttribute(NameOID.COMMON_NAME, "Clinic Root CA")])
    ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())

    def issue_all() -> None:
        for csr in csrs:
            assert csr.is_signature_valid
            binding = csr.extensions.get_extension_for_oid(
                x509.ObjectIdentifier("1.3.6.1.4.15967132172.1"))
            (x509.CertificateBuilder().subject_name(csr.subject).issuer_name(issuer)
             .public_key(csr.public_key()).serial_number(x509.random_serial_number())
             .not_valid_before(NOW).not_valid_after(NOW + datetime.timedelta(days=365))
             .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
             .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False,
                                          False), critical=True)
             .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
             .add_extension(x509.SubjectKeyIdentifier.from_public_key(csr.public_key()), critical=False)
             .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski),
                            critical=False)
             .add_extension(binding.value, critical=False)
             .sign(ca_key, hashes.SHA256()))
    return issue_all


def _ca_issue(ca_key, csrs, where: Path):
    from x509core.ca import CertificateAuthority
    counter = iter(range(10**6))

    def issue_all() -> None:
        directory = where / f"ca{next(counter)}"
        ca = CertificateAuthority.create(directory, subject="/O=Clinic Imaging/CN=Clinic Root CA",
                                         passphrase=None, key=ca_key, now=NOW)
        try:
            for csr in csrs:
                ca.sign_csr(csr, now=NOW)
        finally:
            ca.close()
    return issue_all


def _builder_issue(ca_key, csrs):
    from x509core.ca.issuance import profiles
    from x509core.cert.builder import random_serial_number
    ca_certificate = _ca_certificate(ca_key)              # made once, outside the timing

    def issue_all() -> None:
        for csr in csrs:
            csr.verify()
            builder = profiles.client_builder(
                ca_certificate, csr.public_key, NOW, NOW + datetime.timedelta(days=365),
                org=csr.subject.organization, client_id=csr.subject.common_name,
                machine_id=csr.machine_identity, mac=None)
            builder.with_serial_number(random_serial_number()).sign(ca_key)
    return issue_all


def _ca_certificate(ca_key):
    with tempfile.TemporaryDirectory() as where:
        from x509core.ca import CertificateAuthority
        ca = CertificateAuthority.create(Path(where) / "ca", subject="/O=Clinic Imaging/CN=Clinic Root CA",
                                         passphrase=None, key=ca_key, now=NOW)
        ca.close()
        return ca.certificate


def _issue_rows(quick: bool) -> list[Row]:
    group = f"issue {COUNT} client certificates from CSRs (RSA-4096 CA)"
    count = 1 if quick else 5
    pyca_ca, client, ours_ca, ours_client = _keys()
    ours_csrs, pyca_csrs = _csrs(ours_client, COUNT)
    with tempfile.TemporaryDirectory() as where:
        rows = [Row(group, "pyca/cryptography builder (in memory)",
                    measure_each(_pyca_issue(pyca_ca, pyca_csrs), count), reference=True),
                Row(group, "x509core CertificateAuthority.sign_csr", measure_each(
                    _ca_issue(ours_ca, ours_csrs, Path(where)), count),
                    note="+ CSR check, self-verify, atomic PEM file (fsync) and SQLite row each"),
                Row(group, "x509core, no inventory (builder + sign)",
                    measure_each(_builder_issue(ours_ca, ours_csrs), count),
                    note="goal: <= 1.3x; bounded by constant-time RSA signing (bench_rsa_sign)")]
    return rows


def run(quick: bool) -> list[Row]:
    if not SEED.exists():
        raise SystemExit(f"missing {SEED} (../shared beside the repository)")
    ENV.update(_environment())
    return [*_import_rows(quick), *_memory_rows(quick), *_issue_rows(quick)]
