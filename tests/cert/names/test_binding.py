"""The machine binding whichever way it is carried (x509core/cert/extensions/binding.py): the
URN forms, reading both carriers from certificates and CSRs, agreement and conflict, the
medical-imaging policy on each combination (constant-time comparisons included), the JSON
form, and URI name constraints on a certificate that carries URNs.

Certificates that carry both carriers are made here with the CertificateBuilder: the CA never
issues one (a client certificate has one carrier), but a relying party may meet one."""

from __future__ import annotations

import hmac
from datetime import datetime, timezone

import pytest
from cryptography import x509 as cx509

from tests.rsa.keys_fixture import RSA_2048, private_key
from x509core import MedicalImagingPolicy, PathValidationError, verify_chain
from x509core.cert import CertificateBuilder, CSRBuilder, Name, load_der_certificate, oids
from x509core.cert.extensions import (BasicConstraints, ExtendedKeyUsage, GeneralSubtree,
                                      KeyUsage, MacAddress, MachineIdentity, NameConstraints,
                                      SubjectAlternativeName)
from x509core.cert.extensions.binding import (MachineBinding, binding_extensions,
                                              identity_from_uri, identity_urn, mac_from_uri,
                                              mac_urn, read_machine_binding)
from x509core.cert.names.general_name import DNSName, UniformResourceIdentifier
from x509core.cert.validation import medical_imaging
from x509core.errors import InvalidValue

MACHINE_ID = "c417aa4802b3441d931c135cbdaab367"
OTHER_ID = "0123456789abcdef0123456789abcdef"
MAC = "18:c0:4d:fa:c0:a8"
UUID_URN = "urn:uuid:c417aa48-02b3-441d-931c-135cbdaab367"
MAC_URN = "urn:dev:mac:18c04dfac0a8"
AT = datetime(2026, 1, 1, tzinfo=timezone.utc)
VALIDITY = (datetime(2025, 1, 1, tzinfo=timezone.utc), datetime(2027, 1, 1, tzinfo=timezone.utc))
KEY = private_key(RSA_2048)


def _root(constraints: NameConstraints | None = None):
    name = Name.build([("O", "Example Clinic"), ("CN", "Binding Test Root")])
    builder = (CertificateBuilder().with_subject(name).with_issuer(name).with_serial_number(1)
               .with_validity(*VALIDITY).with_public_key(KEY.public_key())
               .with_extension(BasicConstraints(ca=True), critical=True)
               .with_extension(KeyUsage(key_cert_sign=True, crl_sign=True), critical=True)
               .with_subject_key_identifier())
    if constraints is not None:
        builder = builder.with_extension(constraints, critical=True)
    return builder.sign(KEY)


ROOT = _root()


def _leaf(*extensions, root=ROOT, serial=2):
    builder = (CertificateBuilder()
               .with_subject(Name.build([("O", "Example Clinic"), ("CN", "HZ10999900000001")]))
               .with_issuer(root.subject).with_serial_number(serial).with_validity(*VALIDITY)
               .with_public_key(KEY.public_key())
               .with_extension(BasicConstraints(ca=False), critical=True)
               .with_extension(KeyUsage(digital_signature=True), critical=True)
               .with_extension(ExtendedKeyUsage((oids.OID_CLIENT_AUTH,)), critical=False))
    for value in extensions:
        builder = builder.with_extension(value, critical=False)
    return builder.sign(KEY)


def _san(*uris: str) -> SubjectAlternativeName:
    return SubjectAlternativeName(tuple(UniformResourceIdentifier(u) for u in uris))


SEED_ONLY = _leaf(MachineIdentity(MACHINE_ID), MacAddress(MAC))
SAN_ONLY = _leaf(_san(UUID_URN, MAC_URN))
BOTH_AGREE = _leaf(MachineIdentity(MACHINE_ID), MacAddress(MAC.upper()), _san(UUID_URN, MAC_URN))
BOTH_DISAGREE = _leaf(MachineIdentity(OTHER_ID), _san(UUID_URN))
MACS_DISAGREE = _leaf(MacAddress("18:c0:4d:fa:c0:a9"), _san(UUID_URN, MAC_URN))
TWO_URNS = _leaf(_san(UUID_URN, identity_urn(OTHER_ID)))


# -- the URN forms ----------------------------------------------------------------------------

