"""X.509 names: their DER, how to build them and how to compare them.

RFC 5280 §4.1.2.4 (issuer, subject) and Appendix A.1, RFC 5280 §7.1 (comparison), X.501 §9. The
class below carries the ASN.1 of Name; its parts, RelativeDistinguishedName and
AttributeTypeAndValue, and what RFC 5280 asks of each attribute's value are in
:mod:`x509core.cert.names.attribute`.

A parsed :class:`Name` keeps the exact DER it came from (``raw``); ``to_der()`` returns it and
``==`` compares it, byte for byte. :meth:`Name.matches` is the RFC 5280 §7.1 comparison. Text forms
(RFC 4514, OpenSSL) live in :mod:`x509core.cert.names.name_text`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from x509core.cert import oids
from x509core.cert._parsed import maker, parsed
from x509core.cert.names.attribute import AttributeTypeAndValue, RelativeDistinguishedName, _read_rdn
from x509core.cert.names.name_text import (attribute_oid, format_openssl, format_rfc4514,
                                           parse_openssl, parse_rfc4514)
from x509core.der import ObjectIdentifier, Reader, Writer
from x509core.der.content import PRIMITIVE_DECODERS, STRING_TYPES
from x509core.der.header import short_header
from x509core.der.oid import decoded_oid
from x509core.errors import DecodeError, InvalidValue

__all__ = ["Name", "read_name", "write_name", "load_der_name"]


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Name:
    """An X.509 name (issuer or subject). RFC 5280 §4.1.2.4::

        Name ::= CHOICE { -- only one possibility for now --
          rdnSequence  RDNSequence }

        RDNSequence ::= SEQUENCE OF RelativeDistinguishedName

    ``raw`` is the exact DER (filled in when only ``rdns`` is given, checked when both are).
    ``==`` and ``hash`` use ``raw``: a PrintableString and a UTF8String of the same text are
    different Names but they :meth:`matches`. Iterating yields the attributes, first RDN first.
    """

    rdns: tuple[RelativeDistinguishedName, ...] = ()
    raw: bytes = b""
    # comparison_key(), computed once and kept by this Name: path validation compares names
    # many times, and a cache on the Name lives exactly as long as the Name (a global cache of
    # hostile names would keep them alive: issue 16 item 4).
    _key: tuple | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        rdns = tuple(self.rdns)
        if not all(isinstance(rdn, RelativeDistinguishedName) for rdn in rdns):
            raise TypeError("a Name holds RelativeDistinguishedName objects")
        if not isinstance(self.raw, bytes):
            raise TypeError("raw is bytes")
        writer = Writer()
        with writer.sequence():
            for rdn in rdns:
                writer.write_raw(rdn.to_der())
        encoded = writer.to_bytes()
        if self.raw and self.raw != encoded:
            raise InvalidValue("raw is not the DER encoding of rdns")
        object.__setattr__(self, "rdns", rdns)
        object.__setattr__(self, "raw", encoded)

    # -- building ------------------------------------------------------------------------------

    @classmethod
    def build(cls, attributes: Iterable) -> "Name":
        """A Name from ``(type, value)`` tuples, first RDN first; a list of such tuples makes one
        multi-valued RDN. Types are short names (``"CN"``, ``"emailAddress"``, ``"E"``), dotted OIDs
        or ObjectIdentifiers; string types and bounds as :meth:`AttributeTypeAndValue.build`::

            Name.build([("C", "CN"), ("O", "Org"), [("CN", "a"), ("UID", "1")]])
        """
        if isinstance(attributes, (str, bytes)):
            raise TypeError("Name.build takes a list of (type, value) pairs")
        return cls(tuple(_build_rdn(item) for item in attributes))

    @classmethod
    def from_rfc4514(cls, text: str) -> "Name":
        """The Name an RFC 4514 string denotes, values built as :meth:`build` builds them;
        a ``#hex`` value is taken as the DER it spells, string type included."""
        return cls(tuple(RelativeDistinguishedName(tuple(_from_text(oid, value) for oid, value in rdn))
                         for rdn in parse_rfc4514(text)))

    @classmethod
    def from_openssl(cls, text: str) -> "Name":
        """The Name of an OpenSSL ``-subj`` string such as ``/C=CN/O=Org/CN=a+UID=1``, with the
        string types OpenSSL 3 gives it by default (``string_mask = utf8only``). The text is read
        as ``openssl req -utf8`` reads it (without ``-utf8`` OpenSSL takes each byte as Latin-1)."""
        return cls(tuple(RelativeDistinguishedName(tuple(AttributeTypeAndValue.build(oid, value)
                                                         for oid, value in rdn))
                         for rdn in parse_openssl(text)))

    @classmethod
    def from_der(cls, data: bytes) -> "Name":
        return load_der_name(data)

    # -- output --------------------------------------------------------------------------------

    def to_der(self) -> bytes:
        return self.raw

    def rfc4514(self) -> str:
        """RFC 4514 §2, e.g. ``CN=a,O=Org\\, Inc.,C=CN``; types other than the nine of the §3
        table are dotted OIDs (emailAddress is ``1.2.840.113549.1.9.1``), like pyca/cryptography."""
        return format_rfc4514(self.rdns)

    def openssl_oneline(self, escape_msb: bool = False) -> str:
        """What ``openssl x509 -noout -subject -nameopt oneline,-esc_msb,utf8`` prints after
        ``subject=``; with ``escape_msb=True`` exactly the ``-text`` Subject/Issuer line."""
        return format_openssl(self.rdns, escape_msb)

    # -- access --------------------------------------------------------------------------------

    def __iter__(self) -> Iterator[AttributeTypeAndValue]:
        return (attribute for rdn in self.rdns for attribute in rdn.attributes)

    def __len__(self) -> int:
        """The number of attributes (not of RDNs)."""
        return sum(len(rdn) for rdn in self.rdns)

    def get(self, attribute_type: str | ObjectIdentifier) -> list[str]:
        """The values of one attribute type, in order: ``name.get("OU")``, ``name.get("2.5.4.11")``."""
        oid = attribute_oid(attribute_type)
        return [attribute.value for attribute in self if attribute.oid == oid]

    @property
    def common_name(self) -> str | None:
        values = self.get(oids.OID_COMMON_NAME)
        return values[0] if values else None

    @property
    def organization(self) -> str | None:
        values = self.organizations
        return values[0] if values else None

    @property
    def organizations(self) -> list[str]:
        return self.get(oids.OID_ORGANIZATION_NAME)

    # -- comparison ----------------------------------------------------------------------------

    def matches(self, other: "Name") -> bool:
        """RFC 5280 §7.1: "Two distinguished names DN1 and DN2 match if they have the same number
        of RDNs, for each RDN in DN1 there is a matching RDN in DN2, and the matching RDNs appear
        in the same order in both DNs."

        Attributes match when their types are equal and, for character strings of any string type,
        their values are equal after RFC 4518 preparation (``name_text.prepare_string``: mapping,
        case folding, NFKC, insignificant spaces); other values compare by DER.
        """
        if not isinstance(other, Name):
            raise TypeError("matches() compares two Names")
        return self.comparison_key() == other.comparison_key()

    def comparison_key(self) -> tuple:
        """A hashable key, equal for two Names exactly when they :meth:`matches` (for dict lookups)."""
        key = self._key
        if key is None:
            # An RDN of one attribute (nearly all) is keyed without sorting: the same tuple.
            key = tuple((rdn.attributes[0].comparison_key(),) if len(rdn.attributes) == 1
                        else rdn.comparison_key() for rdn in self.rdns)
            object.__setattr__(self, "_key", key)
        return key

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Name):
            return NotImplemented
        return self.raw == other.raw

    def __hash__(self) -> int:
        return hash(self.raw)

    def __repr__(self) -> str:
        return f"Name({self.rfc4514()!r})"


