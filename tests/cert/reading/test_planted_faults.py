"""Every strictness fault of ../shared/vectors/der/strictness.json, planted into real certificates
at several depths, is caught at an offset inside the planted element: refused by the strict
reader (``strict=True``), and by the default reader either refused too (where the bytes cannot
be read one way) or reported as a finding at the same offset (STYLE §5: a readable departure,
or a fault inside an extension value or a public key, which then stays opaque).

The vectors are minimal encodings (``hex``, with the rule each breaks); here each fault is applied
to a real element of a real certificate — the seed system's interop files and one the OpenSSL CLI
makes with every extension — by byte surgery (tests/cert/reading/surgery.py re-encodes every enclosing
length, so the planted fault is the only one). The depths:

* ``top``        the Certificate SEQUENCE, its signatureAlgorithm and signatureValue;
* ``tbs``        TBSCertificate fields: version, serialNumber, signature, validity, [3] wrapper;
* ``name``       inside issuer/subject: RDN SETs, AttributeTypeAndValue, attribute types and values;
* ``extension``  the Extension SEQUENCE, extnID, critical, extnValue;
* ``ext-value``  inside an extnValue's DER: BasicConstraints, KeyUsage, EKU, SAN, SKI, policies...;
* ``spki``       SubjectPublicKeyInfo, its AlgorithmIdentifier and the RSAPublicKey in the BIT STRING;
* ``crl``        a CRL we build (for the one fault no certificate can carry: ENUMERATED) and its times;
* ``csr``        a certification request, the CA's untrusted input: info, attributes, requested
                 extensions and their values, SPKI, signature.

Where a fault can go depends on the types it concerns (FAULT_DEPTHS lists the depths of each):
generic TLV faults (lengths, tag forms, trailing octets) go everywhere; a type's faults go where
that type occurs — INTEGER in the serial, pathLenConstraint and the RSA modulus/exponent; BOOLEAN in
Extension.critical and BasicConstraints.cA; NULL in AlgorithmIdentifier parameters (tbs signature,
outer signatureAlgorithm, SPKI); BIT STRING in signatureValue, subjectPublicKey and KeyUsage (the
only named-bit list: named_bitstring_trailing_zero_bits goes there only); OBJECT IDENTIFIER in
algorithms, attribute types, extnIDs and EKU purposes; UTCTime/GeneralizedTime in validity (no
certificate extension here carries a time) and in CRL times; PrintableString, UTF8String, IA5String
and BMPString in names and in SAN/policy/machine-binding values; SET OF ordering in a multi-valued
RDN (the only SET OF with two members in a certificate); the encoded DEFAULTs where a DEFAULT exists
(version in the TBS, critical in an Extension, cA in BasicConstraints); ENUMERATED only in a CRL's
reasonCode. A certificate has no tag number above 30, so high_tag_form_non_minimal is planted as the
non-minimal high-tag form of a low tag number (it then breaks X.690 §8.1.2.2 as well).

One vector is refused in CRLs only: generalizedtime_before_2050_profile. In a certificate's
validity x509core reads it by a marked Deviation (trusted roots carry it); the last test pins that.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

import pytest

from tests.cert.reading.surgery import (IN, certificate_paths, der_children, der_header, der_length, element,
                                extension_paths, identifier, rebuild, span, tlv)
from tests.cert.test_certificate import (interop_der, openssl_certificates, openssl_dir)
from tests.conftest import VECTORS, require_shared
from tests.rsa.keys_fixture import RSA_2048, private_key
from x509core.cert.certificate import load_der_certificate
from x509core.cert.revocation.crl import CRLBuilder, load_der_crl
from x509core.cert.csr import CSRBuilder, load_der_csr
from x509core.cert.extensions import KeyUsage, SubjectAlternativeName
from x509core.cert.names.general_name import DNSName
from x509core.cert.names.name import Name
from x509core.errors import DecodeError

__all__ = ["openssl_dir", "openssl_certificates"]          # fixtures used here, defined there

UTC = timezone.utc


# -- element transforms: each plants one fault into the element it is given ------------------------

def _parts(e: bytes) -> tuple[bytes, bytes]:
    ident = identifier(e)
    start, end = der_header(e, 0)
    return ident, e[start:end]


def _minimal(n: int) -> bytes:
    return n.to_bytes(max(1, (n.bit_length() + 7) // 8), "big")


def indefinite(e):
    ident, c = _parts(e)
    return ident + b"\x80" + c + b"\x00\x00"


def long_form(e):
    ident, c = _parts(e)
    if len(c) < 0x80:
        return ident + b"\x81" + bytes([len(c)]) + c
    return leading_zero_length(e)


def leading_zero_length(e):
    ident, c = _parts(e)
    octets = b"\x00" + _minimal(len(c))
    return ident + bytes([0x80 | len(octets)]) + octets + c


def length_ff(e):
    ident, c = _parts(e)
    return ident + b"\xff" + c


def length_plus_one(e):
    ident, c = _parts(e)
    return ident + der_length(len(c) + 1) + c


def high_tag(e):
    ident, c = _parts(e)
    return bytes([ident[0] | 0x1F, ident[0] & 0x1F]) + der_length(len(c)) + c


def high_tag_non_minimal(e):
    ident, c = _parts(e)
    return bytes([ident[0] | 0x1F, 0x80, ident[0] & 0x1F]) + der_length(len(c)) + c


def primitive_form(e):
    ident, c = _parts(e)
    assert ident[0] & 0x20, "constructed element expected"
    return bytes([ident[0] & ~0x20]) + der_length(len(c)) + c


def constructed_string(e):
    """The primitive string as a constructed one of two segments (X.690 §8.21.6, §8.6.3)."""
    ident, c = _parts(e)
    universal = {0x80 | n: n for n in range(31)}.get(ident[0], ident[0])   # [n] IMPLICIT: IA5String
    universal = 0x16 if ident[0] & 0xC0 else universal
    if ident[0] == 0x03:
        data = c[1:]
        half = max(1, len(data) // 2)
        segments = tlv(0x03, b"\x00" + data[:half]) + tlv(0x03, c[:1] + data[half:])
    else:
        half = max(1, len(c) // 2)
        segments = tlv(universal, c[:half]) + tlv(universal, c[half:])
    return tlv(ident[0] | 0x20, segments)


def integer_leading_00(e):
    ident, c = _parts(e)
    if c[0] >= 0x80:                  # 00 would be needed: make it redundant with a second one
        c = b"\x00" + c
    return tlv(ident, b"\x00" + c)


def integer_leading_ff(e):
    ident, c = _parts(e)
    return tlv(ident, b"\xff" + bytes([c[0] | 0x80]) + c[1:])


def integer_empty(e):
    return tlv(identifier(e), b"")


def boolean_not_ff(e):
    return tlv(identifier(e), b"\x01")


def boolean_wrong_length(e):
    return tlv(identifier(e), b"\x00\xff")


def null_with_contents(e):
    assert e == b"\x05\x00"
    return b"\x05\x01\x00"


def unused_gt_7(e):
    _, c = _parts(e)
    return tlv(0x03, b"\x08" + c[1:])


def nonzero_padding(e):
    _, c = _parts(e)
    unused = max(1, c[0])
    return tlv(0x03, bytes([unused]) + c[1:-1] + bytes([c[-1] | 1]))


def named_trailing_zero(e):
    _, c = _parts(e)
    assert c[0] > 0 and c[-1] & (1 << c[0]), "a named-bit list with its last bit set"
    return tlv(0x03, bytes([c[0] - 1]) + c[1:])


def bitstring_empty(e):
    return b"\x03\x00"


def bitstring_empty_with_unused(e):
    return b"\x03\x01\x03"


def oid_leading_80(e):
    _, c = _parts(e)
    return tlv(0x06, c[:1] + b"\x80" + c[1:])


def oid_truncated(e):
    _, c = _parts(e)
    return tlv(0x06, c + b"\x86")


def oid_empty(e):
    return b"\x06\x00"


def _time_edit(change):
    def edit(e):
        ident, c = _parts(e)
        return tlv(ident, change(c))
    return edit


utc_without_seconds = _time_edit(lambda c: c[:10] + b"Z")
utc_without_z = _time_edit(lambda c: c[:-1] + b"+0000")
utc_fraction = _time_edit(lambda c: c[:-1] + b".5Z")
gt_fraction_trailing_zero = _time_edit(lambda c: c[:-1] + b".10Z")
gt_dot_only = _time_edit(lambda c: c[:-1] + b".Z")
gt_comma = _time_edit(lambda c: c[:-1] + b",1Z")
gt_without_z = _time_edit(lambda c: c[:-1])
gt_without_seconds = _time_edit(lambda c: c[:12] + b"Z")
gt_fraction = _time_edit(lambda c: c[:-1] + b".1Z")


def utc_as_generalized(e):
    ident, c = _parts(e)
    assert ident == b"\x17" and c[:2] < b"50"
    return tlv(0x18, b"20" + c)


def set_not_sorted(e):
    ident, c = _parts(e)
    members = [c[a:b] for a, b in der_children(c, 0, len(c))]
    assert len(members) >= 2 and members == sorted(members)
    return tlv(ident, b"".join(reversed(members)))


def printable_illegal(e):
    ident, c = _parts(e)
    assert ident == b"\x13"
    return tlv(ident, b"@" + c[1:])


def first_octet(value: int):
    def edit(e):
        ident, c = _parts(e)
        return tlv(ident, bytes([value]) + c[1:])
    return edit


def as_bmp_odd(e):
    _, c = _parts(e)
    return tlv(0x1E, "".join(chr(b) for b in c[:2]).encode("utf-16-be") + b"\x00")


def trailing_octet(e):
    """One more octet inside the element, after the one DER value an OCTET STRING or BIT STRING
    carries (the extnValue or subjectPublicKey content)."""
    ident, c = _parts(e)
    return tlv(ident, c + b"\x00")


def encoded_false(e):
    """``01 01 00`` (BOOLEAN FALSE, the DEFAULT) inserted as the SEQUENCE's first or second
    member: BasicConstraints.cA, Extension.critical."""
    ident, c = _parts(e)
    members = [c[a:b] for a, b in der_children(c, 0, len(c))]
    at = 1 if members and members[0][0] == 0x06 else 0    # after an extnID
    return tlv(ident, b"".join(members[:at]) + b"\x01\x01\x00" + b"".join(members[at:]))


def modulus_leading_00(e):
    ident, c = _parts(e)
    assert c[0] == 0                 # an RSA modulus has its top bit set: one 00 is required
    return tlv(ident, b"\x00" + c)


def tbs_as_v1(e):
    """The TBSCertificate without its extensions and with version v1 written out (DEFAULT)."""
    ident, c = _parts(e)
    members = [c[a:b] for a, b in der_children(c, 0, len(c))]
    members = [b"\xa0\x03\x02\x01\x00", *(m for m in members[1:] if m[0] != 0xA3)]
    return tlv(ident, b"".join(members))


# -- where to plant: paths into a certificate, found by structure ----------------------------------

def find(der: bytes, path: tuple, tag: int) -> tuple:
    """The first element (depth first, from ``path``) whose identifier octet is ``tag``."""
    found = _find(der, path, tag)
    assert found is not None, f"no element with tag {tag:#x} under {path}"
    return found


def _find(der: bytes, path: tuple, tag: int):
    e = element(der, path)
    if e[0] == tag:
        return path
    if e[0] & 0x20:
        for index in range(len(der_children(e, *der_header(e, 0)))):
            hit = _find(der, path + (index,), tag)
            if hit is not None:
                return hit
    return None


def field(name: str, *rest):
    return lambda d: certificate_paths(d)[name] + rest


def ext(oid: str, *rest):
    """Inside the Extension SEQUENCE of ``oid``."""
    return lambda d: extension_paths(d)[oid] + rest


def ext_value(oid: str, *rest):
    """Inside the DER value that extnValue carries."""
    def path(d):
        extension = extension_paths(d)[oid]
        last = len(der_children(d, *der_header(d, span(d, extension)[0]))) - 1
        return extension + (last, IN) + rest
    return path


def rdn(attribute_oid: bytes, *rest, name: str = "subject"):
    """Inside the RDN (of ``name``) that holds the attribute type ``attribute_oid`` (DER)."""
    def path(d):
        base = certificate_paths(d)[name]
        for index in range(len(der_children(d, *der_header(d, span(d, base)[0])))):
            if element(d, base + (index, 0, 0)) == attribute_oid:
                return base + (index,) + rest
        raise AssertionError("attribute not found")
    return path


def multi_valued_rdn(name: str):
    def path(d):
        base = certificate_paths(d)[name]
        for index in range(len(der_children(d, *der_header(d, span(d, base)[0])))):
            if len(der_children(d, *der_header(d, span(d, base + (index,))[0]))) > 1:
                return base + (index,)
        raise AssertionError("no multi-valued RDN")
    return path


def within(base, tag: int):
    return lambda d: find(d, base(d), tag)


C, O, EMAIL = bytes.fromhex("0603550406"), bytes.fromhex("060355040a"), bytes.fromhex(
    "06092a864886f70d010901")
SPKI = "subjectPublicKeyInfo"
BC, KU, EKU, SAN, SKI, AKI = "2.5.29.19", "2.5.29.15", "2.5.29.37", "2.5.29.17", "2.5.29.14", "2.5.29.35"
POLICIES, CRLDP, MACHINE = "2.5.29.32", "2.5.29.31", "1.3.6.1.4.15967132172.1"

# CRL paths (RFC 5280 §5.1): entry 0 has reasonCode then invalidityDate.
CRL_THIS_UPDATE, CRL_NEXT_UPDATE, CRL_REVOCATION_DATE = (0, 3), (0, 4), (0, 5, 0, 1)
CRL_REASON, CRL_INVALIDITY = (0, 5, 0, 2, 0, 1, IN), (0, 5, 0, 2, 1, 1, IN)


@dataclass(frozen=True)
class Plant:
    fault: str                    # the vector's name in strictness.json
    depth: str
    base: str                     # which real document
    where: Callable[[bytes], tuple] | tuple
    edit: Callable[[bytes], bytes]

    @property
    def id(self) -> str:
        return f"{self.fault}@{self.depth}:{self.base}"


def _plants() -> list[Plant]:
    P = Plant
    server, lic, cn_client, cn_ca, rich, crl = ("server", "license", "cn-client", "cn-ca", "rich",
                                                "crl")
    spki = lambda *rest: field(SPKI, *rest)                                   # noqa: E731
    rsa = lambda *rest: spki(1, IN, *rest)                                   # noqa: E731
    out = [
        # lengths
        *(P("indefinite_length", d, b, w, indefinite) for d, b, w in [
            ("top", server, ()), ("tbs", server, field("validity")), ("name", server, rdn(C)),
            ("extension", server, ext(SAN)), ("ext-value", lic, ext_value(BC)), ("spki", server, rsa())]),
        *(P("length_long_form_for_short_value", d, b, w, long_form) for d, b, w in [
            ("top", server, field("signatureAlgorithm")), ("tbs", server, field("serialNumber")),
            ("name", server, rdn(O, 0, 1)), ("extension", server, ext(SAN, 0)),
            ("ext-value", server, ext_value(SKI)), ("spki", server, rsa(1))]),
        *(P("length_with_leading_zero_octet", d, b, w, leading_zero_length) for d, b, w in [
            ("top", server, field("signatureValue")), ("tbs", server, field("tbsCertificate")),
            ("name", server, field("subject")), ("ext-value", server, ext_value(SAN)),
            ("spki", server, rsa(0))]),
        *(P("length_first_octet_0xFF", d, b, w, length_ff) for d, b, w in [
            ("tbs", server, field("notBefore")), ("name", server, rdn(O, 0, 1)),
            ("extension", server, ext(SKI, 1)), ("ext-value", server, ext_value(EKU)),
            ("spki", server, spki(0))]),
        *(P("indefinite_length_on_primitive", d, b, w, indefinite) for d, b, w in [
            ("top", server, field("signatureValue")), ("tbs", server, field("serialNumber")),
            ("name", server, rdn(O, 0, 1)), ("extension", server, ext(SKI, 1)),
            ("ext-value", server, ext_value(KU)), ("spki", server, spki(1))]),
        *(P("length_exceeds_content", d, b, w, length_plus_one) for d, b, w in [
            ("top", server, field("signatureValue")), ("tbs", server, field("validity")),
            ("name", server, rdn(C)), ("extension", server, ext(SAN)),
            ("ext-value", lic, ext_value(BC)), ("spki", server, rsa())]),
        # one TLV, exactly
        P("trailing_bytes_after_top_level", "top", server, (), lambda e: e + b"\x00"),
        *(P("trailing_bytes_in_octet_string_wrapped_der", d, b, w, trailing_octet) for d, b, w in [
            ("extension", server, ext(BC, 1)), ("extension", server, ext(SAN, 1)),
            ("spki", server, spki(1))]),
        # identifier octets
        *(P("high_tag_form_for_low_tag_number", d, b, w, high_tag) for d, b, w in [
            ("top", server, field("signatureValue")), ("tbs", server, field("serialNumber")),
            ("name", server, rdn(O, 0, 0)), ("extension", lic, ext(KU, 1)),
            ("ext-value", server, within(ext_value(SAN), 0x82)), ("spki", server, spki(0, 0))]),
        *(P("high_tag_form_non_minimal", d, b, w, high_tag_non_minimal) for d, b, w in [
            ("tbs", server, field("version")), ("tbs", server, field("extensions")),
            ("name", cn_client, rdn(O, 0, 1)), ("ext-value", server, ext_value(AKI, 0))]),
        *(P("explicit_tag_primitive_form", d, b, w, primitive_form) for d, b, w in [
            ("tbs", server, field("version")), ("tbs", server, field("extensions")),
            ("ext-value", rich, ext_value(CRLDP, 0, 0))]),
        *(P("sequence_primitive_form", d, b, w, primitive_form) for d, b, w in [
            ("top", server, field("signatureAlgorithm")), ("tbs", server, field("validity")),
            ("name", server, rdn(O, 0)), ("extension", server, ext(SAN)),
            ("ext-value", lic, ext_value(BC)), ("spki", server, rsa())]),
        *(P("constructed_octet_string", d, b, w, constructed_string) for d, b, w in [
            ("extension", server, ext(SKI, 1)), ("ext-value", server, ext_value(SKI)),
            ("ext-value", server, ext_value(AKI, 0))]),
        *(P("constructed_bit_string", d, b, w, constructed_string) for d, b, w in [
            ("top", server, field("signatureValue")), ("spki", server, spki(1)),
            ("ext-value", server, ext_value(KU))]),
        *(P("constructed_utf8string", d, b, w, constructed_string) for d, b, w in [
            ("name", cn_client, rdn(O, 0, 1)), ("name", server, rdn(C, 0, 1)),
            ("ext-value", server, within(ext_value(SAN), 0x82)), ("ext-value", rich, ext_value(MACHINE))]),
        # INTEGER and ENUMERATED
        *(P("integer_redundant_leading_00", d, b, w, integer_leading_00) for d, b, w in [
            ("tbs", server, field("serialNumber")), ("tbs", server, field("version", 0)),
            ("ext-value", lic, ext_value(BC, 1)), ("spki", server, rsa(1))]),
        *(P("integer_redundant_leading_ff", d, b, w, integer_leading_ff) for d, b, w in [
            ("tbs", server, field("serialNumber")), ("ext-value", lic, ext_value(BC, 1)),
            ("spki", server, rsa(1))]),
        *(P("integer_empty_contents", d, b, w, integer_empty) for d, b, w in [
            ("tbs", server, field("serialNumber")), ("tbs", server, field("version", 0)),
            ("ext-value", lic, ext_value(BC, 1)), ("spki", server, rsa(0))]),
        P("enumerated_redundant_leading_00", "crl", crl, CRL_REASON, integer_leading_00),
        P("rsa_modulus_redundant_leading_00", "spki", server, rsa(0), modulus_leading_00),
        P("rsa_modulus_redundant_leading_00", "spki", lic, rsa(0), modulus_leading_00),
        # BOOLEAN, NULL, DEFAULT
        *(P("boolean_true_not_ff", d, b, w, boolean_not_ff) for d, b, w in [
            ("extension", lic, ext(KU, 1)), ("ext-value", lic, ext_value(BC, 0))]),
        *(P("boolean_wrong_length", d, b, w, boolean_wrong_length) for d, b, w in [
            ("extension", lic, ext(KU, 1)), ("ext-value", lic, ext_value(BC, 0))]),
        P("default_value_encoded_basicconstraints", "ext-value", server, ext_value(BC), encoded_false),
        *(P("default_value_encoded_extension_critical_false", "extension", server, ext(oid), encoded_false)
          for oid in (SAN, SKI)),
        P("version_default_v1_encoded", "tbs", server, field("tbsCertificate"), tbs_as_v1),
        *(P("null_with_contents", d, b, w, null_with_contents) for d, b, w in [
            ("top", server, field("signatureAlgorithm", 1)), ("tbs", server, field("signature", 1)),
            ("spki", server, spki(0, 1))]),
        # BIT STRING
        *(P(fault, d, b, w, edit)
          for fault, edit in [("bitstring_unused_bits_gt_7", unused_gt_7),
                              ("bitstring_nonzero_padding_bits", nonzero_padding),
                              ("bitstring_empty_contents", bitstring_empty),
                              ("bitstring_empty_with_unused_bits", bitstring_empty_with_unused)]
          for d, b, w in [("top", server, field("signatureValue")), ("spki", server, spki(1)),
                          ("ext-value", server, ext_value(KU))]),
        *(P("named_bitstring_trailing_zero_bits", "ext-value", b, ext_value(KU), named_trailing_zero)
          for b in (server, lic)),
        # OBJECT IDENTIFIER
        *(P(fault, d, b, w, edit)
          for fault, edit in [("oid_subidentifier_leading_0x80", oid_leading_80),
                              ("oid_truncated_subidentifier", oid_truncated), ("oid_empty", oid_empty)]
          for d, b, w in [("top", server, field("signatureAlgorithm", 0)),
                          ("tbs", server, field("signature", 0)), ("name", server, rdn(O, 0, 0)),
                          ("extension", server, ext(SAN, 0)), ("ext-value", server, ext_value(EKU, 0)),
                          ("spki", server, spki(0, 0))]),
        # times
        *(P(fault, d, b, w, edit)
          for fault, edit in [("utctime_without_seconds", utc_without_seconds),
                              ("utctime_without_z", utc_without_z),
                              ("utctime_fractional_seconds", utc_fraction)]
          for d, b, w in [("tbs", server, field("notBefore")), ("tbs", server, field("notAfter")),
                          ("crl", crl, CRL_THIS_UPDATE), ("crl", crl, CRL_REVOCATION_DATE)]),
        *(P(fault, d, b, w, edit)
          for fault, edit in [("generalizedtime_fraction_trailing_zero", gt_fraction_trailing_zero),
                              ("generalizedtime_fraction_dot_only", gt_dot_only),
                              ("generalizedtime_comma_decimal", gt_comma),
                              ("generalizedtime_without_z", gt_without_z),
                              ("generalizedtime_without_seconds", gt_without_seconds),
                              ("generalizedtime_fractional_seconds_profile", gt_fraction)]
          for d, b, w in [("tbs", cn_ca, field("notAfter")), ("crl", crl, CRL_NEXT_UPDATE),
                          ("crl", crl, CRL_INVALIDITY)]),
        # not in a certificate's validity: read there by a documented deviation (test below)
        *(P("generalizedtime_before_2050_profile", d, b, w, utc_as_generalized) for d, b, w in [
            ("crl", crl, CRL_THIS_UPDATE), ("crl", crl, CRL_REVOCATION_DATE)]),
        # SET OF order and string repertoires
        *(P("set_of_not_sorted", "name", rich, multi_valued_rdn(n), set_not_sorted)
          for n in ("subject", "issuer")),
        *(P("printablestring_illegal_char", "name", server, rdn(C, 0, 1, name=n), printable_illegal)
          for n in ("subject", "issuer")),
        *(P("utf8string_invalid_utf8", d, b, w, first_octet(0xFF)) for d, b, w in [
            ("name", cn_client, rdn(O, 0, 1)), ("ext-value", rich, ext_value(MACHINE)),
            ("ext-value", rich, within(ext_value(POLICIES), 0x0C))]),
        *(P("ia5string_non_ascii", d, b, w, first_octet(0xE4)) for d, b, w in [
            ("name", lic, rdn(EMAIL, 0, 1)), ("ext-value", server, within(ext_value(SAN), 0x82)),
            ("ext-value", rich, within(ext_value(CRLDP), 0x86))]),
        *(P("bmpstring_odd_length", d, b, w, as_bmp_odd) for d, b, w in [
            ("name", cn_client, rdn(O, 0, 1)), ("ext-value", rich, within(ext_value(POLICIES), 0x0C))]),
        # a certification request, the CA's untrusted input (RFC 2986): its version, subject,
        # SPKI and the extensions of its extensionRequest attribute
        *(P(fault, "csr", "csr", w, edit) for fault, w, edit in [
            ("indefinite_length", CSR_ATTRIBUTE, indefinite),
            ("length_with_leading_zero_octet", CSR_INFO, leading_zero_length),
            ("integer_redundant_leading_00", CSR_INFO + (0,), integer_leading_00),
            ("oid_subidentifier_leading_0x80", CSR_ATTRIBUTE + (0,), oid_leading_80),
            ("set_of_not_sorted", CSR_INFO + (1, 1), set_not_sorted),         # CN+UID
            ("boolean_true_not_ff", CSR_EXTENSION(1) + (1,), boolean_not_ff),
            ("default_value_encoded_extension_critical_false", CSR_EXTENSION(0), encoded_false),
            ("named_bitstring_trailing_zero_bits", CSR_EXTENSION(1) + (2, IN), named_trailing_zero),
            ("trailing_bytes_in_octet_string_wrapped_der", CSR_EXTENSION(0) + (1,), trailing_octet),
            ("ia5string_non_ascii", CSR_EXTENSION(0) + (1, IN, 0), first_octet(0xE4)),
            ("utf8string_invalid_utf8", CSR_INFO + (1, 0, 0, 1), first_octet(0xFF)),
            ("rsa_modulus_redundant_leading_00", CSR_INFO + (2, 1, IN, 0), modulus_leading_00),
            ("bitstring_nonzero_padding_bits", (2,), nonzero_padding),
        ]),
    ]
    return out


# CSR paths (RFC 2986 §4.1): certificationRequestInfo, its one attribute (extensionRequest) and
# the requested extensions: SAN (non-critical), then keyUsage (critical).
CSR_INFO = (0,)
CSR_ATTRIBUTE = (0, 3, 0)


def CSR_EXTENSION(index: int) -> tuple:                    # noqa: N802 (a path, like the others)
    return CSR_ATTRIBUTE + (1, 0, index)


PLANTS = _plants()


@pytest.fixture(scope="module")
def bases(openssl_certificates) -> dict[str, bytes]:
    key = private_key(RSA_2048)
    crl = (CRLBuilder().with_issuer(Name.build([("CN", "CRL issuer")]))
           .with_update_times(datetime(2026, 3, 1, tzinfo=UTC), datetime(2055, 3, 8, tzinfo=UTC))
           .with_crl_number(7)
           .with_revoked(5, datetime(2026, 2, 1, tzinfo=UTC), reason="keyCompromise",
                         invalidity_date=datetime(2026, 1, 1, tzinfo=UTC))
           .sign(key))
    request = (CSRBuilder().with_subject(Name.build([("O", "西部省东海市人民医院"), [("CN", "HZ1"), ("UID", "u1")]]))
               .with_extension(SubjectAlternativeName((DNSName("client.example.org"),)), critical=False)
               .with_extension(KeyUsage(digital_signature=True, key_encipherment=True), critical=True)
               .sign(key))
    return {"csr": request.raw, "server": interop_der("dicomorg-server"), "license": interop_der("license-server-ca"),
            "cn-client": interop_der("dicom-org-cn-client"), "cn-ca": interop_der("dicom-org-cn-ca"),
            "rich": openssl_certificates["rsa-rich"], "crl": crl.raw}


def _load(base: str, der: bytes, strict: bool = False):
    return {"crl": load_der_crl, "csr": load_der_csr}.get(base, load_der_certificate)(der, strict=strict)


# Departures from DER's canonical form that leave the value readable one way: reported, never
# refused, by the default reader, wherever they are planted.
READABLE = {"named_bitstring_trailing_zero_bits", "default_value_encoded_basicconstraints",
            "default_value_encoded_extension_critical_false", "version_default_v1_encoded",
            "boolean_true_not_ff", "bitstring_nonzero_padding_bits", "set_of_not_sorted"}
# Depths where nothing is a payload: any other fault there is refused by the default reader too.
STRUCTURE = {"top", "tbs", "name"}
# ... except that a signature is refused whatever is wrong with it: which octets were signed
# would be a reader's guess (x509core/cert/algorithms.py, read_signature_value).
SIGNATURES = {"signatureValue", "signature"}


def test_the_bases_load_and_the_surgery_is_exact(bases):
    """Without a fault every base loads, and replacing each planted element by itself changes
    nothing, so a refusal below is the fault's doing."""
    for base, der in bases.items():
        _load(base, der)
    for plant in PLANTS:
        der = bases[plant.base]
        path = plant.where(der) if callable(plant.where) else plant.where
        assert rebuild(der, path, lambda e: e)[0] == der, plant.id


