"""Extensions (RFC 5280 §4.2, §5.2, §5.3): DER against pyca/cryptography, hypothesis round trips,
the MUSTs, strictness with offsets, the seed system's machine binding and text against OpenSSL."""

from __future__ import annotations

import datetime
import ipaddress
import subprocess

import pytest
from cryptography import x509 as cx509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.x509.oid import AuthorityInformationAccessOID as AIA, ExtendedKeyUsageOID as EKU
from cryptography.x509.oid import NameOID
from hypothesis import given
from hypothesis import strategies as st
from pyasn1.codec.der import encoder as pyasn1_encoder
from pyasn1_modules import rfc5280

from tests.cert.names.test_general_name import general_names, ranges
from tests.conftest import INTEROP, require_shared
from x509core.cert import extensions as extensions_module
from x509core.cert import oids
from x509core.cert.certificate import load_der_certificate, load_pem_certificate
from x509core.cert.revocation.crl import load_pem_crl
from x509core.cert.extensions import (EXTENSION_TYPES, AccessDescription, AuthorityInformationAccess,
                                      AuthorityKeyIdentifier, BasicConstraints, CertificateIssuer,
                                      CertificatePolicies, CRLDistributionPoints, CRLNumber, CRLReason,
                                      DeltaCRLIndicator, DistributionPoint, DistributionPointName,
                                      ExtendedKeyUsage, Extension, FreshestCRL, GeneralSubtree,
                                      InhibitAnyPolicy, InvalidityDate, IssuerAlternativeName,
                                      IssuingDistributionPoint, KeyUsage, MacAddress, MachineIdentity,
                                      NameConstraints, NoticeReference, OCSPNoCheck, PolicyConstraints,
                                      PolicyInformation, PolicyMapping, PolicyMappings,
                                      PolicyQualifierInfo, ReasonFlags, SubjectAlternativeName,
                                      SubjectInformationAccess, SubjectKeyIdentifier,
                                      UnrecognizedExtension, UserNotice, decode_extension_value,
                                      read_extensions, write_extensions)
from x509core.cert.names.general_name import (DirectoryName, DNSName, IPAddress, RFC822Name,
                                        UniformResourceIdentifier)
from x509core.cert.names.name import Name
from x509core.der import BMPString, IA5String, Reader, VisibleString, Writer
from x509core.errors import DecodeError, InvalidValue, NonCanonicalEncoding, UnexpectedTag

UTC = datetime.timezone.utc
MACHINE_ID, MAC = "c417aa4802b3441d931c135cbdaab367", "18:c0:4d:fa:c0:a8"
N = Name.build([("C", "US"), ("CN", "ca")])
CN = cx509.Name([cx509.NameAttribute(NameOID.COUNTRY_NAME, "US"), cx509.NameAttribute(NameOID.COMMON_NAME, "ca")])
RDN = Name.build([("CN", "rel")]).rdns[0]
CRDN = cx509.RelativeDistinguishedName([cx509.NameAttribute(NameOID.COMMON_NAME, "rel")])
URI = UniformResourceIdentifier("http://crl.example/ca.crl")
CURI = cx509.UniformResourceIdentifier("http://crl.example/ca.crl")
CPS_URI = "http://cps.example"


def _oid(text):
    return cx509.ObjectIdentifier(text)


_KU = ["digital_signature", "content_commitment", "key_encipherment", "data_encipherment", "key_agreement",
       "key_cert_sign", "crl_sign", "encipher_only", "decipher_only"]


def crypto_ku(*bits):
    return cx509.KeyUsage(**{name: i in bits for i, name in enumerate(_KU)})


NOTICE = UserNotice(NoticeReference("Org", (1, 2)), "explicit text")
CNOTICE = cx509.UserNotice(cx509.NoticeReference("Org", [1, 2]), "explicit text")
REASONS = ReasonFlags(key_compromise=True, aa_compromise=True)
CREASONS = frozenset([cx509.ReasonFlags.key_compromise, cx509.ReasonFlags.aa_compromise])

