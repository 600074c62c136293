"""GeneralName and GeneralNames in DER: reading and writing. RFC 5280 §4.2.1.6.

The ASN.1 (``GeneralName ::= CHOICE { otherName [0] ... registeredID [8] }``, ``GeneralNames``)
heads :mod:`x509core.cert.names.general_name`, whose classes are the values read and written
here. The module is IMPLICIT TAGS (RFC 5280 Appendix A.2), so each alternative replaces the tag of
its type, except directoryName: Name is an untagged CHOICE, which is tagged explicitly even in an
IMPLICIT TAGS module (X.680 (08/2015) §31.2.7 c), so [4] is EXPLICIT. x400Address and
ediPartyName are kept as their checked DER. In name constraints an iPAddress is an address and
a mask (RFC 5280 §4.2.1.10).

The commonest names, IA5String ones and addresses, are read straight from the octets
(:func:`simple_general_name`, :func:`simple_general_names`), which give what the general reading
gives for every input they accept (tests/cert/reading/test_parse_fast_paths.py).
"""

from __future__ import annotations

import ipaddress

from x509core.cert._parsed import maker, parsed
from x509core.cert.names.general_name import (DirectoryName, DNSName, GeneralName, IPAddress,
                                              OtherName, RegisteredID, RFC822Name,
                                              UniformResourceIdentifier, UnsupportedGeneralName)
from x509core.cert.names.name import read_name, write_name
from x509core.der import Reader, Writer
from x509core.der.oid import encode_oid_content
from x509core.der.tags import Tag
from x509core.errors import DecodeError, InvalidValue, Truncated, UnexpectedTag

__all__ = ["read_general_name", "write_general_name", "read_general_names", "write_general_names",
           "simple_general_name", "simple_general_names"]


# -- reading ---------------------------------------------------------------------------------

_ALTERNATIVES = ("otherName", "rfc822Name", "dNSName", "x400Address", "directoryName",
                 "ediPartyName", "uniformResourceIdentifier", "iPAddress", "registeredID")


def read_general_name(reader: Reader, name: str | None = None, *,
                      address_range: bool = False) -> GeneralName:
    """One GeneralName. ``address_range``: iPAddress is an address and mask (name constraints)."""
    simple = simple_general_name(reader.data, reader.pos, reader.end, not address_range)
    if simple is not None:
        reader.pos = simple[1]
        return simple[0]
    tag = reader.peek_tag()
    if tag is None:
        reader.fail(Truncated, "missing GeneralName: the input ends here")
    if tag.tag_class != 2 or tag.number > 8:
        reader.fail(UnexpectedTag, f"expected a GeneralName [0]..[8], found {tag}")
    label = name or _ALTERNATIVES[tag.number]
    if tag.number == 7:
        return _read_ip_address(reader, label, address_range)
    return _READERS[tag.number](reader, label)


def simple_general_name(data: bytes, pos: int, end: int,
                        addresses: bool = True) -> tuple[GeneralName, int] | None:
    """The commonest GeneralNames read straight from ``data[pos:end]``: an rfc822Name, dNSName
    or uniformResourceIdentifier (IA5String allows exactly the octets below 0x80, X.680 §41.2:
    ``isascii()``), or an iPAddress of 4 or 16 octets (an address, RFC 5280 §4.2.1.6), each
    with a short length. Returns the name and the position after it, or None for anything
    else, which :func:`read_general_name` reads (and refuses where it must) the general way;
    the two give the same value for every input this accepts. ``addresses=False`` leaves
    iPAddress to the general reading (in name constraints it is a range)."""
    if pos + 1 >= end or data[pos + 1] >= 0x80 or pos + 2 + data[pos + 1] > end:
        return None
    value_end = pos + 2 + data[pos + 1]
    ia5 = _IA5_NAMES.get(data[pos])
    if ia5 is not None:
        value = data[pos + 2:value_end]
        return (ia5(value.decode("ascii")), value_end) if value.isascii() else None
    if data[pos] == 0x87 and addresses:
        address = _IP_ADDRESSES.get(data[pos + 1])
        if address is not None:
            return _new_ip_address(address(data[pos + 2:value_end])), value_end
    return None


def simple_general_names(data: bytes, pos: int, end: int,
                         nonempty: bool = False) -> list[GeneralName] | None:
    """The GeneralNames that fill ``data[pos:end]`` exactly, each read by
    :func:`simple_general_name` (``nonempty``: and none an empty IA5String name); None when
    any is not. The IA5String names, the commonest, are read here as that function reads them
    (the same checks, without a call and a tuple per name); the others go through it."""
    names, ia5_names = [], _IA5_NAMES
    while pos < end:
        make = ia5_names.get(data[pos])
        if make is not None and pos + 1 < end and data[pos + 1] < 0x80:
            value_end = pos + 2 + data[pos + 1]
            value = data[pos + 2:value_end]
            if value_end > end or not value.isascii() or nonempty and not value:
                return None
            names.append(make(value.decode("ascii")))
            pos = value_end
            continue
        simple = simple_general_name(data, pos, end)
        if simple is None:
            return None
        names.append(simple[0])
        pos = simple[1]
    return names


def _read_other_name(reader: Reader, name: str) -> OtherName:
    seq = reader.read_implicit(0, True, name)
    type_id = seq.read_oid("type-id")
    inner = seq.read_explicit(0, "value")
    value = inner.read_any()
    inner.finish()
    seq.finish()
    return parsed(OtherName, type_id, value)           # value: one element, DER-checked


def _ia5_reader(cls):
    def read(reader: Reader, name: str):
        # The IA5String decoder admits 7-bit characters only, as __post_init__ asks.
        return parsed(cls, str(reader.read_implicit_value(cls.tag_number, 22, name)))
    return read


