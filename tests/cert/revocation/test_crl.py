"""x509core.cert.revocation.crl: certificate revocation lists (RFC 5280 §5) built, read and
verified.

Oracles: the OpenSSL CLI (``crl -verify -CAfile``, ``crl -text``; ``ca -gencrl`` for CRLs it
makes) and pyca/cryptography (``load_der_x509_crl``: the same issuer, update times, cRLNumber,
authorityKeyIdentifier and, entry by entry, serial, revocation date, reason code and invalidity
date; ``is_signature_valid``; CRLs it builds, read by x509core). Refusals by byte surgery on a CRL
we made, with the surgery helpers of test_certificate.py.
"""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta, timezone

import pytest
from cryptography import x509 as pyca
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding as pyca_padding
from cryptography.hazmat.primitives.serialization import Encoding

from tests.cert.reading.surgery import (der_children, der_header, edit_children, element, replace, span,
                                tlv)
from tests.cert.reading.reported import assert_reported
from tests.rsa.keys_fixture import RSA_2048, RSA_3072, private_key, to_cryptography
from x509core.cert.builder import CertificateBuilder
from x509core.cert.certificate import Certificate
from x509core.cert.revocation.crl import CRLBuilder, load_der_crl, load_pem_crl
from x509core.cert.extensions import BasicConstraints, KeyUsage
from x509core.cert.extensions.crl import REASON_NAMES
from x509core.cert.names.name import Name
from x509core.errors import DecodeError, InvalidSignature, InvalidValue

UTC = timezone.utc
CA_KEY = private_key(RSA_3072)
OTHER_KEY = private_key(RSA_2048)
CA_NAME = Name.build([("C", "CN"), ("O", "西部省东海市人民医院"), ("CN", "Revocation Test CA")])
THIS_UPDATE = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
NEXT_UPDATE = datetime(2026, 3, 8, 12, 0, 0, tzinfo=UTC)
REVOKED_AT = datetime(2026, 2, 27, 9, 30, 15, tzinfo=UTC)
COMPROMISED_AT = datetime(2026, 2, 20, 0, 0, 0, tzinfo=UTC)
# Every reason a complete CRL may carry (removeFromCRL is for delta CRLs, RFC 5280 §5.3.1), and
# an entry without one; "unspecified" is written as no reasonCode (§5.3.1 SHOULD).
REASONS = [name for name in REASON_NAMES.values() if name != "removeFromCRL"] + [None]
PYCA_REASON = {"keyCompromise": pyca.ReasonFlags.key_compromise,
               "cACompromise": pyca.ReasonFlags.ca_compromise,
               "affiliationChanged": pyca.ReasonFlags.affiliation_changed,
               "superseded": pyca.ReasonFlags.superseded,
               "cessationOfOperation": pyca.ReasonFlags.cessation_of_operation,
               "certificateHold": pyca.ReasonFlags.certificate_hold,
               "privilegeWithdrawn": pyca.ReasonFlags.privilege_withdrawn,
               "aACompromise": pyca.ReasonFlags.aa_compromise}
OPENSSL_REASON = {"keyCompromise": "Key Compromise", "cACompromise": "CA Compromise",
                  "affiliationChanged": "Affiliation Changed", "superseded": "Superseded",
                  "cessationOfOperation": "Cessation Of Operation",
                  "certificateHold": "Certificate Hold", "privilegeWithdrawn": "Privilege Withdrawn",
                  "aACompromise": "AA Compromise"}


def _serial(index: int) -> int:
    return 0x7A000000000000000000000000000000000000 + index * 0x1111


@pytest.fixture(scope="module")
def ca() -> Certificate:
    return (CertificateBuilder().with_subject(CA_NAME).with_issuer(CA_NAME).with_serial_number(1)
            .with_validity(datetime(2025, 1, 1, tzinfo=UTC), datetime(2035, 1, 1, tzinfo=UTC))
            .with_public_key(CA_KEY.public_key())
            .with_extension(BasicConstraints(ca=True), critical=True)
            .with_extension(KeyUsage(key_cert_sign=True, crl_sign=True), critical=True)
            .with_subject_key_identifier().sign(CA_KEY))


