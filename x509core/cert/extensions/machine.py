"""The seed system's machine-binding extensions (../shared/seed.md, ../shared/interop/README.md).

The seed system (a Rust service on OpenSSL) binds a client certificate to one machine with two
private, non-critical extensions under its arc ``1.3.6.1.4.15967132172``: ``.1`` the machine
identifier and ``.2`` the MAC address. It writes the identifier's ASCII octets directly as the
extnValue contents, with no inner DER (``openssl asn1parse`` shows the OCTET STRING as text), for
example ``c417aa4802b3441d931c135cbdaab367`` and ``18:c0:4d:fa:c0:a8``.

Read here: that raw form, and a value wrapped in one DER UTF8String, IA5String or OCTET STRING
(first octet 0x0C, 0x16 or 0x04; printable ASCII never starts with these, so the two readings
cannot be confused). Written: the raw form by default, so that certificates interoperate with
the seed system both ways; ``encoding`` keeps the form that was read, so re-encoding is exact.
The value is always 1..256 octets of printable ASCII (0x20..0x7E).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from x509core.cert._parsed import parsed
from x509core.cert.extensions.value import ExtensionValue
from x509core.cert.oids import OID_MAC_ADDRESS, OID_MACHINE_IDENTITY
from x509core.der import ObjectIdentifier, Reader, Writer
from x509core.der.tags import Tag
from x509core.errors import DecodeError, InvalidValue

__all__ = ["MachineIdentity", "MacAddress", "MACHINE_BINDING_ENCODINGS"]

# encoding -> universal tag number of the wrapping DER element (None: raw octets)
MACHINE_BINDING_ENCODINGS = {"raw": None, "utf8": 12, "ia5": 22, "octet": 4}
_WRAPPED = {12: "utf8", 22: "ia5", 4: "octet"}
_MAX_OCTETS = 256


_PRINTABLE_ASCII = bytes(range(0x20, 0x7F))


def _first_bad_octet(data: bytes) -> int | None:
    """The index of the first octet outside printable ASCII, or None."""
    if not data.translate(None, _PRINTABLE_ASCII):     # nothing left once those are deleted
        return None
    return next(i for i, b in enumerate(data) if not 0x20 <= b <= 0x7E)


@dataclass(frozen=True, slots=True)
class _MachineBinding(ExtensionValue):
    """An identifier in one of the four forms of :data:`MACHINE_BINDING_ENCODINGS`."""

    # The seed system marks both extensions non-critical; marked critical, they would make every
    # relying party that does not know them refuse the certificate (RFC 5280 §4.2).
    criticality: ClassVar = (False, "the seed system's machine binding "
                                    "(x509core.cert.extensions.machine)")
    value: str
    encoding: str = "raw"

    def __post_init__(self) -> None:
        if not isinstance(self.value, str):
            raise TypeError(f"{type(self).__name__} value must be a str")
        if self.encoding not in MACHINE_BINDING_ENCODINGS:
            raise InvalidValue(f"encoding must be one of {', '.join(MACHINE_BINDING_ENCODINGS)}")
        octets = self.value.encode("utf-8")
        if not 1 <= len(octets) <= _MAX_OCTETS or _first_bad_octet(octets) is not None:
            raise InvalidValue(f"{type(self).__name__} must be 1..{_MAX_OCTETS} printable ASCII "
                               "characters (0x20..0x7E)")

    @classmethod
    def read_value(cls, reader: Reader):
        name = cls.__name__
        first = reader.data[reader.pos] if reader.pos < reader.end else None
        if first in _WRAPPED:
            content = reader.read(Tag(0, False, first), name)     # exactly one DER element
            start, end, encoding = content.pos, content.end, _WRAPPED[first]
        else:
            # Deviation: extnValue "contains the DER encoding of an ASN.1 value" (RFC 5280 §4.1);
            # the seed system writes the bare ASCII octets instead, and they are read as they are.
            start, end, encoding = reader.pos, reader.end, "raw"
            reader.pos = reader.end
        octets = reader.data[start:end]
        _check_octets(octets, start, reader, name)
        return parsed(cls, octets.decode("ascii"), encoding)    # checked as __post_init__ checks

    def write_value(self, writer: Writer) -> None:
        octets = self.value.encode("ascii")
        tag_number = MACHINE_BINDING_ENCODINGS[self.encoding]
        if tag_number is None:
            # Deviation: the raw form (no inner DER), as the seed system writes it; see read_value.
            writer.write_raw(octets)
        else:
            writer.write_tlv(Tag(0, False, tag_number), octets)

    def text_lines(self) -> list[str]:
        return [self.value]


def _check_octets(data: bytes, start: int, reader: Reader, name: str) -> None:
    if not data:
        raise DecodeError(f"empty {name}", start, reader.path + (name,))
    if len(data) > _MAX_OCTETS:
        raise DecodeError(f"{name} longer than {_MAX_OCTETS} octets", start, reader.path + (name,))
    bad = _first_bad_octet(data)
    if bad is not None:
        raise DecodeError(f"{name} octet 0x{data[bad]:02x} is not printable ASCII (0x20..0x7E)",
                          start + bad, reader.path + (name,))


@dataclass(frozen=True, slots=True)
class MachineIdentity(_MachineBinding):
    """The identifier of the one machine a client certificate is bound to (seed system).

    OID ``1.3.6.1.4.15967132172.1``; extnValue contents: the identifier's ASCII octets (raw form)
    or one of ``UTF8String``, ``IA5String``, ``OCTET STRING`` holding them.
    """

    oid: ClassVar[ObjectIdentifier] = OID_MACHINE_IDENTITY


@dataclass(frozen=True, slots=True)
class MacAddress(_MachineBinding):
    """The MAC address of the machine a client certificate is bound to (seed system), kept as
    written (for example ``18:c0:4d:fa:c0:a8``).

    OID ``1.3.6.1.4.15967132172.2``; extnValue contents as for :class:`MachineIdentity`.
    """

    oid: ClassVar[ObjectIdentifier] = OID_MAC_ADDRESS
