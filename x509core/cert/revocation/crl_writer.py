"""A CRL of any size in bounded memory: entries streamed to a spool file, the TBSCertList
streamed through the hash, signed from the digest, written out. RFC 5280 §5.1.

:class:`~x509core.cert.revocation.crl.CRLBuilder` holds every entry as an object and encodes the whole CRL
in memory, which is right for a few thousand entries. A CA with 100,000 revocations would hold
hundreds of megabytes that way; this writer holds one entry at a time:

1. each ``revokedCertificate`` (RFC 5280 §5.1.2.6: serial, revocationDate, and the reasonCode
   entry extension of §5.3.1) is encoded and appended to a spool file, its length summed;
2. DER needs every length before the content (X.690 §8.1.3), and now all are known: the
   TBSCertList's header, fields and ``revokedCertificates`` header are encoded;
3. the TBSCertList goes through SHA-256 piece by piece — header, spool file in chunks, the
   crlExtensions (authorityKeyIdentifier §5.2.1 and cRLNumber §5.2.3, the two MUSTs) — and the
   digest is signed with RSASSA-PKCS1-v1_5 (:func:`x509core.rsa.pkcs1.sign_digest`), then
   verified against the CA's public key before anything is written (a CA checks its own output);
4. the CertificateList is written the same way, as DER or as PEM (RFC 7468, 64-character lines,
   base64 of 48-byte multiples so that no chunk boundary needs padding).

The bytes are those :class:`CRLBuilder` would produce for the same entries in the same order
(``tests/cert/revocation/test_crl_writer.py`` compares them), so everything said there holds here.
"""

from __future__ import annotations

import base64
import hashlib
import tempfile
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO, Iterable

from x509core.cert.builder import check_serial_number, subject_key_identifier_for
from x509core.cert.extensions import (AuthorityKeyIdentifier, CRLNumber, CRLReason, Extension,
                                      write_extensions)
from x509core.cert.names.name import Name, write_name
from x509core.der import BitString, Writer
from x509core.der.time import to_utc
from x509core.errors import InvalidValue
from x509core.rsa import pkcs1
from x509core.rsa.algorithms import SignatureAlgorithm, write_signature_algorithm
from x509core.rsa.key import RSAPrivateKey

__all__ = ["write_crl", "WrittenCRL"]

_CHUNK = 48 * 1024                       # a multiple of 3 (base64) and of 48 (one PEM line)
_SEQUENCE = 0x30


@dataclass(frozen=True)
class WrittenCRL:
    """What :func:`write_crl` wrote: its number, times, entry count and DER size."""

    crl_number: int
    this_update: datetime
    next_update: datetime
    entries: int
    der_length: int


def _header(tag: int, length: int) -> bytes:
    """Identifier and definite length octets (X.690 §8.1.3; DER: minimal, §10.1)."""
    if length < 0x80:
        return bytes((tag, length))
    octets = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(octets))) + octets


class _Entries:
    """The spooled ``revokedCertificate`` elements, one encoded at a time."""

    def __init__(self, spool):
        self.spool, self.length, self.count = spool, 0, 0
        self._reasons: dict[str, bytes] = {}

    def _extensions(self, reason: str | None) -> bytes:
        if reason is None or reason == "unspecified":
            # RFC 5280 §5.3.1: the reason code SHOULD be absent instead of unspecified (0).
            return b""
        if reason == "removeFromCRL":
            raise InvalidValue("removeFromCRL may only appear in delta CRLs (RFC 5280 §5.3.1)")
        if reason not in self._reasons:
            w = Writer()
            write_extensions(w, (Extension.from_value(CRLReason.from_name(reason), False),))
            self._reasons[reason] = w.to_bytes()
        return self._reasons[reason]

    def add(self, serial: int, revocation_date: datetime, reason: str | None) -> None:
        check_serial_number(serial)
        w = Writer()
        with w.sequence():
            w.write_integer(serial)
            w.write_time(to_utc(revocation_date).replace(microsecond=0))
            w.write_raw(self._extensions(reason))
        data = w.to_bytes()
        self.spool.write(data)
        self.length += len(data)
        self.count += 1


