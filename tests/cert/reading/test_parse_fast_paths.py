"""The parse fast paths change nothing but speed.

``load_der_certificate`` reads common shapes straight from the bytes (one-octet headers, single
attribute RDNs, the extension envelope, IA5String general names, OIDs and signature algorithms
seen before, RSA SubjectPublicKeyInfo); each fast path accepts a subset of what the general
reader accepts and hands everything else to it (an EC key is read by the general path, once). Here every fast path is switched off and the
same inputs (real certificates and thousands of mutations of them) are read both ways: each
must give the same values and findings, or the same error (class, reason, offset and path),
both with the default reader and with ``strict=True``.
"""

from __future__ import annotations

import random

import pytest

from tests.conftest import INTEROP, require_shared
from x509core import pem
from x509core.cert import algorithms, certificate, extensions, load_der_certificate, public_key
from x509core.cert.extensions import distribution, policies, policy_qualifiers
from x509core.cert.extensions import key as key_extensions
from x509core.cert.extensions import names as extension_names
from x509core.cert.names import general_name_der, name
from x509core.der import content, reader
from x509core.errors import X509CoreError

MUTATIONS_PER_CERTIFICATE = 150
ROOTS = 6
EC_ROOTS = 2
_ID_EC_PUBLIC_KEY = bytes.fromhex("06072a8648ce3d0201")        # the OID id-ecPublicKey, as DER


def _certificates() -> list[bytes]:
    """The interop certificates, some trusted roots (critical extensions, other names), EC roots
    (P-256 and P-384 keys, ECDSA signatures) and EC leaves made by pyca/cryptography with an
    uncompressed, a compressed and an invalid point (issue 11)."""
    import certifi
    files = sorted(require_shared(INTEROP).glob("*.pem"))
    assert files, "no interop certificates"
    roots = pem.decode_all(open(certifi.where(), encoding="ascii").read(), "CERTIFICATE")
    ec_roots = [der for der in roots if _ID_EC_PUBLIC_KEY in der][:EC_ROOTS]
    assert len(ec_roots) == EC_ROOTS
    return ([pem.decode_one(f.read_text(), "CERTIFICATE")[1] for f in files] + roots[:ROOTS]
            + ec_roots + _ec_leaves() + [_many_extensions(), _many_extensions(empty_name=True)])


