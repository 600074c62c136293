"""Differential tests of the generic codec against pyasn1's DER codec.

Each strategy draws a *pair*: an x509core value and the pyasn1 object that means the same thing,
built by hand from the same draw (``univ.Integer``, ``univ.BitString.fromOctetString(...,
padding=...)``, ``char.PrintableString``, ``useful.UTCTime`` ...). For every pair:

- ``x509core.der.encode(ours)`` equals pyasn1's DER encoding of ``theirs``, byte for byte;
- ``x509core.der.decode(pyasn1_bytes)`` gives back ``ours``, Python types included;
- where pyasn1 can read schema-less DER unambiguously (no IMPLICIT tags, no empty SEQUENCE/SET),
  pyasn1's decoding of *our* bytes maps back to ``ours`` as well.

Where the two legitimately differ, the test says so and checks the direction that must agree:

- pyasn1's DER *decoder* is lenient (it takes non-minimal INTEGERs and lengths, non-zero BIT STRING
  padding, unsorted SET OF, a ``.0`` fraction, low tag numbers in the high-tag form): those inputs
  are BER, x509core refuses them, and both sides agree on the canonical re-encoding
  (``test_ber_that_pyasn1_accepts``).
- pyasn1's DER *encoder* writes at most three GeneralizedTime fraction digits (its CER length
  check, ``MAX_LENGTH = 20``); finer fractions are compared with its BER encoder, which writes the
  time string as given (``test_generalized_time_fractions``).
- pyasn1 0.6.3 has three bugs met here, so those values are checked in the direction that holds:
  its DER encoder writes the negative powers of two -2^(8k-1) in one octet too many
  (-128 as ``02 02 ff 80``, which x509core rightly refuses: ``test_pyasn1_misencodes_...``); its
  GeneralizedTime encoder deletes *every* zero of the first three fraction digits, not only the
  trailing ones (``.001`` becomes ``.1``), so its DER encoder is only given fractions without an
  inner zero; and its ``UTCTime.asDateTime`` reads years with ``strptime('%y')`` (69..99 as 19YY)
  rather than RFC 5280 §4.1.2.5.1 (50..99 as 19YY), so UTCTime text is read here by the RFC rule.
- pyasn1 reads a constructed context tag without a schema as EXPLICIT and cannot read a primitive
  one, and its schema-less decoder returns ``None`` for an empty SEQUENCE or SET; those values are
  checked in the encode/decode direction only.
"""

from __future__ import annotations

import random
from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyasn1.codec.ber import encoder as ber_encoder
from pyasn1.codec.der import decoder as der_decoder
from pyasn1.codec.der import encoder as der_encoder
from pyasn1.error import PyAsn1Error
from pyasn1.type import base, char, tag, univ, useful

from x509core.der import (BitString, BMPString, Enumerated, GeneralizedTime, IA5String,
                          NonCanonicalEncoding, NumericString, ObjectIdentifier, PrintableString,
                          Reader, Set, Tagged, TeletexString, UniversalString, UTCTime, UTF8String,
                          VisibleString, decode, encode)
from x509core.der.values import PRINTABLE_CHARACTERS
from x509core.errors import DecodeError

UTC = timezone.utc

# -- comparing and mapping ----------------------------------------------------------------------


def assert_same(actual, expected, where: str = "value") -> None:
    """Equal values of the same Python types, all the way down (``True != 1``, ``Set != list``)."""
    assert type(actual) is type(expected), \
        f"{where}: {type(actual).__name__} != {type(expected).__name__}"
    if isinstance(expected, list):
        assert len(actual) == len(expected), f"{where}: {len(actual)} elements != {len(expected)}"
        for index, (a, e) in enumerate(zip(actual, expected)):
            assert_same(a, e, f"{where}[{index}]")
    elif isinstance(expected, Tagged):
        assert (actual.tag_class, actual.number) == (expected.tag_class, expected.number), where
        assert_same(actual.value, expected.value, f"{where}.[{expected.number}]")
    elif isinstance(expected, datetime):
        assert actual == expected and actual.utcoffset() == expected.utcoffset(), \
            f"{where}: {actual!r} != {expected!r}"
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


