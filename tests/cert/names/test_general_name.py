"""GeneralName (RFC 5280 §4.2.1.6): DER against pyca/cryptography, strictness with offsets,
hypothesis round trips, and the text forms against the OpenSSL CLI."""

from __future__ import annotations

import datetime
import ipaddress
import subprocess

import pytest
from cryptography import x509 as cx509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from hypothesis import given
from hypothesis import strategies as st

from x509core.cert.names.general_name import (DirectoryName, DNSName, IPAddress, OtherName,
                                              RegisteredID, RFC822Name, UniformResourceIdentifier,
                                              UnsupportedGeneralName, check_general_names,
                                              general_name_print)
from x509core.cert.names.general_name_der import (read_general_name, read_general_names,
                                                  write_general_name, write_general_names)
from x509core.cert.names.general_name_text import x509_name_oneline
from x509core.cert.names.name import Name
from x509core.der import ObjectIdentifier, Reader, Writer
from x509core.errors import (DecodeError, InvalidValue, NonCanonicalEncoding, Truncated,
                             UnexpectedTag)

UPN = "1.3.6.1.4.1.311.20.2.3"


def encode(gn) -> bytes:
    writer = Writer()
    write_general_name(writer, gn)
    return writer.to_bytes()


def decode(der: bytes, **options):
    reader = Reader(der)
    gn = read_general_name(reader, **options)
    reader.finish()
    return gn


def crypto_element(crypto_gn, *, constraint: bool = False) -> bytes:
    """The DER of one GeneralName as pyca/cryptography encodes it (inside SAN or NC)."""
    if constraint:
        outer = Reader(cx509.NameConstraints([crypto_gn], None).public_bytes()).read_sequence()
        return outer.read_implicit(0, True).read_sequence().read_any()
    return Reader(cx509.SubjectAlternativeName([crypto_gn]).public_bytes()).read_sequence().read_any()


def sample_name() -> Name:
    return Name.build([("C", "US"), ("O", "Ex, Inc"), ("CN", "é ü")])


def crypto_sample_name() -> cx509.Name:
    return cx509.Name([cx509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
                       cx509.NameAttribute(NameOID.ORGANIZATION_NAME, "Ex, Inc"),
                       cx509.NameAttribute(NameOID.COMMON_NAME, "é ü")])


PAIRS = [
    ("dNSName", DNSName("example.com"), cx509.DNSName("example.com")),
    ("wildcard dNSName", DNSName("*.example.com"), cx509.DNSName("*.example.com")),
    ("rfc822Name", RFC822Name("me@example.org"), cx509.RFC822Name("me@example.org")),
    ("uniformResourceIdentifier", UniformResourceIdentifier("https://example.org/a?b=c"),
     cx509.UniformResourceIdentifier("https://example.org/a?b=c")),
    ("directoryName", DirectoryName(sample_name()), cx509.DirectoryName(crypto_sample_name())),
    ("iPAddress v4", IPAddress(ipaddress.ip_address("127.0.0.1")),
     cx509.IPAddress(ipaddress.ip_address("127.0.0.1"))),
    ("iPAddress v6", IPAddress(ipaddress.ip_address("2001:db8::1")),
     cx509.IPAddress(ipaddress.ip_address("2001:db8::1"))),
    ("registeredID", RegisteredID("1.2.3.4"), cx509.RegisteredID(cx509.ObjectIdentifier("1.2.3.4"))),
    ("otherName UPN", OtherName(UPN, bytes.fromhex("0c0375706e")),
     cx509.OtherName(cx509.ObjectIdentifier(UPN), bytes.fromhex("0c0375706e"))),
]

RANGES = ["10.0.0.0/8", "192.168.1.1/32", "0.0.0.0/0", "2001:db8::/32", "::/0", "fe80::/10"]


@pytest.mark.parametrize("label,mine,theirs", PAIRS, ids=[p[0] for p in PAIRS])
def test_encoding_equals_cryptography_and_parses_back(label, mine, theirs):
    der = crypto_element(theirs)
    assert encode(mine) == der
    assert decode(der) == mine


@pytest.mark.parametrize("network", RANGES)
def test_address_range_equals_cryptography(network):
    mine = IPAddress(ipaddress.ip_network(network))
    der = crypto_element(cx509.IPAddress(ipaddress.ip_network(network)), constraint=True)
    assert encode(mine) == der
    assert decode(der, address_range=True) == mine


