"""The service's log escapes what the network sends as the CLI does (x509core/safe_text.py):
no raw control character, line separator or bidirectional override reaches a log line."""

from __future__ import annotations

import io
import logging

import pytest

from x509core.safe_text import escape_controls
from x509core.service import logs

pytestmark = pytest.mark.service

HOSTILE = "GET /ca\r\n2026-12-02T00:00:00Z x509core serve: OK\x1b]0;title\x07 \u202egnp.exe \u2028\\x41"


def test_printable_is_the_clis_escaping():
    assert logs.printable(HOSTILE) == escape_controls(HOSTILE)
    for raw in ("\r", "\n", "\x1b", "\x07", "\u202e", "\u2028"):
        assert raw not in logs.printable(HOSTILE)
    assert "\\\\x41" in logs.printable(HOSTILE)        # a literal backslash cannot fake an escape


def test_a_logged_message_and_its_traceback_are_one_escaped_line_each():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs._EscapingFormatter())
    logger = logging.getLogger("x509core.test_logs")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        try:
            raise ValueError(HOSTILE)
        except ValueError:
            logger.exception("refused %s", HOSTILE)
    finally:
        logger.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert lines[0].endswith("x509core serve: refused " + escape_controls(HOSTILE))
    assert all(line.startswith("    ") for line in lines[1:])         # the traceback, indented
    assert not any(c in stream.getvalue() for c in "\r\x1b\x07\u202e\u2028")
