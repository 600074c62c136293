"""A text listing of a DER element tree in the layout of ``openssl asn1parse -i``.

Each line gives the absolute offset, the depth, the header and content lengths, the form, the
tag and, for primitive universal types, the value, so a listing can be compared line by line
with OpenSSL's.
"""

from __future__ import annotations

from collections.abc import Iterator

from x509core.der import content as _content
from x509core.der.generic import validate
from x509core.der.header import DEFAULT_MAX_DEPTH, read_header
from x509core.der.tags import tag_name

__all__ = ["dump", "dump_lines", "iter_dump_lines"]


def dump(data: bytes, *, max_depth: int = DEFAULT_MAX_DEPTH) -> str:
    """The listing of the one DER element in ``data`` (checked as :func:`decode` checks it)."""
    return "\n".join(dump_lines(data, max_depth=max_depth)) + "\n"


def dump_lines(data: bytes, *, max_depth: int = DEFAULT_MAX_DEPTH) -> list[str]:
    """The listing, one element a line. A string value is shown as it is, control characters
    included: whoever writes the lines to a terminal escapes each one."""
    return list(iter_dump_lines(data, max_depth=max_depth))


def iter_dump_lines(data: bytes, *, max_depth: int = DEFAULT_MAX_DEPTH) -> Iterator[str]:
    """:func:`dump_lines` one line at a time: ``data`` is checked whole first (an error comes
    before any line), then each line is made as it is taken, so that the listing of a large
    input (millions of elements) is not held in memory."""
    if not isinstance(data, bytes):
        raise TypeError(f"DER input must be bytes, not {type(data).__name__}")
    validate(data, 0, len(data), (), max_depth)
    return _lines(data)


def _lines(data: bytes) -> Iterator[str]:
    stack = [len(data)]
    pos = 0
    while pos < len(data):
        while pos == stack[-1]:
            stack.pop()
        bits, number, cstart, cend = read_header(data, pos, stack[-1], ())
        depth = len(stack) - 1
        constructed = bool(bits & 0x20)
        form = "cons" if constructed else "prim"
        head = f"{pos:5d}:d={depth:<2d} hl={cstart - pos:<2d} l={cend - cstart:4d} {form}: "
        name = tag_name(bits >> 6, constructed, number)
        yield head + "  " * depth + name + _value_text(bits, number, data, cstart, cend)
        if constructed:
            stack.append(cend)
            pos = cstart
        else:
            pos = cend


def _value_text(bits: int, number: int, data: bytes, start: int, end: int) -> str:
    if bits != 0 or number not in _content.PRIMITIVE_DECODERS:
        return ""
    if number in (3, 4):
        return f" :{data[start:end].hex().upper()}" if end - start <= 64 else f" :[{end - start} octets]"
    value = _content.PRIMITIVE_DECODERS[number](data, start, end, ())
    if number == 2 or number == 10:
        return f" :{value:X}" if value >= 0 else f" :-{-value:X}"
    if value is None:
        return ""
    if number in (23, 24):
        return " :" + data[start:end].decode("ascii")
    return f" :{value}"
