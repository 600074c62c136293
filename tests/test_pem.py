"""Tests of x509core.pem: RFC 7468 textual encoding, against OpenSSL, the stdlib and the ABNF."""

from __future__ import annotations

import base64
import binascii
import re
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from x509core import pem
from x509core.errors import DecodeError, InvalidValue, PEMError

SEED = Path(__file__).resolve().parents[1] / ".." / "shared" / "interop" / "seed-system"
SEED_NAMES = [  # the certificates that ../shared/interop/README.md lists; never copied here
    "client-HZ109999.pem", "dicom-org-cn-ca.pem", "dicom-org-cn-client-x.pem",
    "dicom-org-cn-client.pem", "dicomorg-root-ca.pem", "dicomorg-server.pem",
    "license-server-ca.pem", "localhost-selfsigned.pem",
]

B = "-----BEGIN X-----\n"   # 18 characters
E = "-----END X-----\n"     # 16 characters
CERT_B = "-----BEGIN CERTIFICATE-----\n"  # 28 characters


def seed_path(name: str) -> Path:
    path = SEED / name
    if not path.is_file():
        pytest.fail(f"missing shared interop certificate {path}")
    return path


def openssl_run(openssl: str, *args: str) -> bytes:
    return subprocess.run([openssl, *args], check=True, capture_output=True).stdout


# --- encode -------------------------------------------------------------------------------------

def test_encode_exact_strict_form():
    text = pem.encode("CERTIFICATE", bytes(range(100)))
    b64 = base64.b64encode(bytes(range(100))).decode()
    assert len(b64) == 136
    assert text == f"{CERT_B}{b64[:64]}\n{b64[64:128]}\n{b64[128:]}\n-----END CERTIFICATE-----\n"


def test_encode_full_last_line_has_no_extra_empty_line():
    text = pem.encode("X", bytes(48))                     # 48 bytes = exactly 64 characters
    assert text == B + "A" * 64 + "\n" + E


@pytest.mark.parametrize("label, data, error", [
    (b"X", b"a", TypeError), ("X", "a", TypeError), ("X", None, TypeError),
    ("X", b"", InvalidValue), ("X-", b"a", InvalidValue), ("A  B", b"a", InvalidValue),
    (" A", b"a", InvalidValue), ("A-", b"a", InvalidValue), ("\u00c9", b"a", InvalidValue),
    ("A\nB", b"a", InvalidValue), ("A\x7f", b"a", InvalidValue),
])
def test_encode_refuses(label, data, error):
    with pytest.raises(error):
        pem.encode(label, data)


def test_encode_accepts_bytes_like():
    assert pem.encode("X", bytearray(b"A")) == pem.encode("X", memoryview(b"A")) == B + "QQ==\n" + E


LABEL_CHARS = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) != "-")


@st.composite
def labels(draw):
    """Labels of RFC 7468 §3: labelchar *( ["-" / SP] labelchar ), empty allowed."""
    words = draw(st.lists(st.text(LABEL_CHARS, min_size=1, max_size=4), max_size=4))
    seps = draw(st.lists(st.sampled_from(["", "-", " "]), min_size=len(words), max_size=len(words)))
    return "".join(sep + word if i else word for i, (sep, word) in enumerate(zip(seps, words)))


@given(labels(), st.binary(min_size=1, max_size=400))
def test_round_trip_and_line_layout(label, data):
    text = pem.encode(label, data)
    assert pem.decode(text) == [(label, data)]
    assert pem.decode(text.encode("ascii")) == [(label, data)]
    assert pem.decode_one(text, label) == (label, data)
    lines = text.split("\n")
    assert lines[0] == f"-----BEGIN {label}-----"
    assert lines[-2] == f"-----END {label}-----" and lines[-1] == ""   # LF, then a final newline
    body = lines[1:-2]
    assert all(len(line) == 64 for line in body[:-1]) and 1 <= len(body[-1]) <= 64
    assert "".join(body) == base64.b64encode(data).decode()
    assert "\r" not in text


