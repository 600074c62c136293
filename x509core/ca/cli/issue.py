"""``x509core issue client`` and ``x509core issue server``: certificates from the CA.

From a CSR (preferred: the key never leaves the machine that made it) or, without one, with a
key made here and written encrypted (PKCS#8, 0600) unless ``--no-encrypt`` is given. Inputs are
checked before any key is generated (an RSA-4096 key takes seconds), and so are the output
files (support.check_outputs: not there yet, a writable directory, two different files), so a
bad one stops the command before anything is issued.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace

from x509core.ca.cli.ca import (bound_machine, check_client_inputs, client_options,
                                key_bits_option, load_csr, safe_file_stem)
from x509core.ca.cli.support import (BINDING_PLACES, KEY_PASSPHRASE, CLIError, Context,
                                     check_outputs, error_text, format_serial, parse_not_after,
                                     positive_days)
from x509core.ca.cli.verify import expected_mac_address

__all__ = ["register", "run_issue_client", "run_issue_server", "BINDING_PLACES", "kept_anyway"]


@contextmanager
def kept_anyway(done: str):
    """Around a write that follows work already done and recorded (a certificate signed, a CRL
    published): if it fails (a full disk, a name taken meanwhile), the one error line also
    says what was kept and where, so that the operator does not sign it again."""
    from x509core.errors import X509CoreError
    try:
        yield
    except (OSError, X509CoreError) as exc:
        raise CLIError(f"{error_text(exc)}; {done}") from None


def _key_output(parser, name: str) -> None:
    parser.add_argument("--key-out", metavar="FILE", help=f"where to write the new private key "
                        f"(default {name}.key)")
    parser.add_argument("--no-encrypt", action="store_true", help="write the new private key "
                        "unencrypted (only on request; protect the file)")
    parser.add_argument("--key-passphrase-file", metavar="FILE", help="passphrase for the new "
                        "key (else $X509CORE_KEY_PASSPHRASE, else a prompt)")


def _validity(parser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--not-after", metavar="YYYYMMDD", help="valid through this day (UTC)")
    group.add_argument("--days", metavar="N", help="valid for N days from now")


def register(sub, common) -> None:
    issue = sub.add_parser("issue", parents=[common], help="issue a client or server certificate")
    issue_sub = issue.add_subparsers(dest="issue_command", metavar="issue COMMAND", required=True)
    ic = issue_sub.add_parser("client", parents=[common], help="a client certificate bound to a "
                              "machine (EKU clientAuth)")
    ic.add_argument("--csr", metavar="FILE", help="sign this CSR (preferred); else a key is made")
    client_options(ic, machine_default=None, from_csr=True)
    _issue_common(ic, "CLIENT-ID")
    ic.set_defaults(run=run_issue_client)

    isv = issue_sub.add_parser("server", parents=[common], help="a server certificate (EKU "
                               "serverAuth) for HTTPS or DICOM TLS")
    isv.add_argument("--csr", metavar="FILE", help="sign this CSR; else a key is made")
    isv.add_argument("--dns", action="append", default=[], metavar="NAME", help="a DNS name "
                     "(subjectAltName; repeatable)")
    isv.add_argument("--ip", action="append", default=[], metavar="ADDRESS",
                     help="an IP address (subjectAltName; repeatable)")
    isv.add_argument("--cn", metavar="NAME", help="subject CN (default: the first name)")
    isv.add_argument("--org", metavar="ORG", help="subject O")
    isv.add_argument("--also-client", action="store_true", help="add EKU clientAuth (DICOM "
                     "peers that both listen and call)")
    _issue_common(isv, "NAME")
    isv.set_defaults(run=run_issue_server)


def _issue_common(parser, name: str) -> None:
    _validity(parser)
    parser.add_argument("--out", metavar="FILE", help=f"the certificate file (default {name}.pem)")
    _key_output(parser, name)
    key_bits_option(parser, "new")


def _validity_kwargs(args) -> dict:
    """``not_after`` or ``days`` for the issuer, checked now (a date in the past is refused
    before any key is generated)."""
    from x509core.ca.issuance import inputs
    if args.not_after:
        kwargs = {"not_after": parse_not_after(args.not_after)}
    elif args.days:
        kwargs = {"days": positive_days(args.days)}
    else:
        return {}
    inputs.validity(None, days=kwargs.get("days"), not_after=kwargs.get("not_after"),
                      default_days=1)
    return kwargs


def _deliver(ctx: Context, issued, out: str, key_out: str | None, passphrase) -> None:
    """Write the certificate (and a key the CA made) and say where everything went."""
    cert = issued.certificate
    serial = format_serial(cert.serial_number)
    kept = f"the certificate {serial} is issued and recorded ({issued.record.path})"
    if issued.private_key is not None and key_out is not None:
        with kept_anyway(f"{kept}, but its new private key is lost: revoke it (x509core revoke "
                         f"{serial}) and issue again"):
            written = ctx.write_key(key_out, issued.private_key, passphrase)
        ctx.out(f"wrote the private key {written}"
                + (" (encrypted)" if passphrase else " (UNENCRYPTED)"))
        if passphrase is None:
            ctx.warn(f"{key_out} is not encrypted (--no-encrypt): protect the file")
    with kept_anyway(f"{kept}: copy it from there"):
        written = ctx.write_public(out, cert.to_pem())
    ctx.out(f"wrote the certificate {written}")
    ctx.out(f"  serial      {format_serial(cert.serial_number)}")
    ctx.out(f"  subject     {cert.subject.rfc4514()}")
    ctx.out(f"  not after   {cert.not_valid_after:%Y-%m-%d %H:%M:%SZ}")
    # Every name certified, also those a CSR asked for: the operator sees what was signed.
    san = cert.subject_alternative_name
    for name in (san.names if san is not None else ()):
        ctx.out(f"  SAN         {_san_entry(name)}")
    if cert.machine_identity:
        ctx.out(f"  machine     {cert.machine_identity}")
    if cert.mac_address:
        ctx.out(f"  MAC address {cert.mac_address}")
    if cert.machine_binding is not None:
        ctx.out(f"  binding     {BINDING_PLACES[cert.machine_binding.carrier]}")


def _san_entry(name) -> str:
    """``DNS:pacs.example.org``, ``IP:10.0.0.5`` (compressed IPv6, as --ip takes it)."""
    from x509core.cert.names.general_name import DNSName, IPAddress
    if isinstance(name, DNSName):
        return f"DNS:{name.value}"
    if isinstance(name, IPAddress):
        return f"IP:{name.value}"
    return name.text()


def _generated(ctx: Context, what: str):
    """The passphrase for a key the CA makes, then the key."""
    passphrase = None if ctx.args.no_encrypt else ctx.secret(KEY_PASSPHRASE, confirm=True)
    return passphrase, ctx.new_key(ctx.args.key_bits, what)


def run_issue_client(ctx: Context) -> int:
    args = ctx.args
    csr = load_csr(args.csr) if args.csr else None
    client_id = args.client_id or (csr.subject.common_name if csr else None)
    if not client_id:
        raise CLIError("--client-id is required (or a CSR whose subject has a CN)")
    out = args.out or f"{safe_file_stem(client_id)}.pem"
    key_out = None if csr else (args.key_out or f"{safe_file_stem(client_id)}.key")
    check_outputs(out, key_out)
    if csr is None and (not args.org or args.machine_id is None):
        raise CLIError("without --csr, give --org, --client-id and --machine-id auto|VALUE|none")
    if args.raw and args.binding is None and csr is not None and csr.machine_binding is not None \
            and csr.machine_binding.carrier == "san":
        raise CLIError("--raw binds the seed system's raw machine id; this CSR asks for the "
                       "subjectAltName carrier, which carries the derived id only")
    machine = bound_machine(args) if args.machine_id is not None else None
    mac = expected_mac_address(args.mac)
    check_client_inputs(args.org, args.client_id, machine, mac, args.binding)
    kwargs = dict(_validity_kwargs(args), binding=args.binding)
    ca = ctx.open_ca()
    passphrase = None
    if csr is not None:
        for name, value in (("org", args.org), ("client_id", args.client_id),
                            ("machine_id", machine), ("mac", mac)):
            if value is not None:
                kwargs[name] = value
        kwargs.update(_left_out(ctx, csr))
        issued = ca.sign_csr(csr, profile="client", **kwargs)
    else:
        passphrase, key = _generated(ctx, "client")
        issued = ca.issue_client(org=args.org, client_id=client_id, machine_id=machine, mac=mac,
                                 public_key=key.public_key(), **kwargs)
        issued = _with_key(issued, key)
    _deliver(ctx, issued, out, key_out, passphrase)
    return 0


def _left_out(ctx: Context, csr) -> dict:
    """``machine_id=None`` / ``mac=None`` for ``--machine-id none`` / ``--mac none``: the
    certificate is issued without that binding even if the CSR asks for it, and stderr says so."""
    left_out = {}
    for option, name, requested in (("machine_id", "machine_id", csr.machine_identity),
                                    ("mac", "mac", csr.mac_address)):
        if getattr(ctx.args, option) == "none":
            left_out[name] = None
            if requested is not None:
                flag = "--" + option.replace("_", "-")
                ctx.warn(f"the CSR asks to bind {requested}; not bound ({flag} none)")
    return left_out


def _with_key(issued, key):
    return replace(issued, private_key=key)


def run_issue_server(ctx: Context) -> int:
    args = ctx.args
    csr = load_csr(args.csr) if args.csr else None
    if not (args.dns or args.ip or csr):
        raise CLIError("a server certificate needs at least one --dns NAME or --ip ADDRESS")
    named = [name for name in (*args.dns, *args.ip) if name]      # an empty one refused below
    first = args.cn or (named[0] if named else None) or (csr and csr.subject.common_name) \
        or "server"
    out = args.out or f"{safe_file_stem(first)}.pem"
    key_out = None if csr else (args.key_out or f"{safe_file_stem(first)}.key")
    check_outputs(out, key_out)
    given = {"dns": tuple(args.dns), "ip": tuple(args.ip), "common_name": args.cn,
             "org": args.org}
    if csr is None:                         # the names checked before a key is generated
        from x509core.ca.issuance import inputs
        inputs.server_names(**given)
    ca = ctx.open_ca()
    # With a CSR, what is not given on the command line comes from the CSR (its SAN, CN, O).
    kwargs = dict(_validity_kwargs(args), also_client=args.also_client,
                  **{name: value for name, value in given.items() if value})
    passphrase = None
    if csr is not None:
        issued = ca.sign_csr(csr, profile="server", **kwargs)
    else:
        passphrase, key = _generated(ctx, "server")
        issued = _with_key(ca.issue_server(public_key=key.public_key(), **kwargs), key)
    _deliver(ctx, issued, out, key_out, passphrase)
    return 0
