"""Content octets of the primitive universal types: the rules of X.690 §8 and §11 for each.

Each ``decode_*`` takes the whole buffer and the bounds of the content octets, so that errors
report absolute offsets; each ``encode_*`` returns content octets for a Python value.
"""

from __future__ import annotations

from x509core.der.oid import decode_oid_content
from x509core.der.time import (decode_generalized_time_content, decode_utc_time_content)
from x509core.der.values import (PRINTABLE_CHARACTERS, BitString, BMPString, Enumerated,
                                 IA5String, NumericString, PrintableString, TeletexString,
                                 UniversalString, UTF8String, VisibleString)
from x509core.errors import DecodeError, NonCanonicalEncoding

__all__ = [
    "decode_boolean", "decode_integer", "decode_enumerated", "decode_bit_string", "decode_null",
    "decode_octet_string", "decode_string", "encode_boolean", "encode_integer", "encode_bit_string",
    "encode_string", "STRING_TYPES", "PRIMITIVE_DECODERS",
]


def decode_boolean(data: bytes, start: int, end: int, path: tuple[str, ...]) -> bool:
    if end - start != 1:
        raise DecodeError("BOOLEAN must have one content octet (X.690 §8.2.1)", start, path)
    octet = data[start]
    if octet == 0xFF:
        return True
    if octet == 0x00:
        return False
    raise NonCanonicalEncoding("BOOLEAN TRUE must be 0xFF (X.690 §11.1)", start, path)


def decode_integer(data: bytes, start: int, end: int, path: tuple[str, ...],
                   kind: str = "INTEGER") -> int:
    if end == start:
        raise DecodeError(f"{kind} with no content octets (X.690 §8.3.1)", start, path)
    if end - start > 1:
        first, second = data[start], data[start + 1]
        # X.690 §8.3.2: the first nine bits shall not be all ones nor all zeros.
        if (first == 0 and second < 0x80) or (first == 0xFF and second >= 0x80):
            raise NonCanonicalEncoding(f"{kind} not in minimal form (X.690 §8.3.2)", start, path)
    return int.from_bytes(data[start:end], "big", signed=True)


def decode_enumerated(data: bytes, start: int, end: int, path: tuple[str, ...]) -> Enumerated:
    # X.690 §8.4: ENUMERATED is encoded as the INTEGER of its value.
    return Enumerated(decode_integer(data, start, end, path, "ENUMERATED"))


def decode_bit_string(data: bytes, start: int, end: int, path: tuple[str, ...]) -> BitString:
    if end == start:
        raise DecodeError("BIT STRING without its unused-bits octet (X.690 §8.6.2)", start, path)
    unused = data[start]
    if unused > 7:
        raise DecodeError("BIT STRING unused-bits count above 7 (X.690 §8.6.2.2)", start, path)
    if end - start == 1:
        if unused:
            raise DecodeError("empty BIT STRING with non-zero unused bits (X.690 §8.6.2.3)", start, path)
        return BitString(b"", 0)
    if data[end - 1] & ((1 << unused) - 1):
        raise NonCanonicalEncoding("BIT STRING padding bits not zero (X.690 §11.2.1)", end - 1, path)
    return BitString(data[start + 1:end], unused)


def decode_null(data: bytes, start: int, end: int, path: tuple[str, ...]) -> None:
    if end != start:
        raise DecodeError("NULL must have no content octets (X.690 §8.8.2)", start, path)
    return None


def decode_octet_string(data: bytes, start: int, end: int, path: tuple[str, ...]) -> bytes:
    return data[start:end]


def _bad_char(kind: str, offset: int, path, rule: str) -> DecodeError:
    return DecodeError(f"character not allowed in {kind} ({rule})", offset, path)


def _refuse_ascii_subset(cls, allowed, rule, raw: bytes, start: int, path) -> None:
    """The error for the first octet of ``raw`` outside ``allowed``."""
    for index, octet in enumerate(raw):
        if octet not in allowed:
            raise _bad_char(cls.__name__, start + index, path, rule)


# The octets each type allows, as bytes: ``octet in`` tests membership, and bytes.translate
# deletes them all at once.
_PRINTABLE_OCTETS = "".join(sorted(PRINTABLE_CHARACTERS)).encode("ascii")
_IA5_OCTETS = bytes(range(0x80))
_NUMERIC_OCTETS = b"0123456789 "
_VISIBLE_OCTETS = bytes(range(0x20, 0x7F))