def _builder(number: int = 42) -> CRLBuilder:
    return (CRLBuilder().with_issuer(CA_NAME).with_update_times(THIS_UPDATE, NEXT_UPDATE)
            .with_crl_number(number))


def _full_builder() -> CRLBuilder:
    builder = _builder()
    for index, reason in enumerate(REASONS):
        invalidity = COMPROMISED_AT if reason in ("keyCompromise", "cACompromise", None) else None
        builder = builder.with_revoked(_serial(index), REVOKED_AT + timedelta(minutes=index),
                                       reason=reason, invalidity_date=invalidity)
    return builder


SIGNINGS = [("sha256", "pkcs1v15"), ("sha512", "pkcs1v15"), ("sha384", "pss")]


@pytest.fixture(scope="module")
def crls() -> dict:
    made = {f"{h}-{p}": _full_builder().sign(CA_KEY, h, p) for h, p in SIGNINGS}
    made["empty"] = _builder(0).sign(CA_KEY)
    return made


def _expected_entries() -> list[tuple]:
    """(serial, revocation date, reason name or None, invalidity date or None) as built."""
    return [(_serial(i), REVOKED_AT + timedelta(minutes=i),
             None if reason in (None, "unspecified") else reason,
             COMPROMISED_AT if reason in ("keyCompromise", "cACompromise", None) else None)
            for i, reason in enumerate(REASONS)]


def _write(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="ascii")
    return str(path)


