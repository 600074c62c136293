"""Hostile input: only DecodeError may escape, accepted input round-trips, work stays bounded.

(a) arbitrary bytes fed to ``decode``, to a typed :class:`Reader` walk, to the certificate walk and
    to ``dump`` raise nothing but :class:`DecodeError`; ``decode`` and the typed walk accept the
    same inputs and return the same values (two implementations of one set of DER rules);
(b) mutated real certificates (a byte flipped or set, bytes inserted or deleted, truncation);
(c) deep nesting and huge claimed lengths are refused early, without recursion or allocation;
    the depth limit is ``max_depth``;
(d) decoding work is linear, measured by counting calls, never by a clock;
(e) every accepted input satisfies ``encode(decode(b)) == b``, on DER-shaped generated input
    where most examples are accepted.

``check_hostile_input`` is also the body of the atheris target ``tests/fuzz/fuzz_der.py``.
"""

from __future__ import annotations

import sys
import tracemalloc
from functools import cache

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

import x509core.der.generic as generic_module
import x509core.der.reader as reader_module
from tests.der.test_pyasn1_differential import assert_same
from tests.der.test_real_certificates import INTEROP_NAMES, interop_certificate, walk_certificate
from x509core.der import (DEFAULT_MAX_DEPTH, DecodeError, DepthExceeded, NonCanonicalEncoding,
                          Reader, Set, Tag, Tagged, Truncated, decode, encode)
from x509core.der.content import STRING_TYPES
from x509core.der.dump import dump
from x509core.errors import InvalidValue

# -- the typed walk: the generic decoder's job, done with the Reader's read_x methods -------------

_UNIVERSAL_READS = {
    1: Reader.read_boolean, 2: Reader.read_integer, 3: Reader.read_bit_string,
    4: Reader.read_octet_string, 5: Reader.read_null, 6: Reader.read_oid,
    10: Reader.read_enumerated, 23: Reader.read_utc_time, 24: Reader.read_generalized_time,
    **{number: Reader.read_string for number in STRING_TYPES},
}


def typed_walk(data: bytes, max_depth: int = DEFAULT_MAX_DEPTH):
    """The value ``decode(data)`` should return, read with the typed Reader methods."""
    top = Reader(data, max_depth=max_depth)
    value = _typed_element(top)
    top.finish()
    return value


def _typed_element(reader: Reader):
    tag = reader.peek_tag()
    if tag is None:
        reader.read_element()                               # raises Truncated: nothing here
        raise AssertionError("read_element() read past the end")
    if tag.tag_class == 0 and tag.number in _UNIVERSAL_READS:
        return _UNIVERSAL_READS[tag.number](reader)         # refuses the constructed form
    if tag == Tag(0, True, 16):
        return _typed_children(reader.read_sequence())
    if tag == Tag(0, True, 17):
        return Set(_typed_children(reader.read_set()))
    if tag.tag_class == 2 and tag.constructed:
        return Tagged(2, tag.number, _typed_children(reader.read_explicit(tag.number)))
    if tag.tag_class == 2:
        inner = reader.read_implicit(tag.number, False)
        return Tagged(2, tag.number, inner.data[inner.pos:inner.end])
    if tag.tag_class == 0 and tag.number in (16, 17):
        return reader.read_sequence() if tag.number == 16 else reader.read_set()  # refuses
    _, inner = reader.read_element()
    if tag.constructed:
        return Tagged(tag.tag_class, tag.number, _typed_children(inner))
    return Tagged(tag.tag_class, tag.number, inner.data[inner.pos:inner.end])


def _typed_children(reader: Reader) -> list:
    items = []
    while not reader.at_end:
        items.append(_typed_element(reader))
    reader.finish()
    return items


def _outcome(function, data: bytes):
    """("ok", value) or ("refused", error); any other exception propagates and fails the test."""
    try:
        return "ok", function(data)
    except DecodeError as error:
        return "refused", error


