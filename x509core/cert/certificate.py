"""Parsed X.509 certificates that keep the exact bytes they came from. RFC 5280 §4.1::

    Certificate  ::=  SEQUENCE  {
         tbsCertificate       TBSCertificate,
         signatureAlgorithm   AlgorithmIdentifier,
         signatureValue       BIT STRING  }

    TBSCertificate  ::=  SEQUENCE  {
         version         [0]  EXPLICIT Version DEFAULT v1,
         serialNumber         CertificateSerialNumber,
         signature            AlgorithmIdentifier,
         issuer               Name,
         validity             Validity,
         subject              Name,
         subjectPublicKeyInfo SubjectPublicKeyInfo,
         issuerUniqueID  [1]  IMPLICIT UniqueIdentifier OPTIONAL,
         subjectUniqueID [2]  IMPLICIT UniqueIdentifier OPTIONAL,
         extensions      [3]  EXPLICIT Extensions OPTIONAL }

Parse, report, validate (STYLE §5). ``load_der_certificate`` refuses only what cannot be read
one way: a malformed TLV, an indefinite or non-minimal length, a constructed string, a wrong tag,
trailing data, a non-minimal INTEGER, text outside its type's alphabet, an unknown version, and an
outer signatureAlgorithm that differs from the inner ``signature`` (§4.1.1.2). A readable
departure — from DER's canonical form (X.690 §11) or from a rule RFC 5280 sets for CAs, such as
extensions only in v3 (§4.1.2.9), unique identifiers only in v2/v3 (§4.1.2.8), no duplicate
extension (§4.2), SIZE (1..MAX) lists — becomes a :class:`~x509core.der.findings.Finding` in
``Certificate.findings``; ``strict=True`` refuses at the first one instead (the error the
finding describes). Key sizes, algorithms and critical extensions are decided by path validation.
Signatures are checked over ``raw_tbs``, never over a re-encoding.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from x509core import pem
from x509core.cert import oids
from x509core.cert._parsed import maker
from x509core.cert.algorithms import (SignatureAlgorithmInfo, read_algorithm_identifier,
                                      read_outer_signature, read_signature_value,
                                      verify_signed_bytes)
from x509core.cert.extensions import Extension, MalformedExtension, read_extensions
from x509core.cert.extensions.binding import MachineBinding, read_machine_binding
from x509core.cert.names.name import Name, read_name
from x509core.cert.public_key import PublicKeyInfo, UnsupportedPublicKey, read_public_key_info
from x509core.der import BitString, ObjectIdentifier, Reader
from x509core.der.findings import Finding
from x509core.der.tags import context
from x509core.der.time import plain_utc_time
from x509core.ec.key import ECPublicKey
from x509core.errors import DecodeError, InvalidValue
from x509core.rsa.key import RSAPublicKey

__all__ = ["Certificate", "load_der_certificate", "load_pem_certificate",
           "read_algorithm_identifier", "read_outer_signature", "read_signature_value",
           "verify_signed_bytes"]

_PEM_LABELS = ("CERTIFICATE", "X509 CERTIFICATE")


@dataclass(frozen=True, slots=True, eq=False)
class Certificate:
    """An X.509 certificate as read (or as made by the builder, which reads its own output)."""

    raw: bytes
    raw_tbs: bytes
    raw_signature_algorithm: bytes
    version: int                                # 1, 2 or 3 (the Version INTEGER plus one)
    serial_number: int
    issuer: Name
    subject: Name
    not_valid_before: datetime
    not_valid_after: datetime
    public_key_info: PublicKeyInfo
    issuer_unique_id: BitString | None
    subject_unique_id: BitString | None
    extensions: tuple[Extension, ...]
    signature_algorithm: ObjectIdentifier       # dotted OID string
    signature_algorithm_info: SignatureAlgorithmInfo | None   # None: not RSA or ECDSA (or unusable)
    signature: bytes
    findings: tuple[Finding, ...] = ()         # readable departures, in the order met
    # extnID -> the first extension with it, made on the first lookup and kept by this
    # certificate (path validation looks extensions up by OID dozens of times per certificate).
    _by_oid: dict | None = field(default=None, init=False, repr=False, compare=False)
    # Path validation's outcomes for this certificate alone (validation.memo): a few fixed keys.
    _checked: dict | None = field(default=None, init=False, repr=False, compare=False)

    # -- the exact bytes ---------------------------------------------------------------------
    @property
    def raw_issuer(self) -> bytes:
        return self.issuer.raw

    @property
    def raw_subject(self) -> bytes:
        return self.subject.raw

    @property
    def raw_spki(self) -> bytes:
        return self.public_key_info.raw

    def to_der(self) -> bytes:
        return self.raw

    def to_pem(self) -> str:
        return pem.encode("CERTIFICATE", self.raw)

    def fingerprint(self, hash_name: str = "sha256") -> bytes:
        return hashlib.new(hash_name, self.raw).digest()

    # -- fields --------------------------------------------------------------------------------
    @property
    def public_key(self) -> RSAPublicKey | ECPublicKey | UnsupportedPublicKey:
        return self.public_key_info.key

    def extension(self, oid: str) -> Extension | None:
        """The extension with extnID ``oid`` (the first, if it appears twice), or None."""
        index = self._by_oid
        if index is None:
            index = self._index_extensions()
        return index.get(oid)

    def _index_extensions(self) -> dict:
        index: dict = {}
        for ext in self.extensions:
            index.setdefault(ext.oid, ext)       # the first one, as find_extension gives
        object.__setattr__(self, "_by_oid", index)
        return index

    def validation_memo(self) -> dict:
        """The dict in which path validation keeps this certificate's own check outcomes."""
        if self._checked is None:
            object.__setattr__(self, "_checked", {})
        return self._checked

    def extension_oids(self):
        """The extnIDs this certificate carries (a set-like view; a repeated one once)."""
        return (self._by_oid or self._index_extensions()).keys()

    def _value(self, oid: str):
        ext = (self._by_oid or self._index_extensions()).get(oid)      # self.extension(oid)
        if ext is None:
            return None
        if isinstance(ext.value, MalformedExtension):
            # Never mistake a broken extension for an absent one (a keyUsage that restricts).
            raise InvalidValue(f"extension {oid} is malformed: {ext.value.error}")
        return ext.value

    @property
    def basic_constraints(self):
        return self._value(oids.OID_BASIC_CONSTRAINTS)

    @property
    def key_usage(self):
        return self._value(oids.OID_KEY_USAGE)

    @property
    def extended_key_usage(self):
        return self._value(oids.OID_EXTENDED_KEY_USAGE)

    @property
    def subject_alternative_name(self):
        return self._value(oids.OID_SUBJECT_ALT_NAME)

    @property
    def subject_key_identifier(self):
        return self._value(oids.OID_SUBJECT_KEY_IDENTIFIER)

    @property
    def authority_key_identifier(self):
        return self._value(oids.OID_AUTHORITY_KEY_IDENTIFIER)

    @property
    def machine_binding(self) -> MachineBinding | None:
        """The machine binding carrier by carrier — the seed system's extensions
        (``1.3.6.1.4.15967132172.1/.2``) and the subjectAltName URNs ``urn:uuid:`` and
        ``urn:dev:mac:`` (``cert/extensions/binding.py``) — or None when nothing is bound."""
        return read_machine_binding(self.extensions)

    @property
    def machine_identity(self) -> str | None:
        """The machine identity bound, whichever carrier holds it (the seed extension's value as
        written, or a ``urn:uuid:`` URI's 32 lower-case hex digits), or None. Raises
        InvalidValue when the carriers disagree: :attr:`machine_binding` shows each."""
        binding = self.machine_binding
        return None if binding is None else binding.machine_identity

    @property
    def mac_address(self) -> str | None:
        """The MAC address bound, whichever carrier holds it (the seed extension's value as
        written, or a ``urn:dev:mac:`` URI's as ``aa:bb:cc:dd:ee:ff``), or None; InvalidValue
        when the carriers disagree."""
        binding = self.machine_binding
        return None if binding is None else binding.mac_address

    @property
    def is_self_issued(self) -> bool:
        """Subject and issuer are the same name (RFC 5280 §6.1, compared as §7.1 says)."""
        return self.subject.matches(self.issuer)

    # -- checks ----------------------------------------------------------------------------------
    def verify_signature(self, issuer_public_key) -> None:
        """Check this certificate's signature with ``issuer_public_key`` (an RSA or EC key)
        over ``raw_tbs``. Returns None or raises InvalidSignature (also when the key is of
        another kind than the signature: an EC key and an RSA signature, or the reverse) or
        UnsupportedAlgorithm (``x509core.cert.algorithms.verify_signed_bytes``)."""
        verify_signed_bytes(self.raw_tbs, self.signature, self.signature_algorithm,
                            self.signature_algorithm_info, issuer_public_key)

    def verify_directly_issued_by(self, issuer: "Certificate") -> None:
        """Check that ``issuer`` issued this certificate: its subject is this certificate's issuer
        (RFC 5280 §6.1.3 (a)(4), names compared as §7.1 says) and its key made the signature
        (§6.1.3 (a)(1)). No path validation (validity, CA flags, key usage, ...): that is
        :func:`x509core.verify_chain`. The same check as pyca/cryptography's method of this name.

        Returns None or raises InvalidValue (names differ), InvalidSignature or
        UnsupportedAlgorithm.
        """
        if not isinstance(issuer, Certificate):
            raise TypeError(f"issuer must be a Certificate, not {type(issuer).__name__}")
        if issuer.raw_subject != self.raw_issuer and not issuer.subject.matches(self.issuer):
            raise InvalidValue("the issuer's subject is not this certificate's issuer name "
                               "(RFC 5280 §6.1.3 (a)(4))")
        self.verify_signature(issuer.public_key)

    def text(self) -> str:
        """A listing like ``openssl x509 -text -noout``."""
        from x509core.cert.text import certificate_text
        return certificate_text(self)

    def to_json(self) -> dict:
        """Every field as JSON-ready values."""
        from x509core.cert.text import certificate_json
        return certificate_json(self)

    def __repr__(self) -> str:
        return f"<Certificate subject={self.subject.rfc4514()!r} serial={self.serial_number:#x}>"


