"""A cursor over DER bytes, in the spirit of Go's cryptobyte ``String``.

Later layers write each ASN.1 structure as a plain function over a :class:`Reader`, one call per
field, so that an auditor can hold the code against the ASN.1 module of the RFC::

    cert = reader.read_sequence("certificate")
    tbs = cert.read_sequence("tbsCertificate")
    version = tbs.read_explicit_default_integer(0, default=0, name="version")
    ...
    cert.finish()

Every reader shares the caller's buffer, so offsets in errors are absolute. A child reader
covers the content octets of one element and knows the element's start (``element_start``), so
the exact bytes of a field are ``child.element_bytes``. Lengths are checked against the
enclosing element before anything is sliced, nesting is limited (``max_depth``, default 64), and
nothing recurses, so hostile input cannot exhaust the stack.
"""

from __future__ import annotations

from datetime import datetime

from x509core.der import content as _content
from x509core.der.oid import ObjectIdentifier, decode_oid_content
from x509core.der.tags import Tag, tag_name
from x509core.der.time import (check_rfc5280_time, decode_generalized_time_content,
                               decode_utc_time_content)
from x509core.der.values import BitString, Enumerated
from x509core.errors import (DecodeError, DepthExceeded, NonCanonicalEncoding, Truncated,
                             UnexpectedTag)

__all__ = ["Reader", "read_header", "DEFAULT_MAX_DEPTH"]

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


