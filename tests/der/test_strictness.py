"""Every case of ../shared/vectors/der/strictness.json is refused, every valid counterpart accepted.

Some rules only show against a type (an encoded DEFAULT, named bits, the RFC 5280 time profile,
DER inside an OCTET STRING); those cases are read through the typed reader as the ``spec``
field names them, with small schema functions written here the way later layers write theirs.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import VECTORS, require_shared
from x509core.der import DecodeError, Reader, decode

CASES = json.loads(require_shared(VECTORS / "der" / "strictness.json").read_text())


def _whole(read):
    """Run ``read(reader)`` over the whole input and require that nothing is left."""
    def run(data: bytes):
        reader = Reader(data)
        value = read(reader)
        reader.finish()
        return value
    return run


def _basic_constraints(r: Reader):
    # RFC 5280 §4.2.1.9: BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE,
    #                                                   pathLenConstraint INTEGER (0..MAX) OPTIONAL }
    seq = r.read_sequence("basicConstraints")
    ca = seq.read_default_boolean(False, "cA")
    path_len = seq.read_integer("pathLenConstraint") if not seq.at_end else None
    seq.finish()
    return ca, path_len


def _extension(r: Reader):
    # RFC 5280 §4.1: Extension ::= SEQUENCE { extnID OBJECT IDENTIFIER,
    #                   critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
    seq = r.read_sequence("extension")
    oid = seq.read_oid("extnID")
    critical = seq.read_default_boolean(False, "critical")
    value = seq.read_octet_string("extnValue")
    seq.finish()
    return oid, critical, value


def _rsa_public_key(r: Reader):
    # RFC 8017 §A.1.1: RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
    seq = r.read_sequence("RSAPublicKey")
    n, e = seq.read_integer("modulus"), seq.read_integer("publicExponent")
    seq.finish()
    return n, e


def _der_in_octet_string(r: Reader):
    inner = r.read_octet_string_der("extnValue")
    value = inner.read_any()
    inner.finish()
    return value


def _set_of_integer(r: Reader):
    s = r.read_set("setOf")
    values = []
    while not s.at_end:
        values.append(s.read_integer())
    return values


def _explicit_integer(number):
    def read(r: Reader):
        inner = r.read_explicit(number, "explicit")
        value = inner.read_integer()
        inner.finish()
        return value
    return read


# spec -> the typed decoder that case is read through.
SPECS = {
    "SEQUENCE{INTEGER}": _whole(lambda r: _rsa_public_key_like(r)),
    "OctetString": _whole(lambda r: r.read_octet_string()),
    "Integer": _whole(lambda r: r.read_integer()),
    "[31] IMPLICIT INTEGER": _whole(lambda r: r.read_implicit_value(31, 2)),
    "[0] EXPLICIT INTEGER": _whole(_explicit_integer(0)),
    "BitString": _whole(lambda r: r.read_bit_string()),
    "UTF8String": _whole(lambda r: r.read_string(allowed=(12,))),
    "Enumerated": _whole(lambda r: r.read_enumerated()),
    "RSAPublicKey": _whole(_rsa_public_key),
    "Boolean": _whole(lambda r: r.read_boolean()),
    "BasicConstraints": _whole(_basic_constraints),
    "Extension": _whole(_extension),
    "Null": _whole(lambda r: r.read_null()),
    "KeyUsage": _whole(lambda r: r.read_named_bit_string()),
    "ObjectIdentifier": _whole(lambda r: r.read_oid()),
    "UTCTime": _whole(lambda r: r.read_utc_time()),
    "GeneralizedTime": _whole(lambda r: r.read_generalized_time()),
    "Time": _whole(lambda r: r.read_time()),
    "SetOfInteger": _whole(_set_of_integer),
    "PrintableString": _whole(lambda r: r.read_string(allowed=(19,))),
    "IA5String": _whole(lambda r: r.read_string(allowed=(22,))),
    "BMPString": _whole(lambda r: r.read_string(allowed=(30,))),
}


def _rsa_public_key_like(r: Reader):
    seq = r.read_sequence("sequence")
    value = seq.read_integer()
    seq.finish()
    return value


def _decoder_for(case: dict):
    if case["name"] == "trailing_bytes_in_octet_string_wrapped_der":
        # The rule is about the DER value *inside* the OCTET STRING (an extnValue); as a plain
        # OctetString the outer bytes are valid, so read it as the encapsulating type.
        return _whole(_der_in_octet_string)
    if case["name"] == "version_default_v1_encoded":
        # TBSCertificate.version is "[0] EXPLICIT Version DEFAULT v1" (RFC 5280 §4.1).
        return _whole(lambda r: r.read_explicit_default_integer(0, default=0, name="version"))
    if case["source"] == "RFC 5280" and case["spec"] in ("Time", "GeneralizedTime"):
        return SPECS["Time"]                      # the RFC 5280 §4.1.2.5 profile of Time
    return SPECS[case["spec"]]


def test_every_case_has_a_decoder():
    assert len(CASES) == 49
    assert all(_decoder_for(case) for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_invalid_is_refused_with_rule_and_offset(case):
    data = bytes.fromhex(case["hex"])
    with pytest.raises(DecodeError) as info:
        _decoder_for(case)(data)
    error = info.value
    assert 0 <= error.offset <= len(data)
    assert f"at byte {error.offset}" in str(error)
    # The message names the clause it enforces.
    assert any(source in error.reason for source in ("X.690", "X.680", "RFC 5280", "RFC 3629")), error.reason


@pytest.mark.parametrize("case", [c for c in CASES if c["valid_hex"]],
                         ids=[c["name"] for c in CASES if c["valid_hex"]])
def test_valid_counterpart_is_accepted(case):
    data = bytes.fromhex(case["valid_hex"])
    _decoder_for(case)(data)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_generic_decoder_accepts_exactly_what_der_allows(case):
    """The schema-free decoder refuses every case whose rule needs no schema, and re-encodes
    every valid counterpart byte for byte."""
    schema_rules = {"default_value_encoded_basicconstraints", "default_value_encoded_extension_critical_false",
                    "version_default_v1_encoded", "named_bitstring_trailing_zero_bits",
                    "generalizedtime_before_2050_profile", "generalizedtime_fractional_seconds_profile",
                    "trailing_bytes_in_octet_string_wrapped_der", "explicit_tag_primitive_form"}
    if case["name"] not in schema_rules:
        with pytest.raises(DecodeError):
            decode(bytes.fromhex(case["hex"]))
    else:
        from x509core.der import encode
        data = bytes.fromhex(case["hex"])
        assert encode(decode(data)) == data
    if case["valid_hex"]:
        from x509core.der import encode
        data = bytes.fromhex(case["valid_hex"])
        assert encode(decode(data)) == data