def _openssl(openssl: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([openssl, *args], capture_output=True, text=True, check=False)


# -- build -> read -> the same values -----------------------------------------------------------

@pytest.mark.parametrize("label", [f"{h}-{p}" for h, p in SIGNINGS])
def test_a_built_crl_reads_back_as_built(crls, ca, label):
    crl = crls[label]
    assert crl.version == 2 and crl.issuer.raw == CA_NAME.raw
    assert (crl.this_update, crl.next_update, crl.crl_number) == (THIS_UPDATE, NEXT_UPDATE, 42)
    assert crl.authority_key_identifier.key_identifier == ca.subject_key_identifier.key_identifier
    assert [(str(e.oid), e.critical) for e in crl.extensions] == [("2.5.29.35", False),
                                                                  ("2.5.29.20", False)]
    assert [(r.serial_number, r.revocation_date, r.reason, r.invalidity_date)
            for r in crl.revoked_certificates] == _expected_entries()
    assert all(not e.critical for r in crl.revoked_certificates for e in r.extensions)
    assert crl.revoked(_serial(1)).reason == "keyCompromise" and crl.revoked(7) is None
    assert load_der_crl(crl.raw).raw == crl.to_der() == crl.raw
    assert load_pem_crl(crl.to_pem()).raw == crl.raw
    assert crl.to_pem().startswith("-----BEGIN X509 CRL-----\n")
    crl.verify_signature(ca.public_key)


def test_an_empty_crl_has_no_revoked_certificates_field(crls):
    """RFC 5280 §5.1.2.6: with no revoked certificates the list MUST be absent."""
    crl = crls["empty"]
    assert crl.revoked_certificates == () and crl.crl_number == 0
    tbs = element(crl.raw, (0,))
    children_tags = [tbs[a] for a, _ in _children(tbs)]
    assert children_tags == [0x02, 0x30, 0x30, 0x17, 0x17, 0xA0]        # no SEQUENCE OF entries


def _children(element_bytes: bytes) -> list[tuple[int, int]]:
    return der_children(element_bytes, *der_header(element_bytes, 0))


def test_times_from_2050_are_generalized_time():
    """RFC 5280 §5.1.2.4-§5.1.2.6 and §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050;
    the invalidityDate is always GeneralizedTime (§5.3.2)."""
    crl = (CRLBuilder().with_issuer(CA_NAME)
           .with_update_times(datetime(2049, 12, 31, 23, 59, 59, tzinfo=UTC),
                              datetime(2050, 1, 1, tzinfo=UTC))
           .with_crl_number(1)
           .with_revoked(5, datetime(2049, 6, 1, tzinfo=UTC), invalidity_date=datetime(2049, 1, 1, tzinfo=UTC))
           .with_revoked(6, datetime(2050, 6, 1, tzinfo=UTC)).sign(CA_KEY))
    tbs = element(crl.raw, (0,))
    assert [tbs[a] for a, _ in _children(tbs)][3:5] == [0x17, 0x18]
    entries = element(crl.raw, (0, 5))
    assert [element(crl.raw, (0, 5, i, 1))[0] for i in range(2)] == [0x17, 0x18]
    assert b"\x18\x0f20490101000000Z" in entries
    theirs = pyca.load_der_x509_crl(crl.raw)
    assert theirs.next_update_utc == crl.next_update == datetime(2050, 1, 1, tzinfo=UTC)
    assert [r.revocation_date_utc for r in theirs] == [r.revocation_date for r in crl.revoked_certificates]


def test_times_are_converted_to_utc_and_cut_to_whole_seconds():
    plus_eight = timezone(timedelta(hours=8))
    crl = (CRLBuilder().with_issuer(CA_NAME)
           .with_update_times(datetime(2026, 3, 1, 20, 0, 0, 999999, tzinfo=plus_eight),
                              datetime(2026, 3, 2, 20, 0, 0, tzinfo=plus_eight))
           .with_crl_number(3)
           .with_revoked(9, datetime(2026, 3, 1, 8, 0, 0, 5, tzinfo=plus_eight),
                         invalidity_date=datetime(2026, 2, 1, 8, 0, 0, 123456, tzinfo=plus_eight))
           .sign(CA_KEY))
    assert crl.this_update == datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
    (entry,) = crl.revoked_certificates
    assert entry.revocation_date == datetime(2026, 3, 1, 0, 0, 0, tzinfo=UTC)
    assert entry.invalidity_date == datetime(2026, 2, 1, 0, 0, 0, tzinfo=UTC)


# -- pyca/cryptography reads ours with the same values ------------------------------------------

@pytest.mark.parametrize("label", [f"{h}-{p}" for h, p in SIGNINGS] + ["empty"])
def test_pyca_reads_the_same_values(crls, ca, label):
    crl = crls[label]
    theirs = pyca.load_der_x509_crl(crl.raw)
    assert theirs.public_bytes(Encoding.DER) == crl.raw
    assert theirs.issuer.public_bytes() == crl.issuer.raw
    assert theirs.issuer.rfc4514_string() == crl.issuer.rfc4514()
    assert (theirs.last_update_utc, theirs.next_update_utc) == (crl.this_update, crl.next_update)
    assert theirs.tbs_certlist_bytes == crl.raw_tbs and theirs.signature == crl.signature
    assert theirs.signature_algorithm_oid.dotted_string == str(crl.signature_algorithm)
    extensions = theirs.extensions
    assert extensions.get_extension_for_class(pyca.CRLNumber).value.crl_number == crl.crl_number
    aki = extensions.get_extension_for_class(pyca.AuthorityKeyIdentifier).value
    assert aki.key_identifier == crl.authority_key_identifier.key_identifier
    assert [(e.oid.dotted_string, e.critical, e.value.public_bytes()) for e in extensions] == \
        [(str(e.oid), e.critical, e.raw_value) for e in crl.extensions]
    entries = []
    for revoked in theirs:
        reason = invalidity = None
        for ext in revoked.extensions:
            if isinstance(ext.value, pyca.CRLReason):
                reason = next(n for n, flag in PYCA_REASON.items() if flag == ext.value.reason)
            elif isinstance(ext.value, pyca.InvalidityDate):
                invalidity = ext.value.invalidity_date_utc
        entries.append((revoked.serial_number, revoked.revocation_date_utc, reason, invalidity))
    assert entries == [(r.serial_number, r.revocation_date, r.reason, r.invalidity_date)
                       for r in crl.revoked_certificates]
    assert theirs.is_signature_valid(pyca.load_der_x509_certificate(ca.raw).public_key())


def test_pyca_verifies_the_pss_signature(crls, ca):
    crl = pyca.load_der_x509_crl(crls["sha384-pss"].raw)
    assert isinstance(crl.signature_algorithm_parameters, pyca_padding.PSS)
    assert crl.signature_hash_algorithm.name == "sha384"


# -- OpenSSL: crl -verify and crl -text ---------------------------------------------------------

@pytest.mark.parametrize("label", [f"{h}-{p}" for h, p in SIGNINGS] + ["empty"])
def test_openssl_verifies_and_shows_our_crl(openssl, tmp_path, crls, ca, label):
    crl = crls[label]
    ca_path = _write(tmp_path, "ca.pem", ca.to_pem())
    crl_path = _write(tmp_path, "crl.pem", crl.to_pem())
    done = _openssl(openssl, "crl", "-in", crl_path, "-noout", "-verify", "-CAfile", ca_path)
    assert done.returncode == 0 and done.stderr.strip() == "verify OK", done
    done = _openssl(openssl, "crl", "-in", crl_path, "-noout", "-text", "-nameopt", "utf8")
    assert done.returncode == 0, done.stderr
    shown = done.stdout
    assert "Version 2 (0x1)" in shown
    assert "Last Update: Mar  1 12:00:00 2026 GMT" in shown
    assert "Next Update: Mar  8 12:00:00 2026 GMT" in shown
    assert f"X509v3 CRL Number: \n                {crl.crl_number}\n" in shown
    assert "Issuer: C=CN, O=西部省东海市人民医院, CN=Revocation Test CA\n" in shown
    if label == "empty":
        assert "No Revoked Certificates." in shown
        return
    blocks = shown.split("Serial Number: ")[1:]
    assert len(blocks) == len(crl.revoked_certificates)
    for block, entry in zip(blocks, crl.revoked_certificates):
        assert int(block.split("\n", 1)[0], 16) == entry.serial_number
        assert f"Revocation Date: {entry.revocation_date:%b} {entry.revocation_date.day:2d}" in block
        if entry.reason is not None:
            assert f"X509v3 CRL Reason Code: \n                {OPENSSL_REASON[entry.reason]}" in block
        else:
            assert "CRL Reason Code" not in block
        assert ("Invalidity Date: \n                Feb 20 00:00:00 2026 GMT" in block) == (
            entry.invalidity_date is not None)


def test_openssl_and_pyca_refuse_a_crl_signed_by_another_key(openssl, tmp_path, ca):
    crl = _builder().with_revoked(5, REVOKED_AT).sign(OTHER_KEY)
    with pytest.raises(InvalidSignature):
        crl.verify_signature(ca.public_key)
    ca_path = _write(tmp_path, "ca.pem", ca.to_pem())
    crl_path = _write(tmp_path, "crl.pem", crl.to_pem())
    done = _openssl(openssl, "crl", "-in", crl_path, "-noout", "-verify", "-CAfile", ca_path)
    assert "verify failure" in done.stderr, done
    theirs = pyca.load_der_x509_crl(crl.raw)
    assert not theirs.is_signature_valid(pyca.load_der_x509_certificate(ca.raw).public_key())


@pytest.mark.parametrize("where", ["crl-number", "entry-serial", "entry-reason", "signature"])
def test_a_tampered_crl_is_refused_by_all_three(openssl, tmp_path, crls, ca, where):
    """One changed octet, the DER still valid: our verify, ``openssl crl -verify`` and pyca all
    refuse the signature."""
    crl = crls["sha256-pkcs1v15"]
    der = crl.raw
    if where == "signature":
        tampered = der[:-1] + bytes([der[-1] ^ 0x01])
    else:
        # the last octet of: crlExtensions[1] (cRLNumber) extnValue; entry 0's serial;
        # entry 1's reasonCode extnValue (cACompromise 2 -> affiliationChanged 3)
        path = {"crl-number": (0, 6, 0, 1, 1), "entry-serial": (0, 5, 0, 0),
                "entry-reason": (0, 5, 1, 2, 0, 1)}[where]
        _, end = span(der, path)
        tampered = der[:end - 1] + bytes([der[end - 1] ^ 0x01]) + der[end:]
    parsed = load_der_crl(tampered)                     # still DER: the reader accepts it
    assert parsed.raw != der
    with pytest.raises(InvalidSignature):
        parsed.verify_signature(ca.public_key)
    ca_path = _write(tmp_path, "ca.pem", ca.to_pem())
    crl_path = _write(tmp_path, "crl.pem", parsed.to_pem())
    done = _openssl(openssl, "crl", "-in", crl_path, "-noout", "-verify", "-CAfile", ca_path)
    assert "verify failure" in done.stderr, done
    theirs = pyca.load_der_x509_crl(tampered)
    assert not theirs.is_signature_valid(pyca.load_der_x509_certificate(ca.raw).public_key())


# -- CRLs others make, read by x509core -------------------------------------------------------

def test_a_crl_made_by_pyca_reads_with_the_same_values(ca):
    their_ca = pyca.load_der_x509_certificate(ca.raw)
    builder = (pyca.CertificateRevocationListBuilder().issuer_name(their_ca.subject)
               .last_update(THIS_UPDATE).next_update(NEXT_UPDATE)
               .add_extension(pyca.CRLNumber(2 ** 100), critical=False)
               .add_extension(pyca.AuthorityKeyIdentifier.from_issuer_public_key(their_ca.public_key()),
                              critical=False))
    for index, (name, flag) in enumerate(PYCA_REASON.items()):
        entry = (pyca.RevokedCertificateBuilder().serial_number(_serial(index))
                 .revocation_date(REVOKED_AT).add_extension(pyca.CRLReason(flag), critical=False)
                 .add_extension(pyca.InvalidityDate(COMPROMISED_AT.replace(tzinfo=None)), critical=False))
        builder = builder.add_revoked_certificate(entry.build())
    theirs = builder.sign(to_cryptography(CA_KEY), hashes.SHA256())
    crl = load_der_crl(theirs.public_bytes(Encoding.DER))
    crl.verify_signature(ca.public_key)
    assert crl.raw == theirs.public_bytes(Encoding.DER)
    assert (crl.crl_number, crl.this_update, crl.next_update) == (2 ** 100, THIS_UPDATE, NEXT_UPDATE)
    assert crl.issuer.raw == their_ca.subject.public_bytes()
    assert [(r.serial_number, r.reason, r.invalidity_date) for r in crl.revoked_certificates] == \
        [(r.serial_number, next(n for n, f in PYCA_REASON.items()
                                if f == r.extensions.get_extension_for_class(pyca.CRLReason).value.reason),
          COMPROMISED_AT) for r in theirs]


OPENSSL_CA_CONFIG = """\
[ ca ]
default_ca = test_ca
[ test_ca ]
database = index.txt
crlnumber = crlnumber
default_md = sha256
default_crl_days = 7
crl_extensions = crl_ext
[ crl_ext ]
authorityKeyIdentifier = keyid:always
"""


def test_a_crl_made_by_openssl_ca_reads_and_verifies(openssl, tmp_path, ca):
    """``openssl ca -gencrl`` with two revoked entries (keyCompromise with an invalidity date —
    OpenSSL's ``keyTime`` form — and superseded)."""
    (tmp_path / "ca.cnf").write_text(OPENSSL_CA_CONFIG, encoding="ascii")
    (tmp_path / "crlnumber").write_text("1F\n", encoding="ascii")
    index = ("R\t300101000000Z\t260227093015Z,keyTime,20260220000000Z\t0A\tunknown\t/CN=a\n"
             "R\t300101000000Z\t260227093016Z,superseded\t0B\tunknown\t/CN=b\n"
             "V\t300101000000Z\t\t0C\tunknown\t/CN=c\n")
    (tmp_path / "index.txt").write_text(index, encoding="ascii")
    _write(tmp_path, "ca.pem", ca.to_pem())
    (tmp_path / "ca.key").write_text(CA_KEY.to_pem(), encoding="ascii")
    done = subprocess.run([openssl, "ca", "-gencrl", "-config", "ca.cnf", "-cert", "ca.pem",
                           "-keyfile", "ca.key", "-out", "crl.pem"], cwd=tmp_path,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    crl = load_pem_crl((tmp_path / "crl.pem").read_text(encoding="ascii"))
    crl.verify_signature(ca.public_key)
    assert crl.crl_number == 0x1F and crl.issuer.raw == ca.raw_subject
    assert crl.authority_key_identifier.key_identifier == ca.subject_key_identifier.key_identifier
    assert [(r.serial_number, r.revocation_date, r.reason, r.invalidity_date)
            for r in crl.revoked_certificates] == [
        (0x0A, REVOKED_AT, "keyCompromise", COMPROMISED_AT),
        (0x0B, REVOKED_AT + timedelta(seconds=1), "superseded", None)]
    theirs = pyca.load_der_x509_crl(crl.raw)
    assert (theirs.last_update_utc, theirs.next_update_utc) == (crl.this_update, crl.next_update)


# -- the builder's rules ----------------------------------------------------------------------

@pytest.mark.parametrize("missing", ["issuer", "this_update", "crl_number"])
def test_sign_names_what_is_missing(missing):
    builder = CRLBuilder()
    if missing != "issuer":
        builder = builder.with_issuer(CA_NAME)
    if missing != "this_update":
        builder = builder.with_update_times(THIS_UPDATE, NEXT_UPDATE)
    if missing != "crl_number":
        builder = builder.with_crl_number(1)
    with pytest.raises(InvalidValue, match=f"incomplete: set {missing}$"):
        builder.sign(CA_KEY)


@pytest.mark.parametrize("call", [
    lambda b: b.with_issuer(CA_NAME), lambda b: b.with_crl_number(43),
    lambda b: b.with_update_times(THIS_UPDATE, NEXT_UPDATE)], ids=["issuer", "number", "times"])
def test_each_field_is_set_at_most_once(call):
    with pytest.raises(InvalidValue, match="already set"):
        call(_builder())


def test_with_calls_leave_the_old_builder_unchanged():
    base = CRLBuilder()
    assert base.with_issuer(CA_NAME) is not base and base.issuer is None
    one = _builder().with_revoked(5, REVOKED_AT)
    two = one.with_revoked(6, REVOKED_AT)
    assert [r.serial_number for r in one.revoked] == [5]
    assert [r.serial_number for r in two.revoked] == [5, 6]


@pytest.mark.parametrize("call, error", [
    (lambda: CRLBuilder().with_issuer(Name.build([])), InvalidValue),         # RFC 5280 §5.1.2.3
    (lambda: CRLBuilder().with_update_times(NEXT_UPDATE, THIS_UPDATE), InvalidValue),
    (lambda: CRLBuilder().with_update_times(THIS_UPDATE, THIS_UPDATE), InvalidValue),
    (lambda: CRLBuilder().with_update_times(datetime(2026, 1, 1), NEXT_UPDATE), InvalidValue),
    (lambda: CRLBuilder().with_crl_number(-1), InvalidValue),
    (lambda: CRLBuilder().with_crl_number(2 ** 159), InvalidValue),           # 21 octets
    (lambda: _builder().with_revoked(5, REVOKED_AT).with_revoked(5, REVOKED_AT), InvalidValue),
    (lambda: _builder().with_revoked(0, REVOKED_AT), InvalidValue),
    (lambda: _builder().with_revoked(5, REVOKED_AT, reason="stolen"), InvalidValue),
    (lambda: _builder().with_revoked(5, REVOKED_AT, reason="removeFromCRL"), InvalidValue),
    (lambda: _builder().with_revoked(5, datetime(2026, 1, 1)), InvalidValue),
    (lambda: CRLBuilder().with_issuer("CN=x"), TypeError),
    (lambda: CRLBuilder().with_crl_number("1"), TypeError),
    (lambda: CRLBuilder().with_crl_number(True), TypeError),
    (lambda: _builder().with_revoked("5", REVOKED_AT), TypeError),
    (lambda: _builder().with_revoked(5, REVOKED_AT, reason=1), TypeError),
    (lambda: _builder().sign(CA_KEY.public_key()), TypeError),
    (lambda: _builder().sign(CA_KEY, "sha1"), InvalidValue),
], ids=["empty-issuer", "next-before-this", "next-equals-this", "naive-time", "negative-number",
        "number-21-octets", "duplicate-serial", "serial-zero", "unknown-reason", "remove-from-crl",
        "naive-revocation-date", "issuer-str", "number-str", "number-bool", "serial-str",
        "reason-int", "public-key", "sha1"])
def test_the_builder_refuses(call, error):
    with pytest.raises(error):
        call()


def test_unspecified_is_written_as_no_reason_code():
    crl = _builder().with_revoked(5, REVOKED_AT, reason="unspecified").sign(CA_KEY)
    assert crl.revoked_certificates[0].extensions == ()
    assert crl.revoked_certificates[0].reason is None


# -- the reader's rules -------------------------------------------------------------------------

def _plain() -> bytes:
    return _builder().with_revoked(5, REVOKED_AT, reason="superseded").sign(CA_KEY).raw


def test_an_empty_revoked_certificates_sequence_is_reported():
    der = _plain()
    bad, start = replace(der, (0, 5), b"\x30\x00")
    crl = assert_reported(bad, start, "RFC 5280 §5.1.2.6", loader=load_der_crl)
    assert crl.revoked_certificates == ()


def test_v1_written_out_is_reported_and_a_later_version_refused():
    der = _plain()
    bad, start = replace(der, (0, 0), b"\x02\x01\x00")          # v1 written out: not DER-allowed
    assert assert_reported(bad, start, "RFC 5280 §5.1.2.1", loader=load_der_crl).version == 1
    later, start = replace(der, (0, 0), b"\x02\x01\x02")        # "v3": unknown, unreadable
    with pytest.raises(DecodeError, match=r"RFC 5280 §5\.1\.2\.1") as caught:
        load_der_crl(later)
    assert caught.value.offset == start


def test_extensions_in_a_v1_crl_are_reported():
    der = edit_children(_plain(), (0,), lambda kids: kids[1:])     # drop the version: v1
    with pytest.raises(DecodeError, match=r"RFC 5280 §5\.1\.2\.1"):
        load_der_crl(der, strict=True)
    crl = load_der_crl(der)
    assert crl.version == 1 and crl.extensions
    assert {f.clause for f in crl.findings} == {"RFC 5280 §5.1.2.1"}


def test_outer_and_inner_signature_algorithms_must_match():
    der = _plain()
    sha384 = bytes.fromhex("300d06092a864886f70d01010c0500")
    bad, start = replace(der, (1,), sha384)
    with pytest.raises(DecodeError, match=r"RFC 5280 §5\.1\.1\.2") as caught:
        load_der_crl(bad)
    assert caught.value.offset == start


def test_an_undefined_reason_code_is_reported():
    der = _plain()
    path = (0, 5, 0, 2, 0, 1)                                    # the reasonCode's extnValue
    assert element(der, path) == tlv(0x04, bytes.fromhex("0a0104"))
    bad, start = replace(der, path, tlv(0x04, bytes.fromhex("0a0107")))   # 7 is not used
    crl = assert_reported(bad, start + 2, "CRLReason 7 is not defined", "RFC 5280 §5.3.1",
                          loader=load_der_crl)
    assert crl.revoked_certificates[0].extensions[0].value.reason_name == "undefined(7)"


@pytest.mark.parametrize("trailer", ["00", "3000"])
def test_trailing_data_is_refused(trailer):
    der = _plain()
    with pytest.raises(DecodeError) as caught:
        load_der_crl(der + bytes.fromhex(trailer))
    assert caught.value.offset == len(der)


def test_a_pem_block_of_another_kind_is_refused(ca):
    with pytest.raises(DecodeError):
        load_pem_crl(ca.to_pem())