# [0] EXPLICIT INTEGER 2 (v3), as nearly every certificate encodes its version.
_V3 = b"\xa0\x03\x02\x01\x02"


def _read_version(tbs: Reader) -> int:
    start = tbs.pos
    if tbs.data.startswith(_V3, start) and start + 5 <= tbs.end and tbs.depth < tbs.max_depth:
        tbs.pos = start + 5                     # what the reading below gives for these octets
        return 3
    version = tbs.read_explicit_default_integer(0, default=0, name="version")
    # v1(0) is the DEFAULT: absent here (the reader refuses an encoded DEFAULT, X.690 §11.5).
    if version not in (0, 1, 2):
        # Refused: a later version could change what the fields after it mean.
        raise DecodeError(f"unknown certificate version {version} (RFC 5280 §4.1.2.1)", start, tbs.path)
    return version + 1


def _read_validity(tbs: Reader) -> tuple[datetime, datetime]:
    # Validity ::= SEQUENCE { notBefore Time, notAfter Time }  (RFC 5280 §4.1.2.5)
    data, pos = tbs.data, tbs.pos
    if data.startswith(b"\x30\x1e", pos) and pos + 32 <= tbs.end and tbs.depth < tbs.max_depth:
        # The common SEQUENCE of 30 octets, without a reader of its own (read_sequence's
        # header and depth checks, written out). It is the only Validity _two_utc_times can
        # read (30 content octets have this minimal header); anything else reads below.
        times = _two_utc_times(data, pos + 2, pos + 32)
        if times is not None:
            tbs.pos = pos + 32
            return times
    validity = tbs.read_sequence("validity")
    # Deviation: RFC 5280 §4.1.2.5 says CAs MUST write dates through 2049 as UTCTime; trusted
    # roots exist that use GeneralizedTime for them (Certum Trusted Network CA 2, 2011-2046), and
    # Go and OpenSSL read them. We read them too (fractions stay refused); we never write them.
    not_before = validity.read_time("notBefore", allow_generalized_before_2050=True)
    not_after = validity.read_time("notAfter", allow_generalized_before_2050=True)
    validity.finish()
    return not_before, not_after