# (label, x509core value, the pyca/cryptography value of the same extension)
CATALOG = [
    ("BasicConstraints CA", BasicConstraints(True, 2), cx509.BasicConstraints(True, 2)),
    ("BasicConstraints CA without pathlen", BasicConstraints(True), cx509.BasicConstraints(True, None)),
    ("BasicConstraints end entity", BasicConstraints(), cx509.BasicConstraints(False, None)),
    ("KeyUsage server", KeyUsage(digital_signature=True, key_encipherment=True), crypto_ku(0, 2)),
    ("KeyUsage CA", KeyUsage(key_cert_sign=True, crl_sign=True), crypto_ku(5, 6)),
    ("OCSPNoCheck", OCSPNoCheck(), cx509.OCSPNoCheck()),
    ("KeyUsage all bits", KeyUsage(*[True] * 9), crypto_ku(*range(9))),
    ("KeyUsage decipherOnly", KeyUsage(key_agreement=True, decipher_only=True), crypto_ku(4, 8)),
    ("ExtendedKeyUsage", ExtendedKeyUsage((oids.OID_SERVER_AUTH, oids.OID_CLIENT_AUTH, "1.2.3.4")),
     cx509.ExtendedKeyUsage([EKU.SERVER_AUTH, EKU.CLIENT_AUTH, _oid("1.2.3.4")])),
    ("SubjectKeyIdentifier", SubjectKeyIdentifier(bytes(range(20))), cx509.SubjectKeyIdentifier(bytes(range(20)))),
    ("AuthorityKeyIdentifier keyIdentifier", AuthorityKeyIdentifier(b"\x01\x02"),
     cx509.AuthorityKeyIdentifier(b"\x01\x02", None, None)),
    ("AuthorityKeyIdentifier all fields", AuthorityKeyIdentifier(b"\x01", (DirectoryName(N),), 0x80),
     cx509.AuthorityKeyIdentifier(b"\x01", [cx509.DirectoryName(CN)], 0x80)),
    ("AuthorityKeyIdentifier issuer and serial", AuthorityKeyIdentifier(None, (DNSName("x"),), 7),
     cx509.AuthorityKeyIdentifier(None, [cx509.DNSName("x")], 7)),
    ("SubjectAlternativeName", SubjectAlternativeName((DNSName("a.example"), IPAddress(ipaddress.ip_address("::1")))),
     cx509.SubjectAlternativeName([cx509.DNSName("a.example"), cx509.IPAddress(ipaddress.ip_address("::1"))])),
    ("IssuerAlternativeName", IssuerAlternativeName((RFC822Name("ca@example.org"),)),
     cx509.IssuerAlternativeName([cx509.RFC822Name("ca@example.org")])),
    ("NameConstraints", NameConstraints((GeneralSubtree(DNSName("ok.example")),
                                         GeneralSubtree(IPAddress(ipaddress.ip_network("10.0.0.0/8")))),
                                        (GeneralSubtree(DirectoryName(N)),)),
     cx509.NameConstraints([cx509.DNSName("ok.example"), cx509.IPAddress(ipaddress.ip_network("10.0.0.0/8"))],
                           [cx509.DirectoryName(CN)])),
    ("NameConstraints excluded only", NameConstraints(None, (GeneralSubtree(RFC822Name("bad.example")),)),
     cx509.NameConstraints(None, [cx509.RFC822Name("bad.example")])),
    ("CertificatePolicies", CertificatePolicies((
        PolicyInformation(oids.OID_ANY_POLICY),
        PolicyInformation("1.2.3.4.5", (PolicyQualifierInfo(oids.OID_QT_CPS, CPS_URI),
                                        PolicyQualifierInfo(oids.OID_QT_UNOTICE, NOTICE),
                                        PolicyQualifierInfo(oids.OID_QT_UNOTICE, UserNotice(None, "only")))))),
     cx509.CertificatePolicies([cx509.PolicyInformation(_oid("2.5.29.32.0"), None),
                                cx509.PolicyInformation(_oid("1.2.3.4.5"), [CPS_URI, CNOTICE,
                                                                            cx509.UserNotice(None, "only")])])),
    ("PolicyConstraints", PolicyConstraints(0, 3), cx509.PolicyConstraints(0, 3)),
    ("PolicyConstraints inhibitPolicyMapping", PolicyConstraints(None, 1), cx509.PolicyConstraints(None, 1)),
    ("InhibitAnyPolicy", InhibitAnyPolicy(0), cx509.InhibitAnyPolicy(0)),
    ("CRLDistributionPoints", CRLDistributionPoints((
        DistributionPoint(DistributionPointName((URI,)), REASONS, (DirectoryName(N),)),
        DistributionPoint(DistributionPointName(None, RDN), None, (DNSName("i"),)),
        DistributionPoint(None, None, (DNSName("issuer"),)))),
     cx509.CRLDistributionPoints([cx509.DistributionPoint([CURI], None, CREASONS, [cx509.DirectoryName(CN)]),
                                  cx509.DistributionPoint(None, CRDN, None, [cx509.DNSName("i")]),
                                  cx509.DistributionPoint(None, None, None, [cx509.DNSName("issuer")])])),
    ("FreshestCRL", FreshestCRL((DistributionPoint(DistributionPointName((URI,))),)),
     cx509.FreshestCRL([cx509.DistributionPoint([CURI], None, None, None)])),
    ("AuthorityInformationAccess", AuthorityInformationAccess((
        AccessDescription(oids.OID_AD_OCSP, UniformResourceIdentifier("http://ocsp.example")),
        AccessDescription(oids.OID_AD_CA_ISSUERS, DirectoryName(N)))),
     cx509.AuthorityInformationAccess([
         cx509.AccessDescription(AIA.OCSP, cx509.UniformResourceIdentifier("http://ocsp.example")),
         cx509.AccessDescription(AIA.CA_ISSUERS, cx509.DirectoryName(CN))])),
    ("SubjectInformationAccess", SubjectInformationAccess((AccessDescription("1.3.6.1.5.5.7.48.5", URI),)),
     cx509.SubjectInformationAccess([cx509.AccessDescription(_oid("1.3.6.1.5.5.7.48.5"), CURI)])),
    ("CRLNumber", CRLNumber(0), cx509.CRLNumber(0)),
    ("CRLNumber of 20 octets", CRLNumber(2**159 - 1), cx509.CRLNumber(2**159 - 1)),
    ("DeltaCRLIndicator", DeltaCRLIndicator(42), cx509.DeltaCRLIndicator(42)),
    ("IssuingDistributionPoint", IssuingDistributionPoint(DistributionPointName((URI,)), True, False, REASONS, True),
     cx509.IssuingDistributionPoint([CURI], None, True, False, CREASONS, True, False)),
    ("IssuingDistributionPoint relative name", IssuingDistributionPoint(DistributionPointName(None, RDN), False, True),
     cx509.IssuingDistributionPoint(None, CRDN, False, True, None, False, False)),
    ("IssuingDistributionPoint attribute certificates", IssuingDistributionPoint(only_contains_attribute_certs=True),
     cx509.IssuingDistributionPoint(None, None, False, False, None, False, True)),
    ("CRLReason", CRLReason.from_name("keyCompromise"), cx509.CRLReason(cx509.ReasonFlags.key_compromise)),
    ("CRLReason aACompromise", CRLReason(10), cx509.CRLReason(cx509.ReasonFlags.aa_compromise)),
    ("InvalidityDate", InvalidityDate(datetime.datetime(2023, 12, 1, 1, 2, 3, tzinfo=UTC)),
     cx509.InvalidityDate(datetime.datetime(2023, 12, 1, 1, 2, 3))),
    ("CertificateIssuer", CertificateIssuer((DNSName("ci"), DirectoryName(N))),
     cx509.CertificateIssuer([cx509.DNSName("ci"), cx509.DirectoryName(CN)])),
]


@pytest.mark.parametrize("label,mine,theirs", CATALOG, ids=[c[0] for c in CATALOG])
def test_encoding_equals_cryptography_and_parses_back(label, mine, theirs):
    der = theirs.public_bytes()
    assert mine.to_der() == der
    assert type(mine).from_der(der) == mine
    assert decode_extension_value(mine.oid, der) == mine
    assert mine.oid == theirs.oid.dotted_string