@given(st.binary(min_size=1, max_size=400))
def test_encode_matches_stdlib_ssl(data):
    assert pem.encode("CERTIFICATE", data) == ssl.DER_cert_to_PEM_cert(data)


ABNF_LABEL = re.compile(r"(?:[\x21-\x2c\x2e-\x7e](?:[- ]?[\x21-\x2c\x2e-\x7e])*)?")


@given(st.text(" -A~!\t\x7f\u00e9", max_size=8))
def test_label_syntax_is_the_abnf(label):
    valid = ABNF_LABEL.fullmatch(label) is not None
    try:
        pem.encode(label, b"A")
        encoded = True
    except InvalidValue:
        encoded = False
    try:
        decoded = pem.decode(f"-----BEGIN {label}-----\nQQ==\n-----END {label}-----\n") == [
            (label, b"A")]
    except PEMError:
        decoded = False
    assert encoded == decoded == valid


# --- decode: inputs refused -----------------------------------------------------------------------

BAD = [  # (name, input, error class, offset, words of the reason)
    ("missing END", B + "QQ==\n", PEMError, 0, "missing END line for BEGIN X"),
    ("missing END after text", "note\n" + B + "QQ==\n", PEMError, 5, "missing END"),
    ("missing END, empty label", "-----BEGIN -----\nQQ==\n", PEMError, 0,
     "missing END line for BEGIN (empty label)"),
    ("label mismatch, empty label", B + "QQ==\n-----END -----\n", PEMError, 23,
     "label mismatch: BEGIN X, END (empty label)"),
    ("label mismatch", CERT_B + "QQ==\n-----END X509 CRL-----\n", PEMError, 33,
     "label mismatch: BEGIN CERTIFICATE, END X509 CRL"),
    ("bad base64 char", B + "QQ!=\n" + E, PEMError, 20, "invalid character '!'"),
    ("space inside a line", B + "QQ =\n" + E, PEMError, 20, "invalid character ' '"),
    ("space at line start", B + " QQ==\n" + E, PEMError, 18, "invalid character ' '"),
    ("non-ASCII character", B + "QQ\u00e9=\n" + E, PEMError, 20, "U+00E9"),
    ("NUL character", B + "QQ\x00=\n" + E, PEMError, 20, "U+0000"),
    ("vertical tab at line end", B + "QQ==\x0b\n" + E, PEMError, 22, "U+000B"),
    ("form feed is no line break", B + "QUFB\x0cQQ==\n" + E, PEMError, 22, "U+000C"),
    ("U+2028 is no line break", B + "QUFB\u2028QQ==\n" + E, PEMError, 22, "U+2028"),
    ("colon after data", B + "QUFB\nQQ:=\n" + E, PEMError, 25, "invalid character ':'"),
    ("missing padding", B + "QQ\n" + E, PEMError, 21, "inside a 4-character group"),
    ("padding only", B + "==\n" + E, PEMError, 21, "inside a 4-character group"),
    ("three padding characters", B + "Q===\n" + E, PEMError, 21, "more than two"),
    ("data after padding", B + "QQ==QUFB\n" + E, PEMError, 22, "data after padding"),
    ("data after padding, next line", B + "QQ==\nQUFB\n" + E, PEMError, 23, "data after padding"),
    ("discontinuous padding", B + "QQ=A\n" + E, PEMError, 21, "data after padding"),
    ("non-canonical bits, two pads", B + "QR==\n" + E, PEMError, 19, "non-zero unused bits"),
    ("non-canonical bits, one pad", B + "QUF=\n" + E, PEMError, 20, "non-zero unused bits"),
    ("non-canonical bits, later line", B + "QUFB\nQR==\n" + E, PEMError, 24, "unused bits"),
    ("legacy encryption headers",
     B + "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nQQ==\n" + E, PEMError, 18,
     "openssl pkcs8 -topk8"),
    ("DEK-Info header", B + "DEK-Info: DES-EDE3-CBC,00\n\nQQ==\n" + E, PEMError, 18,
     "legacy PEM encryption"),
    ("other RFC 1421 header", B + "Comment: hello\n\nQQ==\n" + E, PEMError, 18,
     "header lines are not allowed"),
    ("END without BEGIN", "hello\n-----END X-----\n", PEMError, 6, "END line without a BEGIN"),
    ("END after a complete block", B + "QQ==\n" + E + E, PEMError, 39, "END line without"),
    ("nested BEGIN", B + "QQ==\n" + B + "QQ==\n" + E, PEMError, 23,
     "BEGIN line inside the X block that starts at 0"),
    ("empty block", B + E, PEMError, 0, "empty PEM block X"),
    ("empty block of blank lines", B + "\n \t\n" + E, PEMError, 0, "empty PEM block"),
    ("blank line inside base64", B + "QUFB\n\nQQ==\n" + E, PEMError, 23, "blank line"),
    ("blank line before END", B + "QQ==\n\n" + E, PEMError, 23, "blank line"),
    ("whitespace line inside base64", B + "QUFB\n \t\nQQ==\n" + E, PEMError, 23, "blank line"),
    ("DEL in label", "-----BEGIN X\x7fY-----\nQQ==\n-----END X\x7fY-----\n", PEMError, 12,
     "invalid character U+007F in label"),
    ("tab in label", "-----BEGIN X\tY-----\nQQ==\n-----END X\tY-----\n", PEMError, 12, "label"),
    ("non-ASCII label", "-----BEGIN \u00c9-----\nQQ==\n-----END \u00c9-----\n", PEMError, 11,
     "U+00C9 in label"),
    ("double space in label", "-----BEGIN A  B-----\nQQ==\n-----END A  B-----\n", PEMError, 13,
     "hyphen or space"),
    ("six dashes (label ends in hyphen)", "-----BEGIN X------\nQQ==\n-----END X------\n",
     PEMError, 12, "hyphen or space"),
    ("two spaces after BEGIN", "-----BEGIN  X-----\nQQ==\n-----END  X-----\n", PEMError, 11,
     "hyphen or space"),
    ("bad label in END only", B + "QQ==\n-----END X--Y-----\n", PEMError, 34, "hyphen or space"),
    ("no space after BEGIN", "-----BEGINX-----\nQQ==\n" + E, PEMError, 0, "malformed BEGIN"),
    ("four closing dashes", "-----BEGIN X----\nQQ==\n" + E, PEMError, 0, "malformed BEGIN"),
    ("base64 on the BEGIN line", "-----BEGIN X-----QQ==\n" + E, PEMError, 0, "malformed BEGIN"),
    ("text after END", B + "QQ==\n-----END X----- trailing\n", PEMError, 23, "malformed END"),
    ("indented BEGIN", "  -----BEGIN X-----\nQQ==\n" + E, PEMError, 2, "does not start a line"),
    ("boundary quoted in text", "see -----END X----- here\n", PEMError, 4, "does not start"),
    ("indented END", B + "QQ==\n  -----END X-----\n", PEMError, 23, "invalid character ' '"),
    ("non-ASCII byte in body (bytes)", B.encode() + b"Q\xc3\xa9=\n" + E.encode(), PEMError, 19,
     "U+00C3"),
    ("offsets count a BOM (bytes)", b"\xef\xbb\xbf" + (B + "QQ\n" + E).encode(), PEMError, 24,
     "inside a 4-character group"),
    ("BOM not at the start", "x\n\ufeff" + B + "QQ==\n" + E, PEMError, 3, "does not start"),
]


