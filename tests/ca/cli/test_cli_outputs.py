"""Output paths are checked before any key is generated or anything signed (issue 16, item 5).

A dangling symlink as --out, a missing directory, --out equal to --key-out (also spelled two
ways), ``renew --out``, ``crl --out``: each used to exit 2 only after the certificate was signed
and in the inventory (once with an unencrypted CA-made key written), or after a CRL was
published and its number spent. Every test here asserts the refusal (one line, exit 2) and
that nothing happened: no key generated, nothing signed, the inventory, ``issued/`` and
``crl.pem`` as they were.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.ca.conftest import MACHINE_ID
from tests.ca.cli.test_cli import fast_keys_and_machine, one_error_line, run  # noqa: F401
from x509core import load_pem_certificate, load_pem_crl
from x509core.ca.cli import support as cli_support

CLIENT = ["--org", "Example Clinic", "--client-id", "CT01WORKSTATION1", "--machine-id", MACHINE_ID]


class Site:
    """An unencrypted CA with one certificate issued and one CRL published, and a way to see
    that a command changed nothing."""

    def __init__(self, root: Path):
        self.root, self.ca_dir = root, root / "ca"
        assert run("ca", "init", "--ca-dir", self.ca_dir, "--cn", "Outputs Root",
                   "--no-encrypt").code == 0
        first = self.ca("issue", "server", "--dns", "first.example.org", "--no-encrypt",
                        "--out", root / "first.pem", "--key-out", root / "first.key")
        assert first.code == 0, first.err
        self.serial = f"{load_pem_certificate((root / 'first.pem').read_text()).serial_number:X}"
        assert self.ca("crl").code == 0
        self.before = self.state()

    def ca(self, *argv):
        return run(*argv, "--ca-dir", self.ca_dir)

    def state(self):
        crl = load_pem_crl((self.ca_dir / "crl.pem").read_text())
        return (json.loads(self.ca("list", "--json").out),
                sorted(p.name for p in (self.ca_dir / "issued").iterdir()),
                crl.crl_number, len(cli_support.generate_key.calls))

    def refused(self, *argv) -> str:
        """The one error line of a command that must change nothing."""
        line = one_error_line(self.ca(*argv))
        assert self.state() == self.before, line
        return line


@pytest.fixture
def site(tmp_path) -> Site:
    return Site(tmp_path)


def dangling(site: Site, name: str) -> Path:
    link = site.root / name
    link.symlink_to(site.root / "nowhere" / "target")
    return link


def test_a_dangling_symlink_as_out_stops_issue_before_signing(site):
    out = dangling(site, "link.pem")
    line = site.refused("issue", "server", "--dns", "b.example.org", "--no-encrypt",
                        "--out", out, "--key-out", site.root / "b.key")
    assert "link.pem" in line and "exists" in line
    assert not (site.root / "b.key").exists()                   # no unencrypted key left behind


def test_a_dangling_symlink_as_key_out_stops_issue_client(site):
    key_out = dangling(site, "link.key")
    line = site.refused("issue", "client", *CLIENT, "--no-encrypt", "--out", site.root / "c.pem",
                        "--key-out", key_out)
    assert "link.key" in line and not (site.root / "c.pem").exists()


@pytest.mark.parametrize("command", [
    ["issue", "server", "--dns", "b.example.org", "--no-encrypt"],
    ["issue", "client", *CLIENT, "--no-encrypt"],
])
def test_a_missing_directory_stops_issue_before_signing(site, command):
    line = site.refused(*command, "--out", site.root / "missing" / "x.pem",
                        "--key-out", site.root / "x.key")
    assert "missing" in line and "does not exist" in line
    assert not (site.root / "x.key").exists()


def test_a_file_as_the_directory_stops_issue(site):
    (site.root / "plain").write_text("not a directory\n")
    line = site.refused("issue", "server", "--dns", "b.example.org", "--no-encrypt",
                        "--out", site.root / "plain" / "x.pem", "--key-out", site.root / "x.key")
    assert "not a directory" in line


@pytest.mark.parametrize("spelling", ["same", "dot", "dotdot", "symlinked-directory"])
def test_out_equal_to_key_out_is_refused_however_spelled(site, spelling, monkeypatch):
    monkeypatch.chdir(site.root)
    (site.root / "sub").mkdir()
    (site.root / "alias").symlink_to(site.root / "sub")
    out = Path("sub/x.pem")
    key_out = {"same": "sub/x.pem", "dot": "./sub/./x.pem", "dotdot": "sub/../sub/x.pem",
               "symlinked-directory": "alias/x.pem"}[spelling]
    line = site.refused("issue", "server", "--dns", "b.example.org", "--no-encrypt",
                        "--out", out, "--key-out", key_out)
    assert "same file" in line
    assert not any((site.root / "sub").iterdir())


def test_renew_out_is_checked_before_signing(site):
    line = site.refused("renew", site.serial, "--out", dangling(site, "renewed.pem"))
    assert "renewed.pem" in line
    line = site.refused("renew", site.serial, "--out", site.root / "missing" / "r.pem")
    assert "does not exist" in line


@pytest.mark.parametrize("where", ["dangling", "missing-directory"])
def test_crl_out_is_checked_before_a_crl_number_is_spent(site, where):
    out = {"dangling": lambda: dangling(site, "crl-link.pem"),
           "missing-directory": lambda: site.root / "missing" / "crl.pem"}[where]()
    crl_before = (site.ca_dir / "crl.pem").read_bytes()
    site.refused("crl", "--out", out)
    assert (site.ca_dir / "crl.pem").read_bytes() == crl_before
    assert site.ca("crl").code == 0                             # the next number is the next one
    assert load_pem_crl((site.ca_dir / "crl.pem").read_text()).crl_number == site.before[2] + 1


def test_crl_out_must_not_be_the_cas_own_crl_file(tmp_path):
    """Before the first CRL, CA-DIR/crl.pem does not exist yet, but the CA is about to write it."""
    assert run("ca", "init", "--ca-dir", tmp_path / "ca", "--cn", "R", "--no-encrypt").code == 0
    line = one_error_line(run("crl", "--ca-dir", tmp_path / "ca",
                              "--out", tmp_path / "ca" / "issued" / ".." / "crl.pem"))
    assert "same file" in line and not (tmp_path / "ca" / "crl.pem").exists()
    assert run("crl", "--ca-dir", tmp_path / "ca").code == 0
    assert load_pem_crl((tmp_path / "ca" / "crl.pem").read_text()).crl_number == 1


def test_keygen_and_csr_check_before_generating(site, tmp_path):
    calls = len(cli_support.generate_key.calls)
    assert "same file" in one_error_line(run("keygen", "--out", tmp_path / "k",
                                             "--public-out", tmp_path / "." / "k"))
    assert "exists" in one_error_line(run("keygen", "--out", dangling(site, "k.link")))
    assert "same file" in one_error_line(run("csr", *CLIENT[:4], "--machine-id", "none",
                                             "--out", tmp_path / "r", "--key-out", tmp_path / "r"))
    assert "does not exist" in one_error_line(run("csr", *CLIENT[:4], "--machine-id", "none",
                                                  "--out", tmp_path / "no" / "r.csr",
                                                  "--key-out", tmp_path / "r.key"))
    assert len(cli_support.generate_key.calls) == calls and not (tmp_path / "r.key").exists()


def test_export_pkcs12_checks_before_asking_for_a_password(site, monkeypatch):
    monkeypatch.delenv("X509CORE_PKCS12_PASSWORD", raising=False)      # no password source
    for out in (dangling(site, "x.p12"), site.root / "missing" / "x.p12"):
        line = one_error_line(run("export-pkcs12", "--cert", site.root / "first.pem",
                                  "--key", site.root / "first.key", "--out", out))
        assert "password" not in line and ("exists" in line or "does not exist" in line)


def test_quickstart_checks_its_directory_before_making_anything(tmp_path):
    demo = tmp_path / "demo"
    demo.mkdir()
    (demo / "server.pem").symlink_to(tmp_path / "elsewhere")
    calls = len(cli_support.generate_key.calls)
    line = one_error_line(run("quickstart", demo, "--machine-id", MACHINE_ID))
    assert "server.pem" in line
    assert sorted(os.listdir(demo)) == ["server.pem"]          # no CA made, no key written
    (tmp_path / "file").write_text("x")
    assert "not a directory" in one_error_line(run("quickstart", tmp_path / "file" / "demo",
                                                   "--machine-id", MACHINE_ID))
    assert len(cli_support.generate_key.calls) == calls


def test_ca_init_checks_its_files_before_generating_the_key(tmp_path):
    (tmp_path / "ca").mkdir()
    (tmp_path / "ca" / "ca.key").symlink_to(tmp_path / "elsewhere")
    calls = len(cli_support.generate_key.calls)
    line = one_error_line(run("ca", "init", "--ca-dir", tmp_path / "ca", "--cn", "R",
                              "--no-encrypt"))
    assert "ca.key" in line and len(cli_support.generate_key.calls) == calls
    assert sorted(os.listdir(tmp_path / "ca")) == ["ca.key"]


def test_dash_is_standard_output_only_for_crl(site, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert "standard output" in one_error_line(run("keygen", "--out", "-"))
    assert not (tmp_path / "-").exists()
    result = site.ca("crl", "--out", "-")
    assert result.code == 0 and result.out.startswith("-----BEGIN X509 CRL-----")