def test_identity_urn_is_the_rfc_9562_form():
    assert identity_urn(MACHINE_ID) == UUID_URN
    assert identity_urn(MACHINE_ID.upper()) == UUID_URN               # written lower case
    for bad in ("c417aa4802b3441d931c135cbdaab36", "HZ109999HZ109999HZ109999HZ109999",
                "c417aa48-02b3-441d-931c-135cbdaab367", ""):
        with pytest.raises(InvalidValue, match="UUID"):
            identity_urn(bad)
    with pytest.raises(TypeError):
        identity_urn(b"c417")


def test_mac_urn_is_the_rfc_9039_form():
    assert mac_urn(MAC) == MAC_URN
    assert mac_urn("18-C0-4D-FA-C0-A8") == MAC_URN
    for bad in ("18:c0:4d:fa:c0", "18:c0-4d:fa:c0:a8", "18c04dfac0a8", "18:c0:4d:fa:c0:ag"):
        with pytest.raises(InvalidValue):
            mac_urn(bad)


@pytest.mark.parametrize("uri, identity, mac", [
    (UUID_URN, MACHINE_ID, None),
    ("URN:UUID:C417AA48-02B3-441D-931C-135CBDAAB367", MACHINE_ID, None),   # RFC 8141, RFC 9562
    (MAC_URN, None, MAC),
    ("urn:DEV:mac:18C04DFAC0A8", None, MAC),
    # Not the form: kept whole, so it never equals an identity or MAC address.
    ("urn:uuid:c417aa4802b3441d931c135cbdaab367", "urn:uuid:c417aa4802b3441d931c135cbdaab367", None),
    ("urn:dev:mac:0024befffe804ff1", None, "urn:dev:mac:0024befffe804ff1"),   # an EUI-64
    ("https://pacs.example.org/", None, None),
    ("urn:isbn:0451450523", None, None),
])
def test_reading_a_uri(uri, identity, mac):
    assert identity_from_uri(uri) == identity
    assert mac_from_uri(uri) == mac


# -- reading the carriers -----------------------------------------------------------------------

def test_seed_only():
    binding = SEED_ONLY.machine_binding
    assert (binding.carrier, binding.conflict()) == ("seed", None)
    assert (SEED_ONLY.machine_identity, SEED_ONLY.mac_address) == (MACHINE_ID, MAC)
    assert SEED_ONLY.subject_alternative_name is None


def test_san_only_carries_no_arc_above_2_to_the_31():
    binding = SAN_ONLY.machine_binding
    assert binding == MachineBinding(None, None, (MACHINE_ID,), (MAC,))
    assert (binding.carrier, SAN_ONLY.machine_identity, SAN_ONLY.mac_address) == ("san", MACHINE_ID, MAC)
    arcs = [int(arc) for ext in SAN_ONLY.extensions for arc in str(ext.oid).split(".")]
    assert max(arcs) < 2 ** 31


def test_both_carriers_that_agree():
    binding = BOTH_AGREE.machine_binding
    assert (binding.carrier, binding.conflict()) == ("both", None)
    assert BOTH_AGREE.machine_identity == MACHINE_ID
    assert BOTH_AGREE.mac_address == MAC.upper()          # the seed extension's, as written


@pytest.mark.parametrize("cert, what", [(BOTH_DISAGREE, "machine identity"),
                                        (MACS_DISAGREE, "MAC address"),
                                        (TWO_URNS, "machine identity")])
def test_carriers_that_disagree_have_no_single_value(cert, what):
    problem = cert.machine_binding.conflict()
    assert problem is not None and what in problem
    with pytest.raises(InvalidValue, match="different"):
        cert.machine_identity if what == "machine identity" else cert.mac_address
    assert cert.to_json()["machine_identity"] is None
    assert cert.to_json()["machine_binding"]["conflict"] == problem


def test_no_binding_and_other_uris():
    assert _leaf().machine_binding is None
    other = _leaf(_san("https://pacs.example.org/", "urn:isbn:0451450523"))
    assert other.machine_binding is None and other.machine_identity is None


def test_a_repeated_urn_counts_once():
    assert _leaf(_san(UUID_URN, UUID_URN.upper())).machine_binding.san_identities == (MACHINE_ID,)