_STRING_TYPES = {
    char.UTF8String: UTF8String, char.PrintableString: PrintableString, char.IA5String: IA5String,
    char.NumericString: NumericString, char.VisibleString: VisibleString,
    char.TeletexString: TeletexString, char.BMPString: BMPString,
    char.UniversalString: UniversalString,
}
_CLASS_NUMBERS = {tag.tagClassUniversal: 0, tag.tagClassApplication: 1, tag.tagClassContext: 2,
                  tag.tagClassPrivate: 3}


def from_pyasn1(obj):
    """The x509core value for an object that pyasn1's schema-less decoder returned.

    Only the outermost tags of a pyasn1 object can be EXPLICIT wrappers (``superTags[1:]``);
    the first tag is its universal type.
    """
    value = _untagged_from_pyasn1(obj)
    for outer in obj.tagSet.superTags[1:]:
        value = Tagged(_CLASS_NUMBERS[outer.tagClass], outer.tagId, [value])
    return value


def _untagged_from_pyasn1(obj):
    kind = type(obj)
    if kind is useful.UTCTime:                                       # before the string types
        # Not obj.asDateTime: pyasn1 reads "68" as 2068; RFC 5280 §4.1.2.5.1 says 1968.
        text = str(obj)
        assert len(text) == 13 and text.endswith("Z"), text
        year = int(text[:2]) + (1900 if int(text[:2]) >= 50 else 2000)
        fields = [int(text[i:i + 2]) for i in range(2, 12, 2)]
        return UTCTime(year, *fields, tzinfo=UTC)
    if kind is useful.GeneralizedTime:
        moment = obj.asDateTime
        return GeneralizedTime(moment.year, moment.month, moment.day, moment.hour, moment.minute,
                               moment.second, moment.microsecond, tzinfo=UTC)
    if kind in _STRING_TYPES:
        return _STRING_TYPES[kind](str(obj))
    if kind is univ.Boolean:                                         # Boolean is an Integer
        return bool(obj)
    if kind is univ.Enumerated or obj.tagSet.superTags[0] == univ.Enumerated.tagSet.superTags[0]:
        # pyasn1's schema-less decoder returns ENUMERATED as a univ.Integer with tag 10.
        return Enumerated(int(obj))
    if kind is univ.Integer:
        return int(obj)
    if kind is univ.BitString:
        unused = -len(obj) % 8
        return BitString((obj.asInteger() << unused).to_bytes((len(obj) + 7) // 8, "big"), unused)
    if kind is univ.OctetString:
        return bytes(obj)
    if kind is univ.Null:
        return None
    if kind is univ.ObjectIdentifier:
        return ObjectIdentifier(str(obj))
    if kind in (univ.Sequence, univ.SequenceOf, univ.Set, univ.SetOf):
        items = [from_pyasn1(obj.getComponentByPosition(i)) for i in range(len(obj))]
        return Set(items) if kind in (univ.Set, univ.SetOf) else items
    raise AssertionError(f"no x509core counterpart for pyasn1 {kind.__name__}")


def _content(der: bytes) -> bytes:
    """The content octets of one element, as our Reader sees them."""
    _, inner = Reader(der).read_element()
    return der[inner.pos:inner.end]


def _agree(ours, theirs) -> bytes:
    """The two directions that must always agree; returns pyasn1's DER."""
    theirs_der = der_encoder.encode(theirs)
    assert encode(ours).hex() == theirs_der.hex()
    assert_same(decode(theirs_der), ours)
    return theirs_der


def _pyasn1_reads_ours(ours, theirs) -> None:
    """pyasn1's DER decoder reads our bytes, all of them, as the same value."""
    value, rest = der_decoder.decode(encode(ours))
    assert rest == b""
    assert_same(from_pyasn1(value), ours)


# -- strategies: (x509core value, pyasn1 object) pairs -------------------------------------------

BOUNDARY_INTEGERS = [0, 1, -1, 127, 128, -128, -129, 255, 256, -256, -257, 2**31 - 1, -(2**31),
                     2**63, -(2**63) - 1, 2**64, 2**159]


def pyasn1_misencodes(value: int) -> bool:
    """-2^(8k-1) (-128, -32768, ...): pyasn1 0.6.3 sizes them by ``bit_length() // 8 + 1``."""
    return value < 0 and (-value) & (-value - 1) == 0 and (-value).bit_length() % 8 == 0


big_integers = st.one_of(
    st.sampled_from(BOUNDARY_INTEGERS), st.integers(-(2**70), 2**70),
    st.binary(min_size=1, max_size=520).map(lambda b: int.from_bytes(b, "big", signed=True)),
).filter(lambda v: not pyasn1_misencodes(v))

booleans = st.booleans().map(lambda v: (v, univ.Boolean(v)))
integers = big_integers.map(lambda v: (v, univ.Integer(v)))
enumerateds = st.integers(-(2**40), 2**40).filter(lambda v: not pyasn1_misencodes(v)).map(
    lambda v: (Enumerated(v), univ.Enumerated(v)))
octet_strings = st.binary(max_size=300).map(lambda v: (v, univ.OctetString(v)))
nulls = st.just((None, univ.Null("")))


@st.composite
def bit_strings(draw):
    data = draw(st.binary(max_size=64))
    unused = draw(st.integers(0, 7)) if data else 0
    if data:
        data = data[:-1] + bytes((data[-1] & (0xFF << unused) & 0xFF,))     # DER: zero padding
    return BitString(data, unused), univ.BitString.fromOctetString(data, padding=unused)


_ARC = st.one_of(st.integers(0, 127), st.integers(128, 2**14), st.integers(2**32 - 2, 2**32 + 2),
                 st.integers(2**64 - 2, 2**64 + 2), st.integers(0, 2**100))


@st.composite
def oids(draw):
    first = draw(st.integers(0, 2))
    # X.690 §8.19.4: 40 * X + Y, with Y <= 39 under arcs 0 and 1 and any Y under arc 2.
    second = draw(st.integers(0, 39)) if first < 2 else draw(st.one_of(st.integers(0, 47), _ARC))
    arcs = (first, second, *draw(st.lists(_ARC, max_size=8)))
    return ObjectIdentifier(".".join(map(str, arcs))), univ.ObjectIdentifier(arcs)


_NO_SURROGATES = st.characters(blacklist_categories=("Cs",))
STRING_KINDS = {
    "UTF8String": (UTF8String, char.UTF8String, _NO_SURROGATES),
    "PrintableString": (PrintableString, char.PrintableString,
                        st.sampled_from(sorted(PRINTABLE_CHARACTERS))),
    "IA5String": (IA5String, char.IA5String, st.characters(max_codepoint=0x7F)),
    "NumericString": (NumericString, char.NumericString, st.sampled_from("0123456789 ")),
    "VisibleString": (VisibleString, char.VisibleString,
                      st.characters(min_codepoint=0x20, max_codepoint=0x7E)),
    "TeletexString": (TeletexString, char.TeletexString, st.characters(max_codepoint=0xFF)),
    "BMPString": (BMPString, char.BMPString,
                  st.characters(max_codepoint=0xFFFF, blacklist_categories=("Cs",))),
    "UniversalString": (UniversalString, char.UniversalString, _NO_SURROGATES),
}


def strings_of(kind: str):
    ours, theirs, alphabet = STRING_KINDS[kind]
    return st.text(alphabet=alphabet, max_size=40).map(lambda s: (ours(s), theirs(s)))


def _whole_seconds(lo: datetime, hi: datetime):
    return st.datetimes(min_value=lo, max_value=hi).map(lambda d: d.replace(microsecond=0))


def _utc_pair(moment: datetime):
    # X.690 §11.8; RFC 5280 §4.1.2.5.1 for the two-digit year.
    text = f"{moment.year % 100:02d}{moment:%m%d%H%M%S}Z"
    return UTCTime(*moment.timetuple()[:6], tzinfo=UTC), useful.UTCTime(text)


def _generalized_text(moment: datetime, fraction: str) -> str:
    return f"{moment.year:04d}{moment:%m%d%H%M%S}{fraction}Z"


def _generalized_pair(moment: datetime, fraction_digits: int):
    # pyasn1 is given every fraction digit, trailing zeros and a lone ".000" included, and must
    # drop them itself (X.690 §11.7.3, §11.7.4), as x509core does.
    fraction = f".{moment.microsecond:06d}"[:1 + fraction_digits] if fraction_digits else ""
    ours = GeneralizedTime(*moment.timetuple()[:6], moment.microsecond, tzinfo=UTC)
    return ours, useful.GeneralizedTime(_generalized_text(moment, fraction))


utc_times = _whole_seconds(datetime(1950, 1, 1), datetime(2049, 12, 31, 23, 59, 59)).map(_utc_pair)
generalized_times = _whole_seconds(datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59)).map(
    lambda moment: _generalized_pair(moment, 0))
# Milliseconds whose significant digits hold no zero: what pyasn1's DER encoder gets right.
generalized_times_ms = st.datetimes().map(
    lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000)).filter(
    lambda d: "0" not in f"{d.microsecond // 1000:03d}".rstrip("0")).map(
    lambda d: _generalized_pair(d, 3))

