"""The checks on what an issuance is given, before any key is made or anything is signed: the
seed system's identifiers, names, dates and validity periods, a server's names, the service's
public URL, and what a CSR contributes. The profiles that use them are in ``profiles.py``.

The input checks follow the seed system: a client id of 16 ASCII letters and digits, a machine
id of 16 to 128 ASCII letters and digits, a MAC address ``aa:bb:cc:dd:ee:ff`` and an end date
``YYYYMMDD`` that is a real calendar date in the future.

The names a profile certifies are checked by ``x509core/ca/issuance/names.py``: no control
characters in any of them, DNS names in the preferred name syntax, IP addresses without a zone.

What a CSR contributes (:func:`csr_arguments`): the CA decides, not the requester (RFC 2986 §3
leaves that to the CA). Only the subject's O and CN, the machine binding (either carrier; the
request's carrier is kept unless the caller names one) and the subjectAltName's DNS names and
IP addresses are taken from a request, and only where the caller did not give them; every
other requested extension is ignored.

The service's public URL (:func:`check_public_url`) is what the CRL and OCSP locations of
``profiles.with_revocation_pointers`` are made of (RFC 5280 §4.2.1.13 and §4.2.2.1).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from x509core.ca.issuance.names import (check_dns_name, check_name, check_no_controls,
                                        ip_address_entry)
from x509core.cert import oids
from x509core.cert.csr import CertificateSigningRequest
from x509core.cert.extensions.binding import identity_urn, requested_carrier
from x509core.cert.names.general_name import DNSName, IPAddress
from x509core.cert.names.name import Name
from x509core.errors import InvalidValue

__all__ = ["CLIENT_ID_LENGTH", "MACHINE_ID_LENGTHS",
           "check_client_id", "check_machine_id", "check_binding_id", "check_mac_address",
           "check_text", "server_names", "parse_not_after", "parse_subject", "validity",
           "csr_arguments", "CSR_PROFILES", "check_public_url"]

CLIENT_ID_LENGTH = 16
MACHINE_ID_LENGTHS = (16, 128)
_UB_NAME = 64            # ub-common-name and ub-organization-name (RFC 5280 Appendix A.1)
_ALNUM = re.compile(r"[A-Za-z0-9]+")
_MAC = re.compile(r"[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}")
_SEED_MAC = re.compile(r"([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}")    # the seed system's API
_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")


def check_client_id(client_id: str) -> str:
    """The seed system's client id: exactly 16 ASCII letters and digits (the certificate's CN)."""
    _require_str(client_id, "client_id")
    if len(client_id) != CLIENT_ID_LENGTH or not _ALNUM.fullmatch(client_id):
        raise InvalidValue(f"client id must be {CLIENT_ID_LENGTH} ASCII letters and digits, "
                           f"not {client_id!r}")
    return client_id


def check_machine_id(machine_id: str) -> str:
    """A machine id of 16 to 128 ASCII letters and digits (a systemd machine id is 32 hex)."""
    _require_str(machine_id, "machine_id")
    low, high = MACHINE_ID_LENGTHS
    if not low <= len(machine_id) <= high or not _ALNUM.fullmatch(machine_id):
        raise InvalidValue(f"machine id must be {low} to {high} ASCII letters and digits, "
                           f"not {machine_id!r}")
    return machine_id


def check_mac_address(mac: str, *, as_given: bool = False) -> str:
    """A MAC address as six colon-separated hex octets, returned in lower case (as Linux's
    ``/sys/class/net/*/address`` shows it and the seed system binds it). ``as_given``: the
    seed system's API form, ``:`` or ``-`` between octets in either case, kept exactly as
    written (that system writes the request's text into the certificate unchanged)."""
    _require_str(mac, "mac")
    if as_given:
        if not _SEED_MAC.fullmatch(mac):
            raise InvalidValue(f"MAC address must look like 00:1A:2B:3C:4D:5E or "
                               f"00-1A-2B-3C-4D-5E, not {mac!r}")
        return mac
    if not _MAC.fullmatch(mac):
        raise InvalidValue(f"MAC address must look like aa:bb:cc:dd:ee:ff, not {mac!r}")
    return mac.lower()


def check_text(value: str, what: str) -> str:
    """A non-empty name attribute of at most 64 characters (RFC 5280 Appendix A.1 bounds),
    without control characters (:func:`check_no_controls`)."""
    _require_str(value, what)
    check_no_controls(value, what)
    if not value.strip() or len(value) > _UB_NAME:
        raise InvalidValue(f"{what} must be 1 to {_UB_NAME} characters, not {value!r}")
    return value


def _require_str(value, what: str) -> None:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}")


def parse_not_after(text: str) -> datetime:
    """The end of the day ``YYYYMMDD`` (23:59:59 UTC), the seed system's date form; an
    impossible date such as ``20250230`` is an :class:`InvalidValue`."""
    _require_str(text, "date")
    match = _DATE.fullmatch(text)
    if match is None:
        raise InvalidValue(f"date must be YYYYMMDD, not {text!r}")
    try:
        day = datetime(*map(int, match.groups()), tzinfo=timezone.utc)
    except ValueError:
        raise InvalidValue(f"impossible date {text}") from None
    return day.replace(hour=23, minute=59, second=59)


def parse_subject(subject: Name | str) -> Name:
    """A Name, an OpenSSL ``/C=../O=../CN=..`` string, or an RFC 4514 string."""
    if isinstance(subject, Name):
        return check_name(subject, "the CA subject")
    if not isinstance(subject, str):
        raise TypeError("subject must be a Name, '/C=../O=../CN=..' or an RFC 4514 string")
    name = Name.from_openssl(subject) if subject.startswith("/") else Name.from_rfc4514(subject)
    if not len(name):
        raise InvalidValue("the CA subject must not be empty (RFC 5280 §4.1.2.6)")
    return check_name(name, "the CA subject")


def validity(now: datetime | None, *, days: int | None, not_after: datetime | None,
             default_days: int, limit: datetime | None = None) -> tuple[datetime, datetime]:
    """(notBefore, notAfter): from ``now`` (default the current time, whole seconds) for
    ``days`` or until ``not_after``, never both; notAfter must lie after now and, when ``limit``
    (the CA's own notAfter) is given, not after it."""
    now = (now or datetime.now(timezone.utc))
    if now.tzinfo is None:
        raise InvalidValue("now must be timezone-aware")
    now = now.astimezone(timezone.utc).replace(microsecond=0)
    if days is not None and not_after is not None:
        raise InvalidValue("give days or not_after, not both")
    if not_after is None:
        days = default_days if days is None else days
        if not isinstance(days, int) or isinstance(days, bool):
            raise TypeError("days must be an int")
        if days <= 0:
            raise InvalidValue(f"days must be positive, not {days}")
        try:
            not_after = now + timedelta(days=days)
        except OverflowError:
            raise InvalidValue(f"impossible validity of {days} days") from None
    if not isinstance(not_after, datetime):
        raise TypeError("not_after must be a datetime")
    if not_after.tzinfo is None:
        raise InvalidValue("not_after must be timezone-aware")
    not_after = not_after.astimezone(timezone.utc).replace(microsecond=0)
    if not_after <= now:
        raise InvalidValue(f"not_after {not_after:%Y-%m-%d %H:%M:%S}Z is not in the future")
    if not_after.year > 9999 - 1:
        raise InvalidValue("not_after is beyond what X.509 times can express")
    if limit is not None and not_after > limit:
        raise InvalidValue(f"not_after {not_after:%Y-%m-%d}Z is after the CA certificate "
                           f"expires ({limit:%Y-%m-%d}Z)")
    return now, not_after


def server_names(*, dns: Sequence[str] = (), ip: Sequence[str] = (),
                 common_name: str | None = None, org: str | None = None) -> tuple[Name, tuple]:
    """A server certificate's subject and subjectAltName entries, every input checked; the
    command line calls it before it generates a key (which takes seconds)."""
    dns, ip = [check_dns_name(d) for d in _names(dns, "dns")], _names(ip, "ip")
    addresses = [ip_address_entry(a) for a in ip]
    names = (*(DNSName(d) for d in dns), *(IPAddress(a) for a in addresses))
    if not names:
        raise InvalidValue("a server certificate needs at least one DNS name or IP address")
    if common_name is None and len((dns or ip)[0]) > _UB_NAME:
        raise InvalidValue(f"the first name is longer than the {_UB_NAME} characters a common "
                           "name may hold (RFC 5280 Appendix A.1): give a shorter common name")
    cn = check_text(common_name if common_name is not None else (dns or ip)[0], "common name")
    attributes = ([("O", check_text(org, "organization"))] if org is not None else []) + [("CN", cn)]
    return Name.build(attributes), names


def _names(values: Sequence[str], what: str) -> list[str]:
    if isinstance(values, str):
        raise TypeError(f"{what} must be a sequence of strings, not one string")
    values = list(values)
    for value in values:
        _require_str(value, what)
    return values


def check_binding_id(machine_id: str, binding: str) -> str:
    """A machine id for ``binding``: the seed system's 16 to 128 letters and digits; for
    ``"san"`` also a UUID of 32 hex digits (``urn:uuid:`` carries nothing else), lower-cased
    as RFC 9562 §4 writes UUIDs."""
    machine_id = check_machine_id(machine_id)
    if binding == "san":
        identity_urn(machine_id)                           # InvalidValue unless 32 hex digits
        return machine_id.lower()
    return machine_id


# -- CSRs -----------------------------------------------------------------------------------------

CSR_PROFILES = ("client", "server")


def csr_arguments(csr: CertificateSigningRequest, profile: str, given: dict) -> dict:
    """``given`` completed from ``csr`` for ``profile`` ("client" or "server")."""
    if profile not in CSR_PROFILES:
        raise InvalidValue(f"profile must be client or server, not {profile!r}")
    arguments = dict(given)
    for name in ("csr", "public_key"):
        if name in arguments:
            raise TypeError(f"sign_csr() takes the key from the CSR; do not pass {name}")
    if profile == "client":
        _default(arguments, "org", csr.subject.organization, "an organization (O)")
        _default(arguments, "client_id", csr.subject.common_name, "a client id (CN)")
        # The request's carrier unless the caller chose; contradictory requests are refused.
        arguments["binding"] = requested_carrier(csr.machine_binding, arguments.get("binding"))
        arguments.setdefault("machine_id", csr.machine_identity)
        arguments.setdefault("mac", csr.mac_address)
        return arguments
    if "dns" not in arguments and "ip" not in arguments:
        arguments["dns"], arguments["ip"] = _requested_names(csr)
    arguments.setdefault("common_name", csr.subject.common_name)
    arguments.setdefault("org", csr.subject.organization)
    return arguments


def _default(arguments: dict, name: str, value, what: str) -> None:
    if arguments.get(name) is None:
        if value is None:
            raise InvalidValue(f"the CSR's subject has no {what}; give {name}=")
        arguments[name] = value


def _requested_names(csr: CertificateSigningRequest) -> tuple[list[str], list[str]]:
    extension = csr.extension(oids.OID_SUBJECT_ALT_NAME)
    dns, ip = [], []
    for name in (extension.value.names if extension is not None else ()):
        if isinstance(name, DNSName):
            dns.append(name.value)
        elif isinstance(name, IPAddress):
            ip.append(str(name.value))
    return dns, ip


# -- the service's public URL ---------------------------------------------------------------------

def check_public_url(url: str) -> str:
    """The service's base URL as relying parties reach it (``http://host[:port][/path]``),
    without a trailing slash. Plain HTTP only: a CRL or OCSP fetch over HTTPS needs the
    status of the server's own certificate first (RFC 5280 §4.2.1.13 names HTTP, RFC 6960
    Appendix A.1 HTTP for OCSP), and the data are signed anyway."""
    _require_str(url, "public URL")
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname or parts.query or parts.fragment:
        raise InvalidValue(f"the public URL must look like http://host[:port][/path], not {url!r}")
    if not url.isascii() or any(ch.isspace() or ord(ch) < 0x20 for ch in url):
        raise InvalidValue(f"the public URL must be ASCII without spaces (an IA5String), not {url!r}")
    return url.rstrip("/")
