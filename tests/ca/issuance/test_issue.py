"""CertificateAuthority: create/open, the client and server profiles, CSRs, revocation, CRLs,
renewal, and clear errors that leave the CA unchanged."""

from __future__ import annotations

import os
import stat
from datetime import datetime, timedelta, timezone

import pytest

from tests.conftest import INTEROP, require_shared
from tests.ca.conftest import CA_SUBJECT, CLIENT_ID, MAC, MACHINE_ID, ORG, PASSPHRASE
from x509core.ca.files import AlreadyExists
from x509core.ca.issuance.certificate_authority import CertificateAuthority
from x509core.ca.issuance.issuing import Issued
from x509core.ca.issuance.revocation import REVOCATION_REASONS
from x509core.ca.issuance.inputs import parse_not_after
from x509core.cert import CSRBuilder, Name, load_pem_certificate, load_pem_crl
from x509core.cert import oids
from x509core.cert.extensions import MachineIdentity, MacAddress, SubjectAlternativeName
from x509core.cert.names.general_name import DNSName, IPAddress
from x509core.errors import InvalidSignature, InvalidValue, X509CoreError
from x509core.rsa.pbes2 import DecryptionFailed


def _snapshot(directory):
    """Every file under the CA directory with its bytes (the inventory's rows via its PEMs)."""
    files = {}
    for root, _, names in os.walk(directory):
        for name in names:
            if not name.startswith("inventory.sqlite3"):
                path = os.path.join(root, name)
                files[os.path.relpath(path, directory)] = open(path, "rb").read()
    return files


def _state(ca):
    return _snapshot(ca.directory), [(r.serial, r.status) for r in ca.inventory.records()]


# -- create and open ------------------------------------------------------------------------------

def test_create_writes_a_root_ca_with_the_profile(make_ca, ca_key):
    ca = make_ca(path_length=1, days=3650)
    cert = ca.certificate
    assert cert.subject == Name.from_openssl(CA_SUBJECT) and cert.is_self_issued
    assert cert.basic_constraints.ca and cert.basic_constraints.path_len_constraint == 1
    assert cert.extension(oids.OID_BASIC_CONSTRAINTS).critical
    ku = cert.key_usage
    assert ku.key_cert_sign and ku.crl_sign and not ku.digital_signature
    assert cert.extension(oids.OID_KEY_USAGE).critical
    assert cert.subject_key_identifier is not None
    assert cert.not_valid_after - cert.not_valid_before == timedelta(days=3650)
    assert cert.public_key.n == ca_key.n
    assert 64 <= cert.serial_number.bit_length() <= 159
    cert.verify_signature(ca_key.public_key())


def test_create_sets_private_modes(make_ca):
    ca = make_ca()
    assert stat.S_IMODE(os.stat(ca.directory).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(ca.directory / "ca.key").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(ca.directory / "ca.pem").st_mode) == 0o644
    assert (ca.directory / "ca.key").read_text().startswith("-----BEGIN PRIVATE KEY-----")


@pytest.mark.parametrize("subject", ["CN=Root,O=Clinic,C=DE", Name.build([("CN", "Root")])])
def test_create_accepts_rfc4514_and_name(make_ca, subject):
    ca = make_ca(subject=subject)
    assert ca.certificate.subject.common_name == "Root"


def test_create_refuses_an_existing_ca(make_ca):
    ca = make_ca()
    before = _state(ca)
    with pytest.raises(AlreadyExists):
        make_ca(directory=ca.directory)
    assert _state(ca) == before


def test_encrypted_ca_opens_with_its_passphrase(encrypted_ca_dir, ca_key, leaf_key):
    key_pem = (encrypted_ca_dir / "ca.key").read_text()
    assert key_pem.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    with CertificateAuthority.open(encrypted_ca_dir, passphrase=PASSPHRASE) as ca:
        assert ca.key.n == ca_key.n
        issued = ca.issue_server(dns=["pacs.example"], public_key=leaf_key.public_key())
        assert issued.record.path.is_file()


