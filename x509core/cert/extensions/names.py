"""Extensions that carry names and access locations. RFC 5280 §4.2.1.6, §4.2.1.7, §4.2.2.1,
§4.2.2.2, §5.3.3."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from x509core.cert._parsed import maker, parsed
from x509core.cert.extensions.value import ExtensionValue, openssl_lines, tuple_of, val_prn
from x509core.cert.names.general_name import (DirectoryName, DNSName, GeneralName, RFC822Name,
                                              UniformResourceIdentifier, check_general_names)
from x509core.cert.names.general_name_der import (read_general_name, simple_general_name,
                                                  simple_general_names, write_general_name,
                                                  write_general_names)
from x509core.cert.names.general_name_text import openssl_object_name
from x509core.cert.oids import (OID_AUTHORITY_INFO_ACCESS, OID_CERTIFICATE_ISSUER,
                                OID_ISSUER_ALT_NAME, OID_SUBJECT_ALT_NAME,
                                OID_SUBJECT_INFO_ACCESS)
from x509core.der import ObjectIdentifier, Reader, Writer
from x509core.der.findings import split_message
from x509core.der.header import short_header
from x509core.der.oid import decoded_oid
from x509core.errors import DecodeError, InvalidValue

__all__ = ["SubjectAlternativeName", "IssuerAlternativeName", "CertificateIssuer",
           "AccessDescription", "AuthorityInformationAccess", "SubjectInformationAccess"]

_EMPTY_NAME_DER = b"\x30\x00"


@dataclass(frozen=True, slots=True)
class _GeneralNamesValue(ExtensionValue):
    """An extension whose value is ``GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName``."""

    names: tuple[GeneralName, ...]
    _refuse_empty_fields: ClassVar[bool] = False
    _multiline: ClassVar[bool] = False

    def __post_init__(self) -> None:
        names = check_general_names(self.names, type(self).__name__)
        object.__setattr__(self, "names", names)
        for gn in names:
            if self._refuse_empty_fields and _is_empty(gn):
                raise InvalidValue(_EMPTY_FIELD)

    @classmethod
    def read_value(cls, reader: Reader):
        simple = _read_simple_general_names(reader)
        if simple is not None:
            return parsed(cls, simple)          # as below: non-empty, no empty field, addresses
        seq = reader.read_sequence(cls.__name__)
        if seq.at_end:
            seq.report(DecodeError, f"empty {cls.__name__}", "GeneralNames SIZE (1..MAX), RFC 5280 §4.2.1.6",
                       seq.element_start)
        names = []
        while not seq.at_end:
            start = seq.pos
            names.append(read_general_name(seq, f"[{len(names)}]"))
            if cls._refuse_empty_fields and _is_empty(names[-1]):
                seq.report(DecodeError, *split_message(_EMPTY_FIELD), start)
        return parsed(cls, tuple(names))       # non-empty, single addresses, checked above

    def write_value(self, writer: Writer) -> None:
        write_general_names(writer, self.names)

    def text_lines(self) -> list[str]:
        # crypto/x509/v3_san.c i2v_GENERAL_NAMES
        return openssl_lines(val_prn([gn.text() for gn in self.names], self._multiline))


def _read_simple_general_names(reader: Reader) -> tuple[GeneralName, ...] | None:
    """GeneralNames read at once when the SEQUENCE has a minimal header (short_header) and
    holds one or more names that :func:`simple_general_name` reads, none of them empty; None
    (nothing read) for anything else, which the name-by-name reading reads, reports or refuses.
    The same value (tests/cert/reading/test_parse_fast_paths.py)."""
    data, pos, end = reader.data, reader.pos, reader.end
    if pos >= end or data[pos] != 0x30 or reader.depth >= reader.max_depth:
        return None
    bounds = short_header(data, pos, end)
    if bounds is None:
        return None
    # Only an IA5String name can be empty among those simple_general_name reads (_is_empty).
    names = simple_general_names(data, bounds[0], bounds[1], nonempty=True)
    if not names:
        return None
    reader.pos = bounds[1]
    return tuple(names)


# RFC 5280 §4.2.1.6: "conforming CAs MUST NOT issue certificates with subjectAltNames containing
# empty GeneralName fields."
_EMPTY_FIELD = "subjectAltName with an empty GeneralName field (RFC 5280 §4.2.1.6)"


def _is_empty(gn: GeneralName) -> bool:
    if isinstance(gn, (RFC822Name, DNSName, UniformResourceIdentifier)):
        return not gn.value
    return isinstance(gn, DirectoryName) and gn.name.raw == _EMPTY_NAME_DER


@dataclass(frozen=True, slots=True)
class SubjectAlternativeName(_GeneralNamesValue):
    """Further identities of the subject. RFC 5280 §4.2.1.6::

        SubjectAltName ::= GeneralNames

        GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName
    """

    oid: ClassVar[ObjectIdentifier] = OID_SUBJECT_ALT_NAME
    _refuse_empty_fields: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class IssuerAlternativeName(_GeneralNamesValue):
    """Further identities of the issuer. RFC 5280 §4.2.1.7::

        IssuerAltName ::= GeneralNames
    """

    oid: ClassVar[ObjectIdentifier] = OID_ISSUER_ALT_NAME


@dataclass(frozen=True, slots=True)
class CertificateIssuer(_GeneralNamesValue):
    """The issuer of the certificate a CRL entry revokes (indirect CRLs). RFC 5280 §5.3.3::

        certificateIssuer ::= GeneralNames
    """

    oid: ClassVar[ObjectIdentifier] = OID_CERTIFICATE_ISSUER
    # RFC 5280 §5.3.3: "If used by conforming CRL issuers, this extension MUST always be critical."
    criticality: ClassVar = (True, "RFC 5280 §5.3.3")


@dataclass(frozen=True, slots=True)
class AccessDescription:
    """Where and how to reach information or services. RFC 5280 §4.2.2.1::

        AccessDescription  ::=  SEQUENCE {
                accessMethod          OBJECT IDENTIFIER,
                accessLocation        GeneralName  }
    """

    access_method: ObjectIdentifier
    access_location: GeneralName

    def __post_init__(self) -> None:
        object.__setattr__(self, "access_method", ObjectIdentifier(self.access_method))
        check_general_names((self.access_location,), "accessLocation")

    @classmethod
    def read(cls, reader: Reader, name: str) -> "AccessDescription":
        simple = _read_simple_access_description(reader)
        if simple is not None:
            return simple
        seq = reader.read_sequence(name)
        method = seq.read_oid("accessMethod")
        location = read_general_name(seq, "accessLocation")
        seq.finish()
        return parsed(cls, method, location)

    def write(self, writer: Writer) -> None:
        with writer.sequence():
            writer.write_oid(self.access_method)
            write_general_name(writer, self.access_location)

    def text(self) -> str:
        # crypto/x509/v3_info.c i2v_AUTHORITY_INFO_ACCESS: "<method> - <name>"
        return f"{openssl_object_name(self.access_method)} - {self.access_location.text()}"


_new_access_description = maker(AccessDescription)


def _read_simple_access_description(reader: Reader) -> AccessDescription | None:
    """The common AccessDescription read at once: short lengths, an accessMethod OID decoded
    before and an accessLocation that :func:`simple_general_name` reads, filling the SEQUENCE.
    None (nothing read) for anything else, which the field-by-field reading reads or refuses;
    the two give the same value (tests/cert/reading/test_parse_fast_paths.py)."""
    data, pos, end = reader.data, reader.pos, reader.end
    if pos + 4 > end or data[pos] != 0x30 or data[pos + 2] != 0x06 \
            or (data[pos + 1] | data[pos + 3]) >= 0x80 or reader.depth >= reader.max_depth:
        return None
    seq_end, oid_end = pos + 2 + data[pos + 1], pos + 4 + data[pos + 3]
    if seq_end > end or oid_end >= seq_end:
        return None
    method = decoded_oid(data[pos + 4:oid_end])
    location = simple_general_name(data, oid_end, seq_end)
    if method is None or location is None or location[1] != seq_end:
        return None
    reader.pos = seq_end
    return _new_access_description(method, location[0])


@dataclass(frozen=True, slots=True)
class _InfoAccess(ExtensionValue):
    """``SEQUENCE SIZE (1..MAX) OF AccessDescription``."""

    access_descriptions: tuple[AccessDescription, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "access_descriptions",
                           tuple_of(self.access_descriptions, AccessDescription, type(self).__name__))

    @classmethod
    def read_value(cls, reader: Reader):
        seq = reader.read_sequence(cls.__name__)
        return parsed(cls, seq.read_items(
            AccessDescription.read, f"empty {cls.__name__} (SIZE (1..MAX), RFC 5280 §4.2.2.1)"))

    def write_value(self, writer: Writer) -> None:
        with writer.sequence():
            for description in self.access_descriptions:
                description.write(writer)

    def text_lines(self) -> list[str]:
        return openssl_lines(val_prn([d.text() for d in self.access_descriptions], multiline=True))


@dataclass(frozen=True, slots=True)
class AuthorityInformationAccess(_InfoAccess):
    """How to reach the issuer's services (OCSP, CA certificates). RFC 5280 §4.2.2.1::

        AuthorityInfoAccessSyntax  ::=
                SEQUENCE SIZE (1..MAX) OF AccessDescription
    """

    oid: ClassVar[ObjectIdentifier] = OID_AUTHORITY_INFO_ACCESS
    # RFC 5280 §4.2.2.1: "Conforming CAs MUST mark this extension as non-critical."
    criticality: ClassVar = (False, "RFC 5280 §4.2.2.1")


@dataclass(frozen=True, slots=True)
class SubjectInformationAccess(_InfoAccess):
    """How to reach the subject's services (CA repository, time stamping). RFC 5280 §4.2.2.2::

        SubjectInfoAccessSyntax  ::=
                SEQUENCE SIZE (1..MAX) OF AccessDescription
    """

    oid: ClassVar[ObjectIdentifier] = OID_SUBJECT_INFO_ACCESS
    # RFC 5280 §4.2.2.2: "Conforming CAs MUST mark this extension as non-critical."
    criticality: ClassVar = (False, "RFC 5280 §4.2.2.2")
