"""UTCTime and GeneralizedTime in their DER forms, and the RFC 5280 Time profile.

X.690 §11.8 (UTCTime): ``YYMMDDHHMMSSZ`` — seconds present, ``Z`` and no fraction.
X.690 §11.7 (GeneralizedTime): ``YYYYMMDDHHMMSS[.f]Z`` — seconds present, ``Z``, a fraction only
when non-zero, with ``.`` as decimal mark and no trailing zero.
RFC 5280 §4.1.2.5: certificate validity through 2049 MUST be UTCTime and from 2050 GeneralizedTime;
§4.1.2.5.2: GeneralizedTime MUST NOT have fractional seconds. §4.1.2.5.1: UTCTime years 50..99
mean 19YY and 00..49 mean 20YY.

Values are aware ``datetime`` objects in UTC; naive datetimes are refused, because a certificate
time without a zone would be read differently on every machine. :func:`plain_utc_time` decodes
the 13 octets of a UTCTime as :func:`decode_utc_time_content` does, giving None where it raises
(the certificate reader's fast path for Validity).
"""

from __future__ import annotations

from datetime import datetime, timezone

from x509core.errors import DecodeError, InvalidValue, NonCanonicalEncoding

__all__ = ["UTCTime", "GeneralizedTime", "decode_utc_time_content", "plain_utc_time",
           "decode_generalized_time_content", "encode_utc_time_content",
           "encode_generalized_time_content", "check_rfc5280_time", "to_utc"]

_DIGITS = frozenset(b"0123456789")


class UTCTime(datetime):
    """A time that encodes as UTCTime (years 1950..2049)."""

    __slots__ = ()


class GeneralizedTime(datetime):
    """A time that encodes as GeneralizedTime."""

    __slots__ = ()