def test_encrypted_ca_without_passphrase_reads_but_does_not_sign(encrypted_ca_dir, leaf_key):
    with CertificateAuthority.open(encrypted_ca_dir) as ca:
        assert isinstance(ca.inventory.records(), list)
        before = _state(ca)
        with pytest.raises(InvalidValue, match="encrypted"):
            ca.issue_server(dns=["a.example"], public_key=leaf_key.public_key())
        with pytest.raises(InvalidValue, match="encrypted"):
            ca.crl()
        assert _state(ca) == before


def test_wrong_passphrase_is_a_clear_error(encrypted_ca_dir):
    before = _snapshot(encrypted_ca_dir)
    with pytest.raises(DecryptionFailed, match="wrong passphrase"):
        CertificateAuthority.open(encrypted_ca_dir, passphrase=b"wrong")
    assert _snapshot(encrypted_ca_dir) == before


@pytest.mark.parametrize("name, damage, message", [
    ("ca.pem", lambda b: b[:200], "corrupt CA certificate"),
    ("ca.pem", lambda b: b"", "corrupt CA certificate"),
    ("ca.key", lambda b: b[:300] + b[310:], "corrupt CA key|CA key"),
    ("ca.key", lambda b: b"garbage", "corrupt CA key"),
])
def test_corrupt_ca_files_are_clear_errors(make_ca, name, damage, message):
    ca = make_ca()
    path = ca.directory / name
    path.write_bytes(damage(path.read_bytes()))
    before = _snapshot(ca.directory)
    with pytest.raises(X509CoreError, match=message):
        CertificateAuthority.open(ca.directory)
    assert _snapshot(ca.directory) == before


def test_key_not_matching_the_certificate(make_ca, leaf_key):
    ca = make_ca()
    (ca.directory / "ca.key").write_text(leaf_key.to_pem())
    with pytest.raises(InvalidValue, match="does not match"):
        CertificateAuthority.open(ca.directory)


def test_a_ca_key_readable_by_others_is_refused(make_ca):
    ca = make_ca()
    os.chmod(ca.directory / "ca.key", 0o644)
    with pytest.raises(InvalidValue, match="chmod 600"):
        CertificateAuthority.open(ca.directory)
    os.chmod(ca.directory / "ca.key", 0o600)
    CertificateAuthority.open(ca.directory).close()


def test_interrupted_create_is_reported(make_ca):
    ca = make_ca()
    (ca.directory / "ca.pem").unlink()
    with pytest.raises(InvalidValue, match="interrupted create"):
        CertificateAuthority.open(ca.directory)
    with pytest.raises(AlreadyExists):
        make_ca(directory=ca.directory)


def test_open_a_directory_that_is_not_a_ca(tmp_path):
    with pytest.raises(InvalidValue, match="not a CA directory"):
        CertificateAuthority.open(tmp_path)
    with pytest.raises(InvalidValue, match="no such directory"):
        CertificateAuthority.open(tmp_path / "nothing")


# -- client certificates ---------------------------------------------------------------------------

def test_issue_client_profile(shared_ca, leaf_key):
    issued = shared_ca.issue_client(org=ORG, client_id=CLIENT_ID, machine_id=MACHINE_ID, mac=MAC,
                                    public_key=leaf_key.public_key(), days=30)
    cert = issued.certificate
    assert isinstance(issued, Issued) and issued.private_key is None
    assert cert.subject.organization == ORG and cert.subject.common_name == CLIENT_ID
    assert cert.issuer == shared_ca.certificate.subject
    assert cert.extended_key_usage.key_purposes == (oids.OID_CLIENT_AUTH,)
    assert cert.key_usage.digital_signature and not cert.key_usage.key_encipherment
    assert cert.subject_alternative_name is None
    assert cert.machine_identity == MACHINE_ID and cert.mac_address == MAC
    assert not cert.extension(oids.OID_MACHINE_IDENTITY).critical
    assert cert.authority_key_identifier.key_identifier == \
        shared_ca.certificate.subject_key_identifier.key_identifier
    cert.verify_signature(shared_ca.certificate.public_key)
    record = issued.record
    assert record == shared_ca.inventory.get(cert.serial_number)
    assert (record.profile, record.status, record.machine_identity, record.mac_address) == \
        ("client", "valid", MACHINE_ID, MAC)
    assert record.not_after - record.not_before == timedelta(days=30)
    assert record.path.read_text() == record.pem == cert.to_pem()


