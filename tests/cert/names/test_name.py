"""x509core.cert.names.name, attribute and name_text: X.509 names (RFC 5280 §4.1.2.4, §7.1,
Appendix A.1; RFC 4514).

Oracles: the certificates of ../shared/interop/seed-system (read where they lie), pyca/cryptography's
``Name`` (RFC 4514 text and DER), and the OpenSSL CLI (``req -subj`` to build names, ``x509 -nameopt
oneline`` to print them; a name under test is put into the subject of one certificate that OpenSSL
made here, whose signature OpenSSL does not check when it only prints).
"""

from __future__ import annotations

import subprocess

import pytest
from cryptography import x509 as pyca
from cryptography.x509.name import _ASN1Type
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import INTEROP, require_shared
from x509core import pem
from x509core.cert import oids
from x509core.cert.names.attribute import AttributeTypeAndValue, RelativeDistinguishedName
from x509core.cert.names.name import Name, load_der_name, read_name, write_name
from x509core.cert.names.name_text import (attribute_oid, openssl_type_name, prepare_general,
                                          prepare_string)
from x509core.der import ObjectIdentifier, Reader, Writer
from x509core.der.values import PRINTABLE_CHARACTERS
from x509core.errors import (DecodeError, InvalidValue, NonCanonicalEncoding, Truncated,
                             UnexpectedTag)

INTEROP_FILES = ["client-HZ109999.pem", "dicom-org-cn-ca.pem", "dicom-org-cn-client-x.pem",
                 "dicom-org-cn-client.pem", "dicomorg-root-ca.pem", "dicomorg-server.pem",
                 "license-server-ca.pem", "localhost-selfsigned.pem"]
ONELINE_UTF8 = "oneline,-esc_msb,utf8"
PRIVATE_ARC = "1.3.6.1.4.1.55555"          # random OIDs live here, away from any OpenSSL table entry
UTF8, PRINTABLE, TELETEX, IA5, UNIVERSAL, BMP, NUMERIC = 12, 19, 20, 22, 28, 30, 18


# -- helpers ----------------------------------------------------------------------------------


def _certificate_der(filename: str) -> bytes:
    text = require_shared(INTEROP / filename).read_text()
    return pem.decode_one(text, "CERTIFICATE")[1]


def _issuer_and_subject(der: bytes):
    """Walk Certificate -> tbsCertificate -> version, serial, signature, issuer, validity, subject;
    each Name with the (start, end) of its element in ``der``."""
    tbs = Reader(der).read_sequence("certificate").read_sequence("tbsCertificate")
    tbs.read_explicit(0, "version")
    tbs.read_integer("serialNumber")
    tbs.read_sequence("signature")
    start = tbs.pos
    issuer = read_name(tbs, "issuer")
    issuer_span = (start, tbs.pos)
    tbs.read_sequence("validity")
    start = tbs.pos
    subject = read_name(tbs, "subject")
    return issuer, issuer_span, subject, (start, tbs.pos)


def _with_subject(certificate: bytes, subject: bytes) -> bytes:
    """``certificate`` with its subject replaced by ``subject`` (the signature no longer fits)."""
    outer = Reader(certificate).read_sequence()
    tbs = outer.read_sequence()
    fields = []
    while not tbs.at_end:
        fields.append(tbs.read_any())
    fields[5] = subject                     # version, serial, signature, issuer, validity, subject
    writer = Writer()
    with writer.sequence():
        with writer.sequence():
            for field in fields:
                writer.write_raw(field)
        writer.write_raw(outer.read_any())
        writer.write_raw(outer.read_any())
    return writer.to_bytes()


def _openssl_subject(openssl: str, certificate: bytes, nameopt: str | None) -> str:
    """What ``openssl x509 -noout -subject [-nameopt ...]`` prints after ``subject=``."""
    command = [openssl, "x509", "-inform", "DER", "-noout", "-subject"]
    if nameopt:
        command += ["-nameopt", nameopt]
    out = subprocess.run(command, input=certificate, capture_output=True, check=True).stdout
    text = out.decode("utf-8")
    assert text.startswith("subject=") and text.endswith("\n")
    return text[len("subject="):-1]


def _openssl_req(openssl: str, key, subj: str) -> bytes:
    command = [openssl, "req", "-new", "-x509", "-key", str(key), "-subj", subj, "-utf8",
               "-days", "1", "-outform", "DER"]
    return subprocess.run(command, capture_output=True, check=True).stdout


def _to_pyca(name: Name) -> pyca.Name:
    """The same name as a pyca/cryptography Name: same attributes, order and string types."""
    return pyca.Name([pyca.RelativeDistinguishedName(
        [pyca.NameAttribute(pyca.ObjectIdentifier(a.oid), a.value, _ASN1Type(a.string_tag))
         for a in rdn]) for rdn in name.rdns])


def _atv(oid, value: str, tag: int = UTF8) -> AttributeTypeAndValue:
    return AttributeTypeAndValue(ObjectIdentifier(oid), value, tag)


def _name(*rdns) -> Name:
    """A Name from attributes given as-is; a list is a multi-valued RDN."""
    return Name(tuple(RelativeDistinguishedName(tuple(r) if isinstance(r, list) else (r,)) for r in rdns))


@pytest.fixture(scope="module")
def openssl_key(openssl, tmp_path_factory):
    """The one RSA-2048 key of this module, for every certificate OpenSSL makes here."""
    key = tmp_path_factory.mktemp("name") / "key.pem"
    subprocess.run([openssl, "genrsa", "-out", str(key), "2048"], capture_output=True, check=True)
    return key


@pytest.fixture(scope="module")
def base_certificate(openssl, openssl_key) -> bytes:
    return _openssl_req(openssl, openssl_key, "/CN=base")


