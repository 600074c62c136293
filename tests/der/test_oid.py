"""OBJECT IDENTIFIER values: dotted form checks, first-arc rules, big arcs (X.690 §8.19)."""

import pytest

from x509core.der import NonCanonicalEncoding, ObjectIdentifier, decode, encode
from x509core.errors import InvalidValue

MACHINE_ID = "1.3.6.1.4.15967132172.1"


def test_machine_binding_oid_round_trips_with_its_big_arc():
    der = encode(ObjectIdentifier(MACHINE_ID))
    assert der == bytes.fromhex("060a2b060104bbbddcb40c01")
    assert decode(der) == MACHINE_ID
    assert decode(der).arcs == (1, 3, 6, 1, 4, 15967132172, 1)


@pytest.mark.parametrize("dotted,content", [
    ("0.0", "00"), ("0.39", "27"), ("1.0", "28"), ("1.39", "4f"), ("2.0", "50"),
    ("2.47", "7f"), ("2.48", "8100"), ("2.999.3", "883703"),
    ("2.25.329800735698586629295641978511506172918", None),   # a UUID arc of 128 bits
])
def test_first_arc_rules(dotted, content):
    der = encode(ObjectIdentifier(dotted))
    if content is not None:
        assert der[2:].hex() == content
    assert decode(der) == dotted


@pytest.mark.parametrize("bad", ["", "1", "3.1", "0.40", "1.40", "1..2", "1.02", "1.2.", "-1.2",
                                 "1.2.a", "1.٣"])
def test_invalid_dotted_forms(bad):
    with pytest.raises(InvalidValue):
        ObjectIdentifier(bad)


def test_type_error_for_non_strings():
    with pytest.raises(TypeError):
        ObjectIdentifier(1.2)


def test_decode_refuses_leading_0x80_in_a_later_arc():
    with pytest.raises(NonCanonicalEncoding) as info:
        decode(bytes.fromhex("06 04 2a 03 80 01"))
    assert info.value.offset == 4


def test_oid_is_a_string():
    oid = ObjectIdentifier("2.5.29.19")
    assert oid == "2.5.29.19" and hash(oid) == hash("2.5.29.19")
    assert repr(oid) == "ObjectIdentifier('2.5.29.19')"