def test_client_binding_bytes_are_the_seed_systems_raw_form(shared_ca, leaf_key):
    """The extnValue contents are the ASCII octets themselves, as in client-HZ109999.pem."""
    cert = shared_ca.issue_client(org=ORG, client_id=CLIENT_ID, machine_id=MACHINE_ID, mac=MAC,
                                  public_key=leaf_key.public_key()).certificate
    assert cert.extension(oids.OID_MACHINE_IDENTITY).value == MachineIdentity(MACHINE_ID, "raw")
    der = cert.to_der()
    assert b"\x04\x20" + MACHINE_ID.encode() in der          # OCTET STRING of the 32 ASCII octets
    assert b"\x04\x11" + MAC.encode() in der


def test_client_binding_extensions_equal_the_seed_systems(shared_ca, leaf_key):
    """Byte for byte (extnID, critical, extnValue) as in ../shared/interop/seed-system/
    client-HZ109999.pem, for the same machine id and MAC address."""
    seed = load_pem_certificate(require_shared(INTEROP / "client-HZ109999.pem").read_bytes())
    ours = shared_ca.issue_client(org=ORG, client_id=CLIENT_ID, machine_id=seed.machine_identity,
                                  mac=seed.mac_address, public_key=leaf_key.public_key()).certificate
    for oid in (oids.OID_MACHINE_IDENTITY, oids.OID_MAC_ADDRESS):
        theirs, mine = seed.extension(oid), ours.extension(oid)
        assert (mine.oid, mine.critical, mine.raw_value) == (theirs.oid, theirs.critical,
                                                              theirs.raw_value)
    assert seed.extension(oids.OID_MACHINE_IDENTITY).raw_value == MACHINE_ID.encode("ascii")


def test_client_without_machine_binding(shared_ca, leaf_key):
    cert = shared_ca.issue_client(org=ORG, client_id=CLIENT_ID, machine_id=None,
                                  public_key=leaf_key.public_key()).certificate
    assert cert.machine_identity is None and cert.mac_address is None


def test_client_until_a_date(shared_ca, leaf_key):
    now = datetime.now(timezone.utc)
    end = parse_not_after(f"{now.year + 1}0101")
    issued = shared_ca.issue_client(org=ORG, client_id=CLIENT_ID, machine_id=MACHINE_ID,
                                    public_key=leaf_key.public_key(), not_after=end, now=now)
    assert issued.certificate.not_valid_after == end
    assert end.hour == 23 and end.minute == 59 and end.second == 59


@pytest.mark.parametrize("kwargs, message", [
    ({"client_id": "SHORT"}, "client id"),
    ({"client_id": "HZ10999900000001X"}, "client id"),
    ({"client_id": "HZ1099990000000-"}, "client id"),
    ({"machine_id": "abc"}, "machine id"),
    ({"machine_id": "c417aa48-02b3-441d-931c-135cbdaab367"}, "machine id"),
    ({"machine_id": "a" * 129}, "machine id"),
    ({"mac": "18-c0-4d-fa-c0-a8"}, "MAC"),
    ({"org": ""}, "organization"),
    ({"days": 0}, "days"),
    ({"days": 10, "not_after": datetime(2099, 1, 1, tzinfo=timezone.utc)}, "not both"),
    ({"not_after": datetime(2000, 1, 1, tzinfo=timezone.utc)}, "not in the future"),
    ({"days": 365 * 50}, "after the CA certificate expires"),
])
def test_client_input_errors_leave_the_ca_unchanged(shared_ca, leaf_key, kwargs, message):
    arguments = dict(org=ORG, client_id=CLIENT_ID, machine_id=MACHINE_ID,
                     public_key=leaf_key.public_key())
    arguments.update(kwargs)
    before = _state(shared_ca)
    with pytest.raises(InvalidValue, match=message):
        shared_ca.issue_client(**arguments)
    assert _state(shared_ca) == before