def to_utc(value: datetime) -> datetime:
    """``value`` in UTC; naive datetimes are refused (InvalidValue)."""
    if not isinstance(value, datetime):
        raise TypeError(f"expected a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidValue("naive datetime: give a timezone-aware datetime (e.g. tzinfo=timezone.utc)")
    return value.astimezone(timezone.utc)


def _digits(raw: bytes, start: int, path, kind: str, rule: str) -> None:
    if raw.isdigit() or not raw:                    # bytes.isdigit: ASCII 0-9 only
        return
    for index, octet in enumerate(raw):
        if octet not in _DIGITS:
            raise DecodeError(f"{kind} has a non-digit character (X.690 {rule})", start + index, path)


def _build(cls, fields: tuple[int, ...], microsecond: int, start: int, path, kind: str):
    try:
        return cls(*fields, microsecond, tzinfo=timezone.utc)
    except ValueError:
        raise DecodeError(f"{kind} is not a valid calendar date and time", start, path) from None


def decode_utc_time_content(data: bytes, start: int, end: int, path: tuple[str, ...]) -> UTCTime:
    """The value of UTCTime content octets ``data[start:end]``. X.690 §11.8, RFC 5280 §4.1.2.5.1."""
    raw = data[start:end]
    if not raw.endswith(b"Z"):
        raise DecodeError("UTCTime must end in 'Z' (X.690 §11.8.1)", start, path)
    if len(raw) != 13:
        raise DecodeError("UTCTime must be YYMMDDHHMMSSZ, with seconds and no fraction "
                          "(X.690 §11.8.2, RFC 5280 §4.1.2.5.1)", start, path)
    _digits(raw[:12], start, path, "UTCTime", "§11.8")
    digits = int(raw[:12])                             # YYMMDDHHMMSS, all digits (checked)
    yy = digits // 10**10
    year = 1900 + yy if yy >= 50 else 2000 + yy        # RFC 5280 §4.1.2.5.1
    fields = (year, digits // 10**8 % 100, digits // 10**6 % 100, digits // 10**4 % 100,
              digits // 100 % 100, digits % 100)
    return _build(UTCTime, fields, 0, start, path, "UTCTime")


def plain_utc_time(data: bytes, start: int) -> UTCTime | None:
    """The 13 content octets at ``start`` as decode_utc_time_content decodes them, or None
    where it raises: YYMMDDHHMMSS in ASCII digits and then 'Z' (X.690 §11.8), the year 19YY
    for YY >= 50 and 20YY below (RFC 5280 §4.1.2.5.1), and a valid calendar date and time."""
    digits = data[start:start + 12]
    if data[start + 12] != 0x5A or not digits.isdigit():       # bytes.isdigit: ASCII 0-9 only
        return None
    value = int(digits)
    yy = value // 10**10
    try:
        return UTCTime(1900 + yy if yy >= 50 else 2000 + yy, value // 10**8 % 100,
                       value // 10**6 % 100, value // 10**4 % 100, value // 100 % 100,
                       value % 100, 0, timezone.utc)
    except ValueError:
        return None


def decode_generalized_time_content(data: bytes, start: int, end: int,
                                    path: tuple[str, ...]) -> GeneralizedTime:
    """The value of GeneralizedTime content octets ``data[start:end]``. X.690 §11.7."""
    raw = data[start:end]
    if not raw.endswith(b"Z"):
        raise DecodeError("GeneralizedTime must end in 'Z' (X.690 §11.7.1)", start, path)
    body, fraction = raw[:-1], b""
    if len(body) > 14 and body[14:15] in (b".", b","):
        body, fraction = raw[:14], raw[15:-1]
        if raw[14:15] == b",":
            raise DecodeError("GeneralizedTime decimal mark must be '.' (X.690 §11.7.4)", start + 14, path)
        if not fraction:
            raise DecodeError("GeneralizedTime has a decimal point without a fraction (X.690 §11.7.4)",
                              start + 14, path)
        if fraction.endswith(b"0"):
            raise NonCanonicalEncoding("GeneralizedTime fraction ends in 0 (X.690 §11.7.3)",
                                       end - 2, path)
    if len(body) != 14:
        raise DecodeError("GeneralizedTime must be YYYYMMDDHHMMSS[.f]Z, with seconds "
                          "(X.690 §11.7.2)", start, path)
    _digits(body, start, path, "GeneralizedTime", "§11.7")
    _digits(fraction, start + 15, path, "GeneralizedTime", "§11.7")
    if len(fraction) > 6:
        # Deviation: a datetime holds microseconds; finer fractions (legal in X.690) are refused
        # rather than rounded, so that every accepted value re-encodes to the same bytes.
        raise DecodeError("GeneralizedTime fraction finer than microseconds is not supported",
                          start + 15, path)
    micro = int(fraction.ljust(6, b"0")) if fraction else 0
    fields = (int(body[0:4]), int(body[4:6]), int(body[6:8]), int(body[8:10]), int(body[10:12]),
              int(body[12:14]))
    return _build(GeneralizedTime, fields, micro, start, path, "GeneralizedTime")


def encode_utc_time_content(value: datetime) -> bytes:
    """UTCTime content octets; the year must be 1950..2049 (RFC 5280 §4.1.2.5.1)."""
    value = to_utc(value)
    if not 1950 <= value.year <= 2049:
        raise InvalidValue(f"UTCTime covers 1950..2049 only, not {value.year} (RFC 5280 §4.1.2.5.1)")
    if value.microsecond:
        raise InvalidValue("UTCTime has no fractional seconds (X.690 §11.8.2)")
    return value.strftime("%y%m%d%H%M%SZ").encode("ascii")


def encode_generalized_time_content(value: datetime) -> bytes:
    """GeneralizedTime content octets; a fraction only when non-zero, without trailing zeros."""
    value = to_utc(value)
    text = f"{value.year:04d}{value.month:02d}{value.day:02d}{value.hour:02d}{value.minute:02d}{value.second:02d}"
    if value.microsecond:
        text += "." + f"{value.microsecond:06d}".rstrip("0")      # X.690 §11.7.3, §11.7.4
    return (text + "Z").encode("ascii")


def check_rfc5280_time(value: datetime, is_utc_time: bool, offset: int, path: tuple[str, ...]) -> None:
    """Refuse a Time that DER allows but RFC 5280 §4.1.2.5 does not."""
    if is_utc_time:
        return                                        # UTCTime can only hold 1950..2049
    if value.year < 2050:
        # RFC 5280 §4.1.2.5: "CAs conforming to this profile MUST always encode certificate
        # validity dates through the year 2049 as UTCTime".
        raise DecodeError("a time before 2050 must be a UTCTime (RFC 5280 §4.1.2.5)", offset, path)
    if value.microsecond:
        # RFC 5280 §4.1.2.5.2: "GeneralizedTime values MUST NOT include fractional seconds."
        raise DecodeError("GeneralizedTime must not have fractional seconds (RFC 5280 §4.1.2.5.2)",
                          offset, path)