class Reader:
    """A cursor over ``data[pos:end]``; methods read one element each and advance."""

    __slots__ = ("data", "pos", "end", "path", "depth", "max_depth", "element_start")

    def __init__(self, data: bytes | bytearray | memoryview, *, max_depth: int = DEFAULT_MAX_DEPTH):
        if isinstance(data, (bytearray, memoryview)):
            data = bytes(data)
        elif not isinstance(data, bytes):
            raise TypeError(f"DER input must be bytes, not {type(data).__name__}")
        self.data = data
        self.pos = 0
        self.end = len(data)
        self.path: tuple[str, ...] = ()
        self.depth = 0
        self.max_depth = max_depth
        self.element_start = 0

    # -- structure ---------------------------------------------------------------------------

    @property
    def at_end(self) -> bool:
        return self.pos >= self.end

    @property
    def element_bytes(self) -> bytes:
        """The complete encoding (tag, length, content) of the element this reader covers."""
        return self.data[self.element_start:self.end]

    def finish(self) -> None:
        """Require that every octet was read: no trailing data at this level (X.690 §8.1.1)."""
        if self.pos != self.end:
            kind = "data after the top-level element" if not self.depth else "unexpected data after the last field"
            raise DecodeError(f"{kind} (X.690 §8.1.1)", self.pos, self.path)

    def fail(self, error: type[DecodeError], reason: str, offset: int | None = None) -> None:
        raise error(reason, self.pos if offset is None else offset, self.path)

    def fork(self) -> "Reader":
        """A copy of this cursor, to look ahead without moving this one."""
        copy = Reader.__new__(Reader)
        copy.data, copy.pos, copy.end, copy.path = self.data, self.pos, self.end, self.path
        copy.depth, copy.max_depth, copy.element_start = self.depth, self.max_depth, self.element_start
        return copy

    def peek_tag(self) -> Tag | None:
        """The tag of the next element, or None at the end."""
        if self.pos >= self.end:
            return None
        bits, number, _, _ = read_header(self.data, self.pos, self.end, self.path)
        return Tag(bits >> 6, bool(bits & 0x20), number)

    def peek_is(self, tag: Tag) -> bool:
        pos = self.pos
        if pos >= self.end:
            return False
        first = self.data[pos]
        if first & 0x1F != 0x1F and self._short_header(pos) is not None:
            return first == _first_octet(tag)       # a one-octet identifier that read_header accepts
        bits, number, _, _ = read_header(self.data, pos, self.end, self.path)
        return bits == tag.bits and number == tag.number

    def read_element(self, name: str = "") -> tuple[Tag, "Reader"]:
        """The next element, whatever its tag: its tag and a reader over its content octets."""
        start = self.pos
        bits, number, cstart, cend = read_header(self.data, start, self.end, self.path)
        self.pos = cend
        constructed = bool(bits & 0x20)
        return Tag(bits >> 6, constructed, number), self._child(start, cstart, cend, name, constructed)

    def read(self, tag: Tag, name: str = "") -> "Reader":
        """The next element, which must have ``tag``: a reader over its content octets."""
        start = self.pos
        if start < self.end and self.data[start] == _first_octet(tag):
            bounds = self._short_header(start)
            if bounds is not None:
                self.pos = bounds[1]
                return self._child(start, bounds[0], bounds[1], name, tag[1])
        bits, number, cstart, cend = read_header(self.data, start, self.end, self._path(name))
        if bits != tag.bits or number != tag.number:
            self._unexpected(tag, bits, number, start, name)
        self.pos = cend
        return self._child(start, cstart, cend, name, tag.constructed)

    def _short_header(self, pos: int) -> tuple[int, int] | None:
        """``(content_start, content_end)`` of the element at ``pos`` when its identifier is one
        non-zero octet and its length has at most two octets, all as :func:`read_header` accepts
        them (a fast path for the common case); None when :func:`read_header` must decide."""
        data, end = self.data, self.end
        if pos + 1 >= end or not data[pos]:
            return None
        length = data[pos + 1]
        cstart = pos + 2
        if length >= 0x80:                          # the long form, X.690 §8.1.3.5, minimal
            if length == 0x81 and cstart < end and data[cstart] >= 0x80:
                length, cstart = data[cstart], cstart + 1
            elif length == 0x82 and cstart + 1 < end and data[cstart]:
                length, cstart = (data[cstart] << 8) | data[cstart + 1], cstart + 2
            else:
                return None
        if length > end - cstart:
            return None
        return cstart, cstart + length

    def read_optional(self, tag: Tag, name: str = "") -> "Reader | None":
        """Like :meth:`read` when the next element has ``tag``; None (nothing read) otherwise."""
        return self.read(tag, name) if self.peek_is(tag) else None

    def _path(self, name: str) -> tuple[str, ...]:
        return self.path + (name,) if name else self.path

    def _child(self, start: int, cstart: int, cend: int, name: str, nests: bool = True) -> "Reader":
        """A reader over ``data[cstart:cend]``; ``nests`` (a constructed element) counts a level."""
        child = Reader.__new__(Reader)
        child.data, child.pos, child.end = self.data, cstart, cend
        child.path = self._path(name)
        child.depth = self.depth + 1
        child.max_depth = self.max_depth
        child.element_start = start
        if nests and child.depth > self.max_depth:
            raise DepthExceeded(f"nesting deeper than {self.max_depth} levels", start, child.path)
        return child

    def _unexpected(self, tag: Tag, bits: int, number: int, start: int, name: str) -> None:
        found = tag_name(bits >> 6, bool(bits & 0x20), number)
        if number == tag.number and (bits >> 6) == tag.tag_class:
            if tag.constructed and tag.tag_class == 2:
                raise DecodeError(f"EXPLICIT tag [{number}] must use the constructed form (X.690 §8.14.2)",
                                  start, self._path(name))
            if tag.constructed:
                raise DecodeError(f"{tag} must use the constructed form (X.690 §8.9.1, §8.11.1)",
                                  start, self._path(name))
            if tag.tag_class == 0 and number in _STRING_TYPES:
                raise NonCanonicalEncoding(f"{tag} must use the primitive form in DER (X.690 §10.2)",
                                           start, self._path(name))
            raise DecodeError(f"{tag} must use the primitive form (X.690 §8)", start, self._path(name))
        raise UnexpectedTag(f"expected {tag}, found {found}", start, self._path(name))

    def _primitive(self, tag: Tag, name: str) -> tuple[int, int, tuple[str, ...]]:
        """Bounds of the content octets of the next element, which must have ``tag``. A primitive
        value is not a level of nesting, so no child reader (and no depth) is involved."""
        start = self.pos
        path = self.path + (name,) if name else self.path
        if start < self.end and self.data[start] == _first_octet(tag):
            bounds = self._short_header(start)
            if bounds is not None:
                self.pos = bounds[1]
                return bounds[0], bounds[1], path
        bits, number, cstart, cend = read_header(self.data, start, self.end, path)
        if bits != tag.bits or number != tag.number:
            self._unexpected(tag, bits, number, start, name)
        self.pos = cend
        return cstart, cend, path

    # -- constructed types -------------------------------------------------------------------

    def read_sequence(self, name: str = "") -> "Reader":
        """A SEQUENCE or SEQUENCE OF (X.690 §8.9, §8.10): a reader over its elements."""
        return self.read(_SEQUENCE, name)

    def read_set(self, name: str = "") -> "Reader":
        """A SET OF whose elements are in ascending order of their encodings (X.690 §11.6)."""
        child = self.read(_SET, name)
        child.check_set_order()
        return child

    def check_set_order(self) -> None:
        """Require the elements from here to the end to be sorted as X.690 §11.6 says."""
        previous: bytes | None = None
        pos = self.pos
        while pos < self.end:
            _, _, _, cend = read_header(self.data, pos, self.end, self.path)
            current = self.data[pos:cend]
            if previous is not None and _padded_greater(previous, current):
                raise NonCanonicalEncoding("SET OF elements not in ascending order (X.690 §11.6)",
                                           pos, self.path)
            previous, pos = current, cend

    def read_explicit(self, number: int, name: str = "") -> "Reader":
        """``[number] EXPLICIT``: always constructed (X.690 §8.14.2); read the inner value from it."""
        return self.read(Tag(2, True, number), name)

    def read_optional_explicit(self, number: int, name: str = "") -> "Reader | None":
        return self.read_optional(Tag(2, True, number), name)

    def read_implicit(self, number: int, constructed: bool, name: str = "") -> "Reader":
        """``[number] IMPLICIT``: the content octets of the underlying type, under this tag."""
        return self.read(Tag(2, constructed, number), name)

    def read_implicit_value(self, number: int, universal: int, name: str = ""):
        """``[number] IMPLICIT T`` for a primitive universal type T (e.g. ``IA5String`` = 22)."""
        start, end, path = self._primitive(Tag(2, False, number), name)
        return _content.PRIMITIVE_DECODERS[universal](self.data, start, end, path)

    def read_any(self, name: str = "") -> bytes:
        """The complete encoding of the next element, checked to be DER all the way down."""
        from x509core.der.generic import validate          # generic imports this module
        start = self.pos
        bits, number, cstart, cend = read_header(self.data, start, self.end, self._path(name))
        validate(self.data, start, cend, self._path(name), self.max_depth - self.depth)
        self.pos = cend
        return self.data[start:cend]

    # -- primitive types ---------------------------------------------------------------------

    def read_boolean(self, name: str = "") -> bool:
        return _content.decode_boolean(self.data, *self._primitive(_BOOLEAN, name))

    def read_default_boolean(self, default: bool = False, name: str = "") -> bool:
        """``BOOLEAN DEFAULT <default>``: absent means the default, which DER never encodes."""
        if not self.peek_is(_BOOLEAN):
            return default
        start = self.pos
        value = self.read_boolean(name)
        if value == default:
            # X.690 §11.5: "The encoding of a set value or sequence value shall not include an
            # encoding for any component value which is equal to its default value."
            raise NonCanonicalEncoding("DEFAULT value encoded (X.690 §11.5)", start, self._path(name))
        return value

    def read_integer(self, name: str = "") -> int:
        return _content.decode_integer(self.data, *self._primitive(_INTEGER, name))

    def read_explicit_default_integer(self, number: int, default: int, name: str = "") -> int:
        """``[number] EXPLICIT INTEGER DEFAULT <default>`` (e.g. TBSCertificate.version)."""
        start = self.pos
        inner = self.read_optional_explicit(number, name)
        if inner is None:
            return default
        value = inner.read_integer()
        inner.finish()
        if value == default:
            raise NonCanonicalEncoding("DEFAULT value encoded (X.690 §11.5)", start, inner.path)
        return value

    def read_enumerated(self, name: str = "") -> Enumerated:
        return _content.decode_enumerated(self.data, *self._primitive(_ENUMERATED, name))

    def read_bit_string(self, name: str = "") -> BitString:
        return _content.decode_bit_string(self.data, *self._primitive(_BIT_STRING, name))

    def read_named_bit_string(self, name: str = "") -> BitString:
        """A BIT STRING with named bits: DER drops trailing zero bits (X.690 §11.2.2)."""
        start, end, path = self._primitive(_BIT_STRING, name)
        value = _content.decode_bit_string(self.data, start, end, path)
        if value.has_trailing_zero_bits:
            raise NonCanonicalEncoding("named BIT STRING with trailing zero bits (X.690 §11.2.2)",
                                       start, path)
        return value

    def read_octet_string(self, name: str = "") -> bytes:
        start, end, _ = self._primitive(_OCTET_STRING, name)
        return self.data[start:end]

    def read_null(self, name: str = "") -> None:
        return _content.decode_null(self.data, *self._primitive(_NULL, name))

    def read_oid(self, name: str = "") -> ObjectIdentifier:
        return decode_oid_content(self.data, *self._primitive(_OID, name))

    def read_string(self, name: str = "", allowed: tuple[int, ...] | None = None) -> str:
        """Any restricted character string (or one of the ``allowed`` universal tag numbers)."""
        start = self.pos
        bits, number, cstart, cend = read_header(self.data, start, self.end, self._path(name))
        accepted = allowed if allowed is not None else _content.STRING_TYPES
        if number not in accepted or bits & 0xC0:
            raise UnexpectedTag(f"expected a character string, found {tag_name(bits >> 6, bool(bits & 0x20), number)}",
                                start, self._path(name))
        if bits & 0x20:
            raise NonCanonicalEncoding("string types must be primitive in DER (X.690 §10.2)", start,
                                       self._path(name))
        self.pos = cend
        return _content.decode_string(number, self.data, cstart, cend, self._path(name))

    def read_utc_time(self, name: str = "") -> datetime:
        return decode_utc_time_content(self.data, *self._primitive(_UTC_TIME, name))

    def read_generalized_time(self, name: str = "") -> datetime:
        return decode_generalized_time_content(self.data, *self._primitive(_GENERALIZED_TIME, name))

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
        is_utc = tag.number == 23
        value = self.read_utc_time(name) if is_utc else self.read_generalized_time(name)
        if allow_generalized_before_2050 and not is_utc and not value.microsecond:
            return value
        check_rfc5280_time(value, is_utc, start, self._path(name))
        return value

    def read_octet_string_der(self, name: str = "") -> "Reader":
        """An OCTET STRING that holds one DER value (extnValue, RFC 5280 §4.1): a reader over its
        content octets; the caller reads that value and calls ``finish()``."""
        return self.read(_OCTET_STRING, name)

    def read_bit_string_der(self, name: str = "") -> "Reader":
        """A BIT STRING of whole octets that holds DER (subjectPublicKey, RFC 5280 §4.1.2.7)."""
        child = self.read(_BIT_STRING, name)
        if child.pos == child.end or self.data[child.pos] != 0:
            raise DecodeError("BIT STRING holding DER must have 0 unused bits (X.690 §8.6.2.2)",
                              child.element_start, child.path)
        child.pos += 1
        return child