@pytest.mark.parametrize("text", ["20250230", "20251301", "2025010", "2025-01-01", "20250000"])
def test_impossible_dates(text):
    with pytest.raises(InvalidValue):
        parse_not_after(text)


def test_csr_and_public_key_together_are_refused(shared_ca, leaf_key):
    csr = CSRBuilder().with_subject(Name.build([("CN", CLIENT_ID)])).sign(leaf_key)
    with pytest.raises(InvalidValue, match="not both"):
        shared_ca.issue_client(org=ORG, client_id=CLIENT_ID, machine_id=None, csr=csr,
                               public_key=leaf_key.public_key())


def test_small_keys_are_refused(shared_ca):
    from tests.rsa.keys_fixture import RSA_1025, private_key
    with pytest.raises(InvalidValue, match="at least RSA-2048"):
        shared_ca.issue_server(dns=["a.example"], public_key=private_key(RSA_1025).public_key())


@pytest.mark.parametrize("exponent", [3, (1 << 256) + 1, (1 << 2047) - 1])
def test_the_ca_certifies_no_exponent_outside_the_baseline_requirements(shared_ca, leaf_key, exponent):
    """CA/B BR §6.1.6: 2^16 + 1 <= e <= 2^256 - 1 (issue 16 item 1: the CA certified a key whose
    exponent made every verification slow). The keys need not be real: nothing is signed."""
    from x509core.rsa import RSAPublicKey
    n = leaf_key.n
    key = RSAPublicKey.unchecked(n, exponent)
    before = len(shared_ca.inventory)
    with pytest.raises(InvalidValue, match="public exponent"):
        shared_ca.issue_server(dns=["a.example"], public_key=key)
    assert len(shared_ca.inventory) == before


# -- server certificates ---------------------------------------------------------------------------

def test_issue_server_profile(shared_ca, leaf_key):
    issued = shared_ca.issue_server(dns=["pacs.example", "localhost"], ip=["127.0.0.1", "::1"],
                                    org="Example Clinic", public_key=leaf_key.public_key())
    cert = issued.certificate
    assert cert.subject.common_name == "pacs.example"
    assert cert.subject.organization == "Example Clinic"
    assert cert.extended_key_usage.key_purposes == (oids.OID_SERVER_AUTH,)
    ku = cert.key_usage
    assert ku.digital_signature and ku.key_encipherment and not ku.key_cert_sign
    names = cert.subject_alternative_name.names
    assert [n.value for n in names if isinstance(n, DNSName)] == ["pacs.example", "localhost"]
    assert [str(n.value) for n in names if isinstance(n, IPAddress)] == ["127.0.0.1", "::1"]
    assert issued.record.profile == "server" and issued.record.machine_identity is None


def test_server_also_client(shared_ca, leaf_key):
    cert = shared_ca.issue_server(ip=["10.0.0.5"], also_client=True, common_name="Modality 1",
                                  public_key=leaf_key.public_key()).certificate
    assert cert.extended_key_usage.key_purposes == (oids.OID_SERVER_AUTH, oids.OID_CLIENT_AUTH)
    assert cert.subject.common_name == "Modality 1"


@pytest.mark.parametrize("kwargs, message", [
    ({}, "at least one DNS name or IP address"),
    ({"ip": ["300.1.1.1"]}, "not an IP address"),
    ({"dns": ["a.example"], "common_name": "x" * 65}, "common name"),
])
def test_server_input_errors(shared_ca, leaf_key, kwargs, message):
    before = _state(shared_ca)
    with pytest.raises(InvalidValue, match=message):
        shared_ca.issue_server(public_key=leaf_key.public_key(), **kwargs)
    assert _state(shared_ca) == before