@pytest.mark.parametrize("plant", PLANTS, ids=[p.id for p in PLANTS])
def test_a_planted_fault_is_caught(bases, plant):
    der = bases[plant.base]
    path = plant.where(der) if callable(plant.where) else plant.where
    original = element(der, path)
    planted, start = rebuild(der, path, plant.edit)
    faulty = plant.edit(original)
    assert faulty != original and planted != der
    with pytest.raises(DecodeError) as caught:
        _load(plant.base, planted, strict=True)
    offset = caught.value.offset
    # the refusal points into the planted element (its header or contents, or the octet after
    # it where the fault is a length that claims more)
    assert start <= offset <= start + len(faulty), (offset, start, len(faulty), str(caught.value))
    try:
        read = _load(plant.base, planted)
    except DecodeError as refusal:                   # refused: the same error
        assert plant.fault not in READABLE or refusal.path[-1] in SIGNATURES, \
            f"a readable departure was refused: {refusal}"
        assert (type(refusal), refusal.offset, str(refusal)) == (type(caught.value), offset,
                                                                 str(caught.value))
        return
    assert not (plant.fault not in READABLE and plant.depth in STRUCTURE), \
        f"read despite {caught.value}"
    assert any(f.offset == offset and f.severity == "error" for f in read.findings), \
        (offset, [str(f) for f in read.findings])


