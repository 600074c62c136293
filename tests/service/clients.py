"""Real clients for the enrollment tests: curl for HTTP (each call may choose its loopback
source address, so that the rate limiter's per-address buckets of one test do not touch
another's), the OpenSSL CLI for keys and CSRs, and tokens made in this process on the
service's CA (as ``x509core token create`` in another process would)."""

from __future__ import annotations

import base64
import subprocess
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from x509core.ca import tokens
from x509core.cert.certificate import Certificate
from x509core.cert.cms import load_der_certs_only

__all__ = ["Reply", "curl_call", "openssl_csr", "make_token", "enroll", "certificate_of",
           "one_line", "EST"]

EST = "/.well-known/est"
MACHINE = "c417aa4802b3441d931c135cbdaab367"


@dataclass
class Reply:
    status: int            # curl's exit status
    code: int              # HTTP status (0: no HTTP answer)
    body: bytes
    headers: str           # the response head, lower case

    def text(self) -> str:
        return self.body.decode(errors="replace")


def curl_call(curl: str, url: str, *args, ca: Path | None = None, source: str | None = None,
              timeout: float = 120) -> Reply:
    command = [curl, "-sS", "--max-time", str(int(timeout)), "-o", "-", "-D", "/dev/stderr",
               "-w", "\n%{http_code}"]
    if ca is not None:
        command += ["--cacert", str(ca)]
    if source is not None:
        command += ["--interface", source]
    arguments = [a if isinstance(a, bytes) else str(a) for a in args]    # bytes: sent as they are
    result = subprocess.run([*command, *arguments, url], capture_output=True,
                            timeout=timeout + 30)
    body, _, code = result.stdout.rpartition(b"\n")
    return Reply(result.returncode, int(code or 0), body,
                 result.stderr.decode(errors="replace").lower())


def openssl_csr(openssl: str, directory: Path, subject: str, *, machine_id: str | None = None,
                dns=(), name: str = "request", bits: int = 2048) -> tuple[Path, Path, bytes]:
    """(key file, base64 DER CSR file, DER) made by the OpenSSL CLI; the machine binding as
    the seed system writes it (its ASCII bytes directly in extnValue)."""
    key = directory / f"{name}.key"
    subprocess.run([openssl, "genpkey", "-algorithm", "RSA", "-pkeyopt",
                    f"rsa_keygen_bits:{bits}", "-out", key], check=True, capture_output=True)
    command = [openssl, "req", "-new", "-key", key, "-subj", subject, "-outform", "DER"]
    if machine_id is not None:
        command += ["-addext", f"1.3.6.1.4.15967132172.1=DER:{machine_id.encode().hex()}"]
    if dns:
        command += ["-addext", "subjectAltName=" + ",".join(f"DNS:{d}" for d in dns)]
    der = subprocess.run(command, check=True, capture_output=True).stdout
    path = directory / f"{name}.b64"
    path.write_bytes(base64.encodebytes(der))
    return key, path, der


def make_token(ca, *, uses: int = 1, ttl: timedelta = timedelta(hours=1), **constraints) -> str:
    """A new token on ``ca``'s inventory: ``<id>.<secret>``."""
    constraints.setdefault("profile", "client")
    return tokens.create_token(ca.inventory, tokens.TokenConstraints(**constraints), ttl=ttl,
                               uses=uses)[1]


def enroll(curl: str, service, request: Path, token: str | None, *, user: str = "device",
           source: str | None = None, content_type: str = "application/pkcs10") -> Reply:
    """``POST simpleenroll`` with ``token`` as the Basic password (None: no credentials)."""
    args = ["-H", f"Content-Type: {content_type}", "--data-binary", f"@{request}"]
    if token is not None:
        args += ["-u", f"{user}:{token}"]
    return curl_call(curl, service.url(f"{EST}/simpleenroll"), *args,
                     ca=service.ca_dir / "ca.pem", source=source)


def certificate_of(reply: Reply) -> Certificate:
    """The one certificate of a base64 certs-only CMS answer."""
    certificates = load_der_certs_only(base64.b64decode(reply.body)).certificates
    assert len(certificates) == 1, certificates
    return certificates[0]


def one_line(reply: Reply, *, bare: bool = False) -> str:
    """The one-line reason of a refusal (``x509core: ...\\n``, or the seed system's bare form)."""
    text = reply.text()
    assert "Traceback" not in text and "\n" not in text.rstrip("\n"), text
    if bare:
        assert not text.endswith("\n") and not text.startswith("x509core:"), text
        return text
    assert text.startswith("x509core: ") and text.count("\n") == 1, text
    return text