@pytest.mark.parametrize("name, text, error, offset, words", BAD, ids=[row[0] for row in BAD])
def test_decode_refuses(name, text, error, offset, words):
    with pytest.raises(error) as info:
        pem.decode(text)
    assert type(info.value) is error
    assert (info.value.offset, info.value.path) == (offset, ())
    assert words in info.value.reason
    assert f"at byte {offset}" in str(info.value)


def test_pem_error_is_a_decode_error_and_a_value_error():
    with pytest.raises(DecodeError):
        pem.decode(B)
    with pytest.raises(ValueError):
        pem.decode(B)


@pytest.mark.parametrize("bad", [None, 12, ["-----BEGIN X-----"], bytearray])
def test_decode_refuses_wrong_types(bad):
    with pytest.raises(TypeError):
        pem.decode(bad)


# --- decode: inputs accepted ----------------------------------------------------------------------

GOOD = [  # (name, input, blocks)
    ("strict", B + "QQ==\n" + E, [("X", b"A")]),
    ("no final newline", B + "QQ==\n-----END X-----", [("X", b"A")]),
    ("trailing WSP", "-----BEGIN X----- \t\nQUFB\t\nQQ== \n-----END X-----\t \n",
     [("X", b"AAAA")]),
    ("CRLF", (B + "QUFB\nQQ==\n" + E).replace("\n", "\r\n"), [("X", b"AAAA")]),
    ("CR", (B + "QUFB\nQQ==\n" + E).replace("\n", "\r"), [("X", b"AAAA")]),
    ("mixed line ends", "-----BEGIN X-----\r\nQUFB\rQQ==\n-----END X-----\r", [("X", b"AAAA")]),
    ("blank lines after BEGIN", B + "\n \t\r\n\nQQ==\n" + E, [("X", b"A")]),
    ("pad on its own line (RFC 7468 §3)", B + "QQ=\n=\n" + E, [("X", b"A")]),
    ("both pads on their own line", B + "QQ\n==\n" + E, [("X", b"A")]),
    ("uneven line lengths", B + "Q\nUF\nB\n" + E, [("X", b"AAA")]),
    ("empty label", "-----BEGIN -----\nQQ==\n-----END -----\n", [("", b"A")]),
    ("label with hyphen and space", "-----BEGIN A-B C-----\nQQ==\n-----END A-B C-----\n",
     [("A-B C", b"A")]),
    ("label in lower case", "-----BEGIN rsa+key!-----\nQQ==\n-----END rsa+key!-----\n",
     [("rsa+key!", b"A")]),
    ("explanatory text", "Bag Attributes\n    localKeyID: 01 00 \nsubject=CN = x\n-------\n"
     "\u00c9mis \u2713 -- ok\n" + B + "QQ==\n" + E + "after: text\n", [("X", b"A")]),
    ("two blocks and text", "a\n" + B + "QQ==\n" + E + "b\r\n\r\n" + B + "QUE=\n" + E + "c",
     [("X", b"A"), ("X", b"AA")]),
    ("BOM (str)", "\ufeff" + B + "QQ==\n" + E, [("X", b"A")]),
    ("BOM (bytes)", b"\xef\xbb\xbf" + (B + "QQ==\n" + E).encode(), [("X", b"A")]),
    ("invalid UTF-8 in text (bytes)", b"\xff\xfe\x80 junk\n" + (B + "QQ==\n" + E).encode(),
     [("X", b"A")]),
    ("bytearray", bytearray((B + "QQ==\n" + E).encode()), [("X", b"A")]),
    ("nothing", "", []),
    ("only text", "hello\n------------\n", []),
]


