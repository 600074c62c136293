"""Canonical round trips for every type: ``decode(encode(v)) == v`` (same Python types too) and
``encode(decode(b)) == b``; and every ``read_x``/``write_x`` pair of the reader and writer."""

from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import given
from hypothesis import strategies as st

from x509core.der import (BitString, BMPString, Enumerated, GeneralizedTime, IA5String,
                          NumericString, ObjectIdentifier, PrintableString, Reader, Set, Tagged,
                          TeletexString, UniversalString, UTCTime, UTF8String, VisibleString,
                          Writer, decode, encode)
from x509core.der.generic import encode_part
from x509core.der.values import PRINTABLE_CHARACTERS

UTC = timezone.utc


@st.composite
def bit_strings(draw):
    data = draw(st.binary(max_size=40))
    unused = draw(st.integers(0, 7)) if data else 0
    if data:
        data = data[:-1] + bytes((data[-1] & (0xFF << unused) & 0xFF,))
    return BitString(data, unused)


@st.composite
def oids(draw):
    first = draw(st.integers(0, 2))
    second = draw(st.integers(0, 39)) if first < 2 else draw(st.integers(0, 2**70))
    rest = draw(st.lists(st.integers(0, 2**80), max_size=8))
    return ObjectIdentifier(".".join(map(str, (first, second, *rest))))


def _text(alphabet, cls):
    return st.text(alphabet=alphabet, max_size=30).map(cls)


no_surrogates = st.characters(blacklist_categories=("Cs",))
strings = st.one_of(
    _text(no_surrogates, UTF8String),
    _text(st.sampled_from(sorted(PRINTABLE_CHARACTERS)), PrintableString),
    _text(st.characters(max_codepoint=0x7F), IA5String),
    _text(st.sampled_from("0123456789 "), NumericString),
    _text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), VisibleString),
    _text(st.characters(max_codepoint=0xFF), TeletexString),
    _text(st.characters(max_codepoint=0xFFFF, blacklist_categories=("Cs",)), BMPString),
    _text(no_surrogates, UniversalString),
)
utc_times = st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(2049, 12, 31, 23, 59, 59),
                         timezones=st.just(UTC)).map(lambda d: UTCTime(*d.timetuple()[:6], tzinfo=UTC))
generalized_times = st.datetimes(timezones=st.just(UTC)).map(
    lambda d: GeneralizedTime(*d.timetuple()[:6], d.microsecond, tzinfo=UTC))
scalars = st.one_of(
    st.booleans(), st.integers(), st.integers(-(2**4100), 2**4100),
    st.integers(-(2**40), 2**40).map(Enumerated), bit_strings(), st.binary(max_size=300),
    st.none(), oids(), strings, utc_times, generalized_times,
)
# Universal tags x509core does not interpret come back as Tagged, like other classes.
free_universal = st.sampled_from([7, 8, 9, 11, 13, 14, 15, 21, 25, 27, 29, 31, 100, 2**20])


def _tagged(children):
    tag = st.one_of(st.tuples(st.integers(1, 3), st.integers(0, 2**27)),
                    st.tuples(st.just(0), free_universal))
    primitive = st.builds(lambda t, v: Tagged(t[0], t[1], v), tag, st.binary(max_size=50))
    constructed = st.builds(lambda t, v: Tagged(t[0], t[1], list(v)), tag, st.lists(children, max_size=4))
    return st.one_of(primitive, constructed)


values = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=5),
                               st.lists(children, max_size=5).map(Set), _tagged(children)),
    max_leaves=25,
)


def _canonical(value):
    """What decoding gives back: SET OF elements in DER order, tuples as lists."""
    if isinstance(value, Set):
        items = [_canonical(v) for v in value]
        width = max((len(encode_part(v)) for v in items), default=0)
        return Set(sorted(items, key=lambda v: encode_part(v).ljust(width, b"\0")))
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    if isinstance(value, Tagged) and isinstance(value.value, list):
        return Tagged(value.tag_class, value.number, [_canonical(v) for v in value.value])
    return value