SCALARS = {
    "BOOLEAN": booleans, "INTEGER": integers, "ENUMERATED": enumerateds,
    "BIT STRING": bit_strings(), "OCTET STRING": octet_strings, "NULL": nulls,
    "OBJECT IDENTIFIER": oids(), "UTCTime": utc_times, "GeneralizedTime": generalized_times,
    "GeneralizedTime with fraction": generalized_times_ms,
    **{kind: strings_of(kind) for kind in STRING_KINDS},
}
scalars = st.one_of(*SCALARS.values())

_CLASSES = st.sampled_from([(2, tag.tagClassContext), (1, tag.tagClassApplication),
                            (3, tag.tagClassPrivate)])
_TAG_NUMBERS = st.one_of(st.integers(0, 30), st.integers(31, 200), st.integers(201, 2**28 - 1))


def _sequence(pairs):
    theirs = univ.SequenceOf().clear()                 # a value, also when empty
    for _, item in pairs:
        theirs.append(item)
    return [ours for ours, _ in pairs], theirs


def _set_of(pairs):
    """The SET OF in DER order, sorted here by pyasn1's encodings (X.690 §11.6)."""
    encodings = [der_encoder.encode(theirs) for _, theirs in pairs]
    width = max(map(len, encodings), default=0)
    order = sorted(range(len(pairs)), key=lambda i: encodings[i].ljust(width, b"\0"))
    theirs = univ.SetOf().clear()
    for _, item in reversed(pairs):                    # pyasn1 must sort too
        theirs.append(item)
    return Set(pairs[i][0] for i in order), theirs