def _read_directory_name(reader: Reader, name: str) -> DirectoryName:
    inner = reader.read_explicit(4, name)
    value = read_name(inner, "name")
    inner.finish()
    return parsed(DirectoryName, value)


def _read_unsupported(number: int):
    def read(reader: Reader, name: str) -> UnsupportedGeneralName:
        if not reader.peek_is(Tag(2, True, number)):
            reader.read_implicit(number, True, name)    # raises the reader's wrong-form error
        return UnsupportedGeneralName(number, reader.read_any(name))
    return read


def _read_registered_id(reader: Reader, name: str) -> RegisteredID:
    return parsed(RegisteredID, reader.read_implicit_value(8, 6, name))


def _read_ip_address(reader: Reader, name: str, address_range: bool) -> IPAddress:
    start = reader.pos
    octets = reader.read_implicit_value(7, 4, name)
    if not address_range:
        if len(octets) not in (4, 16):
            # RFC 5280 §4.2.1.6: "the octet string MUST contain exactly four octets" (IPv4)
            # or "exactly sixteen octets" (IPv6).
            raise DecodeError(f"iPAddress of {len(octets)} octets, not 4 or 16 (RFC 5280 §4.2.1.6)",
                              start, reader.path + (name,))
        address = ipaddress.IPv4Address(octets) if len(octets) == 4 else ipaddress.IPv6Address(octets)
        return parsed(IPAddress, address)
    if len(octets) not in (8, 32):
        # RFC 5280 §4.2.1.10: "the iPAddress field of GeneralName MUST contain eight (8) octets"
        # for IPv4 and "thirty-two (32) octets" for IPv6.
        raise DecodeError(f"iPAddress range of {len(octets)} octets, not 8 or 32 (RFC 5280 §4.2.1.10)",
                          start, reader.path + (name,))
    return parsed(IPAddress, _network(octets, start, reader.path + (name,)))


def _network(octets: bytes, start: int, path) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    half = len(octets) // 2
    address, mask = int.from_bytes(octets[:half], "big"), int.from_bytes(octets[half:], "big")
    bits = 8 * half
    prefix = bits - (((1 << bits) - 1 - mask).bit_length())
    if mask != ((1 << bits) - 1) ^ ((1 << (bits - prefix)) - 1):
        raise DecodeError("iPAddress mask is not contiguous (RFC 4632 §3.1, RFC 5280 §4.2.1.10)",
                          start, path)
    if address & ~mask:
        raise DecodeError("iPAddress range has address bits outside its mask (RFC 4632 §3.1, "
                          "RFC 5280 §4.2.1.10)", start, path)
    return ipaddress.ip_network((octets[:half], prefix))


_READERS = {
    0: _read_other_name, 1: _ia5_reader(RFC822Name), 2: _ia5_reader(DNSName),
    3: _read_unsupported(3), 4: _read_directory_name, 5: _read_unsupported(5),
    6: _ia5_reader(UniformResourceIdentifier), 8: _read_registered_id,
}


# The identifier octet of [1], [2] and [6] IMPLICIT IA5String -> a maker of that name.
_IA5_NAMES = {0x80 | cls.tag_number: maker(cls) for cls in (RFC822Name, DNSName, UniformResourceIdentifier)}
# The length of an iPAddress that is an address (RFC 5280 §4.2.1.6) -> its ipaddress class.
_IP_ADDRESSES = {4: ipaddress.IPv4Address, 16: ipaddress.IPv6Address}
_new_ip_address = maker(IPAddress)


def read_general_names(reader: Reader, name: str = "", *, implicit: int | None = None,
                       address_range: bool = False) -> tuple[GeneralName, ...]:
    """``GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName``, or ``[implicit] GeneralNames``."""
    seq = reader.read_sequence(name) if implicit is None else reader.read_implicit(implicit, True, name)
    return seq.read_items(
        lambda r, index: read_general_name(r, index, address_range=address_range),
        "GeneralNames must hold at least one name (SIZE (1..MAX), RFC 5280 §4.2.1.6)")


# -- writing ---------------------------------------------------------------------------------

def write_general_name(writer: Writer, gn: GeneralName) -> None:
    """One GeneralName, as :func:`read_general_name` reads it."""
    if isinstance(gn, (RFC822Name, DNSName, UniformResourceIdentifier)):
        writer.write_implicit_primitive(gn.tag_number, gn.value.encode("ascii"))
    elif isinstance(gn, DirectoryName):
        with writer.explicit(4):
            write_name(writer, gn.name)
    elif isinstance(gn, IPAddress):
        writer.write_implicit_primitive(7, gn.octets)
    elif isinstance(gn, RegisteredID):
        writer.write_implicit_primitive(8, encode_oid_content(gn.oid))
    elif isinstance(gn, OtherName):
        with writer.implicit_constructed(0):
            writer.write_oid(gn.type_id)
            with writer.explicit(0):
                writer.write_raw(gn.value_der)
    elif isinstance(gn, UnsupportedGeneralName):
        writer.write_raw(gn.raw)
    else:
        raise TypeError(f"not a GeneralName: {type(gn).__name__}")


def write_general_names(writer: Writer, names, *, implicit: int | None = None) -> None:
    """GeneralNames (a SEQUENCE, or ``[implicit]``); at least one name (SIZE (1..MAX))."""
    if not names:
        raise InvalidValue("GeneralNames must hold at least one name (RFC 5280 §4.2.1.6)")
    frame = writer.sequence() if implicit is None else writer.implicit_constructed(implicit)
    with frame:
        for gn in names:
            write_general_name(writer, gn)
