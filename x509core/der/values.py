"""Python values for the ASN.1 types that have no exact built-in counterpart.

The generic decoder (:func:`x509core.der.decode`) returns these so that :func:`x509core.der.encode`
can give back the same bytes: a ``PrintableString`` must not come back as a ``UTF8String``.

- :class:`BitString` (X.690 §8.6), with named-bit helpers (X.680 §22, X.690 §11.2.2)
- :class:`Enumerated`, an ``int`` that encodes as ENUMERATED (X.690 §8.4)
- the restricted character string types, ``str`` subclasses (X.680 §41)
- :class:`Set`, a ``list`` that encodes as SET OF (X.690 §11.6)
- :class:`Tagged`, any element of a tag the decoder does not interpret
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from x509core.errors import InvalidValue

__all__ = [
    "BitString", "Enumerated", "Set", "Tagged", "RestrictedString", "UTF8String",
    "PrintableString", "IA5String", "NumericString", "VisibleString", "TeletexString",
    "BMPString", "UniversalString", "PRINTABLE_CHARACTERS",
]


@dataclass(frozen=True, slots=True)
class BitString:
    """A BIT STRING: ``data`` holds the bits, the last ``unused_bits`` bits of it are padding.

    X.690 §8.6.2: the unused-bits count is 0..7 and 0 when there are no bits; §11.2.1: DER padding
    bits are zero. Bit 0 is the most significant bit of the first octet (X.690 §8.6.2.1).
    """

    data: bytes = b""
    unused_bits: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.data, bytes):
            raise TypeError("BitString data must be bytes")
        if not 0 <= self.unused_bits <= 7 or (not self.data and self.unused_bits):
            raise InvalidValue("unused bits must be 0..7, and 0 for an empty BIT STRING (X.690 §8.6.2)")
        if self.data and self.data[-1] & ((1 << self.unused_bits) - 1):
            raise InvalidValue("padding bits of a BIT STRING must be zero (X.690 §11.2.1)")

    def __len__(self) -> int:
        return 8 * len(self.data) - self.unused_bits

    def bit(self, index: int) -> bool:
        """Bit ``index`` (0 = most significant bit of the first octet); False past the end."""
        if index < 0:
            raise IndexError("bit index must be >= 0")
        if index >= len(self):
            return False
        return bool(self.data[index >> 3] & (0x80 >> (index & 7)))

    @property
    def named_bits(self) -> frozenset[int]:
        """The indices of the bits that are set, for named-bit types such as KeyUsage."""
        return frozenset(i for i in range(len(self)) if self.bit(i))

    @classmethod
    def from_named_bits(cls, bits: Iterable[int]) -> "BitString":
        """The DER value with exactly ``bits`` set and no trailing zero bits (X.690 §11.2.2)."""
        indices = sorted(set(bits))
        if not indices:
            return cls(b"", 0)
        if indices[0] < 0:
            raise InvalidValue("named bit numbers must be >= 0")
        length = indices[-1] + 1
        out = bytearray((length + 7) // 8)
        for i in indices:
            out[i >> 3] |= 0x80 >> (i & 7)
        return cls(bytes(out), 8 * len(out) - length)

    @property
    def has_trailing_zero_bits(self) -> bool:
        """True when the last bit is 0: not allowed for named-bit types in DER (X.690 §11.2.2)."""
        return bool(self.data) and not (self.data[-1] >> self.unused_bits) & 1


class Enumerated(int):
    """An ENUMERATED value (X.690 §8.4); an ``int`` that remembers its type."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Enumerated({int(self)})"


class Set(list):
    """The elements of a SET OF. The encoder sorts their encodings (X.690 §11.6)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Set({list.__repr__(self)})"


@dataclass(frozen=True, slots=True)
class Tagged:
    """An element whose tag the generic decoder does not interpret.

    ``value`` is the content octets (``bytes``) for a primitive element, or the list of decoded
    inner elements for a constructed one (an EXPLICIT tag holds one; IMPLICIT SEQUENCE several).
    """

    tag_class: int
    number: int
    value: bytes | list

    @property
    def constructed(self) -> bool:
        return isinstance(self.value, list)


# PrintableString repertoire, X.680 §41.4 Table 10.
PRINTABLE_CHARACTERS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '()+,-./:=?")


class RestrictedString(str):
    """Base of the restricted character string types; ``tag_number`` is its universal tag."""

    __slots__ = ()
    tag_number = 0

    def __new__(cls, value: str = "") -> "RestrictedString":
        if not isinstance(value, str):
            raise TypeError(f"{cls.__name__} needs a str, not {type(value).__name__}")
        bad = cls._first_invalid(value)
        if bad is not None:
            raise InvalidValue(f"{bad!r} is not in the {cls.__name__} character set (X.680 §41)")
        return str.__new__(cls, value)

    @staticmethod
    def _first_invalid(value: str) -> str | None:
        return None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str.__repr__(self)})"


class UTF8String(RestrictedString):
    __slots__ = ()
    tag_number = 12

    @staticmethod
    def _first_invalid(value: str) -> str | None:
        # Surrogate code points are not characters and have no UTF-8 form (RFC 3629 §3).
        return next((c for c in value if 0xD800 <= ord(c) <= 0xDFFF), None)


class PrintableString(RestrictedString):
    __slots__ = ()
    tag_number = 19

    @staticmethod
    def _first_invalid(value: str) -> str | None:
        return next((c for c in value if c not in PRINTABLE_CHARACTERS), None)


class IA5String(RestrictedString):
    __slots__ = ()
    tag_number = 22

    @staticmethod
    def _first_invalid(value: str) -> str | None:
        return next((c for c in value if ord(c) > 0x7F), None)


class NumericString(RestrictedString):
    __slots__ = ()
    tag_number = 18

    @staticmethod
    def _first_invalid(value: str) -> str | None:
        return next((c for c in value if c not in "0123456789 "), None)


class VisibleString(RestrictedString):
    __slots__ = ()
    tag_number = 26

    @staticmethod
    def _first_invalid(value: str) -> str | None:
        return next((c for c in value if not 0x20 <= ord(c) <= 0x7E), None)


class TeletexString(RestrictedString):
    """T.61 text, read and written octet for octet as Latin-1.

    Deviation: T.61 is not Latin-1, but certificates in the wild put Latin-1 in TeletexString
    (RFC 5280 §4.1.2.4 keeps it only for backward compatibility); mapping octets one to one keeps
    every value readable and re-encodes it byte for byte.
    """

    __slots__ = ()
    tag_number = 20

    @staticmethod
    def _first_invalid(value: str) -> str | None:
        return next((c for c in value if ord(c) > 0xFF), None)


class BMPString(RestrictedString):
    """UCS-2: characters of the Basic Multilingual Plane only, two octets each (X.680 §41.16)."""

    __slots__ = ()
    tag_number = 30

    @staticmethod
    def _first_invalid(value: str) -> str | None:
        return next((c for c in value if ord(c) > 0xFFFF or 0xD800 <= ord(c) <= 0xDFFF), None)


class UniversalString(RestrictedString):
    """UCS-4, four octets a character (X.680 §41.16)."""

    __slots__ = ()
    tag_number = 28

    @staticmethod
    def _first_invalid(value: str) -> str | None:
        return next((c for c in value if 0xD800 <= ord(c) <= 0xDFFF), None)