def _fields(issuer: Name, this_update: datetime, next_update: datetime,
            algorithm: SignatureAlgorithm) -> bytes:
    w = Writer()
    w.write_integer(1)                                          # v2 (RFC 5280 §5.1.2.1)
    write_signature_algorithm(w, algorithm)
    write_name(w, issuer)
    w.write_time(this_update)
    w.write_time(next_update)
    return w.to_bytes()


def _crl_extensions(key: RSAPrivateKey, number: int) -> bytes:
    aki = AuthorityKeyIdentifier(key_identifier=subject_key_identifier_for(
        key.public_key()).key_identifier)
    w = Writer()
    with w.explicit(0):
        write_extensions(w, (Extension.from_value(aki, False),
                             Extension.from_value(CRLNumber(number), False)))
    return w.to_bytes()


def _pieces(spool, head: bytes, entries: _Entries, tail: bytes):
    """The TBSCertList's bytes, in order, never all at once."""
    yield head
    if entries.count:
        yield _header(_SEQUENCE, entries.length)
        spool.seek(0)
        while chunk := spool.read(_CHUNK):
            yield chunk
    yield tail


class _PemOut:
    """Base64 in 64-character lines, fed in any chunk sizes."""

    def __init__(self, out: BinaryIO):
        self.out, self.pending = out, b""
        out.write(b"-----BEGIN X509 CRL-----\n")

    def write(self, data: bytes) -> None:
        self.pending += data
        whole = len(self.pending) - len(self.pending) % 48
        if whole:
            self._lines(self.pending[:whole])
            self.pending = self.pending[whole:]

    def _lines(self, data: bytes) -> None:
        text = base64.b64encode(data)
        self.out.write(b"".join(text[i:i + 64] + b"\n" for i in range(0, len(text), 64)))

    def close(self) -> None:
        if self.pending:
            self._lines(self.pending)
        self.out.write(b"-----END X509 CRL-----\n")


def write_crl(out: BinaryIO, *, issuer: Name, issuer_key: RSAPrivateKey, this_update: datetime,
              next_update: datetime, crl_number: int,
              entries: Iterable[tuple[int, datetime, str | None]],
              pem: bool = True, spool_directory=None) -> WrittenCRL:
    """Write a signed v2 CRL of ``entries`` (serial, revocation date, RFC 5280 §5.3.1 reason
    name or None) to the binary stream ``out``, in bounded memory (module docstring)."""
    if not isinstance(issuer_key, RSAPrivateKey):
        raise TypeError("sign with an RSAPrivateKey")
    if not issuer.rdns:
        raise InvalidValue("the CRL issuer MUST be a non-empty name (RFC 5280 §5.1.2.3)")
    this_update, next_update = (to_utc(t).replace(microsecond=0) for t in (this_update, next_update))
    if next_update <= this_update:
        raise InvalidValue("nextUpdate must be later than thisUpdate (RFC 5280 §5.1.2.5)")
    algorithm = SignatureAlgorithm("pkcs1v15", "sha256")
    with tempfile.TemporaryFile(dir=spool_directory) as spool:
        spooled = _Entries(spool)
        for serial, date, reason in entries:
            spooled.add(serial, date, reason)
        head = _fields(issuer, this_update, next_update, algorithm)
        tail = _crl_extensions(issuer_key, crl_number)
        body = len(head) + len(tail) + (len(_header(_SEQUENCE, spooled.length)) + spooled.length
                                        if spooled.count else 0)
        tbs_header = _header(_SEQUENCE, body)
        digest = hashlib.sha256(tbs_header)
        for piece in _pieces(spool, head, spooled, tail):
            digest.update(piece)
        signature = pkcs1.sign_digest(issuer_key, "sha256", digest.digest())
        pkcs1.verify_digest(issuer_key.public_key(), "sha256", digest.digest(), signature)
        w = Writer()
        write_signature_algorithm(w, algorithm)
        w.write_bit_string(BitString(signature, 0))
        trailer = w.to_bytes()
        total = len(tbs_header) + body + len(trailer)
        sink = _PemOut(out) if pem else out
        sink.write(_header(_SEQUENCE, total) + tbs_header)
        for piece in _pieces(spool, head, spooled, tail):
            sink.write(piece)
        sink.write(trailer)
        if pem:
            sink.close()
    return WrittenCRL(crl_number, this_update, next_update, spooled.count,
                      len(_header(_SEQUENCE, total)) + total)
