"""The ``x509core`` command line, driven in-process (``main(argv)``) for speed, plus a few
subprocess runs (tests/ca/cli/test_cli_process.py) that prove exit statuses and the absence of
tracebacks. Key generation is replaced by the pre-generated fixture keys except in one test."""

from __future__ import annotations

import io
import itertools
import json
import re
import stat
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests.ca.conftest import MAC, MACHINE_ID
from tests.conftest import INTEROP, require_shared
from tests.rsa.keys_fixture import RSA_2048, RSA_3072, RSA_4096, private_key
from x509core import load_pem_certificate, load_pem_csr
from x509core.ca import machine
from x509core.ca.cli import support as cli_support
from x509core.ca.cli import main
from x509core.cert.oids import OID_CLIENT_AUTH, OID_MACHINE_IDENTITY, OID_SERVER_AUTH
from x509core.der import Writer
from x509core.rsa import load_pem_private_key

REAL_GENERATE = cli_support.generate_key
TEST_MACHINE_ID = "0123456789abcdef0123456789abcdef"    # this "machine"'s raw id in these tests
ORG = "Example Clinic"


@dataclass
class Result:
    code: int
    out: str
    err: str


def run(*argv) -> Result:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main([str(arg) for arg in argv])
    return Result(code, out.getvalue(), err.getvalue())