def sequences(children, min_size=0):
    return st.lists(children, min_size=min_size, max_size=5).map(_sequence)


def set_ofs(children, min_size=0):
    return st.lists(children, min_size=min_size, max_size=5).map(_set_of)


@st.composite
def explicits(draw, children):
    (number_class, pyasn1_class), number = draw(_CLASSES), draw(_TAG_NUMBERS)
    ours, theirs = draw(children)
    outer = tag.Tag(pyasn1_class, tag.tagFormatConstructed, number)
    return Tagged(number_class, number, [ours]), _subtype(theirs, explicitTag=outer)


def _subtype(theirs, **tagging):
    if not isinstance(theirs, base.ConstructedAsn1Type):
        return theirs.subtype(**tagging)
    clone = theirs.subtype(**tagging).clear()           # subtype() drops the components
    for index in range(len(theirs)):
        clone.append(theirs[index])
    return clone


@st.composite
def implicit_sequences(draw, children):
    (number_class, pyasn1_class), number = draw(_CLASSES), draw(_TAG_NUMBERS)
    ours, items = _sequence(draw(st.lists(children, max_size=4)))
    theirs = univ.SequenceOf().subtype(
        implicitTag=tag.Tag(pyasn1_class, tag.tagFormatConstructed, number)).clear()
    for item in items:
        theirs.append(item)
    return Tagged(number_class, number, ours), theirs


