"""Extensions of certificates, CRLs and CRL entries. RFC 5280 §4.1, §4.2, §5.2, §5.3::

    Extensions  ::=  SEQUENCE SIZE (1..MAX) OF Extension

    Extension  ::=  SEQUENCE  {
         extnID      OBJECT IDENTIFIER,
         critical    BOOLEAN DEFAULT FALSE,
         extnValue   OCTET STRING
                     -- contains the DER encoding of an ASN.1 value
                     -- corresponding to the extension type identified
                     -- by extnID
         }

:func:`read_extensions` reads every known extnValue through its typed reader: exactly one value,
strict DER, no trailing octets. The typed values live in the modules of this package and are
re-exported here; :data:`EXTENSION_TYPES` maps each OID to its class. An unknown extnValue is kept
as it is and never parsed (:class:`UnrecognizedExtension`), as Go's ``crypto/x509`` does.

Parse, report, validate (STYLE §5). With a reader that collects findings (``Reader(data,
findings=[])``), what a CA got wrong but a reader can still read becomes a finding: a repeated
extnID (RFC 5280 §4.2) keeps every instance; an empty Extensions keeps none; a known extnValue
that its typed reader refuses is kept whole as a :class:`MalformedExtension` with the refusal as
its finding. Path validation refuses a certificate whose duplicate or malformed extensions it
would have to rely on (``x509core.cert.validation.extension_checks``). A strict reader raises
instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from x509core.cert._parsed import maker
from x509core.cert.extensions.value import ExtensionValue, MalformedExtension, UnrecognizedExtension
from x509core.cert.extensions.constraints import (BasicConstraints, GeneralSubtree,
                                                  InhibitAnyPolicy, NameConstraints,
                                                  PolicyConstraints)
from x509core.cert.extensions.crl import CRLNumber, CRLReason, DeltaCRLIndicator, InvalidityDate
from x509core.cert.extensions.distribution import (CRLDistributionPoints, DistributionPoint,
                                                   DistributionPointName, FreshestCRL,
                                                   IssuingDistributionPoint, ReasonFlags)
from x509core.cert.extensions.key import (AuthorityKeyIdentifier, ExtendedKeyUsage, KeyUsage,
                                          SubjectKeyIdentifier)
from x509core.cert.extensions.machine import MacAddress, MachineIdentity
from x509core.cert.extensions.names import (AccessDescription, AuthorityInformationAccess,
                                            CertificateIssuer, IssuerAlternativeName,
                                            SubjectAlternativeName, SubjectInformationAccess)
from x509core.cert.extensions.ocsp import OCSPNoCheck
from x509core.cert.extensions.policies import (CertificatePolicies, PolicyInformation,
                                               PolicyMapping, PolicyMappings)
from x509core.cert.extensions.policy_qualifiers import (NoticeReference, PolicyQualifierInfo,
                                                        UserNotice)
from x509core.der import ObjectIdentifier, Reader, Writer
from x509core.der.header import short_header
from x509core.der.oid import decoded_oid
from x509core.der.findings import ERROR, Finding, split_message
from x509core.errors import DecodeError, InvalidValue

__all__ = [
    "Extension", "UnrecognizedExtension", "MalformedExtension", "ExtensionValue", "EXTENSION_TYPES",
    "read_extension", "read_extensions", "read_explicit_extensions", "write_extension",
    "write_extensions",
    "decode_extension_value", "find_extension",
    "AuthorityKeyIdentifier", "SubjectKeyIdentifier", "KeyUsage", "ExtendedKeyUsage",
    "BasicConstraints", "NameConstraints", "GeneralSubtree", "PolicyConstraints",
    "InhibitAnyPolicy", "CertificatePolicies", "PolicyInformation", "PolicyQualifierInfo",
    "UserNotice", "NoticeReference", "PolicyMappings", "PolicyMapping",
    "SubjectAlternativeName", "IssuerAlternativeName", "CertificateIssuer", "AccessDescription",
    "AuthorityInformationAccess", "SubjectInformationAccess", "ReasonFlags",
    "DistributionPointName", "DistributionPoint", "CRLDistributionPoints", "FreshestCRL",
    "IssuingDistributionPoint", "CRLNumber", "DeltaCRLIndicator", "CRLReason", "InvalidityDate",
    "MachineIdentity", "MacAddress", "OCSPNoCheck",
]

# extnID -> the class that reads and writes its extnValue.
EXTENSION_TYPES: dict[ObjectIdentifier, type[ExtensionValue]] = {cls.oid: cls for cls in (
    AuthorityKeyIdentifier, SubjectKeyIdentifier, KeyUsage, ExtendedKeyUsage, BasicConstraints,
    NameConstraints, PolicyConstraints, InhibitAnyPolicy, CertificatePolicies, PolicyMappings,
    SubjectAlternativeName, IssuerAlternativeName, AuthorityInformationAccess,
    SubjectInformationAccess, CRLDistributionPoints, FreshestCRL, IssuingDistributionPoint,
    CRLNumber, DeltaCRLIndicator, CRLReason, InvalidityDate, CertificateIssuer,
    MachineIdentity, MacAddress, OCSPNoCheck)}


@dataclass(frozen=True, slots=True)
class Extension:
    """One extension: its OID, the critical flag and its value. RFC 5280 §4.1 (ASN.1 above).

    ``raw_value`` is the extnValue contents, exactly as read or as ``value.to_der()`` gives them;
    ``value`` is the typed value, or an :class:`UnrecognizedExtension` for an unknown extnID.
    """

    oid: ObjectIdentifier
    critical: bool
    value: ExtensionValue
    raw_value: bytes

    def __post_init__(self) -> None:
        object.__setattr__(self, "oid", ObjectIdentifier(self.oid))
        if not isinstance(self.critical, bool) or not isinstance(self.raw_value, bytes):
            raise TypeError("critical must be a bool and raw_value bytes")
        if not isinstance(self.value, ExtensionValue):
            raise TypeError(f"value must be an extension value, not {type(self.value).__name__}")
        if self.value.oid != self.oid:
            raise InvalidValue(f"value is a {self.value.oid} value, not {self.oid}")
        if self.value.to_der() != self.raw_value:
            raise InvalidValue("raw_value is not the encoding of value")

    @classmethod
    def from_value(cls, value: ExtensionValue, critical: bool = False) -> "Extension":
        """A new extension for ``value``; the critical flag is checked where RFC 5280 fixes it."""
        if not isinstance(value, ExtensionValue):
            raise TypeError(f"not an extension value: {type(value).__name__}")
        if not isinstance(critical, bool):
            raise TypeError(f"critical must be a bool, not {type(critical).__name__}")
        rule = value.criticality
        if rule is not None and critical != rule[0]:
            flag = "critical" if rule[0] else "non-critical"
            raise InvalidValue(f"{type(value).__name__} MUST be marked {flag} ({rule[1]})")
        return cls(value.oid, critical, value, value.to_der())


def decode_extension_value(oid: str, raw_value: bytes, *, critical: bool = False) -> ExtensionValue:
    """The typed value of extnValue contents ``raw_value`` for extnID ``oid``."""
    reader = Reader(raw_value)
    value = _read_value(ObjectIdentifier(oid), critical, reader)
    reader.finish()
    return value


def _read_value(oid: ObjectIdentifier, critical: bool, contents: Reader) -> ExtensionValue:
    """Read the value from ``contents`` (a reader over the extnValue contents); the caller
    checks that nothing follows."""
    cls = EXTENSION_TYPES.get(oid)
    if cls is not None:
        return cls.read_value(contents)
    # An unrecognised extension is kept as it is, never parsed: RFC 5280 §4.2 lets a relying party
    # ignore a non-critical one, and path validation refuses a critical one (§4.2, §6.1.4 (o))
    # without looking inside. OpenSSL, Go and pyca/cryptography accept any octets there too; the
    # ASP.NET Core development certificate (../shared/interop/seed-system/localhost-selfsigned.pem)
    # carries 1.3.6.1.4.1.311.84.1.1 with the single octet 0x04.
    start = contents.pos
    contents.pos = contents.end
    # oid was read as an ObjectIdentifier, the octets are bytes: what __post_init__ checks.
    return _new_unrecognized(oid, contents.data[start:contents.end])


def _read_known_leniently(oid: ObjectIdentifier, critical: bool, contents: Reader) -> ExtensionValue:
    """:func:`_read_value` for a reader that collects findings: a value its typed reader refuses
    becomes a :class:`MalformedExtension` and one finding (the refusal), replacing any finding
    the abandoned reading made."""
    mark = len(contents.findings)
    start = contents.pos
    try:
        value = _read_value(oid, critical, contents)
        contents.finish()
        return value
    except DecodeError as exc:
        return _malformed(oid, contents, start, mark, exc)


def _malformed(oid: ObjectIdentifier, contents: Reader, start: int, mark: int,
               exc: DecodeError) -> "MalformedExtension":
    """What :func:`_read_known_leniently` gives for a value its reader refused with ``exc``:
    the findings from ``mark`` on replaced by the refusal, the octets from ``start`` kept."""
    findings = contents.findings
    del findings[mark:]
    reason, clause = split_message(exc.reason)
    findings.append(Finding(ERROR, f"malformed extension value: {reason}", clause,
                            exc.offset, exc.path, type(exc)))
    contents.pos = contents.end
    return MalformedExtension(oid, contents.data[start:contents.end], str(exc))


def read_extension(reader: Reader, name: str = "extension") -> Extension:
    """One Extension; its extnValue read strictly when the extnID is known (or, for a few
    types, met before: :data:`_SHARED_TYPES`)."""
    extension = _read_plain_extension(reader, name)
    return _read_new_extension(reader, name) if extension is None else extension


# Extensions whose values come from a handful of bits, so that most certificates carry one of a
# few encodings (CA:FALSE; digitalSignature, keyEncipherment; serverAuth, clientAuth): each
# whole Extension element read without a finding is kept (at most _SHARED_LIMIT, each at most
# _SHARED_SIZE octets) and the same octets met again give the same immutable Extension, read
# and checked once. Nothing that had a finding is kept, so a strict reader and one that
# collects findings both get from it exactly what reading would give them; _SHARED_DEPTH
# covers the levels a fresh reading would nest (Reader.max_depth).
_SHARED_TYPES = frozenset({BasicConstraints.oid, KeyUsage.oid, ExtendedKeyUsage.oid})
_SHARED: dict[bytes, "Extension"] = {}
_SHARED_LIMIT, _SHARED_SIZE, _SHARED_DEPTH = 1024, 96, 4


def _plain_envelope(data: bytes, body: int, ext_end: int) -> tuple | None:
    """The common Extension envelope whose SEQUENCE contents are ``data[body:ext_end]``, read
    from the octets: ``(oid, critical, value_at, value_start)`` when extnID is a short OID
    decoded before, ``critical`` is absent or TRUE (0x01 0x01 0xFF, X.690 §11.1) and an OCTET
    STRING with a minimal header (short_header) fills the rest; None for anything else, which
    the field-by-field reading reads, reports or refuses exactly. ``value_at``: the OCTET
    STRING's first octet; ``value_start``: its contents (the extnValue), up to ``ext_end``."""
    if body + 2 > ext_end or data[body] != 0x06 or data[body + 1] >= 0x80:
        return None
    oid_end = body + 2 + data[body + 1]
    if oid_end >= ext_end:
        return None
    oid = decoded_oid(data[body + 2:oid_end])
    critical = data[oid_end] == 0x01
    value_at = oid_end + 3 if critical else oid_end
    if oid is None or critical and data[oid_end:oid_end + 3] != b"\x01\x01\xff" \
            or value_at >= ext_end or data[value_at] != 0x04:
        return None
    octets = short_header(data, value_at, ext_end)
    if octets is None or octets[1] != ext_end:
        return None
    return oid, critical, value_at, octets[0]