def one_error_line(result: Result) -> str:
    """The single stderr line of a failed command (exit 2, no traceback)."""
    assert result.code == 2, (result.out, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.err, result.err
    return lines[0]


def fixture_keys():
    """Stand-in for key generation: the fixture keys in turn (no two neighbours alike)."""
    keys = itertools.cycle([private_key(RSA_4096), private_key(RSA_2048), private_key(RSA_3072)])
    calls = []

    def generate(bits, progress=None):
        calls.append(bits)
        if progress is not None:
            progress("candidate")
            progress("prime")
        return next(keys)
    generate.calls = calls
    return generate


@pytest.fixture(scope="module", autouse=True)
def fast_keys_and_machine(tmp_path_factory):
    """Fixture keys instead of keygen; a machine-id file of our own (CI machines may lack one)."""
    machine_file = tmp_path_factory.mktemp("machine") / "machine-id"
    machine_file.write_text(TEST_MACHINE_ID + "\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cli_support, "generate_key", fixture_keys())
        patch.setattr(machine, "MACHINE_ID_PATHS", (machine_file,))
        patch.delenv("X509CORE_PASSPHRASE", raising=False)
        patch.delenv("X509CORE_KEY_PASSPHRASE", raising=False)
        patch.delenv("X509CORE_CA_DIR", raising=False)
        yield


@dataclass
class Site:
    root: Path
    ca_dir: Path
    passphrase_file: Path

    def ca(self, *argv) -> Result:
        """A command against this site's CA (its passphrase from the file)."""
        return run(*argv, "--ca-dir", self.ca_dir, "--passphrase-file", self.passphrase_file)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Site:
    root = tmp_path_factory.mktemp("site")
    secret = root / "passphrase"
    secret.write_text("correct horse battery staple\n")
    result = run("ca", "init", "--ca-dir", root / "ca", "--cn", "Example Clinic Root CA", "--org",
                 ORG, "--country", "DE", "--path-length", "0", "--passphrase-file", secret)
    assert result.code == 0, result.err
    return Site(root, root / "ca", secret)


def seed_form(oid, value: str) -> bytes:
    """An Extension as the seed system writes it: the id's ASCII octets directly in extnValue."""
    w = Writer()
    with w.sequence():
        w.write_oid(oid)
        w.write_octet_string(value.encode("ascii"))
    return w.to_bytes()


# -- ca init ----------------------------------------------------------------------------------------

def test_ca_init_writes_an_encrypted_root_with_private_modes(site):
    cert = load_pem_certificate((site.ca_dir / "ca.pem").read_text())
    assert cert.subject.rfc4514() == "CN=Example Clinic Root CA,O=Example Clinic,C=DE"
    assert cert.basic_constraints.ca and cert.basic_constraints.path_len_constraint == 0
    assert cert.extension(cert.basic_constraints.oid).critical
    assert cert.key_usage.key_cert_sign and cert.key_usage.crl_sign
    assert b"-----BEGIN ENCRYPTED PRIVATE KEY-----" in (site.ca_dir / "ca.key").read_bytes()
    assert stat.S_IMODE((site.ca_dir / "ca.key").stat().st_mode) == 0o600
    assert stat.S_IMODE(site.ca_dir.stat().st_mode) == 0o700


def test_ca_init_refuses_an_existing_ca(site):
    before = (site.ca_dir / "ca.pem").read_bytes()
    line = one_error_line(site.ca("ca", "init", "--cn", "Another", "--no-encrypt"))
    assert "exists" in line and "ca.pem" in line
    assert (site.ca_dir / "ca.pem").read_bytes() == before


def test_ca_init_refuses_what_cannot_work_before_it_makes_anything(tmp_path):
    """An --inventory that is not a postgresql:// URL, or a directory whose name is not UTF-8
    (the inventory records the path as text, so such a CA could never be opened), are
    refused before a key is made or a file written; a retry then works."""
    calls = len(cli_support.generate_key.calls)
    line = one_error_line(run("ca", "init", "--ca-dir", tmp_path / "ca", "--cn", "Root",
                              "--no-encrypt", "--inventory", "mysql://localhost/x"))
    assert "postgresql://" in line and not (tmp_path / "ca").exists()
    odd = tmp_path / "caf\udce9"
    for argv in (["ca", "init", "--ca-dir", odd, "--cn", "Root", "--no-encrypt"],
                 ["quickstart", odd, "--machine-id", MACHINE_ID]):
        assert "not valid UTF-8" in one_error_line(run(*argv)), argv
    assert "no CA in" in one_error_line(run("list", "--ca-dir", odd))
    from x509core.ca.issuance.certificate_authority import CertificateAuthority
    from x509core.errors import InvalidValue
    with pytest.raises(InvalidValue, match="not valid UTF-8"):           # the API alike
        CertificateAuthority.create(odd, subject="/CN=Root", passphrase=None,
                                    key=private_key(RSA_2048))
    assert list(tmp_path.iterdir()) == [] and len(cli_support.generate_key.calls) == calls
    assert run("ca", "init", "--ca-dir", tmp_path / "ca", "--cn", "Root", "--no-encrypt").code == 0


@pytest.mark.postgres
def test_a_failed_ca_init_leaves_nothing_behind(tmp_path, postgres_cluster):
    """A create that fails once files exist (here the database turns out to hold another
    program's tables) removes what it made, so that the same directory can be used again:
    before, inventory.url and issued/ stayed and the retry was refused."""
    foreign = postgres_cluster.new_database()
    postgres_cluster.sql("CREATE TABLE certificates (x integer)", foreign.split("?")[0][14:])
    failed = run("ca", "init", "--ca-dir", tmp_path / "ca", "--cn", "Root", "--no-encrypt",
                 "--inventory", foreign)          # stderr: the --no-encrypt warning, the error
    assert failed.code == 2 and "not x509core's" in failed.err.splitlines()[-1]
    assert not (tmp_path / "ca").exists()
    (tmp_path / "empty").mkdir()
    assert run("ca", "init", "--ca-dir", tmp_path / "empty", "--cn", "Root", "--no-encrypt",
               "--inventory", foreign).code == 2
    assert list((tmp_path / "empty").iterdir()) == []      # the existing directory itself kept
    good = run("ca", "init", "--ca-dir", tmp_path / "ca", "--cn", "Root", "--no-encrypt",
               "--inventory", postgres_cluster.new_database())
    assert good.code == 0, good.err


def test_ca_init_without_a_passphrase_source_names_them(tmp_path, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))          # not a terminal: no prompt
    line = one_error_line(run("ca", "init", "--ca-dir", tmp_path / "ca", "--cn", "Root"))
    assert "--passphrase-file" in line and "X509CORE_PASSPHRASE" in line
    assert not (tmp_path / "ca" / "ca.pem").exists()


def test_ca_init_no_encrypt_warns_and_takes_the_openssl_subject_form(tmp_path):
    result = run("ca", "init", "--ca-dir", tmp_path / "ca", "--no-encrypt",
                 "--subject", "/C=CN/O=Hospital/CN=Hospital Root CA")
    assert result.code == 0, result.err
    assert "UNENCRYPTED" in result.err
    assert b"-----BEGIN PRIVATE KEY-----" in (tmp_path / "ca" / "ca.key").read_bytes()
    cert = load_pem_certificate((tmp_path / "ca" / "ca.pem").read_text())
    assert cert.subject.rfc4514() == "CN=Hospital Root CA,O=Hospital,C=CN"
    assert cert.basic_constraints.path_len_constraint is None


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_ca_init_prompts_twice_on_a_terminal(tmp_path, monkeypatch):
    answers = iter(["first", "second"])
    monkeypatch.setattr("sys.stdin", _Terminal())
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    assert "differ" in one_error_line(run("ca", "init", "--ca-dir", tmp_path / "a", "--cn", "R"))
    monkeypatch.setattr("getpass.getpass", lambda prompt: "same passphrase")
    assert run("ca", "init", "--ca-dir", tmp_path / "b", "--cn", "R").code == 0
    key = (tmp_path / "b" / "ca.key").read_bytes()
    assert load_pem_private_key(key, b"same passphrase")


def test_ca_dir_comes_from_the_environment(site, monkeypatch):
    monkeypatch.setenv("X509CORE_CA_DIR", str(site.ca_dir))
    result = run("list", "--json")
    assert result.code == 0 and isinstance(json.loads(result.out), list)


# -- issuing ---------------------------------------------------------------------------------------

def test_issue_server_makes_a_key_and_a_serverauth_certificate(site):
    out, key_out = site.root / "pacs.pem", site.root / "pacs.key"
    result = site.ca("issue", "server", "--dns", "pacs.example.org", "--dns", "localhost",
                     "--ip", "127.0.0.1", "--also-client", "--no-encrypt", "--days", "90",
                     "--out", out, "--key-out", key_out)
    assert result.code == 0, result.err
    cert = load_pem_certificate(out.read_text())
    assert set(cert.extended_key_usage.key_purposes) == {OID_SERVER_AUTH, OID_CLIENT_AUTH}
    san = str(cert.subject_alternative_name)
    assert "pacs.example.org" in san and "127.0.0.1" in san
    assert (cert.not_valid_after - cert.not_valid_before).days == 90
    key = load_pem_private_key(key_out.read_bytes())
    assert key.public_key().n == cert.public_key.n
    assert b"-----BEGIN PRIVATE KEY-----" in key_out.read_bytes()
    assert stat.S_IMODE(key_out.stat().st_mode) == 0o600
    assert "not encrypted" in result.err
    assert one_error_line(site.ca("issue", "server", "--dns", "x.org", "--no-encrypt",
                                  "--out", out, "--key-out", site.root / "x.key")).count("exists")


def test_issue_client_with_a_generated_key_delivers_it_encrypted(site, monkeypatch):
    monkeypatch.setenv("X509CORE_KEY_PASSPHRASE", "key passphrase")
    out, key_out = site.root / "ct01.pem", site.root / "ct01.key"
    result = site.ca("issue", "client", "--org", ORG, "--client-id", "CT01WORKSTATION1",
                     "--machine-id", MACHINE_ID, "--mac", MAC, "--not-after", "20301231",
                     "--out", out, "--key-out", key_out)
    assert result.code == 0, result.err
    cert = load_pem_certificate(out.read_text())
    assert cert.not_valid_after == datetime(2030, 12, 31, 23, 59, 59, tzinfo=timezone.utc)
    assert (cert.machine_identity, cert.mac_address) == (MACHINE_ID, MAC)
    assert cert.extended_key_usage.key_purposes == (OID_CLIENT_AUTH,)
    assert b"ENCRYPTED PRIVATE KEY" in key_out.read_bytes()
    key = load_pem_private_key(key_out.read_bytes(), b"key passphrase")
    assert key.public_key().n == cert.public_key.n
    assert seed_form(OID_MACHINE_IDENTITY, MACHINE_ID) in cert.raw


def test_an_output_taken_while_the_key_was_made_says_what_was_kept(site, monkeypatch):
    """--out created by someone else while the key is generated (after the outputs were
    checked): the certificate is signed and recorded by then, and the key written; the one
    error line names them, so the operator copies the certificate instead of signing again.
    The other file is not overwritten."""
    out, key_out = site.root / "race.pem", site.root / "race.key"
    made = cli_support.generate_key

    def generate_while_someone_writes(bits, progress=None):
        out.write_text("someone else's file\n")
        return made(bits, progress)
    monkeypatch.setattr(cli_support, "generate_key", generate_while_someone_writes)
    monkeypatch.setenv("X509CORE_KEY_PASSPHRASE", "key passphrase")
    line = one_error_line(site.ca("issue", "client", "--org", ORG, "--client-id",
                                  "CT07WORKSTATION7", "--machine-id", MACHINE_ID,
                                  "--out", out, "--key-out", key_out))
    match = re.search(r"the certificate ([0-9A-F]+) is issued and recorded \((.+\.pem)\): copy "
                      r"it from there$", line)
    assert match is not None and "already exists" in line, line
    kept = load_pem_certificate(Path(match.group(2)).read_text())
    assert f"{kept.serial_number:X}".zfill(len(match.group(1))) == match.group(1)
    key = load_pem_private_key(key_out.read_bytes(), b"key passphrase")
    assert key.public_key().n == kept.public_key.n
    assert out.read_text() == "someone else's file\n"


def test_csr_on_the_client_then_issue_keeps_the_key_there(site):
    client = site.root / "client-machine"
    client.mkdir()
    result = run("csr", "--org", ORG, "--client-id", "US01MODALITY0001", "--out",
                 client / "us01.csr", "--key-out", client / "us01.key")
    assert result.code == 0, result.err
    request = load_pem_csr((client / "us01.csr").read_text())
    derived = machine.machine_identity()
    assert request.machine_identity == derived != TEST_MACHINE_ID     # derived by default
    result = site.ca("issue", "client", "--csr", client / "us01.csr", "--out", client / "us01.pem")
    assert result.code == 0, result.err
    cert = load_pem_certificate((client / "us01.pem").read_text())
    assert cert.machine_identity == derived
    assert cert.subject.rfc4514() == f"CN=US01MODALITY0001,O={ORG}"
    key = load_pem_private_key((client / "us01.key").read_bytes())
    assert key.public_key().n == cert.public_key.n
    assert "private key" not in result.out                   # the CA made no key


def test_csr_refuses_an_existing_key_and_a_new_key_file_together(site):
    """``--key`` (use this key) and ``--key-out`` (write a new one here) exclude each other:
    given both, the second was silently ignored and no key file written."""
    key = site.root / "given.key"
    assert run("keygen", "--out", key).code == 0
    line = one_error_line(run("csr", "--org", ORG, "--client-id", "CT09WORKSTATION9", "--key",
                              key, "--key-out", site.root / "other.key",
                              "--out", site.root / "both.csr"))
    assert "--key-out" in line and "--key" in line
    assert not (site.root / "other.key").exists() and not (site.root / "both.csr").exists()


def test_raw_mode_binds_the_id_exactly_as_the_seed_system_writes_it(site):
    seed = load_pem_certificate(require_shared(INTEROP / "client-HZ109999.pem").read_bytes())
    assert seed_form(OID_MACHINE_IDENTITY, seed.machine_identity) in seed.raw   # the seed's form
    request = site.root / "raw.csr"
    assert run("csr", "--org", ORG, "--client-id", "CT02WORKSTATION2", "--machine-id", "auto",
               "--raw", "--out", request, "--key-out", site.root / "raw.key").code == 0
    out = site.root / "raw.pem"
    assert site.ca("issue", "client", "--csr", request, "--out", out).code == 0
    cert = load_pem_certificate(out.read_text())
    assert cert.machine_identity == TEST_MACHINE_ID
    assert seed_form(OID_MACHINE_IDENTITY, TEST_MACHINE_ID) in cert.raw


@pytest.mark.parametrize("argv, words", [
    (["--not-after", "20270230"], "no such date"),
    (["--not-after", "2027-01-01"], "YYYYMMDD"),
    (["--client-id", "short"], "client"),
    (["--machine-id", "not-alphanumeric-id!"], "machine"),
    (["--days", "0"], "--days"),
    (["--not-after", "20200101"], "future"),
])
def test_issue_client_input_checks_are_one_line(site, argv, words):
    base = {"--org": ORG, "--client-id": "CT03WORKSTATION3", "--machine-id": MACHINE_ID}
    for flag, value in zip(argv[::2], argv[1::2]):
        base[flag] = value
    flat = [item for pair in base.items() for item in pair]
    line = one_error_line(site.ca("issue", "client", *flat, "--no-encrypt",
                                  "--out", site.root / "never.pem"))
    assert words.lower() in line.lower()
    assert not (site.root / "never.pem").exists()


def test_a_malformed_csr_and_a_csr_with_a_bad_signature_are_refused(site):
    bad = site.root / "bad.csr"
    bad.write_text("-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n")
    assert "bad.csr" in one_error_line(site.ca("issue", "client", "--csr", bad))
    good = site.root / "tamper.csr"
    run("csr", "--org", ORG, "--client-id", "CT04WORKSTATION4", "--machine-id", MACHINE_ID,
        "--out", good, "--key-out", site.root / "tamper.key")
    request = load_pem_csr(good.read_text())
    der = bytearray(request.raw)
    der[-1] ^= 1                                                # flip a signature bit
    from x509core import pem
    forged = site.root / "forged.csr"
    forged.write_text(pem.encode("CERTIFICATE REQUEST", bytes(der)))
    line = one_error_line(site.ca("issue", "client", "--csr", forged))
    assert "signature" in line.lower()


# -- inventory: list, show, revoke, crl, renew --------------------------------------------------------

def _issued(site, client_id: str) -> int:
    out = site.root / f"{client_id}.pem"
    result = site.ca("issue", "client", "--org", ORG, "--client-id", client_id, "--machine-id",
                     MACHINE_ID, "--no-encrypt", "--days", "20", "--out", out,
                     "--key-out", site.root / f"{client_id}.key")
    assert result.code == 0, result.err
    return load_pem_certificate(out.read_text()).serial_number


def test_list_show_revoke_crl_and_renew(site):
    serial = _issued(site, "CT05WORKSTATION5")
    hex_serial = f"{serial:X}"
    listed = json.loads(site.ca("list", "--json").out)
    assert any(int(row["serial"], 16) == serial and row["status"] == "valid" for row in listed)
    expiring = json.loads(site.ca("list", "--expiring", "30d", "--json").out)
    assert serial in [int(row["serial"], 16) for row in expiring]
    assert serial not in [int(r["serial"], 16) for r in
                          json.loads(site.ca("list", "--expiring", "10d", "--json").out)]
    table = site.ca("list").out
    assert table.startswith("SERIAL") and hex_serial in table.replace(":", "")

    shown = site.ca("show", hex_serial)
    assert shown.code == 0 and "CT05WORKSTATION5" in shown.out and "Serial Number" in shown.out
    as_json = json.loads(site.ca("show", site.root / "CT05WORKSTATION5.pem", "--json").out)
    assert int(as_json["serial_number"], 16) == serial

    renewed = site.ca("renew", hex_serial, "--days", "60", "--out", site.root / "renewed.pem")
    assert renewed.code == 0, renewed.err
    new = load_pem_certificate((site.root / "renewed.pem").read_text())
    assert new.serial_number != serial and new.subject == load_pem_certificate(
        (site.root / "CT05WORKSTATION5.pem").read_text()).subject

    revoked = run("revoke", f"0x{hex_serial}", "--reason", "keyCompromise", "--ca-dir", site.ca_dir)
    assert revoked.code == 0, revoked.err                      # no passphrase needed to revoke
    rows = json.loads(site.ca("list", "--status", "revoked", "--json").out)
    assert [row["revocation_reason"] for row in rows if int(row["serial"], 16) == serial] == [
        "keyCompromise"]
    crl_result = site.ca("crl", "--days", "3", "--out", site.root / "published.crl")
    assert crl_result.code == 0, crl_result.err
    from x509core import load_pem_crl
    crl = load_pem_crl((site.root / "published.crl").read_text())
    assert crl.revoked(serial) is not None and crl.revoked(serial).reason == "keyCompromise"
    assert (site.ca_dir / "crl.pem").read_text() == (site.root / "published.crl").read_text()
    assert "revoked" in one_error_line(site.ca("renew", hex_serial)).lower()


def test_unknown_serial_and_bad_serial_text(site):
    assert "unknown serial" in one_error_line(site.ca("revoke", "ABCDEF0123"))
    assert "serial" in one_error_line(site.ca("revoke", "xyz"))
    assert "no such file" in one_error_line(site.ca("show", "not-a-file-nor-serial"))


def test_commands_without_a_ca_say_how_to_make_one(tmp_path):
    for argv in (["list"], ["issue", "server", "--dns", "a.org", "--no-encrypt",
                            "--out", tmp_path / "a.pem"], ["crl"]):
        assert "ca init" in one_error_line(run(*argv, "--ca-dir", tmp_path / "none")) or \
            "X509CORE_CA_DIR" in one_error_line(run(*argv, "--ca-dir", tmp_path / "none"))


# -- machine-id, keygen, export-pkcs12, asn1parse ------------------------------------------------------

def test_machine_id_default_raw_and_errors(monkeypatch, tmp_path):
    derived = run("machine-id")
    assert derived.code == 0 and derived.out.strip() == machine.machine_identity()
    assert run("machine-id", "--raw").out.strip() == TEST_MACHINE_ID
    assert json.loads(run("machine-id", "--json").out)["machine_identity"] == derived.out.strip()
    monkeypatch.setattr(machine, "MACHINE_ID_PATHS", (tmp_path / "missing",))
    assert "machine id" in one_error_line(run("machine-id"))
    (tmp_path / "empty").write_text("uninitialized\n")
    monkeypatch.setattr(machine, "MACHINE_ID_PATHS", (tmp_path / "empty",))
    assert "uninitialized" in one_error_line(run("machine-id", "--raw"))


def test_keygen_really_generates_a_key(tmp_path, monkeypatch):
    """The one real key generation of this file (2048 bits: the size tests may afford)."""
    monkeypatch.setattr(cli_support, "generate_key", REAL_GENERATE)
    out = tmp_path / "new.key"
    result = run("keygen", "--out", out, "--key-bits", "2048", "--public-out", tmp_path / "new.pub")
    assert result.code == 0, result.err
    key = load_pem_private_key(out.read_bytes())
    assert key.n.bit_length() == 2048 and stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "PUBLIC KEY" in (tmp_path / "new.pub").read_text()
    again = one_error_line(run("keygen", "--out", out, "--key-bits", "2048"))
    assert "exists" in again and out.read_bytes() == key.to_pem().encode()


def test_keygen_encrypts_on_request_and_refuses_other_sizes(tmp_path, monkeypatch):
    monkeypatch.setenv("X509CORE_KEY_PASSPHRASE", "pw")
    assert run("keygen", "--out", tmp_path / "k", "--encrypt").code == 0
    assert load_pem_private_key((tmp_path / "k").read_bytes(), b"pw")
    assert "--key-bits" in one_error_line(run("keygen", "--out", tmp_path / "j", "--key-bits", "1024"))


def test_progress_shows_on_a_terminal_and_quiet_silences_it(tmp_path, monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert main(["keygen", "--out", str(tmp_path / "a")]) == 0
    assert "generating the RSA-4096" in terminal.getvalue() and "+" in terminal.getvalue()
    quiet = _Terminal()
    monkeypatch.setattr("sys.stderr", quiet)
    assert main(["keygen", "--quiet", "--out", str(tmp_path / "b")]) == 0
    assert quiet.getvalue() == ""


def test_export_pkcs12_is_read_by_openssl_without_legacy(site, openssl, monkeypatch):
    import subprocess
    server, key = site.root / "p12.pem", site.root / "p12.key"
    assert site.ca("issue", "server", "--dns", "ws.example.org", "--no-encrypt", "--out", server,
                   "--key-out", key).code == 0
    monkeypatch.setenv("X509CORE_PKCS12_PASSWORD", "export pw")
    out = site.root / "ws.p12"
    result = run("export-pkcs12", "--cert", server, "--key", key, "--chain",
                 site.ca_dir / "ca.pem", "--out", out)
    assert result.code == 0, result.err
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    listing = subprocess.run([openssl, "pkcs12", "-in", str(out), "-passin", "pass:export pw",
                              "-nokeys"], capture_output=True, text=True)
    assert listing.returncode == 0, listing.stderr
    assert listing.stdout.count("BEGIN CERTIFICATE") == 2
    other = site.root / "CT05WORKSTATION5.key"
    if not other.exists():
        _issued(site, "CT05WORKSTATION5")
    assert "not the key" in one_error_line(run("export-pkcs12", "--cert", server, "--key", other,
                                               "--out", site.root / "mismatch.p12"))
    line = one_error_line(run("export-pkcs12", "--cert", server, "--key", key, "--name",
                              "a\x00b\nOK", "--out", site.root / "forged.p12"))
    assert "--name holds a control character" in line
    assert not (site.root / "forged.p12").exists()


def test_asn1parse_is_a_subcommand():
    result = run("asn1parse", require_shared(INTEROP / "client-HZ109999.pem"))
    assert result.code == 0 and "SEQUENCE" in result.out and "1.3.6.1.4.15967132172.1" in result.out


# -- usage errors and --debug ------------------------------------------------------------------------

@pytest.mark.parametrize("argv", [[], ["nonsense"], ["issue"], ["verify"], ["list", "--status", "x"],
                                  ["keygen", "--out"]])
def test_usage_errors_are_one_line_and_exit_2(argv):
    line = one_error_line(run(*argv))
    assert "error" in line


def test_debug_shows_the_traceback(site):
    with pytest.raises(Exception) as raised:
        run("--debug", "revoke", "ABCDEF0123", "--ca-dir", site.ca_dir)
    assert "unknown serial" in str(raised.value)


def test_help_exits_0():
    assert run("--help").code == 0 and run("verify", "--help").code == 0


def test_issue_server_from_an_openssl_csr_takes_its_names(site, openssl):
    import subprocess
    request = site.root / "web.csr"
    subprocess.run([openssl, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    str(site.root / "web.key"), "-subj", "/O=Example Clinic/CN=web.example.org",
                    "-addext", "subjectAltName=DNS:web.example.org,IP:10.0.0.7",
                    "-out", str(request)], check=True, capture_output=True)
    out = site.root / "web.pem"
    result = site.ca("issue", "server", "--csr", request, "--out", out)
    assert result.code == 0, result.err
    cert = load_pem_certificate(out.read_text())
    assert cert.subject.common_name == "web.example.org"
    names = str(cert.subject_alternative_name)
    assert "web.example.org" in names and "10.0.0.7" in names
    assert cert.extended_key_usage.key_purposes == (OID_SERVER_AUTH,)
    assert "private key" not in result.out                      # the key stayed with openssl


def test_a_wrong_passphrase_and_a_corrupt_ca_are_one_line_errors(site, tmp_path):
    wrong = tmp_path / "wrong"
    wrong.write_text("not the passphrase\n")
    before = sorted(p.name for p in (site.ca_dir / "issued").iterdir())
    result = run("crl", "--ca-dir", site.ca_dir, "--passphrase-file", wrong)
    assert "passphrase" in one_error_line(result).lower()
    assert sorted(p.name for p in (site.ca_dir / "issued").iterdir()) == before
    broken = tmp_path / "broken"
    assert run("ca", "init", "--ca-dir", broken, "--cn", "Broken", "--no-encrypt").code == 0
    pem = (broken / "ca.pem").read_text()
    (broken / "ca.pem").write_text(pem.replace(pem[100:110], "AAAAAAAAAA"))
    line = one_error_line(run("issue", "server", "--ca-dir", broken, "--dns", "a.example.org",
                              "--no-encrypt", "--out", tmp_path / "a.pem",
                              "--key-out", tmp_path / "a.key"))
    assert "ca.pem" in line
    assert not (tmp_path / "a.pem").exists() and not (tmp_path / "a.key").exists()


def test_an_unexpected_exception_is_still_one_line(monkeypatch):
    from x509core.ca.cli import verify as cli_verify

    def explode(ctx):
        raise RuntimeError("boom")
    monkeypatch.setattr(cli_verify, "run_machine_id", explode)
    line = one_error_line(run("machine-id"))
    assert "internal error" in line and "boom" in line and "--debug" in line

    def interrupt(ctx):
        raise KeyboardInterrupt
    monkeypatch.setattr(cli_verify, "run_machine_id", interrupt)
    result = run("machine-id")
    assert result.code == 130 and result.err.strip() == "x509core: interrupted"