@st.composite
def implicit_primitives(draw, scalar=scalars):
    """``[n] IMPLICIT T`` of a primitive T: the generic decoder keeps the content octets."""
    (number_class, pyasn1_class), number = draw(_CLASSES), draw(_TAG_NUMBERS)
    ours, theirs = draw(scalar)
    tagged = theirs.subtype(implicitTag=tag.Tag(pyasn1_class, tag.tagFormatSimple, number))
    return Tagged(number_class, number, _content(encode(ours))), tagged


# Everything: nested SEQUENCE, SET OF, EXPLICIT and IMPLICIT tags over every scalar type.
trees = st.recursive(
    st.one_of(scalars, implicit_primitives()),
    lambda children: st.one_of(sequences(children), set_ofs(children), explicits(children),
                               implicit_sequences(children)),
    max_leaves=20)

# What pyasn1 can read back without a schema: no IMPLICIT tags, no empty SEQUENCE or SET.
readable_trees = st.recursive(
    scalars,
    lambda children: st.one_of(sequences(children, 1), set_ofs(children, 1), explicits(children)),
    max_leaves=20)


# -- tests ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", sorted(SCALARS))
@given(data=st.data())
def test_each_universal_type(kind, data):
    ours, theirs = data.draw(SCALARS[kind])
    _agree(ours, theirs)
    _pyasn1_reads_ours(ours, theirs)


@given(moment=st.datetimes().filter(lambda d: d.microsecond))
def test_generalized_time_fractions(moment):
    # pyasn1's DER encoder refuses more than three fraction digits and mangles inner zeros; its
    # BER encoder writes the string unchanged, which for this primitive is DER when the string is
    # canonical (no trailing zero, X.690 §11.7.3).
    fraction = f".{moment.microsecond:06d}".rstrip("0")
    theirs = ber_encoder.encode(useful.GeneralizedTime(_generalized_text(moment, fraction)))
    ours = GeneralizedTime(*moment.timetuple()[:6], moment.microsecond, tzinfo=UTC)
    assert encode(ours) == theirs
    assert_same(decode(theirs), ours)
    assert_same(from_pyasn1(der_decoder.decode(theirs)[0]), ours)


@given(pairs=st.lists(scalars, max_size=8), seed=st.integers(0, 2**32))
def test_set_of_is_sorted_whatever_the_order_given(pairs, seed):
    expected, theirs = _set_of(pairs)
    shuffled = list(expected)
    random.Random(seed).shuffle(shuffled)
    theirs_der = der_encoder.encode(theirs)
    assert encode(Set(shuffled)) == theirs_der
    assert_same(decode(theirs_der), expected)


@given(pair=explicits(scalars))
def test_explicit_tag(pair):
    _agree(*pair)
    _pyasn1_reads_ours(*pair)


@given(pair=implicit_sequences(scalars))
def test_implicit_constructed_tag(pair):
    _agree(*pair)


