"""The real service on loopback: ``python -m x509core serve`` as a subprocess, on free ports,
driven by real clients (curl, the OpenSSL CLI, pyca/cryptography).

- ``start_service(ca_dir, *args, env=...)``: start one and wait for its ``ready`` line; the
  returned :class:`RunningService` knows its ports and its log, and ``stop()`` sends SIGTERM
  and returns the exit status.
- ``service_ca`` (session): an encrypted CA (the fixture RSA-4096 key, ``PASSPHRASE``) opened
  in this process too, so tests issue and revoke beside the running service as another
  process would.
- ``service`` (session): the service on that CA with ``--http-listen`` and ``--public-url``.
- ``client_files(...)``: a client certificate of the CA and its key as PEM files for curl.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.ca.conftest import CA_SUBJECT, PASSPHRASE
from tests.conftest import REPO
from tests.rsa.keys_fixture import RSA_2048, RSA_4096, private_key
from x509core.ca.issuance.certificate_authority import CertificateAuthority

__all__ = ["RunningService", "start_service", "free_port", "x509core_cli"]

READY_TIMEOUT = 60.0


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (for --http-listen with a matching --public-url)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class RunningService:
    process: subprocess.Popen
    log_path: Path
    https_port: int
    http_port: int | None
    ca_dir: Path

    def url(self, path: str) -> str:
        return f"https://127.0.0.1:{self.https_port}{path}"

    def http_url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.http_port}{path}"

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 30.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)


def start_service(ca_dir: Path, *args, env: dict | None = None, log_path: Path | None = None,
                  http_port: int | None = None, passphrase_file: Path | None = None) -> RunningService:
    """Start ``x509core serve`` on 127.0.0.1 (HTTPS on a free port) and wait until it is ready."""
    log_path = log_path or ca_dir.parent / f"serve-{time.monotonic_ns()}.log"
    command = [sys.executable, "-m", "x509core", "serve", "--ca-dir", str(ca_dir),
               "--listen", "127.0.0.1:0"]
    if passphrase_file is not None:
        command += ["--passphrase-file", str(passphrase_file)]
    if http_port is not None:
        command += ["--http-listen", f"127.0.0.1:{http_port}"]
    command += [str(a) for a in args]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=REPO, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=log,
                                   env={**os.environ, **(env or {})})
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        text = log_path.read_text(errors="replace")
        if re.search(r"x509core serve: ready$", text, re.M):
            https = int(re.search(r"listening on https://127\.0\.0\.1:(\d+)", text).group(1))
            http = re.search(r"listening on http://127\.0\.0\.1:(\d+)", text)
            return RunningService(process, log_path, https, int(http.group(1)) if http else None,
                                  ca_dir)
        if process.poll() is not None:
            pytest.fail(f"x509core serve exited with {process.returncode}:\n{text}")
        time.sleep(0.05)
    process.kill()
    pytest.fail(f"x509core serve was not ready within {READY_TIMEOUT:g} s:\n{log_path.read_text()}")


def x509core_cli(*args, env: dict | None = None, input: str | None = None):
    """``python -m x509core ARGS`` as another process would run it."""
    return subprocess.run([sys.executable, "-m", "x509core", *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=120, input=input,
                          env={**os.environ, **(env or {})})


@pytest.fixture(scope="session")
def service_ca(tmp_path_factory):
    directory = tmp_path_factory.mktemp("service") / "ca"
    ca = CertificateAuthority.create(directory, subject=CA_SUBJECT, passphrase=PASSPHRASE,
                                     key=private_key(RSA_4096))
    yield ca
    ca.close()


@pytest.fixture(scope="session")
def passphrase_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("secret") / "passphrase"
    path.write_bytes(PASSPHRASE + b"\n")
    path.chmod(0o600)
    return path


@pytest.fixture(scope="session")
def service(service_ca, passphrase_file):
    port = free_port()
    running = start_service(service_ca.directory, "--public-url", f"http://127.0.0.1:{port}",
                            http_port=port, passphrase_file=passphrase_file)
    yield running
    status = running.stop()
    assert status == 0, running.log


@pytest.fixture(scope="session")
def leaf_key():
    return private_key(RSA_2048)


@pytest.fixture
def client_files(service_ca, leaf_key, tmp_path):
    """make(client_id, machine_id=..., **issue_client kwargs) -> (cert path, key path, Issued)."""
    def make(client_id: str, machine_id: str | None = "c417aa4802b3441d931c135cbdaab367", **kwargs):
        issued = service_ca.issue_client(org="Example Clinic", client_id=client_id,
                                         machine_id=machine_id, public_key=leaf_key.public_key(),
                                         **kwargs)
        cert_path, key_path = tmp_path / f"{client_id}.pem", tmp_path / f"{client_id}.key"
        cert_path.write_text(issued.certificate.to_pem())
        key_path.write_text(leaf_key.to_pem())
        key_path.chmod(0o600)
        return cert_path, key_path, issued
    return make
