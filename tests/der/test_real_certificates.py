"""The DER layer against real certificates and three independent readers of them.

Certificates: every PEM file of ``../shared/interop/seed-system`` (read where it lies), certificates
the OpenSSL CLI makes here in a temporary directory (UTF-8, T61 and BMP names, a multi-valued RDN,
GeneralizedTime after 2050, a v1 certificate, serials 0, -5 and 20 octets, RSASSA-PSS, many
extensions), and the roots of certifi's bundle. For each:

(a) ``encode(decode(der)) == der``;
(b) the generic tree equals pyasn1's schema-less decoding, value for value;
(c) the fields a certificate parser needs equal those of pyasn1-modules' ``rfc5280.Certificate``,
    and every extnValue holds exactly one DER element;
(d) the typed :class:`Reader` walks the whole structure (:func:`walk_certificate`);
(e) element offsets, depths and lengths equal ``openssl asn1parse -i``'s (and ``der.dump``'s).
"""

from __future__ import annotations

import base64
import re
import subprocess
from pathlib import Path

import certifi
import pytest
from pyasn1.codec.der import decoder as der_decoder
from pyasn1.codec.der import encoder as der_encoder
from pyasn1_modules import rfc5280

from tests.conftest import INTEROP, require_shared
from tests.der.test_pyasn1_differential import assert_same, from_pyasn1
from x509core.der import (BitString, DecodeError, GeneralizedTime, ObjectIdentifier, Reader, Tag,
                          Tagged, decode, encode)
from x509core.der.content import STRING_TYPES
from x509core.der.dump import dump

OID_RSA_ENCRYPTION = ObjectIdentifier("1.2.840.113549.1.1.1")     # pkcs-1 1

# Extensions whose extnValue is not DER although RFC 5280 §4.1 says it "contains the DER encoding
# of an ASN.1 value"; the walk keeps them as bytes. The interop README: the seed system's
# machine-binding and MAC extensions are "carried as raw bytes in extnValue" (ASCII text); and the
# ASP.NET Core development certificate marker 1.3.6.1.4.1.311.84.1.1 of localhost-selfsigned.pem
# holds one raw version octet (04).
RAW_EXTENSION_OIDS = frozenset({"1.3.6.1.4.15967132172.1", "1.3.6.1.4.15967132172.2",
                                "1.3.6.1.4.1.311.84.1.1"})

# The files the interop README lists; used when the folder is missing so that the tests fail.
INTEROP_README_NAMES = [
    "client-HZ109999.pem", "dicom-org-cn-ca.pem", "dicom-org-cn-client-x.pem",
    "dicom-org-cn-client.pem", "dicomorg-root-ca.pem", "dicomorg-server.pem",
    "license-server-ca.pem", "localhost-selfsigned.pem",
]
INTEROP_NAMES = sorted(path.name for path in INTEROP.glob("*.pem")) or INTEROP_README_NAMES


def pem_certificates(text: str) -> list[bytes]:
    """The DER of every CERTIFICATE block (RFC 7468 §5), text around them ignored."""
    blocks = re.findall(r"-----BEGIN CERTIFICATE-----\s*(.*?)-----END CERTIFICATE-----", text,
                        re.DOTALL)
    return [base64.b64decode("".join(block.split()), validate=True) for block in blocks]


def interop_certificate(name: str) -> bytes:
    (der,) = pem_certificates(require_shared(INTEROP / name).read_text(encoding="utf-8"))
    return der


# -- (d) the typed walk ----------------------------------------------------------------------------

def walk_certificate(der: bytes) -> dict:
    """Every field of an X.509 certificate through the typed Reader. RFC 5280 §4.1::

        Certificate  ::=  SEQUENCE  {
             tbsCertificate       TBSCertificate,
             signatureAlgorithm   AlgorithmIdentifier,
             signatureValue       BIT STRING  }
    """
    top = Reader(der)
    certificate = top.read_sequence("certificate")
    fields = _walk_tbs(certificate.read_sequence("tbsCertificate"))
    fields["signatureAlgorithm"] = _algorithm(certificate, "signatureAlgorithm")
    fields["signatureValue"] = certificate.read_bit_string("signatureValue")
    certificate.finish()
    top.finish()
    return fields


