"""Matching a server's certificate against the name the client asked for. RFC 6125, RFC 9525.

A TLS client knows the name it wanted (a DNS name or an IP address, the *reference identifier*)
and compares it with the names the certificate presents. The rules, each with what it defends
against:

- Only subjectAltName counts (RFC 9525 §6.3, which drops RFC 6125 §6.4.4's CN fallback). The
  subject CN is never read: a CA that validated only the SAN cannot be tricked into vouching
  for a host name an applicant placed in the CN.
- DNS names compare case-insensitively as ASCII, label by label (RFC 9525 §6.3, RFC 4343).
  A trailing dot of the reference identifier is ignored (an absolute name).
- A wildcard ``*`` is honoured only as the complete left-most label of a presented name with
  at least two more labels (RFC 9525 §6.3: "the wildcard character '*' [...] is the complete
  left-most label"); it matches exactly one label, never an empty one, never across dots, and
  never inside an A-label (``xn--*``). ``ba*.example.com``, ``foo.*.example.com``, ``*`` and
  ``*.com`` match nothing. This stops one certificate from covering a whole TLD.
- An IP address matches only an iPAddress entry, compared as an address (RFC 9525 §6.3;
  RFC 5280 §4.2.1.6), never a dNSName spelling it (``8.8.8.8`` in a dNSName is ignored).
- Presented dNSNames that are not in the preferred name syntax (RFC 5280 §4.2.1.6, RFC 1034
  §3.5 as relaxed by RFC 1123 §2.1: letters, digits, hyphens) match nothing; the reference
  identifier itself must be a valid DNS name or IP address, or the check fails.

Name-constraint processing (:mod:`x509core.cert.validation.name_constraints`) shares the syntax helpers.
"""

from __future__ import annotations

import ipaddress
import re

from x509core.cert.names.general_name import DNSName, IPAddress

__all__ = ["parse_reference", "is_dns_name", "split_wildcard", "matches_peer_name",
           "ip_address_literal"]

_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z")


def is_dns_name(name: str, *, allow_wildcard: bool = False) -> bool:
    """Whether ``name`` (lower case, no trailing dot) is an LDH host name (RFC 1123 §2.1),
    optionally with a left-most ``*`` label."""
    if not name or len(name) > 253:
        return False
    labels = name.split(".")
    if allow_wildcard and labels[0] == "*":
        labels = labels[1:]
        if len(labels) < 2:                 # "*" and "*.com": a wildcard over a whole TLD
            return False
    return all(_LABEL.match(label) for label in labels)


def split_wildcard(name: str) -> tuple[bool, str]:
    """``(True, "example.com")`` for ``*.example.com``, ``(False, name)`` otherwise."""
    if name.startswith("*."):
        return True, name[2:]
    return False, name


def ip_address_literal(text: str):
    """The address ``text`` spells in its usual textual form, or None."""
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def parse_reference(peer_name: str):
    """The reference identifier: an ``ipaddress`` address, or a lower-case DNS name; None when
    ``peer_name`` is neither (RFC 9525 §6.2)."""
    if not isinstance(peer_name, str):
        raise TypeError("peer_name must be a str (a DNS name or an IP address)")
    address = ip_address_literal(peer_name)
    if address is not None:
        return address
    if not peer_name.isascii():
        return None                          # U-labels must be given as A-labels (RFC 5891)
    name = peer_name.lower()
    if name.endswith("."):
        name = name[:-1]
    return name if is_dns_name(name) else None


def _dns_matches(presented: str, reference: str) -> bool:
    presented = presented.lower()
    if not presented.isascii() or not is_dns_name(presented, allow_wildcard=True):
        return False
    wildcard, base = split_wildcard(presented)
    if not wildcard:
        return presented == reference
    first, dot, rest = reference.partition(".")
    # RFC 9525 §6.3: the wildcard matches exactly one whole label.
    return bool(dot) and bool(first) and rest == base


def matches_peer_name(san, reference) -> bool:
    """Whether a SubjectAlternativeName value presents ``reference`` (from
    :func:`parse_reference`)."""
    if san is None:
        return False
    if isinstance(reference, str):
        return any(isinstance(gn, DNSName) and _dns_matches(gn.value, reference) for gn in san.names)
    return any(isinstance(gn, IPAddress) and not gn.is_range and gn.value == reference
               for gn in san.names)
