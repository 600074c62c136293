"""Control characters in certificates never reach the terminal raw (issue 16, item 3).

A hostile certificate carried ESC, BEL, CR, LF and U+202E in its names, SANs and policy texts;
``verify`` printed a forged second line ``OK: CN=trusted`` and set the terminal title, and
``list``, ``issue``'s summary, ``show`` and the TLS helpers' refusal log did the same; the CA
signed CSRs carrying them. Here every line the CLI prints (stdout and stderr) for show, verify,
list and issue is checked to be free of C0/C1 controls, bidi controls and lone surrogates,
whatever the certificate holds (a hypothesis property test), and the CA refuses such names.

The forbidden characters are listed here independently of ``x509core.safe_text``.
"""

from __future__ import annotations

import json
import logging
import re
import ssl
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.ca.conftest import MACHINE_ID, ORG
from tests.ca.cli.test_cli import fast_keys_and_machine, one_error_line, run  # noqa: F401
from tests.rsa.keys_fixture import RSA_2048, private_key
from x509core import CertificateBuilder, CSRBuilder, Name
from x509core.ca.issuance.certificate_authority import CertificateAuthority
from x509core.cert.extensions import (BasicConstraints, CertificatePolicies, ExtendedKeyUsage,
                                      KeyUsage, MachineIdentity, SubjectAlternativeName)
from x509core.cert.extensions.policies import PolicyInformation
from x509core.cert.extensions.policy_qualifiers import PolicyQualifierInfo, UserNotice
from x509core.cert.names.general_name import DNSName, RFC822Name, UniformResourceIdentifier
from x509core.cert.oids import OID_CLIENT_AUTH, OID_SERVER_AUTH

# C0 and DEL and C1, the bidi controls of "Trojan Source" (CVE-2021-42574), the Unicode line
# separators, and lone surrogates (what a non-UTF-8 byte becomes in a str).
FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069"
                       "\ud800-\udfff]")
CONTROLS = [chr(c) for c in (*range(0x20), *range(0x7F, 0xA0))] + [
    "\u061c", "\u200e", "\u200f", "\u2028", "\u2029", *map(chr, range(0x202A, 0x202F)),
    *map(chr, range(0x2066, 0x206A))]
FORGERY = "x\x1b]0;pwned\x07\r\nOK: CN=trusted\u202e"
KEY = private_key(RSA_2048)
NOW = datetime.now(timezone.utc).replace(microsecond=0)


def clean_lines(*texts: str) -> list[str]:
    """The lines of ``texts``; fails if any holds a forbidden character."""
    lines = [line for text in texts for line in text.split("\n")]
    for line in lines:
        found = FORBIDDEN.search(line)
        assert found is None, f"raw U+{ord(found.group()):04X} in {line!r}"
    return lines


def _root(name: str = "/O=Example Clinic/CN=Hostile Test Root"):
    subject = Name.from_openssl(name)
    return (CertificateBuilder().with_subject(subject).with_issuer(subject)
            .with_random_serial_number().with_validity(NOW - timedelta(days=1), NOW + timedelta(days=400))
            .with_public_key(KEY.public_key())
            .with_extension(BasicConstraints(ca=True), critical=True)
            .with_extension(KeyUsage(key_cert_sign=True, crl_sign=True), critical=True)
            .with_subject_key_identifier().sign(KEY))


ROOT = _root()


def hostile_leaf(issuer, **kwargs):
    """A leaf of ``issuer``, signed with the fixture key (see :func:`hostile_builder`)."""
    return hostile_builder(issuer, **kwargs).with_random_serial_number().sign(KEY)


def recorded(ca, **kwargs):
    """A hostile leaf issued by ``ca`` through its own issuance path (reserve, sign, write,
    record), past the profile checks: what an inventory may hold from before they existed."""
    return ca._issue(hostile_builder(ca.certificate, **kwargs), "server", None, None).certificate


def hostile_builder(issuer, *, cn: str, org: str = ORG, dns: str = "a.example.org",
                    text: str = "notice", server: bool = True):
    """An unsigned leaf of ``issuer`` with ``cn``/``org`` in its subject, ``dns`` in its SAN
    (as DNS, URI and email), ``text`` in a policy's explicitText."""
    ia5 = "".join(c for c in dns if ord(c) < 0x80) or "x"
    notice = PolicyQualifierInfo("1.3.6.1.5.5.7.2.2", UserNotice(explicit_text=text[:200] or "x"))
    eku = OID_SERVER_AUTH if server else OID_CLIENT_AUTH
    return (CertificateBuilder().with_subject(Name.build([("O", org), ("CN", cn)]))
            .with_issuer(issuer.subject)
            .with_validity(NOW - timedelta(days=1), NOW + timedelta(days=100))
            .with_public_key(KEY.public_key())
            .with_extension(KeyUsage(digital_signature=True), critical=True)
            .with_extension(ExtendedKeyUsage((eku,)), critical=False)
            .with_extension(SubjectAlternativeName((DNSName(ia5), UniformResourceIdentifier(ia5),
                                                    RFC822Name(ia5))), critical=False)
            .with_extension(CertificatePolicies((PolicyInformation(
                "1.3.6.1.4.1.55555.1", (notice,)),)), critical=False)
            .with_extension(MachineIdentity(MACHINE_ID), critical=False)
            .with_subject_key_identifier().with_authority_key_identifier(KEY.public_key()))