# -- the seed system's certificates -----------------------------------------------------------


@pytest.mark.parametrize("filename", INTEROP_FILES)
def test_interop_der_is_kept_byte_for_byte(filename):
    der = _certificate_der(filename)
    issuer, (i0, i1), subject, (s0, s1) = _issuer_and_subject(der)
    assert issuer.to_der() == der[i0:i1] and subject.to_der() == der[s0:s1]
    for name in (issuer, subject):
        assert load_der_name(name.raw) == name
        assert Name(name.rdns).raw == name.raw                 # re-encoding gives the same bytes
        writer = Writer()
        write_name(writer, name)
        assert writer.to_bytes() == name.raw


@pytest.mark.parametrize("filename", INTEROP_FILES)
def test_interop_rfc4514_equals_pyca(filename):
    der = _certificate_der(filename)
    issuer, _, subject, _ = _issuer_and_subject(der)
    theirs = pyca.load_der_x509_certificate(der)
    assert subject.rfc4514() == theirs.subject.rfc4514_string()
    assert issuer.rfc4514() == theirs.issuer.rfc4514_string()
    assert subject.to_der() == theirs.subject.public_bytes()
    for name in (issuer, subject):
        again = Name.from_rfc4514(name.rfc4514())
        assert again.matches(name) and [a.value for a in again] == [a.value for a in name]
        # Same DER where the certificate used the string types Name.build picks (all but the
        # PrintableString CN of localhost-selfsigned.pem, see test_interop_values).
        if [a.string_tag for a in again] == [a.string_tag for a in name]:
            assert again == name


@pytest.mark.parametrize("filename", INTEROP_FILES)
def test_interop_openssl_oneline(filename, openssl):
    der = _certificate_der(filename)
    issuer, _, subject, _ = _issuer_and_subject(der)
    utf8 = subprocess.run([openssl, "x509", "-noout", "-subject", "-issuer", "-nameopt", ONELINE_UTF8],
                          input=der, capture_output=True, check=True).stdout.decode("utf-8")
    assert utf8 == f"subject={subject.openssl_oneline()}\nissuer={issuer.openssl_oneline()}\n"
    text = subprocess.run([openssl, "x509", "-noout", "-text"], input=der, capture_output=True,
                          check=True).stdout.decode("utf-8")
    assert f"        Issuer: {issuer.openssl_oneline(escape_msb=True)}\n" in text
    assert f"        Subject: {subject.openssl_oneline(escape_msb=True)}\n" in text


def test_interop_values():
    _, _, ca, _ = _issuer_and_subject(_certificate_der("license-server-ca.pem"))
    assert ca.get("emailAddress") == ca.get("E") == ["411592148@qq.com"]
    assert ca.get("UID") == ca.get(oids.OID_USER_ID) == ["15967132172"]
    assert (ca.get("SN"), ca.get("GN"), ca.common_name) == (["dai"], ["hanzhang"], "dicom.org.cn")
    tags = {openssl_type_name(a.oid): a.string_tag for a in ca}
    assert tags == {"C": PRINTABLE, "ST": UTF8, "L": UTF8, "O": UTF8, "CN": UTF8,
                    "emailAddress": IA5, "UID": UTF8, "SN": UTF8, "GN": UTF8}
    _, _, chinese, _ = _issuer_and_subject(_certificate_der("dicom-org-cn-client.pem"))
    assert chinese.organization == "西部省东海市人民医院"
    assert chinese.rfc4514() == "CN=HZXS2701PQSQ91BU,O=西部省东海市人民医院,C=CN"
    assert chinese.openssl_oneline(escape_msb=True).startswith("C = CN, O = \\E8\\A5\\BF\\E9")
    _, _, localhost, _ = _issuer_and_subject(_certificate_der("localhost-selfsigned.pem"))
    assert [(a.value, a.string_tag) for a in localhost] == [("localhost", PRINTABLE)]
    assert Name.from_rfc4514("CN=localhost") != localhost
    assert Name.from_rfc4514("CN=localhost").matches(localhost)
    _, _, commas, _ = _issuer_and_subject(_certificate_der("dicom-org-cn-client-x.pem"))
    assert commas.organizations == ["xiasha,hangzhou,monoStarsky.LTD"]
    assert commas.rfc4514() == "CN=HZXS100020261231,O=xiasha\\,hangzhou\\,monoStarsky.LTD,C=CN"
    assert commas.openssl_oneline() == 'C = CN, O = "xiasha,hangzhou,monoStarsky.LTD", CN = HZXS100020261231'


def test_interop_issuer_is_the_seed_systems_openssl_subject():
    """The seed system builds names as `openssl req -subj` does: from_openssl gives the same DER."""
    _, _, ca, _ = _issuer_and_subject(_certificate_der("license-server-ca.pem"))
    text = ("/C=CN/ST=Zhejiang/L=Hangzhou/O=License Server/CN=dicom.org.cn"
            "/emailAddress=411592148@qq.com/UID=15967132172/SN=dai/GN=hanzhang")
    assert Name.from_openssl(text).to_der() == ca.to_der()
    assert Name.build([("C", "CN"), ("ST", "Zhejiang"), ("L", "Hangzhou"), ("O", "License Server"),
                       ("CN", "dicom.org.cn"), ("E", "411592148@qq.com"), ("UID", "15967132172"),
                       ("SN", "dai"), ("givenName", "hanzhang")]) == ca


# -- building ---------------------------------------------------------------------------------


