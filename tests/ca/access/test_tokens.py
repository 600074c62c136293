"""Enrollment tokens in the CA layer (x509core/ca/tokens.py), on both inventory engines: what a
token allows, a request held to it, one use spent with the reservation (never by a refused or
malformed request), the last use won once by racing CA processes' connections, and every
step in the audit trail."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest

from tests.ca.conftest import MAC, MACHINE_ID, ORG
from x509core.ca import tokens
from x509core.ca.inventory import TokenRefused
from x509core.ca.inventory.records import Actor
from x509core.ca.issuance.certificate_authority import CertificateAuthority
from x509core.ca.tokens import NotAllowed, TokenConstraints
from x509core.cert import oids
from x509core.cert.csr import CSRBuilder, load_der_csr
from x509core.cert.extensions import MachineIdentity, SubjectAlternativeName
from x509core.cert.names.general_name import DNSName
from x509core.cert.names.name import Name
from x509core.errors import InvalidSignature, InvalidValue

CLIENT = "CT01WORKSTATION1"
DEVICE = Actor("token", "-", "192.0.2.7")


def _csr(key, subject: str, *, machine: str | None = None, dns=()):
    builder = CSRBuilder().with_subject(Name.from_openssl(subject))
    if machine is not None:
        builder = builder.with_extension(MachineIdentity(machine), critical=False)
    if dns:
        builder = builder.with_extension(SubjectAlternativeName(tuple(DNSName(d) for d in dns)),
                                         critical=False)
    return builder.sign(key)


def _token(ca, uses=1, **constraints):
    constraints.setdefault("profile", "client")
    return tokens.create_token(ca.inventory, TokenConstraints(**constraints),
                               ttl=timedelta(hours=1), uses=uses)


def _enroll(ca, presented, csr, action="enroll"):
    token, secret_hash = tokens.authenticate(ca.inventory, presented)
    arguments = tokens.csr_arguments(TokenConstraints.of(token), csr)
    actor = DEVICE._replace(name=token.id)
    return tokens.issue_with_token(ca, token, secret_hash, arguments, actor=actor, action=action,
                                   csr=csr, days=30)


@pytest.mark.parametrize("kwargs, words", [
    ({"profile": "root"}, "client or server"),
    ({"profile": "client", "dns": ("pacs.example.org",)}, "no DNS names"),
    ({"profile": "client", "client_id": "short"}, "client id"),
    ({"profile": "client", "machine_id": "x" * 8}, "machine id"),
    ({"profile": "client", "binding": "subject"}, "binding"),
    ({"profile": "client", "binding": "san", "machine_id": "HZ1099990000AAAA"}, "32 hex"),
    ({"profile": "server", "dns": ("a.example",), "binding": "san"}, "no client id, machine id or binding"),
    ({"profile": "server"}, "must name the DNS names"),
    ({"profile": "server", "dns": ("pacs.example.org",), "client_id": CLIENT}, "no client id"),
    ({"profile": "server", "dns": ("two words",)}, "preferred name syntax"),
    ({"profile": "server", "dns": ("pacs.example.org\x1b[2J",)}, "control character"),
    ({"profile": "server", "ip": ("10.0.0.300",)}, "not an IP address"),
    ({"profile": "server", "dns": ("a.example",), "organization": ""}, "organization"),
])
def test_constraints_are_checked_when_a_token_is_made(kwargs, words):
    with pytest.raises(InvalidValue, match=words):
        TokenConstraints(**kwargs)


def test_a_token_is_shown_once_and_stored_as_a_hash(make_ca):
    ca = make_ca()
    token, presented = _token(ca, uses=2, client_id=CLIENT, machine_id=MACHINE_ID)
    token_id, _, secret = presented.partition(".")
    stored = ca.inventory.token(token_id)
    assert stored.secret_hash != secret and secret not in repr(stored)
    assert TokenConstraints.of(stored).describe() == \
        f"client client-id={CLIENT} machine-id={MACHINE_ID} binding=seed"
    event, = ca.inventory.audit_page(action="token-create")
    assert (event.actor, event.target) == ("cli", token_id) and "2 use(s)" in event.detail
    for ttl, uses in ((timedelta(0), 1), (timedelta(days=366), 1), (timedelta(hours=1), 0)):
        with pytest.raises(InvalidValue):
            tokens.create_token(ca.inventory, TokenConstraints("client"), ttl=ttl, uses=uses)


def test_authenticate_names_the_reason(make_ca):
    ca = make_ca()
    token, presented = _token(ca)
    assert tokens.authenticate(ca.inventory, presented)[0].id == token.id
    later = datetime.now(timezone.utc) + timedelta(hours=2)
    cases = [("nonsense", "malformed"), (f"{token.id}.s\udcff", "malformed"),
             (f"{token.id}.{'a' * 300}", "malformed"), (f"{'0' * 16}.secret", "unknown"),
             (f"{token.id}.secret", "wrong-secret")]
    for text, reason in cases:
        with pytest.raises(TokenRefused) as refused:
            tokens.authenticate(ca.inventory, text)
        assert refused.value.reason == reason
    with pytest.raises(TokenRefused, match="expired"):
        tokens.authenticate(ca.inventory, presented, at=later)
    tokens.revoke_token(ca.inventory, token.id)
    with pytest.raises(TokenRefused, match="revoked"):
        tokens.authenticate(ca.inventory, presented)
    assert tokens.token_state(ca.inventory.token(token.id)) == "revoked"
    with pytest.raises(InvalidValue, match="unknown"):
        tokens.revoke_token(ca.inventory, "f" * 16)


def test_a_client_request_is_held_to_the_token_and_filled_from_it(engine_ca, leaf_key):
    ca = engine_ca()
    _, presented = _token(ca, uses=3, client_id=CLIENT, machine_id=MACHINE_ID, organization=ORG)
    with pytest.raises(NotAllowed, match="client id 'CT01WORKSTATION1', not 'PACSSERVER000001'"):
        _enroll(ca, presented, _csr(leaf_key, f"/O={ORG}/CN=PACSSERVER000001"))
    with pytest.raises(NotAllowed, match="machine id"):
        _enroll(ca, presented, _csr(leaf_key, f"/O={ORG}/CN={CLIENT}", machine="ab" * 16))
    issued = _enroll(ca, presented, _csr(leaf_key, f"/CN={CLIENT}"))
    certificate = issued.certificate
    assert certificate.subject.organization == ORG                      # filled from the token
    assert certificate.machine_identity == MACHINE_ID                   # filled from the token
    token = ca.inventory.token(presented[:16])
    assert token.uses_spent == 1                                        # the refusals cost none
    use, = ca.inventory.audit_page(action="token-use")
    enroll, = ca.inventory.audit_page(action="enroll")
    assert (use.actor_kind, use.actor, use.source, use.detail) == \
        ("token", token.id, "192.0.2.7", "enroll: use 1 of 3")
    assert (enroll.actor, enroll.target) == (token.id, issued.record.serial_hex)


def test_a_san_token_issues_the_binding_as_urns_whatever_the_request_carries(engine_ca, leaf_key):
    """The token decides the carrier (issue 15); a request whose carriers disagree is refused."""
    ca = engine_ca()
    _, presented = _token(ca, uses=3, client_id=CLIENT, binding="san", organization=ORG)
    both = (CSRBuilder().with_subject(Name.from_openssl(f"/CN={CLIENT}"))
            .with_machine_binding(MACHINE_ID, binding="seed")
            .with_machine_binding("ab" * 16, binding="san").sign(leaf_key))
    with pytest.raises(InvalidValue, match="contradictory"):
        _enroll(ca, presented, both)
    asked = _csr(leaf_key, f"/CN={CLIENT}", machine=MACHINE_ID)        # the seed extension
    certificate = _enroll(ca, presented, asked).certificate
    assert certificate.machine_binding.carriers == ("san",)
    assert certificate.machine_identity == MACHINE_ID
    assert certificate.extension(oids.OID_MACHINE_IDENTITY) is None
    assert ca.inventory.token(presented[:16]).uses_spent == 1


def test_a_server_request_asks_for_a_subset_of_the_names(engine_ca, leaf_key):
    ca = engine_ca()
    _, presented = _token(ca, uses=5, profile="server", dns=("PACS.example.org",
                                                             "dicom.example.org"))
    with pytest.raises(NotAllowed, match="does not allow the DNS name 'evil.example.org'"):
        _enroll(ca, presented, _csr(leaf_key, "/CN=pacs.example.org",
                                    dns=("pacs.example.org", "evil.example.org")))
    with pytest.raises(NotAllowed, match="common name"):
        _enroll(ca, presented, _csr(leaf_key, "/CN=evil.example.org", dns=("pacs.example.org",)))
    one = _enroll(ca, presented, _csr(leaf_key, "/CN=pacs.example.org", dns=("pacs.example.org",)))
    every = _enroll(ca, presented, _csr(leaf_key, "/O=Example Clinic"))
    assert one.record.dns_names == ("pacs.example.org",)
    assert every.record.dns_names == ("pacs.example.org", "dicom.example.org")
    assert every.record.profile == "server"
    _, client = _token(ca)
    with pytest.raises(NotAllowed, match="for a client certificate"):
        tokens.server_arguments(TokenConstraints.of(ca.inventory.token(client[:16])))


def test_a_request_the_ca_refuses_costs_no_use(engine_ca, leaf_key):
    ca = engine_ca()
    _, presented = _token(ca, client_id=CLIENT)
    token, secret_hash = tokens.authenticate(ca.inventory, presented)
    good = _csr(leaf_key, f"/O={ORG}/CN={CLIENT}")
    tampered = bytearray(good.raw)
    tampered[-3] ^= 0x01                                                # in the signature
    forged = load_der_csr(bytes(tampered))
    arguments = tokens.csr_arguments(TokenConstraints.of(token), forged)
    attempts = [({"csr": forged, "days": 30}, InvalidSignature),
                ({"csr": good, "days": 30, "key_bits": 2048}, None),
                ({"csr": good, "not_after": datetime(2001, 1, 1, tzinfo=timezone.utc)},
                 InvalidValue)]
    for options, error in attempts:
        if error is None:                            # a client id the CA refuses
            options, error = {**options, "key_bits": 2048}, InvalidValue
            bad = {**arguments, "client_id": "bad id"}
        else:
            bad = arguments
        with pytest.raises(error):
            tokens.issue_with_token(ca, token, secret_hash, bad, actor=DEVICE,
                                    action="enroll", **options)
    assert ca.inventory.token(token.id).uses_spent == 0
    assert len(ca.inventory) == 0 and ca.inventory.audit_page(action="token-use") == []


def test_without_a_csr_a_key_is_made_and_returned(make_ca):
    ca = make_ca()
    _, presented = _token(ca)
    token, secret_hash = tokens.authenticate(ca.inventory, presented)
    arguments = tokens.client_arguments(TokenConstraints.of(token), org=ORG, client_id=CLIENT,
                                        machine_id=MACHINE_ID, mac=MAC.upper().replace(":", "-"))
    issued = tokens.issue_with_token(ca, token, secret_hash, arguments, actor=DEVICE,
                                     action="register", mac_as_given=True, days=30)
    assert issued.private_key.public_key() == issued.certificate.public_key
    assert issued.private_key.key_size == 2048
    assert issued.certificate.mac_address == "18-C0-4D-FA-C0-A8"        # as the request had it
    with pytest.raises(TokenRefused, match="spent"):
        tokens.authenticate(ca.inventory, presented)


def test_the_last_use_is_won_once_by_racing_processes(engine_ca, leaf_key):
    """Six CA objects (each its own inventory connection, as six service processes or nodes
    would have) enroll with one 3-use token at once, three times each: 3 certificates, and
    the 15 losers refused at the reservation, before anything was signed."""
    ca = engine_ca()
    _, presented = _token(ca, uses=3, client_id=CLIENT)
    csr = _csr(leaf_key, f"/O={ORG}/CN={CLIENT}")
    others = [CertificateAuthority.open(ca.directory) for _ in range(6)]
    start, results = threading.Barrier(len(others)), []

    def enroll(other):
        start.wait()
        for _ in range(3):
            try:
                token, secret_hash = tokens.authenticate(other.inventory, presented)
                arguments = tokens.csr_arguments(TokenConstraints.of(token), csr)
                issued = tokens.issue_with_token(other, token, secret_hash, arguments,
                                                 actor=DEVICE, action="enroll", csr=csr, days=30)
                results.append(issued.record.serial)
            except TokenRefused as refused:
                results.append(refused.reason)
    threads = [threading.Thread(target=enroll, args=(other,)) for other in others]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for other in others:
        other.close()
    serials = [r for r in results if isinstance(r, int)]
    assert len(serials) == 3 and len(set(serials)) == 3 and results.count("spent") == 15
    assert sorted(r.serial for r in ca.inventory.records()) == sorted(serials)
    assert ca.inventory.token(presented[:16]).uses_spent == 3
    assert len(ca.inventory.audit_page(action="token-use")) == 3
    assert ca.inventory.query("SELECT COUNT(*) FROM certificates")[0][0] == 3   # no reservation
