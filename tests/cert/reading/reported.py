"""The check every test of a readable departure makes (STYLE §5: parse, report, validate)."""

from __future__ import annotations

import pytest

from x509core.cert.certificate import load_der_certificate
from x509core.errors import DecodeError

__all__ = ["assert_reported"]


def assert_reported(der: bytes, offset: int, *citations: str, error=DecodeError,
                    severity: str = "error", loader=load_der_certificate):
    """A readable departure (STYLE §5): ``loader(der)`` reads and reports a finding of
    ``severity`` at exactly ``offset`` citing each of ``citations``, and ``loader(der,
    strict=True)`` refuses with ``error`` at the same offset, citing the same. Returns the
    object read."""
    with pytest.raises(DecodeError) as caught:
        loader(der, strict=True)
    err = caught.value
    assert isinstance(err, error), f"{type(err).__name__}: {err}"
    assert err.offset == offset, f"strict: offset {err.offset}, expected {offset}: {err}"
    for citation in citations:
        assert citation in str(err), f"strict: {citation!r} not in {str(err)!r}"
    read = loader(der)
    matching = [f for f in read.findings if f.offset == offset and f.severity == severity
                and issubclass(f.error, error) and all(c in str(f) for c in citations)]
    assert matching, f"no {severity} finding at {offset} citing {citations}: " \
                     f"{[str(f) for f in read.findings]}"
    return read