def _two_utc_times(data: bytes, pos: int, end: int) -> tuple[datetime, datetime] | None:
    """The common Validity, read at once: two 13-octet UTCTimes filling the SEQUENCE, which
    the UTCTime decoder accepts. None (nothing read) for anything else, which the field-by-field
    reading reads or refuses with its exact error."""
    if end - pos != 30 or data[pos] != 0x17 or data[pos + 1] != 13 or data[pos + 15] != 0x17 \
            or data[pos + 16] != 13:
        return None
    not_before, not_after = plain_utc_time(data, pos + 2), plain_utc_time(data, pos + 17)
    return None if not_before is None or not_after is None else (not_before, not_after)


def _read_unique_id(tbs: Reader, number: int, name: str, version: int) -> BitString | None:
    if not tbs.peek_is(context(number, False)):
        return None
    start = tbs.pos
    if version < 2:
        # RFC 5280 §4.1.2.8: "These fields MUST only appear if the version is 2 or 3."
        tbs.report(DecodeError, f"{name} in a v1 certificate", "RFC 5280 §4.1.2.8", start)
    return tbs.read_implicit_value(number, 3, name)


def _read_tbs_extensions(tbs: Reader, version: int) -> tuple[Extension, ...]:
    start = tbs.pos
    field = tbs.read_optional_explicit(3, "extensions")
    if field is None:
        return ()
    if version != 3:
        # RFC 5280 §4.1.2.9: "If present, this field is ... [and] version MUST be v3."
        tbs.report(DecodeError, "extensions in a certificate that is not v3", "RFC 5280 §4.1.2.9", start)
    extensions = read_extensions(field)
    field.finish()
    return extensions