def _vectors() -> list[dict]:
    return json.loads(require_shared(VECTORS / "der" / "strictness.json").read_text(encoding="utf-8"))


FAULT_DEPTHS = {}
for _plant in PLANTS:
    FAULT_DEPTHS.setdefault(_plant.fault, set()).add(_plant.depth)

# Faults that concern one type found at one depth only (see the module docstring).
ONE_DEPTH = {"trailing_bytes_after_top_level", "generalizedtime_before_2050_profile", "enumerated_redundant_leading_00",
             "rsa_modulus_redundant_leading_00", "default_value_encoded_basicconstraints",
             "default_value_encoded_extension_critical_false", "version_default_v1_encoded",
             "named_bitstring_trailing_zero_bits", "set_of_not_sorted",
             "printablestring_illegal_char"}


def test_every_vector_is_planted_at_each_depth_its_type_occurs():
    names = [vector["name"] for vector in _vectors()]
    assert len(names) == len(set(names)) == len(FAULT_DEPTHS) == 49
    assert set(FAULT_DEPTHS) == set(names)
    for fault, depths in FAULT_DEPTHS.items():
        assert len(depths) >= (1 if fault in ONE_DEPTH else 2), (fault, depths)
    generic = [f for f in names if f.startswith(("length_", "indefinite_length"))]
    assert all(FAULT_DEPTHS[f] >= {"tbs", "name", "ext-value", "spki"} for f in generic), generic