def check_hostile_input(data: bytes) -> bool:
    """Every entry point on ``data``; True when ``decode`` accepted it."""
    generic, value = _outcome(decode, data)
    typed, typed_value = _outcome(typed_walk, data)
    assert generic == typed, \
        f"decode {generic} ({value}) but the typed walk {typed} ({typed_value})"
    if generic == "ok":
        assert encode(value) == data
        assert_same(typed_value, value)
    assert _outcome(dump, data)[0] == generic
    _outcome(walk_certificate, data)
    return generic == "ok"


# -- (a) arbitrary bytes ------------------------------------------------------------------------

@given(data=st.binary(max_size=2000))
def test_arbitrary_bytes_raise_only_decode_error(data):
    event("accepted" if check_hostile_input(data) else "refused")


_LIKELY_FIRST_OCTETS = [bytes((tag,)) for tag in (0x30, 0x31, 0xA0, 0x06, 0x02, 0x03, 0x17, 0x18)]


@given(head=st.sampled_from(_LIKELY_FIRST_OCTETS), data=st.binary(max_size=300))
def test_bytes_behind_a_likely_tag_raise_only_decode_error(head, data):
    # A plausible first octet and a length that fits get far more inputs past the header.
    length = len(data)
    header = bytes((length,)) if length < 0x80 else b"\x82" + length.to_bytes(2, "big")
    check_hostile_input(head + header + data)


# Found while writing these tests; each must be refused with a DecodeError.
HOSTILE_ROWS = [
    # An OID arc of 2100 base-128 octets is an int of 4425 decimal digits; Python 3.11 refuses to
    # turn it into a str (sys.get_int_max_str_digits() == 4300) with a plain ValueError.
    ("OID arc above the int-to-str limit", "06 82 08 35" + "ff" * 2100 + "7f"),
    ("OID first arc above the int-to-str limit", "06 82 08 35" + "81" * 2100 + "00"),
]


@pytest.mark.parametrize("name, hexdata", HOSTILE_ROWS, ids=[row[0] for row in HOSTILE_ROWS])
def test_hostile_rows_raise_only_decode_error(name, hexdata):
    data = bytes.fromhex(hexdata.replace(" ", ""))
    with pytest.raises(DecodeError):
        decode(data)
    with pytest.raises(DecodeError):
        Reader(data).read_oid()


# -- (b) mutated certificates --------------------------------------------------------------------

@cache
def seed_certificates() -> tuple[bytes, ...]:
    return tuple(interop_certificate(name) for name in INTEROP_NAMES)


