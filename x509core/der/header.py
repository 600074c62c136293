"""Identifier and length octets: where an element's content starts and ends. X.690 §8.1.2,
§8.1.3, and the DER restrictions of §10.1 (definite, minimal lengths).

:func:`read_header` is the general, checking reader of a header; :func:`short_header` is a
fast path for the header most elements have (one identifier octet, a length of at most two
octets) and accepts exactly what :func:`read_header` accepts for such headers, returning None for
everything else so that :func:`read_header` decides (and reports the error, if any).
"""

from __future__ import annotations

from x509core.errors import DecodeError, NonCanonicalEncoding, Truncated

__all__ = ["read_header", "short_header", "padded_greater", "DEFAULT_MAX_DEPTH"]

DEFAULT_MAX_DEPTH = 64
_MAX_TAG_OCTETS = 4          # tag numbers below 2^28 are plenty for any real schema
_MAX_LENGTH_OCTETS = 4       # elements up to 4 GiB; longer claims are refused before slicing


def read_header(data: bytes, pos: int, end: int, path: tuple[str, ...]) -> tuple[int, int, int, int]:
    """Identifier and length octets at ``pos``: ``(bits, number, content_start, content_end)``.

    ``bits`` are the class and constructed bits of the first identifier octet (``Tag.bits``).
    X.690 §8.1.2 (identifier), §8.1.3 (length), §10.1 (DER: definite, minimal length).
    """
    if pos >= end:
        raise Truncated("missing element: the input ends here", pos, path)
    first = data[pos]
    number = first & 0x1F
    cursor = pos + 1
    if number == 0x1F:
        number, cursor = _read_high_tag_number(data, cursor, end, pos, path)
    elif number == 0 and first == 0:
        raise NonCanonicalEncoding("end-of-contents octets are BER only (X.690 §8.1.5, §10.1)", pos, path)
    if cursor >= end:
        raise Truncated("element ends before its length octets (X.690 §8.1.3)", pos, path)
    length = data[cursor]
    cursor += 1
    if length >= 0x80:
        length, cursor = _read_long_length(data, cursor, end, length & 0x7F, path)
    if length > end - cursor:
        raise Truncated(f"length {length} exceeds the {end - cursor} octets left (X.690 §8.1.3)",
                        pos, path)
    return first & 0xE0, number, cursor, cursor + length


def _read_high_tag_number(data, cursor, end, start, path) -> tuple[int, int]:
    """Tag numbers >= 31 in base 128, X.690 §8.1.2.4."""
    if cursor < end and data[cursor] == 0x80:
        raise NonCanonicalEncoding("high tag number with a leading 0x80 octet (X.690 §8.1.2.4.2 c)",
                                   start, path)
    number = 0
    for count in range(_MAX_TAG_OCTETS):
        if cursor >= end:
            raise Truncated("tag number is truncated (X.690 §8.1.2.4)", start, path)
        octet = data[cursor]
        cursor += 1
        number = (number << 7) | (octet & 0x7F)
        if not octet & 0x80:
            if number < 31:
                raise NonCanonicalEncoding("tag number below 31 in the high-tag-number form "
                                           "(X.690 §8.1.2.2)", start, path)
            return number, cursor
    raise DecodeError("tag number too large (more than 4 octets)", start, path)


def _read_long_length(data, cursor, end, count, path) -> tuple[int, int]:
    """The long form of the length octets, X.690 §8.1.3.5, minimal per §10.1."""
    start = cursor - 1
    if count == 0:
        raise NonCanonicalEncoding("indefinite length is BER only (X.690 §10.1)", start, path)
    if count == 0x7F:
        raise DecodeError("length octet 0xFF is reserved (X.690 §8.1.3.5 c)", start, path)
    if count > _MAX_LENGTH_OCTETS:
        raise DecodeError(f"length in {count} octets is too large", start, path)
    if count > end - cursor:
        raise Truncated("length octets are truncated (X.690 §8.1.3)", start, path)
    if data[cursor] == 0:
        raise NonCanonicalEncoding("length with a leading zero octet (X.690 §10.1)", start, path)
    length = int.from_bytes(data[cursor:cursor + count], "big")
    if length < 0x80:
        raise NonCanonicalEncoding("length below 128 in the long form (X.690 §10.1)", start, path)
    return length, cursor + count


def short_header(data: bytes, pos: int, end: int) -> tuple[int, int] | None:
    """``(content_start, content_end)`` of the element at ``pos`` when its identifier is one
    octet other than 0x00 (X.690 §8.1.2.3; 0x00 is end-of-contents) and its length is in the
    short form or in a minimal long form of one or two octets, within ``end``; None otherwise.

    For such headers :func:`read_header` accepts exactly these; it must judge all others."""
    if pos + 1 >= end:
        return None
    first = data[pos]
    if not first or first & 0x1F == 0x1F:
        return None
    length = data[pos + 1]
    cstart = pos + 2
    if length >= 0x80:                          # the long form, X.690 §8.1.3.5, minimal (§10.1)
        if length == 0x81 and cstart < end and data[cstart] >= 0x80:
            length, cstart = data[cstart], cstart + 1
        elif length == 0x82 and cstart + 1 < end and data[cstart]:
            length, cstart = (data[cstart] << 8) | data[cstart + 1], cstart + 2
        else:
            return None
    if length > end - cstart:
        return None
    return cstart, cstart + length


def padded_greater(a: bytes, b: bytes) -> bool:
    """a > b when both are padded with trailing zero octets to one length (X.690 §11.6)."""
    if len(a) < len(b):
        a = a.ljust(len(b), b"\0")
    elif len(b) < len(a):
        b = b.ljust(len(a), b"\0")
    return a > b