def _walk_tbs(tbs: Reader) -> dict:
    """TBSCertificate ::= SEQUENCE { version [0] EXPLICIT Version DEFAULT v1, serialNumber,
    signature, issuer, validity, subject, subjectPublicKeyInfo, issuerUniqueID [1] IMPLICIT
    OPTIONAL, subjectUniqueID [2] IMPLICIT OPTIONAL, extensions [3] EXPLICIT OPTIONAL }"""
    fields = {"raw_tbs": tbs.element_bytes}
    fields["version"] = tbs.read_explicit_default_integer(0, default=0, name="version")
    fields["serialNumber"] = tbs.read_integer("serialNumber")
    fields["signature"] = _algorithm(tbs, "signature")
    fields["issuer"] = _name(tbs, "issuer")
    validity = tbs.read_sequence("validity")
    fields["notBefore"] = validity.read_time("notBefore")
    fields["notAfter"] = validity.read_time("notAfter")
    validity.finish()
    fields["subject"] = _name(tbs, "subject")
    fields["subjectPublicKeyInfo"] = _spki(tbs)
    for number, name in ((1, "issuerUniqueID"), (2, "subjectUniqueID")):
        if tbs.peek_is(Tag(2, False, number)):
            fields[name] = tbs.read_implicit_value(number, 3, name)        # UniqueIdentifier
    fields["extensions"] = _extensions(tbs)
    tbs.finish()
    return fields


def _algorithm(reader: Reader, name: str) -> tuple[ObjectIdentifier, bytes | None]:
    """AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL }"""
    sequence = reader.read_sequence(name)
    oid = sequence.read_oid("algorithm")
    parameters = None if sequence.at_end else sequence.read_any("parameters")
    sequence.finish()
    return oid, parameters


def _name(reader: Reader, name: str) -> list[list[tuple[ObjectIdentifier, object]]]:
    """Name ::= RDNSequence; RelativeDistinguishedName ::= SET SIZE (1..MAX) OF
    AttributeTypeAndValue; AttributeTypeAndValue ::= SEQUENCE { type, value ANY }"""
    rdns = []
    sequence = reader.read_sequence(name)
    while not sequence.at_end:
        rdn = sequence.read_set("rdn")
        attributes = []
        while not rdn.at_end:
            attribute = rdn.read_sequence("attribute")
            oid = attribute.read_oid("type")
            tag = attribute.peek_tag()
            is_string = tag is not None and tag.tag_class == 0 and tag.number in STRING_TYPES
            value = attribute.read_string("value") if is_string else attribute.read_any("value")
            attribute.finish()
            attributes.append((oid, value))
        rdns.append(attributes)
    return rdns


def _spki(tbs: Reader) -> dict:
    """SubjectPublicKeyInfo ::= SEQUENCE { algorithm, subjectPublicKey BIT STRING }; for RSA the
    BIT STRING holds RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }."""
    spki = tbs.read_sequence("subjectPublicKeyInfo")
    info = {"raw": spki.element_bytes, "algorithm": _algorithm(spki, "algorithm")}
    if info["algorithm"][0] == OID_RSA_ENCRYPTION:
        key = spki.read_bit_string_der("subjectPublicKey")
        rsa = key.read_sequence("RSAPublicKey")
        info["modulus"] = rsa.read_integer("modulus")
        info["publicExponent"] = rsa.read_integer("publicExponent")
        rsa.finish()
        key.finish()
    else:                                   # e.g. an ECPoint: octets, not DER (RFC 5480 §2.2)
        info["subjectPublicKey"] = spki.read_bit_string("subjectPublicKey")
    spki.finish()
    return info