def test_unsupported_forms_are_kept_exactly():
    for hex_der, number in (("a3 03 04 01 41", 3), ("a5 05 81 03 0c 01 42", 5)):
        der = bytes.fromhex(hex_der)
        gn = decode(der)
        assert gn == UnsupportedGeneralName(number, der)
        assert encode(gn) == der
        assert gn.text() == ("X400Name" if number == 3 else "EdiPartyName") + ":<unsupported>"


def test_directory_name_is_explicit():
    der = encode(DirectoryName(sample_name()))
    assert der[0] == 0xA4 and der[2] == 0x30          # [4] constructed wrapping the SEQUENCE


def test_general_names_round_trip_and_implicit_tag():
    names = tuple(p[1] for p in PAIRS)
    for implicit in (None, 1):
        writer = Writer()
        write_general_names(writer, names, implicit=implicit)
        der = writer.to_bytes()
        assert der[0] == (0x30 if implicit is None else 0xA1)
        reader = Reader(der)
        assert read_general_names(reader, implicit=implicit) == names
        reader.finish()


# (name, DER in hex, error class, offset of the error, read_general_name options)
STRICTNESS = [
    ("dNSName octet 0x80", "82 03 61 80 62", DecodeError, 3, {}),
    ("rfc822Name octet 0xff", "81 01 ff", DecodeError, 2, {}),
    ("URI in constructed form", "a6 03 16 01 61", DecodeError, 0, {}),
    ("tag [9]", "89 00", UnexpectedTag, 0, {}),
    ("universal IA5String", "16 01 61", UnexpectedTag, 0, {}),
    ("otherName primitive", "80 00", DecodeError, 0, {}),
    ("otherName value not in [0]", "a0 07 06 02 2a 03 0c 01 41", UnexpectedTag, 6, {}),
    ("otherName trailing element", "a0 0b 06 02 2a 03 a0 03 0c 01 41 05 00", DecodeError, 11, {}),
    ("otherName [0] with two values", "a0 0b 06 02 2a 03 a0 05 0c 01 41 05 00", DecodeError, 11, {}),
    ("otherName value not DER", "a0 0a 06 02 2a 03 a0 04 01 02 00 ff", DecodeError, 10, {}),
    ("directoryName primitive", "84 00", DecodeError, 0, {}),
    ("directoryName not a Name", "a4 02 31 00", UnexpectedTag, 2, {}),
    ("directoryName trailing data", "a4 04 30 00 05 00", DecodeError, 4, {}),
    ("iPAddress of 5 octets", "87 05 01 02 03 04 05", DecodeError, 0, {}),
    ("iPAddress range outside name constraints", "87 08 0a 00 00 00 ff 00 00 00", DecodeError, 0, {}),
    ("single address in name constraints", "87 04 0a 00 00 00", DecodeError, 0, {"address_range": True}),
    ("mask not contiguous", "87 08 0a 00 00 00 ff 00 ff 00", DecodeError, 0, {"address_range": True}),
    ("address bits outside the mask", "87 08 0a 00 00 01 ff 00 00 00", DecodeError, 0,
     {"address_range": True}),
    ("registeredID truncated subidentifier", "88 02 2a 81", DecodeError, 3, {}),
    ("registeredID non-minimal subidentifier", "88 03 2a 80 01", NonCanonicalEncoding, 3, {}),
    ("x400Address primitive", "83 00", DecodeError, 0, {}),
    ("ediPartyName with a non-minimal length inside", "a5 03 30 81 00", NonCanonicalEncoding, 3, {}),
    ("length past the end", "82 05 61", Truncated, 0, {}),
    ("nothing at all", "", Truncated, 0, {}),
]


@pytest.mark.parametrize("label,hex_der,error,offset,options", STRICTNESS, ids=[r[0] for r in STRICTNESS])
def test_strictness(label, hex_der, error, offset, options):
    with pytest.raises(error) as info:
        decode(bytes.fromhex(hex_der), **options)
    assert info.value.offset == offset


def test_offsets_are_absolute_in_the_callers_buffer():
    data = bytes.fromhex("05 00 30 05 82 03 61 80 62")     # a NULL, then GeneralNames
    reader = Reader(data)
    reader.read_null()
    with pytest.raises(DecodeError) as info:
        read_general_names(reader, "names")
    assert info.value.offset == 7 and info.value.path == ("names", "[0]")


@pytest.mark.parametrize("hex_der,offset", [("30 00", 0), ("30 02 05 00", 2)])
def test_general_names_strictness(hex_der, offset):
    with pytest.raises(DecodeError) as info:
        read_general_names(Reader(bytes.fromhex(hex_der)))
    assert info.value.offset == offset