def test_policy_mappings_equal_pyasn1():
    pairs = (("1.2.3", "1.2.4"), ("1.3.6.1.5.5.7.3.1", "2.5.29.32.1"))
    theirs = rfc5280.PolicyMappings()
    for i, (issuer, subject) in enumerate(pairs):
        theirs[i]["issuerDomainPolicy"] = rfc5280.CertPolicyId(issuer)
        theirs[i]["subjectDomainPolicy"] = rfc5280.CertPolicyId(subject)
    mine = PolicyMappings(tuple(PolicyMapping(*pair) for pair in pairs))
    assert mine.to_der() == pyasn1_encoder.encode(theirs)
    assert PolicyMappings.from_der(pyasn1_encoder.encode(theirs)) == mine


def test_subject_key_identifier_method_1_equals_cryptography():
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()
    spki = Reader(key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)).read_sequence()
    spki.read_sequence()
    bits = spki.read_bit_string()
    expected = cx509.SubjectKeyIdentifier.from_public_key(key).digest
    assert SubjectKeyIdentifier.from_public_key_der(bits.data).key_identifier == expected


def test_registry_and_public_api():
    assert len(EXTENSION_TYPES) == 25
    assert all(cls.oid == oid for oid, cls in EXTENSION_TYPES.items())
    assert {c[1].oid for c in CATALOG} | {oids.OID_POLICY_MAPPINGS, oids.OID_MACHINE_IDENTITY,
                                          oids.OID_MAC_ADDRESS} == set(EXTENSION_TYPES)
    assert all(hasattr(extensions_module, name) for name in extensions_module.__all__)


# -- hypothesis: every type round-trips byte for byte ------------------------------------------

_oids = st.builds(lambda a, rest: ".".join(map(str, (1, 3, 6, 1, 4, 1, a, *rest))), st.integers(1, 10**6),
                  st.lists(st.integers(0, 10**4), max_size=2))
_uints = st.integers(0, 2**64)
_ascii = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=30)
_display = st.one_of(_ascii.map(IA5String), st.text(min_size=1, max_size=30).filter(
    lambda t: not any(0xD800 <= ord(c) <= 0xDFFF for c in t)))
_addresses = general_names.filter(lambda gn: not isinstance(gn, IPAddress) or not gn.is_range)
_names = st.lists(_addresses, min_size=1, max_size=3).map(tuple)
_san_names = _names.filter(lambda names: not any(
    getattr(gn, "value", "x") == "" or (isinstance(gn, DirectoryName) and not len(gn.name)) for gn in names))
_bases = st.one_of(general_names.filter(lambda gn: not isinstance(gn, IPAddress)), ranges)
_subtrees = st.lists(_bases.map(GeneralSubtree), min_size=1, max_size=3).map(tuple)
_notice_refs = st.builds(NoticeReference, _display, st.lists(_uints, max_size=3).map(tuple))
_notices = st.builds(UserNotice, st.none() | _notice_refs, st.none() | _display)
_qualifiers = st.one_of(st.builds(PolicyQualifierInfo, st.just(oids.OID_QT_CPS), _ascii),
                        st.builds(PolicyQualifierInfo, st.just(oids.OID_QT_UNOTICE), _notices),
                        st.builds(PolicyQualifierInfo, _oids, st.just(b"\x05\x00")))
_policies = st.lists(st.tuples(_oids, st.none() | st.lists(_qualifiers, min_size=1, max_size=3).map(tuple)),
                     min_size=1, max_size=3, unique_by=lambda p: p[0]).map(
    lambda items: CertificatePolicies(tuple(PolicyInformation(*item) for item in items)))
_reasons = st.lists(st.booleans(), min_size=9, max_size=9).map(lambda bits: ReasonFlags(*bits))
_dp_names = st.one_of(_names.map(DistributionPointName), st.just(DistributionPointName(None, RDN)))
_points = (st.builds(DistributionPoint, _dp_names, st.none() | _reasons, st.none() | _names)
           | st.builds(DistributionPoint, st.none(), st.none() | _reasons, _names))
_key_usages = st.lists(st.booleans(), min_size=9, max_size=9).filter(any).map(lambda bits: KeyUsage(*bits))
_idp = st.tuples(st.none() | _dp_names, st.sampled_from([(False,) * 3, (True, False, False), (False, True, False),
                                                          (False, False, True)]),
                 st.none() | _reasons, st.booleans()).filter(lambda t: t[0] or any(t[1]) or t[2] or t[3]).map(
    lambda t: IssuingDistributionPoint(t[0], t[1][0], t[1][1], t[2], t[3], t[1][2]))

_machine_forms = st.sampled_from(["raw", "utf8", "ia5", "octet"])
_printable = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=256)

STRATEGIES = {
    "BasicConstraints": st.just(BasicConstraints()) | st.builds(BasicConstraints, st.just(True), st.none() | _uints),
    "KeyUsage": _key_usages,
    "ExtendedKeyUsage": st.lists(_oids, min_size=1, max_size=4).map(lambda o: ExtendedKeyUsage(tuple(o))),
    "SubjectKeyIdentifier": st.binary(max_size=32).map(SubjectKeyIdentifier),
    "AuthorityKeyIdentifier": st.builds(AuthorityKeyIdentifier, st.none() | st.binary(max_size=20))
    | st.builds(AuthorityKeyIdentifier, st.none() | st.binary(max_size=20), _names, st.integers(-2**70, 2**70)),
    "SubjectAlternativeName": _san_names.map(SubjectAlternativeName),
    "IssuerAlternativeName": _names.map(IssuerAlternativeName),
    "CertificateIssuer": _names.map(CertificateIssuer),
    "NameConstraints": st.builds(NameConstraints, _subtrees, st.none() | _subtrees)
    | st.builds(NameConstraints, st.none(), _subtrees),
    "PolicyConstraints": st.builds(PolicyConstraints, _uints, st.none() | _uints)
    | st.builds(PolicyConstraints, st.none(), _uints),
    "InhibitAnyPolicy": _uints.map(InhibitAnyPolicy),
    "CertificatePolicies": _policies,
    "PolicyMappings": st.lists(st.tuples(_oids, _oids), min_size=1, max_size=3).map(
        lambda pairs: PolicyMappings(tuple(PolicyMapping(*p) for p in pairs))),
    "CRLDistributionPoints": st.lists(_points, min_size=1, max_size=3).map(lambda p: CRLDistributionPoints(tuple(p))),
    "FreshestCRL": st.lists(_points, min_size=1, max_size=2).map(lambda p: FreshestCRL(tuple(p))),
    "AuthorityInformationAccess": st.lists(st.builds(AccessDescription, _oids, _addresses), min_size=1,
                                           max_size=3).map(lambda d: AuthorityInformationAccess(tuple(d))),
    "SubjectInformationAccess": st.lists(st.builds(AccessDescription, _oids, _addresses), min_size=1,
                                         max_size=3).map(lambda d: SubjectInformationAccess(tuple(d))),
    "CRLNumber": st.integers(0, 2**159 - 1).map(CRLNumber),
    "DeltaCRLIndicator": st.integers(0, 2**159 - 1).map(DeltaCRLIndicator),
    "IssuingDistributionPoint": _idp,
    "CRLReason": st.sampled_from([0, 1, 2, 3, 4, 5, 6, 8, 9, 10]).map(CRLReason),
    "InvalidityDate": st.datetimes(min_value=datetime.datetime(1, 1, 1), timezones=st.just(UTC)).map(InvalidityDate),
    "MachineIdentity": st.builds(MachineIdentity, _printable, _machine_forms),
    "MacAddress": st.builds(MacAddress, _printable, _machine_forms),
    "OCSPNoCheck": st.just(OCSPNoCheck()),
}


