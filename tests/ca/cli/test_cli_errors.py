"""Bad input is one line on stderr and exit 2, never "internal error" (issue 16, item 8).

The adversarial review found exceptions outside x509core.errors reachable from the command line:
``show`` of a certificate with a 16384-bit exponent or a huge pathLenConstraint (CPython's
int-to-str digit limit), ``list --expiring 99999y``, ``verify --at 999999999999`` and the ends of
the datetime range, non-UTF-8 ``--machine`` or passphrase variables, and ``show /dev/zero``
reading without bound. The last test feeds bad values to every option of every command.

Hostile certificates are built with x509core's DER writer and tests/cert/reading/surgery.py.
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import pytest

from tests.ca.conftest import MACHINE_ID
from tests.ca.cli.test_cli import Result, fast_keys_and_machine, one_error_line, run  # noqa: F401
from tests.cert.reading.surgery import IN, certificate_paths, replace
from tests.conftest import SHARED
from tests.rsa.keys_fixture import RSA_2048, private_key
from x509core import CertificateBuilder, Name
from x509core.ca.cli import support as cli_support
from x509core.ca.issuance.certificate_authority import CertificateAuthority
from x509core.cert import load_der_certificate
from x509core.cert.extensions import BasicConstraints, KeyUsage
from x509core.der import Writer
from x509core import pem

KEY = private_key(RSA_2048)
SEED = SHARED / "interop" / "seed-system"


def _root(path_length=None) -> bytes:
    from datetime import datetime, timedelta, timezone
    now = datetime.now(timezone.utc).replace(microsecond=0)
    name = Name.from_openssl("/O=Example Clinic/CN=Errors Root")
    return (CertificateBuilder().with_subject(name).with_issuer(name).with_random_serial_number()
            .with_validity(now - timedelta(days=1), now + timedelta(days=400))
            .with_public_key(KEY.public_key())
            .with_extension(BasicConstraints(ca=True, path_len_constraint=path_length), critical=True)
            .with_extension(KeyUsage(key_cert_sign=True, crl_sign=True), critical=True)
            .with_subject_key_identifier().sign(KEY)).to_der()


def huge_exponent_certificate() -> bytes:
    """A certificate whose RSAPublicKey has a 16384-bit modulus and a 16383-bit exponent (about
    4,900 decimal digits: above CPython's 4,300-digit int-to-str limit)."""
    der = _root()
    w = Writer()
    with w.sequence():
        w.write_integer((1 << 16383) | (1 << 1000) | 1)          # n: 16384 bits, odd
        w.write_integer((1 << 16382) + 1)                         # e: odd, 3 <= e < n
    return replace(der, certificate_paths(der)["subjectPublicKey"] + (IN,), w.to_bytes())[0]


def _write(tmp_path: Path, name: str, der: bytes) -> Path:
    path = tmp_path / name
    path.write_text(pem.encode("CERTIFICATE", der))
    return path


def _ok_or_one_line(result: Result) -> None:
    assert "internal error" not in result.err and "Traceback" not in result.err, result.err
    if result.code == 2:
        one_error_line(result)


# -- the reported cases ------------------------------------------------------------------------

def test_show_prints_a_huge_exponent_in_hex(tmp_path):
    path = _write(tmp_path, "exponent.pem", huge_exponent_certificate())
    shown = run("show", path)
    _ok_or_one_line(shown)
    if shown.code == 0:                      # the parser may also refuse such a key: one line
        lines = shown.out.splitlines()
        at = lines.index("                Exponent:")
        assert lines[at + 1] == "                    40:00:00:00:00:00:00:00:00:00:00:00:00:00:00:"
        as_json = json.loads(run("show", path, "--json").out)
        assert as_json["public_key"]["e"] == "0x4" + "0" * 4094 + "1"


def test_show_prints_a_huge_path_length(tmp_path):
    path = _write(tmp_path, "pathlen.pem", _root(path_length=10 ** 5000))
    shown = run("show", path)
    assert shown.code == 0, shown.err
    assert re.search(r"CA:TRUE, pathlen:0x[0-9A-F]{100,}", shown.out)
    as_json = run("show", path, "--json")
    assert as_json.code == 0, as_json.err
    basic = json.loads(as_json.out)["extensions"][0]["value"]
    assert basic["path_len_constraint"] == hex(10 ** 5000)


def test_list_expiring_far_in_the_future_is_a_usage_error(make_ca):
    ca = make_ca()
    ca.close()
    line = one_error_line(run("list", "--ca-dir", ca.directory, "--expiring", "99999y"))
    assert "--expiring" in line
    assert run("list", "--ca-dir", ca.directory, "--expiring", "100y").code == 0
    assert "not a duration" in one_error_line(run("list", "--ca-dir", ca.directory,
                                                  "--expiring", ""))     # not ignored


@pytest.mark.parametrize("at", ["999999999999", "253402300800", "0001-01-01T00:00:00+01:00",
                                "9999-12-31T23:59:59-01:00"])
def test_verify_at_outside_the_datetime_range_is_a_usage_error(at):
    line = one_error_line(run("verify", SEED / "client-HZ109999.pem", "--ca",
                              SEED / "license-server-ca.pem", "--at", at))
    assert "--at" in line


@pytest.mark.parametrize("at", ["0001-01-01", "9999-12-31T23:59:59Z", "253402300799"])
def test_verify_at_the_ends_of_the_range_gives_a_verdict(at):
    result = run("verify", SEED / "client-HZ109999.pem", "--ca", SEED / "license-server-ca.pem",
                 "--at", at)
    assert result.code == 1 and result.out.startswith("INVALID:"), result.err


def test_a_non_utf8_machine_argument_is_a_usage_error():
    line = one_error_line(run("verify", SEED / "client-HZ109999.pem", "--ca",
                              SEED / "license-server-ca.pem", "--at", "2026-01-01",
                              "--machine", "\udcff\udcfe0123456789abcdef"))
    assert "--machine" in line and "UTF-8" in line


def test_a_non_utf8_passphrase_variable_is_taken_as_its_bytes(tmp_path, monkeypatch, ca_key):
    """An environment variable holds bytes; a passphrase that is not UTF-8 is those bytes."""
    raw = b"\xff\xfe pass"
    CertificateAuthority.create(tmp_path / "ca", subject="/CN=R", passphrase=raw,
                                key=ca_key).close()
    monkeypatch.setenv("X509CORE_PASSPHRASE", os.fsdecode(raw))
    result = run("crl", "--ca-dir", tmp_path / "ca")
    assert result.code == 0, result.err


def test_show_dev_zero_stops_at_the_input_cap():
    line = one_error_line(run("show", "/dev/zero"))
    assert "/dev/zero" in line and "16 MiB" in line


def test_standard_input_is_capped_too(monkeypatch):
    class Endless(io.RawIOBase):
        def readable(self):
            return True

        def readinto(self, buffer):
            buffer[:] = b"\0" * len(buffer)
            return len(buffer)

    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BufferedReader(Endless())))
    assert "16 MiB" in one_error_line(run("asn1parse", "-"))