# -- CSRs ------------------------------------------------------------------------------------------

def _client_csr(key, *, machine=MACHINE_ID, mac=MAC):
    builder = CSRBuilder().with_subject(Name.build([("O", ORG), ("CN", CLIENT_ID)]))
    if machine:
        builder = builder.with_extension(MachineIdentity(machine), critical=False)
    if mac:
        builder = builder.with_extension(MacAddress(mac), critical=False)
    return builder.sign(key)


def test_sign_csr_takes_subject_and_binding_from_the_request(shared_ca, leaf_key):
    issued = shared_ca.sign_csr(_client_csr(leaf_key))
    cert = issued.certificate
    assert cert.subject.common_name == CLIENT_ID and cert.subject.organization == ORG
    assert cert.machine_identity == MACHINE_ID and cert.mac_address == MAC
    assert cert.public_key.n == leaf_key.n and issued.private_key is None


def test_sign_csr_arguments_override_the_request(shared_ca, leaf_key):
    cert = shared_ca.sign_csr(_client_csr(leaf_key), machine_id="0123456789abcdef",
                              mac=None).certificate
    assert cert.machine_identity == "0123456789abcdef"
    assert cert.mac_address is None


def test_sign_csr_server_takes_san(shared_ca, leaf_key):
    csr = (CSRBuilder().with_subject(Name.build([("CN", "pacs.example")]))
           .with_extension(SubjectAlternativeName((DNSName("pacs.example"),)), critical=False))
    cert = shared_ca.sign_csr(csr.sign(leaf_key), profile="server").certificate
    assert [n.value for n in cert.subject_alternative_name.names] == ["pacs.example"]
    assert cert.extended_key_usage.key_purposes == (oids.OID_SERVER_AUTH,)


def test_csr_with_a_bad_signature_is_refused(shared_ca, leaf_key):
    from x509core.cert import load_der_csr
    der = bytearray(_client_csr(leaf_key).to_der())
    der[-5] ^= 0x01                                       # inside the signature
    forged = load_der_csr(bytes(der))
    before = _state(shared_ca)
    with pytest.raises(InvalidSignature, match="does not verify"):
        shared_ca.sign_csr(forged)
    with pytest.raises(InvalidSignature, match="does not verify"):
        shared_ca.issue_client(org=ORG, client_id=CLIENT_ID, machine_id=None, csr=forged)
    assert _state(shared_ca) == before


def test_malformed_csr_is_a_decode_error():
    from x509core.cert import load_pem_csr
    from x509core.errors import DecodeError
    with pytest.raises(DecodeError):
        load_pem_csr("-----BEGIN CERTIFICATE REQUEST-----\nMIIBADAA\n-----END CERTIFICATE REQUEST-----\n")


def test_sign_csr_needs_a_client_id(shared_ca, leaf_key):
    csr = CSRBuilder().with_subject(Name.build([("O", ORG)])).sign(leaf_key)
    with pytest.raises(InvalidValue, match="client id"):
        shared_ca.sign_csr(csr)


# -- revocation, CRL, renewal ----------------------------------------------------------------------

def test_revoke_and_crl(make_ca, leaf_key):
    ca = make_ca()
    first = ca.issue_server(dns=["a.example"], public_key=leaf_key.public_key())
    second = ca.issue_server(dns=["b.example"], public_key=leaf_key.public_key())
    at = datetime(2030, 5, 1, 12, 0, tzinfo=timezone.utc)
    record = ca.revoke(first.record.serial, "keyCompromise", at=at)
    assert (record.status, record.revocation_reason, record.revocation_date) == \
        ("revoked", "keyCompromise", at)
    assert ca.inventory.get(second.record.serial).status == "valid"
    crl1 = ca.crl()
    crl2 = ca.crl(next_update=timedelta(days=1))
    assert crl2.crl_number == crl1.crl_number + 1
    crl2.verify_signature(ca.certificate.public_key)
    entry = crl2.revoked(first.record.serial)
    assert entry.reason == "keyCompromise" and entry.revocation_date == at
    assert crl2.revoked(second.record.serial) is None
    assert crl2.authority_key_identifier.key_identifier == \
        ca.certificate.subject_key_identifier.key_identifier
    assert load_pem_crl((ca.directory / "crl.pem").read_text()).crl_number == crl2.crl_number