def _value_tags(der: bytes) -> list[tuple[str, int]]:
    """(OID, tag octet of the value) of every attribute, read from the DER itself."""
    out, rdns = [], Reader(der).read_sequence()
    while not rdns.at_end:
        members = rdns.read_set()
        while not members.at_end:
            atv = members.read_sequence()
            oid = atv.read_oid()
            out.append((str(oid), atv.data[atv.pos]))
            atv.read_any()
    return out


def test_build_string_types_in_the_der():
    name = Name.build([("C", "CN"), ("serialNumber", "12"), ("dnQualifier", "q"), ("emailAddress", "a@b"),
                       ("DC", "com"), ("CN", "x"), ("O", "y"), ("UID", "u"), ("1.2.3.4", "z"),
                       ("jurisdictionC", "DE")])
    assert _value_tags(name.to_der()) == [
        ("2.5.4.6", 0x13), ("2.5.4.5", 0x13), ("2.5.4.46", 0x13), ("1.2.840.113549.1.9.1", 0x16),
        ("0.9.2342.19200300.100.1.25", 0x16), ("2.5.4.3", 0x0C), ("2.5.4.10", 0x0C),
        ("0.9.2342.19200300.100.1.1", 0x0C), ("1.2.3.4", 0x0C), ("1.3.6.1.4.1.311.60.2.1.3", 0x13)]
    # pyca/cryptography picks the same default types (its _NAMEOID_DEFAULT_TYPE).
    theirs = pyca.Name([pyca.NameAttribute(pyca.ObjectIdentifier(a.oid), a.value) for a in name])
    assert theirs.public_bytes() == name.to_der()


@pytest.mark.parametrize("kind, bound", [("CN", 64), ("O", 64), ("OU", 64), ("L", 128), ("ST", 128),
                                         ("title", 64), ("serialNumber", 64), ("pseudonym", 128),
                                         ("emailAddress", 255), ("SN", 32768)])
def test_build_upper_bounds(kind, bound):
    """RFC 5280 Appendix A.1 ub-* bounds count characters (X.680 SIZE), not octets."""
    char = "é" if kind not in ("serialNumber", "emailAddress") else "a"
    assert Name.build([(kind, char * bound)]).get(kind) == [char * bound]
    with pytest.raises(InvalidValue, match="longer than"):
        Name.build([(kind, char * (bound + 1))])


@pytest.mark.parametrize("kind", ["C", "CN", "O", "emailAddress", "DC", "serialNumber", "UID",
                                  "1.2.3.4", "dnQualifier"])
def test_build_refuses_empty_values(kind):
    with pytest.raises(InvalidValue, match="empty value"):
        Name.build([(kind, "")])


@pytest.mark.parametrize("value", ["C", "CHN", "cn", "C1", "Ü1", "ÜÖ", " C"])
def test_build_refuses_a_country_that_is_not_two_letters(value):
    with pytest.raises(InvalidValue, match="ISO 3166-1 alpha-2"):
        Name.build([("C", value)])


@pytest.mark.parametrize("attributes, error", [
    ([("serialNumber", "a@b")], InvalidValue),       # '@' is not a PrintableString character
    ([("emailAddress", "ü@b")], InvalidValue),       # IA5String is ASCII
    ([("CN", "\ud800")], InvalidValue),              # a surrogate has no UTF-8 form
    ([("XX", "a")], InvalidValue),                   # unknown short name
    ([("3.1", "a")], InvalidValue),                  # not an OID (first arc above 2)
    ("CN=x", TypeError),
    ([("CN", 5)], TypeError),
    ([["CN", "x"]], TypeError),                      # a pair is a tuple
    ([5], TypeError),
    ([()], InvalidValue),                            # an empty RDN: SET SIZE (1..MAX)
    ([(b"CN", "x")], TypeError),
])
def test_build_refusals(attributes, error):
    with pytest.raises(error):
        Name.build(attributes)


def test_multi_valued_rdn_is_kept_in_der_order():
    one = Name.build([("C", "CN"), [("O", "b"), ("CN", "a"), ("UID", "c")]])
    two = Name.build([("C", "CN"), [("UID", "c"), ("CN", "a"), ("O", "b")]])
    assert one == two and one.rdns[1] == two.rdns[1]
    assert [a.value for a in one.rdns[1]] == ["a", "b", "c"]      # 55 04 03 < 55 04 0a < 09 92 ...
    assert one.rfc4514() == "CN=a+O=b+UID=c,C=CN"
    assert _to_pyca(one).public_bytes() == one.to_der()
    assert len(one) == 4 and len(one.rdns) == 2
    assert [a.value for a in one] == ["CN", "a", "b", "c"]
    assert load_der_name(one.to_der()) == one


def test_attribute_type_and_value_consistency():
    assert _atv(oids.OID_COMMON_NAME, "a").raw == bytes.fromhex("0c0161")
    assert AttributeTypeAndValue(oids.OID_COMMON_NAME, "a", PRINTABLE, bytes.fromhex("130161")).value == "a"
    with pytest.raises(InvalidValue, match="raw is not"):
        AttributeTypeAndValue(oids.OID_COMMON_NAME, "a", UTF8, bytes.fromhex("0c0162"))
    with pytest.raises(InvalidValue, match="not a character string type"):
        AttributeTypeAndValue(oids.OID_COMMON_NAME, "a", 4)
    with pytest.raises(InvalidValue, match="takes a character string"):
        AttributeTypeAndValue(oids.OID_COMMON_NAME, "#020105", None, bytes.fromhex("020105"))
    with pytest.raises(InvalidValue, match="needs its string_tag"):
        AttributeTypeAndValue("1.2.3", "#0c0161", None, bytes.fromhex("0c0161"))
    with pytest.raises(InvalidValue, match="hex of raw"):
        AttributeTypeAndValue("1.2.3", "5", None, bytes.fromhex("020105"))
    with pytest.raises(Truncated):
        AttributeTypeAndValue("1.2.3", "#", None, b"")
    with pytest.raises(TypeError):
        AttributeTypeAndValue(5, "a")
    with pytest.raises(TypeError):
        AttributeTypeAndValue("2.5.4.3", b"a")
    with pytest.raises(InvalidValue):
        Name((), raw=bytes.fromhex("300c310a300806035504030c0161"))
    with pytest.raises(TypeError):
        Name((_atv(oids.OID_COMMON_NAME, "a"),))


