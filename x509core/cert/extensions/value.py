"""What every typed extension value shares: reading, writing and OpenSSL-style text.

An extension carries its value as the contents of ``extnValue OCTET STRING`` (RFC 5280 §4.1).
Each typed value (``BasicConstraints``, ``KeyUsage``, ...) is a frozen dataclass that subclasses
:class:`ExtensionValue` and implements

- ``read_value(reader)``: read the value from a :class:`Reader` over the extnValue contents. The
  reader shares the certificate's buffer, so errors carry offsets into the certificate; the
  caller calls ``reader.finish()`` afterwards (no trailing octets, X.690 §8.1.1).
- ``write_value(writer)``: write the same value back; ``encode(decode(b)) == b``.
- ``text_lines()``: the value as ``openssl x509 -text`` prints it. OpenSSL prints with an indent of
  16 spaces; the lines here drop those 16 spaces (the caller adds them back), and keep OpenSSL's
  line breaks exactly, including the places where it runs two items into one line.

Two values are not typed: :class:`UnrecognizedExtension`, the extnValue of an extnID this library
does not know, kept unread (RFC 5280 §4.2: opaque, as Go's ``crypto/x509`` keeps it), and
:class:`MalformedExtension`, a known extnValue its typed reader refused (a finding; see
:mod:`x509core.cert.extensions`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from x509core.cert.names.general_name_text import ascii_print
from x509core.der import ObjectIdentifier, Reader, Writer
from x509core.der.tags import Tag
from x509core.errors import DecodeError, InvalidValue, NonCanonicalEncoding

__all__ = ["ExtensionValue", "UnrecognizedExtension", "MalformedExtension", "INDENT",
           "openssl_lines", "val_prn", "hex_colon", "openssl_integer", "read_implicit_default_false",
           "write_implicit_boolean", "non_negative", "tuple_of"]

INDENT = 16                  # where OpenSSL's x509 -text starts an extension's value


class ExtensionValue:
    """Base of the typed extension values: ``from_der``/``to_der`` over ``read_value``/``write_value``."""

    __slots__ = ()
    oid: ClassVar[ObjectIdentifier]
    # (must the extension be critical?, citation) when RFC 5280 fixes the flag; None otherwise.
    criticality: ClassVar[tuple[bool, str] | None] = None

    @classmethod
    def read_value(cls, reader: Reader):
        raise NotImplementedError

    def write_value(self, writer: Writer) -> None:
        raise NotImplementedError

    def text_lines(self) -> list[str]:
        raise NotImplementedError

    @classmethod
    def from_der(cls, data: bytes):
        """The value from extnValue contents ``data``: exactly one value, strict DER."""
        reader = Reader(data)
        value = cls.read_value(reader)
        reader.finish()
        return value

    def to_der(self) -> bytes:
        """The extnValue contents of this value."""
        writer = Writer()
        self.write_value(writer)
        return writer.to_bytes()


# -- the values of extensions no typed reader reads ------------------------------------------

@dataclass(frozen=True, slots=True)
class UnrecognizedExtension(ExtensionValue):
    """The extnValue contents of an extension this library does not interpret, kept as they are."""

    oid: ObjectIdentifier
    raw_value: bytes

    def __post_init__(self) -> None:
        object.__setattr__(self, "oid", ObjectIdentifier(self.oid))
        if not isinstance(self.raw_value, bytes):
            raise TypeError("raw_value must be bytes")

    @property
    def is_der(self) -> bool:
        """Whether the contents are exactly one DER element, as RFC 5280 §4.1 asks."""
        try:
            reader = Reader(self.raw_value)
            reader.read_any()
            reader.finish()
        except DecodeError:
            return False
        return True

    def write_value(self, writer: Writer) -> None:
        writer.write_raw(self.raw_value)

    def to_der(self) -> bytes:
        return self.raw_value

    def text_lines(self) -> list[str]:
        # OpenSSL prints an extension it cannot parse with ASN1_STRING_print (v3_prn.c).
        return [ascii_print(self.raw_value)]


@dataclass(frozen=True, slots=True)
class MalformedExtension(ExtensionValue):
    """A known extension whose extnValue its typed reader refused, kept as it is.

    ``error`` is the refusal (with its rule and offset), also recorded as the certificate's
    finding. Asking a certificate for this extension's value raises :class:`InvalidValue`: code
    that needs the value must not mistake a broken extension for an absent one.
    """

    oid: ObjectIdentifier
    raw_value: bytes
    error: str

    def write_value(self, writer: Writer) -> None:
        writer.write_raw(self.raw_value)

    def to_der(self) -> bytes:
        return self.raw_value

    def text_lines(self) -> list[str]:
        return [f"<malformed: {self.error}>", ascii_print(self.raw_value)]


# -- text as OpenSSL prints it ------------------------------------------------------------------

def openssl_lines(text: str) -> list[str]:
    """Split OpenSSL-style output printed at indent :data:`INDENT` into lines without it."""
    pad = " " * INDENT
    return [line[INDENT:] if line.startswith(pad) else line.lstrip(" ") for line in text.split("\n")]


def val_prn(values: list[str], multiline: bool) -> str:
    """OpenSSL's ``X509V3_EXT_val_prn``: items joined by ", ", or one per line."""
    pad = " " * INDENT
    if not values:
        return pad + "<EMPTY>\n"
    if multiline:
        return "\n".join(pad + value for value in values)
    return pad + ", ".join(values)