# -- the reported defects, one by one ---------------------------------------------------------

def test_verify_prints_no_forged_line_and_no_escape_sequence(tmp_path):
    (tmp_path / "ca.pem").write_text(ROOT.to_pem())
    (tmp_path / "leaf.pem").write_text(hostile_leaf(ROOT, cn=FORGERY).to_pem())
    ok = run("verify", tmp_path / "leaf.pem", "--ca", tmp_path / "ca.pem")
    assert ok.code == 0, ok.err
    lines = clean_lines(ok.out, ok.err)
    assert [line.split(":")[0] for line in lines if line] == ["OK", "  0", "  1"]
    assert lines[0] == "OK: CN=x\\1B]0\\\\;pwned\\07\\0D\\0AOK: CN=trusted\\u202E,O=" + ORG
    invalid = run("verify", tmp_path / "leaf.pem", "--ca", tmp_path / "ca.pem",
                  "--name", "b.example.org")
    assert invalid.code == 1
    lines = clean_lines(invalid.out, invalid.err)
    assert len([line for line in lines if line]) == 1 and lines[0].startswith("INVALID: CN=x\\1B")


def test_show_text_escapes_and_json_is_already_escaped(tmp_path):
    leaf = tmp_path / "leaf.pem"
    leaf.write_text(hostile_leaf(ROOT, cn=FORGERY, dns="a\x1b]2;t\x07.org",
                                 text="Explicit \x1b[31mred\u202e").to_pem())
    shown = run("show", leaf)
    assert shown.code == 0, shown.err
    text = "\n".join(clean_lines(shown.out, shown.err))
    assert "Explicit \\1B[31mred\\u202E" in text and "DNS:a\\1B]2;t\\07.org" in text
    as_json = run("show", leaf, "--json")
    clean_lines(as_json.out, as_json.err)        # json.dumps(ensure_ascii=True) writes \u001b
    assert json.loads(as_json.out)["subject"].startswith("CN=x\x1b]0")


def test_list_escapes_what_the_inventory_holds(tmp_path):
    with CertificateAuthority.create(tmp_path / "ca", subject="/CN=List Root", passphrase=None,
                                     key=KEY) as ca:
        recorded(ca, cn=FORGERY)
    table = run("list", "--ca-dir", tmp_path / "ca")
    assert table.code == 0, table.err
    lines = [line for line in clean_lines(table.out, table.err) if line]
    assert len(lines) == 2 and lines[0].startswith("SERIAL") and "\\1B]0" in lines[1]
    rows = json.loads(run("list", "--ca-dir", tmp_path / "ca", "--json").out)
    assert rows[0]["subject"].startswith("CN=x\x1b]0")


@pytest.mark.parametrize("field, argv", [
    ("organization", ["issue", "client", "--org", "Clinic\x1b]0;x\x07", "--client-id",
                      "CT01WORKSTATION1", "--machine-id", MACHINE_ID]),
    ("common name", ["issue", "server", "--dns", "pacs.example.org", "--cn", "pacs\r\nOK"]),
    ("organization", ["issue", "server", "--dns", "pacs.example.org", "--org", "A\u202eB"]),
])
def test_the_ca_refuses_control_characters_from_the_command_line(tmp_path, field, argv):
    with CertificateAuthority.create(tmp_path / "ca", subject="/CN=Root", passphrase=None, key=KEY):
        pass
    line = one_error_line(run(*argv, "--ca-dir", tmp_path / "ca", "--no-encrypt",
                              "--out", tmp_path / "x.pem", "--key-out", tmp_path / "x.key"))
    clean_lines(line)
    assert field in line and "control character" in line
    assert not any((tmp_path / "ca" / "issued").iterdir())


@pytest.mark.parametrize("argv", [["--cn", "Root\x1b[2J"], ["--cn", "Root", "--org", "A\nB"],
                                  ["--subject", "/O=Clinic/CN=Root\u202e"]])
def test_ca_init_refuses_control_characters_in_the_subject(tmp_path, argv):
    line = one_error_line(run("ca", "init", "--ca-dir", tmp_path / "ca", "--no-encrypt", *argv))
    clean_lines(line)
    assert "control character" in line and not (tmp_path / "ca" / "ca.pem").exists()