def test_accessors():
    name = Name.build([("C", "CN"), ("O", "One"), ("O", "Two"), ("OU", "u"), ("CN", "host")])
    assert name.get("O") == name.get("organizationName") == name.get("2.5.4.10") == ["One", "Two"]
    assert name.get(oids.OID_ORGANIZATION_NAME) == ["One", "Two"]
    assert (name.common_name, name.organization, name.organizations) == ("host", "One", ["One", "Two"])
    empty = Name.build([("C", "CN")])
    assert (empty.common_name, empty.organization) == (None, None)
    assert empty.organizations == empty.get("UID") == []
    assert Name().raw == b"\x30\x00" and Name().rfc4514() == "" and Name().openssl_oneline() == ""
    assert repr(name) == "Name('CN=host,OU=u,O=Two,O=One,C=CN')"
    assert {name: 1}[Name.from_der(name.to_der())] == 1
    with pytest.raises(InvalidValue):
        name.get("nonsense")


# -- RFC 4514 ---------------------------------------------------------------------------------

RFC4514_EXAMPLES = [            # RFC 4514 §4, and what each means
    ("UID=jsmith,DC=example,DC=net", [("DC", "net"), ("DC", "example"), ("UID", "jsmith")]),
    ("OU=Sales+CN=J.  Smith,DC=example,DC=net",
     [("DC", "net"), ("DC", "example"), [("OU", "Sales"), ("CN", "J.  Smith")]]),
    ('CN=James \\"Jim\\" Smith\\, III,DC=example,DC=net',
     [("DC", "net"), ("DC", "example"), ("CN", 'James "Jim" Smith, III')]),
    ("CN=Before\\0dAfter,DC=example,DC=net", [("DC", "net"), ("DC", "example"), ("CN", "Before\rAfter")]),
    ("CN=Lu\\C4\\8Di\\C4\\87", [("CN", "Lučić")]),
]


@pytest.mark.parametrize("text, attributes", RFC4514_EXAMPLES)
def test_rfc4514_examples(text, attributes):
    name = Name.from_rfc4514(text)
    assert name == Name.build(attributes)
    assert name.to_der() == pyca.Name.from_rfc4514_string(text).public_bytes()


def test_rfc4514_hexstring_is_the_values_der():
    name = Name.from_rfc4514("1.3.6.1.4.1.1466.0=#04024869,DC=example,DC=com")
    value = name.rdns[2].attributes[0]
    assert (value.string_tag, value.raw, value.value) == (None, bytes.fromhex("04024869"), "#04024869")
    assert name.rfc4514() == "1.3.6.1.4.1.1466.0=#04024869,DC=example,DC=com"
    assert name.openssl_oneline() == "DC = com, DC = example, 1.3.6.1.4.1.1466.0 = #04024869"
    # A #hex string value keeps the string type it spells, even one that build() would not choose.
    country = Name.from_rfc4514("C=#0C02434E").rdns[0].attributes[0]
    assert (country.string_tag, country.value) == (UTF8, "CN")


@pytest.mark.parametrize("text, expected", [
    ("cn=a,o=b,c=CN", [("C", "CN"), ("O", "b"), ("CN", "a")]),        # descriptors ignore case
    ("E=a@b,emailAddress=c@d,GN=g,givenName=h,SN=s,STREET=t,street=u",
     [("street", "u"), ("street", "t"), ("SN", "s"), ("GN", "h"), ("GN", "g"), ("E", "c@d"), ("E", "a@b")]),
    ("2.5.4.3=dotted", [("CN", "dotted")]),
    ("CN=a=b #c", [("CN", "a=b #c")]),                              # '=' and inner '#' need no escape
    ("CN=\\#\\ x\\ ", [("CN", "# x ")]),
    ("CN=\\+\\,\\;\\<\\>\\\\\\=", [("CN", "+,;<>\\=")]),
    ("CN=\\e8\\A5\\bf", [("CN", "西")]),
    ("", []),
])
def test_rfc4514_parsing(text, expected):
    assert Name.from_rfc4514(text) == Name.build(expected)


@pytest.mark.parametrize("text, where", [
    ('CN=a"b', 4), ("CN=a;b", 4), ("CN=a<b", 4), ("CN=a\0b", 4), ("CN= a", 3), ("CN=a ", 4),
    ("CN=a ,O=b", 4), ("CN=a\\", 4), ("CN=\\zz", 3), ("CN=#abc", 3), ("CN=#zz", 3), ("CN=#", 3),
    ("=a", 0), ("CN", 2), ("XX=a", 0), ("3.1=x", 0), ("CN=\\C4", 3), ("CN=a,,O=b", 5),
    ("CN=a+", 5), ("CN=a;O=b", 4), ("CN=a, O=b", 5), ("CN =a", 2),
])
def test_rfc4514_refusals(text, where):
    with pytest.raises(InvalidValue, match=f"at character {where} of"):
        Name.from_rfc4514(text)


