"""Revocation from given CRLs (RFC 5280 §6.3): revoked, not revoked, and unusable CRLs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.cert.validation.verify_fixtures import AT, chain, key, make, name
from x509core import PathValidationError, verify_chain
from x509core.cert import CRLBuilder
from x509core.cert.extensions import KeyUsage


def _crl(issuer_cn: str, signer: str, *serials, reason="keyCompromise", this=None, nxt=None):
    builder = (CRLBuilder().with_issuer(name(issuer_cn))
               .with_update_times(this or AT - timedelta(days=1), nxt or AT + timedelta(days=7))
               .with_crl_number(7))
    for serial in serials:
        builder = builder.with_revoked(serial, AT - timedelta(days=2), reason=reason)
    return builder.sign(key(signer))


def _verify(crls, leaf=None, inters=None):
    default_leaf, ica, root = chain()
    return verify_chain(leaf or default_leaf, trust_anchors=[root],
                        intermediates=inters or [ica], at=AT, crls=crls)


def _refusal(crls, **kwargs) -> PathValidationError:
    with pytest.raises(PathValidationError) as info:
        _verify(crls, **kwargs)
    return info.value


def test_revoked_leaf_names_the_reason():
    leaf = chain()[0]
    error = _refusal([_crl("Issuing CA", "ca", leaf.serial_number)])
    assert (error.category, error.depth, error.rule) == ("revoked", 0, "RFC 5280 §6.3.3 (i)")
    assert "keyCompromise" in error.reason


def test_hold_counts_as_revoked():
    leaf = chain()[0]
    error = _refusal([_crl("Issuing CA", "ca", leaf.serial_number, reason="certificateHold")])
    assert error.category == "revoked" and "certificateHold" in error.reason


def test_not_on_the_crl():
    assert len(_verify([_crl("Issuing CA", "ca", 123456789)])) == 3


def test_no_crls_means_no_revocation_check():
    assert len(_verify([])) == 3


@pytest.mark.parametrize("label, crl", [
    ("signed by another key", lambda: _crl("Issuing CA", "leaf", 5)),
    ("another issuer", lambda: _crl("Root", "root", 5)),
    ("expired", lambda: _crl("Issuing CA", "ca", 5, this=AT - timedelta(days=30),
                             nxt=AT - timedelta(days=1))),
    ("not yet issued", lambda: _crl("Issuing CA", "ca", 5, this=AT + timedelta(days=1),
                                    nxt=AT + timedelta(days=9))),
])
def test_unusable_crl_leaves_the_leaf_uncovered(label, crl):
    error = _refusal([crl()])
    assert (error.category, error.depth) == ("crl", 0), label


def test_revoked_serial_on_an_unusable_crl_is_not_trusted():
    leaf = chain()[0]
    forged = _crl("Issuing CA", "leaf", leaf.serial_number)          # wrong signer
    assert len(_verify([forged, _crl("Issuing CA", "ca")])) == 3


def test_issuer_without_crl_sign():
    root = chain()[2]
    ica = make("Issuing CA", "Root", "ca", "root", ca=True, ku=KeyUsage(key_cert_sign=True))
    leaf = make("pacs.example.org", "Issuing CA", "leaf", "ca")
    with pytest.raises(PathValidationError) as info:
        verify_chain(leaf, trust_anchors=[root], intermediates=[ica], at=AT,
                     crls=[_crl("Issuing CA", "ca")])
    assert info.value.category == "crl"


def test_revoked_intermediate():
    leaf, ica, root = chain()
    crls = [_crl("Issuing CA", "ca"), _crl("Root", "root", ica.serial_number, reason="cACompromise")]
    error = _refusal(crls)
    assert (error.category, error.depth) == ("revoked", 1) and "cACompromise" in error.reason


def test_crls_type():
    with pytest.raises(TypeError):
        _verify(["not a CRL"])
