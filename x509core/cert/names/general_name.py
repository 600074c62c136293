"""GeneralName, the CHOICE of name forms that extensions carry. RFC 5280 §4.2.1.6::

    GeneralName ::= CHOICE {
         otherName                       [0]     OtherName,
         rfc822Name                      [1]     IA5String,
         dNSName                         [2]     IA5String,
         x400Address                     [3]     ORAddress,
         directoryName                   [4]     Name,
         ediPartyName                    [5]     EDIPartyName,
         uniformResourceIdentifier       [6]     IA5String,
         iPAddress                       [7]     OCTET STRING,
         registeredID                    [8]     OBJECT IDENTIFIER }

    GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName

Each alternative is a class here; x400Address and ediPartyName are kept as their checked DER.
:mod:`x509core.cert.names.general_name_der` reads and writes them (RFC 5280 Appendix A.2's
IMPLICIT TAGS, directoryName [4] EXPLICIT).

``text()`` renders a name as OpenSSL's ``i2v_GENERAL_NAME`` does (subjectAltName and most lists);
:func:`general_name_print` renders it as ``GENERAL_NAME_print`` does (name constraints, CRL
distribution points); the printers are in :mod:`x509core.cert.names.general_name_text`. Neither
checks DNS or URI syntax: path validation does (RFC 5280 §7).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import ClassVar, Union

from x509core.cert.names.general_name_text import (ascii_print, openssl_ip, openssl_object_name,
                                             other_name_print, other_name_text, x509_name_oneline)
from x509core.cert.names.name import Name
from x509core.der import ObjectIdentifier, Reader
from x509core.der.tags import Tag
from x509core.safe_text import escape_controls
from x509core.errors import DecodeError, InvalidValue

__all__ = [
    "GeneralName", "OtherName", "RFC822Name", "DNSName", "DirectoryName",
    "UniformResourceIdentifier", "IPAddress", "RegisteredID", "UnsupportedGeneralName",
    "general_name_print", "check_general_names",
]

IPValue = Union[ipaddress.IPv4Address, ipaddress.IPv6Address, ipaddress.IPv4Network,
                ipaddress.IPv6Network]


def _check_ia5(value: str, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str")
    if any(ord(c) > 0x7F for c in value):
        raise InvalidValue(f"{what} must be an IA5String: 7-bit characters only (X.680 §41.2)")
    return value


@dataclass(frozen=True, slots=True)
class OtherName:
    """A name of a type identified by an OID. RFC 5280 §4.2.1.6::

        OtherName ::= SEQUENCE {
             type-id    OBJECT IDENTIFIER,
             value      [0] EXPLICIT ANY DEFINED BY type-id }

    ``value_der`` is the complete DER of the value inside [0] (for example a UTF8String).
    """

    tag_number: ClassVar[int] = 0
    type_id: ObjectIdentifier
    value_der: bytes

    def __post_init__(self) -> None:
        object.__setattr__(self, "type_id", ObjectIdentifier(self.type_id))
        if not isinstance(self.value_der, bytes):
            raise TypeError("OtherName value_der must be bytes")
        try:
            reader = Reader(self.value_der)
            reader.read_any("value")
            reader.finish()
        except DecodeError as exc:
            raise InvalidValue(f"OtherName value must be one DER element: {exc}") from None

    def text(self) -> str:
        return other_name_text(self.type_id, self.value_der)

    def print_text(self) -> str:
        return other_name_print(self.type_id, self.value_der)


@dataclass(frozen=True, slots=True)
class RFC822Name:
    """An Internet mail address (RFC 5280 §4.2.1.6), kept exactly as written."""

    tag_number: ClassVar[int] = 1
    value: str

    def __post_init__(self) -> None:
        _check_ia5(self.value, "rfc822Name")

    def text(self) -> str:
        return f"email:{escape_controls(self.value)}"

    def print_text(self) -> str:
        return "email:" + ascii_print(self.value.encode("ascii"))


@dataclass(frozen=True, slots=True)
class DNSName:
    """A DNS name (RFC 5280 §4.2.1.6), kept exactly as written; syntax is checked in path
    validation, not here."""

    tag_number: ClassVar[int] = 2
    value: str

    def __post_init__(self) -> None:
        _check_ia5(self.value, "dNSName")

    def text(self) -> str:
        return f"DNS:{escape_controls(self.value)}"

    def print_text(self) -> str:
        return "DNS:" + ascii_print(self.value.encode("ascii"))


@dataclass(frozen=True, slots=True)
class UniformResourceIdentifier:
    """A URI (RFC 5280 §4.2.1.6, RFC 3986), kept exactly as written."""

    tag_number: ClassVar[int] = 6
    value: str

    def __post_init__(self) -> None:
        _check_ia5(self.value, "uniformResourceIdentifier")

    def text(self) -> str:
        return f"URI:{escape_controls(self.value)}"

    def print_text(self) -> str:
        return "URI:" + ascii_print(self.value.encode("ascii"))


@dataclass(frozen=True, slots=True)
class DirectoryName:
    """A distinguished name, ``directoryName [4] Name`` (EXPLICIT: Name is a CHOICE)."""

    tag_number: ClassVar[int] = 4
    name: Name

    def __post_init__(self) -> None:
        if not isinstance(self.name, Name):
            raise TypeError("DirectoryName needs a Name")

    def text(self) -> str:
        return "DirName:" + x509_name_oneline(self.name)

    def print_text(self) -> str:
        return "DirName:" + self.name.openssl_oneline(escape_msb=True)


@dataclass(frozen=True, slots=True)
class IPAddress:
    """``iPAddress [7] OCTET STRING``: an address, or in name constraints an address range.

    RFC 5280 §4.2.1.6: four octets (IPv4) or sixteen (IPv6) in network byte order; §4.2.1.10:
    in name constraints eight or thirty-two octets, an address and a mask "in the style of
    RFC 4632 (CIDR)", read here as an ``IPv4Network``/``IPv6Network``.
    """

    tag_number: ClassVar[int] = 7
    value: IPValue

    def __post_init__(self) -> None:
        if not isinstance(self.value, (ipaddress.IPv4Address, ipaddress.IPv6Address,
                                       ipaddress.IPv4Network, ipaddress.IPv6Network)):
            raise TypeError("IPAddress needs an ipaddress address or network")

    @property
    def is_range(self) -> bool:
        """True for an address and mask (the name-constraints form)."""
        return isinstance(self.value, (ipaddress.IPv4Network, ipaddress.IPv6Network))

    @property
    def octets(self) -> bytes:
        if self.is_range:
            return self.value.network_address.packed + self.value.netmask.packed
        return self.value.packed

    def text(self) -> str:
        return "IP Address:" + openssl_ip(self.octets)

    def print_text(self) -> str:
        if self.is_range:       # v3_ncons.c print_nc_ipadd
            half = len(self.octets) // 2
            return f"IP:{openssl_ip(self.octets[:half])}/{openssl_ip(self.octets[half:])}"
        return self.text()


@dataclass(frozen=True, slots=True)
class RegisteredID:
    """``registeredID [8] OBJECT IDENTIFIER`` (RFC 5280 §4.2.1.6)."""

    tag_number: ClassVar[int] = 8
    oid: ObjectIdentifier

    def __post_init__(self) -> None:
        object.__setattr__(self, "oid", ObjectIdentifier(self.oid))

    def text(self) -> str:
        return "Registered ID:" + openssl_object_name(self.oid)

    def print_text(self) -> str:
        return self.text()


@dataclass(frozen=True, slots=True)
class UnsupportedGeneralName:
    """x400Address [3] or ediPartyName [5], kept as its complete, DER-checked encoding."""

    tag_number: int
    raw: bytes

    def __post_init__(self) -> None:
        if self.tag_number not in (3, 5):
            raise InvalidValue("only x400Address [3] and ediPartyName [5] are kept raw")
        try:
            reader = Reader(self.raw)
            if not reader.peek_is(Tag(2, True, self.tag_number)):
                raise InvalidValue(f"raw must be a constructed [{self.tag_number}] element")
            reader.read_any()
            reader.finish()
        except DecodeError as exc:
            raise InvalidValue(f"raw must be one DER element: {exc}") from None

    def text(self) -> str:
        return ("X400Name" if self.tag_number == 3 else "EdiPartyName") + ":<unsupported>"

    def print_text(self) -> str:
        return self.text()


GeneralName = Union[OtherName, RFC822Name, DNSName, DirectoryName, UniformResourceIdentifier,
                    IPAddress, RegisteredID, UnsupportedGeneralName]
_CLASSES = (OtherName, RFC822Name, DNSName, DirectoryName, UniformResourceIdentifier, IPAddress,
            RegisteredID, UnsupportedGeneralName)


def general_name_print(gn: GeneralName) -> str:
    """``gn`` as OpenSSL's ``GENERAL_NAME_print`` shows it (name constraints, CRL DPs)."""
    return gn.print_text()


def check_general_names(names, what: str, *, address_range: bool = False) -> tuple:
    """``names`` as a non-empty tuple of GeneralName; iPAddress ranges only if ``address_range``."""
    names = tuple(names)
    if not names:
        raise InvalidValue(f"{what} must hold at least one GeneralName (SIZE (1..MAX))")
    for gn in names:
        if not isinstance(gn, _CLASSES):
            raise TypeError(f"{what} holds {type(gn).__name__}, not a GeneralName")
        if isinstance(gn, IPAddress) and gn.is_range != address_range:
            form = "an address and mask" if address_range else "a single address"
            raise InvalidValue(f"iPAddress in {what} must be {form} (RFC 5280 §4.2.1.6, §4.2.1.10)")
    return names