def test_revoke_errors(make_ca, leaf_key):
    ca = make_ca()
    serial = ca.issue_server(dns=["a.example"], public_key=leaf_key.public_key()).record.serial
    with pytest.raises(InvalidValue, match="unknown revocation reason"):
        ca.revoke(serial, "removeFromCRL")
    with pytest.raises(InvalidValue, match="unknown serial"):
        ca.revoke(serial + 2, "superseded")
    ca.revoke(serial, "superseded")
    before = _state(ca)
    with pytest.raises(InvalidValue, match="already revoked"):
        ca.revoke(serial, "keyCompromise")
    assert _state(ca) == before
    assert "removeFromCRL" not in REVOCATION_REASONS and len(REVOCATION_REASONS) == 9


def test_unknown_serial(shared_ca):
    before = _state(shared_ca)
    for call in (lambda: shared_ca.inventory.get(12345), lambda: shared_ca.renew(12345)):
        with pytest.raises(InvalidValue, match="unknown serial 3039"):
            call()
    assert _state(shared_ca) == before


def test_renew_keeps_subject_key_and_binding(make_ca, leaf_key):
    ca = make_ca()
    now = datetime.now(timezone.utc)
    old = ca.issue_client(org=ORG, client_id=CLIENT_ID, machine_id=MACHINE_ID, mac=MAC,
                          public_key=leaf_key.public_key(), days=90, now=now)
    new = ca.renew(old.record.serial, now=now + timedelta(days=60))
    assert new.record.serial != old.record.serial
    assert new.certificate.subject == old.certificate.subject
    assert new.certificate.public_key == old.certificate.public_key
    assert new.certificate.not_valid_after - new.certificate.not_valid_before == timedelta(days=90)
    assert [(e.oid, e.critical, e.raw_value) for e in new.certificate.extensions] == \
        [(e.oid, e.critical, e.raw_value) for e in old.certificate.extensions]
    assert new.record.profile == "client" and len(ca.inventory) == 2
    ca.revoke(new.record.serial, "superseded")
    with pytest.raises(InvalidValue, match="revoked"):
        ca.renew(new.record.serial)


def test_generated_key_is_returned(make_ca):
    """The one deliberate key generation of these tests (RSA-2048, the smallest allowed)."""
    ca = make_ca()
    issued = ca.issue_server(dns=["gen.example"], key_bits=2048)
    assert issued.private_key is not None
    assert issued.private_key.public_key() == issued.certificate.public_key
    assert load_pem_certificate(issued.record.path.read_text()).serial_number == issued.record.serial


def test_issue_with_a_csr_uses_its_key(shared_ca, leaf_key, other_leaf_key):
    csr = _client_csr(other_leaf_key)
    client = shared_ca.issue_client(org="Other Org", client_id="ZZ10999900000009", machine_id=None,
                                    csr=csr).certificate
    assert client.public_key.n == other_leaf_key.n
    assert client.subject.organization == "Other Org" and client.machine_identity is None
    server = shared_ca.issue_server(dns=["csr.example.org"], csr=csr).certificate
    assert server.public_key.n == other_leaf_key.n


def test_sign_csr_argument_errors(shared_ca, leaf_key):
    csr = _client_csr(leaf_key)
    with pytest.raises(InvalidValue, match="profile"):
        shared_ca.sign_csr(csr, profile="codesigning")
    with pytest.raises(TypeError, match="takes the key from the CSR"):
        shared_ca.sign_csr(csr, public_key=leaf_key.public_key())
    with pytest.raises(TypeError):
        shared_ca.sign_csr(csr.to_pem())
