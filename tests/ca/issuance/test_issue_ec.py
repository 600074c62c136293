"""The CA and EC keys (issue 11): CSRs made by ``openssl req -newkey ec`` on P-256, P-384 and
P-521 are signed for the client and server profiles, with the key usages RFC 8813 §3 allows
(digitalSignature, keyAgreement when asked, never keyEncipherment), through the API and the
command line; the inventory records the curve; EC keys OpenSSL cannot be given to x509core's
CA (another curve, explicit parameters, a forged CSR) are refused with a clear error and leave
the CA unchanged; an EC certificate and OpenSSL's key export to PKCS #12.

The CA's own key stays RSA (the fixture RSA-4096 key of tests/ca/conftest.py)."""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.ca.conftest import CLIENT_ID, MACHINE_ID, ORG
from tests.ca.cli.test_cli import one_error_line, run
from x509core.cert import load_pem_certificate, load_pem_csr
from x509core.cert import oids
from x509core.ec.key import ECPublicKey
from x509core.ec.keys import load_pem_public_key
from x509core.errors import InvalidSignature, InvalidValue, X509CoreError

CURVES = {"P-256": "P-256", "P-384": "P-384", "P-521": "P-521"}


def _binding_hex(machine: str = MACHINE_ID) -> str:
    return machine.encode("ascii").hex()