def test_rfc4514_building_rules_apply():
    with pytest.raises(InvalidValue, match="empty value"):
        Name.from_rfc4514("CN=")
    with pytest.raises(InvalidValue, match="longer than 64"):
        Name.from_rfc4514("CN=" + "x" * 65)
    with pytest.raises(NonCanonicalEncoding):
        Name.from_rfc4514("1.2.3=#010101")                          # BOOLEAN TRUE must be 0xFF
    with pytest.raises(DecodeError, match="at byte 3"):
        Name.from_rfc4514("1.2.3=#0101ff00")                        # a byte after the value
    with pytest.raises(TypeError):
        Name.from_rfc4514(b"CN=a")


def test_rfc4514_escaping_matches_pyca():
    cases = ["#lead", " lead", "trail ", " ", "#", "a\0b", 'q"uote', "back\\slash", "a,b+c;d<e>f",
             "in side", "mid#", "=", "\x01ctl\x7f", "😀", "a  b"]
    name = Name.build([("CN", value) for value in cases])
    assert name.rfc4514() == _to_pyca(name).rfc4514_string()
    assert Name.from_rfc4514(name.rfc4514()) == name
    assert name.to_der() == pyca.Name.from_rfc4514_string(name.rfc4514()).public_bytes()


# -- RFC 4514 round trips, and pyca/cryptography on random names (hypothesis) --------------------

_SPECIAL_CHARACTERS = st.sampled_from(list(',+"\\<>;#= \0\x01\n'))
_UNICODE = st.one_of(st.characters(blacklist_categories=("Cs",)), _SPECIAL_CHARACTERS)


def _text(alphabet, max_size):
    return st.text(alphabet=alphabet, min_size=1, max_size=max_size)


_COUNTRY = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2)
_PRINTABLE_TEXT = _text(st.sampled_from(sorted(PRINTABLE_CHARACTERS)), 20)
_IA5_TEXT = _text(st.characters(max_codepoint=0x7F), 20)
# CN up to 16 characters keeps it within pyca's own check of 64 UTF-8 *octets*.
_BUILD_TYPES = {"C": _COUNTRY, "jurisdictionC": _COUNTRY, "serialNumber": _PRINTABLE_TEXT,
                "dnQualifier": _PRINTABLE_TEXT, "emailAddress": _IA5_TEXT, "E": _IA5_TEXT,
                "DC": _IA5_TEXT, "CN": _text(_UNICODE, 16)}
_BUILD_TYPES.update({kind: _text(_UNICODE, 20) for kind in [
    "O", "OU", "L", "ST", "street", "title", "SN", "GN", "givenName", "UID", "postalCode", "initials",
    "pseudonym", "organizationIdentifier", "description", "businessCategory", "name",
    "generationQualifier", "jurisdictionL", "jurisdictionST", "organizationName"]})

_RANDOM_OIDS = st.lists(st.integers(0, 2**40), min_size=1, max_size=3).map(
    lambda arcs: ObjectIdentifier(".".join([PRIVATE_ARC, *map(str, arcs)])))
_STRING_ATTRIBUTES = st.one_of(
    st.sampled_from(sorted(_BUILD_TYPES)).flatmap(lambda kind: st.tuples(st.just(kind), _BUILD_TYPES[kind])),
    st.tuples(_RANDOM_OIDS, _text(_UNICODE, 20)))


def _der_value(kind_and_value) -> bytes:
    kind, value = kind_and_value
    writer = Writer()
    if kind == "integer":
        writer.write_integer(value)
    elif kind == "octets":
        writer.write_octet_string(value)
    else:
        with writer.sequence():
            writer.write_boolean(value)
    return writer.to_bytes()


_RAW_ATTRIBUTES = st.builds(
    AttributeTypeAndValue.from_value_der, _RANDOM_OIDS,
    st.one_of(st.tuples(st.just("integer"), st.integers(-2**70, 2**70)),
              st.tuples(st.just("octets"), st.binary(max_size=12)),
              st.tuples(st.just("sequence"), st.booleans())).map(_der_value))


def _key(attribute):
    if isinstance(attribute, AttributeTypeAndValue):
        return (attribute.oid, attribute.value)
    return (attribute_oid(attribute[0]), attribute[1])


def _rdns(attributes):
    return st.lists(attributes, min_size=1, max_size=3, unique_by=_key).map(
        lambda members: members[0] if len(members) == 1 else members)


# OpenSSL reads a non-string value in a name only if it is a SEQUENCE or BIT STRING (ASN1_PRINTABLE).
_SEQUENCE_ATTRIBUTES = st.builds(AttributeTypeAndValue.from_value_der, _RANDOM_OIDS,
                                 st.booleans().map(lambda b: _der_value(("sequence", b))))
_STRING_NAMES = st.lists(_rdns(_STRING_ATTRIBUTES), max_size=5)
_ANY_NAMES = st.lists(_rdns(st.one_of(_STRING_ATTRIBUTES, _RAW_ATTRIBUTES)), max_size=5)
_OPENSSL_NAMES = st.lists(_rdns(st.one_of(_STRING_ATTRIBUTES, _SEQUENCE_ATTRIBUTES)), max_size=5)


@given(_ANY_NAMES)
def test_rfc4514_round_trip(attributes):
    name = Name.build(attributes)
    again = Name.from_rfc4514(name.rfc4514())
    assert again.rdns == name.rdns and again.to_der() == name.to_der()
    assert load_der_name(name.to_der()) == name
    assert again.matches(name)


@given(_STRING_NAMES)
def test_rfc4514_and_der_equal_pyca(attributes):
    name = Name.build(attributes)
    theirs = _to_pyca(name)
    assert theirs.public_bytes() == name.to_der()
    assert theirs.rfc4514_string() == name.rfc4514()
    assert pyca.Name.from_rfc4514_string(name.rfc4514()).public_bytes() == name.to_der()