def _read_plain_extension(seq: Reader, label: str | int) -> Extension | None:
    """An Extension whose SEQUENCE has a minimal header (short_header), read without the
    field-by-field reading of the envelope: one kept in :data:`_SHARED` looked up by its
    octets; else, with a :func:`_plain_envelope`, an unrecognised extnID kept unread
    (:func:`_read_value`) or a known type read by its typed reader from a reader over the
    extnValue, made as the general reading makes it (the same depth, the same field names
    for findings). None (nothing read) for anything else. ``label``: the field name, or the
    index in Extensions (the name ``[index]`` made only when a reader needs it)."""
    data, pos, end = seq.data, seq.pos, seq.end
    if pos >= end or data[pos] != 0x30 or seq.depth >= seq.max_depth:  # the SEQUENCE: a level
        return None
    bounds = short_header(data, pos, end)
    if bounds is None:
        return None
    body, ext_end = bounds
    small = ext_end - pos <= _SHARED_SIZE and seq.depth + 1 + _SHARED_DEPTH <= seq.max_depth
    if small:
        known = _SHARED.get(data[pos:ext_end])
        if known is not None:
            seq.pos = ext_end
            return known
    envelope = _plain_envelope(data, body, ext_end)
    if envelope is None:
        return None
    oid, critical, value_at, value_start = envelope
    raw = data[value_start:ext_end]
    cls = EXTENSION_TYPES.get(oid)
    if cls is None:
        seq.pos = ext_end
        return _new_extension(oid, critical, _new_unrecognized(oid, raw), raw)
    findings = seq.findings
    mark = 0 if findings is None else len(findings)
    ext = seq._child(pos, body, ext_end, label if isinstance(label, str) else f"[{label}]")
    ext.pos = seq.pos = ext_end
    contents = ext._child(value_at, value_start, ext_end, "extnValue", False)
    try:                                    # _read_value and _read_known_leniently, inline
        value = cls.read_value(contents)
        contents.finish()
    except DecodeError as exc:
        if findings is None:
            raise
        value = _malformed(oid, contents, value_start, mark, exc)
    extension = _new_extension(oid, critical, value, raw)
    if small and oid in _SHARED_TYPES and len(_SHARED) < _SHARED_LIMIT \
            and (findings is None or len(findings) == mark):
        _SHARED[data[pos:ext_end]] = extension
    return extension