@pytest.mark.parametrize("name, text, blocks", GOOD, ids=[row[0] for row in GOOD])
def test_decode_accepts(name, text, blocks):
    assert pem.decode(text) == blocks


# --- decode_one and decode_all ----------------------------------------------------------------------

TWO = B + "QQ==\n" + E + "text\n" + "-----BEGIN Y-----\nQUE=\n-----END Y-----\n"   # Y at 44


def test_decode_one():
    assert pem.decode_one(B + "QQ==\n" + E) == ("X", b"A")
    assert pem.decode_one(B + "QQ==\n" + E, "X") == ("X", b"A")
    assert pem.decode_one(B + "QQ==\n" + E, ("Y", "X")) == ("X", b"A")


@pytest.mark.parametrize("text, label, offset, reason", [
    ("", None, 0, "expected one PEM block, found 0"),
    ("just text\n", "X", 0, "expected one PEM block, found 0"),
    (TWO, None, 44, "expected one PEM block, found 2"),
    (TWO + B + "QQ==\n" + E, "X", 44, "expected one PEM block, found 3"),
    ("a\n" + B + "QQ==\n" + E, "CERTIFICATE", 2, "expected label CERTIFICATE, found X"),
    ("-----BEGIN PRIVATE KEY-----\nQQ==\n-----END PRIVATE KEY-----\n", "CERTIFICATE", 0,
     "expected label CERTIFICATE, found PRIVATE KEY"),
    (B + "QQ==\n" + E, ("CERTIFICATE", "TRUSTED CERTIFICATE"), 0,
     "expected label CERTIFICATE or TRUSTED CERTIFICATE, found X"),
])
def test_decode_one_refuses(text, label, offset, reason):
    with pytest.raises(PEMError) as info:
        pem.decode_one(text, label)
    assert (info.value.reason, info.value.offset) == (reason, offset)


