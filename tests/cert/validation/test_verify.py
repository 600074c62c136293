"""verify_chain: RFC 5280 §6.1 checks, path building and its budget, one refusal per rule."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.cert.validation.verify_fixtures import AT, CLIENT_EKU, chain, make, san, soon
from x509core import PathValidationError, VerifiedChain, verify_chain
from x509core.cert import oids
from x509core.cert.extensions import (CertificatePolicies, ExtendedKeyUsage, GeneralSubtree,
                                      KeyUsage, NameConstraints, PolicyConstraints,
                                      PolicyInformation, UnrecognizedExtension)
from x509core.cert.names.general_name import DNSName
from x509core.cert.validation.verify import CATEGORIES


def _refusal(leaf, anchors, inters=(), **kwargs) -> PathValidationError:
    kwargs.setdefault("at", AT)
    with pytest.raises(PathValidationError) as info:
        verify_chain(leaf, trust_anchors=anchors, intermediates=inters, **kwargs)
    assert info.value.category in CATEGORIES
    assert info.value.rule and info.value.reason
    return info.value


def test_valid_chain_is_returned_leaf_first():
    leaf, ica, root = chain()
    result = verify_chain(leaf, trust_anchors=[root], intermediates=[ica], at=AT,
                          peer_name="pacs.example.org")
    assert isinstance(result, VerifiedChain) and isinstance(result, list)
    assert [c.raw for c in result] == [leaf.raw, ica.raw, root.raw]
    assert result.warnings == () and result.expires_at == leaf.not_valid_after


def test_expiry_warning_for_a_valid_chain():
    leaf, ica, root = chain()
    at = leaf.not_valid_after - timedelta(days=10)
    result = verify_chain(leaf, trust_anchors=[root], intermediates=[ica], at=at)
    assert [w.depth for w in result.warnings] == [0]
    assert "expires" in str(result.warnings[0]) and result.warnings[0].remaining.days == 10


@pytest.mark.parametrize("at, category", [
    (datetime(2024, 1, 1, tzinfo=AT.tzinfo), "not_yet_valid"),
    (datetime(2027, 1, 1, 0, 0, 1, tzinfo=AT.tzinfo), "expired"),
])
def test_leaf_validity(at, category):
    leaf, ica, root = chain()
    error = _refusal(leaf, [root], [ica], at=at)
    assert (error.category, error.depth, error.rule) == (category, 0, "RFC 5280 §6.1.3 (a)(2)")


def test_validity_bounds_are_inclusive_and_whole_seconds():
    leaf, ica, root = chain()
    end = leaf.not_valid_after + timedelta(microseconds=500_000)
    assert verify_chain(leaf, trust_anchors=[root], intermediates=[ica], at=end)


def test_expired_intermediate():
    root = chain()[2]
    ica = make("Issuing CA", "Root", "ca", "root", ca=True, validity=soon(-1))
    leaf = make("pacs.example.org", "Issuing CA", "leaf", "ca")
    error = _refusal(leaf, [root], [ica])
    assert (error.category, error.depth) == ("expired", 1)
    assert "Issuing CA" in error.subject and "depth 1" in str(error)


def test_at_must_be_aware():
    leaf, ica, root = chain()
    with pytest.raises(TypeError):
        verify_chain(leaf, trust_anchors=[root], intermediates=[ica], at=datetime(2026, 1, 1))
    with pytest.raises(TypeError):
        verify_chain(leaf.raw, trust_anchors=[root], at=AT)
    with pytest.raises(TypeError):
        verify_chain(leaf, trust_anchors=root, at=AT)


def test_unknown_issuer_and_untrusted_root():
    leaf, ica, root = chain()
    assert _refusal(leaf, [root]).category == "unknown_issuer"
    error = _refusal(leaf, [], [ica, root])
    assert (error.category, error.depth) == ("unknown_issuer", 2)


def test_bad_signature():
    root = chain()[2]
    forged = make("Issuing CA", "Root", "ca", "leaf", ca=True, aki=False)  # signed by a wrong key
    leaf = make("pacs.example.org", "Issuing CA", "leaf", "ca")
    error = _refusal(leaf, [root], [forged], purpose=None)    # no AKI: the web PKI would refuse
    assert (error.category, error.depth, error.rule) == ("bad_signature", 1, "RFC 5280 §6.1.3 (a)(1)")


def test_intermediate_not_a_ca():
    root = chain()[2]
    ica = make("Issuing CA", "Root", "ca", "root", ku=KeyUsage(digital_signature=True))
    leaf = make("pacs.example.org", "Issuing CA", "leaf", "ca")
    error = _refusal(leaf, [root], [ica])
    assert (error.category, error.depth, error.rule) == ("not_ca", 1, "RFC 5280 §6.1.4 (k)")


def test_issuer_without_key_cert_sign():
    root = chain()[2]
    ica = make("Issuing CA", "Root", "ca", "root", ca=True, ku=KeyUsage(crl_sign=True))
    leaf = make("pacs.example.org", "Issuing CA", "leaf", "ca")
    assert _refusal(leaf, [root], [ica]).category == "key_usage"


def test_path_length_exceeded_and_self_issued_not_counted():
    root = make("Root", "Root", "root", "root", ca=True, pathlen=0, aki=False)
    ica = make("Issuing CA", "Root", "ca", "root", ca=True)
    leaf = make("pacs.example.org", "Issuing CA", "leaf", "ca")
    error = _refusal(leaf, [root], [ica])
    assert (error.category, error.depth) == ("path_length", 2)
    # A self-issued intermediate (key rollover) is not counted (RFC 5280 §6.1.4 (l)).
    rollover = make("Root", "Root", "ca", "root", ca=True)
    leaf2 = make("pacs.example.org", "Root", "leaf", "ca")
    assert len(verify_chain(leaf2, trust_anchors=[root], intermediates=[rollover], at=AT)) == 3


def test_max_depth():
    leaf, ica, root = chain()
    error = _refusal(leaf, [root], [ica], max_depth=0)
    assert error.category == "depth"
    assert verify_chain(leaf, trust_anchors=[root], intermediates=[ica], at=AT, max_depth=1)


def test_extended_key_usage_for_the_purpose():
    leaf, ica, root = chain()
    assert _refusal(leaf, [root], [ica], purpose="client").category == "eku"
    client = make("HZ1", "Issuing CA", "leaf", "ca", eku=CLIENT_EKU,
                  ku=KeyUsage(digital_signature=True))
    assert verify_chain(client, trust_anchors=[root], intermediates=[ica], at=AT, purpose="client")
    assert verify_chain(client, trust_anchors=[root], intermediates=[ica], at=AT, purpose=None)
    code = make("code", "Issuing CA", "leaf", "ca",
                eku=ExtendedKeyUsage((oids.OID_CODE_SIGNING,)), ku=KeyUsage(digital_signature=True))
    assert verify_chain(code, trust_anchors=[root], intermediates=[ica], at=AT,
                        purpose=oids.OID_CODE_SIGNING)
    assert _refusal(code, [root], [ica], purpose=oids.OID_CLIENT_AUTH).category == "eku"


def test_leaf_key_usage_for_tls():
    leaf_, ica, root = chain()
    leaf = make("pacs.example.org", "Issuing CA", "leaf", "ca", ku=KeyUsage(data_encipherment=True))
    assert _refusal(leaf, [root], [ica]).category == "key_usage"


def test_unknown_critical_extension_and_a_non_critical_one():
    leaf_, ica, root = chain()
    unknown = UnrecognizedExtension("1.3.6.1.4.1.55738.666.1", b"\x05\x00")
    bad = make("pacs.example.org", "Issuing CA", "leaf", "ca", extra=((unknown, True),))
    error = _refusal(bad, [root], [ica])
    assert (error.category, error.depth, error.rule) == ("unknown_critical_extension", 0, "RFC 5280 §4.2")
    fine = make("pacs.example.org", "Issuing CA", "leaf", "ca", extra=((unknown, False),))
    assert verify_chain(fine, trust_anchors=[root], intermediates=[ica], at=AT)


@pytest.mark.parametrize("peer, ok", [
    ("pacs.example.org", True), ("PACS.Example.ORG.", True), ("ct.imaging.example.org", True),
    ("imaging.example.org", False), ("a.b.imaging.example.org", False), ("192.0.2.7", True),
    ("192.0.2.8", False), ("other.example.org", False), ("foo_bar.example.org", False),
])
def test_peer_name(peer, ok):
    leaf, ica, root = chain()
    if ok:
        assert verify_chain(leaf, trust_anchors=[root], intermediates=[ica], at=AT, peer_name=peer)
    else:
        assert _refusal(leaf, [root], [ica], peer_name=peer).category == "name_mismatch"


def test_name_constraints_excluded_and_permitted():
    root = chain()[2]
    excluded = NameConstraints(excluded_subtrees=(GeneralSubtree(DNSName("example.org")),))
    ica = make("Issuing CA", "Root", "ca", "root", ca=True, extra=((excluded, True),))
    leaf = make("pacs.example.org", "Issuing CA", "leaf", "ca")
    error = _refusal(leaf, [root], [ica])
    assert (error.category, error.depth) == ("name_constraints", 0)
    permitted = NameConstraints(permitted_subtrees=(GeneralSubtree(DNSName("example.org")),))
    ica2 = make("Issuing CA", "Root", "ca", "root", ca=True, extra=((permitted, True),))
    assert verify_chain(leaf, trust_anchors=[root], intermediates=[ica2], at=AT)
    wildcard = make("w", "Issuing CA", "leaf", "ca", names=san("*.example.org"))
    narrow = NameConstraints(excluded_subtrees=(GeneralSubtree(DNSName("bad.example.org")),))
    ica3 = make("Issuing CA", "Root", "ca", "root", ca=True, extra=((narrow, True),))
    assert _refusal(wildcard, [root], [ica3]).category == "name_constraints"


def test_alternative_path_around_an_expired_cross_certificate():
    leaf, ica, root = chain()
    expired = make("Issuing CA", "Root", "ca", "root", ca=True, validity=soon(-5))
    result = verify_chain(leaf, trust_anchors=[root], intermediates=[expired, ica], at=AT)
    assert result[1].raw == ica.raw


def test_cross_signed_loop_ends():
    a = make("A", "B", "ca", "root", ca=True)
    b = make("B", "A", "root", "ca", ca=True)
    leaf = make("pacs.example.org", "A", "leaf", "ca")
    other_root = chain()[2]
    error = _refusal(leaf, [other_root], [a, b])
    assert error.category == "unknown_issuer"


def test_work_budget_on_a_hostile_bundle():
    # Forty certificates that all claim the name the leaf's issuer has, signed by nobody we
    # trust: the search stops at the budget (or runs out of candidates) without hanging.
    bundle = [make("Issuing CA", "Issuing CA", "ca", "root", ca=True, aki=False) for _ in range(6)]
    leaf = make("pacs.example.org", "Issuing CA", "leaf", "ca", aki=False)
    error = _refusal(leaf, [chain()[2]], bundle * 7, purpose=None)
    assert error.category in ("unknown_issuer", "budget", "bad_signature")


def test_policy_constraints_require_an_explicit_policy():
    root = chain()[2]
    require = PolicyConstraints(require_explicit_policy=0)
    ica = make("Issuing CA", "Root", "ca", "root", ca=True, extra=((require, True),))
    leaf = make("pacs.example.org", "Issuing CA", "leaf", "ca")
    assert _refusal(leaf, [root], [ica]).category == "policy"
    policy = CertificatePolicies((PolicyInformation("1.3.6.1.4.1.55555.1"),))
    ica2 = make("Issuing CA", "Root", "ca", "root", ca=True, extra=((require, True), (policy, False)))
    leaf2 = make("pacs.example.org", "Issuing CA", "leaf", "ca", extra=((policy, False),))
    assert verify_chain(leaf2, trust_anchors=[root], intermediates=[ica2], at=AT)
    other = CertificatePolicies((PolicyInformation("1.3.6.1.4.1.55555.2"),))
    leaf3 = make("pacs.example.org", "Issuing CA", "leaf", "ca", extra=((other, False),))
    assert _refusal(leaf3, [root], [ica2]).category == "policy"


def test_pss_signatures_and_sha1_refused():
    root = chain()[2]
    ica = make("Issuing CA", "Root", "ca", "root", ca=True, padding="pss", hash_name="sha384")
    leaf = make("pacs.example.org", "Issuing CA", "leaf", "ca", padding="pss")
    assert verify_chain(leaf, trust_anchors=[root], intermediates=[ica], at=AT)
    error = _refusal(_sha1_leaf(ica), [root], [ica])
    assert (error.category, error.depth) == ("weak_algorithm", 0)


def _sha1_leaf(ica):
    """A leaf signed with sha1WithRSAEncryption. x509core's builder refuses to sign with SHA-1,
    so a SHA-256 leaf is rewritten (and signed by pyca/cryptography): both AlgorithmIdentifiers name sha1WithRSAEncryption (an OID
    of the same length), and the TBS is signed again with SHA-1 (a signature of the same length)."""
    from x509core.cert import load_der_certificate
    good = make("pacs.example.org", "Issuing CA", "leaf", "ca")
    sha256_rsa = bytes.fromhex("06092a864886f70d01010b0500")
    sha1_rsa = bytes.fromhex("06092a864886f70d0101050500")
    tbs = good.raw_tbs.replace(sha256_rsa, sha1_rsa)
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    from tests.rsa.keys_fixture import RSA_3072, cryptography_key
    signature = cryptography_key(RSA_3072).sign(tbs, padding.PKCS1v15(), hashes.SHA1())
    der = good.raw.replace(sha256_rsa, sha1_rsa)
    der = der[:len(der) - len(signature)] + signature
    assert der.count(tbs) == 1
    return load_der_certificate(der)


@pytest.mark.parametrize("subtrees, ok", [
    ({"permitted_subtrees": "uri:.example.org"}, True),
    ({"permitted_subtrees": "uri:example.org"}, False),          # host only, no subdomains
    ({"excluded_subtrees": "uri:pacs.example.org"}, False),
    ({"permitted_subtrees": "dn:O=x509core tests"}, True),
    ({"permitted_subtrees": "dn:O=other"}, False),
    ({"excluded_subtrees": "dn:O=X509CORE  Tests"}, False),     # RFC 5280 §7.1 matching
    ({"permitted_subtrees": "email:example.org"}, True),
    ({"excluded_subtrees": "email:pacs@example.org"}, False),
    ({"permitted_subtrees": "ip:198.51.100.0/24"}, True),         # no iPAddress in this leaf
    ({"permitted_subtrees": "dns:.example.org"}, False),          # malformed constraint
])
def test_name_constraint_forms(subtrees, ok):
    import ipaddress
    from x509core.cert.extensions import SubjectAlternativeName
    from x509core.cert.names.general_name import (DirectoryName, IPAddress, RFC822Name,
                                            UniformResourceIdentifier)
    from x509core.cert import Name

    def base(text):
        form, _, value = text.partition(":")
        return {"uri": UniformResourceIdentifier, "email": RFC822Name, "dns": DNSName}[form](value) \
            if form in ("uri", "email", "dns") else (
                DirectoryName(Name.from_rfc4514(value)) if form == "dn"
                else IPAddress(ipaddress.ip_network(value)))

    nc = NameConstraints(**{field: (GeneralSubtree(base(text)),) for field, text in subtrees.items()})
    root = chain()[2]
    ica = make("Issuing CA", "Root", "ca", "root", ca=True, extra=((nc, True),))
    names = SubjectAlternativeName((DNSName("pacs.example.org"), RFC822Name("pacs@example.org"),
                                    UniformResourceIdentifier("https://pacs.example.org:443/wado")))
    leaf = make("pacs.example.org", "Issuing CA", "leaf", "ca", names=names)
    if ok:
        assert verify_chain(leaf, trust_anchors=[root], intermediates=[ica], at=AT)
    else:
        assert _refusal(leaf, [root], [ica]).category == "name_constraints"


def test_web_pki_profile_only_for_server():
    root = chain()[2]
    ica = make("Issuing CA", "Root", "ca", "root", ca=True)
    bare = make("HZ2", "Issuing CA", "leaf", "ca", aki=False, eku=CLIENT_EKU,
                ku=KeyUsage(digital_signature=True))
    assert verify_chain(bare, trust_anchors=[root], intermediates=[ica], at=AT, purpose="client")
    server = make("pacs.example.org", "Issuing CA", "leaf", "ca", aki=False)
    error = _refusal(server, [root], [ica])
    assert (error.category, error.rule) == ("profile", "RFC 5280 §4.2.1.1")


def test_ca_profile_rules():
    root = chain()[2]
    leaf = make("pacs.example.org", "Issuing CA", "leaf", "ca")
    no_ski = make("Issuing CA", "Root", "ca", "root", ca=True, ski=False)
    assert _refusal(leaf, [root], [no_ski]).rule == "RFC 5280 §4.2.1.2"
    assert verify_chain(leaf, trust_anchors=[root], intermediates=[no_ski], at=AT, purpose=None)
    signer = make("pacs.example.org", "Issuing CA", "leaf", "ca",
                  ku=KeyUsage(digital_signature=True, key_cert_sign=True))
    assert _refusal(signer, [root], [chain()[1]]).rule == "RFC 5280 §4.2.1.3"


def test_leaf_that_is_a_trust_anchor():
    root = chain()[2]
    assert [c.raw for c in verify_chain(root, trust_anchors=[root], at=AT, purpose=None)] == [root.raw]


def test_error_pickles_with_its_category():
    import pickle
    leaf, ica, root = chain()
    error = _refusal(leaf, [root])
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.category, copy.depth, copy.rule, str(copy)) == (
        error.category, error.depth, error.rule, str(error))
    assert isinstance(error, ValueError)


def test_verified_chain_pickles():
    import pickle
    leaf, ica, root = chain()
    result = verify_chain(leaf, trust_anchors=[root], intermediates=[ica], at=AT)
    copy = pickle.loads(pickle.dumps(result))
    assert [c.raw for c in copy] == [c.raw for c in result] and copy.warnings == ()


# -- EC keys and ECDSA signatures (issue 11) ------------------------------------------------------

def _ec_chain(root_kind: str, leaf_kind: str, purpose: str = "server"):
    """An EC (or mixed) root and leaf made by pyca/cryptography (x509core never signs with EC)."""
    from tests.cert.ec_chains import ECFactory
    from x509core.cert import load_der_certificate
    from cryptography.hazmat.primitives.serialization import Encoding
    factory = ECFactory()
    root = factory.ca(f"Root {root_kind}", root_kind)
    leaf = factory.leaf(f"verify {leaf_kind}", leaf_kind, root, purpose=purpose)
    return load_der_certificate(leaf.public_bytes(Encoding.DER)), root.x509core


@pytest.mark.parametrize("root_kind,leaf_kind", [("P-256", "P-256"), ("P-384", "P-521"),
                                                 ("RSA-3072", "P-384"), ("P-521", "RSA-2048")])
def test_ec_and_mixed_chains_verify(root_kind, leaf_kind):
    leaf, root = _ec_chain(root_kind, leaf_kind)
    assert verify_chain(leaf, trust_anchors=[root], at=AT, peer_name="pacs.example.org") == [leaf, root]


def test_allowed_curves_of_the_algorithm_policy():
    from x509core.cert.validation.verify import AlgorithmPolicy
    leaf, root = _ec_chain("P-256", "P-384", "client")
    only_256 = AlgorithmPolicy(allowed_curves={"P-256"})
    error = _refusal(leaf, [root], [], purpose="client", algorithm_policy=only_256)
    assert (error.category, error.depth) == ("weak_key", 0) and "P-384" in str(error)
    error = _refusal(leaf, [root], [], purpose="client",
                     algorithm_policy=AlgorithmPolicy(allowed_curves={"P-384"}))
    assert (error.category, error.depth) == ("weak_key", 1)         # the root's P-256 key
    assert verify_chain(leaf, trust_anchors=[root], purpose="client", at=AT,
                        algorithm_policy=AlgorithmPolicy(allowed_curves={"P-256", "P-384"}))
    with pytest.raises(ValueError, match="unknown curves.*secp256k1"):
        AlgorithmPolicy(allowed_curves={"secp256k1"})
    with pytest.raises(TypeError):
        AlgorithmPolicy(allowed_curves="P-256")


def test_signature_cost_counts_ecdsa_by_curve():
    from x509core.cert.validation.checks import signature_cost
    costs = [signature_cost(_ec_chain(kind, "P-256")[1].public_key) for kind in ("P-256", "P-384", "P-521")]
    assert costs == sorted(costs) and costs[0] > 1
    assert signature_cost(chain()[2].public_key) == 1                # RSA-4096, e = 65537
