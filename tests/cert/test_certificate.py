"""x509core.cert.certificate: parsed certificates (RFC 5280 §4.1) against three oracles.

Oracles: pyca/cryptography (fields, raw DER), the OpenSSL CLI (``x509 -serial -dates -subject
-issuer``, ``verify -attime``), and certifi's root bundle. Certificates: the seed system's interop
files (read where they lie, ../shared/interop/seed-system), certificates the OpenSSL CLI makes here
in a temporary directory (RSA with many extensions, RSASSA-PSS, an id-RSASSA-PSS key, EC P-256,
Ed25519, v1), and byte surgery on those for the refusals (offsets checked exactly).

The byte-surgery helpers are in ``surgery.py`` (shared with test_crl.py and
test_planted_faults.py); the certificate fixtures here are shared with test_text.py and
test_planted_faults.py.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import certifi
import pytest
from cryptography import x509 as pyca
from cryptography.exceptions import InvalidSignature as PycaInvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding as pyca_padding
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.cert.reading.surgery import (certificate_paths, der_children, der_header, edit_children,
                                element, extension_paths, oid_text, rebuild, replace, span, tlv)
from tests.cert.reading.reported import assert_reported
from tests.conftest import INTEROP, require_shared
from x509core.cert.bundle import load_pem_certificates
from x509core.cert.certificate import Certificate, load_der_certificate, load_pem_certificate
from x509core.cert.extensions import MalformedExtension
from x509core.cert.public_key import UnsupportedPublicKey
from x509core.cert.text import format_time
from x509core.der import BitString
from x509core.ec.key import ECPublicKey
from x509core.errors import (DecodeError, InvalidSignature, InvalidValue, NonCanonicalEncoding,
                             UnsupportedAlgorithm)
from x509core.rsa.key import RSAPublicKey

# -- the interop certificates --------------------------------------------------------------------

# The files ../shared/interop/README.md lists; a missing one fails (require_shared), never skips.
INTEROP_NAMES = ["client-HZ109999", "dicom-org-cn-ca", "dicom-org-cn-client-x",
                 "dicom-org-cn-client", "dicomorg-root-ca", "dicomorg-server",
                 "license-server-ca", "localhost-selfsigned"]

# Who signed whom (README: "All chains verify with openssl verify -attime 1767225600").
ISSUER_OF = {"client-HZ109999": "license-server-ca", "dicom-org-cn-client": "dicom-org-cn-ca",
             "dicom-org-cn-client-x": "dicom-org-cn-ca", "dicomorg-server": "dicomorg-root-ca",
             "license-server-ca": "license-server-ca", "dicom-org-cn-ca": "dicom-org-cn-ca",
             "dicomorg-root-ca": "dicomorg-root-ca", "localhost-selfsigned": "localhost-selfsigned"}
ATTIME = "1767225600"                                # 2026-01-01T00:00:00Z, from the README

MACHINE_ID, MAC = "c417aa4802b3441d931c135cbdaab367", "18:c0:4d:fa:c0:a8"
UTC = timezone.utc


def interop_path(name: str) -> Path:
    return require_shared(INTEROP / f"{name}.pem")


def pem_blocks(text: str) -> list[bytes]:
    """The DER of every CERTIFICATE block (RFC 7468), decoded here without x509core."""
    blocks = re.findall(r"-----BEGIN CERTIFICATE-----\s*(.*?)-----END CERTIFICATE-----", text, re.S)
    return [base64.b64decode("".join(block.split()), validate=True) for block in blocks]


def der_of(path: Path) -> bytes:
    (der,) = pem_blocks(path.read_text(encoding="utf-8"))
    return der


def interop_der(name: str) -> bytes:
    return der_of(interop_path(name))


def run_openssl(openssl: str, *args: str, cwd: Path | None = None, check: bool = True,
                data: bytes | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run([openssl, *args], cwd=cwd, input=data, capture_output=True, check=False)
    if check:
        assert done.returncode == 0, f"openssl {' '.join(args)}:\n{done.stderr.decode()}"
    return done


# -- certificates made here by the OpenSSL CLI ---------------------------------------------------

OPENSSL_CONFIG = """\
[ req ]
distinguished_name = req_dn
string_mask = utf8only
[ req_dn ]
[ plain ]
basicConstraints = CA:FALSE
subjectKeyIdentifier = hash
[ rich ]
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
basicConstraints = critical, CA:TRUE, pathlen:3
keyUsage = critical, digitalSignature, keyCertSign, cRLSign
extendedKeyUsage = serverAuth, clientAuth, 1.3.6.1.4.1.99999.1
subjectAltName = DNS:*.example.org, DNS:leaf.example.org, IP:127.0.0.1, IP:::1, email:admin@example.org, URI:https://example.org/p?q=1
certificatePolicies = 2.23.140.1.2.1, @policy
crlDistributionPoints = URI:http://crl.example.org/ca.crl
authorityInfoAccess = OCSP;URI:http://ocsp.example.org/, caIssuers;URI:http://example.org/ca.crt
nameConstraints = critical, permitted;DNS:.example.org, excluded;IP:10.0.0.0/255.0.0.0
1.3.6.1.4.15967132172.1 = ASN1:UTF8String:c417aa4802b3441d931c135cbdaab367
1.2.3.4.5 = critical, ASN1:UTF8String:hello world
[ policy ]
policyIdentifier = 1.3.6.1.4.1.99999.2.1
CPS.1 = "https://example.org/cps"
userNotice.1 = @notice
[ notice ]
explicitText = "UTF8:Notice text"
[ leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectAltName = DNS:leaf.example.org, IP:192.0.2.7
authorityKeyIdentifier = keyid, issuer
"""

# name -> extra `openssl req -x509` arguments (each certificate is self-signed unless noted)
RICH_SUBJECT = "/C=CN/ST=Zhejiang/O=医学影像 DICOM/CN=Ünïcødé CA+UID=u1/emailAddress=ca@example.org"
OPENSSL_MADE = {
    "rsa-rich": ("-extensions", "rich", "-key", "rsa.key", "-days", "12000", "-multivalue-rdn",
                 "-subj", RICH_SUBJECT),
    "rsa-pss": ("-extensions", "plain", "-key", "rsa.key", "-sigopt", "rsa_padding_mode:pss",
                "-sigopt", "rsa_pss_saltlen:32", "-sha256", "-subj", "/CN=pss.example"),
    "rsa-pss-key": ("-extensions", "plain", "-key", "pss.key", "-subj", "/CN=pss-key.example"),
    "ec-p256": ("-extensions", "plain", "-key", "ec.key", "-subj", "/CN=ec.example"),
    "ec-p384": ("-extensions", "plain", "-key", "ec384.key", "-sha384", "-subj", "/CN=ec384.example"),
    "ec-p521": ("-extensions", "rich", "-key", "ec521.key", "-sha512", "-subj", "/CN=ec521.example"),
    "ed25519": ("-extensions", "plain", "-key", "ed.key", "-subj", "/CN=ed.example"),
    "negative-serial": ("-extensions", "plain", "-key", "rsa.key", "-set_serial", "-5",
                        "-subj", "/CN=negative.example"),
}
OPENSSL_NAMES = [*OPENSSL_MADE, "rsa-leaf", "v1"]


@pytest.fixture(scope="session")
def openssl_dir(openssl: str, tmp_path_factory) -> Path:
    """A directory holding the keys and the PEM files of OPENSSL_NAMES (``<name>.pem``)."""
    work = tmp_path_factory.mktemp("openssl-certificates")
    (work / "x.cnf").write_text(OPENSSL_CONFIG, encoding="utf-8")

    def run(*args: str) -> None:
        run_openssl(openssl, *args, cwd=work)

    run("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa.key")
    run("genpkey", "-algorithm", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:2048", "-pkeyopt",
        "rsa_pss_keygen_md:sha256", "-pkeyopt", "rsa_pss_keygen_mgf1_md:sha256",
        "-pkeyopt", "rsa_pss_keygen_saltlen:32", "-out", "pss.key")
    run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ec.key")
    run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", "ec384.key")
    run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521", "-out", "ec521.key")
    run("genpkey", "-algorithm", "ED25519", "-out", "ed.key")
    for name, args in OPENSSL_MADE.items():
        run("req", "-x509", "-config", "x.cnf", "-utf8", "-days", "30", *args, "-out", f"{name}.pem")
    run("req", "-new", "-config", "x.cnf", "-key", "ec.key", "-subj", "/O=Leaf, Inc./CN=leaf",
        "-out", "leaf.csr")
    # An EC key certified by the RSA root; without -extfile `x509 -req` writes version 1.
    run("x509", "-req", "-in", "leaf.csr", "-CA", "rsa-rich.pem", "-CAkey", "rsa.key",
        "-set_serial", "0x7fa1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3", "-days", "30",
        "-extfile", "x.cnf", "-extensions", "leaf", "-out", "rsa-leaf.pem")
    run("x509", "-req", "-in", "leaf.csr", "-CA", "rsa-rich.pem", "-CAkey", "rsa.key",
        "-set_serial", "7", "-days", "30", "-out", "v1.pem")
    return work


@pytest.fixture(scope="session")
def openssl_certificates(openssl_dir: Path) -> dict[str, bytes]:
    return {name: der_of(openssl_dir / f"{name}.pem") for name in OPENSSL_NAMES}


def assert_refused(der: bytes, offset: int, *citations: str, error=DecodeError) -> DecodeError:
    """load_der_certificate refuses ``der`` with ``error`` at exactly ``offset``, citing each of
    ``citations``."""
    with pytest.raises(DecodeError) as caught:
        load_der_certificate(der)
    err = caught.value
    assert isinstance(err, error), f"{type(err).__name__}: {err}"
    assert err.offset == offset, f"offset {err.offset}, expected {offset}: {err}"
    assert 0 <= err.offset <= len(der)
    for citation in citations:
        assert citation in str(err), f"{citation!r} not in {str(err)!r}"
    return err


def test_surgery_round_trips_every_element():
    """Replacing any element by itself gives the input back (the helpers are exact)."""
    der = interop_der("dicomorg-server")

    def visit(path):
        assert replace(der, path, element(der, path)) == (der, span(der, path)[0])
        start, end = span(der, path)
        if der[start] & 0x20:
            for index in range(len(der_children(der, *der_header(der, start)))):
                visit(path + (index,))
    visit(())
    assert oid_text(bytes.fromhex("2a864886f70d01010b")) == "1.2.840.113549.1.1.11"


# -- interop: parse, round trip, fields against pyca/cryptography ---------------------------------

@pytest.mark.parametrize("name", INTEROP_NAMES)
def test_interop_parses_and_round_trips(name):
    text = interop_path(name).read_text(encoding="utf-8")
    der = interop_der(name)
    cert = load_pem_certificate(text)
    assert cert.to_der() == cert.raw == der
    assert load_der_certificate(der).raw == der
    assert [c.raw for c in load_pem_certificates(text)] == [der]
    assert pem_blocks(cert.to_pem()) == [der]
    paths = certificate_paths(der)
    assert cert.raw_tbs == element(der, paths["tbsCertificate"])
    assert cert.raw_issuer == element(der, paths["issuer"])
    assert cert.raw_subject == element(der, paths["subject"])
    assert cert.raw_spki == element(der, paths["subjectPublicKeyInfo"])
    assert cert.raw_signature_algorithm == element(der, paths["signatureAlgorithm"])


@pytest.mark.parametrize("name", INTEROP_NAMES)
def test_interop_fields_equal_pyca(name):
    der = interop_der(name)
    cert, theirs = load_der_certificate(der), pyca.load_der_x509_certificate(der)
    assert cert.version == theirs.version.value + 1
    assert cert.serial_number == theirs.serial_number
    assert cert.issuer.rfc4514() == theirs.issuer.rfc4514_string()
    assert cert.subject.rfc4514() == theirs.subject.rfc4514_string()
    assert cert.raw_issuer == theirs.issuer.public_bytes()
    assert cert.raw_subject == theirs.subject.public_bytes()
    assert cert.not_valid_before == theirs.not_valid_before_utc
    assert cert.not_valid_after == theirs.not_valid_after_utc
    assert cert.not_valid_before.tzinfo is not None
    numbers = theirs.public_key().public_numbers()
    assert isinstance(cert.public_key, RSAPublicKey)
    assert (cert.public_key.n, cert.public_key.e) == (numbers.n, numbers.e)
    assert cert.public_key.key_size == theirs.public_key().key_size
    assert cert.signature_algorithm == theirs.signature_algorithm_oid.dotted_string
    assert cert.signature == theirs.signature
    assert cert.raw_tbs == theirs.tbs_certificate_bytes
    assert cert.fingerprint() == theirs.fingerprint(hashes.SHA256())
    ours = [(str(e.oid), e.critical, e.raw_value) for e in cert.extensions]
    assert ours == [(e.oid.dotted_string, e.critical, e.value.public_bytes())
                    for e in theirs.extensions]


def _openssl_serial(serial: int) -> str:
    """``openssl x509 -serial``'s form: upper-case hex in whole octets, '-' for negatives."""
    digits = f"{abs(serial):X}"
    return ("-" if serial < 0 else "") + digits.rjust(len(digits) + len(digits) % 2, "0")


@pytest.mark.parametrize("name", INTEROP_NAMES)
def test_interop_fields_equal_openssl_cli(name, openssl):
    cert = load_der_certificate(interop_der(name))
    done = run_openssl(openssl, "x509", "-in", str(interop_path(name)), "-noout", "-serial",
                       "-dates", "-subject", "-issuer")
    printed = dict(line.split("=", 1) for line in done.stdout.decode("utf-8").splitlines())
    assert printed == {"serial": _openssl_serial(cert.serial_number),
                       "notBefore": format_time(cert.not_valid_before),
                       "notAfter": format_time(cert.not_valid_after),
                       "subject": cert.subject.openssl_oneline(escape_msb=True),
                       "issuer": cert.issuer.openssl_oneline(escape_msb=True)}
    assert int(printed["serial"], 16) == cert.serial_number


def test_interop_machine_binding():
    client = load_der_certificate(interop_der("client-HZ109999"))
    assert client.machine_identity == MACHINE_ID
    assert client.mac_address == MAC
    assert client.extension("1.3.6.1.4.15967132172.1").raw_value == MACHINE_ID.encode()
    assert client.extension("1.3.6.1.4.15967132172.2").raw_value == MAC.encode()
    assert not client.extension("1.3.6.1.4.15967132172.1").critical
    theirs = pyca.load_der_x509_certificate(client.raw).extensions
    for oid, value in (("1.3.6.1.4.15967132172.1", MACHINE_ID), ("1.3.6.1.4.15967132172.2", MAC)):
        their_ext = theirs.get_extension_for_oid(pyca.ObjectIdentifier(oid))
        assert (their_ext.critical, their_ext.value.value) == (False, value.encode("ascii"))
    other = load_der_certificate(interop_der("dicom-org-cn-client"))
    assert other.machine_identity == "3CFhW1f3SsRiLDM8esoQEF7zBMdhYslSaGXs"
    assert other.mac_address is None
    assert load_der_certificate(interop_der("dicomorg-server")).machine_identity is None


def test_interop_utf8_organization():
    cert = load_der_certificate(interop_der("dicom-org-cn-client"))
    assert cert.subject.organization == "西部省东海市人民医院"
    (attribute,) = [a for a in cert.subject if a.oid == "2.5.4.10"]
    assert attribute.string_tag == 12                            # UTF8String
    assert attribute.raw == b"\x0c\x1e" + "西部省东海市人民医院".encode("utf-8")
    assert cert.subject.rfc4514() == "CN=HZXS2701PQSQ91BU,O=西部省东海市人民医院,C=CN"
    (their_org,) = pyca.load_der_x509_certificate(cert.raw).subject.get_attributes_for_oid(
        pyca.oid.NameOID.ORGANIZATION_NAME)
    assert (their_org.value, their_org._type.value) == ("西部省东海市人民医院", 12)
    commas = load_der_certificate(interop_der("dicom-org-cn-client-x"))
    assert commas.subject.organization == "xiasha,hangzhou,monoStarsky.LTD"


def test_interop_particulars():
    """What the interop README says is worth testing in each file."""
    ca = load_der_certificate(interop_der("dicom-org-cn-ca"))
    assert ca.not_valid_after == datetime(2055, 9, 11, 5, 34, 56, tzinfo=UTC)   # GeneralizedTime
    assert element(ca.raw, certificate_paths(ca.raw)["notAfter"])[0] == 0x18
    license_ca = load_der_certificate(interop_der("license-server-ca"))
    assert license_ca.basic_constraints.ca and license_ca.basic_constraints.path_len_constraint == 2
    assert license_ca.extension("2.5.29.15").critical
    assert license_ca.subject.get("UID") == ["15967132172"]
    server = load_der_certificate(interop_der("dicomorg-server"))
    assert server.serial_number == 0x14C6BAB7E5DF8928D6252C33992F51D1E2428DE0
    names = [str(n.value) for n in server.subject_alternative_name.names]
    assert names == [str(n.value) for n in pyca.load_der_x509_certificate(server.raw).extensions
                     .get_extension_for_class(pyca.SubjectAlternativeName).value]
    assert "*.dicom.org.cn" in names and "127.0.0.1" in names
    local = load_der_certificate(interop_der("localhost-selfsigned"))
    assert local.extension("2.5.29.17").critical
    unknown = local.extension("1.3.6.1.4.1.311.84.1.1")
    assert (unknown.critical, unknown.raw_value) == (False, b"\x04")
    assert all(load_der_certificate(interop_der(n)).is_self_issued
               == (ISSUER_OF[n] == n) for n in INTEROP_NAMES)


# -- interop: signatures, exactly as `openssl verify -attime` sees them ---------------------------

def _verifies(cert: Certificate, issuer: Certificate) -> bool:
    try:
        cert.verify_signature(issuer.public_key)
    except InvalidSignature:
        return False
    return True


@pytest.mark.parametrize("name", INTEROP_NAMES)
def test_interop_chain_verifies(name, openssl):
    issuer_name = ISSUER_OF[name]
    cert = load_der_certificate(interop_der(name))
    issuer = load_der_certificate(interop_der(issuer_name))
    assert cert.verify_signature(issuer.public_key) is None
    assert cert.raw_issuer == issuer.raw_subject
    done = run_openssl(openssl, "verify", "-attime", ATTIME, "-CAfile",
                       str(interop_path(issuer_name)), str(interop_path(name)))
    assert done.stdout.decode().strip() == f"{interop_path(name)}: OK"


def test_signature_matrix_equals_openssl_verify(openssl):
    """Each certificate against each candidate issuer: x509core's signature check succeeds for
    exactly the pairs `openssl verify -attime 1767225600 -CAfile CANDIDATE CERT` accepts."""
    certs = {name: load_der_certificate(interop_der(name)) for name in INTEROP_NAMES}
    ours, theirs = set(), set()
    for name, cert in certs.items():
        for candidate, issuer in certs.items():
            if _verifies(cert, issuer):
                ours.add((name, candidate))
            done = run_openssl(openssl, "verify", "-attime", ATTIME, "-CAfile",
                               str(interop_path(candidate)), str(interop_path(name)), check=False)
            if done.returncode == 0:
                theirs.add((name, candidate))
    assert ours == theirs == set(ISSUER_OF.items())


def test_wrong_issuer_key_raises_invalid_signature():
    client = load_der_certificate(interop_der("client-HZ109999"))
    for wrong in ("dicom-org-cn-ca", "dicomorg-root-ca", "localhost-selfsigned", "client-HZ109999"):
        with pytest.raises(InvalidSignature) as caught:
            client.verify_signature(load_der_certificate(interop_der(wrong)).public_key)
        assert not re.search(r"padding|hash|digest|length|prefix", str(caught.value), re.I)


def _pyca_directly_issued(leaf: bytes, issuer: bytes) -> bool:
    try:
        pyca.load_der_x509_certificate(leaf).verify_directly_issued_by(
            pyca.load_der_x509_certificate(issuer))
    except (ValueError, PycaInvalidSignature):      # names differ / the signature does not verify
        return False
    return True


def test_verify_directly_issued_by_agrees_with_pyca_on_every_interop_pair():
    """Every (certificate, issuer) pair of the interop set: our verdict equals pyca/cryptography's
    (issuer name and signature), and the accepted pairs are the known issuers."""
    accepted = set()
    for leaf_name in INTEROP_NAMES:
        for issuer_name in INTEROP_NAMES:
            leaf = load_der_certificate(interop_der(leaf_name))
            issuer = load_der_certificate(interop_der(issuer_name))
            try:
                leaf.verify_directly_issued_by(issuer)
                ours = True
            except (InvalidValue, InvalidSignature):
                ours = False
            assert ours == _pyca_directly_issued(interop_der(leaf_name), interop_der(issuer_name)), \
                (leaf_name, issuer_name)
            if ours:
                accepted.add((leaf_name, issuer_name))
    assert ("client-HZ109999", "license-server-ca") in accepted
    assert ("dicomorg-server", "dicomorg-root-ca") in accepted
    assert ("client-HZ109999", "dicom-org-cn-ca") not in accepted


def test_verify_directly_issued_by_refuses_a_name_mismatch_before_the_signature():
    client = load_der_certificate(interop_der("client-HZ109999"))
    other = load_der_certificate(interop_der("dicomorg-root-ca"))
    with pytest.raises(InvalidValue, match="issuer name"):
        client.verify_directly_issued_by(other)
    with pytest.raises(TypeError):
        client.verify_directly_issued_by(other.public_key)


def test_signature_is_over_raw_tbs():
    """A changed TBS octet (still valid DER) makes the signature fail."""
    der = interop_der("dicomorg-server")
    paths = certificate_paths(der)
    start, end = span(der, paths["serialNumber"])
    tampered = der[:end - 1] + bytes([der[end - 1] ^ 1]) + der[end:]
    cert = load_der_certificate(tampered)
    issuer = load_der_certificate(interop_der("dicomorg-root-ca"))
    with pytest.raises(InvalidSignature):
        cert.verify_signature(issuer.public_key)


def test_verify_signature_needs_a_key():
    cert = load_der_certificate(interop_der("license-server-ca"))
    with pytest.raises(TypeError):
        cert.verify_signature(b"not a key")


# -- certifi's roots ------------------------------------------------------------------------------

def certifi_roots() -> list[bytes]:
    roots = pem_blocks(Path(certifi.where()).read_text(encoding="utf-8"))
    assert len(roots) > 100, f"only {len(roots)} roots in {certifi.where()}"
    return roots


# Counted on certifi 2025.x (120 roots): 81 RSA, 39 EC; the test prints them (pytest -s).
def test_every_certifi_root_parses_round_trips_and_verifies():
    """Every root's self-signature verifies, RSA and ECDSA alike, and fails with a flipped bit."""
    counts = {"roots": 0, "rsa_verified": 0, "ecdsa_verified": 0}
    for der in certifi_roots():
        cert = load_der_certificate(der)
        counts["roots"] += 1
        assert cert.to_der() == der and cert.is_self_issued
        cert.verify_signature(cert.public_key)
        kind = "ecdsa" if isinstance(cert.public_key, ECPublicKey) else "rsa"
        assert isinstance(cert.public_key, RSAPublicKey) or kind == "ecdsa"
        assert cert.signature_algorithm_info.scheme in (("ecdsa",) if kind == "ecdsa"
                                                        else ("pkcs1v15", "pss"))
        counts[f"{kind}_verified"] += 1
    print(f"certifi {certifi.__version__}: {counts}")
    assert counts["rsa_verified"] + counts["ecdsa_verified"] == counts["roots"]
    assert counts["rsa_verified"] >= 50 and counts["ecdsa_verified"] >= 10


def test_every_ecdsa_root_of_debians_trust_store_verifies_its_own_signature():
    """Issue 11: 33 of the 144 roots of Debian's ca-certificates sign with ECDSA; each one's
    self-signature verifies with its own EC key (and fails with a bit of it flipped)."""
    from tests.cert.reading.corpus import DEBIAN_BUNDLE
    if not DEBIAN_BUNDLE.exists():
        pytest.fail(f"{DEBIAN_BUNDLE} is missing (apt-get install -y ca-certificates)")
    bundle = load_pem_certificates(DEBIAN_BUNDLE.read_bytes())
    assert not bundle.errors and len(bundle) > 100
    ecdsa = [cert for cert in bundle if cert.signature_algorithm in
             ("1.2.840.10045.4.3.2", "1.2.840.10045.4.3.3", "1.2.840.10045.4.3.4")]
    curves = {}
    for cert in ecdsa:
        assert cert.signature_algorithm_info.scheme == "ecdsa", cert
        assert isinstance(cert.public_key, ECPublicKey), cert
        cert.verify_signature(cert.public_key)
        curves[cert.public_key.curve.nist_name] = curves.get(cert.public_key.curve.nist_name, 0) + 1
        flipped = cert.raw[:-1] + bytes([cert.raw[-1] ^ 1])
        with pytest.raises(InvalidSignature):
            load_der_certificate(flipped).verify_signature(cert.public_key)
    print(f"ECDSA roots in {DEBIAN_BUNDLE}: {len(ecdsa)} of {len(bundle)}, by curve {curves}")
    assert len(ecdsa) >= 30 and set(curves) >= {"P-256", "P-384"}


@pytest.mark.filterwarnings("ignore:Parsed a serial number which wasn't positive")
def test_certifi_root_fields_equal_pyca():
    """Serial, names, validity, key, and extension OIDs and flags. Extension values are not
    compared here: pyca re-encodes some (ACCVRAIZ1's CertificatePolicies explicitText
    BMPString comes back a UTF8String), so it is no oracle for their bytes."""
    for der in certifi_roots():
        cert, theirs = load_der_certificate(der), pyca.load_der_x509_certificate(der)
        assert (cert.serial_number, cert.subject.rfc4514(), cert.issuer.rfc4514()) == \
            (theirs.serial_number, theirs.subject.rfc4514_string(), theirs.issuer.rfc4514_string())
        assert (cert.not_valid_before, cert.not_valid_after) == \
            (theirs.not_valid_before_utc, theirs.not_valid_after_utc)
        assert cert.raw_spki == theirs.public_key().public_bytes(
            Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        assert [(str(e.oid), e.critical) for e in cert.extensions] == \
            [(e.oid.dotted_string, e.critical) for e in theirs.extensions]


# -- certificates made by OpenSSL: EC, Ed25519, RSASSA-PSS, v1 -------------------------------------

def test_an_openssl_ec_certificate_parses_prints_and_verifies(openssl_certificates):
    der = openssl_certificates["ec-p256"]
    cert = load_der_certificate(der)
    theirs = pyca.load_der_x509_certificate(der)
    assert cert.to_der() == der and not cert.findings
    assert cert.signature_algorithm == "1.2.840.10045.4.3.2" == theirs.signature_algorithm_oid.dotted_string
    assert (cert.signature_algorithm_info.scheme, cert.signature_algorithm_info.hash_name) == \
        ("ecdsa", "sha256")
    key = cert.public_key
    assert isinstance(key, ECPublicKey) and (key.curve.name, key.key_size) == ("prime256v1", 256)
    numbers = theirs.public_key().public_numbers()
    assert (key.x, key.y) == (numbers.x, numbers.y)
    assert cert.public_key_info.subject_public_key == key.to_encoded_point()
    assert cert.raw_spki == theirs.public_key().public_bytes(
        Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    cert.verify_signature(key)
    flipped = der[:-1] + bytes([der[-1] ^ 1])
    with pytest.raises(InvalidSignature):
        load_der_certificate(flipped).verify_signature(key)


def test_non_rsa_non_ec_certificates_parse_print_and_refuse_to_verify(openssl_certificates):
    der = openssl_certificates["ed25519"]
    cert = load_der_certificate(der)
    theirs = pyca.load_der_x509_certificate(der)
    assert cert.to_der() == der
    assert cert.signature_algorithm == "1.3.101.112" == theirs.signature_algorithm_oid.dotted_string
    key = cert.public_key
    assert isinstance(key, UnsupportedPublicKey) and key.algorithm == "1.3.101.112"
    assert cert.raw_spki == theirs.public_key().public_bytes(
        Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    text = cert.text()
    assert f"Public Key Algorithm: {key.algorithm_name}" in text and "Subject Public Key Info" in text
    for issuer_key in (key, load_der_certificate(openssl_certificates["rsa-rich"]).public_key):
        with pytest.raises(UnsupportedAlgorithm) as caught:
            cert.verify_signature(issuer_key)
        assert "unsupported algorithm" in str(caught.value) and "1.3.101.112" in str(caught.value)


def test_a_key_of_the_wrong_kind_is_a_signature_mismatch(openssl_certificates):
    """An RSA signature checked with an EC key, and an ECDSA one with an RSA key: InvalidSignature
    naming both kinds (OpenSSL: "wrong public key type", a certificate signature failure)."""
    rsa_signed = load_der_certificate(openssl_certificates["rsa-rich"])
    ec_signed = load_der_certificate(openssl_certificates["ec-p256"])
    with pytest.raises(InvalidSignature, match="the sha256WithRSAEncryption signature cannot be made "
                       r"by an EC key \(P-256\)"):
        rsa_signed.verify_signature(ec_signed.public_key)
    with pytest.raises(InvalidSignature, match="the ecdsa-with-SHA256 signature cannot be made by an "
                       "RSA key"):
        ec_signed.verify_signature(rsa_signed.public_key)


def test_rsa_issuer_certifies_an_ec_key(openssl_certificates):
    leaf = load_der_certificate(openssl_certificates["rsa-leaf"])
    root = load_der_certificate(openssl_certificates["rsa-rich"])
    assert isinstance(leaf.public_key, ECPublicKey)
    assert leaf.public_key == load_der_certificate(openssl_certificates["ec-p256"]).public_key
    assert leaf.serial_number == 0x7FA1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3
    leaf.verify_signature(root.public_key)
    leaf.verify_directly_issued_by(root)


def test_rsassa_pss_signature(openssl_certificates):
    der = openssl_certificates["rsa-pss"]
    cert, theirs = load_der_certificate(der), pyca.load_der_x509_certificate(der)
    assert cert.signature_algorithm == "1.2.840.113549.1.1.10"
    info = cert.signature_algorithm_info
    assert (info.padding, info.hash_name) == ("pss", "sha256")
    assert (info.pss.mgf1_hash_name, info.pss.salt_length) == ("sha256", 32)
    assert isinstance(theirs.signature_algorithm_parameters, pyca_padding.PSS)
    cert.verify_signature(cert.public_key)
    theirs.public_key().verify(theirs.signature, theirs.tbs_certificate_bytes,
                               theirs.signature_algorithm_parameters,
                               theirs.signature_hash_algorithm)
    flipped = der[:-1] + bytes([der[-1] ^ 1])
    with pytest.raises(InvalidSignature):
        load_der_certificate(flipped).verify_signature(cert.public_key)


def test_rsassa_pss_key(openssl_certificates):
    cert = load_der_certificate(openssl_certificates["rsa-pss-key"])
    assert cert.public_key_info.algorithm == "1.2.840.113549.1.1.10"
    restriction = cert.public_key_info.pss_parameters
    assert (restriction.hash_name, restriction.mgf1_hash_name, restriction.salt_length) == \
        ("sha256", "sha256", 32)
    assert isinstance(cert.public_key, RSAPublicKey)
    cert.verify_signature(cert.public_key)


def test_negative_serial_is_read(openssl_certificates):
    """RFC 5280 §4.1.2.2 forbids it, yet OpenSSL writes it; x509core reads it as it is."""
    assert load_der_certificate(openssl_certificates["negative-serial"]).serial_number == -5


def test_v1_certificate_is_read(openssl_certificates):
    """A certificate without the [0] version field is version 1 (RFC 5280 §4.1.2.1, DEFAULT v1).
    (It was refused as "unknown certificate version 0" until the review's fix.)"""
    der = openssl_certificates["v1"]
    assert "version" not in certificate_paths(der)                 # no [0] field: v1
    cert = load_der_certificate(der)
    assert cert.version == pyca.load_der_x509_certificate(der).version.value + 1 == 1
    assert cert.extensions == ()
    cert.verify_signature(load_der_certificate(openssl_certificates["rsa-rich"]).public_key)


# -- refusals, by byte surgery on a real certificate ----------------------------------------------

def _base() -> bytes:
    return interop_der("dicomorg-server")       # v3, six extensions, sha256WithRSAEncryption


SHA384_WITH_RSA = bytes.fromhex("300d06092a864886f70d01010c0500")


@pytest.mark.parametrize("where", ["outer", "inner", "outer-pss"])
def test_outer_and_inner_signature_algorithm_must_be_equal(where, openssl_certificates):
    """Each AlgorithmIdentifier alone is valid; they differ, so the outer one is refused."""
    base = _base()
    if where == "inner":
        der = replace(base, certificate_paths(base)["signature"], SHA384_WITH_RSA)[0]
        start = span(der, (1,))[0]
    else:
        pss = openssl_certificates["rsa-pss"]
        outer = element(pss, (1,)) if where == "outer-pss" else SHA384_WITH_RSA
        der, start = replace(base, (1,), outer)
    assert_refused(der, start, "RFC 5280 §4.1.1.2")


def _without_version(der: bytes, version: int | None) -> bytes:
    """The certificate with its [0] version removed (None) or set to ``version`` (0-based)."""
    if version is None:
        return edit_children(der, (0,), lambda kids: kids[1:])
    return replace(der, (0, 0), bytes.fromhex(f"a00302010{version}"))[0]


def test_v2_certificate_with_extensions_is_reported():
    der = _without_version(_base(), 1)
    start, _ = span(der, certificate_paths(der)["extensions"])
    cert = assert_reported(der, start, "RFC 5280 §4.1.2.9")
    assert cert.version == 2 and cert.key_usage is not None      # the extensions are read


def test_v1_certificate_with_extensions_is_reported():
    """Reported at the [3] extensions, citing RFC 5280 §4.1.2.9 (extensions only in v3)."""
    der = _without_version(_base(), None)
    start, _ = span(der, certificate_paths(der)["extensions"])
    assert assert_reported(der, start, "RFC 5280 §4.1.2.9").version == 1


def _with_unique_id(der: bytes, version: int | None, number: int) -> tuple[bytes, int]:
    """No extensions, the given version, and a [number] IMPLICIT UniqueIdentifier after the SPKI."""
    der = edit_children(der, (0,), lambda kids: [k for k in kids if k[0] != 0xA3])
    der = _without_version(der, version)
    spki = certificate_paths(der)["subjectPublicKeyInfo"]
    unique = tlv(0x80 | number, b"\x00\xaa\xbb")
    der = edit_children(der, (0,), lambda kids: [*kids[:spki[1] + 1], unique, *kids[spki[1] + 1:]])
    return der, span(der, (0, spki[1] + 1))[0]


@pytest.mark.parametrize("number", [1, 2])
def test_unique_identifiers_in_v2_are_read(number):
    der, _ = _with_unique_id(_base(), 1, number)
    cert = load_der_certificate(der)
    assert cert.version == 2 and cert.to_der() == der
    ids = (cert.issuer_unique_id, cert.subject_unique_id)
    assert ids[number - 1] == BitString(b"\xaa\xbb") and ids[2 - number] is None


@pytest.mark.parametrize("number", [1, 2])
def test_unique_identifiers_in_v1_are_reported(number):
    """Reported at the unique identifier, citing RFC 5280 §4.1.2.8 (v2 or v3 only)."""
    der, start = _with_unique_id(_base(), None, number)
    cert = assert_reported(der, start, "RFC 5280 §4.1.2.8")
    assert (cert.issuer_unique_id, cert.subject_unique_id)[number - 1] == BitString(b"\xaa\xbb")


def test_duplicate_extension_is_reported_and_both_are_kept():
    base = _base()
    sequence = certificate_paths(base)["extensions"] + (0,)
    count = len(der_children(base, *der_header(base, span(base, sequence)[0])))
    der = edit_children(base, sequence, lambda kids: [*kids, kids[1]])
    cert = assert_reported(der, span(der, sequence + (count,))[0], "duplicate extension 2.5.29.15",
                           "RFC 5280 §4.2")
    assert [e.oid for e in cert.extensions].count("2.5.29.15") == 2


def test_empty_extensions_sequence_is_reported():
    base = _base()
    der, start = replace(base, certificate_paths(base)["extensions"] + (0,), b"\x30\x00")
    assert assert_reported(der, start, "RFC 5280 §4.1", "SIZE (1..MAX)").extensions == ()


@pytest.mark.parametrize("trailer", ["00", "3000", "0500"])
def test_trailing_data_after_the_certificate_is_refused(trailer):
    base = _base()
    assert_refused(base + bytes.fromhex(trailer), len(base), "X.690 §8.1.1")


@pytest.mark.parametrize("oid,inner,relative,citation", [
    # BasicConstraints SEQUENCE with a long-form length (X.690 §10.1): offset of the length octets
    ("2.5.29.19", "30810100", 1, "X.690 §10.1"),
    # KeyUsage BIT STRING in constructed (BER) form (X.690 §10.2)
    ("2.5.29.15", "2304030205a0", 0, "X.690 §10.2"),
    # ExtendedKeyUsage with an indefinite length
    ("2.5.29.37", "3080" "06082b06010505070301" "0000", 1, "X.690 §10.1"),
    # SubjectKeyIdentifier followed by one more octet inside extnValue
    ("2.5.29.14", "0401aa00", 3, "X.690 §8.1.1"),
])
def test_extension_value_not_der_is_kept_as_malformed(oid, inner, relative, citation):
    """A known extension whose value does not read: the certificate reads, the extension is kept
    whole as a MalformedExtension with the refusal as its finding (at the refusal's offset), and
    asking for its value raises — a broken extension is never taken for an absent one."""
    base = _base()
    path = extension_paths(base)[oid]
    path += (len(der_children(base, *der_header(base, span(base, path)[0]))) - 1,)   # extnValue
    der, start = replace(base, path, tlv(0x04, bytes.fromhex(inner)))
    cert = assert_reported(der, start + 2 + relative, citation)
    ext = cert.extension(oid)
    assert isinstance(ext.value, MalformedExtension) and ext.raw_value == bytes.fromhex(inner)
    getter = {"2.5.29.19": "basic_constraints", "2.5.29.15": "key_usage",
              "2.5.29.37": "extended_key_usage", "2.5.29.14": "subject_key_identifier"}[oid]
    with pytest.raises(InvalidValue, match="malformed"):
        getattr(cert, getter)


def test_refusal_errors_are_non_canonical_where_ber_is_valid():
    base = _base()
    start, _ = span(base, (0,))
    bad, _ = rebuild(base, (0,), lambda e: e[:1] + b"\x83\x00" + e[2:])   # 30 82 xxxx -> 30 83 00xxxx
    assert_refused(bad, start + 1, "X.690 §10.1", error=NonCanonicalEncoding)


# -- JSON ------------------------------------------------------------------------------------------

JSON_KEYS = {"version", "serial_number", "signature_algorithm", "signature_algorithm_name",
             "issuer", "subject", "not_valid_before", "not_valid_after", "public_key",
             "issuer_unique_id", "subject_unique_id", "extensions", "machine_identity",
             "mac_address", "machine_binding", "signature", "sha256_fingerprint",
             "signature_pss_parameters", "findings"}


def _all_certificates(openssl_certificates) -> dict[str, bytes]:
    found = {f"interop/{n}": interop_der(n) for n in INTEROP_NAMES}
    found.update({f"openssl/{n}": d for n, d in openssl_certificates.items() if n != "v1"})
    return found


def test_to_json_round_trips_the_fields(openssl_certificates):
    for label, der in _all_certificates(openssl_certificates).items():
        cert = load_der_certificate(der)
        data = json.loads(json.dumps(cert.to_json(), ensure_ascii=False))
        assert set(data) == JSON_KEYS, label
        assert data["version"] == cert.version
        assert int(data["serial_number"], 16) == cert.serial_number
        for field in ("not_valid_before", "not_valid_after"):
            assert data[field].endswith("Z")
            assert datetime.fromisoformat(data[field].replace("Z", "+00:00")) == getattr(cert, field)
        assert data["signature_algorithm"] == cert.signature_algorithm
        assert (data["issuer"], data["subject"]) == (cert.issuer.rfc4514(), cert.subject.rfc4514())
        assert [(e["oid"], e["critical"], bytes.fromhex(e["raw_value"])) for e in data["extensions"]] \
            == [(e.oid, e.critical, e.raw_value) for e in cert.extensions]
        assert (data["machine_identity"], data["mac_address"]) == (cert.machine_identity,
                                                                   cert.mac_address)
        assert bytes.fromhex(data["signature"]) == cert.signature
        assert bytes.fromhex(data["sha256_fingerprint"]) == cert.fingerprint()
        key = cert.public_key
        if isinstance(key, RSAPublicKey):
            assert (int(data["public_key"]["n"], 16), data["public_key"]["e"]) == (key.n, key.e)
        elif isinstance(key, ECPublicKey):
            assert (data["public_key"]["curve"], data["public_key"]["key_size"]) == \
                (key.curve.nist_name, key.key_size)
            assert (int(data["public_key"]["x"], 16), int(data["public_key"]["y"], 16)) == (key.x, key.y)
            assert bytes.fromhex(data["public_key"]["key"]) == cert.public_key_info.subject_public_key
        else:
            assert bytes.fromhex(data["public_key"]["key"]) == key.subject_public_key


def test_to_json_names_the_key_algorithm(openssl_certificates):
    """An id-RSASSA-PSS SubjectPublicKeyInfo (1.2.840.113549.1.1.10) is named as such, not as
    rsaEncryption, and the PSS parameters (hash, MGF1 hash, salt length) are shown."""
    cert = load_der_certificate(openssl_certificates["rsa-pss-key"])
    data = cert.to_json()
    assert data["public_key"]["algorithm"] in ("rsassaPss", "1.2.840.113549.1.1.10")
    flat = json.dumps(data)
    assert "salt" in flat and "mgf1" in flat.lower()
