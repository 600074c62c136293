"""x509core.ca.issuance.names, applied by inputs.server_names: what the CA agrees to certify in
a server certificate's names (issue 16, item 7: the CA certified any DNS string, from --dns and
silently from a CSR).

The rule: a dNSName in the preferred name syntax (RFC 1034 §3.5 as relaxed by RFC 1123 §2.1,
RFC 5280 §4.2.1.6): labels of 1–63 letters, digits and hyphens, no hyphen at either end, at
most 253 characters; a wildcard only as the whole left-most label of a name with three or more
labels; internationalized names only as A-labels (RFC 5890 §2.3.2.1).
"""

from __future__ import annotations

import pytest

from tests.ca.cli.test_cli import fast_keys_and_machine, one_error_line, run  # noqa: F401
from x509core import CSRBuilder, Name
from x509core.ca.issuance import inputs, names
from x509core.cert.extensions import SubjectAlternativeName
from x509core.cert.names.general_name import DNSName, IPAddress
from x509core.errors import InvalidValue

BAD_NAMES = [
    "*", "*.com", "*.*.example.org", "foo.*.example.org", "ba*.example.org", "*example.org",
    "a b.example.org", "-..", "-a.example.org", "a-.example.org", "a..example.org",
    ".example.org", "example.org.", "exa_mple.org", "pacs.example.org/", "a@example.org",
    "x" * 64 + ".example.org", ".".join(["a" * 63] * 4),          # a label of 64; 255 in all
    "\x1b]0;t\x07.example.org", "pacs\r\n.example.org",
    "ab--cd.example.org",                                        # a reserved (R-LDH) label
    "xn--.example.org", "xn--a.example.org",                     # not a Punycode A-label
    "10.0.0.5", "1.2.3.4.5", "example.123",                      # an all-numeric top label
    "",
]
GOOD_NAMES = ["pacs.example.org", "*.pacs.example.org", "localhost", "PACS01.Example.ORG",
              "a-b.c-d.example", "1x.example.org", "xn--mnchen-3ya.de",
              "*.xn--mnchen-3ya.de", "a" * 63 + ".example.org", ".".join(["a" * 63] * 3 + ["a" * 61])]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_bad_dns_names_are_refused(name):
    with pytest.raises(InvalidValue) as refused:
        names.check_dns_name(name)
    assert "DNS name" in str(refused.value) and "\x1b" not in str(refused.value)


@pytest.mark.parametrize("name", GOOD_NAMES)
def test_good_dns_names_are_certified(name):
    assert names.check_dns_name(name) == name
    subject, entries = inputs.server_names(dns=[name], common_name="server")
    assert entries == (DNSName(name),)


def test_a_name_too_long_for_the_common_name_needs_one_given():
    name = "a" * 63 + ".example.org"
    with pytest.raises(InvalidValue, match="common name"):
        inputs.server_names(dns=[name])
    assert inputs.server_names(dns=[name], common_name="web")[0].common_name == "web"


def test_a_u_label_is_refused_with_a_hint_to_its_a_label():
    with pytest.raises(InvalidValue, match="A-label"):
        names.check_dns_name("münchen.de")


@pytest.mark.parametrize("name", ["*", "*.com", "a b.example.org", "-..", "x" * 300,
                                  "\x1b.example.org"])
def test_the_cli_refuses_them_before_anything_is_signed(name, make_ca, tmp_path):
    ca = make_ca()
    ca.close()
    line = one_error_line(run("issue", "server", f"--dns={name}", "--no-encrypt",
                              "--ca-dir", ca.directory, "--out", tmp_path / "s.pem",
                              "--key-out", tmp_path / "s.key"))
    assert "DNS name" in line and "\x1b" not in line
    assert not any((ca.directory / "issued").iterdir())
    assert not (tmp_path / "s.pem").exists() and not (tmp_path / "s.key").exists()


@pytest.mark.parametrize("name", ["*", "*.com", "a b.example.org", "evil\x1b.example.org"])
def test_a_csr_cannot_slip_a_bad_name_in(name, make_ca, leaf_key, tmp_path):
    ca = make_ca()
    request = (CSRBuilder().with_subject(Name.from_openssl("/CN=web.example.org"))
               .with_extension(SubjectAlternativeName((DNSName("web.example.org"), DNSName(name))),
                               critical=False).sign(leaf_key))
    with pytest.raises(InvalidValue, match="DNS name"):
        ca.sign_csr(request, profile="server")
    assert list(ca.inventory.records()) == []
    (tmp_path / "r.csr").write_text(request.to_pem())
    ca.close()
    line = one_error_line(run("issue", "server", "--csr", tmp_path / "r.csr", "--ca-dir",
                              ca.directory, "--out", tmp_path / "s.pem"))
    assert "DNS name" in line and not (tmp_path / "s.pem").exists()


def test_the_summary_lists_the_names_certified(make_ca, leaf_key, tmp_path):
    """The operator sees which names were certified, also those that came from a CSR."""
    ca = make_ca()
    request = (CSRBuilder().with_subject(Name.from_openssl("/CN=web.example.org"))
               .with_extension(SubjectAlternativeName((
                   DNSName("web.example.org"), DNSName("*.web.example.org"),
                   IPAddress(__import__("ipaddress").ip_address("10.0.0.7")))), critical=False)
               .sign(leaf_key))
    (tmp_path / "r.csr").write_text(request.to_pem())
    ca.close()
    result = run("issue", "server", "--csr", tmp_path / "r.csr", "--ca-dir", ca.directory,
                 "--out", tmp_path / "s.pem")
    assert result.code == 0, result.err
    assert [line.split()[-1] for line in result.out.splitlines() if line.startswith("  SAN")] == [
        "DNS:web.example.org", "DNS:*.web.example.org", "IP:10.0.0.7"]


def test_an_ipv6_zone_is_refused_not_dropped():
    with pytest.raises(InvalidValue, match="zone"):
        inputs.server_names(ip=["fe80::1%eth0"])
    assert inputs.server_names(ip=["fe80::1"])[1] == (
        IPAddress(__import__("ipaddress").ip_address("fe80::1")),)
