"""Every option of every command, fed bad values: the answer is a verdict or one line on stderr
with exit 2, never "internal error" and never a traceback (issue 16, item 8: "hunt for other
exception paths outside x509core.errors reachable from the CLI with bad input").

Each template is a valid command with one slot, ``{}``; the slot gets each bad value in turn:
for text, empty, "-", numbers far out of range, 5,000 digits (beyond CPython's int-to-str
limit), bytes that are not UTF-8, control characters, a huge string, impossible dates; for a
file, a name that is missing, a directory, /dev/zero, not UTF-8, and contents that are empty,
garbage, a key where a certificate belongs, a PEM of the wrong kind or one 400 KB line.
(Passphrase files are read by the same read_bytes; they are left out because each accepted one
costs a 600,000-iteration PBKDF2.)
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from tests.ca.conftest import MACHINE_ID
from tests.ca.cli.test_cli import fast_keys_and_machine, run  # noqa: F401
from x509core import pem

_COUNTER = itertools.count()
TEXT_VALUES = ["", "-", "0", "-1", "9" * 30, "1" * 5000, "1e309", "\udcff\udcfe",
               "\x1b]0;t\x07\r\n", "a" * 5000, "2026-13-45", "9999-12-31T23:59:59-01:00",
               "0001-01-01T00:00:00+01:00", "20000230", "99991231", "0x", "::", "*", "%"]
FILE_VALUES = ["", "-", "\udcff\udcfe", "\x1b]0;t\x07\r\n", "/nonexistent/x", "/", ".",
               "/dev/zero", "{empty}", "{garbage}", "{key}", "{csr}", "{crl}", "{bad_pem}",
               "{huge_line}", "{unicode_name}"]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A CA with one issued certificate and a CRL, and files good and bad."""
    root = tmp_path_factory.mktemp("bad-arguments")
    ca_dir = root / "ca"
    assert run("ca", "init", "--ca-dir", ca_dir, "--cn", "Fuzz Root", "--no-encrypt").code == 0
    issued = run("issue", "server", "--ca-dir", ca_dir, "--dns", "a.example.org",
                 "--no-encrypt", "--out", root / "leaf.pem", "--key-out", root / "leaf.key")
    assert issued.code == 0, issued.err
    assert run("csr", "--org", "Clinic", "--client-id", "CT01WORKSTATION1", "--machine-id",
               MACHINE_ID, "--out", root / "req.csr", "--key-out", root / "req.key").code == 0
    assert run("crl", "--ca-dir", ca_dir, "--out", root / "crl.pem").code == 0
    (root / "empty").write_bytes(b"")
    (root / "garbage").write_bytes(bytes(range(256)) * 4)
    (root / "bad_pem").write_text("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n")
    (root / "huge_line").write_text(pem.encode("CERTIFICATE", b"\x30" * 300_000).replace("\n", "")
                                    + "\n")
    odd = root / "caf\udce9.pem"                          # a file name that is not UTF-8
    odd.write_text((root / "leaf.pem").read_text())
    serial = [line.split()[-1] for line in issued.out.splitlines() if "serial" in line][0]
    return {"root": root, "ca_dir": ca_dir, "serial": serial,
            "files": {"{empty}": root / "empty", "{garbage}": root / "garbage",
                      "{key}": root / "leaf.key", "{csr}": root / "req.csr",
                      "{crl}": root / "crl.pem", "{bad_pem}": root / "bad_pem",
                      "{huge_line}": root / "huge_line", "{unicode_name}": odd}}