def _build_rdn(item) -> RelativeDistinguishedName:
    if isinstance(item, AttributeTypeAndValue) or _is_pair(item):
        return RelativeDistinguishedName((_build_attribute(item),))
    if isinstance(item, (str, bytes)) or not isinstance(item, Iterable):
        raise TypeError(f"expected a (type, value) tuple or a list of them, not {item!r}")
    return RelativeDistinguishedName(tuple(_build_attribute(member) for member in item))


def _is_pair(item) -> bool:
    return isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)


def _build_attribute(item) -> AttributeTypeAndValue:
    if isinstance(item, AttributeTypeAndValue):
        return item
    if not _is_pair(item):
        raise TypeError(f"expected a (type, value) tuple, not {item!r}")
    return AttributeTypeAndValue.build(*item)


def _from_text(oid: ObjectIdentifier, value: str | bytes) -> AttributeTypeAndValue:
    if isinstance(value, bytes):
        return AttributeTypeAndValue.from_value_der(oid, value)
    return AttributeTypeAndValue.build(oid, value)


# -- DER ---------------------------------------------------------------------------------------


def read_name(reader: Reader, name: str = "name") -> Name:
    """The next element of ``reader`` as a Name (RFC 5280 §4.1.2.4), keeping its exact bytes."""
    plain = _read_plain_name(reader)
    if plain is not None:
        return plain
    sequence = reader.read_sequence(name)
    rdns = []
    while sequence.pos < sequence.end:
        rdns.append(_read_rdn(sequence, len(rdns)))
    return parsed(Name, tuple(rdns), sequence.element_bytes, None)