# -- OpenSSL: -subj in, -nameopt oneline out ----------------------------------------------------

OPENSSL_SUBJECTS = [
    "/C=CN/O=a\\/b+OU=x/CN=y",
    "/CN=a\\+b/O=x=y/",
    "/C=CN/O=西部省东海市人民医院/CN=HZXS2701PQSQ91BU",
    "/CN= sp /O=#x/OU=q\"uote\\\\",
    ("/DC=com/DC=example/serialNumber=12/dnQualifier=q/title=t/street=s/postalCode=p/initials=i"
     "/pseudonym=ps/organizationIdentifier=oi/generationQualifier=g/name=n/description=d"
     "/businessCategory=b/jurisdictionC=DE/jurisdictionST=BY/jurisdictionL=M"),
    "/commonName=long/countryName=US/1.2.840.113549.1.9.1=a@b/userId=u/domainComponent=d+UID=v",
]


@pytest.mark.parametrize("subj", OPENSSL_SUBJECTS)
def test_from_openssl_equals_openssl_req(subj, openssl, openssl_key):
    certificate = _openssl_req(openssl, openssl_key, subj)
    _, _, subject, _ = _issuer_and_subject(certificate)
    assert Name.from_openssl(subj) == subject
    assert Name.from_openssl(subj).openssl_oneline() == _openssl_subject(openssl, certificate, ONELINE_UTF8)


@pytest.mark.parametrize("text, message", [
    ("CN=a", "starts with '/'"), ("/cn=a", "unknown attribute type"), ("/XX=1/CN=z", "unknown"),
    ("/CN=", "empty value"), ("/CN=a\\", "escape character at the end"), ("/CN=a+b", "missing '='"),
    ("/CN=a+", "'\\+' at the end"), ("/C=CHN", "ISO 3166-1"), ("//", "missing '='"),
])
def test_from_openssl_refusals(text, message):
    with pytest.raises(InvalidValue, match=message):
        Name.from_openssl(text)


def test_from_openssl_small_cases():
    assert Name.from_openssl("/") == Name()
    assert Name.from_openssl("/CN=a\\\\b\\=c").common_name == "a\\b=c"
    assert Name.from_openssl("/1.2.3.4=x").get("1.2.3.4") == ["x"]    # Deviation: OpenSSL skips it
    with pytest.raises(TypeError):
        Name.from_openssl(None)


ONELINE_CASES = [              # (label, Name) whose oneline form OpenSSL must print identically
    ("specials quoted", _name(_atv("2.5.4.3", "a,b"), _atv("2.5.4.10", "x+y;z<w>v"))),
    ("quote and backslash", _name(_atv("2.5.4.3", 'say "hi" \\o/'))),
    ("leading hash", _name(_atv("2.5.4.3", "#lead"), _atv("2.5.4.10", "mid#"), _atv("2.5.4.11", "#"))),
    ("spaces", _name(_atv("2.5.4.3", " lead"), _atv("2.5.4.10", "trail "), _atv("2.5.4.11", " "),
                     _atv("2.5.4.7", "in side"))),
    ("controls", _name(_atv("2.5.4.3", "a\x01b\x1fc\x7f\n"), _atv("2.5.4.10", "\x00"))),
    ("equals", _name(_atv("2.5.4.3", "a=b"))),
    ("teletex latin-1", _name(_atv("2.5.4.3", "café", TELETEX))),
    ("bmp", _name(_atv("2.5.4.3", "Ωmega, Ω", BMP))),
    ("universal astral", _name(_atv("2.5.4.3", "𝄞 clef", UNIVERSAL))),
    ("numeric and ia5", _name(_atv("2.5.4.3", "123 456", NUMERIC), _atv("2.5.4.10", "a@b", IA5))),
    ("printable", _name(_atv("2.5.4.6", "CN", PRINTABLE), _atv("2.5.4.10", "Org (x)", PRINTABLE))),
    ("utf8 multi-byte", _name(_atv("2.5.4.10", "西部省 é 😀"))),
    ("empty value", _name(_atv("2.5.4.3", ""))),
    ("multi-valued", _name([_atv("2.5.4.3", "a"), _atv("2.5.4.10", "b,c"), _atv(oids.OID_USER_ID, "u")]),
     ),
    ("unknown oid string", _name(_atv(PRIVATE_ARC + ".7", "text"))),
    ("unknown oid sequence", _name(AttributeTypeAndValue.from_value_der(
        PRIVATE_ARC + ".8", bytes.fromhex("3006020105040100")))),
    ("unknown oid bit string", _name(AttributeTypeAndValue.from_value_der(
        PRIVATE_ARC + ".9", bytes.fromhex("03020780")))),
    ("every named type", Name.build([
        (kind, "DE" if kind in ("C", "jurisdictionC") else "v") for kind in [
            "C", "ST", "L", "O", "OU", "CN", "emailAddress", "UID", "SN", "GN", "serialNumber", "DC",
            "title", "street", "postalCode", "initials", "pseudonym", "dnQualifier",
            "organizationIdentifier", "generationQualifier", "name", "description", "businessCategory",
            "jurisdictionC", "jurisdictionST", "jurisdictionL"]])),
]


@pytest.mark.parametrize("label, name", ONELINE_CASES, ids=[case[0] for case in ONELINE_CASES])
def test_openssl_oneline_equals_openssl(label, name, openssl, base_certificate):
    certificate = _with_subject(base_certificate, name.to_der())
    assert name.openssl_oneline() == _openssl_subject(openssl, certificate, ONELINE_UTF8)
    assert name.openssl_oneline(escape_msb=True) == _openssl_subject(openssl, certificate, None)


