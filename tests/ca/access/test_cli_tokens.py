"""``x509core token create|list|revoke`` and ``x509core audit``, in-process (``main(argv)``): the
token alone on stdout, never a secret in a listing, one-line refusals with exit status 2, and
the audit trail as a table (control characters escaped) or as JSON lines, filtered."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.ca.conftest import MACHINE_ID
from tests.ca.cli.test_cli import one_error_line, run
from x509core.ca.cli.tokens import parse_ttl
from x509core.ca.inventory.records import Actor
from x509core.ca.tokens import token_state


@pytest.fixture
def ca_dir(make_ca, monkeypatch):
    ca = make_ca()
    monkeypatch.setenv("X509CORE_CA_DIR", str(ca.directory))
    return ca


def test_token_create_prints_the_token_alone(ca_dir):
    result = run("token", "create", "--profile", "client", "--client-id", "CT01WORKSTATION1",
                 "--machine-id", MACHINE_ID, "--org", "Example Clinic", "--uses", "3",
                 "--ttl", "2h")
    assert result.code == 0, result.err
    presented = result.out.strip()
    assert result.out == presented + "\n" and len(presented.split(".")) == 2
    token = ca_dir.inventory.token(presented[:16])
    assert (token.profile, token.uses_allowed) == ("client", 3)
    assert token.constraints == {"client_id": "CT01WORKSTATION1", "machine_id": MACHINE_ID,
                                 "organization": "Example Clinic", "binding": "seed"}
    assert timedelta(hours=2) - timedelta(seconds=5) < token.expires_at - token.created_at \
        <= timedelta(hours=2)
    assert "shown only now" in result.err and presented not in result.err
    server = run("token", "create", "--profile", "server", "--dns", "PACS.example.org",
                 "--ip", "10.0.0.5")
    assert server.code == 0
    listing = run("token", "list")
    secret = presented.split(".")[1]
    assert secret not in listing.out and server.out.split(".")[1] not in listing.out
    assert "client-id=CT01WORKSTATION1" in listing.out and "dns=pacs.example.org" in listing.out
    as_json = json.loads(run("token", "list", "--json").out)
    assert {t["id"] for t in as_json} == {presented[:16], server.out[:16]}
    assert all(set(t) >= {"state", "uses_spent", "constraints"} and "secret_hash" not in t
               for t in as_json)


def test_token_revoke_and_list_active(ca_dir):
    presented = run("token", "create", "--profile", "client").out.strip()
    assert run("token", "revoke", presented[:16].upper()).code == 0
    assert token_state(ca_dir.inventory.token(presented[:16])) == "revoked"
    active = run("token", "list", "--active")
    assert active.code == 0 and active.out == "" and "no tokens" in active.err
    assert "unknown enrollment token" in one_error_line(run("token", "revoke", "f" * 16))
    assert "not a token id" in one_error_line(run("token", "revoke", "nope"))


@pytest.mark.parametrize("argv, words", [
    (["--profile", "server"], "must name the DNS names"),
    (["--profile", "client", "--dns", "x.example"], "no DNS names"),
    (["--profile", "client", "--client-id", "CT01"], "client id"),
    (["--profile", "client", "--ttl", "1y"], "--ttl"),
    (["--profile", "client", "--ttl", "400d"], "at most 365 days"),
    (["--profile", "client", "--uses", "0"], "1 to 100000 uses"),
    (["--profile", "client", "--uses", "many"], "--uses must be a whole number"),
    (["--profile", "client", "--binding", "subject"], "invalid choice"),
    (["--profile", "client", "--binding", "san", "--machine-id", "HZ1099990000AAAA"], "32 hex"),
])
def test_token_create_refusals_are_one_line(ca_dir, argv, words):
    assert words in one_error_line(run("token", "create", *argv))
    assert ca_dir.inventory.tokens() == []


def test_parse_ttl():
    assert parse_ttl("24h") == timedelta(hours=24) and parse_ttl("2W") == timedelta(weeks=2)
    assert parse_ttl("90s") == timedelta(seconds=90) and parse_ttl("30m") == timedelta(minutes=30)


def test_audit_as_a_table_and_as_json_lines(ca_dir, leaf_key):
    issued = ca_dir.issue_server(dns=["pacs.example.org"], public_key=leaf_key.public_key())
    ca_dir.revoke(issued.record.serial, "keyCompromise")
    ca_dir.inventory.append_audit(Actor("token", "0123456789abcdef", "192.0.2.9").event(
        "enroll", outcome="failure", detail="403 CN=\x1b[31mred\\ \u202eevil"))
    table = run("audit")
    assert table.code == 0
    lines = table.out.splitlines()
    assert lines[0].split() == ["AT", "ACTION", "OUTCOME", "ACTOR", "SOURCE", "TARGET", "DETAIL"]
    assert [line.split()[1] for line in lines[1:]] == ["issue", "revoke", "enroll"]
    assert "\x1b" not in table.out and "\u202e" not in table.out
    assert "CN=\\1B[31mred\\\\ \\u202Eevil" in lines[-1]
    assert "token:0123456789abcdef" in lines[-1] and "192.0.2.9" in lines[-1]
    assert lines[1].split()[3] == "cli"                   # a local command: not "cli:cli"
    events = [json.loads(line) for line in run("audit", "--json").out.splitlines()]
    assert [e["action"] for e in events] == ["issue", "revoke", "enroll"]
    assert events[1]["target"] == issued.record.serial_hex and events[1]["detail"] == "keyCompromise"
    assert events[2]["detail"].startswith("403 CN=\x1b") and events[0]["node"]
    failures = run("audit", "--json", "--outcome", "failure", "--action", "enroll")
    assert [json.loads(line)["source"] for line in failures.out.splitlines()] == ["192.0.2.9"]
    assert run("audit", "--json", "--since", "2999-01-01").out == ""
    assert len(run("audit", "--json", "--until", "2999-01-01", "--limit", "2").out.splitlines()) == 2
    assert run("audit", "--target", issued.record.serial_hex).out.count("\n") == 3
    assert "not an ISO-8601 time" in one_error_line(run("audit", "--since", "yesterday"))
    for option in ("--since", "--until"):                 # given empty: refused, not ignored
        assert "not an ISO-8601 time" in one_error_line(run("audit", option, ""))


def test_audit_actor_as_the_table_shows_it_and_unknown_actions_refused(ca_dir):
    """``--actor`` takes ``KIND:NAME`` as the ACTOR column prints it, or the name alone; an
    action the trail never records is refused (a typo is not an empty trail)."""
    for actor in (Actor("admin", "alice"), Actor("token", "alice"), Actor("token", "0a1b")):
        ca_dir.inventory.append_audit(actor.event("token-create", "t1"))

    def actors(*argv):
        out = run("audit", "--json", *argv).out.splitlines()
        return [(e["actor_kind"], e["actor"]) for e in map(json.loads, out)]
    assert actors("--actor", "admin:alice") == [("admin", "alice")]
    assert actors("--actor", "token:alice") == [("token", "alice")]
    assert actors("--actor", "alice") == [("admin", "alice"), ("token", "alice")]
    assert actors("--actor", "token:0a1b") == actors("--actor", "0a1b") == [("token", "0a1b")]
    assert "admin:alice" in run("audit", "--actor", "admin:alice").out
    line = one_error_line(run("audit", "--action", "isue"))
    assert "--action must be one of" in line and "admin-login" in line and "'isue'" in line
    assert run("audit", "--action", "admin-login").code == 0


def test_a_token_that_cannot_be_printed_is_revoked(ca_dir):
    """`token create > /dev/full`: the token is made, but its one showing fails; left active,
    it would be a usable credential no one has. It is revoked, and the one line says so."""
    import subprocess
    import sys
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "x509core", "token", "create",
                                 "--ca-dir", str(ca_dir.directory), "--profile", "client"],
                                stdout=full, stderr=subprocess.PIPE, text=True, timeout=60)
    assert result.returncode == 2, result.stderr
    line, = result.stderr.strip().splitlines()
    assert "No space left on device" in line and "was never shown, so it is revoked" in line
    token, = ca_dir.inventory.tokens()
    assert token.id in line and token_state(token) == "revoked"

