"""Enrollments per second: EST ``simpleenroll`` against ``x509core serve``, with the bound —
the CA's RSA-4096 signature — measured in the same run, and OpenSSL issuing from the same CSR
as the peer.

One group, "one certificate from a CSR", all rows in seconds per certificate (1 / rate; the
rate is in the note), so each ratio says how far a row is from the reference, OpenSSL's own
RSA-4096 signature (through pyca/cryptography), which bounds any issuer with this CA key:

- RSA-4096 signature, OpenSSL (reference) and x509core (gmpy2): the bound;
- ``openssl x509 -req -CA`` issuing from the CSR, a process per certificate (no inventory): the
  peer, as sites script it with the OpenSSL CLI;
- x509core in process, ``CertificateAuthority.sign_csr`` on SQLite: the CSR's signature
  checked, the certificate built, signed, read back and verified, its row reserved and
  completed and its file written with fsync (``x509core issue --csr``);
- ``x509core serve``, EST over TLS (gmpy2, then the pure-Python backend): ``CLIENTS`` client
  threads, each POSTing the same base64 CSR with a 100,000-use token over a new TLS
  connection per request, as enrolling devices do. Per enrollment the service also checks the
  token, spends its use in the reservation's transaction and writes two audit rows.

The load generator (Python, ``http.client`` + ``ssl``) shares the machine's two cores with the
service, so the service rows are upper bounds of its cost per enrollment.
"""

from __future__ import annotations

import base64
import http.client
import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

from benchmarks.harness import REPO, Row, Stats, measure, stop_servers, x509core_key

CLIENTS = 8
GROUP = "one certificate from a CSR (RSA-4096 CA, RSA-2048 client key, SHA-256)"


def _setup(work: Path):
    """(CA, pyca CA key, CSR DER) with a CSR made by the OpenSSL CLI."""
    from cryptography.hazmat.primitives.asymmetric import rsa as pyca_rsa
    from x509core.ca.issuance.certificate_authority import CertificateAuthority
    pyca_key = pyca_rsa.generate_private_key(65537, 4096)
    ca = CertificateAuthority.create(work / "ca", subject="/O=Bench Clinic/CN=Bench Root CA",
                                     passphrase=None, key=x509core_key(pyca_key))
    subprocess.run(["openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    str(work / "client.key"), "-subj", "/O=Bench Clinic/CN=CT01WORKSTATION1",
                    "-out", str(work / "client.csr")], check=True, capture_output=True)
    der = subprocess.run(["openssl", "req", "-in", str(work / "client.csr"), "-outform", "DER"],
                         check=True, capture_output=True).stdout
    return ca, pyca_key, der


def _signatures(ca, pyca_key, quick: bool) -> list[Row]:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    message = os.urandom(1000)
    time_budget = 0.5 if quick else 3.0
    openssl = measure(lambda: pyca_key.sign(message, padding.PKCS1v15(), hashes.SHA256()),
                      min_time=time_budget)
    ours = measure(lambda: ca.key.sign(message), min_time=time_budget)
    return [Row(GROUP, "RSA-4096 signature, OpenSSL via pyca/cryptography (the bound)",
                openssl, reference=True, note=f"{1 / openssl.median:,.0f}/s"),
            Row(GROUP, "RSA-4096 signature, x509core (gmpy2)", ours,
                note=f"{1 / ours.median:,.0f}/s")]


