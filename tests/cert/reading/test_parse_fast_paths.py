"""The parse fast paths change nothing but speed.

``load_der_certificate`` reads common shapes straight from the bytes (one-octet headers, single
attribute RDNs, the extension envelope, IA5String general names, OIDs and signature algorithms
seen before, RSA SubjectPublicKeyInfo); each fast path accepts a subset of what the general
reader accepts and hands everything else to it (an EC key is read by the general path, once). Here every fast path is switched off and the
same inputs (real certificates and thousands of mutations of them) are read both ways: each
must give the same values and findings, or the same error (class, reason, offset and path),
both with the default reader and with ``strict=True``.
"""

from __future__ import annotations

import random

import pytest

from tests.conftest import INTEROP, require_shared
from x509core import pem
from x509core.cert import algorithms, extensions, load_der_certificate, public_key
from x509core.cert.names import general_name, name
from x509core.der import reader
from x509core.errors import X509CoreError

MUTATIONS_PER_CERTIFICATE = 150
ROOTS = 6
EC_ROOTS = 2
_ID_EC_PUBLIC_KEY = bytes.fromhex("06072a8648ce3d0201")        # the OID id-ecPublicKey, as DER


def _certificates() -> list[bytes]:
    """The interop certificates, some trusted roots (critical extensions, other names), EC roots
    (P-256 and P-384 keys, ECDSA signatures) and EC leaves made by pyca/cryptography with an
    uncompressed, a compressed and an invalid point (issue 11)."""
    import certifi
    files = sorted(require_shared(INTEROP).glob("*.pem"))
    assert files, "no interop certificates"
    roots = pem.decode_all(open(certifi.where(), encoding="ascii").read(), "CERTIFICATE")
    ec_roots = [der for der in roots if _ID_EC_PUBLIC_KEY in der][:EC_ROOTS]
    assert len(ec_roots) == EC_ROOTS
    return ([pem.decode_one(f.read_text(), "CERTIFICATE")[1] for f in files] + roots[:ROOTS]
            + ec_roots + _ec_leaves())


def _ec_leaves() -> list[bytes]:
    from cryptography.hazmat.primitives.serialization import Encoding
    from tests.cert.ec_chains import ECFactory, compressed, off_curve, with_point
    factory = ECFactory()
    root = factory.ca("Root P-384", "P-384")
    leaf = factory.leaf("fast paths", "P-521", root)
    return [leaf.public_bytes(Encoding.DER), with_point(leaf, root, compressed),
            with_point(leaf, root, off_curve)]


def _outcome(der: bytes, strict: bool = False):
    try:
        cert = load_der_certificate(der, strict=strict)
    except X509CoreError as exc:
        return (type(exc).__name__, str(exc), getattr(exc, "offset", None), getattr(exc, "path", None))
    return ("ok", repr((cert.version, cert.serial_number, cert.issuer.rdns, cert.subject.rdns,
                        cert.not_valid_before, cert.not_valid_after, cert.public_key_info,
                        cert.extensions, cert.signature_algorithm_info, cert.signature,
                        [type(a.value).__name__ for a in (*cert.issuer, *cert.subject)],
                        cert.findings)))


def _general_paths_only(monkeypatch) -> None:
    """Switch off every fast path, so that the general reader reads everything."""
    read, bounds = reader.Reader._read, reader.Reader._bounds
    monkeypatch.setattr(reader, "short_header", lambda *_args: None)
    monkeypatch.setattr(reader, "decoded_oid", lambda _content: None)
    monkeypatch.setattr(name, "_read_single_rdn", lambda *_args: None)
    monkeypatch.setattr(extensions, "_read_common_envelope", lambda _ext: None)
    monkeypatch.setattr(extensions, "_SHARED", {})
    monkeypatch.setattr(extensions, "_SHARED_TYPES", frozenset())
    monkeypatch.setattr(general_name, "_IA5_NAMES", {})
    monkeypatch.setattr(algorithms, "_ALGORITHMS", {})
    monkeypatch.setattr(algorithms, "_ALGORITHMS_LIMIT", 0)
    monkeypatch.setattr(public_key, "_read_rsa_public_key_info", lambda *_args: None)
    # An identifier octet of -1 matches nothing, so the header goes through read_header.
    monkeypatch.setattr(reader.Reader, "_read", lambda self, _first, tag, name_: read(self, -1, tag, name_))
    monkeypatch.setattr(reader.Reader, "_bounds", lambda self, _first, tag, name_: bounds(self, -1, tag, name_))


def _mutations(der: bytes, rng: random.Random) -> list[bytes]:
    out = [der]
    for _ in range(MUTATIONS_PER_CERTIFICATE):
        b = bytearray(der)
        i = rng.randrange(len(b))
        kind = rng.randrange(6)
        if kind == 0:
            b[i] ^= 1 << rng.randrange(8)
        elif kind == 4:                             # e.g. a length one or two short
            b[i] = (b[i] - rng.randrange(1, 3)) % 256
        elif kind == 5 and i + 1 < len(b) and 0 < b[i + 1] < 0x80:
            b[i + 1] = rng.randrange(b[i + 1])      # an element cut short (if b[i] is a tag)
        elif kind == 1:
            b[i] = rng.choice((0x00, 0x01, 0x04, 0x06, 0x0C, 0x13, 0x30, 0x31, 0x80, 0x81, 0x82,
                               0x86, 0xA0, 0xA3, 0xFF))
        elif kind == 2:
            del b[i]
        else:
            b.insert(i, rng.randrange(256))
        out.append(bytes(b))
    return out


def _cuts(der: bytes) -> list[bytes]:
    """Every SEQUENCE that starts with an OID (extensions, attributes, AlgorithmIdentifiers,
    access descriptions, policies) cut short at every length: each envelope fast path meets
    every way its fields can end early."""
    out = []
    for i in range(len(der) - 2):
        if der[i] == 0x30 and der[i + 2] == 0x06 and der[i + 1] < 0x80:
            for length in range(der[i + 1]):
                out.append(der[:i + 1] + bytes((length,)) + der[i + 2:])
    return out


def test_fast_paths_give_the_general_readers_values_and_errors(monkeypatch):
    rng = random.Random(5280)
    inputs = [m for der in _certificates() for m in (*_mutations(der, rng), *_cuts(der))]
    fast = [_outcome(der, strict) for der in inputs for strict in (False, True)]
    with monkeypatch.context() as patch:
        _general_paths_only(patch)
        general = [_outcome(der, strict) for der in inputs for strict in (False, True)]
    assert sum(outcome[0] == "ok" for outcome in fast) >= len(_certificates())
    assert any(outcome[0] != "ok" for outcome in fast)
    mismatches = [(i, f, g) for i, (f, g) in enumerate(zip(fast, general)) if f != g]
    assert not mismatches, mismatches[:3]


@pytest.mark.parametrize("content", [b"\x55\x04\x03", b"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b"])
def test_the_oid_cache_holds_only_checked_values(content):
    from x509core.der.oid import decode_oid_content, decoded_oid
    oid = decode_oid_content(content, 0, len(content), ())
    assert decoded_oid(content) == oid
    assert decoded_oid(b"\x80\x01") is None          # not minimal: never decoded, never cached