@settings(max_examples=40)
@given(_OPENSSL_NAMES)
def test_openssl_oneline_random_names(openssl, base_certificate, attributes):
    name = Name.build(attributes)
    certificate = _with_subject(base_certificate, name.to_der())
    assert name.openssl_oneline() == _openssl_subject(openssl, certificate, ONELINE_UTF8)


# -- RFC 5280 §7.1 comparison -------------------------------------------------------------------


@pytest.mark.parametrize("one, two", [
    (_name(_atv("2.5.4.3", "Example Host")), _name(_atv("2.5.4.3", "eXAMPLE hOST"))),
    (_name(_atv("2.5.4.3", "  a   b ")), _name(_atv("2.5.4.3", "a b"))),
    (_name(_atv("2.5.4.3", "a\tb\u00a0c\u2003d")), _name(_atv("2.5.4.3", "a b c d"))),
    (_name(_atv("2.5.4.10", "Org", PRINTABLE)), _name(_atv("2.5.4.10", "org", UTF8))),
    (_name(_atv("2.5.4.10", "Straße", TELETEX)), _name(_atv("2.5.4.10", "STRASSE", BMP))),
    (_name(_atv("2.5.4.3", "\ufb01le")), _name(_atv("2.5.4.3", "file"))),           # NFKC
    (_name(_atv("2.5.4.3", "soft\u00adhyphen\u200b")), _name(_atv("2.5.4.3", "softhyphen"))),
    (_name([_atv("2.5.4.3", "a", PRINTABLE), _atv("2.5.4.10", "b")]),
     _name([_atv("2.5.4.10", "B", PRINTABLE), _atv("2.5.4.3", "A")])),
    (_name(_atv("1.2.3", "x"), _atv(oids.OID_EMAIL_ADDRESS, "A@B.example", IA5)),
     _name(_atv("1.2.3", "X", PRINTABLE), _atv(oids.OID_EMAIL_ADDRESS, "a@b.EXAMPLE", UTF8))),
    (Name(), Name()),
])
def test_matching_names(one, two):
    assert one.matches(two) and two.matches(one)
    assert one.comparison_key() == two.comparison_key()
    assert hash(one.comparison_key()) == hash(two.comparison_key())


@pytest.mark.parametrize("one, two", [
    (_name(_atv("2.5.4.3", "a")), _name(_atv("2.5.4.3", "b"))),
    (_name(_atv("2.5.4.3", "a")), _name(_atv("2.5.4.10", "a"))),
    (_name(_atv("2.5.4.3", "a b")), _name(_atv("2.5.4.3", "ab"))),
    (_name(_atv("2.5.4.3", "a")), _name(_atv("2.5.4.3", "a"), _atv("2.5.4.10", "b"))),
    (_name(_atv("2.5.4.3", "a"), _atv("2.5.4.10", "b")), _name(_atv("2.5.4.10", "b"), _atv("2.5.4.3", "a"))),
    (_name([_atv("2.5.4.3", "a"), _atv("2.5.4.10", "b")]),
     _name(_atv("2.5.4.3", "a"), _atv("2.5.4.10", "b"))),
    (_name(AttributeTypeAndValue.from_value_der("1.2.3", bytes.fromhex("020105"))),
     _name(AttributeTypeAndValue.from_value_der("1.2.3", bytes.fromhex("020106")))),
    (_name(AttributeTypeAndValue.from_value_der("1.2.3", bytes.fromhex("020105"))),
     _name(_atv("1.2.3", "5"))),
])
def test_names_that_do_not_match(one, two):
    assert not one.matches(two) and not two.matches(one)


def test_matching_is_not_equality():
    printable, utf8 = _name(_atv("2.5.4.10", "Org", PRINTABLE)), _name(_atv("2.5.4.10", "Org"))
    assert printable.matches(utf8) and printable != utf8 and printable.raw != utf8.raw
    with pytest.raises(TypeError):
        printable.matches("O=Org")


@pytest.mark.parametrize("value, prepared", [
    ("  Hello   World  ", "hello world"), ("ΣΊΣΥΦΟΣ", "σίσυφοσ"), ("Ⅻ", "xii"), ("", ""), ("   ", ""),
    ("a\u0085b\u2028c", "a b c"), ("x\u00ady\u034fz\ufe0f", "xyz"), ("e\u0301", "é"),
])
def test_prepare_string(value, prepared):
    assert prepare_string(value) == prepared


def test_prepare_string_fast_path_is_the_general_preparation():
    """The printable-ASCII fast path of prepare_string gives what RFC 4518's steps give: every
    ASCII code point alone and between others, and random strings over ASCII with a few
    characters the steps map (tab, NBSP, soft hyphen, a capital sigma), so that some take the
    fast path and some do not."""
    import random
    rng = random.Random(4518)
    alphabet = [chr(c) for c in range(128)] + ["\u00a0", "\u00ad", "\u03a3", "\u2028"]
    values = [chr(c) for c in range(128)] + [f" x{chr(c)}Y  {chr(c)}" for c in range(128)]
    values += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(12)))
               for _ in range(5000)]
    fast = sum(1 for value in values if value.isascii() and value.isprintable())
    assert 1000 < fast < len(values) - 1000
    for value in values:
        assert prepare_string(value) == prepare_general(value), repr(value)


# -- DER that is not a Name ---------------------------------------------------------------------