def _openssl_cli(ca, work: Path, count: int) -> Row:
    (work / "ca.key").write_text(ca.key.to_pem())
    times = []
    for i in range(count):
        start = time.perf_counter()
        subprocess.run(["openssl", "x509", "-req", "-in", str(work / "client.csr"), "-CA",
                        str(ca.directory / "ca.pem"), "-CAkey", str(work / "ca.key"),
                        "-set_serial", str(1000 + i), "-days", "365", "-sha256", "-out",
                        str(work / "openssl-issued.pem")], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    stats = Stats.of(times)
    return Row(GROUP, "openssl x509 -req -CA (a process per certificate, no inventory)", stats,
               note=f"{1 / stats.median:,.0f}/s")


def _in_process(ca, der: bytes, count: int) -> Row:
    from x509core.cert.csr import load_der_csr
    csr = load_der_csr(der)
    times = []
    for _ in range(count):
        start = time.perf_counter()
        ca.sign_csr(csr, profile="client", days=365)
        times.append(time.perf_counter() - start)
    stats = Stats.of(times)
    return Row(GROUP, "x509core CertificateAuthority.sign_csr, in process (SQLite, fsync)",
               stats, note=f"{1 / stats.median:,.0f}/s")


def _start(directory: Path, backend: str, processes: list) -> int:
    log = directory.parent / f"serve-{backend}.log"
    env = {**os.environ, "X509CORE_BACKEND": backend}
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "x509core", "serve", "--ca-dir",
                                    str(directory), "--listen", "127.0.0.1:0", "--ip",
                                    "127.0.0.1"], cwd=REPO, env=env,
                                   stdout=subprocess.DEVNULL, stderr=out)
    processes.append(process)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        for line in text.splitlines():
            if "listening on https://127.0.0.1:" in line:
                return int(line.rsplit(":", 1)[1])
        if process.poll() is not None:
            raise RuntimeError(f"x509core serve exited:\n{text}")
        time.sleep(0.05)
    raise RuntimeError(f"x509core serve was not ready:\n{log.read_text()}")


def _enroll_once(port: int, context: ssl.SSLContext, headers: dict, body: bytes) -> None:
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=120)
    try:
        connection.request("POST", "/.well-known/est/simpleenroll", body, headers)
        reply = connection.getresponse()
        data = reply.read()
        if reply.status != 200:
            raise RuntimeError(f"HTTP {reply.status}: {data[:200]!r}")
    finally:
        connection.close()


def _throughput(port: int, ca, token: str, der: bytes, count: int) -> float:
    """Seconds per enrollment with CLIENTS threads making ``count`` enrollments in all."""
    context = ssl.create_default_context(cafile=str(ca.directory / "ca.pem"))
    basic = base64.b64encode(f"bench:{token}".encode()).decode()
    headers = {"Content-Type": "application/pkcs10", "Authorization": f"Basic {basic}",
               "Connection": "close"}
    body = base64.encodebytes(der)
    left = [count]
    lock = threading.Lock()
    errors = []

    def client() -> None:
        while True:
            with lock:
                if left[0] == 0:
                    return
                left[0] -= 1
            try:
                _enroll_once(port, context, headers, body)
            except Exception as exc:           # reported after the run
                errors.append(exc)
                return
    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    start = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"enrollment failed: {errors[0]}")
    return (time.monotonic() - start) / count


def _service_rows(ca, der: bytes, quick: bool, processes: list) -> list[Row]:
    from x509core.ca.tokens import TokenConstraints, create_token
    rows = []
    for backend, label, count, rounds in (
            ("gmpy2", "x509core serve, EST simpleenroll (gmpy2)", 40 if quick else 200, 3 if quick else 5),
            ("python", "x509core serve, EST simpleenroll (pure-Python backend)",
             8 if quick else 24, 2 if quick else 3)):
        port = _start(ca.directory, backend, processes)
        token = create_token(ca.inventory, TokenConstraints("client"), ttl=timedelta(hours=2),
                             uses=100_000)[1]
        _throughput(port, ca, token, der, CLIENTS)                   # warm up
        samples = [_throughput(port, ca, token, der, count) for _ in range(rounds)]
        stats = Stats.of(samples)
        rows.append(Row(GROUP, label, stats, note=f"{1 / stats.median:,.1f} enrollments/s "
                        f"({CLIENTS} clients, TLS, a new connection each)"))
        processes.pop().send_signal(signal.SIGTERM)
    return rows


def run(quick: bool) -> list[Row]:
    if shutil.which("openssl") is None:
        raise RuntimeError("bench_enroll needs the OpenSSL CLI: apt-get install -y openssl")
    work = Path(tempfile.mkdtemp(prefix="x509core-bench-enroll-"))
    processes: list = []
    try:
        ca, pyca_key, der = _setup(work)
        rows = _signatures(ca, pyca_key, quick)
        rows.append(_openssl_cli(ca, work, 10 if quick else 50))
        rows.append(_in_process(ca, der, 10 if quick else 50))
        rows += _service_rows(ca, der, quick, processes)
        return rows
    finally:
        stop_servers(processes, work)
