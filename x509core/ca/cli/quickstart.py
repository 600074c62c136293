"""``x509core quickstart DIR``: a working demo PKI in one command.

It makes a CA in DIR, a server certificate for ``localhost``, ``127.0.0.1`` and ``::1``, and a
client certificate bound to this machine; verifies all of them with x509core's validator; and
prints the files and how to use them (Python ``ssl``, curl, pynetdicom). The demo CA key stays
unencrypted (a warning says so) unless ``--encrypt`` is given; the leaf keys are unencrypted
PKCS#8, mode 0600, so that servers can load them without a prompt.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timezone
from pathlib import Path

from x509core.ca.cli.ca import binding_option, refuse_raw_san
from x509core.ca.cli.support import (CA_PASSPHRASE, KEY_SIZES, CLIError, Context,
                                     check_new_directory, check_outputs, format_serial)
from x509core.ca.cli.verify import expected_machine_identity

__all__ = ["register", "run_quickstart", "DEMO_ORGANIZATION", "OUTPUT_FILES"]

DEMO_ORGANIZATION = "x509core demo"
OUTPUT_FILES = ("ca.pem", "ca.key", "server.pem", "server.key", "client.pem", "client.key")
_SERVER_DNS = ("localhost",)
_SERVER_IP = ("127.0.0.1", "::1")
# What `quickstart --help` says: plain text (the module docstring above is reStructuredText).
_DESCRIPTION = """\
It makes a CA in DIR, a server certificate for localhost, 127.0.0.1 and ::1, and a client
certificate bound to this machine; verifies all of them with x509core's validator; and prints the
files and how to use them (Python ssl, curl, pynetdicom). The demo CA key stays unencrypted (a
warning says so) unless --encrypt is given; the leaf keys are unencrypted PKCS#8, mode 0600, so
that servers can load them without a prompt."""


def register(sub, common) -> None:
    p = sub.add_parser("quickstart", parents=[common], help="a demo CA, server and client "
                       "certificate in DIR, verified, with usage examples",
                       description=_DESCRIPTION)
    p.add_argument("directory", metavar="DIR", help="where to put the demo PKI (created; 0700)")
    p.add_argument("--machine-id", default="auto", metavar="auto|VALUE",
                   help="bind the client certificate to this id (default: this machine)")
    p.add_argument("--raw", action="store_true", help="bind the raw machine id (as the seed "
                   "system does) instead of the derived one")
    binding_option(p, "seed")
    p.add_argument("--key-bits", type=int, choices=KEY_SIZES, default=4096, metavar="BITS",
                   help="RSA size of the three keys: 2048, 3072 or 4096 (default 4096)")
    p.add_argument("--encrypt", action="store_true", help="encrypt the demo CA key (passphrase "
                   "from --passphrase-file, $X509CORE_PASSPHRASE or a prompt)")
    p.set_defaults(run=run_quickstart)


def run_quickstart(ctx: Context) -> int:
    from x509core.ca.issuance.certificate_authority import CertificateAuthority
    args = ctx.args
    directory = Path(args.directory)
    check_new_directory(directory)               # every output checked before any key is made
    if directory.is_dir():
        check_outputs(*(directory / name for name in (*OUTPUT_FILES, "inventory.sqlite3")))
    if args.raw and args.machine_id != "auto":
        raise CLIError("--raw goes with --machine-id auto")
    refuse_raw_san(args)
    if args.binding == "san" and args.machine_id != "auto":
        from x509core.ca.issuance import inputs
        inputs.check_binding_id(args.machine_id, "san")   # before any key is generated
    from x509core.ca.authority import write_new_ca
    write_new_ca(directory, check_only=True)        # someone's non-empty directory is refused
    machine = _machine_identity(ctx)
    passphrase = ctx.secret(CA_PASSPHRASE, confirm=True) if args.encrypt else None
    if passphrase is None:
        ctx.warn(f"the demo CA key {directory / 'ca.key'} is UNENCRYPTED; for a real site use "
                 "`x509core ca init`, which encrypts it")
    ca = ctx.keep(CertificateAuthority.create(
        directory, subject=f"/O={DEMO_ORGANIZATION}/CN=x509core demo root CA",
        passphrase=passphrase, key=ctx.new_key(args.key_bits, "CA"),
        inventory=ctx.inventory_location))
    server_key = ctx.new_key(args.key_bits, "server")
    server = ca.issue_server(dns=_SERVER_DNS, ip=_SERVER_IP, common_name="localhost",
                             org=DEMO_ORGANIZATION, public_key=server_key.public_key())
    client_key = ctx.new_key(args.key_bits, "client")
    client_id = "DEMO" + secrets.token_hex(6).upper()        # 16 letters and digits
    client = ca.issue_client(org=DEMO_ORGANIZATION, client_id=client_id, machine_id=machine,
                             public_key=client_key.public_key(), binding=args.binding)
    ctx.write_public(directory / "server.pem", server.certificate.to_pem())
    ctx.write_key(directory / "server.key", server_key, None)
    ctx.write_public(directory / "client.pem", client.certificate.to_pem())
    ctx.write_key(directory / "client.key", client_key, None)
    checks = _verify_all(ca.certificate, server.certificate, client.certificate, machine)
    _explain(ctx, directory, ca, server.certificate, client.certificate, checks)
    return 0


def _machine_identity(ctx: Context) -> str:
    """The id to bind the demo client to. A machine without a machine id (a bare container)
    still gets its demo, bound to a random id, with a warning; an explicit id must be valid."""
    from x509core.ca.issuance import inputs
    from x509core.ca.machine import MachineIdError
    try:                                  # checked here, before the CA and its key are made
        return inputs.check_machine_id(expected_machine_identity(ctx.args.machine_id,
                                                                   ctx.args.raw))
    except MachineIdError as exc:
        if ctx.args.machine_id != "auto" or ctx.args.raw:     # the raw id was asked for
            raise
        stand_in = uuid.uuid4().hex          # random, and a UUID as the derived id is
        ctx.warn(f"{exc}; the demo client certificate is bound to the random id {stand_in} "
                 "instead (give --machine-id VALUE to choose)")
        return stand_in


def _verify_all(root, server, client, machine: str) -> list[str]:
    """Validate what was made, as a relying party would; raises if anything is wrong."""
    from x509core import MedicalImagingPolicy, verify_chain
    now = datetime.now(timezone.utc)
    done = []
    for name in (*_SERVER_DNS, *_SERVER_IP):
        verify_chain(server, trust_anchors=[root], purpose="server", peer_name=name, at=now)
        done.append(f"server.pem valid for {name} (serverAuth)")
    policy = MedicalImagingPolicy(machine_identity=machine, organizations=(DEMO_ORGANIZATION,))
    verify_chain(client, trust_anchors=[root], purpose="client", at=now, policy=policy)
    where = "subjectAltName urn:uuid:" if client.machine_binding.carrier == "san" else "seed extension"
    done.append(f"client.pem valid (clientAuth), bound to this machine ({machine}, {where}), "
                f"organization {DEMO_ORGANIZATION!r}")
    return done


def _explain(ctx: Context, directory: Path, ca, server, client, checks: list[str]) -> None:
    d = directory
    ctx.out(f"made a demo PKI in {d}:")
    for name, what in (("ca.pem", "the CA certificate: trust it on both ends"),
                       ("ca.key", "the CA key (also in this directory: inventory.sqlite3, issued/)"),
                       ("server.pem", f"server certificate, serial {format_serial(server.serial_number)}"),
                       ("server.key", "server key (PKCS#8, 0600)"),
                       ("client.pem", f"client certificate {client.subject.rfc4514()}"),
                       ("client.key", "client key (PKCS#8, 0600)")):
        ctx.out(f"  {str(d / name).ljust(len(str(d / 'server.pem')))}  {what}")
    ctx.out("verified:")
    for line in checks:
        ctx.out(f"  {line}")
    automatic = ctx.args.machine_id == "auto" and client.machine_identity == _auto_id(ctx)
    hint = ("auto --raw" if ctx.args.raw else "auto") if automatic else client.machine_identity
    for line in _USAGE.split("\n"):            # one line at a time: each is escaped
        ctx.out(line.format(d=d, hint=hint))


def _auto_id(ctx: Context) -> str | None:
    from x509core.ca.machine import MachineIdError
    try:
        return expected_machine_identity("auto", ctx.args.raw)
    except MachineIdError:
        return None


_USAGE = """
Use them:

  Python ssl, server (mutual TLS):
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile="{d}/ca.pem")
    server_ctx.load_cert_chain("{d}/server.pem", "{d}/server.key")
    server_ctx.verify_mode = ssl.CERT_REQUIRED

  Python ssl, client:
    client_ctx = ssl.create_default_context(cafile="{d}/ca.pem")
    client_ctx.load_cert_chain("{d}/client.pem", "{d}/client.key")

  curl (against a server on port 8443):
    curl --cacert {d}/ca.pem --cert {d}/client.pem --key {d}/client.key https://localhost:8443/

  pynetdicom, C-ECHO over TLS (server_ctx / client_ctx: the two contexts above):
    scp = AE(); scp.add_supported_context("1.2.840.10008.1.1")
    scp.start_server(("127.0.0.1", 11112), block=False, ssl_context=server_ctx)
    scu = AE(); scu.add_requested_context("1.2.840.10008.1.1")
    assoc = scu.associate("127.0.0.1", 11112, tls_args=(client_ctx, "localhost"))

  Check a certificate (exit 0 valid, 1 invalid):
    x509core verify {d}/client.pem --ca {d}/ca.pem --purpose client --machine {hint}
    x509core --ca-dir {d} list"""
