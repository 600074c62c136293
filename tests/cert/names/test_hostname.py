"""Peer names against subjectAltName (RFC 9525 §6.3): a table of presented / reference names."""

from __future__ import annotations

import ipaddress

import pytest

from x509core.cert.extensions import SubjectAlternativeName
from x509core.cert.names.general_name import DNSName, IPAddress, RFC822Name
from x509core.cert.validation.hostname import is_dns_name, matches_peer_name, parse_reference


def _san(*names) -> SubjectAlternativeName:
    return SubjectAlternativeName(tuple(names))


# (name, presented dNSName, reference, matches)
DNS_CASES = [
    ("exact", "pacs.example.org", "pacs.example.org", True),
    ("case-insensitive", "PACS.Example.org", "pacs.EXAMPLE.org", True),
    ("absolute reference", "pacs.example.org", "pacs.example.org.", True),
    ("other host", "pacs.example.org", "ris.example.org", False),
    ("apex vs subdomain", "example.org", "pacs.example.org", False),
    ("subdomain vs apex", "pacs.example.org", "example.org", False),
    ("wildcard one label", "*.example.org", "pacs.example.org", True),
    ("wildcard not two labels", "*.example.org", "a.pacs.example.org", False),
    ("wildcard not the apex", "*.example.org", "example.org", False),
    ("partial wildcard", "pa*.example.org", "pacs.example.org", False),
    ("wildcard not left-most", "pacs.*.org", "pacs.example.org", False),
    ("wildcard alone", "*", "org", False),
    ("wildcard over a TLD", "*.org", "example.org", False),
    ("wildcard inside an A-label", "xn--*-1b3c148a.example.org", "xn--bliss-1b3c148a.example.org", False),
    ("underscore presented", "foo_bar.example.org", "foo_bar.example.org", False),
    ("leading dot presented", ".example.org", "pacs.example.org", False),
    ("IP spelled as a dNSName", "192.0.2.7", "192.0.2.7", False),
    ("A-label vs other A-label", "xn--bcher-kva.example.org", "xn--bchr-kva.example.org", False),
]


@pytest.mark.parametrize("label, presented, reference, expected", DNS_CASES, ids=[c[0] for c in DNS_CASES])
def test_dns_names(label, presented, reference, expected):
    ref = parse_reference(reference)
    if ref is None:
        assert not expected
        return
    assert matches_peer_name(_san(DNSName(presented)), ref) is expected


def test_ip_addresses_match_only_ip_entries():
    san = _san(DNSName("pacs.example.org"), IPAddress(ipaddress.ip_address("2001:db8::7")),
               IPAddress(ipaddress.ip_address("192.0.2.7")))
    assert matches_peer_name(san, parse_reference("192.0.2.7"))
    assert matches_peer_name(san, parse_reference("2001:DB8:0:0:0:0:0:7"))
    assert not matches_peer_name(san, parse_reference("192.0.2.8"))
    assert not matches_peer_name(_san(DNSName("pacs.example.org")), parse_reference("192.0.2.7"))


def test_no_san_and_other_forms_match_nothing():
    assert not matches_peer_name(None, "pacs.example.org")
    assert not matches_peer_name(_san(RFC822Name("pacs@example.org")), "example.org")


@pytest.mark.parametrize("reference", ["foo_bar.example.org", "-pacs.example.org", "", "a..b",
                                       "bücher.example.org", "x" * 64 + ".org", "*.example.org"])
def test_invalid_reference_names(reference):
    assert parse_reference(reference) is None


def test_reference_type_error():
    with pytest.raises(TypeError):
        parse_reference(b"pacs.example.org")


def test_dns_syntax():
    assert is_dns_name("a-1.example.org") and is_dns_name("localhost")
    assert is_dns_name("*.example.org", allow_wildcard=True)
    assert not is_dns_name("*.example.org") and not is_dns_name("a.-b.org")
    assert not is_dns_name(("a" * 63 + ".") * 4 + "org")      # over 253 octets