def hex_colon(data: bytes) -> str:
    """OpenSSL's ``i2s_ASN1_OCTET_STRING``: ``0F:42:82``."""
    return ":".join(f"{b:02X}" for b in data)


def openssl_integer(value: int) -> str:
    """OpenSSL's ``i2s_ASN1_INTEGER``: decimal below 2^128, else ``0x`` and the octets in hex."""
    if abs(value).bit_length() < 128:
        return str(value)
    magnitude = abs(value)
    digits = magnitude.to_bytes((magnitude.bit_length() + 7) // 8, "big").hex().upper()
    return ("-0x" if value < 0 else "0x") + digits


# -- small shared readers and checks ------------------------------------------------------------

def read_implicit_default_false(reader: Reader, number: int, name: str) -> bool:
    """``[number] IMPLICIT BOOLEAN DEFAULT FALSE``: absent is FALSE, an encoded FALSE is not DER."""
    if not reader.peek_is(Tag(2, False, number)):
        return False
    start = reader.pos
    if not reader.read_implicit_value(number, 1, name):
        # X.690 §11.5: a component equal to its DEFAULT value shall not be encoded.
        raise NonCanonicalEncoding("DEFAULT value FALSE encoded (X.690 §11.5)", start,
                                   reader.path + (name,))
    return True


def write_implicit_boolean(writer: Writer, number: int, value: bool) -> None:
    """``[number] IMPLICIT BOOLEAN DEFAULT FALSE``: written only when TRUE."""
    if value:
        writer.write_implicit_primitive(number, b"\xff")


def non_negative(value, what: str, *, optional: bool = False) -> None:
    """Check an ``INTEGER (0..MAX)`` field."""
    if value is None and optional:
        return
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{what} must be an int")
    if value < 0:
        raise InvalidValue(f"{what} must be >= 0 (INTEGER (0..MAX))")


def tuple_of(values, kind, what: str, *, non_empty: bool = True) -> tuple:
    """``values`` as a tuple of ``kind``; non-empty for ``SIZE (1..MAX)``."""
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{what} must be a sequence of {kind.__name__}")
    values = tuple(values)
    if non_empty and not values:
        raise InvalidValue(f"{what} must not be empty (SIZE (1..MAX))")
    for value in values:
        if not isinstance(value, kind):
            raise TypeError(f"{what} holds {type(value).__name__}, not {kind.__name__}")
    return values