def _decode_utf8(data, start, end, path) -> UTF8String:
    try:
        # Python's strict UTF-8 codec refuses overlong forms and encoded surrogates (RFC 3629 §3).
        return str.__new__(UTF8String, data[start:end].decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise DecodeError("UTF8String is not well-formed UTF-8 (RFC 3629)", start + exc.start, path) from None


def _decode_bmp(data, start, end, path) -> BMPString:
    if (end - start) % 2:
        raise DecodeError("BMPString length is not a multiple of 2 (X.690 §8.23.8)", start, path)
    raw = data[start:end]
    for index in range(0, len(raw), 2):
        if 0xD8 <= raw[index] <= 0xDF:     # surrogates are not characters of UCS-2
            raise _bad_char("BMPString", start + index, path, "X.680 §41.16")
    return str.__new__(BMPString, raw.decode("utf-16-be"))


def _decode_universal(data, start, end, path) -> UniversalString:
    if (end - start) % 4:
        raise DecodeError("UniversalString length is not a multiple of 4 (X.690 §8.23.7)", start, path)
    try:
        return str.__new__(UniversalString, data[start:end].decode("utf-32-be"))
    except UnicodeDecodeError as exc:
        raise _bad_char("UniversalString", start + exc.start, path, "X.680 §41.16") from None


def _decode_teletex(data, start, end, path) -> TeletexString:
    return str.__new__(TeletexString, data[start:end].decode("latin-1"))


def _ascii_decoder(cls, allowed, rule):
    """``decode(data, start, end, path)`` for a string type of ASCII octets ``allowed`` (a
    closure rather than a ``partial``: one call less for every string of every name)."""
    def decode(data, start, end, path):
        raw = data[start:end]
        if raw.translate(None, allowed):        # what is left after deleting the allowed octets
            _refuse_ascii_subset(cls, allowed, rule, raw, start, path)
        return str.__new__(cls, raw.decode("ascii"))
    return decode


STRING_TYPES = {cls.tag_number: cls for cls in (UTF8String, PrintableString, IA5String,
                NumericString, VisibleString, TeletexString, BMPString, UniversalString)}

_STRING_DECODERS = {
    12: _decode_utf8,
    18: _ascii_decoder(NumericString, _NUMERIC_OCTETS, "X.680 §41.2"),
    19: _ascii_decoder(PrintableString, _PRINTABLE_OCTETS, "X.680 §41.4"),
    20: _decode_teletex,
    22: _ascii_decoder(IA5String, _IA5_OCTETS, "X.680 §41.2"),
    26: _ascii_decoder(VisibleString, _VISIBLE_OCTETS, "X.680 §41.2"),
    28: _decode_universal,
    30: _decode_bmp,
}


def decode_string(number: int, data: bytes, start: int, end: int, path: tuple[str, ...]) -> str:
    """Content octets of the restricted string type with universal tag ``number``."""
    return _STRING_DECODERS[number](data, start, end, path)


# Universal tag number -> decoder of the content octets, for every primitive type read here.
PRIMITIVE_DECODERS = {
    1: decode_boolean, 2: decode_integer, 3: decode_bit_string, 4: decode_octet_string,
    5: decode_null, 6: decode_oid_content, 10: decode_enumerated,
    23: decode_utc_time_content, 24: decode_generalized_time_content, **_STRING_DECODERS,
}


def encode_boolean(value: bool) -> bytes:
    return b"\xff" if value else b"\x00"                # X.690 §11.1


def encode_integer(value: int) -> bytes:
    """Two's complement in the fewest octets (X.690 §8.3.2)."""
    length = (value + (value < 0)).bit_length() // 8 + 1
    return value.to_bytes(length, "big", signed=True)


def encode_bit_string(value: BitString) -> bytes:
    return bytes((value.unused_bits,)) + value.data


_ENCODINGS = {12: "utf-8", 18: "ascii", 19: "ascii", 20: "latin-1", 22: "ascii", 26: "ascii",
              28: "utf-32-be", 30: "utf-16-be"}


def encode_string(value: str, number: int) -> bytes:
    """Content octets of ``value`` as the string type with universal tag ``number``."""
    checked = STRING_TYPES[number](value)              # InvalidValue outside the repertoire
    return str(checked).encode(_ENCODINGS[number])