@pytest.mark.parametrize("label", [5, b"X", (), ("X", 5), ["X"]])
def test_decode_one_refuses_wrong_label_types(label):
    with pytest.raises(TypeError):
        pem.decode_one(B + "QQ==\n" + E, label)


def test_decode_all():
    assert pem.decode_all(TWO + B + "QUFB\n" + E, "X") == [b"A", b"AAA"]
    assert pem.decode_all(TWO, "Y") == [b"AA"]
    with pytest.raises(PEMError) as info:
        pem.decode_all(TWO, "CERTIFICATE")
    assert (info.value.reason, info.value.offset) == (
        "no PEM block with label CERTIFICATE (found: X, Y)", 0)
    with pytest.raises(PEMError, match=r"found: none"):
        pem.decode_all("", "X")
    with pytest.raises(PEMError, match="non-zero unused bits"):   # skipped blocks are still checked
        pem.decode_all(TWO.replace("QUE=", "QUF="), "X")
    with pytest.raises(TypeError):
        pem.decode_all(TWO, ("X",))


def test_large_inputs_complete():
    """Megabyte inputs of the shapes a quadratic scanner would choke on."""
    assert pem.decode(B + "A" * 4_000_000 + "\n" + E) == [("X", bytes(3_000_000))]
    assert pem.decode("-" * 1_000_000 + "\n" + "\n" * 1_000_000 + "x:" * 500_000) == []
    for text, offset in [(B + "=" * 1_000_000 + "\n" + E, 20), (B + "A\n" * 500_000, 0),
                         ("-----BEGIN " * 200_000, 0), (B + "QQ==" * 250_000 + "\n" + E, 22)]:
        with pytest.raises(PEMError) as info:
            pem.decode(text)
        assert info.value.offset == offset


# --- base64: our validation against a reference and the stdlib -------------------------------------

def reference_base64(text: str) -> bytes | None:
    """Canonical padded base64 is exactly what decodes and re-encodes to itself (RFC 4648 §3.5)."""
    try:
        data = base64.b64decode(text, validate=True)
    except binascii.Error:
        return None
    return data if data and base64.b64encode(data).decode() == text else None


