"""The CA with the subjectAltName carrier of the machine binding (issue 15): ``binding="san"``
on issue_client and sign_csr (a CSR's carrier kept), the inventory's ``binding`` column on
every path that writes a row (issuance, renewal, adoption after a crash, the first layout's
upgrade, migration to PostgreSQL), and the command line: ``--binding`` on ``csr``, ``issue
client`` and ``quickstart``, ``--binding san --raw`` refused, ``verify --machine``, ``show``
and ``list --json``."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.ca.conftest import CLIENT_ID, MAC, MACHINE_ID, ORG
from tests.ca.inventory.test_schema import _OLD_SCHEMA
from tests.ca.cli.test_cli import fast_keys_and_machine, one_error_line, run, site  # noqa: F401
from tests.ca.cli.test_cli import TEST_MACHINE_ID
from x509core import load_pem_certificate, load_pem_csr
from x509core.ca import machine
from x509core.ca.issuance.certificate_authority import CertificateAuthority
from x509core.ca.issuance.issuing import SIGNATURE_HASH
from x509core.cert import CSRBuilder, Name, oids
from x509core.cert.extensions import MachineIdentity
from x509core.errors import InvalidValue

UUID_URN = "urn:uuid:c417aa48-02b3-441d-931c-135cbdaab367"
MAC_URN = "urn:dev:mac:18c04dfac0a8"
OTHER_ID = "0123456789abcdef0123456789abcdef"


def _san_uris(cert) -> list[str]:
    san = cert.subject_alternative_name
    return [] if san is None else [name.value for name in san.names]


def _seed_oids(cert) -> set:
    return {ext.oid for ext in cert.extensions} & {oids.OID_MACHINE_IDENTITY, oids.OID_MAC_ADDRESS}


def _client(ca, leaf_key, **kwargs):
    kwargs.setdefault("machine_id", MACHINE_ID)
    return ca.issue_client(org=ORG, client_id=CLIENT_ID, public_key=leaf_key.public_key(),
                           **kwargs)


def _csr(leaf_key, carrier=None, machine_id=MACHINE_ID, mac=MAC):
    builder = CSRBuilder().with_subject(Name.build([("O", ORG), ("CN", CLIENT_ID)]))
    if carrier is not None:
        builder = builder.with_machine_binding(machine_id, mac, binding=carrier)
    return builder


# -- issuance ------------------------------------------------------------------------------------

def test_issue_client_with_the_san_carrier(engine_ca, leaf_key):
    ca = engine_ca()
    issued = _client(ca, leaf_key, mac=MAC, binding="san")
    cert = issued.certificate
    assert _san_uris(cert) == [UUID_URN, MAC_URN] and not _seed_oids(cert)
    assert not cert.extension(oids.OID_SUBJECT_ALT_NAME).critical
    assert max(int(arc) for ext in cert.extensions for arc in str(ext.oid).split(".")) < 2 ** 31
    assert (cert.machine_identity, cert.mac_address) == (MACHINE_ID, MAC)
    stored = ca.inventory.get(issued.record.serial)
    assert (stored.binding, stored.machine_identity, stored.mac_address) == ("san", MACHINE_ID, MAC)
    seed = _client(ca, leaf_key, mac=MAC)                                  # the default
    assert _seed_oids(seed.certificate) and not _san_uris(seed.certificate)
    assert ca.inventory.get(seed.record.serial).binding == "seed"
    assert [r.binding for r in ca.inventory.records(search=MACHINE_ID, search_field="machine")] \
        in (["san", "seed"], ["seed", "san"])


def test_san_identity_is_written_in_lower_case(shared_ca, leaf_key):
    cert = _client(shared_ca, leaf_key, machine_id=MACHINE_ID.upper(), binding="san").certificate
    assert _san_uris(cert) == [UUID_URN] and cert.machine_identity == MACHINE_ID


@pytest.mark.parametrize("kwargs, message", [
    ({"machine_id": "HZ109999HZ109999", "binding": "san"}, "UUID"),       # a raw seed id
    ({"machine_id": MACHINE_ID, "binding": "both"}, "'seed' or 'san'"),
    ({"machine_id": MACHINE_ID, "mac": "18:c0:4d", "binding": "san"}, "MAC address"),
])
def test_san_input_errors_leave_the_ca_unchanged(shared_ca, leaf_key, kwargs, message):
    before = len(shared_ca.inventory)
    with pytest.raises(InvalidValue, match=message):
        _client(shared_ca, leaf_key, **kwargs)
    assert len(shared_ca.inventory) == before


def test_mac_only_in_the_san_carrier(shared_ca, leaf_key):
    issued = _client(shared_ca, leaf_key, machine_id=None, mac=MAC, binding="san")
    assert _san_uris(issued.certificate) == [MAC_URN] and issued.record.binding == "san"
    unbound = _client(shared_ca, leaf_key, machine_id=None, binding="san")
    assert unbound.certificate.machine_binding is None and unbound.record.binding == "seed"


@pytest.mark.parametrize("carrier", ["seed", "san"])
def test_sign_csr_keeps_the_requests_carrier(shared_ca, leaf_key, carrier):
    issued = shared_ca.sign_csr(_csr(leaf_key, carrier).sign(leaf_key))
    binding = issued.certificate.machine_binding
    assert (binding.carrier, binding.machine_identity, binding.mac_address) == \
        (carrier, MACHINE_ID, MAC)
    assert issued.record.binding == carrier
    other = "seed" if carrier == "san" else "san"
    changed = shared_ca.sign_csr(_csr(leaf_key, carrier).sign(leaf_key), binding=other)
    assert changed.certificate.machine_binding.carrier == other       # the CA decides


def test_sign_csr_without_a_binding_is_seed(shared_ca, leaf_key):
    issued = shared_ca.sign_csr(_csr(leaf_key).sign(leaf_key), machine_id=MACHINE_ID)
    assert issued.certificate.machine_binding.carrier == "seed"


def test_a_csr_with_both_carriers_needs_a_choice(shared_ca, leaf_key):
    both = (_csr(leaf_key, "san").with_extension(MachineIdentity(MACHINE_ID), critical=False)
            .sign(leaf_key))
    with pytest.raises(InvalidValue, match="both"):
        shared_ca.sign_csr(both)
    assert shared_ca.sign_csr(both, binding="san").certificate.machine_binding.carrier == "san"


def test_a_csr_whose_carriers_disagree_is_refused(shared_ca, leaf_key):
    contradictory = (_csr(leaf_key, "san").with_extension(MachineIdentity(OTHER_ID), critical=False)
                     .sign(leaf_key))
    before = len(shared_ca.inventory)
    with pytest.raises(InvalidValue, match="contradictory"):
        shared_ca.sign_csr(contradictory, binding="san")
    assert len(shared_ca.inventory) == before


# -- every path that writes a row ----------------------------------------------------------------

def test_renew_keeps_the_carrier(make_ca, leaf_key):
    ca = make_ca()
    old = _client(ca, leaf_key, mac=MAC, binding="san")
    new = ca.renew(old.record.serial)
    assert _san_uris(new.certificate) == [UUID_URN, MAC_URN]
    assert ca.inventory.get(new.record.serial).binding == "san"


def test_an_adopted_certificate_keeps_its_carrier(engine_ca, leaf_key):
    """A process killed after writing the file and before completing the row: the reservation
    recorded the carrier from the TBSCertificate, and the repair completes it from the file."""
    from datetime import datetime, timedelta, timezone
    from x509core.ca.issuance import profiles
    ca = engine_ca()
    now = datetime.now(timezone.utc).replace(microsecond=0)
    builder = profiles.client_builder(ca.certificate, leaf_key.public_key(), now,
                                      now + timedelta(days=30), org=ORG, client_id=CLIENT_ID,
                                      machine_id=MACHINE_ID, mac=MAC,
                                      binding="san").with_serial_number(0x5A5A5A5A5A)
    record = ca._reservation(builder, "client")
    assert record.binding == "san"
    ca.inventory.reserve(record)
    pem = builder.sign(ca.key, SIGNATURE_HASH).to_pem()
    record.path.write_text(pem)
    assert ca._adopt(record.path, pem).binding == "san"
    found = ca.reconcile()
    assert found.adopted == (record.serial,)
    stored = ca.inventory.get(record.serial)
    assert (stored.status, stored.binding, stored.machine_identity) == ("valid", "san", MACHINE_ID)


def test_the_first_layout_upgrade_reads_the_carrier(make_ca, leaf_key):
    ca = make_ca()
    issued = {carrier: _client(ca, leaf_key, binding=carrier) for carrier in ("seed", "san")}
    directory = ca.directory
    ca.close()
    path = directory / "inventory.sqlite3"
    path.unlink()
    for suffix in ("-wal", "-shm"):
        (directory / f"inventory.sqlite3{suffix}").unlink(missing_ok=True)
    old = sqlite3.connect(path)
    old.executescript(_OLD_SCHEMA)
    for item in issued.values():
        r = item.record
        old.execute("INSERT INTO certificates VALUES (?, ?, ?, ?, ?, ?, ?, 'valid', NULL, NULL, "
                    "?, ?, ?)", (r.serial_hex, r.subject, r.profile, r.machine_identity, None,
                                 "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z",
                                 f"issued/{r.serial_hex}.pem", r.pem, "2026-01-01T00:00:00Z"))
    old.commit()
    old.close()
    with CertificateAuthority.open(directory) as upgraded:
        for carrier, item in issued.items():
            assert upgraded.inventory.get(item.record.serial).binding == carrier


@pytest.mark.postgres
def test_migration_copies_the_carrier(make_ca, leaf_key, postgres_cluster):
    ca = make_ca()
    serial = _client(ca, leaf_key, binding="san").record.serial
    directory = ca.directory
    ca.close()
    result = run("--ca-dir", directory, "inventory", "migrate", "--to",
                 postgres_cluster.new_database())
    assert result.code == 0, result.err
    with CertificateAuthority.open(directory) as moved:
        assert type(moved.inventory).__name__ == "PostgresInventory"
        assert moved.inventory.get(serial).binding == "san"


# -- the command line ---------------------------------------------------------------------------

def _derived() -> str:
    return machine.app_specific_id(TEST_MACHINE_ID)


def test_cli_csr_and_issue_with_the_san_carrier(site, tmp_path):
    csr_path, key_path = tmp_path / "m.csr", tmp_path / "m.key"
    made = run("csr", "--org", ORG, "--client-id", "CT01WORKSTATION9", "--binding", "san",
               "--mac", MAC, "--out", csr_path, "--key-out", key_path)
    assert made.code == 0, made.err
    assert "(in subjectAltName URIs)" in made.out
    csr = load_pem_csr(csr_path.read_text())
    assert csr.machine_binding.carrier == "san" and csr.machine_identity == _derived()
    cert_path = tmp_path / "m.pem"
    issued = site.ca("issue", "client", "--csr", csr_path, "--out", cert_path)
    assert issued.code == 0, issued.err
    assert "subjectAltName URIs" in issued.out
    cert = load_pem_certificate(cert_path.read_text())
    assert cert.machine_binding.carrier == "san" and not _seed_oids(cert)
    assert (cert.machine_identity, cert.mac_address) == (_derived(), MAC)
    ca_pem = site.ca_dir / "ca.pem"
    ok = run("verify", cert_path, "--ca", ca_pem, "--purpose", "client", "--machine", "auto",
             "--mac", MAC, "--org", ORG)
    assert ok.code == 0 and ok.out.startswith("OK:"), ok.out + ok.err
    refused = run("verify", cert_path, "--ca", ca_pem, "--machine", OTHER_ID, "--json")
    verdict = json.loads(refused.out)
    assert refused.code == 1 and verdict["category"] == "machine_binding_mismatch"
    # The CSR's carrier is kept unless --binding says otherwise.
    seed_path = tmp_path / "seed.pem"
    assert site.ca("issue", "client", "--csr", csr_path, "--binding", "seed", "--out",
                   seed_path).code == 0
    assert load_pem_certificate(seed_path.read_text()).machine_binding.carrier == "seed"


def test_cli_issue_client_without_a_csr(site, tmp_path):
    out = tmp_path / "k.pem"
    result = site.ca("issue", "client", "--org", ORG, "--client-id", "CT01WORKSTATION8",
                     "--machine-id", MACHINE_ID, "--binding", "san", "--no-encrypt",
                     "--key-bits", "2048", "--out", out, "--key-out", tmp_path / "k.key")
    assert result.code == 0, result.err
    assert _san_uris(load_pem_certificate(out.read_text())) == [UUID_URN]


@pytest.mark.parametrize("argv, words", [
    (("csr", "--org", ORG, "--client-id", "CT01WORKSTATION7", "--binding", "san", "--raw"),
     "--raw binds the seed system's raw machine id"),
    (("issue", "client", "--org", ORG, "--client-id", "CT01WORKSTATION7", "--machine-id", "auto",
      "--raw", "--binding", "san", "--no-encrypt"), "--raw binds the seed system's raw machine id"),
    (("quickstart", "QS", "--raw", "--binding", "san"), "--raw binds"),
    (("issue", "client", "--org", ORG, "--client-id", "CT01WORKSTATION7", "--machine-id",
      "HZ109999HZ109999", "--binding", "san", "--no-encrypt"), "UUID"),
    (("csr", "--org", ORG, "--client-id", "CT01WORKSTATION7", "--binding", "both"), "invalid choice"),
])
def test_cli_refusals(site, tmp_path, argv, words):
    argv = tuple(str(tmp_path / a) if a == "QS" else a for a in argv)
    before = sorted(p.name for p in tmp_path.iterdir())
    result = site.ca(*argv) if argv[0] == "issue" else run(*argv)
    if words == "invalid choice":                   # argparse's own usage error
        assert result.code == 2 and words in result.err
    else:
        assert words in one_error_line(result)
    assert sorted(p.name for p in tmp_path.iterdir()) == before     # nothing written


def test_cli_raw_refused_for_a_san_csr(site, tmp_path):
    csr_path = tmp_path / "r.csr"
    assert run("csr", "--org", ORG, "--client-id", "CT01WORKSTATION6", "--binding", "san",
               "--out", csr_path, "--key-out", tmp_path / "r.key").code == 0
    line = one_error_line(site.ca("issue", "client", "--csr", csr_path, "--machine-id", "auto",
                                  "--raw", "--out", tmp_path / "r.pem"))
    assert "subjectAltName" in line and not (tmp_path / "r.pem").exists()


def test_cli_show_and_list_name_the_carrier(site, tmp_path):
    out = tmp_path / "s.pem"
    assert site.ca("issue", "client", "--org", ORG, "--client-id", "CT01WORKSTATION5",
                   "--machine-id", MACHINE_ID, "--mac", MAC, "--binding", "san", "--no-encrypt",
                   "--key-bits", "2048", "--out", out, "--key-out", tmp_path / "s.key").code == 0
    shown = run("show", out)
    assert shown.code == 0
    assert f"URI:{UUID_URN}, URI:{MAC_URN}" in shown.out                # OpenSSL's SAN line
    assert (f"Machine binding: machine {MACHINE_ID}, MAC {MAC} (in the subjectAltName URIs"
            in shown.out)
    data = json.loads(run("show", out, "--json").out)
    assert (data["machine_identity"], data["mac_address"]) == (MACHINE_ID, MAC)
    assert data["machine_binding"]["carrier"] == "san"
    seed_out = tmp_path / "t.pem"
    assert site.ca("issue", "client", "--org", ORG, "--client-id", "CT01WORKSTATION4",
                   "--machine-id", MACHINE_ID, "--no-encrypt", "--key-bits", "2048",
                   "--out", seed_out, "--key-out", tmp_path / "t.key").code == 0
    assert "(in the seed extensions 1.3.6.1.4.15967132172.1/.2)" in run("show", seed_out).out
    assert "Machine binding: none" in run("show", site.ca_dir / "ca.pem").out
    listed = {row["serial"]: row for row in json.loads(site.ca("list", "--json").out)}
    serial = load_pem_certificate(out.read_text()).serial_number
    row = next(r for r in listed.values() if int(r["serial"].replace(":", ""), 16) == serial)
    assert (row["binding"], row["machine_identity"], row["mac_address"]) == ("san", MACHINE_ID, MAC)
    seed_serial = load_pem_certificate(seed_out.read_text()).serial_number
    assert next(r for r in listed.values()
                if int(r["serial"].replace(":", ""), 16) == seed_serial)["binding"] == "seed"


def test_cli_quickstart_with_the_san_carrier(tmp_path):
    result = run("quickstart", tmp_path / "demo", "--binding", "san")
    assert result.code == 0, result.err
    client = load_pem_certificate((tmp_path / "demo" / "client.pem").read_text())
    assert client.machine_binding.carrier == "san" and not _seed_oids(client)
    assert client.machine_identity == _derived()
    assert "subjectAltName urn:uuid:" in result.out
    listed = json.loads(run("list", "--ca-dir", tmp_path / "demo", "--json").out)
    assert sorted(row["binding"] for row in listed) == ["san", "seed"]   # client, server
    verified = run("verify", tmp_path / "demo" / "client.pem", "--ca", tmp_path / "demo" / "ca.pem",
                   "--purpose", "client", "--machine", "auto")
    assert verified.code == 0, verified.out
