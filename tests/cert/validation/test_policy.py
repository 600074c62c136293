"""The seed system's certificates: our verdict against ``openssl verify`` for every leaf/anchor
pair at 2026-01-01, and the medical-imaging policy (machine binding, MAC, organization,
issuing CA, expiry warning) on them."""

from __future__ import annotations

import itertools
import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from tests.conftest import INTEROP, require_shared
from x509core import MedicalImagingPolicy, PathValidationError, verify_chain
from x509core.cert import load_pem_certificate

AT_UNIX = 1767225600                       # 2026-01-01T00:00:00Z
AT = datetime.fromtimestamp(AT_UNIX, timezone.utc)
FILES = ("client-HZ109999.pem", "dicom-org-cn-ca.pem", "dicom-org-cn-client-x.pem",
         "dicom-org-cn-client.pem", "dicomorg-root-ca.pem", "dicomorg-server.pem",
         "license-server-ca.pem", "localhost-selfsigned.pem")
ANCHORS = ("license-server-ca.pem", "dicom-org-cn-ca.pem", "dicomorg-root-ca.pem",
           "localhost-selfsigned.pem")
PURPOSES = {None: [], "client": ["-purpose", "sslclient"], "server": ["-purpose", "sslserver"]}
# Deliberate differences from OpenSSL, each documented in x509core/cert/validation/webpki.py:
# purpose="server" applies the web PKI profile, and CA/B BR §7.1.2.7.12 forbids a critical
# subjectAltName beside a non-empty subject (the ASP.NET Core development certificate has one).
DEVIATIONS = {("localhost-selfsigned.pem", "localhost-selfsigned.pem", "server"): "profile"}
MACHINE_ID = "c417aa4802b3441d931c135cbdaab367"


def _cert(file: str):
    return load_pem_certificate(require_shared(INTEROP / file).read_text())


def _ours(leaf: str, anchor: str, purpose) -> str:
    try:
        verify_chain(_cert(leaf), trust_anchors=[_cert(anchor)], at=AT, purpose=purpose)
    except PathValidationError as exc:
        return exc.category
    return "OK"


@pytest.mark.parametrize("leaf, anchor", list(itertools.product(FILES, ANCHORS)))
def test_verdict_matches_openssl(openssl, leaf, anchor):
    for purpose, options in PURPOSES.items():
        run = subprocess.run([openssl, "verify", "-attime", str(AT_UNIX), "-CAfile",
                              str(INTEROP / anchor), *options, str(INTEROP / leaf)],
                             capture_output=True, text=True, timeout=60)
        theirs = run.returncode == 0
        ours = _ours(leaf, anchor, purpose)
        expected = DEVIATIONS.get((leaf, anchor, purpose))
        if expected is not None:
            assert theirs and ours == expected
        else:
            assert (ours == "OK") == theirs, (purpose, ours, run.stdout, run.stderr)


def test_every_documented_chain_verifies():
    for leaf, anchor in (("client-HZ109999.pem", "license-server-ca.pem"),
                         ("dicom-org-cn-client.pem", "dicom-org-cn-ca.pem"),
                         ("dicom-org-cn-client-x.pem", "dicom-org-cn-ca.pem"),
                         ("dicomorg-server.pem", "dicomorg-root-ca.pem")):
        purpose = "server" if "server" in leaf else "client"
        assert _ours(leaf, anchor, purpose) == "OK", leaf


def _client(policy: MedicalImagingPolicy, at=AT):
    return verify_chain(_cert("client-HZ109999.pem"),
                        trust_anchors=[_cert("license-server-ca.pem")], purpose="client", at=at,
                        policy=policy)


def _refusal(policy: MedicalImagingPolicy, leaf="client-HZ109999.pem",
             anchor="license-server-ca.pem") -> PathValidationError:
    with pytest.raises(PathValidationError) as info:
        verify_chain(_cert(leaf), trust_anchors=[_cert(anchor)], purpose="client", at=AT,
                     policy=policy)
    return info.value


def test_machine_binding_matches_the_recorded_identity():
    chain = _client(MedicalImagingPolicy(machine_identity=MACHINE_ID, mac_address="18:C0:4D:FA:C0:A8"))
    assert len(chain) == 2 and chain[0].machine_identity == MACHINE_ID


def test_machine_binding_mismatch():
    error = _refusal(MedicalImagingPolicy(machine_identity="c417aa4802b3441d931c135cbdaab368"))
    assert (error.category, error.depth) == ("machine_binding_mismatch", 0)
    error = _refusal(MedicalImagingPolicy(machine_identity=MACHINE_ID, mac_address="18:c0:4d:fa:c0:a9"))
    assert error.category == "machine_binding_mismatch"


def test_machine_binding_missing():
    with pytest.raises(PathValidationError) as info:
        verify_chain(_cert("dicomorg-server.pem"), trust_anchors=[_cert("dicomorg-root-ca.pem")],
                     purpose="server", at=AT, policy=MedicalImagingPolicy(machine_identity=MACHINE_ID))
    assert (info.value.category, info.value.depth) == ("machine_binding_missing", 0)
    mac_error = _refusal(MedicalImagingPolicy(mac_address="18:c0:4d:fa:c0:a8"),
                         "dicom-org-cn-client.pem", "dicom-org-cn-ca.pem")
    assert mac_error.category == "machine_binding_missing"      # machine binding only, no MAC


def test_organizations_are_compared_after_normalisation():
    assert _client(MedicalImagingPolicy(organizations=("  hzmomostarsky.ltd ", "Other")))
    error = _refusal(MedicalImagingPolicy(organizations=("HzMomoStarsky",)))
    assert error.category == "organization"
    commas = verify_chain(_cert("dicom-org-cn-client-x.pem"), trust_anchors=[_cert("dicom-org-cn-ca.pem")],
                          purpose="client", at=AT,
                          policy=MedicalImagingPolicy(organizations=("xiasha,hangzhou,monoStarsky.LTD",)))
    assert len(commas) == 2


def test_issuing_ca():
    ca = _cert("license-server-ca.pem")
    assert _client(MedicalImagingPolicy(issuing_ca=ca))
    other = _cert("dicom-org-cn-ca.pem")
    with pytest.raises(PathValidationError) as info:
        verify_chain(_cert("client-HZ109999.pem"), trust_anchors=[ca, other], purpose="client",
                     at=AT, policy=MedicalImagingPolicy(issuing_ca=other))
    assert info.value.category == "issuing_ca"


def test_expiry_warning_and_threshold():
    leaf = _cert("client-HZ109999.pem")
    near = leaf.not_valid_after - timedelta(days=20)
    assert [w.depth for w in _client(MedicalImagingPolicy(), at=near).warnings] == [0]
    assert _client(MedicalImagingPolicy(expiry_warning=timedelta(days=10)), at=near).warnings == ()
    assert _client(MedicalImagingPolicy()).warnings == ()


def test_policy_argument_types():
    with pytest.raises(TypeError):
        MedicalImagingPolicy(machine_identity=b"c417")
    with pytest.raises(TypeError):
        MedicalImagingPolicy(organizations="DICOM")
    with pytest.raises(TypeError):
        _client({"machine_identity": MACHINE_ID})