def _read_plain_name(reader: Reader) -> Name | None:
    """The common Name read from the octets, without a reader of its own: a SEQUENCE with a
    minimal header (short_header) of RDNs that :func:`_plain_rdns` reads, at a depth where the
    general reading could not reach the limit (the sequence, an RDN and its attribute nest
    three levels: Reader.max_depth). None (nothing read) for anything else; the general
    reading then reads it all. The same Name either way."""
    data, pos, end = reader.data, reader.pos, reader.end
    if pos >= end or data[pos] != 0x30 or reader.depth + 3 > reader.max_depth:
        return None
    bounds = short_header(data, pos, end)
    rdns = None if bounds is None else _plain_rdns(data, bounds[0], bounds[1])
    if rdns is None:
        return None
    reader.pos = bounds[1]
    return _new_name(rdns, data[pos:bounds[1]], None)


def _plain_rdns(data: bytes, pos: int, end: int) -> tuple[RelativeDistinguishedName, ...] | None:
    """The RDNs that fill ``data[pos:end]`` when each is the common one: ``SET { SEQUENCE {
    OBJECT IDENTIFIER, string } }`` with one attribute (so no order to check), short-form
    lengths, an OID seen before and a string the strict decoder accepts. None for anything
    else, which :func:`_read_rdn` then reads (and refuses with an exact error where it must);
    the two give the same value for every input this accepts."""
    rdns = []
    while pos < end:
        if pos + 8 > end or data[pos] != 0x31 or data[pos + 2] != 0x30 or data[pos + 4] != 0x06:
            return None
        rdn_end = pos + 2 + data[pos + 1]
        oid_end = pos + 6 + data[pos + 5]
        if (data[pos + 1] | data[pos + 3] | data[pos + 5]) >= 0x80 or rdn_end > end \
                or pos + 4 + data[pos + 3] != rdn_end or oid_end + 2 > rdn_end:
            return None
        oid = decoded_oid(data[pos + 6:oid_end])
        tag, length = data[oid_end], data[oid_end + 1]
        if oid is None or tag not in STRING_TYPES or length >= 0x80 or oid_end + 2 + length != rdn_end:
            return None
        try:
            value = PRIMITIVE_DECODERS[tag](data, oid_end + 2, rdn_end, ())   # a string type
        except DecodeError:
            return None
        rdns.append(_new_rdn((_new_attribute(oid, value, tag, data[oid_end:rdn_end]),)))
        pos = rdn_end
    return tuple(rdns)


_new_attribute = maker(AttributeTypeAndValue)
_new_rdn = maker(RelativeDistinguishedName)
_new_name = maker(Name)


def write_name(writer: Writer, name: Name) -> None:
    """Write ``name`` as it came: its exact DER."""
    if not isinstance(name, Name):
        raise TypeError("write_name needs a Name")
    writer.write_raw(name.raw)


def load_der_name(data: bytes) -> Name:
    """A Name from exactly one DER element (no trailing bytes)."""
    reader = Reader(data)
    name = read_name(reader)
    reader.finish()
    return name
