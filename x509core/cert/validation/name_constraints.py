"""Name constraints: the name space a CA may certify below it. RFC 5280 §4.2.1.10, §6.1.3 (b)-(c).

A CA's nameConstraints apply to every certificate under it in the path, except self-issued
intermediates (§6.1.3 (b)); checking each CA's constraints against each certificate below gives
the intersection of permitted subtrees and the union of excluded ones that §6.1.4 (g) asks for.
A name is refused when an excluded subtree of its form contains it, or when permitted subtrees
of its form exist and none contains it. Forms, and what each rule defends against:

- dNSName: a constraint ``example.com`` covers it and every subdomain (§4.2.1.10); ``""``
  covers every name. A constraint that is not a host name (a leading period, a wildcard) refuses
  the chain: validators read those differently. A wildcard subjectAltName ``*.example.com``
  is permitted only if every name it could match is, and excluded if any name it could match is
  (CVE-2025-61727: ``*.example.com`` must not slip past an exclusion of ``bar.example.com``).
- iPAddress: an address inside the constraint's range (address and mask, §4.2.1.10), same family.
- rfc822Name: a mailbox (local part exact), a host, or ``.domain`` for subdomains; also applied
  to the emailAddress attributes of the subject (§4.2.1.10). Malformed addresses refuse.
- directoryName: the constraint's RDNs must be a prefix of the name's (§4.2.1.10, compared as
  §7.1 says), applied to the subject and to directoryName entries.
- uniformResourceIdentifier: the host part, as for rfc822Name hosts (§4.2.1.10); a URI without a
  host refuses when URI constraints exist, and so does one with a backslash before its host:
  ``http://evil.com\\@good.com/`` has host ``good.com`` by RFC 3986 but ``evil.com`` for WHATWG URL
  parsers (browsers, and the libraries that follow them), so no one reading is safe.
- other forms (otherName, registeredID, x400Address, ediPartyName): not processed, so a
  certificate carrying such a name under a constraint of that form is refused (§4.2.1.10: the
  relying party "MUST reject" names it cannot check when the constraint is critical; we refuse
  whatever the flag).

Work is bounded by the context's budget (``nc_budget``): each CA's subtrees are checked and
grouped by form once per verification (charged one unit per subtree), and each name is then
compared with the subtrees of its own form only (one unit per comparison). A certificate with
thousands of names under thousands of subtrees of other forms, or many such candidate CAs, fails
fast (category ``budget``) instead of burning CPU (issue 16 item 2).
"""

from __future__ import annotations

from x509core.cert import oids
from x509core.cert.names.general_name import (DirectoryName, DNSName, IPAddress, RFC822Name,
                                        UniformResourceIdentifier)
from x509core.cert.validation.hostname import is_dns_name, split_wildcard
from x509core.cert.validation.checks import name_key, refuse, self_issued

__all__ = ["check_name_constraints"]

_RULE = "RFC 5280 §6.1.3 (b), (c)"
_EMPTY_NAME = b"\x30\x00"


def _within(name: str, base: str) -> bool:
    return not base or name == base or name.endswith("." + base)


def _dns_constraint_ok(base: str) -> bool:
    return base == "" or (base.isascii() and is_dns_name(base.lower()))


def _dns_verdict(name: str, base: str, excluded: bool) -> bool | None:
    """Whether subtree ``base`` contains ``name`` (None: the name is malformed)."""
    name, base = name.lower(), base.lower()
    if not name.isascii() or not is_dns_name(name, allow_wildcard=True):
        return None
    wildcard, rest = split_wildcard(name)
    if not wildcard:
        return _within(name, base)
    if _within(rest, base):
        return True
    # An excluded subtree one label under the wildcard's base is matched by the wildcard.
    return excluded and base.partition(".")[2] == rest


def _mailbox(value: str) -> tuple[str, str] | None:
    local, at, domain = value.rpartition("@")
    if not at or not local or "@" in local or not is_dns_name(domain.lower()):
        return None
    return local, domain.lower()


def _email_constraint_ok(base: str) -> bool:
    if "@" in base:
        return _mailbox(base) is not None
    host = base[1:] if base.startswith(".") else base
    return is_dns_name(host.lower())


def _email_verdict(name: str, base: str, excluded: bool) -> bool | None:
    mailbox = _mailbox(name)
    if mailbox is None:
        return None
    if "@" in base:
        local, domain = _mailbox(base)
        return mailbox == (local, domain)
    base = base.lower()
    if base.startswith("."):
        return mailbox[1].endswith(base)
    return mailbox[1] == base


def _uri_host(uri: str) -> str | None:
    scheme, sep, rest = uri.partition("://")
    if not sep or not scheme:
        return None
    authority = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    if "\\" in authority:
        return None                      # RFC 3986 and WHATWG disagree on its host (docstring)
    host = authority.rpartition("@")[2]
    if host.startswith("["):
        return None                      # an IP literal is not a host name
    host = host.split(":", 1)[0].lower()
    return host if is_dns_name(host) else None


