"""The searchable columns of a certificate row, read from the certificate itself (so a row
adopted after a crash, or upgraded from an old inventory, gets the same values as one recorded
at issuance)."""

from __future__ import annotations

import ipaddress
from datetime import datetime, timezone

from x509core.cert import oids
from x509core.cert.certificate import Certificate
from x509core.cert.extensions.binding import read_machine_binding
from x509core.cert.names.general_name import DNSName, IPAddress
from x509core.cert.public_key import key_description

__all__ = ["certificate_fields", "extension_fields", "search_key", "key_algorithm", "plain_time"]


def plain_time(moment: datetime) -> datetime:
    """A plain aware datetime (not the DER layer's UTCTime/GeneralizedTime subclass)."""
    return datetime.fromtimestamp(moment.timestamp(), timezone.utc)


def search_key(text: str | None) -> str | None:
    """The case-folded form searched by prefix (the same in both engines: Python folds it)."""
    return None if text is None else text.casefold()


def key_algorithm(public_key) -> str:
    """``RSA-2048``, ``EC P-256``, or the name of an algorithm x509core does not implement."""
    return key_description(public_key)


def extension_fields(extensions) -> dict:
    """machine_identity, mac_address, binding, dns_names and ip_addresses from a certificate's
    (or a builder's) extensions. The binding's values are read from whichever carrier holds them
    (``cert/extensions/binding.py``); ``binding`` is ``"san"`` when only subjectAltName URNs
    carry it, else ``"seed"`` (also when nothing is bound: the column's default)."""
    values = {extension.oid: extension.value for extension in extensions}
    bound = read_machine_binding(extensions)
    san = values.get(oids.OID_SUBJECT_ALT_NAME)
    names = () if san is None else san.names
    return {
        "machine_identity": None if bound is None else bound.machine_identity,
        "mac_address": None if bound is None else bound.mac_address,
        "binding": "san" if bound is not None and bound.carrier == "san" else "seed",
        "dns_names": tuple(gn.value.lower() for gn in names if isinstance(gn, DNSName)),
        "ip_addresses": tuple(str(ipaddress.ip_address(gn.value.packed)) for gn in names
                              if isinstance(gn, IPAddress) and not gn.is_range),
    }


def certificate_fields(certificate: Certificate) -> dict:
    """Every column of a row that the certificate determines."""
    return {
        "serial": certificate.serial_number, "subject": certificate.subject.rfc4514(),
        "common_name": certificate.subject.common_name,
        "organization": certificate.subject.organization,
        **extension_fields(certificate.extensions),
        "key_algorithm": key_algorithm(certificate.public_key),
        "not_before": plain_time(certificate.not_valid_before),
        "not_after": plain_time(certificate.not_valid_after),
    }