def _same(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, Tagged):
        return (a.tag_class, a.number) == (b.tag_class, b.number) and _same(a.value, b.value)
    return a == b


@given(values)
def test_decode_of_encode_is_identity(value):
    decoded = decode(encode(value))
    assert _same(decoded, _canonical(value)), (decoded, value)


@given(values)
def test_encode_of_decode_is_identity(value):
    data = encode(value)
    assert encode(decode(data)) == data


def test_plain_python_values_choose_their_types():
    assert encode("é") == b"\x0c\x02\xc3\xa9"                      # str -> UTF8String
    assert encode((1, 2)) == bytes.fromhex("3006020101020102")    # tuple -> SEQUENCE
    assert encode(datetime(2049, 12, 31, tzinfo=UTC))[0] == 0x17  # RFC 5280: UTCTime to 2049
    assert encode(datetime(2050, 1, 1, tzinfo=UTC))[0] == 0x18
    assert encode(Set([2, 1])) == bytes.fromhex("3106020101020102")


@given(st.integers())
def test_integer_pair(value):
    w = Writer()
    w.write_integer(value)
    assert Reader(w.to_bytes()).read_integer() == value


@given(oids())
def test_oid_pair(value):
    w = Writer()
    w.write_oid(value)
    assert Reader(w.to_bytes()).read_oid() == value


@given(st.frozensets(st.integers(0, 40)))
def test_named_bits_pair(bits):
    w = Writer()
    w.write_named_bits(bits)
    assert Reader(w.to_bytes()).read_named_bit_string().named_bits == bits


@given(bit_strings())
def test_bit_string_pair(value):
    w = Writer()
    w.write_bit_string(value)
    assert Reader(w.to_bytes()).read_bit_string() == value


@given(st.datetimes(min_value=datetime(1950, 1, 1), timezones=st.just(UTC)))
def test_time_pair(value):
    value = value.replace(microsecond=0)
    w = Writer()
    w.write_time(value)
    assert Reader(w.to_bytes()).read_time() == value


@given(strings)
def test_string_pair(value):
    w = Writer()
    w.write_string(value, value.tag_number)
    assert Reader(w.to_bytes()).read_string() == value


@given(st.booleans(), st.binary(max_size=20))
def test_boolean_and_octet_string_pairs(flag, blob):
    w = Writer()
    with w.sequence():
        w.write_boolean(flag)
        w.write_octet_string(blob)
        w.write_null()
        w.write_enumerated(3)
    seq = Reader(w.to_bytes()).read_sequence()
    assert (seq.read_boolean(), seq.read_octet_string(), seq.read_null(), seq.read_enumerated()) == (flag, blob, None, 3)
    seq.finish()


@given(st.lists(st.integers(), max_size=10))
def test_set_of_writer_sorts(items):
    w = Writer()
    with w.set_of():
        for item in items:
            w.write_integer(item)
    reader = Reader(w.to_bytes()).read_set()     # read_set checks X.690 §11.6 order
    got = []
    while not reader.at_end:
        got.append(reader.read_integer())
    assert sorted(got) == sorted(items)


def test_nested_writer_matches_generic_encoder():
    w = Writer()
    with w.sequence():
        with w.explicit(0):
            w.write_integer(2)
        with w.octet_string_der():
            with w.sequence():
                w.write_boolean(True)
        with w.bit_string_der():
            w.write_integer(65537)
        w.write_implicit_primitive(2, b"host")
    expected = encode([Tagged(2, 0, [2]), encode([True]), BitString(encode(65537), 0),
                       Tagged(2, 2, b"host")])
    assert w.to_bytes() == expected
    seq = Reader(w.to_bytes()).read_sequence()
    assert seq.read_explicit_default_integer(0, default=0) == 2
    inner = seq.read_octet_string_der()
    assert inner.read_sequence().read_boolean() is True
    key = seq.read_bit_string_der()
    assert key.read_integer() == 65537
    assert seq.read_implicit_value(2, 4) == b"host"
    seq.finish()
