"""The parts of an X.509 name: AttributeTypeAndValue and RelativeDistinguishedName, what RFC 5280
asks of the value of each attribute type, and reading both from DER.

RFC 5280 §4.1.2.4 and Appendix A.1, X.501 §9; an RDN is a SET OF, kept in the order of X.690 §11.6.
The values of the standard attribute types are, RFC 5280 §4.1.2.4::

    DirectoryString ::= CHOICE {
          teletexString           TeletexString (SIZE (1..MAX)),
          printableString         PrintableString (SIZE (1..MAX)),
          universalString         UniversalString (SIZE (1..MAX)),
          utf8String              UTF8String (SIZE (1..MAX)),
          bmpString               BMPString (SIZE (1..MAX)) }

A :class:`~x509core.cert.names.name.Name` is a SEQUENCE OF the RDNs here;
:mod:`x509core.cert.names.name` reads, builds and compares whole names, and the names of the
attribute types and the text forms are in :mod:`x509core.cert.names.name_text`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from x509core.cert import oids
from x509core.cert._parsed import parsed
from x509core.cert.names.name_text import attribute_oid, openssl_type_name, prepare_string
from x509core.der import ObjectIdentifier, Reader, Writer
from x509core.der.content import STRING_TYPES
from x509core.errors import DecodeError, InvalidValue

__all__ = ["AttributeTypeAndValue", "RelativeDistinguishedName", "STRING_ATTRIBUTE_TYPES",
           "check_attribute_value"]

# -- attribute types: the string type and size RFC 5280 gives each value when building ------------

_UTF8, _PRINTABLE, _IA5 = 12, 19, 22            # universal tag numbers, X.680 §8.4 Table 1

# Attribute type -> (string type used when building, upper bound in characters, the bound's rule).
# RFC 5280 §4.1.2.4: "CAs MUST use the UTF8String encoding of DirectoryString" (after 2003);
# Appendix A.1 gives PrintableString to X520countryName, X520SerialNumber and X520dnQualifier,
# IA5String to EmailAddress and DomainComponent, and the ub-* upper bounds quoted here.
_PROFILE: dict[ObjectIdentifier, tuple[int, int | None, str]] = {
    oids.OID_COUNTRY_NAME: (_PRINTABLE, 2, "X520countryName ::= PrintableString (SIZE (2))"),
    oids.OID_SERIAL_NUMBER: (_PRINTABLE, 64, "ub-serial-number INTEGER ::= 64"),
    oids.OID_DN_QUALIFIER: (_PRINTABLE, None, "X520dnQualifier ::= PrintableString"),
    oids.OID_EMAIL_ADDRESS: (_IA5, 255, "ub-emailaddress-length INTEGER ::= 255"),
    oids.OID_DOMAIN_COMPONENT: (_IA5, None, "DomainComponent ::= IA5String"),
    oids.OID_COMMON_NAME: (_UTF8, 64, "ub-common-name INTEGER ::= 64"),
    oids.OID_LOCALITY_NAME: (_UTF8, 128, "ub-locality-name INTEGER ::= 128"),
    oids.OID_STATE_OR_PROVINCE_NAME: (_UTF8, 128, "ub-state-name INTEGER ::= 128"),
    oids.OID_ORGANIZATION_NAME: (_UTF8, 64, "ub-organization-name INTEGER ::= 64"),
    oids.OID_ORGANIZATIONAL_UNIT_NAME: (_UTF8, 64, "ub-organizational-unit-name INTEGER ::= 64"),
    oids.OID_TITLE: (_UTF8, 64, "ub-title INTEGER ::= 64"),
    oids.OID_PSEUDONYM: (_UTF8, 128, "ub-pseudonym INTEGER ::= 128"),
    # X520name (name, surname, givenName, initials, generationQualifier): SIZE (1..ub-name).
    **{oid: (_UTF8, 32768, "ub-name INTEGER ::= 32768")
       for oid in (oids.OID_NAME, oids.OID_SURNAME, oids.OID_GIVEN_NAME, oids.OID_INITIALS,
                   oids.OID_GENERATION_QUALIFIER)},
    # DirectoryString types that RFC 5280 Appendix A.1 does not bound (RFC 4519, X.520).
    **{oid: (_UTF8, None, "")
       for oid in (oids.OID_STREET_ADDRESS, oids.OID_POSTAL_CODE, oids.OID_USER_ID,
                   oids.OID_ORGANIZATION_IDENTIFIER, oids.OID_DESCRIPTION,
                   oids.OID_BUSINESS_CATEGORY, oids.OID_JURISDICTION_LOCALITY_NAME,
                   oids.OID_JURISDICTION_STATE_OR_PROVINCE_NAME)},
    oids.OID_JURISDICTION_COUNTRY_NAME: (_PRINTABLE, 2, "ISO 3166-1 alpha-2, as for countryName"),
}
_COUNTRY_TYPES = frozenset({oids.OID_COUNTRY_NAME, oids.OID_JURISDICTION_COUNTRY_NAME})
STRING_ATTRIBUTE_TYPES = frozenset(_PROFILE)      # types whose values are character strings


def check_attribute_value(oid: ObjectIdentifier, value: str) -> int:
    """The string type (universal tag) to build ``value`` with, after the checks of RFC 5280
    Appendix A.1: not empty (SIZE (1..MAX)), within the type's ub-*, a country code's shape."""
    string_tag, bound, rule = _PROFILE.get(oid, (_UTF8, None, ""))
    label = openssl_type_name(oid)
    if not value:
        raise InvalidValue(f"empty value for {label} (RFC 5280 §4.1.2.4: SIZE (1..MAX))")
    if oid in _COUNTRY_TYPES and not (len(value) == 2 and value.isascii() and value.isalpha()
                                      and value.isupper()):
        raise InvalidValue(f"{label} must be an ISO 3166-1 alpha-2 code such as 'CN', not {value!r}")
    if bound is not None and len(value) > bound:
        raise InvalidValue(f"{label} longer than {bound} characters (RFC 5280 Appendix A.1: {rule})")
    return string_tag


@dataclass(frozen=True, slots=True)
class AttributeTypeAndValue:
    """One attribute of a name: a type and one value. RFC 5280 §4.1.2.4::

        AttributeTypeAndValue ::= SEQUENCE {
          type     AttributeType,
          value    AttributeValue }

    ``string_tag`` is the universal tag number of the value's character string type (12
    UTF8String, 19 PrintableString, 22 IA5String, 20 TeletexString, 30 BMPString, ...) and ``raw``
    the value's complete DER. A value that is not a character string (allowed for types this module
    does not know, e.g. a SEQUENCE) has ``string_tag=None``, its exact DER in ``raw`` and
    ``value = "#" + raw.hex()``, the RFC 4514 §2.4 form. ``raw`` may be left empty for a string;
    the constructor fills it in and checks that it always holds exactly ``value``.
    """

    oid: ObjectIdentifier
    value: str
    string_tag: int | None = _UTF8
    raw: bytes = b""

    def __post_init__(self) -> None:
        object.__setattr__(self, "oid", ObjectIdentifier(self.oid))
        if not isinstance(self.value, str) or not isinstance(self.raw, bytes):
            raise TypeError("an attribute value is a str and its raw encoding bytes")
        if self.string_tag is None:
            _check_other_value(self.oid, self.value, self.raw)
        else:
            object.__setattr__(self, "raw", _check_string_value(self.string_tag, self.value, self.raw))

    @classmethod
    def build(cls, attribute_type: str | ObjectIdentifier, value: str) -> "AttributeTypeAndValue":
        """A new attribute in the string type RFC 5280 asks for, within the Appendix A.1 bounds.

        PrintableString for C, serialNumber and dnQualifier, IA5String for emailAddress and DC,
        UTF8String otherwise (RFC 5280 §4.1.2.4); empty values and longer ones are InvalidValue.
        """
        oid = attribute_oid(attribute_type)
        if not isinstance(value, str):
            raise TypeError(f"the value of {openssl_type_name(oid)} must be a str")
        return cls(oid, value, check_attribute_value(oid, value))

    @classmethod
    def from_value_der(cls, attribute_type: str | ObjectIdentifier, der: bytes) -> "AttributeTypeAndValue":
        """An attribute whose value is given as one DER element (a ``#hex`` value of RFC 4514)."""
        reader = Reader(der)
        attribute = _read_value(reader, attribute_oid(attribute_type))
        reader.finish()
        return attribute

    def to_der(self) -> bytes:
        writer = Writer()
        with writer.sequence():
            writer.write_oid(self.oid)
            writer.write_raw(self.raw)
        return writer.to_bytes()

    def comparison_key(self) -> tuple:
        """Equal for two attributes exactly when they match (RFC 5280 §7.1, see Name.matches)."""
        if self.string_tag is None:
            return (str(self.oid), 1, self.raw)
        return (str(self.oid), 0, prepare_string(self.value))


def _check_string_value(string_tag: int, value: str, raw: bytes) -> bytes:
    """The DER of ``value`` as the string type ``string_tag``; ``raw``, if given, must equal it."""
    if not isinstance(string_tag, int) or isinstance(string_tag, bool):
        raise TypeError("string_tag is a universal tag number (int) or None")
    if string_tag not in STRING_TYPES:
        raise InvalidValue(f"universal tag {string_tag} is not a character string type")
    writer = Writer()
    writer.write_string(value, string_tag)      # InvalidValue outside the type's repertoire
    encoded = writer.to_bytes()
    if raw and raw != encoded:
        raise InvalidValue("raw is not the DER encoding of value")
    return encoded


def _check_other_value(oid: ObjectIdentifier, value: str, raw: bytes) -> None:
    """A value that is not a character string: one DER element, shown as ``#hex``."""
    if oid in STRING_ATTRIBUTE_TYPES:
        raise InvalidValue(f"{openssl_type_name(oid)} takes a character string (RFC 5280 Appendix A.1)")
    reader = Reader(raw)
    tag = reader.peek_tag()
    reader.read_any("value")                     # Truncated for b"", DecodeError for non-DER
    reader.finish()
    if tag.tag_class == 0 and tag.number in STRING_TYPES:
        raise InvalidValue("a character string value needs its string_tag")
    if value != "#" + raw.hex():
        raise InvalidValue("the value of a non-string attribute is '#' and the hex of raw")


@dataclass(frozen=True, slots=True)
class RelativeDistinguishedName:
    """One RDN: one attribute, or several for a multi-valued RDN. RFC 5280 §4.1.2.4::

        RelativeDistinguishedName ::=
          SET SIZE (1..MAX) OF AttributeTypeAndValue

    ``attributes`` is kept in DER order (X.690 §11.6: ascending encodings), so two RDNs with the
    same attributes are equal however they were given.
    """

    attributes: tuple[AttributeTypeAndValue, ...]

    def __post_init__(self) -> None:
        attributes = tuple(self.attributes)
        if not all(isinstance(a, AttributeTypeAndValue) for a in attributes):
            raise TypeError("an RDN holds AttributeTypeAndValue objects")
        if not attributes:
            raise InvalidValue("an RDN needs an attribute (RFC 5280 §4.1.2.4: SET SIZE (1..MAX))")
        encodings = [a.to_der() for a in attributes]
        width = max(map(len, encodings))
        order = sorted(range(len(attributes)), key=lambda i: encodings[i].ljust(width, b"\0"))
        object.__setattr__(self, "attributes", tuple(attributes[i] for i in order))

    def __iter__(self) -> Iterator[AttributeTypeAndValue]:
        return iter(self.attributes)

    def __len__(self) -> int:
        return len(self.attributes)

    def to_der(self) -> bytes:
        writer = Writer()
        with writer.set_of():
            for attribute in self.attributes:
                writer.write_raw(attribute.to_der())
        return writer.to_bytes()

    def comparison_key(self) -> tuple:
        """RFC 5280 §7.1: RDNs match when they have the same number of attributes and each
        attribute of one matches an attribute of the other; the order inside an RDN is irrelevant."""
        return tuple(sorted(a.comparison_key() for a in self.attributes))


# -- DER ---------------------------------------------------------------------------------------

def _read_rdn(sequence: Reader, index: int) -> RelativeDistinguishedName:
    """``RelativeDistinguishedName ::= SET SIZE (1..MAX) OF AttributeTypeAndValue``."""
    members = sequence.read_set(f"rdnSequence[{index}]")     # sorted, X.690 §11.6
    if members.at_end:
        members.report(DecodeError, "empty RelativeDistinguishedName",
                       "RFC 5280 §4.1.2.4: SET SIZE (1..MAX)", members.element_start)
    attributes = []
    while not members.at_end:
        attribute = members.read_sequence(f"attribute[{len(attributes)}]")
        oid = attribute.read_oid("type")
        attributes.append(_read_value(attribute, oid))
        attribute.finish()
    return parsed(RelativeDistinguishedName, tuple(attributes))    # read_set checked the order


def _read_value(reader: Reader, oid: ObjectIdentifier) -> AttributeTypeAndValue:
    """``AttributeValue ::= ANY -- DEFINED BY AttributeType``: a character string for every type
    of the RFC 5280 Appendix A.1 table, any DER element (kept raw) for other types.

    # Deviation: for the known types any character string type is accepted (a UTF8String
    # countryName or an IA5String commonName occur in the wild), and so is an empty string;
    # building follows Appendix A.1 exactly.
    """
    start, tag = reader.pos, reader.peek_tag()
    is_string = tag is not None and tag.tag_class == 0 and tag.number in STRING_TYPES
    if oid in STRING_ATTRIBUTE_TYPES or is_string:
        value = reader.read_string("value")      # UnexpectedTag for anything else
        return parsed(AttributeTypeAndValue, oid, value, tag.number, reader.data[start:reader.pos])
    raw = reader.read_any("value")
    return AttributeTypeAndValue(oid, "#" + raw.hex(), None, raw)