def _read_new_extension(reader: Reader, name: str) -> Extension:
    """:func:`read_extension` field by field, for an envelope :func:`_plain_envelope` does
    not read (and is never kept in :data:`_SHARED`)."""
    ext = reader.read_sequence(name)
    oid = ext.read_oid("extnID")
    critical = ext.read_default_boolean(False, "critical")
    contents = ext.read_octet_string_der("extnValue")
    raw = contents.data[contents.pos:contents.end]
    if oid not in EXTENSION_TYPES:
        value = _new_unrecognized(oid, raw)             # what _read_value gives, all read
    elif contents.findings is None:
        value = _read_value(oid, critical, contents)
        contents.finish()
    else:
        value = _read_known_leniently(oid, critical, contents)
    ext.finish()
    return _new_extension(oid, critical, value, raw)     # raw is the DER just read (_parsed.py)


_new_extension = maker(Extension)
_new_unrecognized = maker(UnrecognizedExtension)


def find_extension(extensions: tuple[Extension, ...], oid: str) -> Extension | None:
    """The extension with extnID ``oid``, or None (RFC 5280 §4.2: at most one of each). A plain
    loop: path validation asks dozens of times per certificate."""
    for ext in extensions:
        if ext.oid == oid:
            return ext
    return None


def read_extensions(reader: Reader, name: str = "") -> tuple[Extension, ...]:
    """``Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension``, each extnID at most once (a
    repeated one is a finding, kept; a strict reader refuses it)."""
    seq = reader.read_sequence(name)
    if seq.at_end:
        seq.report(DecodeError, "Extensions must hold at least one extension",
                   "SIZE (1..MAX), RFC 5280 §4.1", seq.element_start)
    extensions: list[Extension] = []
    seen: set[str] = set()
    while seq.pos < seq.end:
        start = seq.pos
        extension = _read_plain_extension(seq, len(extensions))
        if extension is None:
            extension = _read_new_extension(seq, f"[{len(extensions)}]")
        if extension.oid in seen:
            # RFC 5280 §4.2: "A certificate MUST NOT include more than one instance of a
            # particular extension." (§5.2 says the same of CRLs.)
            seq.report(DecodeError, f"duplicate extension {extension.oid}", "RFC 5280 §4.2", start)
        seen.add(extension.oid)
        extensions.append(extension)
    return tuple(extensions)