def test_every_type_has_a_strategy():
    assert set(STRATEGIES) == {cls.__name__ for cls in EXTENSION_TYPES.values()}


@pytest.mark.parametrize("kind", sorted(STRATEGIES))
@given(data=st.data(), critical=st.booleans())
def test_round_trip(kind, data, critical):
    value = data.draw(STRATEGIES[kind])
    der = value.to_der()
    back = type(value).from_der(der)
    assert back == value and back.to_der() == der
    extension = Extension(value.oid, critical, value, der)
    writer = Writer()
    write_extensions(writer, [extension, Extension.from_value(BasicConstraints(), False)]
                     if value.oid != oids.OID_BASIC_CONSTRAINTS else [extension])
    encoded = writer.to_bytes()
    read = read_extensions(Reader(encoded))
    assert read[0] == extension
    writer = Writer()
    write_extensions(writer, read)
    assert writer.to_bytes() == encoded
    assert isinstance(value.text_lines(), list)


# -- the MUSTs, refused when building ------------------------------------------------------------

def _ia(**kw):
    return IssuingDistributionPoint(**kw)


MUSTS = [
    ("pathLenConstraint without cA", lambda: BasicConstraints(False, 0), InvalidValue),
    ("negative pathLenConstraint", lambda: BasicConstraints(True, -1), InvalidValue),
    ("KeyUsage without a bit", lambda: KeyUsage(), InvalidValue),
    ("KeyUsage bit not a bool", lambda: KeyUsage(digital_signature=1), TypeError),
    ("empty ExtendedKeyUsage", lambda: ExtendedKeyUsage(()), InvalidValue),
    ("AKI issuer without serial", lambda: AuthorityKeyIdentifier(None, (DNSName("x"),)), InvalidValue),
    ("AKI serial without issuer", lambda: AuthorityKeyIdentifier(b"\x01", None, 1), InvalidValue),
    ("empty SubjectAlternativeName", lambda: SubjectAlternativeName(()), InvalidValue),
    ("SAN with an empty dNSName", lambda: SubjectAlternativeName((DNSName(""),)), InvalidValue),
    ("SAN with an empty directoryName", lambda: SubjectAlternativeName((DirectoryName(Name()),)), InvalidValue),
    ("SAN with an address range", lambda: SubjectAlternativeName((IPAddress(ipaddress.ip_network("10.0.0.0/8")),)),
     InvalidValue),
    ("empty NameConstraints", lambda: NameConstraints(), InvalidValue),
    ("empty permittedSubtrees", lambda: NameConstraints(()), InvalidValue),
    ("GeneralSubtree minimum 1", lambda: GeneralSubtree(DNSName("a"), 1), InvalidValue),
    ("GeneralSubtree maximum", lambda: GeneralSubtree(DNSName("a"), 0, 3), InvalidValue),
    ("single address as a subtree", lambda: GeneralSubtree(IPAddress(ipaddress.ip_address("10.0.0.1"))), InvalidValue),
    ("empty PolicyConstraints", lambda: PolicyConstraints(), InvalidValue),
    ("negative SkipCerts", lambda: InhibitAnyPolicy(-1), InvalidValue),
    ("duplicate policy", lambda: CertificatePolicies((PolicyInformation("1.2.3"), PolicyInformation("1.2.3"))),
     InvalidValue),
    ("empty certificatePolicies", lambda: CertificatePolicies(()), InvalidValue),
    ("empty policyQualifiers", lambda: PolicyInformation("1.2.3", ()), InvalidValue),
    ("anyPolicy with an unknown qualifier",
     lambda: PolicyInformation(oids.OID_ANY_POLICY, (PolicyQualifierInfo("1.2.3", b"\x05\x00"),)), InvalidValue),
    ("CPS URI not IA5", lambda: PolicyQualifierInfo(oids.OID_QT_CPS, "http://é"), InvalidValue),
    ("CPS qualifier not a str", lambda: PolicyQualifierInfo(oids.OID_QT_CPS, UserNotice()), TypeError),
    ("unknown qualifier not DER", lambda: PolicyQualifierInfo("1.2.3", b"\x05"), InvalidValue),
    ("explicitText as BMPString", lambda: UserNotice(None, BMPString("x")), InvalidValue),
    ("explicitText as VisibleString", lambda: UserNotice(None, VisibleString("x")), InvalidValue),
    ("explicitText of 201 characters", lambda: UserNotice(None, "x" * 201), InvalidValue),
    ("empty explicitText", lambda: UserNotice(None, ""), InvalidValue),
    ("empty organization", lambda: NoticeReference("", ()), InvalidValue),
    ("anyPolicy mapped", lambda: PolicyMapping(oids.OID_ANY_POLICY, "1.2.3"), InvalidValue),
    ("mapped to anyPolicy", lambda: PolicyMapping("1.2.3", oids.OID_ANY_POLICY), InvalidValue),
    ("empty PolicyMappings", lambda: PolicyMappings(()), InvalidValue),
    ("DistributionPoint of reasons only", lambda: DistributionPoint(None, ReasonFlags(superseded=True)), InvalidValue),
    ("DistributionPointName with both", lambda: DistributionPointName((URI,), RDN), InvalidValue),
    ("DistributionPointName with neither", lambda: DistributionPointName(), InvalidValue),
    ("empty CRLDistributionPoints", lambda: CRLDistributionPoints(()), InvalidValue),
    ("empty IssuingDistributionPoint", lambda: _ia(), InvalidValue),
    ("two only-flags", lambda: _ia(only_contains_user_certs=True, only_contains_ca_certs=True), InvalidValue),
    ("negative CRLNumber", lambda: CRLNumber(-1), InvalidValue),
    ("CRLNumber of 21 octets", lambda: CRLNumber(2**159), InvalidValue),
    ("DeltaCRLIndicator of 21 octets", lambda: DeltaCRLIndicator(2**160), InvalidValue),
    ("CRLReason 7", lambda: CRLReason(7), InvalidValue),
    ("CRLReason by an unknown name", lambda: CRLReason.from_name("lost"), InvalidValue),
    ("naive InvalidityDate", lambda: InvalidityDate(datetime.datetime(2024, 1, 1)), InvalidValue),
    ("empty machine identity", lambda: MachineIdentity(""), InvalidValue),
    ("machine identity with a newline", lambda: MachineIdentity("a\nb"), InvalidValue),
    ("machine identity of 257 octets", lambda: MachineIdentity("a" * 257), InvalidValue),
    ("MAC address in an unknown form", lambda: MacAddress(MAC, "base64"), InvalidValue),
]