BUILD_ERRORS = [
    ("dNSName with a non-ASCII character", lambda: DNSName("bücher.example"), InvalidValue),
    ("rfc822Name not a str", lambda: RFC822Name(b"a@b"), TypeError),
    ("URI with a non-ASCII character", lambda: UniformResourceIdentifier("http://é"), InvalidValue),
    ("otherName value not DER", lambda: OtherName("1.2.3", b"\x0c\x05ab"), InvalidValue),
    ("otherName value of two elements", lambda: OtherName("1.2.3", b"\x05\x00\x05\x00"), InvalidValue),
    ("otherName bad OID", lambda: OtherName("1.2.x", b"\x05\x00"), InvalidValue),
    ("directoryName not a Name", lambda: DirectoryName("CN=a"), TypeError),
    ("iPAddress as text", lambda: IPAddress("127.0.0.1"), TypeError),
    ("unsupported kept for [4]", lambda: UnsupportedGeneralName(4, b"\xa4\x02\x30\x00"), InvalidValue),
    ("unsupported with the wrong tag", lambda: UnsupportedGeneralName(3, b"\xa5\x00"), InvalidValue),
    ("unsupported not DER", lambda: UnsupportedGeneralName(3, b"\xa3\x81\x00"), InvalidValue),
    ("empty GeneralNames", lambda: check_general_names((), "x"), InvalidValue),
    ("range where an address belongs",
     lambda: check_general_names((IPAddress(ipaddress.ip_network("10.0.0.0/8")),), "x"), InvalidValue),
    ("address where a range belongs",
     lambda: check_general_names((IPAddress(ipaddress.ip_address("10.0.0.1")),), "x", address_range=True),
     InvalidValue),
    ("not a GeneralName", lambda: check_general_names(("example.com",), "x"), TypeError),
]


@pytest.mark.parametrize("label,build,error", BUILD_ERRORS, ids=[r[0] for r in BUILD_ERRORS])
def test_build_errors(label, build, error):
    with pytest.raises(error):
        build()


def test_write_general_names_refuses_an_empty_list():
    with pytest.raises(InvalidValue):
        write_general_names(Writer(), ())


def test_text_keeps_the_exact_value():
    assert DNSName("Example.COM.").text() == "DNS:Example.COM."
    assert IPAddress(ipaddress.ip_address("::1")).text() == "IP Address:0:0:0:0:0:0:0:1"
    assert general_name_print(IPAddress(ipaddress.ip_network("10.0.0.0/8"))) == "IP:10.0.0.0/255.0.0.0"
    assert OtherName("1.2.3", b"\x02\x01\x01").text() == "othername: 1.2.3::<unsupported>"


# -- hypothesis ------------------------------------------------------------------------------

_ia5 = st.text(st.characters(min_codepoint=0, max_codepoint=0x7F), max_size=40)
_oids = st.builds(lambda a, b, rest: ".".join(map(str, (a, b, *rest))), st.integers(0, 2),
                  st.integers(0, 39), st.lists(st.integers(0, 2**70), max_size=5)).map(ObjectIdentifier)
_names = st.lists(st.tuples(st.sampled_from(["CN", "O", "OU", "L"]),
                            st.text(st.characters(min_codepoint=0x20, max_codepoint=0x2FF,
                                                  blacklist_categories=("Cs",)), min_size=1, max_size=20)),
                  max_size=4).map(Name.build)


def _der_of(write, value) -> bytes:
    writer = Writer()
    write(writer, value)
    return writer.to_bytes()


_other_values = st.one_of(st.text(max_size=20).map(lambda t: _der_of(Writer.write_string, t)),
                          st.integers(-2**64, 2**64).map(lambda n: _der_of(Writer.write_integer, n)))


def _network(bits: int, cls):
    """Networks with every host bit zero, as RFC 4632 writes them."""
    full = (1 << bits) - 1
    return st.tuples(st.integers(0, full), st.integers(0, bits)).map(
        lambda p: cls((p[0] & full & ~((1 << (bits - p[1])) - 1), p[1])))


general_names = st.one_of(
    _ia5.map(DNSName), _ia5.map(RFC822Name), _ia5.map(UniformResourceIdentifier),
    _names.map(DirectoryName), _oids.map(RegisteredID),
    st.builds(OtherName, _oids, _other_values),
    st.ip_addresses().map(IPAddress),
    st.binary(max_size=10).map(lambda b: UnsupportedGeneralName(3, b"\xa3" + bytes([len(b) + 2]) + b"\x04"
                                                                 + bytes([len(b)]) + b)),
)
ranges = st.one_of(_network(32, ipaddress.IPv4Network), _network(128, ipaddress.IPv6Network)).map(IPAddress)