@given(st.text("AQRgw+/=!", max_size=14), st.lists(st.integers(1, 13), max_size=4))
def test_base64_validation_matches_reference(b64, cuts):
    cuts = sorted({c for c in cuts if c < len(b64)})
    pieces = [b64[i:j] for i, j in zip([0, *cuts], [*cuts, len(b64)])]
    expected = reference_base64(b64)
    try:
        got = pem.decode(B + "".join(p + "\n" for p in pieces) + E)
    except PEMError:
        got = None
    assert got == (None if expected is None else [("X", expected)])
    if sys.version_info >= (3, 11) and b64:        # strict_mode is strict_mode minus canonical bits
        try:
            strict = binascii.a2b_base64(b64, strict_mode=True)
        except binascii.Error:
            strict = None
        assert (got is not None) == (strict is not None and base64.b64encode(strict).decode() == b64)


# --- differential: OpenSSL CLI and the stdlib on real certificates -----------------------------------

@pytest.mark.parametrize("name", SEED_NAMES)
def test_seed_certificate_matches_openssl(name, openssl):
    path = seed_path(name)
    text = path.read_text(encoding="utf-8")
    der = openssl_run(openssl, "x509", "-in", str(path), "-outform", "DER")
    openssl_pem = openssl_run(openssl, "x509", "-in", str(path)).decode("ascii")
    assert pem.decode_one(text, "CERTIFICATE") == ("CERTIFICATE", der)
    assert pem.decode_one(path.read_bytes(), "CERTIFICATE") == ("CERTIFICATE", der)
    assert pem.decode_all(text, "CERTIFICATE") == [der]
    assert pem.encode("CERTIFICATE", der) == openssl_pem
    assert ssl.PEM_cert_to_DER_cert(openssl_pem) == der
    assert ssl.DER_cert_to_PEM_cert(der) == pem.encode("CERTIFICATE", der)
    if text.startswith("-----BEGIN"):                 # the stdlib cannot skip explanatory text
        assert ssl.PEM_cert_to_DER_cert(text) == der


def test_seed_with_explanatory_text_is_covered():
    """localhost-selfsigned.pem starts with OpenSSL "Bag Attributes" lines."""
    text = seed_path("localhost-selfsigned.pem").read_text(encoding="utf-8")
    assert text.startswith("Bag Attributes\n") and "\n-----BEGIN CERTIFICATE-----\n" in text


def lax_variants(text: str) -> dict[str, str]:
    """Forms of one PEM certificate that both OpenSSL and RFC 7468 §3 Figure 1 accept."""
    start = text.index("-----BEGIN")
    lines = text[start:].splitlines()
    b64 = "".join(lines[1:-1])
    rewrap = lambda n: "\n".join([lines[0], *(b64[i:i + n] for i in range(0, len(b64), n)),
                                  lines[-1]]) + "\n"
    strict = rewrap(64)
    return {
        "as stored": text, "CRLF": strict.replace("\n", "\r\n"), "76 columns": rewrap(76),
        "5 columns": rewrap(5), "one line": rewrap(len(b64)), "no final newline": strict[:-1],
        "trailing WSP": "".join(line + " \t\n" for line in strict.splitlines()),
        "blank line after BEGIN": strict.replace("-----\n", "-----\n\n", 1),  # OpenSSL: one only
        "explanatory text": "Bag Attributes\n    friendlyName: x\nsubject=CN = \u00e9\n" + strict,
        "BOM": "\ufeff" + strict,
    }


@pytest.mark.parametrize("name", SEED_NAMES)
def test_lax_forms_match_openssl(name, openssl, tmp_path):
    text = seed_path(name).read_text(encoding="utf-8")
    for variant, body in lax_variants(text).items():
        file = tmp_path / "variant.pem"
        file.write_bytes(body.encode("utf-8"))
        der = openssl_run(openssl, "x509", "-in", str(file), "-outform", "DER")
        assert pem.decode(body) == [("CERTIFICATE", der)], variant
        assert pem.decode(file.read_bytes()) == [("CERTIFICATE", der)], variant


