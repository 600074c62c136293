"""The certificate corpus of the read-what-exists differential (tests/cert/reading/test_read_what_exists.py).

Every certificate of Debian's trust store (package ca-certificates), of pyca/cryptography's test
vectors (package cryptography-vectors, under ``x509/``), of the seed system
(../shared/interop/) and of both x509-limbo files (trusted, intermediate and peer certificates),
as DER, each once, with where it came from.
"""

from __future__ import annotations

import json
import lzma
import ssl
from pathlib import Path

import pytest

from tests.conftest import INTEROP, VECTORS, require_shared
from x509core import pem

__all__ = ["corpus", "DEBIAN_BUNDLE"]

DEBIAN_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
_LIMBO_FILES = ("limbo-rsa.json.xz", "limbo.json.xz")


def _pem_certificates(text: bytes) -> list[bytes]:
    """The DER of each CERTIFICATE block; blocks x509core's strict PEM reader refuses are taken
    apart by the standard library instead (the corpus must not depend on the reader tested)."""
    try:
        return [der for label, der in pem.decode(text) if label == "CERTIFICATE"]
    except ValueError:
        blocks = text.decode("latin-1").split("-----BEGIN CERTIFICATE-----")[1:]
        found = []
        for block in blocks:
            body = block.split("-----END CERTIFICATE-----")[0]
            try:
                found.append(ssl.PEM_cert_to_DER_cert(
                    "-----BEGIN CERTIFICATE-----" + body + "-----END CERTIFICATE-----\n"))
            except ValueError:
                continue
        return found


def _debian() -> list[tuple[str, bytes]]:
    if not DEBIAN_BUNDLE.exists():
        pytest.fail(f"{DEBIAN_BUNDLE} is missing (apt-get install -y ca-certificates)")
    ders = _pem_certificates(DEBIAN_BUNDLE.read_bytes())
    return [(f"debian#{i}", der) for i, der in enumerate(ders, 1)]


def _cryptography_vectors() -> list[tuple[str, bytes]]:
    try:
        import cryptography_vectors
    except ImportError:
        pytest.fail("the cryptography-vectors package is a test dependency: pip install '.[test]'")
    root = Path(cryptography_vectors.__file__).parent / "x509"
    found = []
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".pem", ".crt", ".der", ".cer") or not path.is_file():
            continue
        data = path.read_bytes()
        name = str(path.relative_to(root))
        if b"-----BEGIN" in data:
            found += [(f"vectors/{name}#{i}", der)
                      for i, der in enumerate(_pem_certificates(data), 1)]
        elif data[:1] == b"\x30":
            found.append((f"vectors/{name}", data))
    return found


def _interop() -> list[tuple[str, bytes]]:
    files = sorted(require_shared(INTEROP).glob("*.pem"))
    return [(f"interop/{f.name}#{i}", der) for f in files
            for i, der in enumerate(_pem_certificates(f.read_bytes()), 1)]


def _limbo(name: str) -> list[tuple[str, bytes]]:
    with lzma.open(require_shared(VECTORS / "limbo" / name)) as handle:
        cases = json.load(handle)["testcases"]
    found = []
    for case in cases:
        for pem_text in (*case["trusted_certs"], *case["untrusted_intermediates"],
                         case["peer_certificate"]):
            for der in _pem_certificates(pem_text.encode("latin-1")):
                found.append((f"{name}:{case['id']}", der))
    return found


def corpus() -> list[tuple[str, bytes]]:
    """(origin, DER) for every certificate, each distinct DER once (first origin kept)."""
    seen: set[bytes] = set()
    out = []
    for origin, der in (*_debian(), *_cryptography_vectors(), *_interop(),
                        *(item for name in _LIMBO_FILES for item in _limbo(name))):
        if der not in seen:
            seen.add(der)
            out.append((origin, der))
    return out
