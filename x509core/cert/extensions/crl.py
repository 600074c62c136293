"""CRL extensions and CRL entry extensions. RFC 5280 §5.2.3, §5.2.4, §5.3.1, §5.3.2.

The issuingDistributionPoint extension (§5.2.5) is in :mod:`x509core.cert.extensions.distribution`
beside the distribution points it shares types with; certificateIssuer (§5.3.3) is in
:mod:`x509core.cert.extensions.names` with the other GeneralNames values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from x509core.cert._parsed import parsed
from x509core.cert.extensions.value import ExtensionValue, non_negative, openssl_integer
from x509core.cert.oids import (OID_CRL_NUMBER, OID_CRL_REASON, OID_DELTA_CRL_INDICATOR,
                                OID_INVALIDITY_DATE)
from x509core.der import ObjectIdentifier, Reader, Writer
from x509core.der.content import encode_integer
from x509core.der.time import to_utc
from x509core.errors import DecodeError, InvalidValue

__all__ = ["CRLNumber", "DeltaCRLIndicator", "CRLReason", "InvalidityDate", "REASON_NAMES"]

_MAX_CRL_NUMBER_OCTETS = 20


def _check_crl_number(value: int, what: str) -> None:
    non_negative(value, what)
    if len(encode_integer(value)) > _MAX_CRL_NUMBER_OCTETS:
        # RFC 5280 §5.2.3: "Conforming CRL issuers MUST NOT use CRLNumber values longer than 20
        # octets."
        raise InvalidValue(f"{what} longer than 20 octets (RFC 5280 §5.2.3)")


def _read_crl_number(reader: Reader, name: str) -> int:
    start = reader.pos
    value = reader.read_integer(name)
    path = reader.path + (name,)
    if value < 0:
        reader.report(DecodeError, f"{name} must be >= 0", "INTEGER (0..MAX), RFC 5280 §5.2.3",
                      start, name=name)
    elif len(encode_integer(value)) > _MAX_CRL_NUMBER_OCTETS:
        reader.report(DecodeError, f"{name} longer than 20 octets", "RFC 5280 §5.2.3", start,
                      name=name)
    return value


@dataclass(frozen=True, slots=True)
class CRLNumber(ExtensionValue):
    """The sequence number of a CRL. RFC 5280 §5.2.3::

        CRLNumber ::= INTEGER (0..MAX)
    """

    oid: ClassVar[ObjectIdentifier] = OID_CRL_NUMBER
    # RFC 5280 §5.2.3: CRL issuers "MUST mark this extension as non-critical".
    criticality: ClassVar = (False, "RFC 5280 §5.2.3")
    crl_number: int

    def __post_init__(self) -> None:
        _check_crl_number(self.crl_number, "CRLNumber")

    @classmethod
    def read_value(cls, reader: Reader) -> "CRLNumber":
        return cls(_read_crl_number(reader, "CRLNumber"))

    def write_value(self, writer: Writer) -> None:
        writer.write_integer(self.crl_number)

    def text_lines(self) -> list[str]:
        return [openssl_integer(self.crl_number)]


@dataclass(frozen=True, slots=True)
class DeltaCRLIndicator(ExtensionValue):
    """Marks a delta CRL and names the complete CRL it updates. RFC 5280 §5.2.4::

        BaseCRLNumber ::= CRLNumber
    """

    oid: ClassVar[ObjectIdentifier] = OID_DELTA_CRL_INDICATOR
    # RFC 5280 §5.2.4: "The delta CRL indicator is a critical CRL extension".
    criticality: ClassVar = (True, "RFC 5280 §5.2.4")
    base_crl_number: int

    def __post_init__(self) -> None:
        _check_crl_number(self.base_crl_number, "BaseCRLNumber")

    @classmethod
    def read_value(cls, reader: Reader) -> "DeltaCRLIndicator":
        return cls(_read_crl_number(reader, "BaseCRLNumber"))

    def write_value(self, writer: Writer) -> None:
        writer.write_integer(self.base_crl_number)

    def text_lines(self) -> list[str]:
        return [openssl_integer(self.base_crl_number)]


# CRLReason value -> its ASN.1 name (RFC 5280 §5.3.1); 7 is not used.
REASON_NAMES = {0: "unspecified", 1: "keyCompromise", 2: "cACompromise", 3: "affiliationChanged",
                4: "superseded", 5: "cessationOfOperation", 6: "certificateHold",
                8: "removeFromCRL", 9: "privilegeWithdrawn", 10: "aACompromise"}
# What OpenSSL prints (crypto/x509/v3_enum.c crl_reasons).
_REASON_TEXT = {0: "Unspecified", 1: "Key Compromise", 2: "CA Compromise", 3: "Affiliation Changed",
                4: "Superseded", 5: "Cessation Of Operation", 6: "Certificate Hold",
                8: "Remove From CRL", 9: "Privilege Withdrawn", 10: "AA Compromise"}


@dataclass(frozen=True, slots=True)
class CRLReason(ExtensionValue):
    """Why a certificate was revoked. RFC 5280 §5.3.1::

        CRLReason ::= ENUMERATED {
             unspecified             (0),
             keyCompromise           (1),
             cACompromise            (2),
             affiliationChanged      (3),
             superseded              (4),
             cessationOfOperation    (5),
             certificateHold         (6),
                  -- value 7 is not used
             removeFromCRL           (8),
             privilegeWithdrawn      (9),
             aACompromise           (10) }
    """

    oid: ClassVar[ObjectIdentifier] = OID_CRL_REASON
    # RFC 5280 §5.3.1: "The reasonCode is a non-critical CRL entry extension".
    criticality: ClassVar = (False, "RFC 5280 §5.3.1")
    reason: int

    def __post_init__(self) -> None:
        if not isinstance(self.reason, int) or isinstance(self.reason, bool):
            raise TypeError("reason must be an int")
        if self.reason not in REASON_NAMES:
            raise InvalidValue(f"CRLReason {self.reason} is not defined (RFC 5280 §5.3.1)")
        object.__setattr__(self, "reason", int(self.reason))

    @classmethod
    def from_name(cls, name: str) -> "CRLReason":
        """The reason with the ASN.1 name ``name``, e.g. ``"keyCompromise"``."""
        if not isinstance(name, str):
            raise TypeError(f"reason must be its ASN.1 name (a str), not {type(name).__name__}")
        for value, known in REASON_NAMES.items():
            if known == name:
                return cls(value)
        raise InvalidValue(f"unknown CRLReason {name!r} (RFC 5280 §5.3.1)")

    @property
    def reason_name(self) -> str:
        return REASON_NAMES.get(self.reason, f"undefined({self.reason})")   # read one: a finding

    @classmethod
    def read_value(cls, reader: Reader) -> "CRLReason":
        start = reader.pos
        value = reader.read_enumerated("CRLReason")
        if value not in REASON_NAMES:
            reader.report(DecodeError, f"CRLReason {int(value)} is not defined", "RFC 5280 §5.3.1",
                          start, name="CRLReason")
        return parsed(cls, int(value))

    def write_value(self, writer: Writer) -> None:
        writer.write_enumerated(self.reason)

    def text_lines(self) -> list[str]:
        return [_REASON_TEXT.get(self.reason, f"Unknown Reason ({self.reason})")]


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, slots=True)
class InvalidityDate(ExtensionValue):
    """When the key is known or suspected to have been compromised. RFC 5280 §5.3.2::

        InvalidityDate ::=  GeneralizedTime
    """

    oid: ClassVar[ObjectIdentifier] = OID_INVALIDITY_DATE
    # RFC 5280 §5.3.2: "This is a non-critical CRL entry extension".
    criticality: ClassVar = (False, "RFC 5280 §5.3.2")
    invalidity_date: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "invalidity_date", to_utc(self.invalidity_date))

    @classmethod
    def read_value(cls, reader: Reader) -> "InvalidityDate":
        return cls(reader.read_generalized_time("InvalidityDate"))

    def write_value(self, writer: Writer) -> None:
        writer.write_generalized_time(self.invalidity_date)

    def text_lines(self) -> list[str]:
        # ASN1_GENERALIZEDTIME_print: "Dec  1 01:02:03 2023 GMT", a fraction after the seconds
        t = self.invalidity_date
        fraction = f".{t.microsecond:06d}".rstrip("0") if t.microsecond else ""
        clock = f"{t.hour:02d}:{t.minute:02d}:{t.second:02d}{fraction}"
        return [f"{_MONTHS[t.month - 1]} {t.day:2d} {clock} {t.year} GMT"]
