"""OCSP responses per second: ``x509core serve`` against OpenSSL's own responder
(``openssl ocsp -index index.txt -port P -rsigner -rkey -CA``) answering the same requests, in
the same run, on loopback.

Both responders answer for the same CA and sign with the same delegated responder certificate
and key (RSA-2048, sha256WithRSAEncryption), from the same status data: the x509core service's
inventory, and an OpenSSL ``index.txt`` written from it (good and revoked certificates).
Each runs as one process (x509core: one event loop, signing in it; OpenSSL: its
responder reads one connection at a time).

The load generator is Python: ``CLIENTS`` threads with ``http.client``, each POSTing
``application/ocsp-request`` over a new connection per request, as relying parties do (and as
OpenSSL's responder wants: it closes after each answer). It saturates at about 1,400 requests
per second by itself on this machine, so figures near that are the client's limit, not the
responder's. ``wrk`` was tried (Debian's package): OpenSSL's responder stalls for good under
its concurrent connections (it blocks on one idle connection), so no comparison was possible
with it. The implementations take turns round by round so that other load on the shared
2-core machine falls on all alike. The measured value is the wall time per answered request
(1 / throughput; responses per second in the note); a sample answer of each responder is
checked (successful, right status, signature) before timing.
Two workloads:

- requests without a nonce for a handful of certificates: x509core serves its cached answers
  (it re-signs only when the inventory changes or an answer nears nextUpdate, as production
  responders do, RFC 5019 §6); OpenSSL's responder signs every answer;
- requests with a fresh nonce each: every answer is signed by both (the nonce is echoed).

The load generator shares the machine's two cores with the responder, so the figures are
lower bounds for both; the ratio is the comparison.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.harness import REPO, Row, Stats, stop_servers, x509core_key

CLIENTS = 8
CERTIFICATES = 20
NONCE_REQUESTS = 4000


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _make_ca(directory: Path):
    """A CA with CERTIFICATES leaves, a quarter of them revoked; (CA, leaves)."""
    from cryptography.hazmat.primitives.asymmetric import rsa as pyca_rsa
    from x509core.ca.issuance.certificate_authority import CertificateAuthority
    ca_key = x509core_key(pyca_rsa.generate_private_key(65537, 4096))
    leaf_key = x509core_key(pyca_rsa.generate_private_key(65537, 2048))
    ca = CertificateAuthority.create(directory, subject="/O=Bench Clinic/CN=Bench Root CA",
                                     passphrase=None, key=ca_key)
    leaves = [ca.issue_server(dns=[f"node{i}.example.test"], public_key=leaf_key.public_key())
              for i in range(CERTIFICATES)]
    for issued in leaves[::4]:
        ca.revoke(issued.record.serial, "keyCompromise")
    return ca, [issued.certificate for issued in leaves]


def _index_txt(ca, path: Path) -> None:
    """OpenSSL's CA database (``openssl ca``'s index.txt) from the inventory."""
    lines = []
    for record in ca.inventory.records():
        expiry = record.not_after.strftime("%y%m%d%H%M%SZ")
        revoked = ""
        if record.status == "revoked":
            revoked = record.revocation_date.strftime("%y%m%d%H%M%SZ") + "," + record.revocation_reason
        status = "R" if record.status == "revoked" else "V"
        subject = "/" + "/".join(reversed(record.subject.split(",")))
        lines.append(f"{status}\t{expiry}\t{revoked}\t{record.serial_hex}\tunknown\t{subject}\n")
    path.write_text("".join(lines))


def _wait_for(log: Path, pattern: str, process: subprocess.Popen, timeout: float = 120) -> re.Match:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        match = re.search(pattern, log.read_text(errors="replace"), re.M)
        if match:
            return match
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[:3]} exited:\n{log.read_text()}")
        time.sleep(0.05)
    raise RuntimeError(f"not ready: {log.read_text()}")


def _start_x509core(directory: Path, backend: str, processes: list) -> int:
    log = directory.parent / f"serve-{backend}.log"
    port = _free_port()
    env = {**os.environ, "X509CORE_BACKEND": backend}
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "x509core", "serve", "--ca-dir",
                                    str(directory), "--listen", "127.0.0.1:0", "--http-listen",
                                    f"127.0.0.1:{port}"], cwd=REPO, env=env,
                                   stdout=subprocess.DEVNULL, stderr=out)
    processes.append(process)
    _wait_for(log, r"x509core serve: ready$", process)   # it logs each request, as OpenSSL does
    return port


def _start_openssl(ca, work: Path, processes: list) -> int:
    from x509core.rsa.keys import load_pem_private_key
    from x509core.service.identity import key_password
    service = ca.directory / "service"
    key = load_pem_private_key((service / "ocsp.key").read_bytes(), key_password(ca.key))
    (work / "ocsp.key").write_text(key.to_pem())
    (work / "ocsp.key").chmod(0o600)
    _index_txt(ca, work / "index.txt")
    port = _free_port()
    log = work / "openssl-ocsp.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            ["openssl", "ocsp", "-index", str(work / "index.txt"), "-port", str(port),
             "-rsigner", str(service / "ocsp.pem"), "-rkey", str(work / "ocsp.key"),
             "-CA", str(ca.directory / "ca.pem"), "-nmin", "60", "-ignore_err"],
            stdout=out, stderr=subprocess.STDOUT)
    processes.append(process)
    # Not a probe connection: the responder reads one connection at a time, without a timeout.
    _wait_for(log, "waiting for OCSP client connections", process, timeout=30)
    return port


def _requests(ca, leaves) -> tuple[list[bytes], list[bytes]]:
    from x509core.cert.revocation.ocsp import CertID, OCSPRequestBuilder
    ids = [CertID.for_certificate(ca.certificate, leaf.serial_number) for leaf in leaves]
    plain = [OCSPRequestBuilder().with_cert_id(cert_id).build().raw for cert_id in ids]
    nonced = [OCSPRequestBuilder().with_cert_id(ids[i % len(ids)])
              .with_nonce(os.urandom(16)).build().raw for i in range(NONCE_REQUESTS)]
    return plain, nonced


def _post(port: int, body: bytes) -> bytes:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", "/ocsp", body, {"Content-Type": "application/ocsp-request",
                                                   "Connection": "close"})
        reply = connection.getresponse()
        data = reply.read()
        if reply.status != 200:
            raise RuntimeError(f"HTTP {reply.status}")
        return data
    finally:
        connection.close()


def _check(port: int, ca, leaves, plain: list[bytes]) -> None:
    """Both responders must give the right answers before they are timed."""
    from x509core.cert.revocation.ocsp_response import load_der_ocsp_response
    for index in (0, 1):                               # leaf 0 is revoked, leaf 1 is good
        response = load_der_ocsp_response(_post(port, plain[index]))
        single = response.basic.responses[0]
        expected = "revoked" if index == 0 else "good"
        if response.response_status != "successful" or single.cert_status != expected:
            raise RuntimeError(f"responder on {port} answered {single.cert_status}, not {expected}")
        response.basic.verify_signature(response.basic.certs[0].public_key
                                        if response.basic.certs else ca.certificate.public_key)


def _throughput(port: int, bodies: list[bytes], seconds: float) -> float:
    """Seconds per answered request with CLIENTS client threads for ``seconds``."""
    done = [0] * CLIENTS
    stop = time.monotonic() + seconds

    def client(number: int) -> None:
        i = number
        while time.monotonic() < stop:
            _post(port, bodies[i % len(bodies)])
            done[number] += 1
            i += CLIENTS
    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    start = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return (time.monotonic() - start) / max(1, sum(done))


def run(quick: bool) -> list[Row]:
    if shutil.which("openssl") is None:
        raise RuntimeError("bench_ocsp needs the OpenSSL CLI: apt-get install -y openssl")
    work = Path(tempfile.mkdtemp(prefix="x509core-bench-ocsp-"))
    processes = []
    try:
        ca, leaves = _make_ca(work / "ca")
        gmpy2_port = _start_x509core(ca.directory, "gmpy2", processes)
        python_port = _start_x509core(ca.directory, "python", processes)
        openssl_port = _start_openssl(ca, work, processes)
        plain, nonced = _requests(ca, leaves)
        responders = [("OpenSSL responder (openssl ocsp -index -port)", openssl_port, ""),
                      ("x509core serve (gmpy2)", gmpy2_port, ""),
                      ("x509core serve (pure Python backend)", python_port, "")]
        for _, port, _ in responders:
            _check(port, ca, leaves, plain)
        return _measure(responders, plain, nonced, quick)
    finally:
        stop_servers(processes, work)


def _measure(responders, plain, nonced, quick: bool) -> list[Row]:
    rounds, seconds = (2, 1.0) if quick else (5, 4.0)
    rows = []
    for group, bodies, note in (
            (f"OCSP, no nonce ({CLIENTS} clients, a new connection per request)", plain,
             "x509core serves cached answers; OpenSSL signs each"),
            (f"OCSP with a nonce ({CLIENTS} clients, a new connection per request)", nonced,
             "every answer signed (RSA-2048)")):
        samples = {name: [] for name, _, _ in responders}
        for _ in range(rounds):
            for name, port, _ in responders:
                samples[name].append(_throughput(port, bodies, seconds))
        for index, (name, _, _) in enumerate(responders):
            stats = Stats.of(samples[name])
            rows.append(Row(group, name, stats, reference=index == 0,
                            note=f"{1 / stats.median:,.0f} responses/s" + (f"; {note}" if index else "")))
    return rows