def _extensions(tbs: Reader) -> list[tuple[ObjectIdentifier, bool, bytes]]:
    """Extension ::= SEQUENCE { extnID OBJECT IDENTIFIER, critical BOOLEAN DEFAULT FALSE,
    extnValue OCTET STRING -- contains the DER encoding of an ASN.1 value }"""
    tagged = tbs.read_optional_explicit(3, "extensions")
    if tagged is None:
        return []
    found = []
    sequence = tagged.read_sequence("extensions")
    while not sequence.at_end:
        extension = sequence.read_sequence("extension")
        oid = extension.read_oid("extnID")
        critical = extension.read_default_boolean(False, "critical")
        value = extension.read_octet_string_der("extnValue")
        raw = value.data[value.pos:value.end]
        if oid not in RAW_EXTENSION_OIDS:
            value.read_any(str(oid))
            value.finish()
        extension.finish()
        found.append((oid, critical, raw))
    sequence.finish()
    tagged.finish()
    return found


# -- certificates made by the OpenSSL CLI ----------------------------------------------------------

_OPENSSL_CONFIG = """\
[ req ]
distinguished_name = req_dn
string_mask = utf8only
[ req_dn ]
[ plain ]
basicConstraints = CA:FALSE
[ rich ]
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
basicConstraints = critical, CA:TRUE, pathlen:3
keyUsage = critical, digitalSignature, keyCertSign, cRLSign
extendedKeyUsage = serverAuth, clientAuth, 1.3.6.1.4.1.99999.1
subjectAltName = @alt_names
certificatePolicies = 2.23.140.1.2.1, @policy
crlDistributionPoints = URI:http://crl.example.org/ca.crl
authorityInfoAccess = OCSP;URI:http://ocsp.example.org/, caIssuers;URI:http://example.org/ca.crt
nameConstraints = critical, permitted;DNS:.example.org, excluded;IP:10.0.0.0/255.0.0.0
1.3.6.1.4.15967132172.3 = DER:04:03:01:02:03
1.2.3.4.5 = critical, ASN1:FORMAT:UTF8,UTF8String:héllo wörld
[ alt_names ]
DNS.1 = *.example.org
DNS.2 = xn--bcher-kva.example
IP.1 = 127.0.0.1
IP.2 = ::1
email.1 = admin@example.org
URI.1 = https://example.org/path?q=1
dirName.1 = alt_dn
[ alt_dn ]
CN = Directory Name
O = Example
[ policy ]
policyIdentifier = 1.3.6.1.4.1.99999.2.1
CPS.1 = "https://example.org/cps"
userNotice.1 = @notice
[ notice ]
explicitText = "UTF8:Notice ü"
[ leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectAltName = DNS:leaf.example.org, IP:192.0.2.7
authorityKeyIdentifier = keyid, issuer
"""

# string_mask = default lets OpenSSL pick PrintableString, T61String or BMPString per value.
_OPENSSL_MASK_CONFIG = """\
[ req ]
distinguished_name = req_dn
string_mask = default
[ req_dn ]
[ plain ]
subjectKeyIdentifier = hash
"""

FRESH_NAMES = ["serial-0", "rich-utf8-2059", "t61-bmp-multivalued-2059", "leaf-20-octet-serial",
               "rsassa-pss", "v1-2059", "negative-serial"]


