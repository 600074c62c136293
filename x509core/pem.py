"""PEM armor: DER inside ``-----BEGIN label-----`` lines of base64. RFC 7468.

:func:`encode` writes the strict form of RFC 7468 §3 Figure 3 (``stricttextualmsg``): 64 base64
characters a line, LF line endings, a final newline. The readers (:func:`decode`,
:func:`decode_one`, :func:`decode_all`) accept the standard form of RFC 7468 §3 Figure 1
(``textualmsg``), which is a little laxer than what we write and never garbage:

- text before, between and after the blocks is ignored (RFC 7468 §2: "Data before the
  encapsulation boundaries are permitted"), but a line holding ``-----BEGIN`` or ``-----END``
  anywhere other than at its start is refused, so that an indented block is never skipped silently;
- a boundary line must start a line, have exactly one space after BEGIN/END, a label of
  RFC 7468 §3 syntax and exactly five hyphens; spaces and tabs may follow it; BEGIN and END labels
  must be equal;
- line breaks may be LF, CRLF or CR; spaces and tabs at the end of a line are ignored; blank lines
  may only come between the BEGIN line and the base64 text (``*eolWSP``; OpenSSL takes only one
  there); any other character, including a space at the start of a line, is an error at its offset;
- the base64 text is RFC 4648 §4 with its padding, and unused bits in the last character must be
  zero (RFC 4648 §3.5); a block without any data is refused (no DER value is zero bytes long);
- RFC 1421 header lines (``Proc-Type: 4,ENCRYPTED``, ``DEK-Info:``) are refused: RFC 7468 §2 has no
  headers, and legacy encrypted keys must be converted with ``openssl pkcs8 -topk8``.

Bytes input is read as ISO 8859-1 (every byte is one character), so error offsets are byte offsets,
and UTF-8 or any other encoding in the ignored text cannot fail; a non-ASCII byte inside a block
is an error. A UTF-8 byte order mark (``EF BB BF`` in bytes, ``U+FEFF`` in text) at the start is
skipped. Validation is done here, character by character, rather than with
``binascii.a2b_base64(strict_mode=True)`` (Python 3.11+, and blind to non-zero unused bits), so
Python 3.10 and 3.11 accept exactly the same inputs. Work is linear in the input length, and so
is memory, with a small constant: the text of a bytes input (one byte per byte), the base64
characters of a block in one buffer, and the DER; no object per line (tests/test_pem_memory.py
holds the peak under 4 bytes per input byte; a list of lines once cost 33).
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterator

from x509core.errors import InvalidValue, PEMError

__all__ = ["decode", "decode_one", "decode_all", "encode"]

# RFC 4648 §4 Table 1: the value of a base64 character is its index here.
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_NOT_BASE64 = re.compile(r"[^A-Za-z0-9+/=]")    # one character class, no backtracking
_EOL = re.compile(r"\r\n|\r|\n")                 # eol = CRLF / CR / LF, RFC 7468 §3
_WSP = " \t"                                     # WSP = SP / HTAB, RFC 5234 Appendix B.1
_BEGIN, _END, _DASHES = "-----BEGIN", "-----END", "-----"
_LINE_LENGTH = 64                                # RFC 7468 §2: "exactly 64 characters"
_LEGACY_HEADERS = ("proc-type", "dek-info")      # RFC 1421 §4.6.1.1, §4.6.1.3


def decode(text: str | bytes) -> list[tuple[str, bytes]]:
    """Every PEM block of ``text`` in order, as ``(label, der)`` pairs; ``[]`` if there is none.

    RFC 7468 §3 Figure 1. A malformed block anywhere makes the whole input fail.
    """
    return [(label, der) for _, label, der in _blocks(text)]


def decode_one(text: str | bytes, label: str | tuple[str, ...] | None = None) -> tuple[str, bytes]:
    """The one PEM block of ``text``, optionally required to carry one of the given labels.

    RFC 7468 §2. Returns ``(label, der)``; zero or several blocks are an error.
    """
    wanted = _wanted_labels(label)
    blocks = _blocks(text)
    if len(blocks) != 1:
        where = blocks[1][0] if blocks else 0
        raise PEMError(f"expected one PEM block, found {len(blocks)}", where)
    offset, found, der = blocks[0]
    if wanted and found not in wanted:
        expected = " or ".join(map(_name, wanted))
        raise PEMError(f"expected label {expected}, found {_name(found)}", offset)
    return found, der


def decode_all(text: str | bytes, label: str) -> list[bytes]:
    """The DER of every block labelled ``label``, in order; blocks of other labels are skipped.

    RFC 7468 §2. Skipped blocks must still be well formed; no block with ``label`` is an error.
    """
    if not isinstance(label, str):
        raise TypeError(f"label must be str, not {type(label).__name__}")
    blocks = _blocks(text)
    found = [der for _, name, der in blocks if name == label]
    if not found:
        others = ", ".join(sorted({_name(name) for _, name, _ in blocks})) or "none"
        raise PEMError(f"no PEM block with label {_name(label)} (found: {others})", 0)
    return found


def encode(label: str, data: bytes) -> str:
    """``data`` armored under ``label`` in the strict textual encoding. RFC 7468 §3 Figure 3::

        stricttextualmsg = preeb eol strictbase64text posteb eol
    """
    if not isinstance(label, str):
        raise TypeError(f"label must be str, not {type(label).__name__}")
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes, not {type(data).__name__}")
    data = bytes(data)
    problem = _label_problem(label)
    if problem is not None:
        raise InvalidValue(f"{problem[0]} in PEM label {label!r}")
    if not data:                             # decode refuses an empty block, so never write one
        raise InvalidValue("cannot encode empty data as PEM")
    b64 = binascii.b2a_base64(data, newline=False).decode("ascii")
    lines = [b64[i:i + _LINE_LENGTH] + "\n" for i in range(0, len(b64), _LINE_LENGTH)]
    return f"-----BEGIN {label}-----\n" + "".join(lines) + f"-----END {label}-----\n"


def _wanted_labels(label: object) -> tuple[str, ...]:
    """The ``label`` argument of the readers as a tuple; () means any label."""
    if label is None:
        return ()
    if isinstance(label, str):
        return (label,)
    if isinstance(label, tuple) and label and all(isinstance(x, str) for x in label):
        return label
    raise TypeError("label must be a str, a non-empty tuple of str, or None")


def _as_text(text: object) -> tuple[str, int]:
    """The input as str (bytes read as ISO 8859-1) and where reading starts (after a BOM)."""
    if isinstance(text, (bytes, bytearray, memoryview)):
        text = bytes(text).decode("latin-1")  # one character per byte: offsets are byte offsets
        bom = "\xef\xbb\xbf"                  # U+FEFF in UTF-8, seen byte by byte
    elif isinstance(text, str):
        bom = "\ufeff"
    else:
        raise TypeError(f"PEM input must be str or bytes, not {type(text).__name__}")
    return text, len(bom) if text.startswith(bom) else 0


def _lines(text: str, pos: int) -> Iterator[tuple[int, str]]:
    """``(offset, line)`` for each line from ``pos`` on, without its eol. RFC 7468 §3 ``eol``."""
    for match in _EOL.finditer(text, pos):
        yield pos, text[pos:match.start()]
        pos = match.end()
    if pos < len(text):
        yield pos, text[pos:]


# The form encode() writes and most files hold: one block, LF line ends, 64-character lines, no
# text around it. Such input is decoded at once; anything else, including every malformed input,
# goes through the line-by-line reader below, which alone produces errors. The form is
#
#     -----BEGIN label-----\n (64 base64 characters \n)* 1..64 base64 characters ={0,2} \n
#     -----END label-----[\n]
#
# checked piece by piece rather than by one regular expression: re keeps state for every
# repetition of a group, about 3 bytes per input byte here (issue 16).
_CANONICAL_BEGIN = re.compile(r"-----BEGIN ((?:[!-~](?:[ -~]*[!-~])?)?)-----\n")
_BASE64_AND_LF = re.compile(r"[A-Za-z0-9+/\n]*")          # _base64_and_lf's definition (tests)
_LAST_LINE = re.compile(r"[A-Za-z0-9+/]{1,64}(={0,2})")


def _canonical_block(text: str, start: int) -> tuple[int, str, bytes] | None:
    """The one block of ``text`` if it has the canonical form and is valid, else None. Accepts
    exactly what the line reader accepts for such input, with the same result: the label rules
    (RFC 7468 §3), whole 4-character groups and zero unused bits (RFC 4648 §4, §3.5).

    The checks read ``text`` in place; the base64 lines are copied once, with their line feeds,
    which ``a2b_base64`` skips (nothing else is let through)."""
    begin = _CANONICAL_BEGIN.match(text, start)
    if begin is None:
        return None
    label, first = begin.group(1), begin.end()
    end = _canonical_body_end(text, label)
    if end is None or end <= first:
        return None
    last = text.rfind("\n", first, end - 1) + 1         # the last base64 line starts here
    if last == 0:
        last = first
    tail = _LAST_LINE.fullmatch(text, last, end - 1)
    full = last - first                                  # the 65-character lines before it
    if (tail is None or full % 65 or not _base64_and_lf(text, first, last, full // 65)
            or text[first + 64:last:65] != "\n" * (full // 65)):
        return None
    pads = len(tail.group(1))
    count = full - full // 65 + (end - 1 - last)         # base64 characters
    if (label not in _PLAIN_LABELS and _label_problem(label) is not None or count % 4
            or _ALPHABET.index(text[end - 2 - pads]) & (0, 0x03, 0x0F)[pads]):
        return None                              # the line reader says what is wrong
    return start, label, binascii.a2b_base64(text[first:end])


def _base64_and_lf(text: str, start: int, end: int, line_feeds: int, piece: int = 1 << 16) -> bool:
    """Whether ``text[start:end]`` holds only base64 characters (RFC 4648 §4) and exactly
    ``line_feeds`` line feeds: what ``_BASE64_AND_LF.fullmatch`` (its classes are ASCII) and
    ``str.count("\\n")`` say together, by ``translate`` on pieces of at most ``piece``
    characters (so the copies stay small beside the input)."""
    found = 0
    for at in range(start, end, piece):
        chunk = text[at:min(at + piece, end)]
        if not chunk.isascii():
            return False
        rest = chunk.encode("ascii").translate(None, _BASE64_OCTETS)    # what is not base64
        if rest.count(b"\n") != len(rest):
            return False
        found += len(rest)
    return found == line_feeds


_BASE64_OCTETS = _ALPHABET.encode("ascii")


def _canonical_body_end(text: str, label: str) -> int | None:
    """Where the END line of ``label`` starts, if it ends ``text`` (with or without its LF)."""
    end_line = f"-----END {label}-----"
    for tail in (end_line + "\n", end_line):
        if text.endswith(tail) and text.endswith("\n", 0, len(text) - len(tail)):
            return len(text) - len(tail)
    return None


def _blocks(text: str | bytes) -> list[tuple[int, str, bytes]]:
    """``(offset of BEGIN, label, der)`` for every block; other lines are explanatory text."""
    text, start = _as_text(text)
    canonical = _canonical_block(text, start)
    if canonical is not None:
        return [canonical]
    blocks = []
    lines = _lines(text, start)
    for offset, line in lines:
        if line.startswith(_BEGIN):
            blocks.append((offset, *_read_block(offset, line, lines)))
        elif line.startswith(_END):
            raise PEMError("END line without a BEGIN line", offset)
        else:
            _check_explanatory(offset, line)
    return blocks


def _check_explanatory(offset: int, line: str) -> None:
    """Refuse a boundary that does not start its line; other text is ignored. RFC 7468 §2."""
    for marker in (_BEGIN, _END):
        at = line.find(marker)
        if at >= 0:
            # Deviation: RFC 7468 §2 lets any text precede a block, and §3 Figure 2 (lax) allows
            # whitespace before BEGIN; a boundary that does not start its line is refused rather
            # than skipped, so an indented or quoted block is never lost silently.
            raise PEMError("encapsulation boundary does not start a line", offset + at)


def _read_block(begin: int, line: str, lines: Iterator[tuple[int, str]]) -> tuple[str, bytes]:
    """One block, from its BEGIN line to its END line. RFC 7468 §3 ``textualmsg``."""
    label = _boundary_label(begin, line, "BEGIN")
    body = _Base64Text()
    for offset, line in lines:
        if line.startswith(_END):
            end_label = _boundary_label(offset, line, "END")
            # RFC 7468 §2: generators "MUST put the same label" on the END line; parsers MAY
            # disregard it, and we do not: a mismatch is refused.
            if end_label != label:
                raise PEMError(f"label mismatch: BEGIN {_name(label)}, END {_name(end_label)}",
                               offset)
            return label, body.decode(label, begin, offset)
        if line.startswith(_BEGIN):
            raise PEMError(f"BEGIN line inside the {_name(label)} block that starts at {begin}",
                           offset)
        _add_body_line(offset, line, body)
    raise PEMError(f"missing END line for BEGIN {_name(label)}", begin)


def _boundary_label(offset: int, line: str, keyword: str) -> str:
    """The label of a boundary line. RFC 7468 §3::

        preeb = "-----BEGIN " label "-----"
        posteb = "-----END " label "-----"
    """
    prefix = f"-----{keyword} "              # RFC 7468 §2: "exactly one space character"
    line = line.rstrip(_WSP)                 # preeb *WSP eol, posteb *WSP [eol]
    if not line.startswith(prefix) or not line.endswith(_DASHES):
        raise PEMError(f"malformed {keyword} line, expected '{prefix}LABEL-----'", offset)
    label = line[len(prefix):-len(_DASHES)]
    problem = _label_problem(label)
    if problem is not None:
        raise PEMError(problem[0], offset + len(prefix) + problem[1])
    return label


def _label_problem(label: str) -> tuple[str, int] | None:
    """Why ``label`` breaks RFC 7468 §3, and where, or None. RFC 7468 §3::

        labelchar = %x21-2C / %x2E-7E    ; any printable character, except hyphen-minus
        label = [ labelchar *( ["-" / SP] labelchar ) ]    ; empty ok
    """
    for i, ch in enumerate(label):
        if not " " <= ch <= "~":
            return f"invalid character {_show(ch)} in label", i
        if ch in "- " and (i == 0 or i == len(label) - 1 or label[i - 1] in "- "):
            return "label has a hyphen or space at an end or twice in a row", i
    return None


# The labels of RFC 7468 §5-§13 and OpenSSL's commonest others, each one _label_problem passes
# (checked here, once): the canonical reader skips the character-by-character check for them.
_PLAIN_LABELS = frozenset(label for label in (
    "CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE", "CERTIFICATE REQUEST",
    "NEW CERTIFICATE REQUEST", "X509 CRL", "PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "PUBLIC KEY",
    "RSA PRIVATE KEY", "RSA PUBLIC KEY", "EC PRIVATE KEY", "PKCS7", "CMS", "ATTRIBUTE CERTIFICATE")
    if _label_problem(label) is None)


def _add_body_line(offset: int, line: str, body: "_Base64Text") -> None:
    """Keep one line of base64 text, without its trailing WSP. RFC 7468 §3 ``base64line``."""
    data = line.rstrip(_WSP)                 # base64line = 1*base64char *WSP eol
    if not body.lines and ":" in data:       # an RFC 1421 header sits before the base64 text
        _refuse_header(offset, data)
    if not data:
        if body.lines:                       # *eolWSP only between the BEGIN line and the text
            raise PEMError("blank line inside base64 text", offset)
        return
    bad = _NOT_BASE64.search(data)           # base64char = ALPHA / DIGIT / "+" / "/"
    if bad:
        where = offset + bad.start()
        raise PEMError(f"invalid character {_show(bad.group())} in base64 text", where)
    body.add(offset, data)


def _refuse_header(offset: int, data: str) -> None:
    """Refuse an RFC 1421 header line; RFC 7468 §2 "does *not* define or permit headers"."""
    if data.split(":", 1)[0].strip().lower() in _LEGACY_HEADERS:
        raise PEMError("legacy PEM encryption (Proc-Type/DEK-Info headers) is not supported; "
                       "convert the key with 'openssl pkcs8 -topk8'", offset)
    raise PEMError("RFC 1421 header lines are not allowed in RFC 7468 PEM", offset)


class _Base64Text:
    """The base64 text of one block, collected into one buffer as its lines are read, with only
    what an error message needs: the count of characters, of padding characters, where the last
    data character is, and the first misplaced "=" found. RFC 4648 §4, §3.5.

    One buffer, not a list of lines: a block of 4-character lines cost about 33 bytes of memory
    per input byte as a list of (offset, line) tuples (issue 16); this costs at most one. The
    errors, and their offsets, are those of checking the whole text after the END line: a
    misplaced "=" is remembered and raised then, so an invalid character on a later line (found
    while reading) still comes first.
    """

    __slots__ = ("buffer", "lines", "count", "pads", "last", "problem")

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.lines = 0
        self.count = self.pads = 0
        self.last: tuple[int, str] | None = None          # offset and value of the last data char
        self.problem: tuple[str, int] | None = None       # the first misplaced "="

    def add(self, offset: int, data: str) -> None:
        """One line of alphabet and "=" characters (checked by the caller)."""
        self.lines += 1
        if self.problem is not None:         # the block is refused at its END line anyway
            return
        if not self.pads and "=" not in data:             # the common case: a line of data
            self.last = (offset + len(data) - 1, data[-1])
        else:
            self._padded(offset, data)
        self.count += len(data)
        self.buffer += data.encode("ascii")

    def _padded(self, offset: int, data: str) -> None:
        for i, ch in enumerate(data):
            if ch == "=":
                self.pads += 1
                if self.pads > 2:
                    self.problem = ("more than two base64 padding characters", offset + i)
                    return
            elif self.pads:
                self.problem = ("base64 data after padding", offset + i)
                return
            else:
                self.last = (offset + i, ch)

    def decode(self, label: str, begin: int, end: int) -> bytes:
        """The DER, after the checks of the whole text; ``end`` is the END line's offset."""
        if not self.lines:                   # no DER value is zero bytes long
            raise PEMError(f"empty PEM block {_name(label)}", begin)
        if self.problem is not None:
            raise PEMError(*self.problem)
        if self.count % 4:                   # RFC 4648 §4: the final quantum is padded to 4
            raise PEMError("base64 text ends inside a 4-character group", end)
        where, last = self.last if self.last is not None else (end, "A")
        unused = (0, 0x03, 0x0F)[self.pads]  # bits of the last data character that carry nothing
        if _ALPHABET.index(last) & unused:   # RFC 4648 §3.5: "pad bits ... set to zero"
            raise PEMError("non-zero unused bits in the last base64 character", where)
        return binascii.a2b_base64(self.buffer)


def _name(label: str) -> str:
    """A label for an error message; the empty label (RFC 7468 §3 "empty ok") gets a name."""
    return label or "(empty label)"


def _show(ch: str) -> str:
    """A character for an error message: quoted if printable ASCII, else its code point."""
    return repr(ch) if " " <= ch <= "~" else f"U+{ord(ch):04X}"