@pytest.mark.parametrize("vector", _vectors(), ids=lambda v: v["name"])
def test_each_planted_fault_is_the_vectors_fault(vector, bases):
    """Planting the fault into the vector's own valid counterpart gives the vector itself, where
    the counterpart is a whole element this file's transform applies to: the transforms plant
    exactly the faults the vectors name."""
    valid, bad = vector.get("valid_hex"), bytes.fromhex(vector["hex"])
    examples = {
        "indefinite_length": indefinite, "length_long_form_for_short_value": long_form,
        "length_with_leading_zero_octet": leading_zero_length,
        "indefinite_length_on_primitive": indefinite,
        "high_tag_form_for_low_tag_number": high_tag, "explicit_tag_primitive_form": primitive_form,
        "sequence_primitive_form": primitive_form, "integer_redundant_leading_00": integer_leading_00,
        "integer_empty_contents": integer_empty, "enumerated_redundant_leading_00": integer_leading_00,
        "boolean_true_not_ff": boolean_not_ff, "null_with_contents": null_with_contents,
        "bitstring_unused_bits_gt_7": unused_gt_7, "bitstring_empty_contents": bitstring_empty,
        "bitstring_empty_with_unused_bits": bitstring_empty_with_unused,
        "oid_subidentifier_leading_0x80": oid_leading_80, "oid_empty": oid_empty,
        "utctime_without_seconds": utc_without_seconds, "utctime_without_z": utc_without_z,
        "generalizedtime_before_2050_profile": utc_as_generalized,
        "set_of_not_sorted": set_not_sorted, "named_bitstring_trailing_zero_bits": named_trailing_zero,
        "default_value_encoded_basicconstraints": encoded_false,
        "default_value_encoded_extension_critical_false": encoded_false,
    }
    if vector["name"] not in examples:
        assert vector["name"] in FAULT_DEPTHS              # planted, by a value-specific edit
        return
    assert examples[vector["name"]](bytes.fromhex(valid)) == bad


def test_generalized_time_before_2050_in_validity_is_read_by_a_deviation(bases):
    """The one vector not refused in a certificate: a GeneralizedTime before 2050 in the validity
    (RFC 5280 §4.1.2.5 says CAs MUST use UTCTime there). x509core/cert/certificate.py reads it by
    a marked Deviation, as Go and OpenSSL do, because trusted roots carry it (Certum Trusted
    Network CA 2); its builder never writes it, and in a CRL the same fault is refused (above).
    A fraction planted in the same place stays refused."""
    der = bases["server"]
    path = certificate_paths(der)["notBefore"]
    planted, _ = rebuild(der, path, utc_as_generalized)
    assert load_der_certificate(planted).not_valid_before == load_der_certificate(der).not_valid_before
    with pytest.raises(DecodeError):
        load_der_certificate(rebuild(planted, path, gt_fraction)[0])