BAD_NAMES = [   # (what is wrong, hex, error, offset of the faulty element)
    ("empty RDN (SET SIZE (1..MAX))", "30 02 31 00", DecodeError, 2),
    ("multi-valued RDN not sorted", "30 16 31 14 30 08 06 03 55 04 0a 0c 01 62 30 08 06 03 55 04 03 0c 01 61",
     NonCanonicalEncoding, 14),
    ("INTEGER value for CN", "30 0c 31 0a 30 08 06 03 55 04 03 02 01 05", UnexpectedTag, 11),
    ("SEQUENCE value for C", "30 0d 31 0b 30 09 06 03 55 04 06 30 02 05 00", UnexpectedTag, 11),
    ("bad UTF-8 in UTF8String", "30 0d 31 0b 30 09 06 03 55 04 03 0c 02 61 ff", DecodeError, 14),
    ("overlong UTF-8", "30 0d 31 0b 30 09 06 03 55 04 03 0c 02 c0 af", DecodeError, 13),
    ("'@' in PrintableString", "30 0c 31 0a 30 08 06 03 55 04 03 13 01 40", DecodeError, 13),
    ("odd-length BMPString", "30 0c 31 0a 30 08 06 03 55 04 03 1e 01 41", DecodeError, 13),
    ("constructed UTF8String", "30 0e 31 0c 30 0a 06 03 55 04 03 2c 03 0c 01 61", NonCanonicalEncoding, 11),
    ("RDN is a SEQUENCE", "30 0c 30 0a 30 08 06 03 55 04 03 0c 01 61", UnexpectedTag, 2),
    ("Name is a SET", "31 0c 31 0a 30 08 06 03 55 04 03 0c 01 61", UnexpectedTag, 0),
    ("type is not an OID", "30 0c 31 0a 30 08 04 03 55 04 03 0c 01 61", UnexpectedTag, 6),
    ("extra field after the value", "30 0e 31 0c 30 0a 06 03 55 04 03 0c 01 61 05 00", DecodeError, 14),
    ("value missing", "30 09 31 07 30 05 06 03 55 04 03", Truncated, 11),
    ("ATV length past the SET", "30 0c 31 0a 30 09 06 03 55 04 03 0c 01 61", Truncated, 4),
    ("unknown type, BOOLEAN not DER", "30 0b 31 09 30 07 06 02 2a 03 01 01 01", NonCanonicalEncoding, 12),
    ("unknown type, non-minimal length", "30 0c 31 0a 30 08 06 02 2a 03 04 81 01 00",
     NonCanonicalEncoding, 11),
    ("trailing byte after the Name", "30 0c 31 0a 30 08 06 03 55 04 03 0c 01 61 00", DecodeError, 14),
]


@pytest.mark.parametrize("label, hex_der, error, offset", BAD_NAMES, ids=[row[0] for row in BAD_NAMES])
def test_bad_der_names(label, hex_der, error, offset):
    with pytest.raises(error) as caught:
        load_der_name(bytes.fromhex(hex_der))
    assert caught.value.offset == offset


def test_offsets_are_absolute_in_a_certificate(base_certificate):
    bad = bytes.fromhex("30 0d 31 0b 30 09 06 03 55 04 03 0c 02 61 ff")
    certificate = _with_subject(base_certificate, bad)
    start = certificate.index(bad)
    with pytest.raises(DecodeError) as caught:
        _issuer_and_subject(certificate)
    assert caught.value.offset == start + 14
    assert caught.value.path == ("certificate", "tbsCertificate", "subject", "rdnSequence[0]",
                                 "attribute[0]", "value")


def test_non_string_values_of_unknown_types_are_kept_raw():
    der = bytes.fromhex("30 13 31 11 30 0f 06 06 2b 06 01 04 01 07 30 05 02 01 05 05 00")
    name = load_der_name(der)
    value = name.rdns[0].attributes[0]
    assert (value.string_tag, value.raw.hex(), value.value) == (None, "30050201050500", "#30050201050500")
    assert name.rfc4514() == "1.3.6.1.4.1.7=#30050201050500"
    assert name.openssl_oneline() == "1.3.6.1.4.1.7 = #30050201050500"
    assert Name.from_rfc4514(name.rfc4514()).to_der() == der and name.to_der() == der


@pytest.mark.parametrize("tag, content", [(TELETEX, "e9"), (BMP, "03a9"), (UNIVERSAL, "0001d11e"),
                                          (NUMERIC, "3120"), (26, "7e"), (IA5, "00"), (UTF8, "")])
def test_other_string_types_keep_their_bytes(tag, content):
    value = bytes([tag, len(content) // 2]) + bytes.fromhex(content)
    atv = b"\x30" + bytes([len(value) + 5]) + bytes.fromhex("06 03 55 04 03") + value
    der = b"\x30" + bytes([len(atv) + 2]) + b"\x31" + bytes([len(atv)]) + atv
    name = load_der_name(der)
    assert name.to_der() == der and name.rdns[0].attributes[0].string_tag == tag
    assert Name(name.rdns) == name


def test_reading_accepts_any_string_type_for_known_types():
    """Deviation (attribute.py _read_value): a UTF8String country, an IA5String CN and an empty value
    are read (they occur in the wild); Name.build would choose PrintableString, UTF8String, refuse ''."""
    lenient = _name(_atv(oids.OID_COUNTRY_NAME, "CN", UTF8), _atv(oids.OID_COMMON_NAME, "h", IA5),
                    _atv(oids.OID_ORGANIZATION_NAME, ""))
    assert load_der_name(lenient.to_der()) == lenient
    # RFC 4518 §2.6.1: a value without a non-space character prepares to two SPACEs, as "" does.
    assert lenient.matches(_name(_atv(oids.OID_COUNTRY_NAME, "cn", PRINTABLE),
                                 _atv(oids.OID_COMMON_NAME, "H"), _atv(oids.OID_ORGANIZATION_NAME, "  ")))
    assert not lenient.matches(Name.build([("C", "CN"), ("CN", "H"), ("O", "x")]))