@pytest.mark.parametrize("profile", ["client", "server"])
def test_the_ca_refuses_a_csr_with_control_characters(tmp_path, profile):
    """The CA used to take the CSR's subject silently."""
    with CertificateAuthority.create(tmp_path / "ca", subject="/CN=Root", passphrase=None, key=KEY):
        pass
    subject = Name.build([("O", "Clinic\x1b]0;x\x07"), ("CN", "CT01WORKSTATION1")])
    request = tmp_path / "req.csr"
    request.write_text(CSRBuilder().with_subject(subject)
                       .with_extension(MachineIdentity(MACHINE_ID), critical=False)
                       .with_extension(SubjectAlternativeName((DNSName("a.example.org"),)),
                                       critical=False).sign(KEY).to_pem())
    line = one_error_line(run("issue", profile, "--csr", request, "--ca-dir", tmp_path / "ca",
                              "--out", tmp_path / "x.pem"))
    clean_lines(line)
    assert "organization" in line and "control character" in line
    assert not (tmp_path / "x.pem").exists() and not any((tmp_path / "ca" / "issued").iterdir())


def test_the_tls_refusal_log_and_error_are_escaped(tmp_path, ca_key, caplog):
    from tests.ca.links.tls_pki import build_pki, handshake
    from x509core import MedicalImagingPolicy
    from x509core.ca.tls import client_ssl_context, server_ssl_context
    pki = build_pki(tmp_path, ca_key, KEY, KEY)
    hostile = (CertificateBuilder().with_subject(Name.build([("O", "Other\r\nINFO ok"),
                                                              ("CN", FORGERY)]))
               .with_issuer(pki.ca.subject).with_random_serial_number()
               .with_validity(NOW - timedelta(days=1), NOW + timedelta(days=100))
               .with_public_key(KEY.public_key())
               .with_extension(KeyUsage(digital_signature=True), critical=True)
               .with_extension(ExtendedKeyUsage((OID_CLIENT_AUTH,)), critical=False)
               .with_authority_key_identifier(ca_key.public_key()).sign(ca_key))
    server = server_ssl_context(pki.server, KEY, ca_certificates=[pki.ca],
                                policy=MedicalImagingPolicy(organizations=(ORG,)))
    client = client_ssl_context(hostile, KEY, ca_certificates=[pki.ca])
    with caplog.at_level(logging.WARNING, logger="x509core.ca.tls"):
        refused, _ = handshake(server, client)
    assert isinstance(refused, ssl.SSLCertVerificationError)
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 1 and "refused" in messages[0] and "\\0D\\0AINFO ok" in messages[0]
    clean_lines(messages[0], str(refused))


# -- the property: whatever the certificate holds ----------------------------------------------

_TEXT = st.text(st.one_of(st.sampled_from(CONTROLS + ["\\", " ", ",", "+", "#", "="]),
                          st.characters(blacklist_categories=("Cs",))), min_size=1, max_size=24)


@settings(max_examples=100)
@given(cn=_TEXT, org=_TEXT, dns=_TEXT, text=_TEXT)
def test_every_line_is_free_of_controls_whatever_the_certificate_holds(cn, org, dns, text):
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        with CertificateAuthority.create(root / "ca", subject="/CN=Property Root", passphrase=None,
                                         key=KEY) as ca:
            leaf = recorded(ca, cn=cn, org=org, dns=dns, text=text)
        (root / "leaf.pem").write_text(leaf.to_pem())
        request = root / "req.csr"
        request.write_text(CSRBuilder().with_subject(Name.build([("O", org), ("CN", cn)]))
                           .with_extension(SubjectAlternativeName((DNSName(
                               "".join(c for c in dns if ord(c) < 0x80) or "x"),)), critical=False)
                           .sign(KEY).to_pem())
        ca_dir, ca_pem = root / "ca", root / "ca" / "ca.pem"
        runs = [run("show", root / "leaf.pem"), run("show", root / "leaf.pem", "--json"),
                run("verify", root / "leaf.pem", "--ca", ca_pem),
                run("verify", root / "leaf.pem", "--ca", ca_pem, "--name", "b.example.org"),
                run("verify", root / "leaf.pem", "--ca", ca_pem, "--org", "Elsewhere"),
                run("list", "--ca-dir", ca_dir),
                run("issue", "server", "--csr", request, "--ca-dir", ca_dir, "--out", root / "s.pem"),
                run("issue", "client", "--csr", request, "--ca-dir", ca_dir,
                    "--machine-id", MACHINE_ID, "--out", root / "c.pem")]
        for result in runs:
            assert result.code in (0, 1, 2) and "internal error" not in result.err, result.err
            clean_lines(result.out, result.err)
        for verdict in runs[2:5]:           # one verdict line, then the chain: nothing forged
            heads = [line.split(":")[0] for line in verdict.out.split("\n") if line]
            assert heads in (["OK", "  0", "  1"], ["INVALID"]), verdict.out
        assert len([line for line in runs[5].out.split("\n") if line]) == 2      # header + leaf