def _many_extensions(empty_name: bool = False) -> bytes:
    """A leaf made by pyca/cryptography whose extensions meet every fast path of the extension
    readers and their way out to the general reading beside it: IPv4 and IPv6 addresses among
    the subjectAltNames, a directoryName among the issuerAltNames; CRL distribution points of
    one URI, of two names, and one with a cRLIssuer; AIA locations that are URIs and one that
    is a directoryName; policies bare, with a CPS pointer and with a user notice (issue 17).
    ``empty_name``: an empty dNSName in the subjectAltName, a finding (RFC 5280 §4.2.1.6)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding
    from cryptography.x509.oid import AuthorityInformationAccessOID as AIA, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fast paths")])
    uri, directory = x509.UniformResourceIdentifier, x509.DirectoryName(name)
    point = x509.DistributionPoint
    extensions = [
        x509.SubjectAlternativeName([x509.DNSName("pacs.example.org"),
                                     x509.IPAddress(ipaddress.ip_address("192.0.2.10")),
                                     x509.IPAddress(ipaddress.ip_address("2001:db8::10")),
                                     x509.RFC822Name("pacs@example.org")]
                                    + [x509.DNSName("")] * empty_name),
        x509.IssuerAlternativeName([uri("http://ca.example.org/"), directory]),
        x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()),
        x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.99999.7"), b"\x05\x00"),
        x509.CRLDistributionPoints([
            point([uri("http://crl.example.org/ca.crl")], None, None, None),
            point([uri("http://crl.example.org/b.crl"), x509.DNSName("crl.example.org")],
                  None, None, None),
            point([uri("http://crl.example.org/c.crl")], None, None, [directory])]),
        x509.AuthorityInformationAccess([
            x509.AccessDescription(AIA.OCSP, uri("http://ocsp.example.org")),
            x509.AccessDescription(AIA.CA_ISSUERS, uri("http://ca.example.org/ca.crt")),
            x509.AccessDescription(AIA.CA_ISSUERS, directory)]),
        x509.CertificatePolicies([
            x509.PolicyInformation(x509.ObjectIdentifier("2.23.140.1.2.2"), [
                "https://cps.example.org/", x509.UserNotice(None, "benchmark only")]),
            x509.PolicyInformation(x509.ObjectIdentifier("1.3.6.1.4.1.99999.1"), None),
            x509.PolicyInformation(x509.ObjectIdentifier("1.3.6.1.4.1.99999.2"),
                                   ["https://cps.example.org/2"])]),
    ]
    start = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name).serial_number(17)
               .public_key(key.public_key()).not_valid_before(start)
               .not_valid_after(start + datetime.timedelta(days=397)))
    for value in extensions:        # the unrecognised one critical (RFC 5280 §4.2 allows it)
        builder = builder.add_extension(value, critical=isinstance(value, x509.UnrecognizedExtension))
    return builder.sign(key, hashes.SHA256()).public_bytes(Encoding.DER)


def _ec_leaves() -> list[bytes]:
    from cryptography.hazmat.primitives.serialization import Encoding
    from tests.cert.ec_chains import ECFactory, compressed, off_curve, with_point
    factory = ECFactory()
    root = factory.ca("Root P-384", "P-384")
    leaf = factory.leaf("fast paths", "P-521", root)
    return [leaf.public_bytes(Encoding.DER), with_point(leaf, root, compressed),
            with_point(leaf, root, off_curve)]


def _outcome(der: bytes, strict: bool = False):
    try:
        cert = load_der_certificate(der, strict=strict)
    except X509CoreError as exc:
        return (type(exc).__name__, str(exc), getattr(exc, "offset", None), getattr(exc, "path", None))
    return ("ok", repr((cert.version, cert.serial_number, cert.issuer.rdns, cert.subject.rdns,
                        cert.not_valid_before, cert.not_valid_after, cert.public_key_info,
                        cert.extensions, cert.signature_algorithm_info, cert.signature,
                        [type(a.value).__name__ for a in (*cert.issuer, *cert.subject)],
                        cert.findings)))


def _general_paths_only(monkeypatch) -> None:
    """Switch off every fast path, so that the general reader reads everything."""
    read, bounds = reader.Reader._read, reader.Reader._bounds
    monkeypatch.setattr(reader, "short_header", lambda *_args: None)
    # The Reader's methods for primitive types (read_oid, read_string) live in der/content.py.
    monkeypatch.setattr(content, "short_header", lambda *_args: None)
    monkeypatch.setattr(content, "decoded_oid", lambda _content: None)
    monkeypatch.setattr(name, "_plain_rdns", lambda *_args: None)
    monkeypatch.setattr(name, "_read_plain_name", lambda _reader: None)
    monkeypatch.setattr(algorithms, "_known_algorithm", lambda _reader: None)
    monkeypatch.setattr(extensions, "_read_plain_extension", lambda *_args: None)
    monkeypatch.setattr(extensions, "_SHARED", {})
    monkeypatch.setattr(extensions, "_SHARED_TYPES", frozenset())
    monkeypatch.setattr(general_name_der, "_IA5_NAMES", {})
    monkeypatch.setattr(general_name_der, "_IP_ADDRESSES", {})
    monkeypatch.setattr(algorithms, "_whole_octets", lambda _reader: None)
    monkeypatch.setattr(certificate, "_issuer_again", lambda *_args: None)
    monkeypatch.setattr(certificate, "_two_utc_times", lambda *_args: None)
    monkeypatch.setattr(key_extensions, "_read_key_id_only", lambda _reader: None)
    monkeypatch.setattr(extensions, "_new_unrecognized", extensions.UnrecognizedExtension)
    monkeypatch.setattr(extension_names, "_read_simple_access_description", lambda _reader: None)
    monkeypatch.setattr(extension_names, "_read_simple_general_names", lambda _reader: None)
    monkeypatch.setattr(distribution, "_read_full_name_point", lambda _reader: None)
    monkeypatch.setattr(policy_qualifiers, "_read_cps_qualifier", lambda _reader: None)
    monkeypatch.setattr(policy_qualifiers, "_read_explicit_text_notice", lambda _reader: None)
    monkeypatch.setattr(policies, "_read_bare_policy", lambda _reader: None)
    monkeypatch.setattr(algorithms, "_ALGORITHMS", {})
    monkeypatch.setattr(algorithms, "_ALGORITHMS_LIMIT", 0)
    monkeypatch.setattr(public_key, "_read_rsa_public_key_info", lambda *_args: None)
    # An identifier octet of -1 matches nothing, so the header goes through read_header.
    monkeypatch.setattr(reader.Reader, "_read", lambda self, _first, tag, name_: read(self, -1, tag, name_))
    monkeypatch.setattr(reader.Reader, "_bounds", lambda self, _first, tag, name_: bounds(self, -1, tag, name_))


def _mutations(der: bytes, rng: random.Random) -> list[bytes]:
    out = [der]
    for _ in range(MUTATIONS_PER_CERTIFICATE):
        b = bytearray(der)
        i = rng.randrange(len(b))
        kind = rng.randrange(6)
        if kind == 0:
            b[i] ^= 1 << rng.randrange(8)
        elif kind == 4:                             # e.g. a length one or two short
            b[i] = (b[i] - rng.randrange(1, 3)) % 256
        elif kind == 5 and i + 1 < len(b) and 0 < b[i + 1] < 0x80:
            b[i + 1] = rng.randrange(b[i + 1])      # an element cut short (if b[i] is a tag)
        elif kind == 1:
            b[i] = rng.choice((0x00, 0x01, 0x04, 0x06, 0x0C, 0x13, 0x30, 0x31, 0x80, 0x81, 0x82,
                               0x86, 0xA0, 0xA3, 0xFF))
        elif kind == 2:
            del b[i]
        else:
            b.insert(i, rng.randrange(256))
        out.append(bytes(b))
    return out


def _cuts(der: bytes) -> list[bytes]:
    """Every SEQUENCE that starts with an OID (extensions, attributes, AlgorithmIdentifiers,
    access descriptions, policies) cut short at every length: each envelope fast path meets
    every way its fields can end early."""
    out = []
    for i in range(len(der) - 2):
        if der[i] == 0x30 and der[i + 2] == 0x06 and der[i + 1] < 0x80:
            for length in range(der[i + 1]):
                out.append(der[:i + 1] + bytes((length,)) + der[i + 2:])
    return out


def test_fast_paths_give_the_general_readers_values_and_errors(monkeypatch):
    rng = random.Random(5280)
    inputs = [m for der in _certificates() for m in (*_mutations(der, rng), *_cuts(der))]
    fast = [_outcome(der, strict) for der in inputs for strict in (False, True)]
    with monkeypatch.context() as patch:
        _general_paths_only(patch)
        general = [_outcome(der, strict) for der in inputs for strict in (False, True)]
    assert sum(outcome[0] == "ok" for outcome in fast) >= len(_certificates())
    assert any(outcome[0] != "ok" for outcome in fast)
    mismatches = [(i, f, g) for i, (f, g) in enumerate(zip(fast, general)) if f != g]
    assert not mismatches, mismatches[:3]


@pytest.mark.parametrize("content", [b"\x55\x04\x03", b"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b"])
def test_the_oid_cache_holds_only_checked_values(content):
    from x509core.der import oid as oid_module
    from x509core.der.oid import decode_oid_content, decoded_oid
    # The cache is bounded (4096): the mutations above may have filled it with OIDs of their
    # own, after which nothing more is kept. Room is made for this test, then it is put back.
    saved = dict(oid_module._decoded)
    oid_module._decoded.clear()
    try:
        oid = decode_oid_content(content, 0, len(content), ())
        assert decoded_oid(content) == oid
        with pytest.raises(X509CoreError):
            decode_oid_content(b"\x80\x01", 0, 2, ())
        assert decoded_oid(b"\x80\x01") is None      # not minimal: refused, never cached
    finally:
        oid_module._decoded.clear()
        oid_module._decoded.update(saved)


def _value_outcome(oid: str, raw: bytes, max_depth: int):
    from x509core.der import Reader
    reader = Reader(raw, max_depth=max_depth, findings=[])
    try:
        value = extensions._read_value(oid, False, reader)
        reader.finish()
    except X509CoreError as exc:
        return (type(exc).__name__, str(exc), getattr(exc, "offset", None), getattr(exc, "path", None))
    return ("ok", repr(value), reader.findings)


def test_extension_fast_paths_keep_the_depth_limit(monkeypatch):
    """Each extension value of the many-extension certificate read under every nesting limit
    from 0 to 8, with and without the fast paths: the same value or the same DepthExceeded
    (a fast path nests no Reader, so it must check the limit the general reading meets)."""
    cert = load_der_certificate(_many_extensions())
    cases = [(ext.oid, ext.raw_value, depth) for ext in cert.extensions for depth in range(9)]
    # Empty lists (SIZE (1..MAX): findings) and an empty DistributionPoint fullName.
    cases += [(ext.oid, raw, 8) for ext in cert.extensions
              for raw in (b"\x30\x00", b"\x30\x06\x30\x04\xa0\x02\xa0\x00")]
    fast = [_value_outcome(*case) for case in cases]
    with monkeypatch.context() as patch:
        _general_paths_only(patch)
        general = [_value_outcome(*case) for case in cases]
    assert any(outcome[0] == "DepthExceeded" for outcome in fast)
    assert any(outcome[0] == "ok" for outcome in fast)
    assert fast == general


def test_an_address_range_is_not_read_as_an_address():
    """In name constraints iPAddress is an address and a mask (RFC 5280 §4.2.1.10): four or
    sixteen octets there are refused, never read by the address fast path."""
    from x509core.der import Reader
    from x509core.errors import DecodeError
    for octets in (bytes(4), bytes(16)):
        der = bytes((0x87, len(octets))) + octets
        assert general_name_der.read_general_name(Reader(der)).value.packed == octets
        with pytest.raises(DecodeError, match="range of"):
            general_name_der.read_general_name(Reader(der), address_range=True)


def _with_names(der: bytes, issuer: bytes, subject: bytes) -> bytes:
    """``der`` with its issuer and subject fields replaced (the signature no longer matches,
    which reading does not check)."""
    from x509core.der import Reader, Writer
    cert = Reader(der).read_sequence()
    fields = []
    tbs = cert.read_sequence()
    while not tbs.at_end:
        fields.append(tbs.read_element()[1].element_bytes)
    fields[3], fields[5] = issuer, subject
    writer = Writer()
    with writer.sequence():
        with writer.sequence():
            for field in fields:
                writer.write_raw(field)
        writer.write_raw(cert.data[cert.pos:cert.end])
    return writer.to_bytes()


def _unsorted_name() -> bytes:
    """A Name of one RDN {O=org, CN=ab} whose SET OF members are out of order (X.690 §11.6):
    readable, with a finding."""
    cn = bytes.fromhex("3009060355040313026162")
    o = bytes.fromhex("300a060355040a13036f7267")
    return bytes((0x30, len(o) + len(cn) + 2, 0x31, len(o) + len(cn))) + o + cn


def test_a_subject_equal_to_the_issuer_is_read_again_when_the_issuer_had_findings(monkeypatch):
    """The subject is taken to be the issuer's Name only when the issuer read without a
    finding: the same unsorted RDN in both names is reported twice, each at its own offset and
    path, as the general reading reports it; equal clean names give one shared Name."""
    der = pem.decode_one((require_shared(INTEROP) / "localhost-selfsigned.pem").read_text(),
                         "CERTIFICATE")[1]
    clean = load_der_certificate(der).issuer.raw
    cases = [_with_names(der, _unsorted_name(), _unsorted_name()),
             _with_names(der, clean, _unsorted_name()), _with_names(der, _unsorted_name(), clean)]
    fast = [_outcome(case, strict) for case in cases for strict in (False, True)]
    with monkeypatch.context() as patch:
        _general_paths_only(patch)
        general = [_outcome(case, strict) for case in cases for strict in (False, True)]
    assert fast == general
    findings = load_der_certificate(cases[0]).findings
    assert [f.path[2] for f in findings] == ["issuer", "subject"]
    assert findings[0].offset < findings[1].offset
    cert = load_der_certificate(der)
    assert cert.subject is cert.issuer and not cert.findings


def _names_one_by_one(data: bytes, nonempty: bool):
    names, pos = [], 0
    while pos < len(data):
        simple = general_name_der.simple_general_name(data, pos, len(data))
        if simple is None or nonempty and extension_names._is_empty(simple[0]):
            return None
        names.append(simple[0])
        pos = simple[1]
    return names


def test_simple_general_names_reads_as_simple_general_name_one_by_one():
    """The IA5String names read inline give what simple_general_name gives for each, on lists
    of names and thousands of mutations of them (tags, lengths, non-ASCII octets, empty ones)."""
    rng = random.Random(4518)
    base = (b"\x82\x09localhost" + b"\x81\x0aa@b.org.cn" + b"\x86\x08urn:uuid"
            + b"\x87\x04\xc0\x00\x02\x0a" + b"\x82\x00")
    cases = [base, base[:-2], b""]
    for _ in range(3000):
        b = bytearray(rng.choice(cases[:2]))
        i = rng.randrange(len(b))
        b[i] = rng.choice((0x00, 0x02, 0x80, 0x81, 0x82, 0x86, 0x87, 0xA4, 0xC3, rng.randrange(256)))
        cases.append(bytes(b))
    outcomes = [(general_name_der.simple_general_names(c, 0, len(c), nonempty),
                 _names_one_by_one(c, nonempty))
                for c in cases for nonempty in (False, True)]
    assert all(fast == slow for fast, slow in outcomes)
    assert sum(fast is None for fast, _ in outcomes) > 100 and sum(bool(fast) for fast, _ in outcomes) > 100


def test_rfc4514_text_is_the_per_attribute_formula():
    """format_rfc4514's loop gives RFC 4514 §2's formula written attribute by attribute
    (type name, escaped value or #hex), for names with escapes, multi-valued RDNs, unknown
    types and non-string values, and for the names of the test certificates."""
    from x509core.cert.names.name import Name
    from x509core.cert.names.name_text import _rfc4514_value, format_rfc4514, rfc4514_type_name
    names = [Name.from_rfc4514(text) for text in (
        "CN=a+O=b+UID=c,C=CN", r"CN=\#x\, y\+z\;\<\>\"\\ end\ ,O=Example\, Inc.", r"CN=\ lead",
        "1.2.3.4=#0403616263,CN=x", "CN=\u00e9t\u00e9,emailAddress=a@b.org")]
    names += [n for der in _certificates() for n in (load_der_certificate(der).issuer,
                                                      load_der_certificate(der).subject)]
    for n in names:
        expected = ",".join("+".join(f"{rfc4514_type_name(a.oid)}={_rfc4514_value(a)}"
                                     for a in rdn.attributes) for rdn in reversed(n.rdns))
        assert format_rfc4514(n.rdns) == expected


def test_a_plain_utctime_is_read_as_the_utctime_decoder_reads_it():
    """plain_utc_time against decode_utc_time_content on 13 octets of every kind: valid times
    in both centuries (RFC 5280 §4.1.2.5.1), 29 February in leap and other years, months,
    days, hours, minutes and seconds out of range, non-digits (also non-ASCII digits) and a
    last octet other than 'Z' (X.690 §11.8)."""
    from x509core.der.time import decode_utc_time_content, plain_utc_time
    from x509core.errors import DecodeError
    rng = random.Random(1182)
    cases = [b"491231235959Z", b"500101000000Z", b"000229120000Z", b"010229120000Z",
             b"991231235960Z", b"251301000000Z", b"250132000000Z", b"250101240000Z",
             b"250101006000Z", b"250100000000Z", b"25010100000+Z", b"250101000000z",
             b"2501010000\xd9\xa0Z", b" 50101000000Z"]
    for _ in range(5000):
        digits = bytes(rng.choice(b"0123456789") for _ in range(12))
        octets = bytearray(digits + b"Z")
        if rng.random() < 0.3:
            octets[rng.randrange(13)] = rng.randrange(256)
        cases.append(bytes(octets))
    for octets in cases:
        try:
            expected = decode_utc_time_content(octets, 0, 13, ())
        except DecodeError:
            expected = None
        got = plain_utc_time(octets, 0)
        assert got == expected and type(got) is type(expected), octets
    assert sum(plain_utc_time(c, 0) is None for c in cases) > 500


def _notice(text: bytes, tag: int, *, with_ref: bool = False, oid: str = "1.3.6.1.5.5.7.2.2") -> bytes:
    """A PolicyQualifierInfo of ``oid`` holding ``SEQUENCE { [noticeRef] explicitText }``, the
    text's octets written as they are (so empty and out-of-repertoire texts can be made)."""
    from x509core.der.writer import Writer
    w = Writer()
    with w.sequence():
        w.write_oid(oid)
        with w.sequence():
            if with_ref:
                with w.sequence():
                    w.write_string("Org", 12)
                    with w.sequence():
                        w.write_integer(1)
            w.write_raw(bytes((tag, len(text))) + text)
    return w.to_bytes()


@pytest.mark.parametrize("qualifier", [
    _notice(b"benchmark only", 12), _notice(b"benchmark only", 22), _notice(b"visible", 26),
    _notice(b"", 12), _notice(b"\xff\xfe", 12), _notice(b"caf\xc3\xa9", 22), _notice(b"\x7f", 26),
    _notice("é".encode("utf-16-be"), 30), _notice(b"with a reference", 12, with_ref=True),
    _notice(b"other id", 12, oid="1.3.6.1.5.5.7.2.9"), _notice(b"text", 19)])
@pytest.mark.parametrize("strict", [False, True])
def test_the_explicit_text_notice_fast_path_reads_as_the_general_reader(qualifier, strict, monkeypatch):
    """UserNotice qualifiers the fast path reads (UTF8String, IA5String, VisibleString) and
    those it leaves to the general reading (empty text, bad octets, a BMPString, a noticeRef,
    another qualifier id, a PrintableString that DisplayText does not allow): the same value
    and findings, or the same refusal."""
    from x509core.cert.extensions.policy_qualifiers import PolicyQualifierInfo
    from x509core.der import Reader

    def outcome():
        findings = None if strict else []
        r = Reader(qualifier, findings=findings)
        try:
            value = PolicyQualifierInfo.read(r, "[0]")
            r.finish()
        except X509CoreError as exc:
            return type(exc).__name__, str(exc), exc.offset, exc.path
        text = getattr(value.qualifier, "explicit_text", None)
        return repr(value), type(text).__name__, findings
    fast = outcome()
    with monkeypatch.context() as patch:
        patch.setattr(policy_qualifiers, "_read_explicit_text_notice", lambda _reader: None)
        general = outcome()
    assert fast == general