def test_json_names_the_carrier():
    data = SAN_ONLY.to_json()
    assert (data["machine_identity"], data["mac_address"]) == (MACHINE_ID, MAC)
    assert data["machine_binding"] == {
        "carrier": "san", "conflict": None, "machine_identity": MACHINE_ID, "mac_address": MAC,
        "seed": {"machine_identity": None, "mac_address": None},
        "san": {"machine_identity": [MACHINE_ID], "mac_address": [MAC]}}
    assert SEED_ONLY.to_json()["machine_binding"]["carrier"] == "seed"
    assert _leaf().to_json()["machine_binding"] is None


def test_a_malformed_seed_extension_is_not_an_absent_one():
    der = bytearray(SEED_ONLY.raw)
    value = MACHINE_ID.encode()
    at = bytes(der).index(value)
    der[at] = 0x01                                      # not printable ASCII: malformed
    cert = load_der_certificate(bytes(der))             # readable; the signature is not checked
    with pytest.raises(InvalidValue, match="malformed"):
        cert.machine_binding
    assert cert.to_json()["machine_binding"] is None


def test_pyca_reads_the_san_carrier():
    theirs = cx509.load_der_x509_certificate(SAN_ONLY.raw)
    san = theirs.extensions.get_extension_for_class(cx509.SubjectAlternativeName)
    assert not san.critical
    assert san.value.get_values_for_type(cx509.UniformResourceIdentifier) == [UUID_URN, MAC_URN]


# -- writing ------------------------------------------------------------------------------------

def test_binding_extensions():
    seed = binding_extensions(MACHINE_ID, MAC)
    assert [(type(v).__name__, c) for v, c in seed] == [("MachineIdentity", False),
                                                       ("MacAddress", False)]
    [(san, critical)] = binding_extensions(MACHINE_ID.upper(), MAC, binding="san")
    assert not critical and [n.value for n in san.names] == [UUID_URN, MAC_URN]
    assert binding_extensions(None, None, binding="san") == []
    [(mac_only, _)] = binding_extensions(None, MAC, binding="san")
    assert [n.value for n in mac_only.names] == [MAC_URN]
    with pytest.raises(InvalidValue, match="'seed' or 'san'"):
        binding_extensions(MACHINE_ID, None, binding="both")
    with pytest.raises(InvalidValue, match="UUID"):
        binding_extensions("HZ109999HZ109999", None, binding="san")      # a raw seed-system id


@pytest.mark.parametrize("carrier", ["seed", "san"])
def test_csr_builder_with_machine_binding(carrier):
    csr = (CSRBuilder().with_subject(Name.build([("CN", "HZ10999900000001")]))
           .with_machine_binding(MACHINE_ID, MAC, binding=carrier).sign(KEY))
    assert (csr.machine_binding.carrier, csr.machine_identity, csr.mac_address) == \
        (carrier, MACHINE_ID, MAC)
    assert read_machine_binding(csr.extensions) == csr.machine_binding


# -- the medical-imaging policy ----------------------------------------------------------------

def _verify(leaf, **policy):
    return verify_chain(leaf, trust_anchors=[ROOT], purpose="client", at=AT,
                        policy=MedicalImagingPolicy(**policy))


def _refused(leaf, **policy) -> PathValidationError:
    with pytest.raises(PathValidationError) as info:
        _verify(leaf, **policy)
    return info.value


@pytest.mark.parametrize("leaf", [SEED_ONLY, SAN_ONLY, BOTH_AGREE], ids=["seed", "san", "both"])
def test_policy_accepts_either_carrier(leaf):
    assert _verify(leaf, machine_identity=MACHINE_ID, mac_address=MAC)[0] is leaf
    for other in ({"machine_identity": OTHER_ID}, {"mac_address": "18:c0:4d:fa:c0:a9"}):
        assert _refused(leaf, **other).category == "machine_binding_mismatch"


def test_policy_folds_a_uuid_for_the_san_carrier_only():
    # RFC 9562 §4: UUIDs are case-insensitive on input; the seed system compares exactly.
    for given in (MACHINE_ID.upper(), "c417aa48-02b3-441d-931c-135cbdaab367"):
        assert _verify(SAN_ONLY, machine_identity=given)
        assert _refused(SEED_ONLY, machine_identity=given).category == "machine_binding_mismatch"
    assert _verify(SAN_ONLY, mac_address="18-C0-4D-FA-C0-A8")


