"""Where CRLs are published, and what a CRL covers. RFC 5280 §4.2.1.13, §4.2.1.15, §5.2.5."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar

from x509core.cert._parsed import maker, parsed
from x509core.cert.extensions.value import (INDENT, ExtensionValue, openssl_lines,
                                           read_implicit_default_false, tuple_of,
                                           write_implicit_boolean)
from x509core.cert.names.general_name import GeneralName, check_general_names, general_name_print
from x509core.cert.names.general_name_der import (read_general_names, simple_general_names,
                                                  write_general_names)
from x509core.cert.names.attribute import RelativeDistinguishedName
from x509core.cert.names.name import Name, read_name
from x509core.cert.oids import (OID_CRL_DISTRIBUTION_POINTS, OID_FRESHEST_CRL,
                                OID_ISSUING_DISTRIBUTION_POINT)
from x509core.der import BitString, ObjectIdentifier, Reader, Writer
from x509core.der.content import encode_bit_string
from x509core.der.tags import SET, Tag
from x509core.der.findings import split_message
from x509core.errors import DecodeError, InvalidValue, NonCanonicalEncoding

__all__ = ["ReasonFlags", "DistributionPointName", "DistributionPoint", "CRLDistributionPoints",
           "FreshestCRL", "IssuingDistributionPoint"]

_REASON_TEXT = ("Unused", "Key Compromise", "CA Compromise", "Affiliation Changed", "Superseded",
                "Cessation Of Operation", "Certificate Hold", "Privilege Withdrawn", "AA Compromise")


@dataclass(frozen=True, slots=True)
class ReasonFlags:
    """The revocation reasons a CRL covers. RFC 5280 §4.2.1.13::

        ReasonFlags ::= BIT STRING {
             unused                  (0),
             keyCompromise           (1),
             cACompromise            (2),
             affiliationChanged      (3),
             superseded              (4),
             cessationOfOperation    (5),
             certificateHold         (6),
             privilegeWithdrawn      (7),
             aACompromise            (8) }
    """

    unused: bool = False
    key_compromise: bool = False
    ca_compromise: bool = False
    affiliation_changed: bool = False
    superseded: bool = False
    cessation_of_operation: bool = False
    certificate_hold: bool = False
    privilege_withdrawn: bool = False
    aa_compromise: bool = False

    def __post_init__(self) -> None:
        if not all(isinstance(getattr(self, f.name), bool) for f in fields(self)):
            raise TypeError("ReasonFlags bits must be bool")

    @property
    def named_bits(self) -> frozenset[int]:
        return frozenset(i for i, f in enumerate(fields(self)) if getattr(self, f.name))

    @classmethod
    def read(cls, reader: Reader, number: int, name: str) -> "ReasonFlags":
        """``[number] IMPLICIT ReasonFlags``: DER drops trailing zero bits (X.690 §11.2.2)."""
        start = reader.pos
        bits = reader.read_implicit_value(number, 3, name)
        if bits.has_trailing_zero_bits:
            reader.report(NonCanonicalEncoding, "named BIT STRING with trailing zero bits",
                          "X.690 §11.2.2", start, name=name)
        if len(bits) > 9 and any(bits.bit(i) for i in range(9, len(bits))):
            reader.report(DecodeError, f"ReasonFlags bit {len(bits) - 1} is not defined",
                          "RFC 5280 §4.2.1.13", start, name=name)
        return cls(*(bits.bit(i) for i in range(9)))

    def write(self, writer: Writer, number: int) -> None:
        writer.write_implicit_primitive(number, encode_bit_string(BitString.from_named_bits(self.named_bits)))

    def text(self, label: str, indent: int) -> str:
        # crypto/x509/v3_crld.c print_reasons
        names = ", ".join(_REASON_TEXT[i] for i in sorted(self.named_bits)) or "<EMPTY>"
        return f"{' ' * indent}{label}:\n{' ' * (indent + 2)}{names}\n"


@dataclass(frozen=True, slots=True)
class DistributionPointName:
    """The name of a distribution point. RFC 5280 §4.2.1.13::

        DistributionPointName ::= CHOICE {
             fullName                [0]     GeneralNames,
             nameRelativeToCRLIssuer [1]     RelativeDistinguishedName }

    Exactly one field is set.
    """

    full_name: tuple[GeneralName, ...] | None = None
    name_relative_to_crl_issuer: RelativeDistinguishedName | None = None

    def __post_init__(self) -> None:
        if (self.full_name is None) == (self.name_relative_to_crl_issuer is None):
            raise InvalidValue("DistributionPointName is a CHOICE: set exactly one of fullName "
                               "and nameRelativeToCRLIssuer (RFC 5280 §4.2.1.13)")
        if self.full_name is not None:
            object.__setattr__(self, "full_name", check_general_names(self.full_name, "fullName"))
        elif not isinstance(self.name_relative_to_crl_issuer, RelativeDistinguishedName):
            raise TypeError("name_relative_to_crl_issuer must be a RelativeDistinguishedName")

    @classmethod
    def read(cls, reader: Reader, name: str) -> "DistributionPointName":
        """``[0] DistributionPointName``: EXPLICIT, the type being an untagged CHOICE (X.680 §31.2.7 c)."""
        outer = reader.read_explicit(0, name)
        if outer.peek_is(Tag(2, True, 1)):
            value = parsed(cls, None, _read_rdn(outer, "nameRelativeToCRLIssuer"))
        else:
            value = parsed(cls, read_general_names(outer, "fullName", implicit=0), None)
        outer.finish()
        return value

    def write(self, writer: Writer) -> None:
        with writer.explicit(0):
            if self.full_name is not None:
                write_general_names(writer, self.full_name, implicit=0)
            else:
                with writer.implicit_constructed(1):
                    for attribute in self.name_relative_to_crl_issuer:
                        writer.write_raw(attribute.to_der())

    def text(self, indent: int) -> str:
        # crypto/x509/v3_crld.c print_distpoint: no line break after the last name of fullName
        pad = " " * indent
        if self.full_name is not None:
            names = "\n".join(" " * (indent + 2) + general_name_print(gn) for gn in self.full_name)
            return f"{pad}Full Name:\n{names}"
        name = Name((self.name_relative_to_crl_issuer,))
        return f"{pad}Relative Name:\n{' ' * (indent + 2)}{name.openssl_oneline(escape_msb=True)}\n"


def _read_rdn(reader: Reader, name: str) -> RelativeDistinguishedName:
    """``[1] IMPLICIT RelativeDistinguishedName`` (``SET SIZE (1..MAX) OF AttributeTypeAndValue``,
    RFC 5280 §4.1.2.4), read as the one RDN of a Name so that the Name layer checks it."""
    rdn = reader.read_implicit(1, True, name)
    rdn.check_set_order()                           # a SET OF: X.690 §11.6
    if rdn.at_end:
        raise DecodeError(f"empty {name} (SET SIZE (1..MAX), RFC 5280 §4.1.2.4)", rdn.element_start,
                          rdn.path)
    content = rdn.data[rdn.pos:rdn.end]
    writer = Writer()
    with writer.sequence():
        writer.write_tlv(SET, content)
    copy = writer.to_bytes()
    try:
        return read_name(Reader(copy), name).rdns[0]
    except DecodeError as exc:          # an offset in the copy, moved back into the caller's bytes
        offset = rdn.pos + max(0, exc.offset - (len(copy) - len(content)))
        raise type(exc)(exc.reason, offset, rdn.path + exc.path[1:]) from None


@dataclass(frozen=True, slots=True)
class DistributionPoint:
    """One place to get CRLs. RFC 5280 §4.2.1.13::

        DistributionPoint ::= SEQUENCE {
             distributionPoint       [0]     DistributionPointName OPTIONAL,
             reasons                 [1]     ReasonFlags OPTIONAL,
             cRLIssuer               [2]     GeneralNames OPTIONAL }
    """

    distribution_point: DistributionPointName | None = None
    reasons: ReasonFlags | None = None
    crl_issuer: tuple[GeneralName, ...] | None = None

    def __post_init__(self) -> None:
        if self.distribution_point is None and self.crl_issuer is None:
            raise InvalidValue(_ONLY_REASONS)
        if self.crl_issuer is not None:
            object.__setattr__(self, "crl_issuer", check_general_names(self.crl_issuer, "cRLIssuer"))

    @classmethod
    def read(cls, reader: Reader, name: str) -> "DistributionPoint":
        simple = _read_full_name_point(reader)
        if simple is not None:
            return simple
        seq = reader.read_sequence(name)
        point = DistributionPointName.read(seq, "distributionPoint") if seq.peek_is(Tag(2, True, 0)) else None
        reasons = ReasonFlags.read(seq, 1, "reasons") if seq.peek_is(Tag(2, False, 1)) else None
        issuer = read_general_names(seq, "cRLIssuer", implicit=2) if seq.peek_is(Tag(2, True, 2)) else None
        seq.finish()
        if point is None and issuer is None:
            # RFC 5280 §4.2.1.13: "a DistributionPoint MUST NOT consist of only the reasons field".
            seq.report(DecodeError, *split_message(_ONLY_REASONS), seq.element_start)
        return parsed(cls, point, reasons, issuer)

    def write(self, writer: Writer) -> None:
        with writer.sequence():
            if self.distribution_point is not None:
                self.distribution_point.write(writer)
            if self.reasons is not None:
                self.reasons.write(writer, 1)
            if self.crl_issuer is not None:
                write_general_names(writer, self.crl_issuer, implicit=2)

    def text(self, indent: int) -> str:
        # crypto/x509/v3_crld.c i2r_crldps, one point
        out = []
        if self.distribution_point is not None:
            out.append(self.distribution_point.text(indent))
        if self.reasons is not None:
            out.append(self.reasons.text("Reasons", indent))
        if self.crl_issuer is not None:
            names = "\n".join(" " * (indent + 2) + general_name_print(gn) for gn in self.crl_issuer)
            out.append(f"{' ' * indent}CRL Issuer:\n{names}")
        return "".join(out)


_new_point_name, _new_point = maker(DistributionPointName), maker(DistributionPoint)


def _read_full_name_point(reader: Reader) -> DistributionPoint | None:
    """The common DistributionPoint read at once: ``SEQUENCE { [0] { [0] { names } } }``, a
    distributionPoint that is a fullName alone, every length short, each name one that
    :func:`simple_general_names` reads and the names filling their list exactly. None (nothing
    read) for anything else, which the field-by-field reading reads or refuses; the two give
    the same value (tests/cert/reading/test_parse_fast_paths.py)."""
    data, pos, end = reader.data, reader.pos, reader.end
    if pos + 6 > end or data[pos] != 0x30 or data[pos + 2] != 0xA0 or data[pos + 4] != 0xA0 \
            or (data[pos + 1] | data[pos + 3] | data[pos + 5]) >= 0x80 \
            or reader.depth + 3 > reader.max_depth:
        return None
    seq_end = pos + 2 + data[pos + 1]
    if seq_end > end or pos + 4 + data[pos + 3] != seq_end or pos + 6 + data[pos + 5] != seq_end:
        return None
    names = simple_general_names(data, pos + 6, seq_end)
    if not names:
        return None                     # an empty fullName: the general reading reports it
    reader.pos = seq_end
    return _new_point(_new_point_name(tuple(names), None), None, None)


# RFC 5280 §4.2.1.13: "a DistributionPoint MUST NOT consist of only the reasons field; either
# distributionPoint or cRLIssuer MUST be present."
_ONLY_REASONS = "DistributionPoint needs distributionPoint or cRLIssuer (RFC 5280 §4.2.1.13)"


@dataclass(frozen=True, slots=True)
class CRLDistributionPoints(ExtensionValue):
    """Where to get the CRLs that may list this certificate. RFC 5280 §4.2.1.13::

        CRLDistributionPoints ::= SEQUENCE SIZE (1..MAX) OF DistributionPoint
    """

    oid: ClassVar[ObjectIdentifier] = OID_CRL_DISTRIBUTION_POINTS
    distribution_points: tuple[DistributionPoint, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "distribution_points", tuple_of(
            self.distribution_points, DistributionPoint, type(self).__name__))

    @classmethod
    def read_value(cls, reader: Reader):
        seq = reader.read_sequence(cls.__name__)
        return parsed(cls, seq.read_items(
            DistributionPoint.read, f"empty {cls.__name__} (SIZE (1..MAX), RFC 5280 §4.2.1.13)"))

    def write_value(self, writer: Writer) -> None:
        with writer.sequence():
            for point in self.distribution_points:
                point.write(writer)

    def text_lines(self) -> list[str]:
        return openssl_lines("\n".join(p.text(INDENT) for p in self.distribution_points))


@dataclass(frozen=True, slots=True)
class FreshestCRL(CRLDistributionPoints):
    """Where to get delta CRLs. RFC 5280 §4.2.1.15::

        FreshestCRL ::= CRLDistributionPoints
    """

    oid: ClassVar[ObjectIdentifier] = OID_FRESHEST_CRL
    # RFC 5280 §4.2.1.15: "The extension MUST be marked as non-critical by conforming CAs."
    criticality: ClassVar = (False, "RFC 5280 §4.2.1.15")


@dataclass(frozen=True, slots=True)
class IssuingDistributionPoint(ExtensionValue):
    """Which distribution point and which certificates a CRL covers. RFC 5280 §5.2.5::

        IssuingDistributionPoint ::= SEQUENCE {
             distributionPoint          [0] DistributionPointName OPTIONAL,
             onlyContainsUserCerts      [1] BOOLEAN DEFAULT FALSE,
             onlyContainsCACerts        [2] BOOLEAN DEFAULT FALSE,
             onlySomeReasons            [3] ReasonFlags OPTIONAL,
             indirectCRL                [4] BOOLEAN DEFAULT FALSE,
             onlyContainsAttributeCerts [5] BOOLEAN DEFAULT FALSE }

             -- at most one of onlyContainsUserCerts, onlyContainsCACerts,
             -- and onlyContainsAttributeCerts may be set to TRUE.
    """

    oid: ClassVar[ObjectIdentifier] = OID_ISSUING_DISTRIBUTION_POINT
    # RFC 5280 §5.2.5: "The issuing distribution point is a critical CRL extension".
    criticality: ClassVar = (True, "RFC 5280 §5.2.5")
    distribution_point: DistributionPointName | None = None
    only_contains_user_certs: bool = False
    only_contains_ca_certs: bool = False
    only_some_reasons: ReasonFlags | None = None
    indirect_crl: bool = False
    only_contains_attribute_certs: bool = False

    def __post_init__(self) -> None:
        flags = (self.only_contains_user_certs, self.only_contains_ca_certs, self.indirect_crl,
                 self.only_contains_attribute_certs)
        if not all(isinstance(flag, bool) for flag in flags):
            raise TypeError("IssuingDistributionPoint flags must be bool")
        message = _idp_violation(self.distribution_point, self.only_some_reasons, *flags)
        if message:
            raise InvalidValue(message)

    @classmethod
    def read_value(cls, reader: Reader) -> "IssuingDistributionPoint":
        seq = reader.read_sequence("IssuingDistributionPoint")
        point = DistributionPointName.read(seq, "distributionPoint") if seq.peek_is(Tag(2, True, 0)) else None
        user = read_implicit_default_false(seq, 1, "onlyContainsUserCerts")
        ca = read_implicit_default_false(seq, 2, "onlyContainsCACerts")
        reasons = ReasonFlags.read(seq, 3, "onlySomeReasons") if seq.peek_is(Tag(2, False, 3)) else None
        indirect = read_implicit_default_false(seq, 4, "indirectCRL")
        attribute = read_implicit_default_false(seq, 5, "onlyContainsAttributeCerts")
        seq.finish()
        message = _idp_violation(point, reasons, user, ca, indirect, attribute)
        if message:
            raise DecodeError(message, seq.element_start, seq.path)
        return cls(point, user, ca, reasons, indirect, attribute)

    def write_value(self, writer: Writer) -> None:
        with writer.sequence():
            if self.distribution_point is not None:
                self.distribution_point.write(writer)
            write_implicit_boolean(writer, 1, self.only_contains_user_certs)
            write_implicit_boolean(writer, 2, self.only_contains_ca_certs)
            if self.only_some_reasons is not None:
                self.only_some_reasons.write(writer, 3)
            write_implicit_boolean(writer, 4, self.indirect_crl)
            write_implicit_boolean(writer, 5, self.only_contains_attribute_certs)

    def text_lines(self) -> list[str]:
        # crypto/x509/v3_crld.c i2r_idp: this order, and no line break after the point's names
        pad, out = " " * INDENT, []
        if self.distribution_point is not None:
            out.append(self.distribution_point.text(INDENT))
        for flag, label in (("only_contains_user_certs", "Only User Certificates"),
                            ("only_contains_ca_certs", "Only CA Certificates"),
                            ("indirect_crl", "Indirect CRL")):
            if getattr(self, flag):
                out.append(f"{pad}{label}\n")
        if self.only_some_reasons is not None:
            out.append(self.only_some_reasons.text("Only Some Reasons", INDENT))
        if self.only_contains_attribute_certs:
            out.append(f"{pad}Only Attribute Certificates\n")
        return openssl_lines("".join(out))



def _idp_violation(point, reasons, user: bool, ca: bool, indirect: bool, attribute: bool) -> str | None:
    """What RFC 5280 §5.2.5 forbids in these field values, or None."""
    if user + ca + attribute > 1:
        return ("at most one of onlyContainsUserCerts, onlyContainsCACerts and "
                "onlyContainsAttributeCerts may be TRUE (RFC 5280 §5.2.5)")
    if point is None and reasons is None and not (user or ca or indirect or attribute):
        # RFC 5280 §5.2.5: "Conforming CRL issuers MUST NOT issue CRLs where the DER encoding
        # of the issuing distribution point extension is an empty sequence."
        return "empty IssuingDistributionPoint (RFC 5280 §5.2.5)"
    return None
