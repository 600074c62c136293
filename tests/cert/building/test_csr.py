"""x509core.cert.csr: PKCS #10 certification requests (RFC 2986) and their extensionRequest
attribute (RFC 2985 §5.4.2).

Ours read by others: a CSRBuilder request with subjectAltName, keyUsage, extKeyUsage and the seed
system's machine binding is verified and listed by ``openssl req -verify -text`` and read by
pyca/cryptography. Theirs read by us: requests made by ``openssl req -new -addext`` (the machine
binding as a DER UTF8String and in the seed system's raw form, PKCS #1 v1.5 and PSS) load, verify and
show their extensions. Tampering with the signature or the subject fails ``verify()`` with
InvalidSignature; malformed DER fails ``load_der_csr`` with DecodeError and its offset.
"""

from __future__ import annotations

import ipaddress
import subprocess
from datetime import datetime, timezone

import pytest
from cryptography import x509 as pyca
from cryptography.hazmat.primitives import serialization
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.cert.building import profiles
from tests.rsa.keys_fixture import RSA_2048, RSA_4096, private_key, to_cryptography
from x509core.cert import oids
from x509core.cert.csr import CSRBuilder, load_der_csr, load_pem_csr
from x509core.cert.extensions import (ExtendedKeyUsage, KeyUsage, MacAddress, MachineIdentity,
                                      SubjectAlternativeName)
from x509core.cert.names.general_name import DNSName, IPAddress
from x509core.cert.names.name import Name
from x509core.errors import (DecodeError, InvalidSignature, InvalidValue, NonCanonicalEncoding,
                             PEMError, Truncated, UnexpectedTag, UnsupportedAlgorithm)

UTC = timezone.utc
KEY = private_key(RSA_2048)
MACHINE_ID, MAC = "c417aa4802b3441d931c135cbdaab367", "18:c0:4d:fa:c0:a8"
SUBJECT = Name.build([("O", "HzMomoStarsky.LTD"), ("CN", "HZ109999")])
SAN = SubjectAlternativeName((DNSName("client.example.org"), IPAddress(ipaddress.ip_address("10.0.0.5"))))
KEY_USAGE = KeyUsage(digital_signature=True)
EKU = ExtendedKeyUsage((oids.OID_CLIENT_AUTH,))


