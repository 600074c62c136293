"""x509core.pem decodes in memory linear in the input with a small constant (issue 16, item 9).

A PEM block of short lines used to cost about 33 bytes of memory per input byte (a tuple and a
string object kept for every line): 20 MB of 4-character lines peaked at 653 MB (tracemalloc;
OpenSSL needs 43 MB). The bound asserted here is on tracemalloc's peak during ``pem.decode``,
relative to the input size: under 4 bytes per input byte whatever the line length, which
leaves room for the input decoded to text (1 byte per byte), the base64 collected (under 1)
and the DER (3/4). A memory bound, not a timing.
"""

from __future__ import annotations

import base64
import tracemalloc

import pytest

from x509core import pem

SIZE = 1_000_000                    # bytes of input: large enough that fixed costs vanish
BOUND = 4.0                         # bytes of peak memory per input byte


def _pem(width: int, eol: bytes = b"\n") -> tuple[bytes, bytes]:
    """About SIZE bytes of one PEM block with base64 lines of ``width`` characters, and its DER."""
    der_length = SIZE * 3 // 4 * width // (width + len(eol))
    der = (bytes(range(256)) * (der_length // 256 + 1))[:der_length - der_length % 3]
    b64 = base64.b64encode(der)
    body = eol.join(b64[i:i + width] for i in range(0, len(b64), width))
    return b"-----BEGIN CERTIFICATE-----" + eol + body + eol + b"-----END CERTIFICATE-----" + eol, der


def _peak(text) -> int:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        result = pem.decode(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, result


@pytest.mark.parametrize("width, eol", [(4, b"\n"), (4, b"\r\n"), (16, b"\r"),
                                        (64, b"\n"), (76, b"\n"), (1000, b"\n")])
def test_peak_memory_is_under_four_bytes_per_input_byte(width, eol):
    text, der = _pem(width, eol)
    peak, result = _peak(text)
    assert result == [("CERTIFICATE", der)]
    assert peak < BOUND * len(text), f"{peak / len(text):.1f} bytes per input byte"


def test_str_input_too():
    text, der = _pem(4)
    as_text = text.decode("ascii")
    peak, result = _peak(as_text)
    assert result == [("CERTIFICATE", der)] and peak < BOUND * len(as_text)


def test_a_malformed_block_fails_without_keeping_every_line():
    """The error is found at the end (an odd number of base64 characters); the memory spent
    getting there is bounded the same way."""
    text, _ = _pem(4)
    text = text.replace(b"\n-----END", b"A\n-----END")
    tracemalloc.start()
    try:
        with pytest.raises(pem.PEMError, match="4-character group"):
            pem.decode(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < BOUND * len(text)