def _uri_verdict(name: str, base: str, excluded: bool) -> bool | None:
    host = _uri_host(name)
    if host is None:
        return None
    base = base.lower()
    if base.startswith("."):
        return host.endswith(base)
    return host == base


def _ip_verdict(name, base, excluded: bool) -> bool | None:
    return name.version == base.version and name in base


def _dn_verdict(name, base, excluded: bool) -> bool | None:
    prefix = name_key(base)
    return name_key(name)[:len(prefix)] == prefix


# form -> (reads the value out of a GeneralName, compares a name with a subtree base)
_FORMS = {
    DNSName: (lambda gn: gn.value, _dns_verdict),
    RFC822Name: (lambda gn: gn.value, _email_verdict),
    UniformResourceIdentifier: (lambda gn: gn.value, _uri_verdict),
    IPAddress: (lambda gn: gn.value, _ip_verdict),
    DirectoryName: (lambda gn: gn.name, _dn_verdict),
}


def _names(cert) -> list:
    """Every name of ``cert`` that constraints look at, as GeneralName objects."""
    names = []
    if cert.raw_subject != _EMPTY_NAME:
        names.append(DirectoryName(cert.subject))
    names.extend(RFC822Name(value) for value in cert.subject.get(oids.OID_EMAIL_ADDRESS)
                 if value.isascii())
    san = cert.subject_alternative_name
    if san is not None:
        names.extend(san.names)
    return names


def _grouped(ca, ca_depth: int, ctx) -> tuple[dict, dict]:
    """``(permitted, excluded)``: the CA's subtree bases by GeneralName form, checked and grouped
    once per verification (each subtree charged to the budget once)."""
    groups = ctx.nc_groups.get(ca.raw)
    if groups is None:
        value = ca.extension(oids.OID_NAME_CONSTRAINTS).value
        subtrees = (value.permitted_subtrees or ()) + (value.excluded_subtrees or ())
        _charge(ctx, len(subtrees), ca_depth)
        _check_subtrees(ca, ca_depth, subtrees)
        groups = tuple(_by_form(value_subtrees or ()) for value_subtrees in
                       (value.permitted_subtrees, value.excluded_subtrees))
        ctx.nc_groups[ca.raw] = groups
    return groups


def _by_form(subtrees) -> dict:
    forms: dict = {}
    for subtree in subtrees:
        forms.setdefault(type(subtree.base), []).append(subtree.base)
    return forms


def _charge(ctx, units: int, ca_depth: int) -> None:
    ctx.nc_budget -= units
    if ctx.nc_budget < 0:
        raise refuse("budget", "too many name-constraint comparisons", _RULE, ca_depth)


def _check_subtrees(ca, ca_depth: int, subtrees) -> None:
    for subtree in subtrees:
        base = subtree.base
        ok = True
        if isinstance(base, DNSName):
            ok = _dns_constraint_ok(base.value)
        elif isinstance(base, RFC822Name):
            ok = base.value.isascii() and _email_constraint_ok(base.value)
        elif isinstance(base, UniformResourceIdentifier):
            ok = is_dns_name(base.value.removeprefix(".").lower())
        elif isinstance(base, IPAddress):
            ok = base.is_range
        if not ok:
            raise refuse("name_constraints", f"malformed name constraint {base.text()}",
                         "RFC 5280 §4.2.1.10", ca_depth, ca)


def _check_name(gn, permitted, excluded, ctx, depth, cert, ca_depth) -> None:
    form = type(gn)
    same, banned = permitted.get(form, ()), excluded.get(form, ())
    if form not in _FORMS:
        if same or banned:
            raise refuse("name_constraints", f"name {gn.text()} under a constraint of a form "
                         "that is not processed", _RULE, depth, cert)
        return
    value_of, verdict = _FORMS[form]
    value = value_of(gn)
    _charge(ctx, 1 + len(same) + len(banned), ca_depth)
    for base in banned:
        hit = verdict(value, value_of(base), True)
        if hit is None or hit:
            why = "malformed" if hit is None else "excluded"
            raise refuse("name_constraints", f"name {gn.text()} is {why} by the constraints of "
                         f"the CA at depth {ca_depth}", _RULE, depth, cert)
    if same:
        hits = [verdict(value, value_of(base), False) for base in same]
        if None in hits or not any(hits):
            raise refuse("name_constraints", f"name {gn.text()} is not permitted by the "
                         f"constraints of the CA at depth {ca_depth}", _RULE, depth, cert)


def check_name_constraints(ca, ca_depth: int, path: list, ctx) -> None:
    """Apply the nameConstraints of ``ca`` (at ``ca_depth``) to ``path[:ca_depth]``."""
    ext = ca.extension(oids.OID_NAME_CONSTRAINTS)
    if ext is None:
        return
    permitted, excluded = _grouped(ca, ca_depth, ctx)
    for depth in range(ca_depth):
        cert = path[depth]
        if depth > 0 and self_issued(cert):
            continue                 # RFC 5280 §6.1.3 (b): "unless certificate i is self-issued"
        for gn in _names(cert):
            _check_name(gn, permitted, excluded, ctx, depth, cert, ca_depth)