@pytest.mark.parametrize("leaf", [BOTH_DISAGREE, MACS_DISAGREE, TWO_URNS])
def test_policy_refuses_disagreeing_carriers_whatever_it_asks(leaf):
    for policy in ({"machine_identity": MACHINE_ID}, {"machine_identity": OTHER_ID},
                   {"organizations": ("Example Clinic",)}):
        error = _refused(leaf, **policy)
        assert (error.category, error.depth) == ("machine_binding_mismatch", 0)
        assert "different" in error.reason
    # Without a medical-imaging policy there is no binding to read: RFC 5280 alone accepts it.
    assert verify_chain(leaf, trust_anchors=[ROOT], purpose="client", at=AT)


def test_policy_reports_a_missing_binding():
    error = _refused(_leaf(), machine_identity=MACHINE_ID)
    assert error.category == "machine_binding_missing"
    error = _refused(_leaf(_san(UUID_URN)), machine_identity=MACHINE_ID, mac_address=MAC)
    assert error.category == "machine_binding_missing"


def _spy(monkeypatch, module) -> list:
    """Record the arguments of every ``hmac.compare_digest`` call made through ``module``'s
    ``hmac``: a spy on the real function (it still decides), not a stand-in."""
    seen, real = [], hmac.compare_digest

    def recording(a, b):
        seen.append((bytes(a), bytes(b)))
        return real(a, b)
    monkeypatch.setattr(module.hmac, "compare_digest", recording)
    return seen


def test_policy_compares_every_carried_value_in_constant_time(monkeypatch):
    seen = _spy(monkeypatch, medical_imaging)
    with pytest.raises(PathValidationError):
        _verify(BOTH_AGREE, machine_identity=OTHER_ID)
    identity_pairs = [pair for pair in seen if OTHER_ID.encode() in pair]
    assert len(identity_pairs) == 2                    # the seed value and the URN, both compared
    seen.clear()
    _verify(SAN_ONLY, machine_identity=MACHINE_ID.upper(), mac_address=MAC)
    assert (MACHINE_ID.encode(), MACHINE_ID.encode()) in seen and (MAC.encode(), MAC.encode()) in seen


def test_carrier_agreement_is_compared_in_constant_time(monkeypatch):
    from x509core.cert.extensions import binding as module
    seen = _spy(monkeypatch, module)
    assert BOTH_DISAGREE.machine_binding.conflict() is not None
    assert {OTHER_ID.encode(), MACHINE_ID.encode()} in [set(pair) for pair in seen]


# -- name constraints (RFC 5280 §4.2.1.10) ------------------------------------------------------

def _constrained(kind: str, base) -> NameConstraints:
    subtree = (GeneralSubtree(base),)
    return NameConstraints(permitted_subtrees=subtree) if kind == "permitted" \
        else NameConstraints(excluded_subtrees=subtree)


@pytest.mark.parametrize("kind", ["permitted", "excluded"])
def test_uri_constraints_refuse_a_urn_which_has_no_host(kind):
    """A URI constraint applies to "the host part of the name" (RFC 5280 §4.2.1.10); a URN has
    none, so it can be shown neither inside nor outside a subtree, and the chain is refused,
    as Go and OpenSSL refuse it (tests/ca/links/test_binding_interop.py)."""
    root = _root(_constrained(kind, UniformResourceIdentifier(".example.org")))
    leaf = _leaf(_san(UUID_URN), root=root)
    with pytest.raises(PathValidationError) as info:
        verify_chain(leaf, trust_anchors=[root], purpose="client", at=AT)
    assert (info.value.category, info.value.depth) == ("name_constraints", 0)
    assert UUID_URN in info.value.reason
    # The seed carrier has no URI for the constraint to look at.
    seed = _leaf(MachineIdentity(MACHINE_ID), root=root, serial=3)
    assert verify_chain(seed, trust_anchors=[root], purpose="client", at=AT)


def test_dns_constraints_leave_the_urns_alone():
    root = _root(_constrained("permitted", DNSName("example.org")))
    leaf = _leaf(_san(UUID_URN, MAC_URN), root=root)
    chain = verify_chain(leaf, trust_anchors=[root], purpose="client", at=AT,
                         policy=MedicalImagingPolicy(machine_identity=MACHINE_ID, mac_address=MAC))
    assert chain[0] is leaf