@pytest.mark.parametrize("label,build,error", MUSTS, ids=[m[0] for m in MUSTS])
def test_musts_refused_when_building(label, build, error):
    with pytest.raises(error):
        build()


def test_parsed_display_text_may_break_the_issuer_rules():
    # RFC 5280 §4.2.1.4: users "SHOULD gracefully handle explicitText with more than 200
    # characters"; BMPString and VisibleString are in the DisplayText CHOICE.
    for text, tag in (("x" * 201, 12), (BMPString("é"), 30), (VisibleString("v"), 26)):
        writer = Writer()
        with writer.sequence():
            writer.write_string(text, tag)
        der = writer.to_bytes()
        notice = UserNotice.read(Reader(der))
        assert notice.explicit_text == text and notice.explicit_text.tag_number == tag
        writer = Writer()
        notice.write(writer)
        assert writer.to_bytes() == der
        with pytest.raises(InvalidValue):
            UserNotice(None, notice.explicit_text)


CRITICALITY = [(AuthorityKeyIdentifier(b"\x01"), False), (SubjectKeyIdentifier(b"\x01"), False),
               (NameConstraints(None, (GeneralSubtree(DNSName("a")),)), True), (PolicyConstraints(0), True),
               (InhibitAnyPolicy(0), True), (AuthorityInformationAccess((AccessDescription("1.2.3", URI),)), False),
               (SubjectInformationAccess((AccessDescription("1.2.3", URI),)), False),
               (FreshestCRL((DistributionPoint(DistributionPointName((URI,))),)), False), (CRLNumber(1), False),
               (DeltaCRLIndicator(1), True), (_ia(indirect_crl=True), True), (CRLReason(1), False),
               (InvalidityDate(datetime.datetime(2024, 1, 1, tzinfo=UTC)), False),
               (CertificateIssuer((DNSName("a"),)), True), (MachineIdentity(MACHINE_ID), False),
               (MacAddress(MAC), False)]


@pytest.mark.parametrize("value,required", CRITICALITY, ids=[type(c[0]).__name__ for c in CRITICALITY])
def test_criticality_fixed_by_rfc_5280(value, required):
    assert Extension.from_value(value, required).critical is required
    with pytest.raises(InvalidValue):
        Extension.from_value(value, not required)


def test_criticality_left_to_the_caller():
    for value in (BasicConstraints(True), KeyUsage(digital_signature=True), SubjectAlternativeName((DNSName("a"),))):
        assert Extension.from_value(value, True).critical and not Extension.from_value(value, False).critical


def test_extension_keeps_value_and_raw_value_in_step():
    value = BasicConstraints(True, 1)
    assert Extension.from_value(value, True) == Extension(value.oid, True, value, value.to_der())
    with pytest.raises(InvalidValue):
        Extension(value.oid, True, value, b"\x30\x00")
    with pytest.raises(InvalidValue):
        Extension(oids.OID_KEY_USAGE, True, value, value.to_der())
    with pytest.raises(TypeError):
        Extension(value.oid, True, "CA:TRUE", value.to_der())


# -- Extensions: SIZE (1..MAX), no duplicates ------------------------------------------------------

def _extensions_der(*extensions) -> bytes:
    writer = Writer()
    with writer.sequence():
        for oid, critical, contents in extensions:
            with writer.sequence():
                writer.write_oid(oid)
                if critical is not None:
                    writer.write_boolean(critical)
                writer.write_octet_string(contents)
    return writer.to_bytes()


def test_duplicate_extension_refused_at_its_offset():
    data = _extensions_der((oids.OID_BASIC_CONSTRAINTS, None, b"\x30\x00"),
                           (oids.OID_KEY_USAGE, None, b"\x03\x02\x05\xa0"),
                           (oids.OID_BASIC_CONSTRAINTS, None, b"\x30\x03\x01\x01\xff"))
    with pytest.raises(DecodeError) as info:
        read_extensions(Reader(data))
    assert info.value.offset == 2 + 11 + 13 and "duplicate" in info.value.reason
    extension = Extension.from_value(BasicConstraints(), False)
    with pytest.raises(InvalidValue):
        write_extensions(Writer(), [extension, extension])
    with pytest.raises(InvalidValue):
        write_extensions(Writer(), [])


@pytest.mark.parametrize("data,error,offset", [
    (bytes.fromhex("30 00"), DecodeError, 0),
    (_extensions_der((oids.OID_BASIC_CONSTRAINTS, False, b"\x30\x00")), NonCanonicalEncoding, 9),
    (bytes.fromhex("30 07 30 05 06 03 55 1d 13"), DecodeError, 9),
    (bytes.fromhex("30 0d 30 0b 06 03 55 1d 13 04 02 30 00 05 00"), DecodeError, 13),
])
def test_extensions_framing(data, error, offset):
    with pytest.raises(error) as info:
        read_extensions(Reader(data))
    assert info.value.offset == offset


