"""The canonical-form fast path of x509core.pem changes nothing but speed.

``_canonical_block`` decodes a single, canonical block at once; everything else goes through the
line reader. For real files and for mutations of them (one character changed, inserted or
removed, every label and padding variant), the result — value or error, with its message and
offset — must be the same with the fast path switched off.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import INTEROP, require_shared
from x509core import pem
from x509core.errors import PEMError

NAMES = ["client-HZ109999", "dicomorg-server", "license-server-ca", "localhost-selfsigned"]
SAMPLE = require_shared(INTEROP / "dicomorg-server.pem").read_text()


def _outcome(text):
    try:
        return "ok", pem.decode(text)
    except PEMError as error:
        return "error", (type(error), str(error), error.offset)


def _both(text, monkeypatch):
    fast = _outcome(text)
    with monkeypatch.context() as patch:
        patch.setattr(pem, "_canonical_block", lambda text, start: None)
        slow = _outcome(text)
    return fast, slow


@pytest.mark.parametrize("name", NAMES)
def test_real_files_give_the_same_result(name, monkeypatch):
    text = require_shared(INTEROP / f"{name}.pem").read_text()
    # Taken for plain files; not for one with text before the block (OpenSSL's "Bag Attributes").
    assert (pem._canonical_block(text, 0) is not None) == (name != "localhost-selfsigned")
    fast, slow = _both(text, monkeypatch)
    assert fast == slow and fast[0] == "ok"


def test_encode_output_takes_the_fast_path():
    for size in (1, 2, 3, 47, 48, 49, 95, 96, 97, 1000):
        data = bytes(range(256)) * 4
        text = pem.encode("CERTIFICATE", data[:size])
        assert pem._canonical_block(text, 0) == (0, "CERTIFICATE", data[:size])


_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-\n\r \t:"


@given(index=st.integers(0, len(SAMPLE) - 1), char=st.sampled_from(_ALPHABET),
       action=st.sampled_from(["replace", "insert", "delete"]))
def test_one_character_changed_gives_the_same_result(index, char, action):
    if action == "replace":
        text = SAMPLE[:index] + char + SAMPLE[index + 1:]
    elif action == "insert":
        text = SAMPLE[:index] + char + SAMPLE[index:]
    else:
        text = SAMPLE[:index] + SAMPLE[index + 1:]
    fast = _outcome(text)
    original = pem._canonical_block
    pem._canonical_block = lambda text, start: None
    try:
        slow = _outcome(text)
    finally:
        pem._canonical_block = original
    assert fast == slow


@pytest.mark.parametrize("label", ["", "X509 CRL", "A-B", "-A", "A-", "A--B", "A  B", " A", "A "])
@pytest.mark.parametrize("size", [1, 2, 3, 48])
def test_labels_and_padding_give_the_same_result(label, size, monkeypatch):
    text = pem.encode("X", bytes(range(size))).replace("-----BEGIN X-----",
                                                       f"-----BEGIN {label}-----")
    text = text.replace("-----END X-----", f"-----END {label}-----")
    fast, slow = _both(text, monkeypatch)
    assert fast == slow


@pytest.mark.parametrize("last", ["AA==", "AB==", "AAA=", "AAB=", "AAAA", "A===", "====", "AA=A",
                                  "A", "AA", "AAA", "AAAAA", "AA=", "A=="])
def test_final_groups_give_the_same_result(last, monkeypatch):
    text = f"-----BEGIN X-----\nAAAA{last}\n-----END X-----\n"
    fast, slow = _both(text, monkeypatch)
    assert fast == slow
    if last in ("AB==", "AAB="):                                 # non-zero unused bits
        assert fast[0] == "error" and "unused bits" in fast[1][1]


@given(st.text(alphabet=st.sampled_from("AZaz09+/=\n\r -\u00e9\u0660\uff21"), max_size=200),
       st.integers(0, 3))
def test_the_base64_check_is_the_regular_expression(text, cut):
    """pem._base64_and_lf says what ``[A-Za-z0-9+/\\n]*`` and a count of line feeds say of the
    same characters, also across the pieces it checks one at a time (7 characters here)."""
    start, end = min(cut, len(text)), max(min(cut, len(text)), len(text) - cut)
    for line_feeds in range(4):
        expected = (pem._BASE64_AND_LF.fullmatch(text, start, end) is not None
                    and text.count("\n", start, end) == line_feeds)
        assert pem._base64_and_lf(text, start, end, line_feeds, piece=7) == expected
        assert pem._base64_and_lf(text, start, end, line_feeds) == expected
