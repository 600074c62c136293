"""x509core.cert.builder: the immutable CertificateBuilder (RFC 5280 §4.1).

Immutability and the at-most-once rule for each field; ``sign()`` refusing an incomplete
certificate and naming each missing field; the serial number rules (§4.1.2.2); validity (§4.1.2.5:
aware times, UTCTime through 2049, GeneralizedTime from 2050, checked on the tag octets); an empty
subject needing a critical subjectAltName (§4.1.2.6); one instance per extension (§4.2); the
signature algorithms (PKCS #1 v1.5 and PSS with SHA-256/384/512, verified by OpenSSL and
pyca/cryptography; SHA-1 refused); and the self-check that keeps ``sign()`` from returning a
certificate with a bad signature. The hypothesis round trip of random field combinations is in
test_builder_properties.py.

Oracles: the OpenSSL CLI (``verify``, ``x509 -text``) and pyca/cryptography.
"""

from __future__ import annotations

import dataclasses
import subprocess
from datetime import datetime, timedelta, timezone

import pytest
from cryptography import x509 as pyca
from cryptography.hazmat.primitives.asymmetric import padding as pyca_padding

from tests.rsa.keys_fixture import RSA_2048, RSA_3072, private_key, to_cryptography
from x509core.cert.builder import CertificateBuilder, check_serial_number, random_serial_number
from x509core.cert.certificate import Certificate
from x509core.cert.extensions import (BasicConstraints, KeyUsage, MachineIdentity,
                                      SubjectAlternativeName, SubjectKeyIdentifier)
from x509core.cert.names.general_name import DNSName
from x509core.cert.names.name import Name
from x509core.errors import InvalidSignature, InvalidValue
from x509core.rsa.key import RSAPrivateKey

UTC = timezone.utc
KEY = private_key(RSA_2048)                 # the subject's key
ISSUER_KEY = private_key(RSA_3072)          # the issuer's key (a CA of its own in the PSS tests)
SUBJECT = Name.build([("C", "CN"), ("O", "Builder Test"), ("CN", "leaf.example.org")])
ISSUER = Name.build([("C", "CN"), ("O", "Builder Test"), ("CN", "Builder Test CA")])
NOT_BEFORE = datetime(2025, 1, 1, tzinfo=UTC)
NOT_AFTER = datetime(2026, 1, 1, tzinfo=UTC)
AT = str(int(datetime(2025, 6, 1, tzinfo=UTC).timestamp()))      # openssl verify -attime
REQUIRED = ("subject", "issuer", "serial_number", "not_valid_before", "public_key")


# -- helpers ----------------------------------------------------------------------------------


def _setters() -> dict:
    """The call that sets each required field of an empty builder."""
    return {
        "subject": lambda b: b.with_subject(SUBJECT),
        "issuer": lambda b: b.with_issuer(ISSUER),
        "serial_number": lambda b: b.with_serial_number(0x1234),
        "not_valid_before": lambda b: b.with_validity(NOT_BEFORE, NOT_AFTER),
        "public_key": lambda b: b.with_public_key(KEY.public_key()),
    }


def _complete(*, without: str | None = None) -> CertificateBuilder:
    """A builder with every required field set, except ``without``."""
    builder = CertificateBuilder()
    for name, setter in _setters().items():
        if name != without:
            builder = setter(builder)
    return builder