# -- strict DER inside extnValue, with offsets ---------------------------------------------------

_CPS_HEAD = "30 16 30 14 06 01 2a 30 0f 30 0d 06 08 2b 06 01 05 05 07 02 01"
STRICTNESS = [  # (label, extnID, extnValue contents, error, offset of the error in the contents)
    ("BasicConstraints cA FALSE encoded", oids.OID_BASIC_CONSTRAINTS, "30 03 01 01 00", NonCanonicalEncoding, 2),
    ("BasicConstraints cA 0x01", oids.OID_BASIC_CONSTRAINTS, "30 03 01 01 01", NonCanonicalEncoding, 4),
    ("pathLenConstraint without cA", oids.OID_BASIC_CONSTRAINTS, "30 03 02 01 00", DecodeError, 2),
    ("negative pathLenConstraint", oids.OID_BASIC_CONSTRAINTS, "30 06 01 01 ff 02 01 ff", DecodeError, 5),
    ("pathLenConstraint not minimal", oids.OID_BASIC_CONSTRAINTS, "30 07 01 01 ff 02 02 00 01",
     NonCanonicalEncoding, 7),
    ("data after BasicConstraints", oids.OID_BASIC_CONSTRAINTS, "30 00 05 00", DecodeError, 2),
    ("indefinite length", oids.OID_BASIC_CONSTRAINTS, "30 80 00 00", NonCanonicalEncoding, 1),
    ("KeyUsage trailing zero bits", oids.OID_KEY_USAGE, "03 03 07 80 00", NonCanonicalEncoding, 2),
    ("KeyUsage padding bit set", oids.OID_KEY_USAGE, "03 02 07 81", NonCanonicalEncoding, 3),
    ("KeyUsage without a bit", oids.OID_KEY_USAGE, "03 01 00", DecodeError, 0),
    ("KeyUsage bit 9", oids.OID_KEY_USAGE, "03 03 06 00 40", DecodeError, 0),
    ("empty ExtendedKeyUsage", oids.OID_EXTENDED_KEY_USAGE, "30 00", DecodeError, 0),
    ("SAN empty SEQUENCE", oids.OID_SUBJECT_ALT_NAME, "30 00", DecodeError, 0),
    ("SAN dNSName with 0x80", oids.OID_SUBJECT_ALT_NAME, "30 03 82 01 80", DecodeError, 4),
    ("SAN empty dNSName", oids.OID_SUBJECT_ALT_NAME, "30 02 82 00", DecodeError, 2),
    ("SAN address range", oids.OID_SUBJECT_ALT_NAME, "30 0a 87 08 0a 00 00 00 ff 00 00 00", DecodeError, 2),
    ("IssuerAltName empty SEQUENCE", oids.OID_ISSUER_ALT_NAME, "30 00", DecodeError, 0),
    ("AKI serial without issuer", oids.OID_AUTHORITY_KEY_IDENTIFIER, "30 03 82 01 01", DecodeError, 2),
    ("AKI issuer without serial", oids.OID_AUTHORITY_KEY_IDENTIFIER, "30 05 a1 03 82 01 61", DecodeError, 7),
    ("AKI keyIdentifier constructed", oids.OID_AUTHORITY_KEY_IDENTIFIER, "30 04 a0 02 04 00", DecodeError, 2),
    ("SKI not an OCTET STRING", oids.OID_SUBJECT_KEY_IDENTIFIER, "03 01 00", UnexpectedTag, 0),
    ("empty NameConstraints", oids.OID_NAME_CONSTRAINTS, "30 00", DecodeError, 0),
    ("empty permittedSubtrees", oids.OID_NAME_CONSTRAINTS, "30 02 a0 00", DecodeError, 2),
    ("GeneralSubtree minimum 0 encoded", oids.OID_NAME_CONSTRAINTS, "30 0a a0 08 30 06 82 01 61 80 01 00",
     DecodeError, 9),
    ("GeneralSubtree maximum", oids.OID_NAME_CONSTRAINTS, "30 0a a0 08 30 06 82 01 61 81 01 05", DecodeError, 9),
    ("empty PolicyConstraints", oids.OID_POLICY_CONSTRAINTS, "30 00", DecodeError, 0),
    ("negative requireExplicitPolicy", oids.OID_POLICY_CONSTRAINTS, "30 03 80 01 ff", DecodeError, 2),
    ("negative InhibitAnyPolicy", oids.OID_INHIBIT_ANY_POLICY, "02 01 ff", DecodeError, 0),
    ("duplicate policy", oids.OID_CERTIFICATE_POLICIES, "30 0a 30 03 06 01 2a 30 03 06 01 2a", DecodeError, 7),
    ("empty policyQualifiers", oids.OID_CERTIFICATE_POLICIES, "30 07 30 05 06 01 2a 30 00", DecodeError, 7),
    ("CPS URI as UTF8String", oids.OID_CERTIFICATE_POLICIES, _CPS_HEAD + " 0c 01 61", UnexpectedTag, 21),
    ("anyPolicy with an unknown qualifier", oids.OID_CERTIFICATE_POLICIES,
     "30 12 30 10 06 04 55 1d 20 00 30 08 30 06 06 02 2a 03 05 00", DecodeError, 12),
    ("empty explicitText", oids.OID_CERTIFICATE_POLICIES,
     "30 17 30 15 06 01 2a 30 10 30 0e 06 08 2b 06 01 05 05 07 02 02 30 02 0c 00", DecodeError, 23),
    ("anyPolicy mapped", oids.OID_POLICY_MAPPINGS, "30 0b 30 09 06 04 55 1d 20 00 06 01 2a", DecodeError, 2),
    ("DistributionPoint of reasons only", oids.OID_CRL_DISTRIBUTION_POINTS, "30 06 30 04 81 02 05 60", DecodeError, 2),
    ("ReasonFlags trailing zero bits", oids.OID_CRL_DISTRIBUTION_POINTS,
     "30 0e 30 0c a0 05 a0 03 86 01 61 81 03 07 80 00", NonCanonicalEncoding, 11),
    ("DistributionPointName implicit", oids.OID_CRL_DISTRIBUTION_POINTS, "30 07 30 05 80 03 86 01 61", DecodeError, 4),
    ("empty IssuingDistributionPoint", oids.OID_ISSUING_DISTRIBUTION_POINT, "30 00", DecodeError, 0),
    ("onlyContainsUserCerts FALSE encoded", oids.OID_ISSUING_DISTRIBUTION_POINT, "30 03 81 01 00",
     NonCanonicalEncoding, 2),
    ("two only-flags", oids.OID_ISSUING_DISTRIBUTION_POINT, "30 06 81 01 ff 82 01 ff", DecodeError, 0),
    ("negative CRLNumber", oids.OID_CRL_NUMBER, "02 01 ff", DecodeError, 0),
    ("CRLNumber of 21 octets", oids.OID_CRL_NUMBER, "02 15 01" + " 00" * 20, DecodeError, 0),
    ("CRLReason 7", oids.OID_CRL_REASON, "0a 01 07", DecodeError, 0),
    ("CRLReason as INTEGER", oids.OID_CRL_REASON, "02 01 01", UnexpectedTag, 0),
    ("InvalidityDate as UTCTime", oids.OID_INVALIDITY_DATE, "17 0d 32 34 30 31 30 31 30 30 30 30 30 30 5a",
     UnexpectedTag, 0),
    ("machine identity with a control octet", oids.OID_MACHINE_IDENTITY, "61 62 0a", DecodeError, 2),
    ("machine identity wrapped, then more", oids.OID_MACHINE_IDENTITY, "0c 01 61 62", DecodeError, 3),
    ("machine identity UTF8String not ASCII", oids.OID_MACHINE_IDENTITY, "0c 02 c3 a9", DecodeError, 2),
    ("machine identity 0x16 but no DER", oids.OID_MACHINE_IDENTITY, "16 05 61", DecodeError, 0),
    ("empty MAC address", oids.OID_MAC_ADDRESS, "", DecodeError, 0),
    ("MAC address of 257 octets", oids.OID_MAC_ADDRESS, "61 " * 257, DecodeError, 0),
]


