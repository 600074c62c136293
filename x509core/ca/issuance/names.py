"""The names the CA certifies: no control characters in any name or SAN value, DNS names in
the preferred name syntax, IP addresses that fit an iPAddress entry (issue 16, items 3 and 7).

Each check raises :class:`~x509core.errors.InvalidValue` with one line that names the field;
``x509core/ca/issuance/inputs.py`` applies them to everything a profile certifies, whether it
comes from the command line, the Python API or a CSR.
"""

from __future__ import annotations

import ipaddress

from x509core.safe_text import control_character, describe_character
from x509core.cert.names.name import Name
from x509core.cert.names.name_text import openssl_type_name
from x509core.cert.validation.hostname import is_dns_name, split_wildcard
from x509core.errors import InvalidValue

__all__ = ["check_no_controls", "check_name", "check_dns_name", "ip_address_entry"]


def check_no_controls(value: str, what: str) -> str:
    """Refuse a name or SAN value that holds a control character: C0, DEL, C1, a bidi control,
    a line separator (``x509core/safe_text.py`` lists them), or a lone surrogate (what a byte
    that is not UTF-8 becomes in an argument). The CA does not certify text that would forge
    lines or reorder what a relying party's terminal, log or browser shows (issue 16)."""
    index = control_character(value)
    if index is not None:
        char = value[index]
        surrogate = "\ud800" <= char <= "\udfff"
        kind = "a byte that is not UTF-8" if surrogate else "a control character"
        raise InvalidValue(f"{what} holds {kind} ({describe_character(char)} at character "
                           f"{index + 1}); the CA does not certify such names")
    return value


def check_name(name: Name, what: str) -> Name:
    """Every string attribute of ``name`` without control characters (:func:`check_no_controls`),
    each named by its type in the error (``the CA subject's O``)."""
    for rdn in name.rdns:
        for attribute in rdn.attributes:
            if attribute.string_tag is not None:
                check_no_controls(attribute.value, f"{what}'s {openssl_type_name(attribute.oid)}")
    return name


_DNS_RULE = ("labels of 1 to 63 letters, digits and hyphens, no hyphen first or last, at most "
             "253 characters; a wildcard only as the whole left-most label of a name of three or "
             "more labels (RFC 1034 §3.5, RFC 1123 §2.1, RFC 5280 §4.2.1.6)")


def check_dns_name(name: str) -> str:
    """A dNSName the CA certifies: the preferred name syntax, as the validator reads it
    (:func:`x509core.cert.validation.hostname.is_dns_name`, case aside), and also:

    - internationalized names only as A-labels, ``xn--`` and valid Punycode (RFC 5890 §2.3.2.1);
      any other label with ``--`` in its third and fourth characters is reserved (RFC 5890
      §2.3.1) and refused, as the CA/Browser Forum's Baseline Requirements refuse it;
    - the right-most label is not all digits (RFC 1123 §2.1: "the highest-level component label
      will be alphabetic"), so that an IPv4 address is never certified as a DNS name.

    Returned as given (DNS compares without regard to case, RFC 4343)."""
    if not isinstance(name, str):
        raise TypeError(f"dns must be a str, not {type(name).__name__}")
    check_no_controls(name, f"DNS name {name!r}")
    if not name.isascii():
        raise InvalidValue(f"DNS name {name!r} is not ASCII: give an internationalized name as "
                           "its A-label (xn--..., RFC 5890 §2.3.2.1)")
    lower = name.lower()
    if not is_dns_name(lower, allow_wildcard=True):
        hint = " (no trailing dot)" if lower.endswith(".") and lower != "." else ""
        raise InvalidValue(f"DNS name {name!r} is not in the preferred name syntax{hint}: "
                           + _DNS_RULE)
    labels = split_wildcard(lower)[1].split(".")
    for label in labels:
        if label[2:4] == "--" and not _is_a_label(label):
            raise InvalidValue(f"DNS name {name!r}: the label {label!r} is reserved or not a "
                               "valid A-label (RFC 5890 §2.3.1, §2.3.2.1)")
    if labels[-1].isdigit():
        raise InvalidValue(f"DNS name {name!r} ends in an all-numeric label (RFC 1123 §2.1); "
                           "an IP address goes in --ip")
    return name


def _is_a_label(label: str) -> bool:
    """``xn--`` and Punycode (RFC 3492) of a U-label that encodes back to the same label.

    Deviation: the U-label is checked by Python's ``idna`` codec, which follows IDNA2003
    (RFC 3490, nameprep) rather than IDNA2008 (RFC 5891); it refuses control characters and
    malformed Punycode, which is what matters here, and needs nothing beyond the standard
    library."""
    if not label.startswith("xn--"):
        return False
    try:
        decoded = label.encode("ascii").decode("idna")
        return not decoded.isascii() and decoded.encode("idna").decode("ascii") == label
    except UnicodeError:
        return False


def ip_address_entry(text: str):
    """An iPAddress entry: 4 or 16 octets (RFC 5280 §4.2.1.6), so an IPv6 zone (``%eth0``),
    which those octets cannot carry, is refused rather than dropped."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError as exc:
        raise InvalidValue(f"not an IP address: {exc}") from None
    if getattr(address, "scope_id", None) is not None:
        raise InvalidValue(f"IP address {text!r} has a zone (%...), which a certificate cannot "
                           "carry (RFC 5280 §4.2.1.6: 4 or 16 octets)")
    return address