@pytest.fixture(scope="session")
def fresh_certificates(openssl: str, tmp_path_factory) -> dict[str, bytes]:
    """Seven certificates from three RSA-2048 keys (three key generations in all)."""
    work = tmp_path_factory.mktemp("openssl")
    (work / "x.cnf").write_text(_OPENSSL_CONFIG, encoding="utf-8")
    (work / "mask.cnf").write_text(_OPENSSL_MASK_CONFIG, encoding="utf-8")

    def run(*args: str) -> None:
        done = subprocess.run([openssl, *args], cwd=work, capture_output=True, text=True,
                              check=False)
        assert done.returncode == 0, f"openssl {' '.join(args)}:\n{done.stderr}"

    for key in ("k1.pem", "k2.pem"):
        run("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key)
    x509 = ("req", "-x509", "-config", "x.cnf", "-utf8")
    run(*x509, "-extensions", "plain", "-key", "k1.pem", "-subj", "/CN=plain.example",
        "-set_serial", "0", "-days", "30", "-out", "serial-0.pem")
    run(*x509, "-extensions", "rich", "-key", "k1.pem", "-days", "12000",
        "-subj", "/C=CN/ST=Zhejiang/O=医学影像 DICOM/CN=Ünïcødé CA/emailAddress=ca@example.org",
        "-out", "rich-utf8-2059.pem")
    run("req", "-x509", "-config", "mask.cnf", "-utf8", "-extensions", "plain", "-key", "k2.pem",
        "-multivalue-rdn", "-days", "12000", "-out", "t61-bmp-multivalued-2059.pem", "-subj",
        "/DC=org/DC=example/CN=Ünïcødé+UID=u1/O=日本語/OU=plain ascii/serialNumber=1234/C=DE")
    run("req", "-new", "-config", "x.cnf", "-utf8", "-key", "k2.pem",
        "-subj", "/O=Leaf, Inc./CN=leaf.example.org", "-out", "leaf.csr")
    run("x509", "-req", "-in", "leaf.csr", "-CA", "rich-utf8-2059.pem", "-CAkey", "k1.pem",
        "-set_serial", "0x7fa1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3", "-days", "400",
        "-extfile", "x.cnf", "-extensions", "leaf", "-out", "leaf-20-octet-serial.pem")
    run(*x509, "-extensions", "plain", "-newkey", "rsa:2048", "-nodes", "-keyout", "k3.pem",
        "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32", "-sha256",
        "-subj", "/CN=pss.example", "-days", "10", "-out", "rsassa-pss.pem")
    # Without extensions `openssl x509 -req` writes a version 1 certificate (no [0] field).
    for name, serial, days in (("v1-2059", "1", "12000"), ("negative-serial", "-5", "1")):
        run("x509", "-req", "-in", "leaf.csr", "-CA", "t61-bmp-multivalued-2059.pem",
            "-CAkey", "k2.pem", "-set_serial", serial, "-days", days, "-out", f"{name}.pem")
    made = {}
    for name in FRESH_NAMES:
        (made[name],) = pem_certificates((work / f"{name}.pem").read_text(encoding="utf-8"))
    return made


ALL_CERTIFICATES = [f"interop/{name}" for name in INTEROP_NAMES] + [
    f"openssl/{name}" for name in FRESH_NAMES]


@pytest.fixture(params=ALL_CERTIFICATES)
def certificate(request) -> bytes:
    source, name = request.param.split("/", 1)
    if source == "interop":
        return interop_certificate(name)
    return request.getfixturevalue("fresh_certificates")[name]


def certifi_roots() -> list[bytes]:
    roots = pem_certificates(Path(certifi.where()).read_text(encoding="utf-8"))
    assert len(roots) > 100, f"only {len(roots)} roots in {certifi.where()}"
    return roots


# -- (a), (b): the generic codec -------------------------------------------------------------------

def test_decode_then_encode_gives_the_same_bytes(certificate):
    assert encode(decode(certificate)) == certificate


def test_generic_tree_equals_pyasn1_schemaless_tree(certificate):
    theirs, rest = der_decoder.decode(certificate)
    assert rest == b""
    assert_same(decode(certificate), from_pyasn1(theirs))


def test_every_certifi_root_round_trips_and_matches_pyasn1():
    roots = certifi_roots()
    for index, der in enumerate(roots):
        assert encode(decode(der)) == der, f"root {index} of {len(roots)}"
        assert_same(decode(der), from_pyasn1(der_decoder.decode(der)[0]), f"root {index}")


# -- (c): pyasn1-modules' RFC 5280 schema -------------------------------------------------------

def _pyasn1_name(name) -> list[list[tuple[str, object]]]:
    return [[(str(attribute["type"]), from_pyasn1(der_decoder.decode(bytes(attribute["value"]))[0]))
             for attribute in rdn] for rdn in name[0]]


def test_fields_equal_pyasn1_modules_rfc5280(certificate):
    theirs, rest = der_decoder.decode(certificate, asn1Spec=rfc5280.Certificate())
    assert rest == b""
    ours = walk_certificate(certificate)
    tbs = theirs["tbsCertificate"]
    assert ours["version"] == int(tbs["version"])
    assert ours["serialNumber"] == int(tbs["serialNumber"])
    assert ours["signature"][0] == str(tbs["signature"]["algorithm"])
    assert ours["signatureAlgorithm"][0] == str(theirs["signatureAlgorithm"]["algorithm"])
    assert_same([[(str(oid), value) for oid, value in rdn] for rdn in ours["issuer"]],
                _pyasn1_name(tbs["issuer"]), "issuer")
    assert_same([[(str(oid), value) for oid, value in rdn] for rdn in ours["subject"]],
                _pyasn1_name(tbs["subject"]), "subject")
    for field in ("notBefore", "notAfter"):
        assert_same(ours[field], from_pyasn1(tbs["validity"][field].getComponent()), field)
    assert ours["subjectPublicKeyInfo"]["raw"] == der_encoder.encode(tbs["subjectPublicKeyInfo"])
    theirs_extensions = [(str(ext["extnID"]), bool(ext["critical"]), bytes(ext["extnValue"]))
                         for ext in tbs["extensions"]] if tbs["extensions"].isValue else []
    assert [(str(oid), critical, raw) for oid, critical, raw in ours["extensions"]] == \
        theirs_extensions
    signature = theirs["signature"]                  # pyasn1-modules' name for signatureValue
    assert ours["signatureValue"] == BitString(signature.asOctets(), -len(signature) % 8)


def test_every_extension_value_is_one_der_element(certificate):
    for oid, _, raw in walk_certificate(certificate)["extensions"]:
        if oid in RAW_EXTENSION_OIDS:
            # Not DER (see RAW_EXTENSION_OIDS): the generic decoder must refuse, not guess.
            with pytest.raises(DecodeError):
                decode(raw)
        else:
            assert encode(decode(raw)) == raw, oid


# -- (d): the typed walk ------------------------------------------------------------------------

def test_typed_reader_walks_the_whole_certificate(certificate):
    fields = walk_certificate(certificate)
    assert fields["signature"] == fields["signatureAlgorithm"]          # RFC 5280 §4.1.1.2
    assert certificate.find(fields["raw_tbs"]) == 4
    assert fields["notBefore"] < fields["notAfter"]
    if fields["subjectPublicKeyInfo"]["algorithm"][0] == OID_RSA_ENCRYPTION:
        assert fields["subjectPublicKeyInfo"]["modulus"].bit_length() >= 2048


def test_typed_walk_reads_what_openssl_was_asked_for(fresh_certificates):
    rich = walk_certificate(fresh_certificates["rich-utf8-2059"])
    subject = [(str(oid), value) for rdn in rich["subject"] for oid, value in rdn]
    assert ("2.5.4.10", "医学影像 DICOM") in subject
    assert isinstance(rich["notAfter"], GeneralizedTime) and rich["notAfter"].year >= 2050
    critical = {str(oid): flag for oid, flag, _ in rich["extensions"]}
    assert critical["2.5.29.19"] and critical["1.2.3.4.5"] and not critical["2.5.29.37"]
    values = {str(oid): raw for oid, _, raw in rich["extensions"]}
    assert decode(values["1.2.3.4.5"]) == "héllo wörld"
    mixed = walk_certificate(fresh_certificates["t61-bmp-multivalued-2059"])
    kinds = {type(value).__name__ for rdn in mixed["subject"] for _, value in rdn}
    assert {"TeletexString", "BMPString", "PrintableString", "IA5String"} <= kinds
    assert max(len(rdn) for rdn in mixed["subject"]) == 2                   # CN + UID
    assert walk_certificate(fresh_certificates["v1-2059"])["version"] == 0
    assert walk_certificate(fresh_certificates["negative-serial"])["serialNumber"] == -5
    assert walk_certificate(fresh_certificates["serial-0"])["serialNumber"] == 0
    assert walk_certificate(fresh_certificates["leaf-20-octet-serial"])["serialNumber"] == \
        0x7FA1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3
    pss = walk_certificate(fresh_certificates["rsassa-pss"])
    assert pss["signatureAlgorithm"][0] == "1.2.840.113549.1.1.10"          # id-RSASSA-PSS
    parameters = decode(pss["signatureAlgorithm"][1])                     # RSASSA-PSS-params
    assert parameters[0] == Tagged(2, 0, [[ObjectIdentifier("2.16.840.1.101.3.4.2.1"), None]])
    assert parameters[-1] == Tagged(2, 2, [32])                             # saltLength


# Roots that the typed walk refuses, and why: a certificate time before 2050 written as a
# GeneralizedTime, which RFC 5280 §4.1.2.5 forbids and ``read_time`` refuses (the generic decoder
# accepts it). Certum Trusted Network CA 2 (20111006083956Z .. 20461006083956Z) is one.
_RFC5280_TIME_REFUSAL = "a time before 2050 must be a UTCTime (RFC 5280 §4.1.2.5)"


def test_typed_walk_of_every_certifi_root():
    refused = []
    for der in certifi_roots():
        try:
            walk_certificate(der)
        except DecodeError as error:
            refused.append(error)
    assert all(error.reason == _RFC5280_TIME_REFUSAL for error in refused), refused
    assert len(refused) <= 3, refused


# -- (e): offsets against openssl asn1parse --------------------------------------------------------

_LISTING_LINE = re.compile(r"^\s*(\d+):d=(\d+)\s+hl=(\d+)\s+l=\s*(\d+)\s+(prim|cons):")


def _listing(text: str) -> list[tuple[int, ...]]:
    rows = []
    for line in text.splitlines():
        match = _LISTING_LINE.match(line)
        assert match, f"unexpected listing line {line!r}"
        offset, depth, header, length, form = match.groups()
        rows.append((int(offset), int(depth), int(header), int(length), form == "cons"))
    return rows


def reader_elements(der: bytes) -> list[tuple[int, ...]]:
    """(element_start, depth, header length, content length, constructed) of every element,
    in order, through ``Reader.read_element``."""
    rows = []

    def visit(reader: Reader, depth: int) -> None:
        while not reader.at_end:
            tag, child = reader.read_element()
            rows.append((child.element_start, depth, child.pos - child.element_start,
                         child.end - child.pos, tag.constructed))
            if tag.constructed:
                visit(child, depth + 1)

    visit(Reader(der), 0)
    return rows


def test_offsets_equal_openssl_asn1parse(certificate, openssl):
    done = subprocess.run([openssl, "asn1parse", "-i", "-inform", "DER"], input=certificate,
                          capture_output=True, check=True)
    theirs = _listing(done.stdout.decode("latin-1"))
    ours = reader_elements(certificate)
    assert len(ours) > 30
    assert ours == theirs
    assert _listing(dump(certificate)) == theirs


def test_the_listing_one_line_at_a_time_checks_the_whole_input_first(certificate):
    """iter_dump_lines (the CLI's asn1parse) gives dump's lines lazily, and refuses a bad input
    before its first line: the whole input is checked when it is called, not when read."""
    from collections.abc import Iterator
    from x509core.der.dump import dump_lines, iter_dump_lines
    lines = iter_dump_lines(certificate)
    assert isinstance(lines, Iterator) and not isinstance(lines, list)
    assert list(lines) == dump_lines(certificate) and len(dump_lines(certificate)) > 30
    broken = certificate[:-1]                                  # one octet short
    with pytest.raises(DecodeError):
        iter_dump_lines(broken)                                # raised on the call itself