def _decode(oid, contents: bytes, critical: bool = False):
    return decode_extension_value(oid, contents, critical=critical)


@pytest.mark.parametrize("label,oid,hex_value,error,offset", STRICTNESS, ids=[r[0] for r in STRICTNESS])
def test_strictness_inside_values(label, oid, hex_value, error, offset):
    with pytest.raises(error) as info:
        _decode(oid, bytes.fromhex(hex_value))
    assert info.value.offset == offset


def _certificate(extensions) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "t")])
    builder = (cx509.CertificateBuilder().subject_name(subject).issuer_name(subject)
               .public_key(key.public_key()).serial_number(1)
               .not_valid_before(datetime.datetime(2024, 1, 1)).not_valid_after(datetime.datetime(2025, 1, 1)))
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical)
    return builder.sign(key, hashes.SHA256()).public_bytes(Encoding.DER)


@pytest.mark.parametrize("label,oid,hex_value,error,offset", STRICTNESS[:12] + STRICTNESS[-5:],
                         ids=[r[0] for r in STRICTNESS[:12] + STRICTNESS[-5:]])
def test_offsets_point_into_the_certificate(label, oid, hex_value, error, offset):
    """Inside a certificate, the same departure is refused by the strict reader and reported by
    the default one (as a finding in the value, or as the refusal that makes the extension a
    MalformedExtension) at the same offset into the certificate."""
    contents = bytes.fromhex(hex_value)
    der = _certificate([(cx509.SubjectKeyIdentifier(b"\x01" * 20), False),     # something before it
                        (cx509.UnrecognizedExtension(_oid(oid), contents), False)])
    writer = Writer()
    writer.write_oid(oid)
    writer.write_octet_string(contents)
    head = writer.to_bytes()[:-len(contents) or None]     # extnID, extnValue header
    start = der.index(head) + len(head)
    with pytest.raises(error) as info:
        load_der_certificate(der, strict=True)
    assert info.value.offset == start + offset
    assert info.value.path[:3] == ("certificate", "tbsCertificate", "extensions")
    cert = load_der_certificate(der)
    found = [f for f in cert.findings if f.offset == start + offset and issubclass(f.error, error)]
    assert found and found[0].path[:3] == ("certificate", "tbsCertificate", "extensions"), cert.findings


# -- unknown extensions ----------------------------------------------------------------------------

def test_unknown_extensions_are_kept_exactly():
    der_value = _decode("1.3.6.1.4.1.99999.2", b"\x30\x03\x02\x01\x05")
    assert der_value == UnrecognizedExtension("1.3.6.1.4.1.99999.2", b"\x30\x03\x02\x01\x05") and der_value.is_der
    odd = _decode("1.3.6.1.4.1.99999.3", b"\x04")          # the ASP.NET Core marker's form
    assert odd.raw_value == b"\x04" and not odd.is_der and odd.text_lines() == ["."]
    assert _decode("1.3.6.1.4.1.99999.3", b"\x05\x00", critical=True).is_der
    # Never parsed, critical or not: path validation refuses a critical one without looking in.
    opaque = _decode("1.3.6.1.4.1.99999.1", b"\x04", critical=True)
    assert opaque.raw_value == b"\x04" and not opaque.is_der
    for contents in (b"", b"\x05\x00\x05\x00"):
        assert _decode("1.3.6.1.4.1.99999.3", contents, critical=True).raw_value == contents


# -- the seed system's certificates ---------------------------------------------------------------

INTEROP_FILES = ["client-HZ109999.pem", "dicom-org-cn-ca.pem", "dicom-org-cn-client-x.pem",
                 "dicom-org-cn-client.pem", "dicomorg-root-ca.pem", "dicomorg-server.pem",
                 "license-server-ca.pem", "localhost-selfsigned.pem"]


def _interop(name: str):
    return load_pem_certificate(require_shared(INTEROP / name).read_text())


def test_machine_binding_of_the_seed_system():
    cert = _interop("client-HZ109999.pem")
    identity, mac = cert.extension(oids.OID_MACHINE_IDENTITY), cert.extension(oids.OID_MAC_ADDRESS)
    assert identity.value == MachineIdentity(MACHINE_ID, "raw") and mac.value == MacAddress(MAC, "raw")
    assert not identity.critical and not mac.critical
    assert identity.raw_value == MACHINE_ID.encode("ascii")        # no inner DER at all
    # What x509core writes by default is what the seed system wrote, byte for byte.
    assert Extension.from_value(MachineIdentity(MACHINE_ID), False) == identity
    assert Extension.from_value(MacAddress(MAC), False) == mac
    assert identity.value.text_lines() == [MACHINE_ID]