@st.composite
def mutated_certificates(draw):
    der = bytearray(draw(st.sampled_from(seed_certificates())))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(der) - 1))
        kind = draw(st.sampled_from(["flip", "set", "insert", "delete", "truncate"]))
        if kind == "flip":
            der[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "set":
            der[at] = draw(st.sampled_from([0x00, 0x01, 0x7F, 0x80, 0x81, 0x82, 0x84, 0xFF]))
        elif kind == "insert":
            der[at:at] = draw(st.binary(min_size=1, max_size=4))
        elif kind == "delete":
            del der[at:at + draw(st.integers(1, 4))]
        else:
            del der[at:]
        if not der:
            break
    return bytes(der)


@given(data=mutated_certificates())
def test_mutated_certificates(data):
    event("accepted" if check_hostile_input(data) else "refused")


def test_every_single_byte_truncation_of_a_certificate_is_truncated():
    der = seed_certificates()[0]
    for length in range(1, len(der)):
        with pytest.raises(Truncated):
            decode(der[:length])
        with pytest.raises(Truncated):
            walk_certificate(der[:length])


# -- (c) nesting and claimed lengths ---------------------------------------------------------------

def nested_sequences(depth: int, inner: bytes = b"") -> bytes:
    """``depth`` definite-length SEQUENCEs around ``inner``, built in linear time."""
    headers, length = [], len(inner)
    for _ in range(depth):
        if length < 0x80:
            header = bytes((0x30, length))
        else:
            size = (length.bit_length() + 7) // 8
            header = bytes((0x30, 0x80 | size)) + length.to_bytes(size, "big")
        headers.append(header)
        length += len(header)
    return b"".join(reversed(headers)) + inner


class CountingReadHeader:
    """Counts ``read_header`` calls of the generic decoder and of the Reader."""

    def __init__(self, monkeypatch):
        self.calls = 0
        original = reader_module.read_header

        def counted(*args):
            self.calls += 1
            return original(*args)

        monkeypatch.setattr(generic_module, "read_header", counted)
        monkeypatch.setattr(reader_module, "read_header", counted)


def reader_walk(data: bytes, max_depth: int = DEFAULT_MAX_DEPTH) -> int:
    """Every element through ``Reader.read_element``; returns how many."""
    count, pending = 0, [Reader(data, max_depth=max_depth)]
    while pending:
        reader = pending.pop()
        while not reader.at_end:
            tag, child = reader.read_element()
            count += 1
            if tag.constructed:
                pending.append(child)
    return count


def _peak_allocation(function, data: bytes) -> int:
    tracemalloc.start()
    try:
        try:
            function(data)
        except DecodeError:
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_100k_indefinite_lengths_are_refused_at_the_first(monkeypatch):
    data = b"\x30\x80" * 100_000
    counter = CountingReadHeader(monkeypatch)
    for function in (decode, typed_walk, reader_walk):
        with pytest.raises(NonCanonicalEncoding) as refused:
            function(data)
        assert refused.value.offset == 1
    assert counter.calls <= 4


def test_100k_nested_sequences_stop_at_the_depth_limit(monkeypatch):
    data = nested_sequences(100_000)
    first_too_deep = len(data) - len(nested_sequences(100_000 - DEFAULT_MAX_DEPTH))
    counter = CountingReadHeader(monkeypatch)
    for function in (decode, typed_walk, reader_walk):
        with pytest.raises(DepthExceeded) as refused:
            function(data)
        assert refused.value.offset == first_too_deep
    # decode and reader_walk read each header once, typed_walk twice (peek_tag, then read).
    assert counter.calls <= 4 * (DEFAULT_MAX_DEPTH + 1)
    assert _peak_allocation(decode, data) < 256 * 1024


@pytest.mark.parametrize("limit", [1, 10, 200])
def test_max_depth_is_configurable(limit):
    # Exactly `limit` nested SEQUENCEs are accepted; one more is refused at the innermost.
    inside, too_deep = nested_sequences(limit), nested_sequences(limit + 1)
    for function in (decode, typed_walk, reader_walk):
        function(inside, max_depth=limit)
        with pytest.raises(DepthExceeded) as refused:
            function(too_deep, max_depth=limit)
        assert refused.value.offset == len(too_deep) - 2


def test_max_depth_zero_allows_only_a_primitive():
    assert decode(b"\x05\x00", max_depth=0) is None
    with pytest.raises(DepthExceeded):
        decode(b"\x30\x00", max_depth=0)


def test_depth_is_counted_alike_by_decode_read_any_and_the_reader():
    # 64 SEQUENCEs around an INTEGER: decode() and Reader.read_any() accept it at the default
    # limit, so the Reader's own walk must too (or all three refuse it).
    data = nested_sequences(DEFAULT_MAX_DEPTH, b"\x02\x01\x05")
    outcomes = {name: _outcome(function, data) for name, function in [
        ("decode", decode), ("Reader.read_any", lambda d: Reader(d).read_any()),
        ("typed_walk", typed_walk), ("reader_walk", reader_walk)]}
    assert len({kind for kind, _ in outcomes.values()}) == 1, outcomes


@pytest.mark.parametrize("depth", [300, 600, 900, 100_000])
def test_encoding_a_deep_value_never_overflows_the_stack(depth):
    # decode() is iterative and takes any max_depth; encode() of what it returned must give the
    # bytes back or refuse with InvalidValue ("value nests too deeply to encode"), never
    # RecursionError.
    data = nested_sequences(depth)
    value = decode(data, max_depth=depth)
    try:
        assert encode(value) == data
    except InvalidValue:
        pass
    except RecursionError:
        pytest.fail(f"encode() raised RecursionError on a value {depth} SEQUENCEs deep")


CLAIMED_LENGTHS = [
    ("10 MB SEQUENCE, 3 octets of content", "30 83 a0 00 00 02 01 00", 0),
    ("4 GiB - 1 OCTET STRING", "04 84 ff ff ff ff 61 62 63", 0),
    ("2 GiB SEQUENCE inside a SEQUENCE", "30 08 30 84 7f ff ff ff 05 00", 2),
    ("length octets cut short", "30 84 00 00", 1),
]


@pytest.mark.parametrize("name, hexdata, offset", CLAIMED_LENGTHS,
                         ids=[row[0] for row in CLAIMED_LENGTHS])
def test_huge_claimed_lengths_are_truncated_without_allocation(name, hexdata, offset, monkeypatch):
    data = bytes.fromhex(hexdata.replace(" ", ""))
    counter = CountingReadHeader(monkeypatch)
    for function in (decode, typed_walk, reader_walk, walk_certificate):
        with pytest.raises(Truncated) as refused:
            function(data)
        assert refused.value.offset == offset
        assert _peak_allocation(function, data) < 64 * 1024
    assert counter.calls <= 4 * 2 * 2 * 2          # 4 functions, 2 runs, <= 2 elements, peek


# -- (d) linear work, counted ----------------------------------------------------------------------

def flat_sequence(count: int) -> bytes:
    integers = b"".join(b"\x02\x02\x01" + bytes((i % 256,)) for i in range(count))
    size = (len(integers).bit_length() + 7) // 8
    return bytes((0x30, 0x80 | size)) + len(integers).to_bytes(size, "big") + integers


def _function_calls(function, data: bytes) -> int:
    """Python and built-in function calls made by ``function(data)``: deterministic work."""
    calls = 0

    def profile(frame, event_name, arg):
        nonlocal calls
        if event_name in ("call", "c_call"):
            calls += 1

    sys.setprofile(profile)
    try:
        function(data)
    finally:
        sys.setprofile(None)
    return calls


@pytest.mark.parametrize("function", [decode, typed_walk, reader_walk, dump],
                         ids=["decode", "typed_walk", "reader_walk", "dump"])
def test_work_is_linear_in_the_number_of_elements(function, monkeypatch):
    n = 500
    small, large = flat_sequence(n), flat_sequence(8 * n)
    assert _function_calls(function, large) <= 8 * _function_calls(function, small) + 100
    counter = CountingReadHeader(monkeypatch)
    function(small)
    small_headers, counter.calls = counter.calls, 0
    function(large)
    assert counter.calls <= 8 * small_headers + 8


def test_decode_reads_each_header_once(monkeypatch):
    counter = CountingReadHeader(monkeypatch)
    decode(flat_sequence(4000))
    assert counter.calls == 4001
    counter.calls = 0
    decode(nested_sequences(DEFAULT_MAX_DEPTH, b"\x02\x01\x05"))
    assert counter.calls == DEFAULT_MAX_DEPTH + 1


def test_sorted_set_of_is_checked_in_linear_work():
    elements = sorted(b"\x04\x02" + i.to_bytes(2, "big") for i in range(4000))
    small = b"\x31\x82" + (4 * 500).to_bytes(2, "big") + b"".join(elements[:500])
    large = b"\x31\x82" + (4 * 4000).to_bytes(2, "big") + b"".join(elements)
    assert _function_calls(decode, large) <= 8 * _function_calls(decode, small) + 100


# -- (e) DER-shaped input round-trips --------------------------------------------------------------

_CONTENT = {
    0x01: st.sampled_from([b"\x00", b"\xff", b"\x00", b"\xff", b"\x01", b""]),
    0x02: st.one_of(*[st.integers(-(2**80), 2**80).map(
        lambda v: v.to_bytes((v + (v < 0)).bit_length() // 8 + 1, "big", signed=True))] * 3,
        st.binary(max_size=4)),
    0x03: st.one_of(st.binary(max_size=6).map(lambda b: b"\x00" + b),
                    st.binary(max_size=6).map(lambda b: b"\x00" + b),
                    st.binary(min_size=1, max_size=6)),
    0x05: st.sampled_from([b"", b"", b"", b"\x00"]),
    0x06: st.binary(min_size=1, max_size=12).map(lambda b: b[:-1] + bytes((b[-1] & 0x7F,))),
    0x0A: st.sampled_from([b"\x00", b"\x7f", b"\x80", b"\x00\x80"]),
    0x0C: st.text(max_size=8).map(lambda s: s.encode("utf-8", "surrogatepass")),
    0x14: st.binary(max_size=8),
    0x13: st.text(alphabet="ab 1'()+,-./:=?*@", max_size=8).map(str.encode),
    0x16: st.binary(max_size=8).map(lambda b: bytes(o & 0x7F for o in b)),
    0x17: st.sampled_from([b"491231235959Z", b"500101000000Z", b"9912312359Z", b"000229000000Z"]),
    0x18: st.sampled_from([b"20500101000000Z", b"20500101000000.5Z", b"20500101000000.50Z",
                           b"19991231235959.123456Z", b"2050010100Z", b"20500230000000Z"]),
    0x1E: st.binary(max_size=4).map(lambda b: b.replace(b"\xd8", b"\x00") * 2),
}
# Mostly the tags above (their contents are mostly valid), sometimes any first octet.
_LIKELY_TAGS = st.sampled_from(sorted(_CONTENT) + [0x04, 0x07, 0x09, 0x80, 0x81, 0x5F])
_PRIMITIVE_TAGS = st.one_of(*[_LIKELY_TAGS] * 7, st.integers(0, 255))


def _tlv(tag_octets: bytes, content: bytes, long_form: bool) -> bytes:
    length = len(content)
    if length < 0x80 and not long_form:
        return tag_octets + bytes((length,)) + content
    size = max(1, (length.bit_length() + 7) // 8)
    return tag_octets + bytes((0x80 | size,)) + length.to_bytes(size, "big") + content


@st.composite
def _primitive(draw):
    tag = draw(_PRIMITIVE_TAGS)
    content = draw(_CONTENT.get(tag, st.binary(max_size=6)))
    tag_octets = bytes((tag,)) + (b"\x21" if tag & 0x1F == 0x1F else b"")
    return _tlv(tag_octets, content, draw(st.integers(0, 60)) == 37)


@st.composite
def _constructed(draw, children):
    tag = draw(st.sampled_from([0x30, 0x30, 0x31, 0x31, 0xA0, 0x30, 0xA3, 0x61, 0x28, 0x24]))
    parts = draw(st.lists(children, max_size=5))
    if tag == 0x31 and draw(st.integers(0, 3)):
        width = max(map(len, parts), default=0)
        parts.sort(key=lambda part: part.ljust(width, b"\0"))          # X.690 §11.6
    return _tlv(bytes((tag,)), b"".join(parts), draw(st.integers(0, 60)) == 37)


der_shaped = st.recursive(_primitive(), lambda children: _constructed(children), max_leaves=25)


@given(data=der_shaped)
def test_accepted_der_shaped_input_round_trips(data):
    event("accepted" if check_hostile_input(data) else "refused")
