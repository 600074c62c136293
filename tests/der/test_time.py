"""UTCTime and GeneralizedTime: DER forms, the RFC 5280 century rule and profile."""

from datetime import datetime, timedelta, timezone

import pytest

from x509core.der import GeneralizedTime, Reader, UTCTime, Writer, decode, encode
from x509core.errors import DecodeError, InvalidValue

UTC = timezone.utc


@pytest.mark.parametrize("text,year", [("500101000000Z", 1950), ("991231235959Z", 1999),
                                       ("000101000000Z", 2000), ("491231235959Z", 2049)])
def test_utc_time_century_rule(text, year):
    value = decode(bytes((0x17, 13)) + text.encode())
    assert isinstance(value, UTCTime) and value.year == year      # RFC 5280 §4.1.2.5.1


def test_generalized_time_fraction_round_trip():
    data = bytes((0x18, 21)) + b"20261124162149.12345Z"
    value = decode(data)
    assert value.microsecond == 123450 and encode(value) == data


def test_naive_datetimes_are_refused():
    with pytest.raises(InvalidValue, match="naive"):
        encode(datetime(2030, 1, 1))
    with pytest.raises(InvalidValue, match="naive"):
        Writer().write_time(datetime(2030, 1, 1))


def test_aware_datetimes_are_converted_to_utc():
    tz = timezone(timedelta(hours=8))
    w = Writer()
    w.write_time(datetime(2030, 1, 1, 8, 0, tzinfo=tz))
    assert w.to_bytes()[2:] == b"300101000000Z"


def test_utc_time_range_and_whole_seconds():
    with pytest.raises(InvalidValue):
        encode(UTCTime(2050, 1, 1, tzinfo=UTC))
    with pytest.raises(InvalidValue):
        Writer().write_time(datetime(2030, 1, 1, 0, 0, 0, 5, tzinfo=UTC))


def test_profile_allows_generalized_time_from_2050_only():
    assert Reader(bytes((0x18, 15)) + b"20500101000000Z").read_time().year == 2050
    with pytest.raises(DecodeError, match="RFC 5280"):
        Reader(bytes((0x18, 15)) + b"20491231235959Z").read_time()
    assert decode(bytes((0x18, 15)) + b"20491231235959Z") == GeneralizedTime(2049, 12, 31, 23, 59, 59, tzinfo=UTC)


@pytest.mark.parametrize("text", ["20260230000000Z", "20261124246000Z", "00000101000000Z"])
def test_impossible_dates(text):
    with pytest.raises(DecodeError, match="calendar"):
        decode(bytes((0x18, len(text))) + text.encode())