@pytest.mark.parametrize("name", INTEROP_FILES)
def test_interop_extensions_re_encode_exactly(name):
    cert = _interop(name)
    writer = Writer()
    write_extensions(writer, cert.extensions)
    assert writer.to_bytes() in cert.raw_tbs
    for extension in cert.extensions:
        assert extension.value.to_der() == extension.raw_value
        again = decode_extension_value(extension.oid, extension.raw_value, critical=extension.critical)
        assert again == extension.value


def test_interop_odd_unknown_extension_is_kept():
    extension = _interop("localhost-selfsigned.pem").extension("1.3.6.1.4.1.311.84.1.1")
    assert extension.value == UnrecognizedExtension("1.3.6.1.4.1.311.84.1.1", b"\x04") and not extension.critical


@pytest.mark.parametrize("encoding,tag", [("utf8", 0x0C), ("ia5", 0x16), ("octet", 0x04)])
def test_wrapped_machine_binding_forms(encoding, tag):
    for cls, text, oid in ((MachineIdentity, MACHINE_ID, oids.OID_MACHINE_IDENTITY),
                           (MacAddress, MAC, oids.OID_MAC_ADDRESS)):
        contents = bytes([tag, len(text)]) + text.encode("ascii")
        value = cls.from_der(contents)
        assert value == cls(text, encoding) and value.to_der() == contents
        cert = load_der_certificate(_certificate([(cx509.UnrecognizedExtension(_oid(oid), contents), False)]))
        assert cert.extension(oid).value == value and cert.extension(oid).raw_value == contents


# -- text against the OpenSSL CLI -------------------------------------------------------------------

def _openssl(openssl: str, command: str, pem: bytes) -> str:
    return subprocess.run([openssl, command, "-noout", "-text"], input=pem, capture_output=True,
                          check=True).stdout.decode("utf-8")


def _blocks(text: str, header: str) -> list[list[str]]:
    """The value lines of each extension after ``header``, as OpenSSL prints them."""
    lines = text.split("\n")
    blocks: list[list[str]] = []
    for line in lines[lines.index(header) + 1:]:
        if line.startswith(" " * 12) and not line.startswith(" " * 13):
            blocks.append([])
        elif line.startswith(" " * 16) or (line == "" and blocks):
            blocks[-1].append(line.rstrip())
        else:
            break
    return blocks


def _assert_text(extensions, blocks):
    assert len(blocks) == len(extensions)
    for extension, block in zip(extensions, blocks, strict=True):
        mine = [(" " * 16 + line).rstrip() for line in extension.value.text_lines()]
        assert mine == block, extension.oid


@pytest.mark.parametrize("name", INTEROP_FILES)
def test_text_of_interop_certificates_matches_openssl(openssl, name):
    path = require_shared(INTEROP / name)
    cert = _interop(name)
    _assert_text(cert.extensions, _blocks(_openssl(openssl, "x509", path.read_bytes()), "        X509v3 extensions:"))


def _catalog_certificates():
    """The certificate extensions of the catalog, each OID at most once per certificate."""
    rounds: list[list] = []
    for _, mine, theirs in CATALOG:
        if mine.oid in (oids.OID_CRL_NUMBER, oids.OID_DELTA_CRL_INDICATOR, oids.OID_CRL_REASON,
                        oids.OID_INVALIDITY_DATE, oids.OID_CERTIFICATE_ISSUER, oids.OID_ISSUING_DISTRIBUTION_POINT):
            continue
        slot = next((r for r in rounds if all(m.oid != mine.oid for m, _ in r)), None)
        if slot is None:
            rounds.append(slot := [])
        slot.append((mine, theirs))
    mappings = PolicyMappings((PolicyMapping("1.2.3", "1.2.4"), PolicyMapping(oids.OID_SERVER_AUTH, "2.5.29.32.1")))
    rounds[0].append((mappings, cx509.UnrecognizedExtension(_oid(mappings.oid), mappings.to_der())))
    return rounds


def test_text_of_every_certificate_extension_matches_openssl(openssl):
    for round_ in _catalog_certificates():
        der = _certificate([(theirs, False) for _, theirs in round_])
        cert = load_der_certificate(der)
        assert [e.value for e in cert.extensions] == [mine for mine, _ in round_]
        pem = cx509.load_der_x509_certificate(der).public_bytes(Encoding.PEM)
        _assert_text(cert.extensions, _blocks(_openssl(openssl, "x509", pem), "        X509v3 extensions:"))


def test_text_of_crl_extensions_matches_openssl(openssl):
    key = ec.generate_private_key(ec.SECP256R1())
    entry_oids = (oids.OID_CRL_REASON, oids.OID_INVALIDITY_DATE, oids.OID_CERTIFICATE_ISSUER)
    entries = [c for c in CATALOG if c[1].oid in entry_oids]
    for _, idp, cidp in [c for c in CATALOG if c[1].oid == oids.OID_ISSUING_DISTRIBUTION_POINT]:
        builder = (cx509.CertificateRevocationListBuilder().issuer_name(CN)
                   .last_update(datetime.datetime(2024, 1, 1)).next_update(datetime.datetime(2024, 2, 1))
                   .add_extension(cx509.CRLNumber(2**130), False).add_extension(cx509.DeltaCRLIndicator(5), True)
                   .add_extension(cidp, True))
        revoked = cx509.RevokedCertificateBuilder().serial_number(1).revocation_date(datetime.datetime(2024, 1, 1))
        for _, _, theirs in entries[1:]:
            revoked = revoked.add_extension(theirs, theirs.oid.dotted_string == oids.OID_CERTIFICATE_ISSUER)
        pem = builder.add_revoked_certificate(revoked.build()).sign(key, hashes.SHA256()).public_bytes(Encoding.PEM)
        crl = load_pem_crl(pem.decode("ascii"))
        text = _openssl(openssl, "crl", pem)
        assert crl.extensions[2].value == idp
        _assert_text(crl.extensions, _blocks(text, "        CRL extensions:"))
        _assert_text(crl.revoked_certificates[0].extensions, _blocks(text, "        CRL entry extensions:"))
