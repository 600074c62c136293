"""``issue client --csr ... --machine-id none --mac none`` issues without the binding the CSR
asked for (issue 16, item 11: the CSR's machine id was bound anyway).

Why honour rather than refuse: on the CA the operator decides what is certified and the CSR
only asks (RFC 2986 §3; x509core/ca/issuance/inputs.py takes from a CSR only what the operator did
not give), and ``none`` is how the operator says "no binding" without a CSR too. The command says
on stderr which requested binding it left out, so the choice is never silent.
"""

from __future__ import annotations

from tests.ca.conftest import MAC, MACHINE_ID
from tests.ca.cli.test_cli import fast_keys_and_machine, run  # noqa: F401
from x509core import CSRBuilder, Name, load_pem_certificate
from x509core.cert.extensions import MacAddress, MachineIdentity

OTHER_MACHINE = "fedcba9876543210fedcba9876543210"


def _request(tmp_path, leaf_key):
    request = (CSRBuilder().with_subject(Name.from_openssl("/O=Example Clinic/CN=CT01WORKSTATION1"))
               .with_extension(MachineIdentity(MACHINE_ID), critical=False)
               .with_extension(MacAddress(MAC), critical=False).sign(leaf_key))
    path = tmp_path / "ws.csr"
    path.write_text(request.to_pem())
    return path


def _issue(make_ca, tmp_path, leaf_key, *options):
    ca = make_ca()
    ca.close()
    out = tmp_path / "ws.pem"
    result = run("issue", "client", "--csr", _request(tmp_path, leaf_key), "--ca-dir",
                 ca.directory, "--out", out, *options)
    assert result.code == 0, result.err
    return result, load_pem_certificate(out.read_text())


def test_none_leaves_the_requested_binding_out_and_says_so(make_ca, tmp_path, leaf_key):
    result, cert = _issue(make_ca, tmp_path, leaf_key, "--machine-id", "none", "--mac", "none")
    assert cert.machine_identity is None and cert.mac_address is None
    assert MACHINE_ID in result.err and MAC in result.err and "not bound" in result.err
    assert "machine" not in result.out.split("not after")[1]        # the summary shows none


def test_only_the_mac_can_be_left_out(make_ca, tmp_path, leaf_key):
    _, cert = _issue(make_ca, tmp_path, leaf_key, "--mac", "none")
    assert (cert.machine_identity, cert.mac_address) == (MACHINE_ID, None)


def test_without_options_the_csr_binding_is_kept_and_a_value_replaces_it(make_ca, tmp_path,
                                                                          leaf_key):
    _, cert = _issue(make_ca, tmp_path, leaf_key)
    assert (cert.machine_identity, cert.mac_address) == (MACHINE_ID, MAC)
    (tmp_path / "ws.pem").unlink()
    _, cert = _issue(make_ca, tmp_path, leaf_key, "--machine-id", OTHER_MACHINE)
    assert (cert.machine_identity, cert.mac_address) == (OTHER_MACHINE, MAC)


def test_the_help_says_what_none_does():
    help_text = " ".join(run("issue", "client", "--help").out.split())
    assert "none: no binding, even if the CSR asks for one" in help_text