def _openssl(openssl: str, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([openssl, *args], input=stdin, capture_output=True, check=False)


def _write(tmp_path, name: str, cert: Certificate) -> str:
    path = tmp_path / name
    path.write_text(cert.to_pem())
    return str(path)


def _ca(key: RSAPrivateKey = ISSUER_KEY) -> Certificate:
    """A self-signed CA over ``key`` (PKCS #1 v1.5, SHA-256), issuer of the signature tests."""
    return (CertificateBuilder().with_subject(ISSUER).with_issuer(ISSUER).with_serial_number(1)
            .with_validity(NOT_BEFORE, NOT_AFTER).with_public_key(key.public_key())
            .with_extension(BasicConstraints(ca=True), critical=True)
            .with_extension(KeyUsage(key_cert_sign=True, crl_sign=True), critical=True)
            .with_subject_key_identifier()
            .sign(key))


# -- immutability and the at-most-once rule ---------------------------------------------------

EMPTY = CertificateBuilder()
KEYED = CertificateBuilder().with_public_key(KEY.public_key())      # the SKI needs the key first
WITH_CALLS = [
    ("with_subject", KEYED, lambda b: b.with_subject(SUBJECT)),
    ("with_issuer", KEYED, lambda b: b.with_issuer(ISSUER)),
    ("with_serial_number", KEYED, lambda b: b.with_serial_number(7)),
    ("with_random_serial_number", KEYED, lambda b: b.with_random_serial_number()),
    ("with_validity", KEYED, lambda b: b.with_validity(NOT_BEFORE, NOT_AFTER)),
    ("with_public_key", EMPTY, lambda b: b.with_public_key(KEY.public_key())),
    ("with_extension", KEYED, lambda b: b.with_extension(KeyUsage(digital_signature=True), critical=True)),
    ("with_subject_key_identifier", KEYED, lambda b: b.with_subject_key_identifier()),
    ("with_authority_key_identifier", KEYED,
     lambda b: b.with_authority_key_identifier(ISSUER_KEY.public_key())),
]


@pytest.mark.parametrize("before, call", [c[1:] for c in WITH_CALLS], ids=[c[0] for c in WITH_CALLS])
def test_each_with_call_returns_a_new_builder_and_leaves_the_old_one_unchanged(before, call):
    snapshot = {f.name: getattr(before, f.name) for f in dataclasses.fields(before)}
    after = call(before)
    assert after is not before
    assert {f.name: getattr(before, f.name) for f in dataclasses.fields(before)} == snapshot
    changed = [f.name for f in dataclasses.fields(after) if getattr(after, f.name) != snapshot[f.name]]
    assert len(changed) in (1, 2)       # with_validity sets two fields, every other call one


def test_builder_fields_cannot_be_assigned():
    builder = CertificateBuilder()
    with pytest.raises(dataclasses.FrozenInstanceError):
        builder.subject = SUBJECT           # type: ignore[misc]


SET_TWICE = [
    ("subject", lambda b: b.with_subject(SUBJECT).with_subject(ISSUER)),
    ("issuer", lambda b: b.with_issuer(ISSUER).with_issuer(ISSUER)),
    ("serial_number", lambda b: b.with_serial_number(1).with_serial_number(2)),
    ("serial_number", lambda b: b.with_serial_number(1).with_random_serial_number()),
    ("not_valid_before", lambda b: b.with_validity(NOT_BEFORE, NOT_AFTER).with_validity(NOT_BEFORE, NOT_AFTER)),
    ("public_key", lambda b: b.with_public_key(KEY.public_key()).with_public_key(ISSUER_KEY.public_key())),
]


@pytest.mark.parametrize("field, calls", SET_TWICE, ids=[
    "subject", "issuer", "serial", "serial-then-random", "validity", "public_key"])
def test_a_field_set_twice_is_refused(field, calls):
    with pytest.raises(InvalidValue, match=f"{field} is already set"):
        calls(CertificateBuilder())


def test_subject_key_identifier_needs_the_public_key_first():
    with pytest.raises(InvalidValue, match="public key"):
        CertificateBuilder().with_subject_key_identifier()


@pytest.mark.parametrize("call", [
    lambda: CertificateBuilder().with_subject("CN=a"),
    lambda: CertificateBuilder().with_issuer(b"0\x00"),
    lambda: CertificateBuilder().with_public_key(KEY),                # the private key
    lambda: CertificateBuilder().with_serial_number("1"),
    lambda: CertificateBuilder().with_serial_number(1.0),
    lambda: CertificateBuilder().with_serial_number(True),
    lambda: CertificateBuilder().with_validity("2025-01-01", NOT_AFTER),
    lambda: CertificateBuilder().with_extension(b"\x30\x00", critical=False),
], ids=["subject-str", "issuer-bytes", "private-key", "serial-str", "serial-float", "serial-bool",
        "validity-str", "extension-bytes"])
def test_wrong_argument_types_raise_type_error(call):
    with pytest.raises(TypeError):
        call()


# STYLE.md §3: "Wrong argument types raise the built-in TypeError", also where the wrong value
# would otherwise fail deeper down with an AttributeError.
def test_with_extension_refuses_a_critical_flag_that_is_not_a_bool():
    for flag in ("no", 1, None):
        with pytest.raises(TypeError):
            _complete().with_extension(KeyUsage(digital_signature=True), critical=flag)


def test_with_extension_refuses_a_non_extension_value_after_another_extension():
    builder = _complete().with_extension(KeyUsage(digital_signature=True), critical=True)
    with pytest.raises(TypeError):
        builder.with_extension("not an extension value", critical=False)


def test_sign_refuses_a_public_key_as_the_issuer_key():
    with pytest.raises(TypeError):
        _complete().sign(ISSUER_KEY.public_key())


def test_authority_key_identifier_refuses_a_non_key():
    with pytest.raises(TypeError):
        _complete().with_authority_key_identifier("issuer")


# -- completeness ------------------------------------------------------------------------------


@pytest.mark.parametrize("missing", REQUIRED)
def test_sign_names_the_missing_field(missing):
    with pytest.raises(InvalidValue, match="certificate is incomplete") as caught:
        _complete(without=missing).sign(ISSUER_KEY)
    named = str(caught.value).split("set ", 1)[1]
    assert named.split(", ") == [missing]


def test_sign_names_every_missing_field_of_an_empty_builder():
    with pytest.raises(InvalidValue) as caught:
        CertificateBuilder().sign(ISSUER_KEY)
    assert str(caught.value) == ("certificate is incomplete: set subject, issuer, serial_number, "
                                 "not_valid_before, public_key")


def test_a_complete_builder_signs():
    cert = _complete().sign(ISSUER_KEY)
    assert (cert.version, cert.serial_number, cert.subject, cert.issuer) == (3, 0x1234, SUBJECT, ISSUER)
    assert cert.extensions == ()


# -- serial numbers (RFC 5280 §4.1.2.2) ---------------------------------------------------------


@pytest.mark.parametrize("serial", [0, -1, -(2 ** 64), 2 ** 159, 2 ** 160 - 1, 2 ** 200],
                         ids=["zero", "minus-one", "negative-64-bit", "21-octets-2^159",
                              "21-octets-2^160-1", "26-octets"])
def test_serial_numbers_outside_the_profile_are_refused(serial):
    # "The serial number MUST be a positive integer ... CAs MUST NOT use serialNumber values
    # longer than 20 octets." 2^159 needs a leading 0x00 octet: 21 content octets.
    with pytest.raises(InvalidValue, match="RFC 5280 §4.1.2.2"):
        CertificateBuilder().with_serial_number(serial)
    with pytest.raises(InvalidValue):
        check_serial_number(serial)


@pytest.mark.parametrize("serial, content", [
    (1, b"\x01"),
    (0x80, b"\x00\x80"),                                     # a leading 0x00 keeps it positive
    (2 ** 159 - 1, b"\x7f" + b"\xff" * 19),                  # the largest: 20 content octets
])
def test_serial_numbers_at_the_edges_are_encoded_minimally(serial, content):
    cert = _complete(without="serial_number").with_serial_number(serial).sign(ISSUER_KEY)
    # tbsCertificate: 30 82 LL LL, version a0 03 02 01 02, then serialNumber.
    assert cert.raw_tbs[4:9] == bytes.fromhex("a003020102")
    assert cert.raw_tbs[9:11 + len(content)] == bytes([0x02, len(content)]) + content
    assert pyca.load_der_x509_certificate(cert.raw).serial_number == serial


def test_random_serial_numbers_are_positive_short_and_vary():
    serials = [random_serial_number() for _ in range(64)]
    assert len(set(serials)) == 64
    for serial in serials:
        assert 0 < serial < 2 ** 159                         # 159 bits: at most 20 octets
        assert check_serial_number(serial) == serial
    # 159 random bits: 64 draws all below 2^120 would be a 2^-2496 event.
    assert max(s.bit_length() for s in serials) > 120


def test_with_random_serial_number_signs_and_differs_each_time():
    base = _complete(without="serial_number")
    first, second = (base.with_random_serial_number().sign(ISSUER_KEY) for _ in range(2))
    assert first.serial_number != second.serial_number
    assert pyca.load_der_x509_certificate(first.raw).serial_number == first.serial_number


# -- validity (RFC 5280 §4.1.2.5) ---------------------------------------------------------------


@pytest.mark.parametrize("not_before, not_after", [
    (datetime(2025, 1, 1), NOT_AFTER),
    (NOT_BEFORE, datetime(2026, 1, 1)),
], ids=["naive-notBefore", "naive-notAfter"])
def test_naive_datetimes_are_refused(not_before, not_after):
    with pytest.raises(InvalidValue, match="naive datetime"):
        CertificateBuilder().with_validity(not_before, not_after)


@pytest.mark.parametrize("not_after", [
    NOT_BEFORE,
    NOT_BEFORE - timedelta(seconds=1),
    NOT_BEFORE + timedelta(microseconds=999_999),            # equal once cut to whole seconds
    NOT_BEFORE.astimezone(timezone(timedelta(hours=8))),     # the same instant in UTC+8
], ids=["equal", "earlier", "equal-after-truncation", "equal-other-zone"])
def test_not_after_must_be_later_than_not_before(not_after):
    with pytest.raises(InvalidValue, match="notAfter must be later than notBefore"):
        CertificateBuilder().with_validity(NOT_BEFORE, not_after)


@pytest.mark.parametrize("not_before, not_after, validity_der", [
    (datetime(2049, 12, 31, 23, 59, 58, tzinfo=UTC), datetime(2049, 12, 31, 23, 59, 59, tzinfo=UTC),
     b"\x30\x1e" + b"\x17\x0d491231235958Z" + b"\x17\x0d491231235959Z"),
    (datetime(2049, 12, 31, 23, 59, 59, tzinfo=UTC), datetime(2050, 1, 1, tzinfo=UTC),
     b"\x30\x20" + b"\x17\x0d491231235959Z" + b"\x18\x0f20500101000000Z"),
    (datetime(2050, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
     b"\x30\x22" + b"\x18\x0f20500101000000Z" + b"\x18\x0f99991231235959Z"),
    (datetime(1950, 1, 1, tzinfo=UTC), datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC),
     b"\x30\x1e" + b"\x17\x0d500101000000Z" + b"\x17\x0d991231235959Z"),
], ids=["utc-utc-2049", "utc-generalized-across-2050", "generalized-to-9999", "utc-1950-1999"])
def test_validity_is_utc_time_through_2049_and_generalized_time_from_2050(
        openssl, tmp_path, not_before, not_after, validity_der):
    # "CAs conforming to this profile MUST always encode certificate validity dates through the
    # year 2049 as UTCTime; certificate validity dates in 2050 or later MUST be encoded as
    # GeneralizedTime." Tag 0x17 is UTCTime, 0x18 GeneralizedTime.
    builder = _complete(without="not_valid_before").with_validity(not_before, not_after)
    cert = builder.sign(ISSUER_KEY)
    assert cert.raw_tbs.count(validity_der) == 1
    assert (cert.not_valid_before, cert.not_valid_after) == (not_before, not_after)
    theirs = pyca.load_der_x509_certificate(cert.raw)
    assert (theirs.not_valid_before_utc, theirs.not_valid_after_utc) == (not_before, not_after)
    shown = _openssl(openssl, "x509", "-noout", "-dates", stdin=cert.to_pem().encode())
    assert shown.returncode == 0, shown.stderr
    assert f"notAfter={not_after:%b} {not_after.day:2d} {not_after:%H:%M:%S %Y} GMT" in shown.stdout.decode()


def test_validity_is_converted_to_utc_and_cut_to_whole_seconds():
    plus8 = timezone(timedelta(hours=8))
    builder = CertificateBuilder().with_validity(datetime(2025, 1, 1, 8, 0, 0, 123456, tzinfo=plus8),
                                                 datetime(2026, 1, 1, 8, tzinfo=plus8))
    assert builder.not_valid_before == datetime(2025, 1, 1, tzinfo=UTC)
    assert builder.not_valid_after == datetime(2026, 1, 1, tzinfo=UTC)
    assert builder.not_valid_before.tzinfo is UTC


# -- names and extensions ---------------------------------------------------------------------

CRITICAL_SAN = SubjectAlternativeName((DNSName("nosubject.example.org"),))


@pytest.mark.parametrize("extensions", [(), ((CRITICAL_SAN, False),)], ids=["no-san", "non-critical-san"])
def test_an_empty_subject_needs_a_critical_subject_alt_name(extensions):
    builder = _complete(without="subject").with_subject(Name())
    for value, critical in extensions:
        builder = builder.with_extension(value, critical=critical)
    with pytest.raises(InvalidValue, match="RFC 5280 §4.1.2.6"):
        builder.sign(ISSUER_KEY)


def test_an_empty_subject_with_a_critical_subject_alt_name_signs(openssl):
    cert = (_complete(without="subject").with_subject(Name())
            .with_extension(CRITICAL_SAN, critical=True).sign(ISSUER_KEY))
    assert cert.subject.raw == b"\x30\x00"
    theirs = pyca.load_der_x509_certificate(cert.raw)
    assert len(theirs.subject) == 0
    san = theirs.extensions.get_extension_for_class(pyca.SubjectAlternativeName)
    assert san.critical and san.value.get_values_for_type(pyca.DNSName) == ["nosubject.example.org"]
    shown = _openssl(openssl, "x509", "-noout", "-text", stdin=cert.to_pem().encode())
    assert shown.returncode == 0 and b"X509v3 Subject Alternative Name: critical" in shown.stdout


def test_an_empty_issuer_is_refused():
    with pytest.raises(InvalidValue, match="RFC 5280 §4.1.2.4"):
        _complete(without="issuer").with_issuer(Name()).sign(ISSUER_KEY)


@pytest.mark.parametrize("first, second", [
    (KeyUsage(digital_signature=True), KeyUsage(key_encipherment=True)),
    (BasicConstraints(ca=False), BasicConstraints(ca=True, path_len_constraint=0)),
    (MachineIdentity("abc"), MachineIdentity("abc", "utf8")),
], ids=["keyUsage", "basicConstraints", "machineIdentity"])
def test_a_duplicate_extension_is_refused(first, second):
    builder = _complete().with_extension(first, critical=False)
    for critical in (False, True):
        with pytest.raises(InvalidValue, match="duplicate extension"):
            builder.with_extension(second, critical=critical)


def test_a_duplicate_subject_key_identifier_is_refused():
    builder = _complete().with_subject_key_identifier()
    with pytest.raises(InvalidValue, match="duplicate extension 2.5.29.14"):
        builder.with_extension(SubjectKeyIdentifier(b"\x01" * 20), critical=False)


def test_key_identifiers_are_method_1_of_the_keys():
    cert = _complete().with_subject_key_identifier().with_authority_key_identifier(
        ISSUER_KEY.public_key()).sign(ISSUER_KEY)
    ski = pyca.SubjectKeyIdentifier.from_public_key(to_cryptography(KEY).public_key())
    aki = pyca.AuthorityKeyIdentifier.from_issuer_public_key(to_cryptography(ISSUER_KEY).public_key())
    assert cert.subject_key_identifier.key_identifier == ski.digest
    assert cert.authority_key_identifier.key_identifier == aki.key_identifier
    theirs = pyca.load_der_x509_certificate(cert.raw).extensions
    assert theirs.get_extension_for_class(pyca.SubjectKeyIdentifier).value == ski
    assert theirs.get_extension_for_class(pyca.AuthorityKeyIdentifier).value == aki


# -- signature algorithms -----------------------------------------------------------------------

ALGORITHMS = [("sha256", "pkcs1v15"), ("sha384", "pkcs1v15"), ("sha512", "pkcs1v15"),
              ("sha256", "pss"), ("sha384", "pss"), ("sha512", "pss")]
OPENSSL_NAMES = {("sha256", "pkcs1v15"): "sha256WithRSAEncryption",
                 ("sha384", "pkcs1v15"): "sha384WithRSAEncryption",
                 ("sha512", "pkcs1v15"): "sha512WithRSAEncryption"}


@pytest.fixture(scope="module")
def ca() -> Certificate:
    return _ca()


@pytest.mark.parametrize("hash_name, padding", ALGORITHMS, ids=[f"{h}-{p}" for h, p in ALGORITHMS])
def test_signatures_verify_with_openssl_and_cryptography(openssl, tmp_path, ca, hash_name, padding):
    leaf = (_complete().with_authority_key_identifier(ISSUER_KEY.public_key())
            .sign(ISSUER_KEY, hash_name, padding))
    ca_path, leaf_path = _write(tmp_path, "ca.pem", ca), _write(tmp_path, "leaf.pem", leaf)
    checked = _openssl(openssl, "verify", "-x509_strict", "-attime", AT, "-CAfile", ca_path, leaf_path)
    assert checked.returncode == 0 and checked.stdout.strip().endswith(b": OK"), checked.stderr
    shown = _openssl(openssl, "x509", "-noout", "-text", "-in", leaf_path).stdout.decode()
    if padding == "pss":
        assert "Signature Algorithm: rsassaPss" in shown
        assert f"Hash Algorithm: {hash_name}" in shown and f"Mask Algorithm: mgf1 with {hash_name}" in shown
        assert f"Salt Length: 0x{int(hash_name[3:]) // 8:02X}" in shown
    else:
        assert f"Signature Algorithm: {OPENSSL_NAMES[hash_name, padding]}" in shown
    theirs, their_ca = pyca.load_der_x509_certificate(leaf.raw), pyca.load_der_x509_certificate(ca.raw)
    theirs.verify_directly_issued_by(their_ca)
    assert theirs.signature_hash_algorithm.name == hash_name
    parameters = theirs.signature_algorithm_parameters
    if padding == "pss":
        assert isinstance(parameters, pyca_padding.PSS)
        their_ca.public_key().verify(theirs.signature, theirs.tbs_certificate_bytes, parameters,
                                     theirs.signature_hash_algorithm)
    else:
        assert isinstance(parameters, pyca_padding.PKCS1v15)


def test_a_self_signed_pss_certificate_verifies_with_check_ss_sig(openssl, tmp_path):
    root = (CertificateBuilder().with_subject(ISSUER).with_issuer(ISSUER).with_serial_number(2)
            .with_validity(NOT_BEFORE, NOT_AFTER).with_public_key(ISSUER_KEY.public_key())
            .with_extension(BasicConstraints(ca=True), critical=True)
            .with_extension(KeyUsage(key_cert_sign=True), critical=True)
            .with_subject_key_identifier().sign(ISSUER_KEY, "sha512", "pss"))
    path = _write(tmp_path, "root.pem", root)
    checked = _openssl(openssl, "verify", "-check_ss_sig", "-attime", AT, "-CAfile", path, path)
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize("hash_name, padding", [
    ("sha1", "pkcs1v15"), ("md5", "pkcs1v15"), ("sha224", "pkcs1v15"), ("sha1", "pss"),
    ("sha256", "oaep"), ("sha256", "PSS"),
])
def test_weak_or_unknown_signature_algorithms_are_refused(hash_name, padding):
    with pytest.raises(InvalidValue):
        _complete().sign(ISSUER_KEY, hash_name, padding)


@pytest.mark.parametrize("padding", ["pkcs1v15", "pss"])
def test_sign_checks_its_own_signature(monkeypatch, padding):
    """A signer that returns a corrupted signature (a fault, a bad key) must not yield a
    certificate: ``sign()`` verifies its output, as Go's CreateCertificate does."""
    original = RSAPrivateKey.sign

    def corrupted(self, *args, **kwargs):
        signature = original(self, *args, **kwargs)
        return signature[:-1] + bytes([signature[-1] ^ 0x01])

    builder = _complete()
    monkeypatch.setattr(RSAPrivateKey, "sign", corrupted)
    with pytest.raises(InvalidSignature):
        builder.sign(ISSUER_KEY, "sha256", padding)
    monkeypatch.undo()
    builder.sign(ISSUER_KEY, "sha256", padding)            # the same builder signs once restored
