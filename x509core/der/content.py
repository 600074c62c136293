"""Content octets of the primitive universal types: the rules of X.690 §8 and §11 for each.

Each ``decode_*`` takes the whole buffer and the bounds of the content octets, so that errors
report absolute offsets; each ``encode_*`` returns content octets for a Python value.
:class:`PrimitiveReading` holds the :class:`~x509core.der.reader.Reader` methods that read one
primitive element each through these decoders (``read_boolean`` ... ``read_time``, X.690 §8.2 to
§8.11, §8.23; RFC 5280 §4.1.2.5 for ``read_time``); ``Reader`` inherits them.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from x509core.der.header import read_header, short_header
from x509core.der.oid import ObjectIdentifier, decode_oid_content, decoded_oid
from x509core.der.tags import ONE_OCTET_TAGS as _TAGS
from x509core.der.tags import Tag, tag_name
from x509core.der.time import (check_rfc5280_time, decode_generalized_time_content,
                               decode_utc_time_content)
from x509core.der.values import (PRINTABLE_CHARACTERS, BitString, BMPString, Enumerated,
                                 IA5String, NumericString, PrintableString, TeletexString,
                                 UniversalString, UTF8String, VisibleString)
from x509core.errors import DecodeError, NonCanonicalEncoding, UnexpectedTag

if TYPE_CHECKING:                       # reader.py imports this module
    from x509core.der.reader import Reader

__all__ = [
    "decode_boolean", "decode_integer", "decode_enumerated", "decode_bit_string", "decode_null",
    "decode_octet_string", "decode_string", "encode_boolean", "encode_integer", "encode_bit_string",
    "encode_string", "STRING_TYPES", "PRIMITIVE_DECODERS", "PrimitiveReading",
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


# -- the Reader's methods for these types ----------------------------------------------------

class PrimitiveReading:
    """The methods of :class:`~x509core.der.reader.Reader` that read one primitive element each
    (X.690 §8.2-§8.11, §8.23, §11): the element is found by the reader's ``_bounds`` (which
    checks its tag and length) and its content octets go through the decoders above. What DER
    forbids but a reader can still read one way (a BOOLEAN TRUE other than 0xFF, an encoded
    DEFAULT, non-zero padding bits) is reported through the reader's ``report``: a finding,
    or the error itself for a strict reader."""

    __slots__ = ()

    def read_boolean(self, name: str = "") -> bool:
        start, end = self._bounds(0x01, _BOOLEAN, name)
        if end - start == 1 and self.data[start] not in (0x00, 0xFF):
            # BER reads any non-zero octet as TRUE (X.690 §8.2.2); DER wants 0xFF.
            self.report(NonCanonicalEncoding, "BOOLEAN TRUE must be 0xFF", "X.690 §11.1", start,
                        name=name)
            return True
        try:
            return decode_boolean(self.data, start, end, ())
        except DecodeError as exc:
            raise type(exc)(exc.reason, exc.offset, self._path(name)) from None

    def read_default_boolean(self, default: bool = False, name: str = "") -> bool:
        """``BOOLEAN DEFAULT <default>``: absent means the default, which DER never encodes."""
        if not self.peek_is(_BOOLEAN):
            return default
        start = self.pos
        value = self.read_boolean(name)
        if value == default:
            # X.690 §11.5: "The encoding of a set value or sequence value shall not include an
            # encoding for any component value which is equal to its default value."
            self.report(NonCanonicalEncoding, "DEFAULT value encoded", "X.690 §11.5", start, name=name)
        return value

    def read_integer(self, name: str = "") -> int:
        return self._decode(decode_integer, 0x02, _INTEGER, name)

    def read_explicit_default_integer(self, number: int, default: int, name: str = "") -> int:
        """``[number] EXPLICIT INTEGER DEFAULT <default>`` (e.g. TBSCertificate.version)."""
        start = self.pos
        inner = self.read_optional_explicit(number, name)
        if inner is None:
            return default
        value = inner.read_integer()
        inner.finish()
        if value == default:
            self.report(NonCanonicalEncoding, "DEFAULT value encoded", "X.690 §11.5", start, name=name)
        return value

    def read_enumerated(self, name: str = "") -> Enumerated:
        return self._decode(decode_enumerated, 0x0A, _ENUMERATED, name)

    def read_bit_string(self, name: str = "") -> BitString:
        start, end = self._bounds(0x03, _BIT_STRING, name)
        return self._bit_string(start, end, name)

    def _bit_string(self, start: int, end: int, name: str) -> BitString:
        data = self.data
        if end - start > 1 and data[start] <= 7 and data[end - 1] & ((1 << data[start]) - 1):
            # The padding bits are not part of the value (X.690 §8.6.2.2): readable one way.
            self.report(NonCanonicalEncoding, "BIT STRING padding bits not zero", "X.690 §11.2.1",
                        end - 1, name=name)
            unused = data[start]
            return BitString(data[start + 1:end - 1] + bytes((data[end - 1] >> unused << unused,)),
                             unused)
        try:
            return decode_bit_string(data, start, end, ())
        except DecodeError as exc:
            raise type(exc)(exc.reason, exc.offset, self._path(name)) from None

    def read_named_bit_string(self, name: str = "") -> BitString:
        """A BIT STRING with named bits: DER drops trailing zero bits (X.690 §11.2.2)."""
        start, end = self._bounds(0x03, _BIT_STRING, name)
        value = self._bit_string(start, end, name)
        if value.has_trailing_zero_bits:
            self.report(NonCanonicalEncoding, "named BIT STRING with trailing zero bits",
                        "X.690 §11.2.2", start, name=name)
        return value

    def read_octet_string(self, name: str = "") -> bytes:
        start, end = self._bounds(0x04, _OCTET_STRING, name)
        return self.data[start:end]

    def read_null(self, name: str = "") -> None:
        return self._decode(decode_null, 0x05, _NULL, name)

    def read_oid(self, name: str = "") -> ObjectIdentifier:
        start, end = self._bounds(0x06, _OID, name)
        oid = decoded_oid(self.data[start:end])         # decoded (and checked) before
        if oid is not None:
            return oid
        try:
            return decode_oid_content(self.data, start, end, ())
        except DecodeError as exc:
            raise type(exc)(exc.reason, exc.offset, self._path(name)) from None

    def read_string(self, name: str = "", allowed: tuple[int, ...] | None = None) -> str:
        """Any restricted character string (or one of the ``allowed`` universal tag numbers)."""
        start = self.pos
        accepted = allowed if allowed is not None else STRING_TYPES
        first = self.data[start] if start < self.end else 0
        if first in accepted and short_header(self.data, start, self.end) is not None:
            # A universal, primitive string type: the identifier octet is its tag number.
            return self._decode(PRIMITIVE_DECODERS[first], first, _TAGS[first], name)
        bits, number, cstart, cend = read_header(self.data, start, self.end, self._path(name))
        if number not in accepted or bits & 0xC0:
            raise UnexpectedTag(f"expected a character string, found {tag_name(bits >> 6, bool(bits & 0x20), number)}",
                                start, self._path(name))
        if bits & 0x20:
            raise NonCanonicalEncoding("string types must be primitive in DER (X.690 §10.2)", start,
                                       self._path(name))
        self.pos = cend
        return decode_string(number, self.data, cstart, cend, self._path(name))

    def read_utc_time(self, name: str = "") -> datetime:
        return self._decode(decode_utc_time_content, 0x17, _UTC_TIME, name)

    def read_generalized_time(self, name: str = "") -> datetime:
        return self._decode(decode_generalized_time_content, 0x18, _GENERALIZED_TIME, name)

    def read_time(self, name: str = "", *, allow_generalized_before_2050: bool = False) -> datetime:
        """``Time ::= CHOICE { utcTime UTCTime, generalTime GeneralizedTime }`` as RFC 5280
        §4.1.2.5 profiles it (also used for CRL times, RFC 5280 §5.1.2.4).

        ``allow_generalized_before_2050`` lets a reader of other CAs' certificates accept a
        GeneralizedTime before 2050, which the profile forbids CAs to write but which trusted
        roots carry (see ``cert/certificate.py``); fractions stay refused."""
        start = self.pos
        tag = self.peek_tag()
        if tag is None or tag.tag_class != 0 or tag.number not in (23, 24):
            raise UnexpectedTag(f"expected UTCTime or GeneralizedTime, found {tag}", start, self._path(name))
        if tag.number == 23:
            return self.read_utc_time(name)         # UTCTime can only hold 1950..2049
        value = self.read_generalized_time(name)
        if allow_generalized_before_2050 and not value.microsecond:
            return value
        check_rfc5280_time(value, False, start, self._path(name))
        return value

    def read_octet_string_der(self, name: str = "") -> "Reader":
        """An OCTET STRING that holds one DER value (extnValue, RFC 5280 §4.1): a reader over its
        content octets; the caller reads that value and calls ``finish()``."""
        return self._read(0x04, _OCTET_STRING, name)

    def read_bit_string_der(self, name: str = "") -> "Reader":
        """A BIT STRING of whole octets that holds DER (subjectPublicKey, RFC 5280 §4.1.2.7)."""
        child = self._read(0x03, _BIT_STRING, name)
        if child.pos == child.end or self.data[child.pos] != 0:
            try:                               # the error any BIT STRING reader gives, if any
                decode_bit_string(self.data, child.pos, child.end, ())
            except DecodeError as exc:
                raise type(exc)(exc.reason, exc.offset, child.path) from None
            raise DecodeError("BIT STRING holding DER must have 0 unused bits (X.690 §8.6.2.2)",
                              child.element_start, child.path)
        child.pos += 1
        return child


_BOOLEAN = Tag(0, False, 1)
_INTEGER = Tag(0, False, 2)
_BIT_STRING = Tag(0, False, 3)
_OCTET_STRING = Tag(0, False, 4)
_NULL = Tag(0, False, 5)
_OID = Tag(0, False, 6)
_ENUMERATED = Tag(0, False, 10)
_UTC_TIME = Tag(0, False, 23)
_GENERALIZED_TIME = Tag(0, False, 24)
