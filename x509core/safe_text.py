"""Text from certificates made safe for a terminal or a log line, and the characters the CA
refuses in the names it certifies.

A certificate's names, SANs and policy texts are chosen by whoever made it. Written raw to a
terminal, ESC starts an escape sequence (it can set the window title, move the cursor, or
rewrite what is on screen), CR and LF start a forged line (``OK: CN=trusted`` under a refusal),
and the bidi controls reorder what is displayed ("Trojan Source", CVE-2021-42574). Written to a
log, the same characters forge log entries (CWE-117). So every text output and log line of the
CLI, the TLS helpers and the service goes through :func:`escape_controls`, one line at a time:

- a backslash becomes ``\\\\`` (two backslashes), so that an escape in the output is never
  ambiguous: ``\\1B`` is always ESC, never the four characters a certificate might hold;
- C0 controls, DEL and C1 controls (U+0000–U+001F, U+007F–U+009F) become ``\\XX``, two
  upper-case hexadecimal digits (``\\1B`` for ESC, ``\\0A`` for LF), the form OpenSSL and
  RFC 4514 §2.4 use for one octet;
- above U+00FF, the bidi controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), the
  Unicode line and paragraph separators (U+2028, U+2029: ``str.splitlines`` and some log viewers
  break lines there) and lone surrogates (U+D800–U+DFFF: what a byte that is not UTF-8 becomes
  in a file name or an argument, which a UTF-8 stream cannot even write) become ``\\uXXXX``,
  four upper-case hexadecimal digits (``\\u202E``).

Everything else is kept, non-ASCII letters included: names in UTF-8 stay readable. JSON output
needs none of this: ``json.dumps`` with ``ensure_ascii=True`` (its default) already writes every
control and every non-ASCII character as ``\\uXXXX``.

:func:`control_character` finds the same characters, backslash excepted, for the CA's refusal of
names and SAN values that hold them (``x509core/ca/issuance/names.py``).
"""

from __future__ import annotations

import re

__all__ = ["escape_controls", "escape_unsafe", "control_character", "describe_character"]

# The characters a line must not carry raw (see the module docstring), backslash excepted.
_CONTROLS = ("\x00-\x1f\x7f-\x9f"                    # C0, DEL, C1
             "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"   # bidi controls
             "\u2028\u2029"                              # line and paragraph separators
             "\ud800-\udfff")                            # lone surrogates
_UNSAFE = re.compile(f"[{_CONTROLS}]")
_ESCAPED = re.compile(f"[\\\\{_CONTROLS}]")


def _escape(match: re.Match) -> str:
    char = match.group()
    if char == "\\":
        return "\\\\"
    code = ord(char)
    return f"\\{code:02X}" if code <= 0xFF else f"\\u{code:04X}"


def escape_controls(text: str) -> str:
    """``text`` with backslashes doubled and every control character written as ``\\XX`` (up to
    U+00FF) or ``\\uXXXX`` (above): one safe line for a terminal or a log, LF included."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    if _ESCAPED.search(text) is None:                    # the common case: nothing to do
        return text
    return _ESCAPED.sub(_escape, text)


def escape_unsafe(text: str) -> str:
    """``text`` with every control character escaped as :func:`escape_controls` does, but its
    backslashes kept: for text that is already written in an escaping convention of its own,
    such as ``Certificate.text()`` (OpenSSL's: names escape ``\\`` and controls themselves, and
    the values of general names and policy texts went through :func:`escape_controls`), so
    that an escape is shown once, not twice."""
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(_escape, text)


def control_character(text: str) -> int | None:
    """The index of the first control character of ``text`` (as listed above, backslash not
    included), or None."""
    found = _UNSAFE.search(text)
    return None if found is None else found.start()


def describe_character(char: str) -> str:
    """``U+001B`` for an error message that names a character without printing it."""
    return f"U+{ord(char):04X}"
