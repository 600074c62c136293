"""Schema-free decoding and encoding of one DER element, like ``openssl asn1parse``.

:func:`decode` turns universal types into Python values, SEQUENCE into ``list``, SET into
:class:`~x509core.der.values.Set`, and keeps any other tag as :class:`~x509core.der.values.Tagged`.
It applies every DER rule that can be checked without a schema; rules that need the schema
(DEFAULT values, named bits, the RFC 5280 time profile) are the typed reader's.

Deviation: every SET is checked as a SET OF (elements sorted by encoding, X.690 §11.6). The
X.509 family has no plain SET; for a SET with distinct tags the two orders differ only when a
constructed and a primitive element of neighbouring tag numbers meet.

The decoder keeps its own explicit stack (no recursion), checks each length against the
enclosing element before slicing, and touches each octet a bounded number of times, so time is
linear in the input and depth is limited by ``max_depth``.
"""

from __future__ import annotations

from datetime import datetime

from x509core.der.content import (PRIMITIVE_DECODERS, encode_bit_string, encode_boolean,
                                  encode_integer, encode_string)
from x509core.der.header import DEFAULT_MAX_DEPTH, read_header
from x509core.der.header import padded_greater as _padded_greater
from x509core.der.oid import ObjectIdentifier, encode_oid_content
from x509core.der.time import (GeneralizedTime, UTCTime, encode_generalized_time_content,
                               encode_utc_time_content, to_utc)
from x509core.der.values import BitString, Enumerated, RestrictedString, Set, Tagged
from x509core.errors import DecodeError, DepthExceeded, InvalidValue, NonCanonicalEncoding

__all__ = ["decode", "encode", "validate"]

_PRIMITIVE_ONLY = frozenset(PRIMITIVE_DECODERS)
_STRING_NUMBERS = frozenset((12, 18, 19, 20, 22, 26, 28, 30))


def decode(data: bytes | bytearray | memoryview, *, max_depth: int = DEFAULT_MAX_DEPTH):
    """The value of exactly one complete DER element; :class:`DecodeError` for anything else."""
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    elif not isinstance(data, bytes):
        raise TypeError(f"DER input must be bytes, not {type(data).__name__}")
    return _walk(data, 0, len(data), (), max_depth, build=True)


def validate(data: bytes, start: int, end: int, path: tuple[str, ...], max_depth: int) -> None:
    """Check that ``data[start:end]`` is exactly one DER element (values are checked, not kept)."""
    _walk(data, start, end, path, max_depth, build=False)


def _walk(data: bytes, pos: int, limit: int, path: tuple[str, ...], max_depth: int, build: bool):
    root: list = []
    # Each frame: [children, content_end, bits, number, element_start, child_ranges or None]
    stack = [[root, limit, 0, 0, pos, None]]
    decoders = PRIMITIVE_DECODERS
    while True:
        frame = stack[-1]
        if pos == frame[1]:
            if len(stack) == 1:
                break
            stack.pop()
            _close(frame, stack[-1][0], data, path)
            continue
        if len(stack) == 1 and root:
            raise DecodeError("data after the top-level element (X.690 §8.1.1)", pos, path)
        start = pos
        bits, number, cstart, pos = read_header(data, start, frame[1], path)
        if frame[5] is not None:
            frame[5].append((start, pos))
        if bits & 0x20:                                     # constructed
            if bits == 0x20 and number in _PRIMITIVE_ONLY:
                _constructed_primitive(number, start, path)
            if len(stack) > max_depth:
                raise DepthExceeded(f"nesting deeper than {max_depth} levels", start, path)
            ranges = [] if bits == 0x20 and number == 17 else None
            stack.append([[], pos, bits, number, start, ranges])
            pos = cstart
            continue
        if bits == 0:
            if number == 16 or number == 17:
                raise DecodeError("SEQUENCE and SET must be constructed (X.690 §8.9.1, §8.11.1)",
                                  start, path)
            decoder = decoders.get(number)
            value = decoder(data, cstart, pos, path) if decoder else Tagged(0, number, data[cstart:pos])
        else:
            value = Tagged(bits >> 6, number, data[cstart:pos]) if build else None
        frame[0].append(value)
    if not root:
        raise DecodeError("no DER element in the input", pos, path)
    return root[0]


def _close(frame: list, parent: list, data: bytes, path) -> None:
    children, _, bits, number, start, ranges = frame
    if ranges:
        for (a0, a1), (b0, b1) in zip(ranges, ranges[1:]):
            if _padded_greater(data[a0:a1], data[b0:b1]):
                raise NonCanonicalEncoding("SET OF elements not in ascending order (X.690 §11.6)",
                                           b0, path)
    if bits == 0x20:
        parent.append(Set(children) if number == 17 else children if number == 16
                      else Tagged(0, number, children))
    else:
        parent.append(Tagged(bits >> 6, number, children))


