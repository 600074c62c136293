"""x509core.safe_text: the one escaping of text for terminals and logs (issue 16, item 3)."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from x509core.safe_text import control_character, describe_character, escape_controls

FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069"
                       "\ud800-\udfff]")


@pytest.mark.parametrize("raw, shown", [
    ("plain text, Grüße, 日本", "plain text, Grüße, 日本"),
    ("\x1b]0;title\x07", "\\1B]0;title\\07"),
    ("a\r\nOK: b", "a\\0D\\0AOK: b"),
    ("\x00\x1f\x7f\x80\x85\x9f", "\\00\\1F\\7F\\80\\85\\9F"),
    ("\xa0é", "\xa0é"),                                   # printable Latin-1 stays
    ("evil\u202etxt.exe", "evil\\u202Etxt.exe"),
    ("\u061c\u200e\u200f\u2066\u2069", "\\u061C\\u200E\\u200F\\u2066\\u2069"),
    ("line\u2028sep\u2029", "line\\u2028sep\\u2029"),
    ("bad byte \udcff", "bad byte \\uDCFF"),
    ("back\\slash", "back\\\\slash"),
    ("\\1B is not ESC", "\\\\1B is not ESC"),
])
def test_escapes(raw, shown):
    assert escape_controls(raw) == shown


def _unescape(text: str) -> str:
    """The inverse of escape_controls, to show that its output is unambiguous."""
    return re.sub(r"\\(\\|u[0-9A-F]{4}|[0-9A-F]{2})",
                  lambda m: "\\" if m.group(1) == "\\" else chr(int(m.group(1).lstrip("u"), 16)),
                  text)


@given(st.text(st.characters()))
def test_output_is_one_clean_line_and_unambiguous(text):
    shown = escape_controls(text)
    assert FORBIDDEN.search(shown) is None and "\n" not in shown
    assert _unescape(shown) == text
    shown.encode("utf-8")                       # a UTF-8 terminal or log file can write it


@given(st.text(st.characters()))
def test_control_character_finds_what_escape_controls_escapes(text):
    index = control_character(text)
    expected = FORBIDDEN.search(text)
    assert index == (None if expected is None else expected.start())


def test_backslash_is_not_a_control_character_and_describe_names_the_code_point():
    assert control_character("C:\\path") is None
    assert describe_character("\x1b") == "U+001B" and describe_character("\u202e") == "U+202E"
    with pytest.raises(TypeError):
        escape_controls(b"bytes")


@given(st.text(st.characters()))
def test_json_with_ensure_ascii_needs_no_escaping(text):
    """Why the --json outputs are printed as json.dumps writes them."""
    encoded = json.dumps({"value": text}, indent=2)
    assert FORBIDDEN.search(encoded.replace("\n", "")) is None and encoded.isascii()
    assert json.loads(encoded)["value"] == text
