"""The cursor reader: each refusal with its error class and absolute offset, like cryptobyte's
asn1_test.go; and the typed reads that later layers build on."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from x509core.der import (BitString, DecodeError, DepthExceeded, NonCanonicalEncoding, Reader,
                          Truncated, UnexpectedTag, decode)
from x509core.der import tags

# (name, hex, error class, offset) — the generic decoder must refuse each at that offset.
BAD = [
    ("empty input", "", DecodeError, 0),
    ("tag only", "30", Truncated, 0),
    ("end-of-contents at top", "0000", NonCanonicalEncoding, 0),
    ("non-minimal length", "30 81 05 02 01 01 02 01 02", NonCanonicalEncoding, 1),
    ("length octets truncated", "04 82 01", Truncated, 1),
    ("length in 5 octets", "04 85 01 00 00 00 00", DecodeError, 1),
    ("length beyond input", "30 84 7f ff ff ff 00", Truncated, 0),
    ("inner length beyond outer", "30 03 04 05 00", Truncated, 2),
    ("stray zero octet nested", "30 04 02 01 01 00", NonCanonicalEncoding, 5),
    ("element after the top-level one", "30 05 02 01 01 05 00 05", DecodeError, 7),
    ("trailing after top", "05 00 05 00", DecodeError, 2),
    ("high tag truncated", "1f 81", Truncated, 0),
    ("high tag too large", "1f 81 81 81 81 01 00", DecodeError, 0),
    ("primitive SET", "11 00", DecodeError, 0),
    ("constructed INTEGER", "22 03 02 01 01", DecodeError, 0),
    ("constructed NULL", "25 00", DecodeError, 0),
    ("unsorted SET OF", "30 08 31 06 02 01 02 02 01 01", NonCanonicalEncoding, 7),
    ("bad utf8 deep", "30 05 30 03 0c 01 c0", DecodeError, 6),
    ("surrogate in UTF8String", "0c 03 ed a0 80", DecodeError, 2),
    ("overlong UTF8String", "0c 02 c0 80", DecodeError, 2),
    ("surrogate in BMPString", "1e 02 d8 00", DecodeError, 2),
    ("UniversalString bad length", "1c 03 00 00 41", DecodeError, 2),
    ("UniversalString beyond U+10FFFF", "1c 04 00 11 00 00", DecodeError, 2),
    ("UTCTime month 13", "17 0d 32 36 31 33 32 34 31 36 32 31 34 39 5a", DecodeError, 2),
    ("UTCTime with letter", "17 0d 32 36 31 31 32 34 31 36 32 31 34 41 5a", DecodeError, 13),
    ("GeneralizedTime fraction of 7 digits",
     "18 17 32 30 32 36 31 31 32 34 31 36 32 31 34 39 2e 31 32 33 34 35 36 37 5a", DecodeError, 17),
    ("NumericString letter", "12 01 41", DecodeError, 2),
    ("VisibleString control", "1a 01 0a", DecodeError, 2),
]


@pytest.mark.parametrize("name,hexdata,error,offset", BAD, ids=[row[0] for row in BAD])
def test_generic_decoder_refuses(name, hexdata, error, offset):
    with pytest.raises(error) as info:
        decode(bytes.fromhex(hexdata))
    assert info.value.offset == offset, str(info.value)


def test_offsets_are_absolute_and_paths_named():
    data = bytes.fromhex("30 0b 30 09 02 01 01 02 02 00 05 05 00")
    seq = Reader(data).read_sequence("outer")
    inner = seq.read_sequence("inner")
    inner.read_integer("first")
    with pytest.raises(NonCanonicalEncoding) as info:
        inner.read_integer("second")
    assert info.value.offset == 9
    assert info.value.path == ("outer", "inner", "second")
    assert "at byte 9 (outer.inner.second)" in str(info.value)


def test_unexpected_tag_names_both_tags():
    with pytest.raises(UnexpectedTag, match="expected INTEGER, found OCTET STRING"):
        Reader(bytes.fromhex("04 00")).read_integer()


def test_finish_refuses_unread_fields():
    seq = Reader(bytes.fromhex("30 06 02 01 01 02 01 02")).read_sequence("s")
    seq.read_integer()
    with pytest.raises(DecodeError) as info:
        seq.finish()
    assert info.value.offset == 5


def test_depth_limit_is_configurable():
    nested = bytes.fromhex("05 00")
    for _ in range(10):
        nested = bytes((0x30, len(nested))) + nested
    assert decode(nested, max_depth=10) is not None
    with pytest.raises(DepthExceeded):
        decode(nested, max_depth=9)
    r = Reader(nested, max_depth=3)
    with pytest.raises(DepthExceeded):
        r.read_sequence().read_sequence().read_sequence().read_sequence()


def test_default_depth_stops_hostile_nesting_without_recursion():
    data = b"\x30\x80" * 200_000                      # BER indefinite nesting, never DER
    with pytest.raises(DecodeError):
        decode(data)
    chain = bytearray(b"\x05\x00")
    for _ in range(70):
        length = len(chain)
        head = bytes((0x30, length)) if length < 128 else bytes((0x30, 0x81, length)) if length < 256 else bytes((0x30, 0x82)) + length.to_bytes(2, "big")
        chain = bytearray(head) + chain
    with pytest.raises(DepthExceeded):
        decode(bytes(chain))


def test_typed_reads():
    r = Reader(bytes.fromhex("01 01 ff 02 02 00 80 0a 01 03 03 02 05 a0 04 01 aa 05 00 06 03 2a 86 48"
                             "0c 01 41 13 01 42 16 01 43 17 0d 32 36 31 31 32 34 31 36 32 31 34 39 5a"))
    assert r.read_boolean() is True
    assert r.read_integer() == 128
    assert r.read_enumerated() == 3
    assert r.read_named_bit_string().named_bits == {0, 2}
    assert r.read_octet_string() == b"\xaa"
    assert r.read_null() is None
    assert r.read_oid() == "1.2.840"
    assert r.read_string() == "A"
    assert r.read_string(allowed=(19,)) == "B"
    with pytest.raises(UnexpectedTag):
        Reader(bytes.fromhex("16 01 43")).read_string(allowed=(19,))
    assert r.read_string() == "C"
    assert r.read_time() == datetime(2026, 11, 24, 16, 21, 49, tzinfo=timezone.utc)
    r.finish()


def test_optional_and_default_fields():
    r = Reader(bytes.fromhex("30 08 a0 03 02 01 02 01 01 ff"))
    seq = r.read_sequence()
    assert seq.read_explicit_default_integer(0, default=0) == 2
    assert seq.read_optional_explicit(1) is None
    assert seq.read_default_boolean(False) is True
    assert seq.read_default_boolean(False) is False          # absent: the default
    seq.finish()


def test_peek():
    outer = Reader(bytes.fromhex("30 05 30 00 02 01 07")).read_sequence()
    assert outer.peek_tag() == tags.SEQUENCE
    outer.read_sequence()
    assert outer.peek_is(tags.INTEGER) and not outer.peek_is(tags.SEQUENCE)
    assert outer.read_integer() == 7
    assert outer.peek_tag() is None


def test_element_bytes_is_the_exact_encoding():
    data = bytes.fromhex("30 07 30 02 05 00 02 01 07")
    outer = Reader(data).read_sequence()
    inner = outer.read_sequence("inner")
    assert inner.element_bytes == bytes.fromhex("30 02 05 00")
    assert outer.element_bytes == data


def test_read_any_checks_der_inside():
    r = Reader(bytes.fromhex("30 05 30 03 01 01 01"))
    with pytest.raises(NonCanonicalEncoding):
        r.read_sequence().read_any()
    assert Reader(bytes.fromhex("30 03 01 01 ff")).read_any() == bytes.fromhex("30 03 01 01 ff")


def test_der_inside_bit_string():
    r = Reader(bytes.fromhex("03 04 00 02 01 05"))
    inner = r.read_bit_string_der("subjectPublicKey")
    assert inner.read_integer() == 5
    inner.finish()
    with pytest.raises(DecodeError, match="0 unused bits"):
        Reader(bytes.fromhex("03 04 01 02 01 04")).read_bit_string_der()


def test_implicit_values():
    r = Reader(bytes.fromhex("82 0b 65 78 61 6d 70 6c 65 2e 63 6f 6d a1 03 02 01 05"))
    assert r.read_implicit_value(2, 22) == "example.com"           # [2] IMPLICIT IA5String
    inner = r.read_implicit(1, constructed=True)
    assert inner.read_integer() == 5


def test_read_time_profile_and_choice():
    gen_2050 = bytes.fromhex("18 0f") + b"20500101000000Z"
    assert Reader(gen_2050).read_time().year == 2050
    with pytest.raises(UnexpectedTag):
        Reader(bytes.fromhex("02 01 00")).read_time()


def test_bit_string_value_semantics():
    bits = BitString.from_named_bits({0, 5, 8})
    assert bits == BitString(b"\x84\x80", 7)
    assert bits.named_bits == {0, 5, 8} and len(bits) == 9 and bits.bit(8) and not bits.bit(100)
    assert BitString.from_named_bits(()) == BitString(b"", 0)


def test_bytes_like_and_type_errors():
    assert Reader(bytearray(b"\x05\x00")).read_null() is None
    assert decode(memoryview(b"\x05\x00")) is None
    with pytest.raises(TypeError):
        Reader("3000")
    with pytest.raises(TypeError):
        decode("3000")