def _constructed_primitive(number: int, start: int, path) -> None:
    if number in _STRING_NUMBERS or number in (3, 4):
        raise NonCanonicalEncoding("string types must be primitive in DER (X.690 §10.2)", start, path)
    raise DecodeError("this universal type must be primitive (X.690 §8)", start, path)


# -- encoding ------------------------------------------------------------------------------------

# Each level of nesting costs two Python frames; 200 levels stay far below CPython's recursion
# limit, and far above anything X.509 needs (decode's default limit is 64).
_MAX_ENCODE_DEPTH = 200


def encode(value) -> bytes:
    """The DER encoding of a value of the kinds :func:`decode` returns.

    ``bool`` BOOLEAN, ``int`` INTEGER, ``Enumerated`` ENUMERATED, ``BitString`` BIT STRING,
    ``bytes`` OCTET STRING, ``None`` NULL, ``ObjectIdentifier`` OBJECT IDENTIFIER, a
    ``RestrictedString`` subclass its own type and a plain ``str`` UTF8String, ``UTCTime`` and
    ``GeneralizedTime`` their types and a plain aware ``datetime`` the RFC 5280 choice (UTCTime
    through 2049), ``list``/``tuple`` SEQUENCE, ``Set`` SET OF (sorted), ``Tagged`` its tag.
    """
    out = bytearray()
    _encode_into(out, value, 0)
    return bytes(out)


def _header(out: bytearray, first: int, number: int, length: int) -> None:
    if number < 31:
        out.append(first | number)
    else:
        out.append(first | 0x1F)
        chunk = [number & 0x7F]
        number >>= 7
        while number:
            chunk.append(0x80 | (number & 0x7F))
            number >>= 7
        out.extend(reversed(chunk))
    if length < 0x80:
        out.append(length)
    else:
        size = (length.bit_length() + 7) // 8
        out.append(0x80 | size)
        out.extend(length.to_bytes(size, "big"))


def _tlv(out: bytearray, first: int, number: int, content: bytes) -> None:
    _header(out, first, number, len(content))
    out.extend(content)


def _encode_into(out: bytearray, value, depth: int) -> None:
    if depth > _MAX_ENCODE_DEPTH:
        raise InvalidValue(f"value nests deeper than {_MAX_ENCODE_DEPTH} levels; cannot encode")
    if isinstance(value, (list, tuple)):
        parts = [encode_part(item, depth + 1) for item in value]
        if isinstance(value, Set):
            parts.sort(key=_set_order_key(parts))            # X.690 §11.6
        _tlv(out, 0x20, 17 if isinstance(value, Set) else 16, b"".join(parts))
    elif isinstance(value, Tagged):
        _encode_tagged(out, value, depth)
    else:
        number, content = _primitive(value)
        _tlv(out, 0, number, content)


def encode_part(value, depth: int = 0) -> bytes:
    out = bytearray()
    _encode_into(out, value, depth)
    return bytes(out)


def _set_order_key(parts: list[bytes]):
    width = max((len(p) for p in parts), default=0)
    return lambda part: part.ljust(width, b"\0")


def _encode_tagged(out: bytearray, value: Tagged, depth: int) -> None:
    if not 0 <= value.tag_class <= 3 or value.number < 0:
        raise InvalidValue("tag class must be 0..3 and tag number >= 0")
    first = value.tag_class << 6
    if isinstance(value.value, list):
        content = b"".join(encode_part(item, depth + 1) for item in value.value)
        _tlv(out, first | 0x20, value.number, content)
    elif isinstance(value.value, (bytes, bytearray)):
        _tlv(out, first, value.number, bytes(value.value))
    else:
        raise TypeError("Tagged.value must be bytes (primitive) or a list (constructed)")


def _primitive(value) -> tuple[int, bytes]:
    if value is None:
        return 5, b""
    if isinstance(value, bool):
        return 1, encode_boolean(value)
    if isinstance(value, Enumerated):
        return 10, encode_integer(int(value))
    if isinstance(value, int):
        return 2, encode_integer(value)
    if isinstance(value, BitString):
        return 3, encode_bit_string(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return 4, bytes(value)
    if isinstance(value, ObjectIdentifier):
        return 6, encode_oid_content(value)
    if isinstance(value, RestrictedString):
        return value.tag_number, encode_string(value, value.tag_number)
    if isinstance(value, str):
        return 12, encode_string(value, 12)
    if isinstance(value, datetime):
        return _time(value)
    raise TypeError(f"cannot encode a {type(value).__name__} as DER")


def _time(value: datetime) -> tuple[int, bytes]:
    if isinstance(value, UTCTime):
        return 23, encode_utc_time_content(value)
    if isinstance(value, GeneralizedTime):
        return 24, encode_generalized_time_content(value)
    if to_utc(value).year < 2050:                           # RFC 5280 §4.1.2.5
        return 23, encode_utc_time_content(value)
    return 24, encode_generalized_time_content(value)