def _first_octet(tag: Tag) -> int:
    """The identifier octet of ``tag`` when it has one (X.690 §8.1.2.3); -1 (matches no octet)
    for tag numbers of 31 and above, which take the high-tag-number form."""
    number = tag[2]
    if number >= 31:
        return -1
    return (tag[0] << 6) | (0x20 if tag[1] else 0) | number


def _padded_greater(a: bytes, b: bytes) -> bool:
    """a > b when both are padded with trailing zero octets to one length (X.690 §11.6)."""
    if len(a) < len(b):
        a = a.ljust(len(b), b"\0")
    elif len(b) < len(a):
        b = b.ljust(len(a), b"\0")
    return a > b


# Types whose constructed form is valid BER but not DER (X.690 §10.2): strings.
_STRING_TYPES = frozenset((3, 4, 12, 18, 19, 20, 22, 26, 28, 30))
_SEQUENCE = Tag(0, True, 16)
_SET = Tag(0, True, 17)
_BOOLEAN = Tag(0, False, 1)
_INTEGER = Tag(0, False, 2)
_BIT_STRING = Tag(0, False, 3)
_OCTET_STRING = Tag(0, False, 4)
_NULL = Tag(0, False, 5)
_OID = Tag(0, False, 6)
_ENUMERATED = Tag(0, False, 10)
_UTC_TIME = Tag(0, False, 23)
_GENERALIZED_TIME = Tag(0, False, 24)