@given(general_names)
def test_round_trip(gn):
    der = encode(gn)
    back = decode(der)
    assert back == gn
    assert encode(back) == der


@given(ranges)
def test_round_trip_of_address_ranges(gn):
    der = encode(gn)
    assert decode(der, address_range=True) == gn


@given(st.lists(general_names, min_size=1, max_size=5))
def test_round_trip_of_general_names(names):
    writer = Writer()
    write_general_names(writer, names)
    assert read_general_names(Reader(writer.to_bytes())) == tuple(names)


@given(st.binary(max_size=30))
def test_arbitrary_bytes_raise_only_decode_errors(data):
    for options in ({}, {"address_range": True}):
        try:
            decode(data, **options)
        except DecodeError:
            pass


# -- text against the OpenSSL CLI --------------------------------------------------------------

def _openssl_text(openssl: str, extensions) -> list[str]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "t")])
    builder = (cx509.CertificateBuilder().subject_name(subject).issuer_name(subject)
               .public_key(key.public_key()).serial_number(1)
               .not_valid_before(datetime.datetime(2024, 1, 1))
               .not_valid_after(datetime.datetime(2025, 1, 1)))
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical)
    pem = builder.sign(key, hashes.SHA256()).public_bytes(Encoding.PEM)
    out = subprocess.run([openssl, "x509", "-noout", "-text"], input=pem, capture_output=True,
                         check=True).stdout.decode("utf-8")
    return out.splitlines()


def _bmp_name() -> tuple[Name, cx509.Name]:
    from cryptography.x509.name import _ASN1Type
    rdn = cx509.RelativeDistinguishedName
    theirs = cx509.Name([rdn([cx509.NameAttribute(NameOID.COMMON_NAME, "é\x01", _type=_ASN1Type.BMPString)]),
                         rdn([cx509.NameAttribute(NameOID.COMMON_NAME, "a"),
                              cx509.NameAttribute(NameOID.USER_ID, "b")]),
                         rdn([cx509.NameAttribute(cx509.ObjectIdentifier("1.2.3.4"), "z")])])
    return Name.from_der(theirs.public_bytes()), theirs


def test_text_matches_openssl_subject_alt_name(openssl):
    mine_bmp, theirs_bmp = _bmp_name()
    extra = [(DirectoryName(mine_bmp), cx509.DirectoryName(theirs_bmp)),
             (OtherName("1.2.3.5", bytes.fromhex("0c03616263")),
              cx509.OtherName(cx509.ObjectIdentifier("1.2.3.5"), bytes.fromhex("0c03616263"))),
             (OtherName("1.2.3.6", bytes.fromhex("020101")),
              cx509.OtherName(cx509.ObjectIdentifier("1.2.3.6"), bytes.fromhex("020101")))]
    pairs = [(p[1], p[2]) for p in PAIRS] + extra
    lines = _openssl_text(openssl, [(cx509.SubjectAlternativeName([t for _, t in pairs]), False)])
    index = lines.index("            X509v3 Subject Alternative Name: ")
    assert lines[index + 1] == " " * 16 + ", ".join(mine.text() for mine, _ in pairs)


def test_text_matches_openssl_general_name_print(openssl):
    mine_bmp, theirs_bmp = _bmp_name()
    pairs = [(p[1], p[2]) for p in PAIRS if not isinstance(p[1], IPAddress) and p[0] != "wildcard dNSName"]
    pairs += [(DirectoryName(mine_bmp), cx509.DirectoryName(theirs_bmp))]
    pairs += [(IPAddress(ipaddress.ip_network(n)), cx509.IPAddress(ipaddress.ip_network(n))) for n in RANGES]
    lines = _openssl_text(openssl, [(cx509.NameConstraints([t for _, t in pairs], None), True)])
    index = lines.index("                Permitted:")
    assert lines[index + 1:index + 1 + len(pairs)] == [" " * 18 + general_name_print(m) for m, _ in pairs]


@pytest.mark.parametrize("last", [59, 60])
def test_directory_name_text_is_cut_as_openssl_cuts_it(openssl, last):
    values = ["x" * 60] * 3 + ["y" * last]          # "/OU=" + value: 64 * 3 + 4 + last octets
    theirs = cx509.Name([cx509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, v) for v in values])
    mine = Name.from_der(theirs.public_bytes())
    lines = _openssl_text(openssl, [(cx509.SubjectAlternativeName([cx509.DirectoryName(theirs)]), False)])
    assert " " * 16 + DirectoryName(mine).text() in lines
    assert len(x509_name_oneline(mine)) == (255 if last == 59 else 192)