def _openssl(openssl: str, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([openssl, *args], input=stdin, capture_output=True, check=False)


def _request(hash_name: str = "sha256", padding: str = "pkcs1v15"):
    return (CSRBuilder().with_subject(SUBJECT)
            .with_extension(SAN, critical=False)
            .with_extension(KEY_USAGE, critical=True)
            .with_extension(EKU, critical=False)
            .with_extension(MachineIdentity(MACHINE_ID), critical=False)
            .with_extension(MacAddress(MAC), critical=False)
            .sign(KEY, hash_name, padding))


@pytest.fixture(scope="module")
def key_file(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("csr") / "key.pem"
    path.write_bytes(to_cryptography(KEY).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return str(path)


# -- ours, read by OpenSSL and pyca/cryptography -------------------------------------------------

ALGORITHMS = [("sha256", "pkcs1v15"), ("sha512", "pkcs1v15"), ("sha256", "pss"), ("sha384", "pss")]


@pytest.mark.parametrize("hash_name, padding", ALGORITHMS, ids=[f"{h}-{p}" for h, p in ALGORITHMS])
def test_openssl_verifies_and_lists_the_requested_extensions(openssl, hash_name, padding):
    request = _request(hash_name, padding)
    shown = _openssl(openssl, "req", "-verify", "-noout", "-text", stdin=request.to_pem().encode())
    assert shown.returncode == 0, shown.stderr
    assert b"verify OK" in shown.stderr
    text = shown.stdout.decode()
    lines = [line.strip() for line in text.splitlines()]
    assert "Subject: O = HzMomoStarsky.LTD, CN = HZ109999" in lines
    assert "Requested Extensions:" in lines
    expected = [
        ("X509v3 Subject Alternative Name:", "DNS:client.example.org, IP Address:10.0.0.5"),
        ("X509v3 Key Usage: critical", "Digital Signature"),
        ("X509v3 Extended Key Usage:", "TLS Web Client Authentication"),
        ("1.3.6.1.4.15967132172.1:", MACHINE_ID),                # the raw octets, printed as text
        ("1.3.6.1.4.15967132172.2:", MAC),
    ]
    for heading, value in expected:
        assert lines[lines.index(heading) + 1] == value
    if padding == "pss":
        assert "Signature Algorithm: rsassaPss" in lines and f"Hash Algorithm: {hash_name}" in lines


@pytest.mark.parametrize("hash_name, padding", ALGORITHMS, ids=[f"{h}-{p}" for h, p in ALGORITHMS])
def test_cryptography_reads_the_request_and_its_extensions(hash_name, padding):
    request = _request(hash_name, padding)
    theirs = pyca.load_pem_x509_csr(request.to_pem().encode())
    assert theirs.is_signature_valid
    assert theirs.subject.public_bytes() == SUBJECT.raw
    assert theirs.public_key().public_numbers().n == KEY.n
    extensions = theirs.extensions
    assert [(e.oid.dotted_string, e.critical) for e in extensions] == [
        ("2.5.29.17", False), ("2.5.29.15", True), ("2.5.29.37", False),
        (str(oids.OID_MACHINE_IDENTITY), False), (str(oids.OID_MAC_ADDRESS), False)]
    san = extensions.get_extension_for_class(pyca.SubjectAlternativeName).value
    assert san.get_values_for_type(pyca.DNSName) == ["client.example.org"]
    assert san.get_values_for_type(pyca.IPAddress) == [ipaddress.ip_address("10.0.0.5")]
    key_usage = extensions.get_extension_for_class(pyca.KeyUsage).value
    assert key_usage.digital_signature and not key_usage.key_encipherment
    assert list(extensions.get_extension_for_class(pyca.ExtendedKeyUsage).value) == [
        pyca.oid.ExtendedKeyUsageOID.CLIENT_AUTH]
    machine = extensions.get_extension_for_oid(pyca.ObjectIdentifier(str(oids.OID_MACHINE_IDENTITY)))
    assert machine.value.value == MACHINE_ID.encode("ascii")    # the seed system's raw form
    mac = extensions.get_extension_for_oid(pyca.ObjectIdentifier(str(oids.OID_MAC_ADDRESS)))
    assert mac.value.value == MAC.encode("ascii")


def test_our_request_reads_back_as_built():
    request = _request()
    again = load_pem_csr(request.to_pem())
    assert again.raw == request.raw and again.to_der() == request.raw
    assert (again.version, again.subject, again.public_key) == (0, SUBJECT, KEY.public_key())
    assert [(e.oid, e.critical, e.value) for e in again.extensions] == [
        (SAN.oid, False, SAN), (KEY_USAGE.oid, True, KEY_USAGE), (EKU.oid, False, EKU),
        (oids.OID_MACHINE_IDENTITY, False, MachineIdentity(MACHINE_ID)),
        (oids.OID_MAC_ADDRESS, False, MacAddress(MAC))]
    assert (again.machine_identity, again.mac_address) == (MACHINE_ID, MAC)
    assert [oid for oid, _ in again.attributes] == [oids.OID_EXTENSION_REQUEST]
    again.verify()


def test_a_request_without_extensions_has_an_empty_attribute_set(openssl):
    request = CSRBuilder().with_subject(SUBJECT).sign(KEY)
    assert request.attributes == () and request.extensions == () and request.machine_identity is None
    assert request.raw_info.endswith(b"\xa0\x00")                # attributes [0] IMPLICIT SET, empty
    shown = _openssl(openssl, "req", "-verify", "-noout", stdin=request.to_pem().encode())
    assert shown.returncode == 0, shown.stderr


def test_csr_builder_rules():
    builder = CSRBuilder().with_subject(SUBJECT)
    with pytest.raises(InvalidValue, match="subject is already set"):
        builder.with_subject(SUBJECT)
    with pytest.raises(InvalidValue, match="incomplete: set the subject"):
        CSRBuilder().sign(KEY)
    with pytest.raises(TypeError):
        CSRBuilder().with_subject("/CN=a")
    once = builder.with_extension(KEY_USAGE, critical=True)
    with pytest.raises(InvalidValue, match="duplicate extension"):
        once.with_extension(KeyUsage(key_encipherment=True), critical=True)
    assert builder.extensions == () and len(once.extensions) == 1     # the old builder unchanged
    with pytest.raises(InvalidValue):
        builder.sign(KEY, "sha1")


@pytest.mark.parametrize("call", [
    lambda b: b.with_extension("2.5.29.15", critical=False),
    lambda b: b.with_extension(KEY_USAGE, critical=True).with_extension(b"\x03\x02\x07\x80", critical=True),
    lambda b: b.with_extension(KEY_USAGE, critical=1),
    lambda b: b.sign(KEY.public_key()),
    lambda b: b.sign(None),
], ids=["extension-str", "extension-bytes-after-another", "critical-int", "public-key", "none-key"])
def test_csr_builder_wrong_argument_types_raise_type_error(call):
    """TypeError, never AttributeError: a second with_extension read ``value.oid`` before checking
    the type, and sign() called ``key.public_key()`` on whatever it was given."""
    with pytest.raises(TypeError):
        call(CSRBuilder().with_subject(SUBJECT))


# -- theirs, read by us --------------------------------------------------------------------------

OPENSSL_MACHINE_FORMS = [
    # (the -addext value, what we read)
    ("ASN1:UTF8String:abc", MachineIdentity("abc", "utf8")),
    ("ASN1:IA5String:abc", MachineIdentity("abc", "ia5")),
    # The seed system's form: the ASCII octets themselves as extnValue contents.
    ("DER:" + MACHINE_ID.encode("ascii").hex(), MachineIdentity(MACHINE_ID, "raw")),
]


@pytest.mark.parametrize("machine_addext, machine", OPENSSL_MACHINE_FORMS, ids=["utf8", "ia5", "raw"])
@pytest.mark.parametrize("sigopts", [(), ("-sigopt", "rsa_padding_mode:pss", "-sha384")], ids=["pkcs1", "pss"])
def test_a_request_made_by_openssl_loads_verifies_and_shows_its_extensions(
        openssl, key_file, machine_addext, machine, sigopts):
    made = _openssl(openssl, "req", "-new", "-utf8", "-key", key_file, "-subj", "/C=CN/O=Org 中文/CN=HZ1",
                    "-addext", "subjectAltName=DNS:pacs.example.org,IP:10.0.0.5,IP:2001:db8::5",
                    "-addext", "keyUsage=critical,digitalSignature,keyEncipherment",
                    "-addext", f"{oids.OID_MACHINE_IDENTITY}={machine_addext}", *sigopts)
    assert made.returncode == 0, made.stderr
    request = load_pem_csr(made.stdout)
    request.verify()
    assert request.subject.raw == Name.from_openssl("/C=CN/O=Org 中文/CN=HZ1").raw
    assert request.public_key == KEY.public_key()
    assert request.signature_algorithm_info.padding == ("pss" if sigopts else "pkcs1v15")
    by_oid = {e.oid: e for e in request.extensions}
    assert by_oid[oids.OID_SUBJECT_ALT_NAME].value == SubjectAlternativeName((
        DNSName("pacs.example.org"), IPAddress(ipaddress.ip_address("10.0.0.5")),
        IPAddress(ipaddress.ip_address("2001:db8::5"))))
    assert by_oid[oids.OID_KEY_USAGE].critical
    assert by_oid[oids.OID_KEY_USAGE].value == KeyUsage(digital_signature=True, key_encipherment=True)
    assert by_oid[oids.OID_MACHINE_IDENTITY].value == machine
    assert request.machine_identity == machine.value
    assert request.to_der() == request.raw and load_der_csr(request.raw).raw == request.raw


def test_a_request_from_openssl_becomes_a_machine_bound_client_certificate(openssl, key_file, tmp_path):
    """The CA's path: the key stays with the client, the request carries the machine identity."""
    made = _openssl(openssl, "req", "-new", "-key", key_file, "-subj", "/O=Org/CN=HZ1",
                    "-addext", f"{oids.OID_MACHINE_IDENTITY}=DER:{MACHINE_ID.encode().hex()}")
    request = load_pem_csr(made.stdout)
    request.verify()
    root_key = private_key(RSA_4096)
    not_before = datetime(2025, 1, 1, tzinfo=UTC)
    root = profiles.root_ca_builder(root_key.public_key(), "/C=CN/O=Org/CN=Org Root", not_before).sign(root_key)
    client = profiles.client_builder(root, request.public_key, "Org", "HZ1", not_before,
                                     datetime(2026, 1, 1, tzinfo=UTC),
                                     machine_identity=request.machine_identity).sign(root_key)
    assert client.machine_identity == MACHINE_ID and client.public_key == request.public_key
    (tmp_path / "root.pem").write_text(root.to_pem())
    (tmp_path / "client.pem").write_text(client.to_pem())
    checked = _openssl(openssl, "verify", "-x509_strict", "-purpose", "sslclient", "-attime",
                       str(int(datetime(2025, 6, 1, tzinfo=UTC).timestamp())),
                       "-CAfile", str(tmp_path / "root.pem"), str(tmp_path / "client.pem"))
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize("curve,hash_option", [("P-256", "-sha256"), ("P-384", "-sha384"),
                                               ("P-521", "-sha512")])
def test_an_openssl_ec_request_loads_and_verifies(openssl, tmp_path, curve, hash_option):
    """Issue 11: ``openssl req -newkey ec``: the EC key, the ECDSA signature (proof of
    possession) over the exact CertificationRequestInfo, and a tampered copy refused."""
    key = tmp_path / "ec.key"
    made = _openssl(openssl, "req", "-new", "-newkey", "ec", "-pkeyopt", f"ec_paramgen_curve:{curve}",
                    "-nodes", "-keyout", str(key), hash_option, "-subj", "/O=Org/CN=HZ1",
                    "-addext", f"{oids.OID_MACHINE_IDENTITY}=DER:{MACHINE_ID.encode().hex()}")
    assert made.returncode == 0, made.stderr
    request = load_pem_csr(made.stdout)
    request.verify()
    assert request.public_key.curve.nist_name == curve and not request.findings
    info = request.signature_algorithm_info
    assert (info.scheme, info.hash_name) == ("ecdsa", hash_option[1:])
    theirs = pyca.load_pem_x509_csr(made.stdout)
    numbers = theirs.public_key().public_numbers()
    assert (request.public_key.x, request.public_key.y) == (numbers.x, numbers.y)
    with pytest.raises(InvalidSignature):
        load_der_csr(_flip(request.raw, request.raw.index(b"HZ1") + 2)).verify()


# -- tampering and malformed input ---------------------------------------------------------------


def _flip(data: bytes, index: int, mask: int = 0x01) -> bytes:
    return data[:index] + bytes([data[index] ^ mask]) + data[index + 1:]


@pytest.fixture(scope="module")
def openssl_request(openssl, key_file):
    made = _openssl(openssl, "req", "-new", "-key", key_file, "-subj", "/O=Org/CN=HZ1",
                    "-addext", "subjectAltName=DNS:pacs.example.org")
    return load_pem_csr(made.stdout)


@pytest.mark.parametrize("producer", ["ours", "openssl"])
@pytest.mark.parametrize("part", ["signature", "subject", "extension"])
def test_a_tampered_request_fails_verification(openssl_request, producer, part):
    request = _request() if producer == "ours" else openssl_request
    raw = request.raw
    if part == "signature":
        index = len(raw) - 1                                    # the signature's last octet
    elif part == "subject":
        index = raw.index(b"HZ1") + 2                           # "HZ1..." -> "HZ0...": still DER
    else:
        index = raw.index(b"example.org") + 2                   # a dNSName octet: "exbmple.org"
    tampered = load_der_csr(_flip(raw, index))                  # still well-formed DER
    with pytest.raises(InvalidSignature) as caught:
        tampered.verify()
    assert str(caught.value) == "signature mismatch"            # the message never says why
    request.verify()                                            # the original still verifies


def _long_form_outer_length(der: bytes) -> bytes:
    # 30 82 LL LL -> 30 83 00 LL LL: the same length, one octet too many (X.690 §10.1).
    return b"\x30\x83\x00" + der[2:]


def _version_one(der: bytes) -> bytes:
    # 30 82 LL LL | 30 82 LL LL | 02 01 00: CertificationRequestInfo.version 0 -> 1.
    return der[:10] + b"\x01" + der[11:]


def _set_unused_bits(der: bytes, *, clear_padding: bool = False) -> bytes:
    # The signature BIT STRING: 03 82 01 01 00 <256 octets> -> unused bits 0 -> 1.
    index = len(der) - 257
    last = der[-1] & 0xFE if clear_padding else der[-1] | 0x01
    return der[:index] + b"\x01" + der[index + 1:-1] + bytes([last])


MALFORMED = [
    # (name, mutation of a valid request's DER, error class, offset or offset(der))
    ("empty input", lambda d: b"", Truncated, 0),
    ("truncated by one octet", lambda d: d[:-1], Truncated, 0),
    ("trailing octet", lambda d: d + b"\x00", DecodeError, len),
    ("SET instead of SEQUENCE", lambda d: b"\x31" + d[1:], UnexpectedTag, 0),
    ("non-minimal outer length", _long_form_outer_length, NonCanonicalEncoding, 1),
    ("version 1", _version_one, DecodeError, 8),
    ("signature padding bit set", _set_unused_bits, NonCanonicalEncoding, lambda d: len(d) - 1),
    ("signature not whole octets", lambda d: _set_unused_bits(d, clear_padding=True), DecodeError, len),
]


@pytest.mark.parametrize("mutate, error, offset", [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_malformed_request_der_is_refused(mutate, error, offset):
    der = CSRBuilder().with_subject(SUBJECT).sign(KEY).raw
    assert der[:4] == b"\x30\x82" + (len(der) - 4).to_bytes(2, "big")
    bad = mutate(der)
    with pytest.raises(error) as caught:
        load_der_csr(bad)
    assert caught.value.offset == (offset(der) if callable(offset) else offset)


def test_a_pem_block_of_another_kind_is_refused():
    request = CSRBuilder().with_subject(SUBJECT).sign(KEY)
    as_certificate = request.to_pem().replace("CERTIFICATE REQUEST", "CERTIFICATE")
    with pytest.raises(PEMError):
        load_pem_csr(as_certificate)
    legacy = request.to_pem().replace("CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST")
    assert load_pem_csr(legacy).raw == request.raw              # OpenSSL's old label is read


_VALID = _request().raw


@settings(max_examples=200)
@given(index=st.integers(0, len(_VALID) - 1), mask=st.integers(1, 255))
def test_any_changed_octet_is_refused_by_the_reader_or_by_verify(index, mask):
    """One changed octet anywhere: DecodeError from the reader, or a request whose signature does
    not verify (InvalidValue when the changed key is no RSA key a signature can be checked
    with). Nothing else escapes, and nothing changed verifies."""
    try:
        request = load_der_csr(_flip(_VALID, index, mask))
    except DecodeError:
        return
    with pytest.raises((InvalidSignature, UnsupportedAlgorithm, InvalidValue)):
        request.verify()


def test_a_der_valid_but_invalid_rsa_key_is_reported():
    """An even exponent breaks RFC 8017 §3.1: read and reported (refused in strict mode), and no
    signature is ever checked with such a key."""
    der = CSRBuilder().with_subject(SUBJECT).sign(KEY).raw
    exponent = der.index(bytes.fromhex("0203010001"))           # publicExponent INTEGER 65537
    even = der[:exponent + 4] + b"\x00" + der[exponent + 5:]    # 0x010001 -> 0x010000
    with pytest.raises(DecodeError, match=r"RFC 8017 §3\.1"):
        load_der_csr(even, strict=True)
    csr = load_der_csr(even)
    assert csr.public_key.e == 0x010000
    assert [f.clause for f in csr.findings] == ["RFC 8017 §3.1"]
    with pytest.raises(InvalidValue, match=r"RFC 8017 §3\.1"):
        csr.verify()