def _templates(w) -> list[tuple[str, list]]:
    """(kind of slot, argv with one "{}"); "{new}" is a fresh output path each run."""
    root, leaf, ca_pem = w["root"], w["root"] / "leaf.pem", w["ca_dir"] / "ca.pem"
    ca = ["--ca-dir", w["ca_dir"]]
    server = ["issue", "server", *ca, "--no-encrypt", "--out", "{new}", "--key-out", "{new}"]
    client = ["issue", "client", *ca, "--no-encrypt", "--out", "{new}", "--key-out", "{new}"]
    client_values = {"--org": "Clinic", "--client-id": "CT02WORKSTATION2",
                     "--machine-id": MACHINE_ID}

    def client_with(option):
        rest = [x for o, v in client_values.items() if o != option for x in (o, v)]
        return [*client, *rest, option, "{}"]
    return [
        ("file", ["show", "{}"]), ("file", ["show", "{}", "--json"]), ("text", ["show", "{}"]),
        ("file", ["asn1parse", "{}"]),
        ("file", ["verify", "{}", "--ca", ca_pem]), ("file", ["verify", leaf, "--ca", "{}"]),
        ("file", ["verify", leaf, "--ca", ca_pem, "--intermediate", "{}"]),
        ("file", ["verify", leaf, "--ca", ca_pem, "--crl", "{}"]),
        *[("text", ["verify", leaf, "--ca", ca_pem, option, "{}"])
          for option in ("--at", "--name", "--machine", "--mac", "--org")],
        ("text", ["list", *ca, "--expiring", "{}"]),
        ("text", ["revoke", *ca, "{}"]), ("text", ["renew", *ca, "{}"]),
        ("text", ["renew", *ca, w["serial"], "--days", "{}", "--out", "{new}"]),
        ("text", ["crl", *ca, "--days", "{}", "--out", "{new}"]),
        *[("text", [*server, "--dns", "a.example.org", option, "{}"])
          for option in ("--dns", "--ip", "--cn", "--org", "--days", "--not-after")],
        ("text", [*server, "--dns", "{}"]), ("text", [*server, "--ip", "{}"]),   # the only name
        ("file", ["issue", "server", *ca, "--csr", "{}", "--out", "{new}"]),
        *[("text", client_with(option)) for option in ("--org", "--client-id", "--machine-id",
                                                       "--mac", "--days", "--not-after")],
        ("file", ["issue", "client", *ca, "--csr", "{}", "--out", "{new}"]),
        ("text", ["csr", "--org", "{}", "--client-id", "CT03WORKSTATION3", "--machine-id",
                  MACHINE_ID, "--out", "{new}", "--key-out", "{new}"]),
        ("text", ["ca", "init", "--ca-dir", "{new}", "--no-encrypt", "--cn", "{}"]),
        ("text", ["ca", "init", "--ca-dir", "{new}", "--no-encrypt", "--subject", "{}"]),
        *[("text", ["ca", "init", "--ca-dir", "{new}", "--no-encrypt", "--cn", "R", option, "{}"])
          for option in ("--path-length", "--days", "--country", "--org")],
        ("text", ["keygen", "--out", "{}"]),
        ("file", ["export-pkcs12", "--cert", "{}", "--key", root / "leaf.key", "--out", "{new}"]),
        ("file", ["export-pkcs12", "--cert", leaf, "--key", "{}", "--out", "{new}"]),
        ("file", ["export-pkcs12", "--cert", leaf, "--key", root / "leaf.key", "--chain", "{}",
                  "--out", "{new}"]),
        ("text", ["quickstart", "{}", "--machine-id", MACHINE_ID, "--key-bits", "2048"]),
        ("text", ["quickstart", "{new}", "--machine-id", "{}", "--key-bits", "2048"]),
    ]


def _argv(template, value, world):
    argv = []
    for item in template:
        if item == "{}":
            argv.append(str(world["files"].get(value, value)))
        elif item == "{new}":
            argv.append(str(world["root"] / f"new-{next(_COUNTER)}"))
        else:
            argv.append(str(item))
    return argv


def test_no_bad_value_reaches_an_internal_error(world, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)                            # "-" and other relative outputs
    monkeypatch.setenv("X509CORE_PKCS12_PASSWORD", "export pw")
    problems = []
    for kind, template in _templates(world):
        for value in (FILE_VALUES if kind == "file" else TEXT_VALUES):
            argv = _argv(template, value, world)
            result = run(*argv)
            lines = result.err.strip().splitlines()
            bad = ("internal error" in result.err or "Traceback" in result.err
                   or result.code not in (0, 1, 2)
                   or (result.code == 2 and len(lines) != 1))
            if bad:
                problems.append(f"{[a[:40] for a in argv]!r}: exit {result.code}: "
                                f"{result.err.strip()[:300]!r}")
    assert not problems, "\n".join(problems)