def read_explicit_extensions(reader: Reader, number: int, name: str) -> tuple[Extension, ...]:
    """``[number] EXPLICIT Extensions OPTIONAL`` (OCSP requests and responses, RFC 6960 §4.1.1,
    §4.2.1): the extensions, or () when the field is absent."""
    holder = reader.read_optional_explicit(number, name)
    if holder is None:
        return ()
    extensions = read_extensions(holder)
    holder.finish()
    return extensions


def write_extension(writer: Writer, extension: Extension) -> None:
    with writer.sequence():
        writer.write_oid(extension.oid)
        if extension.critical:
            writer.write_boolean(True)                  # DEFAULT FALSE is never encoded
        writer.write_octet_string(extension.raw_value)


def write_extensions(writer: Writer, extensions) -> None:
    """Extensions as a SEQUENCE; at least one, each extnID once (RFC 5280 §4.1, §4.2)."""
    extensions = tuple(extensions)
    if not extensions:
        raise InvalidValue("Extensions must hold at least one extension (RFC 5280 §4.1)")
    oids = [extension.oid for extension in extensions]
    if len(set(oids)) != len(oids):
        raise InvalidValue("an extension appears more than once (RFC 5280 §4.2)")
    with writer.sequence():
        for extension in extensions:
            if not isinstance(extension, Extension):
                raise TypeError("write_extensions needs Extension objects")
            write_extension(writer, extension)