def test_bundle_with_explanatory_text_matches_openssl(openssl):
    ders, bundle = [], ""
    for name in SEED_NAMES:
        path = seed_path(name)
        ders.append(openssl_run(openssl, "x509", "-in", str(path), "-outform", "DER"))
        bundle += f"# {name}: \u00e9 \u2713\r\n" + path.read_text(encoding="utf-8") + "\n"
    key = "-----BEGIN PRIVATE KEY-----\nQUFB\n-----END PRIVATE KEY-----\n"
    assert pem.decode(bundle + key) == [*(("CERTIFICATE", d) for d in ders), ("PRIVATE KEY", b"AAA")]
    assert pem.decode_all(key + bundle, "CERTIFICATE") == ders
    assert pem.decode_all(bundle.encode("utf-8").replace(b"\n", b"\r\n"), "CERTIFICATE") == ders


@pytest.mark.filterwarnings("ignore:Parsed a serial number which wasn't positive")
def test_certifi_bundle_matches_cryptography():
    """A real 100+ certificate bundle with "# Issuer:" comment lines, against pyca/cryptography."""
    import certifi
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding
    data = Path(certifi.where()).read_bytes()
    expected = [c.public_bytes(Encoding.DER) for c in x509.load_pem_x509_certificates(data)]
    assert len(expected) > 50 and pem.decode_all(data, "CERTIFICATE") == expected


# --- fuzzing: only PEMError may escape ------------------------------------------------------------

FRAGMENTS = ["-----BEGIN ", "-----END ", "-----", "-", "X", "CERTIFICATE", " ", "\t", "\n",
             "\r\n", "\r", "QQ==", "QUFB", "QR==", "=", "A", ":", "Proc-Type: 4,ENCRYPTED",
             "\ufeff", "\u00e9", "\x00", "\x0b"]


def check_total(text) -> None:
    """decode returns or raises PEMError; what it returns re-encodes and decodes to itself."""
    try:
        blocks = pem.decode(text)
    except PEMError as error:
        assert isinstance(error.offset, int) and 0 <= error.offset <= len(text)
        return
    for label, der in blocks:
        assert isinstance(label, str) and isinstance(der, bytes) and der
        assert pem.decode(pem.encode(label, der)) == [(label, der)]


@given(st.text())
def test_arbitrary_text(text):
    check_total(text)


@given(st.binary())
def test_arbitrary_bytes(data):
    check_total(data)


@given(st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join))
def test_pem_like_text(text):
    check_total(text)


B64_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
MUTATION_CHARS = st.sampled_from(list("AQgz09+/=-: \t\r\n\x0b\x00\u00e9\ufeff")) | st.characters()


@st.composite
def valid_pem(draw):
    """A bundle of two blocks with explanatory text, and its decoding."""
    blocks = [(draw(labels()), draw(st.binary(min_size=1, max_size=60))) for _ in range(2)]
    text = ("Bag Attributes\n    localKeyID: 01 00\n" + pem.encode(*blocks[0]) + "between\r\n"
            + pem.encode(*blocks[1]).replace("\n", draw(st.sampled_from(["\n", "\r\n", "\r"]))))
    return text, blocks


@given(valid_pem(), st.sampled_from(["insert", "delete", "replace"]), st.data())
def test_one_character_mutations(original, kind, data):
    text, blocks = original
    pos = data.draw(st.integers(0, len(text) - (kind != "insert")))
    new = data.draw(MUTATION_CHARS) if kind != "delete" else ""
    mutated = text[:pos] + new + text[pos + (kind != "insert"):]
    try:
        got = pem.decode(mutated)
    except PEMError:
        return
    if got == blocks:
        return
    # PEM has no checksum: only a base64 character swapped for another can change the bytes.
    assert kind == "replace" and text[pos] in B64_CHARS and new in B64_CHARS
    assert [label for label, _ in got] == [label for label, _ in blocks]
    assert all(abs(len(a) - len(b)) <= 1 for (_, a), (_, b) in zip(got, blocks))