def test_the_cap_is_reached_only_above_16_mib(tmp_path):
    exact = tmp_path / "exact"
    exact.write_bytes(b"\0" * cli_support.MAX_INPUT_BYTES)
    assert cli_support.read_bytes(exact) == b"\0" * cli_support.MAX_INPUT_BYTES
    exact.write_bytes(b"\0" * (cli_support.MAX_INPUT_BYTES + 1))
    with pytest.raises(cli_support.CLIError, match="16 MiB"):
        cli_support.read_bytes(exact)


def test_errors_name_the_file_and_say_empty_plainly(tmp_path, make_ca):
    """Issue 16's rule, as a reviewer found it broken: an error about an input names the file
    (a key, an asn1parse input), an empty file is called empty (not described through DER
    lengths), and a CA directory without its key says which file is missing."""
    empty, garbage = tmp_path / "empty.pem", tmp_path / "garbage.key"
    empty.write_bytes(b"")
    garbage.write_bytes(b"\x30\x59" + bytes(40))
    cert = tmp_path / "cert.pem"
    cert.write_text(load_der_certificate(_root()).to_pem())
    for argv in (["show", empty], ["lint", empty], ["asn1parse", empty],
                 ["verify", empty, "--ca", cert], ["csr", "--org", "Clinic", "--client-id",
                                                  "CT01WORKSTATION1", "--key", empty,
                                                  "--out", tmp_path / "x.csr"]):
        assert one_error_line(run(*argv)) == f"x509core: error: {empty}: empty file", argv
    for argv in (["asn1parse", garbage], ["export-pkcs12", "--cert", cert, "--key", garbage,
                                          "--out", tmp_path / "x.p12"],
                 ["csr", "--org", "Clinic", "--client-id", "CT01WORKSTATION1", "--key",
                  garbage, "--out", tmp_path / "y.csr"]):
        assert one_error_line(run(*argv)).startswith(f"x509core: error: {garbage}: "), argv
    ca = make_ca()
    ca.close()
    (ca.directory / "ca.key").unlink()
    line = one_error_line(run("list", "--ca-dir", ca.directory))
    assert f"{ca.directory / 'ca.key'} is missing" in line and "no CA in" not in line
