"""A nesting DER writer, in the spirit of Go's cryptobyte ``Builder.AddASN1``::

    w = Writer()
    with w.sequence():
        w.write_integer(2)
        with w.explicit(0):
            w.write_oid(OID_SHA256)
    der = w.to_bytes()

Each frame collects the complete encodings of its elements; closing a frame wraps them in one
element with a definite, minimal length (X.690 §10.1). A SET OF frame sorts its elements'
encodings first (X.690 §11.6), so callers cannot get the order wrong.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from typing import Iterable, Iterator

from x509core.der.content import (encode_bit_string, encode_boolean, encode_integer,
                                  encode_string)
from x509core.der.generic import _header, _set_order_key, encode
from x509core.der.oid import ObjectIdentifier, encode_oid_content
from x509core.der.tags import Tag
from x509core.der.time import encode_generalized_time_content, encode_utc_time_content, to_utc
from x509core.der.values import BitString
from x509core.errors import InvalidValue

__all__ = ["Writer"]


class Writer:
    """Builds one DER value; nest with the context managers, finish with :meth:`to_bytes`."""

    __slots__ = ("_frames",)

    def __init__(self) -> None:
        # Each frame: (identifier first octet bits, tag number, is SET OF, element encodings).
        self._frames: list[tuple[int, int, bool, list[bytes]]] = [(0, 0, False, [])]

    def to_bytes(self) -> bytes:
        if len(self._frames) != 1:
            raise RuntimeError("to_bytes() called inside an open sequence/set/tag")
        return b"".join(self._frames[0][3])

    # -- nesting ---------------------------------------------------------------------------

    def _nested(self, bits: int, number: int, sort: bool = False) -> "_Frame":
        return _Frame(self, bits, number, sort)

    def sequence(self):
        """``with w.sequence():`` SEQUENCE / SEQUENCE OF (X.690 §8.9)."""
        return self._nested(0x20, 16)

    def set_of(self):
        """``with w.set_of():`` SET OF, elements sorted by encoding (X.690 §11.6)."""
        return self._nested(0x20, 17, sort=True)

    def explicit(self, number: int):
        """``with w.explicit(n):`` ``[n] EXPLICIT``, constructed (X.690 §8.14.2)."""
        return self._nested(0xA0, number)

    def implicit_constructed(self, number: int):
        """``with w.implicit_constructed(n):`` ``[n] IMPLICIT SEQUENCE`` and the like."""
        return self._nested(0xA0, number)

    def octet_string_der(self):
        """``with w.octet_string_der():`` an OCTET STRING holding DER (extnValue, RFC 5280 §4.1)."""
        return self._nested(0x00, 4)

    @contextmanager
    def bit_string_der(self) -> Iterator["Writer"]:
        """``with w.bit_string_der():`` a BIT STRING of whole octets holding DER (SPKI)."""
        self._frames.append((0, 3, False, [b"\x00"]))
        with self._closing_raw():
            yield self

    @contextmanager
    def _closing_raw(self) -> Iterator[None]:
        try:
            yield
        finally:
            bits, number, _, parts = self._frames.pop()
        self.write_tlv(Tag(bits >> 6, bool(bits & 0x20), number), b"".join(parts))

    # -- elements --------------------------------------------------------------------------

    def write_tlv(self, tag: Tag, content: bytes) -> None:
        """One element with ``tag`` and the given content octets."""
        number, length = tag[2], len(content)
        if number < 31 and length < 0x80:           # one identifier octet, the short length form
            first = (tag[0] << 6) | (0x20 if tag[1] else 0) | number
            self._frames[-1][3].append(bytes((first, length)) + content)
            return
        out = bytearray()
        _header(out, tag.bits, tag.number, len(content))
        out.extend(content)
        self._frames[-1][3].append(bytes(out))

    def write_raw(self, der: bytes) -> None:
        """A complete, already encoded element (e.g. a parsed Name's exact bytes)."""
        self._frames[-1][3].append(bytes(der))

    def write_value(self, value) -> None:
        """Any value :func:`x509core.der.encode` takes."""
        self._frames[-1][3].append(encode(value))

    def write_boolean(self, value: bool) -> None:
        self.write_tlv(Tag(0, False, 1), encode_boolean(value))

    def write_integer(self, value: int) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError("write_integer needs an int")
        self.write_tlv(Tag(0, False, 2), encode_integer(value))

    def write_enumerated(self, value: int) -> None:
        self.write_tlv(Tag(0, False, 10), encode_integer(int(value)))

    def write_bit_string(self, value: BitString) -> None:
        self.write_tlv(Tag(0, False, 3), encode_bit_string(value))

    def write_named_bits(self, bits: Iterable[int]) -> None:
        """A named-bit BIT STRING with exactly ``bits`` set, trailing zeros removed (X.690 §11.2.2)."""
        self.write_bit_string(BitString.from_named_bits(bits))

    def write_octet_string(self, value: bytes) -> None:
        self.write_tlv(Tag(0, False, 4), bytes(value))

    def write_null(self) -> None:
        self.write_tlv(Tag(0, False, 5), b"")

    def write_oid(self, value: str) -> None:
        self.write_tlv(Tag(0, False, 6), encode_oid_content(ObjectIdentifier(value)))

    def write_string(self, value: str, universal: int = 12) -> None:
        """A character string of the universal type ``universal`` (default UTF8String)."""
        self.write_tlv(Tag(0, False, universal), encode_string(value, universal))

    def write_implicit_primitive(self, number: int, content: bytes) -> None:
        """``[number] IMPLICIT`` of a primitive type, given its content octets."""
        self.write_tlv(Tag(2, False, number), content)

    def write_utc_time(self, value: datetime) -> None:
        self.write_tlv(Tag(0, False, 23), encode_utc_time_content(value))

    def write_generalized_time(self, value: datetime) -> None:
        self.write_tlv(Tag(0, False, 24), encode_generalized_time_content(value))

    def write_time(self, value: datetime) -> None:
        """RFC 5280 §4.1.2.5 Time: UTCTime through 2049, GeneralizedTime (no fraction) after."""
        value = to_utc(value)
        if value.microsecond:
            raise InvalidValue("certificate times have whole seconds (RFC 5280 §4.1.2.5)")
        if value.year < 2050:
            self.write_utc_time(value)
        else:
            self.write_generalized_time(value)


class _Frame:
    """``with w.sequence():`` and the like: opens a frame on entry; on a normal exit wraps the
    frame's elements in one element (sorted first for a SET OF, X.690 §11.6). An exception
    drops the frame and propagates."""

    __slots__ = ("writer", "bits", "number", "sort")

    def __init__(self, writer: Writer, bits: int, number: int, sort: bool) -> None:
        self.writer, self.bits, self.number, self.sort = writer, bits, number, sort

    def __enter__(self) -> Writer:
        self.writer._frames.append((self.bits, self.number, self.sort, []))
        return self.writer

    def __exit__(self, exc_type, exc, traceback) -> bool:
        bits, number, sort, parts = self.writer._frames.pop()
        if exc_type is None:
            if sort:
                parts.sort(key=_set_order_key(parts))
            self.writer.write_tlv(Tag(bits >> 6, bool(bits & 0x20), number), b"".join(parts))
        return False