def _issuer_again(tbs: Reader, issuer: Name, clean: bool) -> Name | None:
    """The issuer Name again when the subject field is the same octets (a self-signed or
    self-issued certificate, RFC 5280 §3.2, §6.1) and reading the issuer gave no finding; None
    (nothing read) otherwise. Exact: the same octets read at the same depth (both fields are
    direct children of tbsCertificate) go through the same checks, none of which depends on
    where the octets lie, so reading them again could neither fail nor find anything, and it
    would give an equal Name (``raw`` is the element, the RDNs are read from it). Sharing the
    immutable Name within one certificate returns nothing of another certificate."""
    raw, pos = issuer.raw, tbs.pos
    if clean and tbs.data.startswith(raw, pos) and pos + len(raw) <= tbs.end:
        tbs.pos = pos + len(raw)
        return issuer
    return None


def _read_tbs(cert: Reader) -> tuple:
    """The TBSCertificate's fields: ``(raw_tbs, version, serial_number, inner_algorithm,
    issuer, subject, not_valid_before, not_valid_after, public_key_info, issuer_unique_id,
    subject_unique_id, extensions)``, in the order :func:`load_der_certificate` stores them."""
    tbs = cert.read_sequence("tbsCertificate")
    version = _read_version(tbs)
    serial_number = tbs.read_integer("serialNumber")
    inner_algorithm = read_algorithm_identifier(tbs, "signature")
    mark = None if tbs.findings is None else len(tbs.findings)
    issuer = read_name(tbs, "issuer")
    clean = mark is None or len(tbs.findings) == mark
    not_valid_before, not_valid_after = _read_validity(tbs)
    subject = _issuer_again(tbs, issuer, clean)         # None: read it (an empty Name is falsy)
    if subject is None:
        subject = read_name(tbs, "subject")
    public_key_info = read_public_key_info(tbs)
    if tbs.pos < tbs.end and tbs.data[tbs.pos] != 0xA3:
        issuer_unique_id = _read_unique_id(tbs, 1, "issuerUniqueID", version)
        subject_unique_id = _read_unique_id(tbs, 2, "subjectUniqueID", version)
    else:       # extensions next, or nothing: neither ID (a bad header fails the same below)
        issuer_unique_id = subject_unique_id = None
    extensions = _read_tbs_extensions(tbs, version)
    tbs.finish()
    return (tbs.element_bytes, version, serial_number, inner_algorithm, issuer, subject,
            not_valid_before, not_valid_after, public_key_info, issuer_unique_id,
            subject_unique_id, extensions)


def load_der_certificate(data: bytes, *, strict: bool = False) -> Certificate:
    """A certificate from its DER: DecodeError (with offset) for what cannot be read one way,
    readable departures in ``findings`` — or, with ``strict=True``, refused at the first."""
    findings: list | None = None if strict else []
    reader = Reader(data, findings=findings)
    cert = reader.read_sequence("certificate")
    (raw_tbs, version, serial_number, inner_algorithm, issuer, subject, not_valid_before,
     not_valid_after, public_key_info, issuer_unique_id, subject_unique_id,
     extensions) = _read_tbs(cert)
    raw_alg, oid, info, signature = read_outer_signature(
        cert, inner_algorithm, "tbsCertificate", "RFC 5280 §4.1.1.2")
    cert.finish()
    reader.finish()
    # Certificate has no __post_init__: the maker sets the same fields its __init__ would
    # (each as read above), without the keyword parsing of a 17-field frozen __init__.
    return _new_certificate(reader.data, raw_tbs, raw_alg, version, serial_number, issuer,
                            subject, not_valid_before, not_valid_after, public_key_info,
                            issuer_unique_id, subject_unique_id, extensions, oid, info,
                            signature, tuple(findings or ()), None, None)


_new_certificate = maker(Certificate)


def load_pem_certificate(data: str | bytes, *, strict: bool = False) -> Certificate:
    """Exactly one PEM certificate (explanatory text around it is allowed)."""
    _, der = pem.decode_one(data, _PEM_LABELS)
    return load_der_certificate(der, strict=strict)