@given(data=st.data(), number=_TAG_NUMBERS,
       kind=st.sampled_from(sorted(set(SCALARS) - {"BOOLEAN", "NULL"})))
def test_implicit_primitive_tag_and_read_implicit_value(data, number, kind):
    ours, theirs = data.draw(SCALARS[kind])
    tagged = theirs.subtype(implicitTag=tag.Tag(tag.tagClassContext, tag.tagFormatSimple, number))
    theirs_der = _agree(Tagged(2, number, _content(encode(ours))), tagged)
    reader = Reader(theirs_der)
    assert_same(reader.read_implicit_value(number, theirs.tagSet.superTags[0].tagId), ours)
    reader.finish()


@given(pair=trees)
def test_nested_structures(pair):
    _agree(*pair)


@given(pair=readable_trees)
def test_pyasn1_reads_what_we_write(pair):
    _agree(*pair)
    _pyasn1_reads_ours(*pair)


# Inputs that pyasn1's DER decoder accepts although they are BER only. x509core refuses each at
# the given offset; both agree on the value's canonical DER, which x509core accepts.
BER_THAT_PYASN1_ACCEPTS = [
    ("INTEGER with a leading zero octet", "02 02 00 01", NonCanonicalEncoding, 2),
    ("INTEGER with a leading 0xFF octet", "02 02 ff ff", NonCanonicalEncoding, 2),
    ("length in the long form below 128", "30 81 03 02 01 01", NonCanonicalEncoding, 1),
    ("BIT STRING padding bit set", "03 02 01 01", NonCanonicalEncoding, 3),
    ("SET OF out of order", "31 06 02 01 02 02 01 01", NonCanonicalEncoding, 5),
    ("GeneralizedTime fraction .0", "18 11" + b"20500101000000.0Z".hex(), NonCanonicalEncoding, 17),
    ("low tag number in the high-tag form", "1f 02 01 00", NonCanonicalEncoding, 0),
]


@pytest.mark.parametrize("name, hexdata, error, offset", BER_THAT_PYASN1_ACCEPTS,
                         ids=[row[0] for row in BER_THAT_PYASN1_ACCEPTS])
def test_ber_that_pyasn1_accepts(name, hexdata, error, offset):
    data = bytes.fromhex(hexdata.replace(" ", ""))
    lenient, rest = der_decoder.decode(data)
    assert rest == b""
    with pytest.raises(error) as refused:
        decode(data)
    assert refused.value.offset == offset
    canonical = der_encoder.encode(lenient)
    assert canonical != data
    assert encode(decode(canonical)) == canonical
    assert encode(from_pyasn1(lenient)) == canonical


def test_strict_pyasn1_refusals_are_ours_too():
    # BER that pyasn1's DER decoder refuses as well: the codecs agree that these are not DER.
    for hexdata in ("01 01 01", "30 80 02 01 01 00 00", "24 05 04 03 61 62 63", "06 03 2a 80 01"):
        data = bytes.fromhex(hexdata.replace(" ", ""))
        with pytest.raises(PyAsn1Error):
            der_decoder.decode(data)
        with pytest.raises(DecodeError):
            decode(data)


@pytest.mark.parametrize("value", [-128, -32768, -(2**31), -(2**63), -(2**119)])
def test_pyasn1_misencodes_negative_powers_of_two(value):
    # pyasn1 0.6.3 writes -128 as 02 02 ff 80: BER, not DER (X.690 §8.3.2). x509core refuses
    # those bytes, writes the minimal form, and pyasn1 reads that back to the same value.
    theirs = der_encoder.encode(univ.Integer(value))
    with pytest.raises(NonCanonicalEncoding) as refused:
        decode(theirs)
    assert refused.value.offset == 2
    ours = encode(value)
    assert ours[2:] == theirs[3:] and ours[1] == theirs[1] - 1
    assert int(der_decoder.decode(ours)[0]) == value