def make_csr(openssl: str, where: Path, name: str, *, curve: str = "P-256",
             subject: str = f"/O={ORG}/CN={CLIENT_ID}", machine: str | None = MACHINE_ID,
             san: str | None = None, key_args: tuple = ()) -> tuple[Path, Path]:
    """A CSR and its key, as a modality makes them with OpenSSL: ``openssl req -newkey ec``."""
    key, csr = where / f"{name}.key", where / f"{name}.csr"
    args = [openssl, "req", "-new", "-nodes", "-keyout", str(key), "-subj", subject, "-out", str(csr)]
    args += list(key_args) or ["-newkey", "ec", "-pkeyopt", f"ec_paramgen_curve:{curve}"]
    if machine is not None:
        args += ["-addext", f"1.3.6.1.4.15967132172.1=DER:{_binding_hex(machine)}"]
    if san is not None:
        args += ["-addext", f"subjectAltName={san}"]
    done = subprocess.run(args, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    return csr, key


def _openssl_public(openssl: str, key: Path) -> ECPublicKey:
    done = subprocess.run([openssl, "pkey", "-in", str(key), "-pubout"], capture_output=True,
                          timeout=60, check=True)
    return load_pem_public_key(done.stdout)


@pytest.mark.parametrize("curve", sorted(CURVES))
def test_an_openssl_ec_csr_is_signed_for_the_client_profile(openssl, make_ca, tmp_path, curve):
    ca = make_ca()
    csr_path, key_path = make_csr(openssl, tmp_path, "modality", curve=curve)
    issued = ca.sign_csr(load_pem_csr(csr_path.read_text()), profile="client", days=30)
    cert = issued.certificate
    assert isinstance(cert.public_key, ECPublicKey) and cert.public_key.curve.nist_name == curve
    assert cert.public_key == _openssl_public(openssl, key_path)
    assert cert.signature_algorithm_info.scheme == "pkcs1v15"          # the CA signs with RSA
    ku = cert.key_usage
    assert ku.digital_signature and not ku.key_encipherment and not ku.key_agreement
    assert not ku.data_encipherment
    assert cert.extended_key_usage.key_purposes == (oids.OID_CLIENT_AUTH,)
    assert cert.machine_identity == MACHINE_ID and cert.subject.common_name == CLIENT_ID
    assert issued.record.key_algorithm == f"EC {curve}"
    assert ca.inventory.get(issued.record.serial).key_algorithm == f"EC {curve}"
    (tmp_path / "ca.pem").write_text(ca.certificate.to_pem())
    (tmp_path / "leaf.pem").write_text(cert.to_pem())
    done = subprocess.run([openssl, "verify", "-x509_strict", "-purpose", "sslclient", "-CAfile",
                           str(tmp_path / "ca.pem"), str(tmp_path / "leaf.pem")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_server_profile_key_usage_follows_the_key(openssl, make_ca, tmp_path, leaf_key):
    ca = make_ca()
    csr_path, _ = make_csr(openssl, tmp_path, "pacs", curve="P-384", subject="/CN=pacs.example.org",
                           machine=None, san="DNS:pacs.example.org,IP:10.0.0.5")
    csr = load_pem_csr(csr_path.read_text())
    ec_server = ca.sign_csr(csr, profile="server").certificate
    ku = ec_server.key_usage
    assert (ku.digital_signature, ku.key_encipherment, ku.key_agreement) == (True, False, False)
    assert [str(n.value) for n in ec_server.subject_alternative_name.names] == \
        ["pacs.example.org", "10.0.0.5"]
    agreeing = ca.sign_csr(csr, profile="server", key_agreement=True).certificate.key_usage
    assert (agreeing.digital_signature, agreeing.key_agreement, agreeing.key_encipherment) == \
        (True, True, False)
    rsa_server = ca.issue_server(dns=["pacs.example.org"], public_key=leaf_key.public_key())
    ku = rsa_server.certificate.key_usage
    assert (ku.digital_signature, ku.key_encipherment, ku.key_agreement) == (True, True, False)
    with pytest.raises(InvalidValue, match="RFC 3279"):
        ca.issue_server(dns=["pacs.example.org"], public_key=leaf_key.public_key(),
                        key_agreement=True)


def test_key_encipherment_is_refused_for_an_ec_key(openssl, make_ca, tmp_path):
    ca = make_ca()
    csr = load_pem_csr(make_csr(openssl, tmp_path, "modality")[0].read_text())
    with pytest.raises(InvalidValue, match="RFC 8813 §3"):
        ca.sign_csr(csr, profile="client", key_encipherment=True)
    assert len(ca.inventory) == 0
    assert ca.sign_csr(csr, profile="client", key_agreement=True).certificate.key_usage.key_agreement


@pytest.mark.parametrize("name,key_args,message", [
    ("secp256k1", ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp256k1"), "1.3.132.0.10"),
    ("explicit", ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                  "-pkeyopt", "ec_param_enc:explicit"), "specifiedCurve")])
def test_ec_keys_the_ca_does_not_take_are_refused_clearly(openssl, make_ca, tmp_path, name,
                                                           key_args, message):
    ca = make_ca()
    csr = load_pem_csr(make_csr(openssl, tmp_path, name, key_args=key_args)[0].read_text())
    with pytest.raises(X509CoreError) as refused:
        ca.sign_csr(csr, profile="client")
    assert message in str(refused.value), str(refused.value)
    assert len(ca.inventory) == 0


def test_a_forged_ec_csr_is_refused(openssl, make_ca, tmp_path):
    ca = make_ca()
    der = load_pem_csr(make_csr(openssl, tmp_path, "modality")[0].read_text()).to_der()
    from x509core.cert import load_der_csr
    forged = load_der_csr(der[:-1] + bytes([der[-1] ^ 1]))
    with pytest.raises(InvalidSignature, match="proof of possession"):
        ca.sign_csr(forged, profile="client")
    assert len(ca.inventory) == 0


def test_an_ec_certificate_renews_with_its_key_and_usages(openssl, make_ca, tmp_path):
    ca = make_ca()
    now = datetime.now(timezone.utc)
    csr = load_pem_csr(make_csr(openssl, tmp_path, "modality", curve="P-521")[0].read_text())
    old = ca.sign_csr(csr, profile="client", days=90, now=now)
    new = ca.renew(old.record.serial, now=now + timedelta(days=60))
    assert new.certificate.public_key == old.certificate.public_key
    assert new.certificate.key_usage == old.certificate.key_usage
    assert new.record.key_algorithm == "EC P-521"


# -- the command line -----------------------------------------------------------------------------

def test_cli_issue_client_and_server_from_ec_csrs(openssl, make_ca, tmp_path):
    ca = make_ca()
    directory = ca.directory
    ca.close()
    client_csr, _ = make_csr(openssl, tmp_path, "modality")
    result = run("issue", "client", "--csr", client_csr, "--ca-dir", directory,
                 "--out", tmp_path / "modality.pem")
    assert result.code == 0, result.err
    client = load_pem_certificate((tmp_path / "modality.pem").read_text())
    assert isinstance(client.public_key, ECPublicKey) and client.machine_identity == MACHINE_ID
    server_csr, _ = make_csr(openssl, tmp_path, "pacs", curve="P-384", subject="/CN=pacs",
                             machine=None, san="DNS:pacs.example.org")
    result = run("issue", "server", "--csr", server_csr, "--ca-dir", directory,
                 "--out", tmp_path / "pacs.pem")
    assert result.code == 0, result.err
    server = load_pem_certificate((tmp_path / "pacs.pem").read_text())
    assert server.public_key.curve.nist_name == "P-384" and not server.key_usage.key_encipherment
    shown = run("show", tmp_path / "pacs.pem")
    assert "Public Key Algorithm: id-ecPublicKey" in shown.out and "NIST CURVE: P-384" in shown.out
    k1_csr, _ = make_csr(openssl, tmp_path, "k1", key_args=("-newkey", "ec", "-pkeyopt",
                                                             "ec_paramgen_curve:secp256k1"))
    line = one_error_line(run("issue", "client", "--csr", k1_csr, "--ca-dir", directory,
                              "--out", tmp_path / "k1.pem"))
    assert "1.3.132.0.10" in line and not (tmp_path / "k1.pem").exists()


def test_cli_export_pkcs12_with_an_openssl_ec_key(openssl, make_ca, tmp_path, monkeypatch):
    ca = make_ca()
    csr_path, key_path = make_csr(openssl, tmp_path, "modality", curve="P-384")
    cert = ca.sign_csr(load_pem_csr(csr_path.read_text()), profile="client").certificate
    (tmp_path / "modality.pem").write_text(cert.to_pem())
    (tmp_path / "ca.pem").write_text(ca.certificate.to_pem())
    password = tmp_path / "password"
    password.write_text("pkcs12 password\n")
    result = run("export-pkcs12", "--cert", tmp_path / "modality.pem", "--key", key_path,
                 "--chain", tmp_path / "ca.pem", "--password-file", password,
                 "--out", tmp_path / "modality.p12")
    assert result.code == 0, result.err
    done = subprocess.run([openssl, "pkcs12", "-in", str(tmp_path / "modality.p12"), "-nodes",
                           "-passin", "pass:pkcs12 password"], capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    (tmp_path / "out.pem").write_bytes(done.stdout)
    public = subprocess.run([openssl, "pkey", "-in", str(tmp_path / "out.pem"), "-pubout"],
                            capture_output=True, timeout=60, check=True).stdout
    assert load_pem_public_key(public) == cert.public_key
    other_key = make_csr(openssl, tmp_path, "other", curve="P-384")[1]
    line = one_error_line(run("export-pkcs12", "--cert", tmp_path / "modality.pem", "--key",
                              other_key, "--password-file", password, "--out", tmp_path / "x.p12"))
    assert "is not the key of" in line



def _ec_leaf(openssl, make_ca, tmp_path, name: str):
    """An EC certificate from the CA and OpenSSL's key for it (read as x509core reads it)."""
    from x509core.ca.keys import load_pem_private_key
    ca = make_ca()
    csr_path, key_path = make_csr(openssl, tmp_path, name, curve="P-256")
    cert = ca.sign_csr(load_pem_csr(csr_path.read_text()), profile="client").certificate
    return ca, cert, key_path, load_pem_private_key(key_path.read_text())


def test_load_pkcs12_reads_our_ec_export_back(openssl, make_ca, tmp_path):
    from x509core.ca.keys import OpaqueECPrivateKey
    from x509core.ca.pkcs12 import export_pkcs12, load_pkcs12
    ca, cert, _, key = _ec_leaf(openssl, make_ca, tmp_path, "roundtrip")
    pfx = export_pkcs12(cert, key, password="pw", chain=[ca.certificate], iterations=2048,
                        friendly_name="modality")
    contents = load_pkcs12(pfx, "pw")
    assert isinstance(contents.private_key, OpaqueECPrivateKey)
    assert contents.private_key.private_key_info == key.private_key_info
    assert contents.private_key.matches(cert.public_key) is True
    assert contents.certificate.to_der() == cert.to_der()
    assert [c.to_der() for c in contents.chain] == [ca.certificate.to_der()]
    assert contents.friendly_name == "modality"


def test_load_pkcs12_reads_openssls_ec_export(openssl, make_ca, tmp_path):
    from x509core.ca.keys import OpaqueECPrivateKey
    from x509core.ca.pkcs12 import load_pkcs12
    ca, cert, key_path, key = _ec_leaf(openssl, make_ca, tmp_path, "fromopenssl")
    (tmp_path / "both.pem").write_text(cert.to_pem() + ca.certificate.to_pem())
    subprocess.run([openssl, "pkcs12", "-export", "-in", str(tmp_path / "both.pem"), "-inkey",
                    str(key_path), "-out", str(tmp_path / "o.p12"), "-passout", "pass:pw"],
                   check=True, timeout=60, capture_output=True)
    contents = load_pkcs12((tmp_path / "o.p12").read_bytes(), "pw")
    assert isinstance(contents.private_key, OpaqueECPrivateKey)
    assert contents.private_key.public_key == cert.public_key
    assert contents.certificate.to_der() == cert.to_der()
    assert [c.to_der() for c in contents.chain] == [ca.certificate.to_der()]


def test_pkcs12_pairs_an_ec_key_without_its_public_key_by_local_key_id(openssl, make_ca, tmp_path):
    from x509core.ca.keys import load_pem_private_key
    from x509core.ca.pkcs12 import _is_leaf
    _, cert, key_path, with_public = _ec_leaf(openssl, make_ca, tmp_path, "nopub")
    bare = subprocess.run([openssl, "ec", "-in", str(key_path), "-no_public"],
                          capture_output=True, timeout=60, check=True).stdout
    key = load_pem_private_key(bare)
    assert key.public_key is None and key.matches(cert.public_key) is None
    assert _is_leaf(key, b"id", cert, b"id") and not _is_leaf(key, b"id", cert, b"other")
    assert not _is_leaf(key, None, cert, None)           # nothing ties the two together
    assert _is_leaf(with_public, None, cert, None)
    assert not _is_leaf(with_public, b"id", cert, b"other")
