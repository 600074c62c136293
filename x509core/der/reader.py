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

Speed without shortcuts: the common header (one identifier octet, a short length) is read by
``header.short_header``, which accepts exactly what ``read_header`` accepts for it; every other
header goes through ``read_header``, which also raises every error. A reader's ``path`` (the field
names, for error messages) is built from its parent only when an error needs it, and a content
decoder's error is raised again with that path.
"""

from __future__ import annotations

from x509core.der import content as _content
from x509core.der.content import PrimitiveReading
from x509core.der.findings import ERROR, Finding, split_message
from x509core.der.header import DEFAULT_MAX_DEPTH, padded_greater, read_header, short_header
from x509core.der.tags import ONE_OCTET_TAGS as _TAGS
from x509core.der.tags import Tag, context_tag as _context, first_octet as _first_octet, tag_name
from x509core.errors import DecodeError, DepthExceeded, NonCanonicalEncoding, UnexpectedTag

__all__ = ["Reader", "read_header", "DEFAULT_MAX_DEPTH"]


class Reader(PrimitiveReading):
    """A cursor over ``data[pos:end]``; methods read one element each and advance. The methods
    for the primitive types (``read_integer``, ``read_string``, ``read_time``, ...) are those of
    :class:`~x509core.der.content.PrimitiveReading`, beside their content decoders."""

    __slots__ = ("data", "pos", "end", "_parent", "_name", "depth", "max_depth", "element_start",
                 "findings")

    def __init__(self, data: bytes | bytearray | memoryview, *, max_depth: int = DEFAULT_MAX_DEPTH,
                 findings: list | None = None):
        if isinstance(data, (bytearray, memoryview)):
            data = bytes(data)
        elif not isinstance(data, bytes):
            raise TypeError(f"DER input must be bytes, not {type(data).__name__}")
        self.data = data
        self.pos = 0
        self.end = len(data)
        self._parent: Reader | None = None
        self._name = ""
        self.depth = 0
        self.max_depth = max_depth
        self.element_start = 0
        # None: strict, a departure raises; a list: readable departures are appended to it as
        # Findings (der/findings.py), shared by every reader made from this one.
        self.findings = findings

    # -- structure ---------------------------------------------------------------------------

    @property
    def path(self) -> tuple[str, ...]:
        """The names of the fields that lead here, outermost first (for error messages)."""
        names = []
        reader = self
        while reader is not None:
            if reader._name:
                names.append(reader._name)
            reader = reader._parent
        names.reverse()
        return tuple(names)

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

    def read_items(self, read_one, empty: str) -> tuple:
        """Every element of this SEQUENCE OF / SET OF, as ``read_one(self, "[index]")`` reads
        it, for a type declared ``SIZE (1..MAX)``: none at all is the departure ``empty``
        ("what (clause)"), reported (a strict reader raises DecodeError ``empty``)."""
        if self.pos >= self.end:
            self.report(DecodeError, *split_message(empty), self.element_start)
            return ()
        items = []
        while self.pos < self.end:
            items.append(read_one(self, f"[{len(items)}]"))
        return tuple(items)

    def fail(self, error: type[DecodeError], reason: str, offset: int | None = None) -> None:
        raise error(reason, self.pos if offset is None else offset, self.path)

    def report(self, error: type[DecodeError], reason: str, clause: str, offset: int | None = None,
               *, severity: str = ERROR, name: str = "") -> None:
        """A readable departure from ``clause`` at ``offset`` (default: here): recorded as a
        :class:`~x509core.der.findings.Finding` when this reader collects findings, raised as
        ``error`` (with the same message, offset and path) when it is strict."""
        finding = Finding(severity, reason, clause, self.pos if offset is None else offset,
                          self._path(name), error)
        if self.findings is None:
            raise finding.to_error()
        self.findings.append(finding)

    def strict_fork(self) -> "Reader":
        """A strict copy of this cursor: a look-ahead that raises where this reader would record
        a finding, so that an abandoned attempt leaves no finding behind."""
        copy = self.fork()
        copy.findings = None
        return copy

    def fork(self) -> "Reader":
        """A copy of this cursor, to look ahead without moving this one."""
        copy = _new(Reader)
        copy.data, copy.pos, copy.end = self.data, self.pos, self.end
        copy._parent, copy._name = self._parent, self._name
        copy.depth, copy.max_depth, copy.element_start = self.depth, self.max_depth, self.element_start
        copy.findings = self.findings
        return copy

    def peek_tag(self) -> Tag | None:
        """The tag of the next element, or None at the end."""
        pos = self.pos
        if pos >= self.end:
            return None
        if short_header(self.data, pos, self.end) is not None:
            return _TAGS[self.data[pos]]
        bits, number, _, _ = read_header(self.data, pos, self.end, self.path)
        return Tag(bits >> 6, bool(bits & 0x20), number)

    def peek_is(self, tag: Tag) -> bool:
        pos = self.pos
        if pos >= self.end:
            return False
        if short_header(self.data, pos, self.end) is not None:
            return self.data[pos] == _first_octet(tag)
        bits, number, _, _ = read_header(self.data, pos, self.end, self.path)
        return bits == tag.bits and number == tag.number

    def read_element(self, name: str = "") -> tuple[Tag, "Reader"]:
        """The next element, whatever its tag: its tag and a reader over its content octets."""
        start = self.pos
        bounds = short_header(self.data, start, self.end)
        if bounds is not None:
            tag, (cstart, cend) = _TAGS[self.data[start]], bounds
        else:
            bits, number, cstart, cend = read_header(self.data, start, self.end, self.path)
            tag = Tag(bits >> 6, bool(bits & 0x20), number)
        self.pos = cend
        return tag, self._child(start, cstart, cend, name, tag.constructed)

    def read(self, tag: Tag, name: str = "") -> "Reader":
        """The next element, which must have ``tag``: a reader over its content octets."""
        return self._read(_first_octet(tag), tag, name)

    def read_optional(self, tag: Tag, name: str = "") -> "Reader | None":
        """Like :meth:`read` when the next element has ``tag``; None (nothing read) otherwise."""
        return self.read(tag, name) if self.peek_is(tag) else None

    def _path(self, name: str) -> tuple[str, ...]:
        return self.path + (name,) if name else self.path

    def _child(self, start: int, cstart: int, cend: int, name: str, nests: bool = True) -> "Reader":
        """A reader over ``data[cstart:cend]``; ``nests`` (a constructed element) counts a level."""
        child = _new(Reader)
        child.data, child.pos, child.end = self.data, cstart, cend
        child._parent, child._name = self, name
        child.depth = self.depth + 1
        child.max_depth = self.max_depth
        child.element_start = start
        child.findings = self.findings
        if nests and child.depth > self.max_depth:
            raise DepthExceeded(f"nesting deeper than {self.max_depth} levels", start, child.path)
        return child

    def _read(self, first: int, tag: Tag, name: str) -> "Reader":
        """:meth:`read` for a tag whose identifier octet is ``first`` (see :func:`_first_octet`);
        :meth:`_child` and the commonest case of :meth:`_bounds` written out, as this is the
        hottest call of a certificate load."""
        data, start, end = self.data, self.pos, self.end
        if start + 1 < end and data[start] == first and first and data[start + 1] < 0x80 \
                and start + 2 + data[start + 1] <= end:
            cstart, cend = start + 2, start + 2 + data[start + 1]
            self.pos = cend
        else:
            cstart, cend = self._bounds(first, tag, name)
        child = _new(Reader)
        child.data, child.pos, child.end = data, cstart, cend
        child._parent, child._name = self, name
        child.depth = depth = self.depth + 1
        child.max_depth = self.max_depth
        child.element_start = start
        child.findings = self.findings
        if tag[1] and depth > self.max_depth:
            raise DepthExceeded(f"nesting deeper than {self.max_depth} levels", start, child.path)
        return child

    def _bounds(self, first: int, tag: Tag, name: str) -> tuple[int, int]:
        """Bounds of the content octets of the next element, which must have ``tag`` (whose
        identifier octet is ``first``); the reader moves past the element."""
        data, start, end = self.data, self.pos, self.end
        if start + 1 < end and data[start] == first and first:
            length = data[start + 1]
            if length < 0x80 and start + 2 + length <= end:    # short_header's commonest case
                self.pos = start + 2 + length
                return start + 2, self.pos
            bounds = short_header(data, start, end)
            if bounds is not None:
                self.pos = bounds[1]
                return bounds
        bits, number, cstart, cend = read_header(self.data, start, self.end, self._path(name))
        if bits != tag.bits or number != tag.number:
            self._unexpected(tag, bits, number, start, name)
        self.pos = cend
        return cstart, cend

    def _decode(self, decoder, first: int, tag: Tag, name: str):
        """The value of the next element, which must have ``tag``, by a content decoder of
        :mod:`x509core.der.content`. A primitive value is not a level of nesting, so no child
        reader (and no depth) is involved."""
        start, end = self._bounds(first, tag, name)
        try:
            return decoder(self.data, start, end, ())
        except DecodeError as exc:                  # the same error, with this field's path
            raise type(exc)(exc.reason, exc.offset, self._path(name)) from None

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

    # -- constructed types -------------------------------------------------------------------

    def read_sequence(self, name: str = "") -> "Reader":
        """A SEQUENCE or SEQUENCE OF (X.690 §8.9, §8.10): a reader over its elements."""
        return self._read(0x30, _SEQUENCE, name)

    def read_set(self, name: str = "") -> "Reader":
        """A SET OF whose elements are in ascending order of their encodings (X.690 §11.6)."""
        child = self._read(0x31, _SET, name)
        child.check_set_order()
        return child

    def check_set_order(self) -> None:
        """Require the elements from here to the end to be sorted as X.690 §11.6 says."""
        previous: bytes | None = None
        data, pos, end = self.data, self.pos, self.end
        while pos < end:
            bounds = short_header(data, pos, end)
            cend = bounds[1] if bounds is not None else read_header(data, pos, end, self.path)[3]
            current = data[pos:cend]
            if previous is not None and padded_greater(previous, current):
                self.report(NonCanonicalEncoding, "SET OF elements not in ascending order",
                            "X.690 §11.6", pos)
                return
            previous, pos = current, cend

    def read_explicit(self, number: int, name: str = "") -> "Reader":
        """``[number] EXPLICIT``: always constructed (X.690 §8.14.2); read the inner value from it."""
        tag = _context(number, True)
        return self._read(_first_octet(tag), tag, name)

    def read_optional_explicit(self, number: int, name: str = "") -> "Reader | None":
        return self.read_optional(_context(number, True), name)

    def read_implicit(self, number: int, constructed: bool, name: str = "") -> "Reader":
        """``[number] IMPLICIT``: the content octets of the underlying type, under this tag."""
        tag = _context(number, constructed)
        return self._read(_first_octet(tag), tag, name)

    def read_implicit_value(self, number: int, universal: int, name: str = ""):
        """``[number] IMPLICIT T`` for a primitive universal type T (e.g. ``IA5String`` = 22)."""
        tag = _context(number, False)
        return self._decode(_content.PRIMITIVE_DECODERS[universal], _first_octet(tag), tag, name)

    def read_any(self, name: str = "") -> bytes:
        """The complete encoding of the next element, checked to be DER all the way down."""
        from x509core.der.generic import validate          # generic imports this module
        start = self.pos
        bits, number, cstart, cend = read_header(self.data, start, self.end, self._path(name))
        validate(self.data, start, cend, self._path(name), self.max_depth - self.depth)
        self.pos = cend
        return self.data[start:cend]


_new = object.__new__


# Types whose constructed form is valid BER but not DER (X.690 §10.2): strings.
_STRING_TYPES = frozenset((3, 4, 12, 18, 19, 20, 22, 26, 28, 30))
_SEQUENCE = Tag(0, True, 16)
_SET = Tag(0, True, 17)
