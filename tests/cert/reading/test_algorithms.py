"""x509core.cert.algorithms: signature AlgorithmIdentifiers of RSA and ECDSA, and checking
signatures with the right kind of key (issue 11).

ECDSA certificates and CRLs are made by pyca/cryptography; the identifiers RFC 5758 §3.2 forbids
(ecdsa-with-SHA256 with NULL parameters) are planted in both signature fields and the
certificate signed again over its new TBSCertificate, so that its signature is valid: it must
still not verify, with an error that names the rule, and read with a finding.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from cryptography.hazmat.primitives import hashes, serialization

from tests.cert.ec_chains import ECFactory, signed_certificate, with_sha1
from tests.cert.reading.reported import assert_reported
from tests.cert.reading.surgery import certificate_paths, replace, span
from x509core import PathValidationError, verify_chain
from x509core.cert import algorithms, load_der_certificate
from x509core.cert.algorithms import SIGNATURE_ALGORITHM_NAMES
from x509core.der import Reader, Writer
from x509core.ec.algorithms import ECDSA_SIGNATURE_OIDS
from x509core.errors import InvalidSignature, UnsupportedAlgorithm

AT = datetime(2026, 1, 1, tzinfo=timezone.utc)
_NULL_ECDSA_SHA256 = bytes.fromhex("300c06082a8648ce3d0403020500")


@pytest.fixture(scope="module")
def factory() -> ECFactory:
    return ECFactory()


def _der(cert) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


@pytest.mark.parametrize("hash_name", sorted(ECDSA_SIGNATURE_OIDS))
def test_every_ecdsa_identifier_reads_with_its_hash(hash_name):
    oid = ECDSA_SIGNATURE_OIDS[hash_name]
    w = Writer()
    with w.sequence():
        w.write_oid(oid)                              # parameters absent (RFC 5758 §3.2)
    reader = Reader(w.to_bytes(), findings=[])
    raw, read_oid, info = algorithms.read_algorithm_identifier(reader, "signature")
    assert (raw, read_oid) == (w.to_bytes(), oid)
    assert (info.scheme, info.hash_name, info.pss) == ("ecdsa", hash_name, None)
    assert info.name == SIGNATURE_ALGORITHM_NAMES[oid] and not reader.findings


@pytest.mark.parametrize("curve", ["P-256", "P-384", "P-521"])
def test_ecdsa_certificates_verify_with_their_issuer(factory, curve):
    root = factory.ca(f"Root {curve}", curve)
    leaf = load_der_certificate(_der(factory.leaf(f"algorithms {curve}", "P-256", root)))
    info = leaf.signature_algorithm_info
    assert info.scheme == "ecdsa" and info.hash_name == {"P-256": "sha256", "P-384": "sha384",
                                                          "P-521": "sha512"}[curve]
    leaf.verify_signature(root.x509core.public_key)
    leaf.verify_directly_issued_by(root.x509core)
    other = factory.ca("Root other P-256", "P-256")
    with pytest.raises(InvalidSignature):
        leaf.verify_signature(other.x509core.public_key)


def _with_null_parameters(factory):
    root = factory.ca("Root P-256", "P-256")
    cert = factory.leaf("null parameters", "P-256", root, purpose="client")
    der = _der(cert)
    tbs, _ = replace(cert.tbs_certificate_bytes, certificate_paths(der)["signature"][1:],
                     _NULL_ECDSA_SHA256)
    planted = signed_certificate(tbs, _NULL_ECDSA_SHA256, root, hashes.SHA256())
    return planted, root


def test_null_parameters_are_a_finding_and_refuse_verification(factory):
    planted, root = _with_null_parameters(factory)
    start = span(planted, certificate_paths(planted)["signature"])[0] + 12     # the NULL
    cert = assert_reported(planted, start, "RFC 5758 §3.2")
    assert [f.reason for f in cert.findings] == ["ecdsa-with-SHA256 parameters MUST be absent"]
    assert cert.signature_algorithm_info is None
    # The signature itself is good: the identifier, not the signature, is refused.
    public = root.cert.public_key()
    from cryptography.hazmat.primitives.asymmetric import ec
    public.verify(cert.signature, cert.raw_tbs, ec.ECDSA(hashes.SHA256()))
    with pytest.raises(UnsupportedAlgorithm, match=r"ecdsa-with-SHA256 with parameters, which MUST "
                       r"be absent \(RFC 5758 §3.2\); no signature is checked"):
        cert.verify_signature(root.x509core.public_key)
    with pytest.raises(PathValidationError) as refused:
        verify_chain(cert, trust_anchors=[root.x509core], purpose="client", at=AT)
    assert refused.value.category == "unsupported_algorithm"
    assert "RFC 5758 §3.2" in str(refused.value)


def test_an_identifier_with_a_finding_is_never_cached(factory):
    planted, _ = _with_null_parameters(factory)
    for _ in range(2):
        assert len(load_der_certificate(planted).findings) == 1
    assert _NULL_ECDSA_SHA256 not in algorithms._ALGORITHMS


def test_ecdsa_with_sha1_reads_verifies_and_is_refused_by_policy(factory):
    root = factory.ca("Root P-256", "P-256")
    cert = load_der_certificate(with_sha1(factory.leaf("sha1", "P-256", root, purpose="client"), root))
    assert cert.signature_algorithm_info.hash_name == "sha1" and not cert.findings
    cert.verify_signature(root.x509core.public_key)          # the signature is good ...
    with pytest.raises(PathValidationError) as refused:     # ... the hash is not
        verify_chain(cert, trust_anchors=[root.x509core], purpose="client", at=AT)
    assert refused.value.category == "weak_algorithm"


def test_an_ecdsa_crl_verifies_and_a_tampered_one_does_not(factory):
    from tests.cert.ec_chains import tampered
    from x509core.cert import load_der_crl
    for kind in ("P-256", "P-384"):
        root = factory.ca(f"Root {kind}", kind)
        crl = factory.crl(root)
        assert crl.signature_algorithm_info.scheme == "ecdsa"
        crl.verify_signature(root.x509core.public_key)
        with pytest.raises(InvalidSignature):
            load_der_crl(tampered(crl.raw)).verify_signature(root.x509core.public_key)
