"""``x509core ca init``, ``keygen``, ``csr``, ``issue client``, ``issue server`` and
``export-pkcs12``: making the CA, keys, requests and certificates.

Private keys are written as PKCS#8 PEM, mode 0600, atomically, and never over an existing file;
keys that leave the CA (``issue`` without a CSR) are encrypted unless ``--no-encrypt`` is given.
A CSR made on the client machine (``csr``) is the preferred way: its private key never leaves it.
"""

from __future__ import annotations

import re
from pathlib import Path

from x509core.ca.cli_support import (CA_PASSPHRASE, KEY_PASSPHRASE, KEY_SIZES, PKCS12_PASSWORD,
                                     CLIError, Context, format_serial, parse_not_after,
                                     positive_days, read_bytes)
from x509core.ca.cli_verify import expected_mac_address, expected_machine_identity

__all__ = ["register", "run_ca_init", "run_keygen", "run_csr", "run_issue_client",
           "run_issue_server", "run_export_pkcs12", "subject_name", "load_private_key"]


def _key_bits(parser, what: str) -> None:
    parser.add_argument("--key-bits", type=int, choices=KEY_SIZES, default=4096, metavar="BITS",
                        help=f"RSA size of the {what} key: 2048, 3072 or 4096 (default 4096)")


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
    ca = sub.add_parser("ca", parents=[common], help="the certificate authority itself")
    ca_sub = ca.add_subparsers(dest="ca_command", metavar="ca COMMAND", required=True)
    p = ca_sub.add_parser("init", parents=[common], help="create the root CA (RSA-4096, 10 years)")
    p.add_argument("--subject", metavar="DN", help="the CA's name: /C=../O=../CN=.. or RFC 4514")
    for flag, attr in (("--cn", "CN"), ("--org", "O"), ("--ou", "OU"), ("--country", "C"),
                       ("--state", "ST"), ("--locality", "L")):
        p.add_argument(flag, metavar=attr, help=f"the subject's {attr} (instead of --subject)")
    p.add_argument("--path-length", type=int, metavar="N",
                   help="basicConstraints pathLenConstraint (default: none)")
    p.add_argument("--days", default="3650", metavar="N", help="validity (default 3650)")
    _key_bits(p, "CA")
    p.add_argument("--no-encrypt", action="store_true", help="keep ca.key unencrypted "
                   "(only on request)")
    p.set_defaults(run=run_ca_init)

    k = sub.add_parser("keygen", parents=[common], help="a new RSA private key (PKCS#8, 0600)")
    k.add_argument("--out", required=True, metavar="FILE", help="the private key file")
    k.add_argument("--public-out", metavar="FILE", help="also write the public key")
    k.add_argument("--encrypt", action="store_true", help="encrypt the key (passphrase from "
                   "--key-passphrase-file, $X509CORE_KEY_PASSPHRASE or a prompt)")
    k.add_argument("--key-passphrase-file", metavar="FILE")
    _key_bits(k, "new")
    k.set_defaults(run=run_keygen)

    c = sub.add_parser("csr", parents=[common], help="on a client machine: a key and a CSR "
                       "bound to this machine (the key never leaves it)")
    _client_options(c, machine_default="auto")
    c.add_argument("--out", metavar="FILE", help="the CSR file (default CLIENT-ID.csr)")
    c.add_argument("--key", metavar="FILE", help="use this existing private key")
    c.add_argument("--key-out", metavar="FILE", help="the new key (default CLIENT-ID.key)")
    c.add_argument("--encrypt", action="store_true", help="encrypt the new key")
    c.add_argument("--key-passphrase-file", metavar="FILE")
    _key_bits(c, "client")
    c.set_defaults(run=run_csr)

    issue = sub.add_parser("issue", parents=[common], help="issue a client or server certificate")
    issue_sub = issue.add_subparsers(dest="issue_command", metavar="issue COMMAND", required=True)
    ic = issue_sub.add_parser("client", parents=[common], help="a client certificate bound to a "
                              "machine (EKU clientAuth)")
    ic.add_argument("--csr", metavar="FILE", help="sign this CSR (preferred); else a key is made")
    _client_options(ic, machine_default=None)
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

    x = sub.add_parser("export-pkcs12", parents=[common], help="certificate + key as PKCS#12 "
                       "(AES-256, SHA-256 MAC; OpenSSL 3 and Windows read it)")
    x.add_argument("--cert", required=True, metavar="FILE")
    x.add_argument("--key", required=True, metavar="FILE")
    x.add_argument("--chain", action="append", default=[], metavar="FILE",
                   help="CA certificate(s) to include (repeatable)")
    x.add_argument("--name", metavar="TEXT", help="friendly name")
    x.add_argument("--out", required=True, metavar="FILE.p12")
    x.add_argument("--password-file", metavar="FILE",
                   help="the PKCS#12 password (else $X509CORE_PKCS12_PASSWORD, else a prompt)")
    x.add_argument("--key-passphrase-file", metavar="FILE", help="when the key is encrypted")
    x.set_defaults(run=run_export_pkcs12)


def _client_options(parser, machine_default) -> None:
    parser.add_argument("--org", metavar="ORG", help="subject O, the organization")
    parser.add_argument("--client-id", metavar="ID", help="subject CN: 16 letters or digits")
    parser.add_argument("--machine-id", default=machine_default, metavar="auto|VALUE|none",
                        help="the machine to bind to (auto: this machine's derived id)")
    parser.add_argument("--raw", action="store_true", help="with --machine-id auto: bind the raw "
                        "machine id, as the seed system does")
    parser.add_argument("--mac", metavar="auto|VALUE|none", help="also bind a MAC address")


def _issue_common(parser, name: str) -> None:
    _validity(parser)
    parser.add_argument("--out", metavar="FILE", help=f"the certificate file (default {name}.pem)")
    _key_output(parser, name)
    _key_bits(parser, "new")


# -- helpers -------------------------------------------------------------------------------------

def subject_name(args):
    """The CA's Name from ``--subject`` (OpenSSL slash form or RFC 4514) or the attribute flags."""
    from x509core.cert import Name
    if args.subject:
        if any(getattr(args, a) for a in ("cn", "org", "ou", "country", "state", "locality")):
            raise CLIError("give --subject or the attribute flags (--cn, --org, ...), not both")
        text = args.subject.strip()
        return Name.from_openssl(text) if text.startswith("/") else Name.from_rfc4514(text)
    if not args.cn:
        raise CLIError("the CA needs a name: --cn NAME (with --org, --country, ...) or --subject")
    pairs = [(attr, getattr(args, dest)) for attr, dest in (
        ("C", "country"), ("ST", "state"), ("L", "locality"), ("O", "org"), ("OU", "ou"),
        ("CN", "cn")) if getattr(args, dest)]
    return Name.build(pairs)


def load_private_key(ctx: Context, name: str):
    """A private key file; asks for its passphrase only when it is encrypted."""
    from x509core.rsa import load_der_private_key, load_pem_private_key
    data = read_bytes(name)
    if data.lstrip().startswith(b"-----BEGIN"):
        password = ctx.secret(KEY_PASSPHRASE) if b"ENCRYPTED PRIVATE KEY" in data else None
        return load_pem_private_key(data, password)
    return load_der_private_key(data)


def _refuse_existing(*paths) -> None:
    for path in paths:
        if path is not None and Path(path).exists():
            raise CLIError(f"{path} exists; refusing to overwrite it (remove it or choose "
                           "another name)")


def _safe_file_stem(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", text).lstrip(".") or "certificate"


def _load_csr(name: str):
    from x509core.cert import load_der_csr, load_pem_csr
    data = read_bytes(name)
    try:
        return load_pem_csr(data) if data.lstrip().startswith(b"-----BEGIN") else load_der_csr(data)
    except ValueError as exc:
        raise CLIError(f"{name}: not a readable CSR: {exc}") from None


def _new_key_passphrase(ctx: Context, encrypt: bool) -> bytes | None:
    return ctx.secret(KEY_PASSPHRASE, confirm=True) if encrypt else None


# -- commands ------------------------------------------------------------------------------------

def run_ca_init(ctx: Context) -> int:
    from x509core.ca.issue import CertificateAuthority
    args = ctx.args
    directory = ctx.ca_dir
    _refuse_existing(directory / "ca.pem", directory / "ca.key")
    name = subject_name(args)
    days = positive_days(args.days)
    if args.no_encrypt:
        passphrase = None
        ctx.warn(f"{directory / 'ca.key'} will be stored UNENCRYPTED (--no-encrypt)")
    else:
        passphrase = ctx.secret(CA_PASSPHRASE, confirm=True)
    key = ctx.new_key(args.key_bits, "CA")
    ca = ctx.keep(CertificateAuthority.create(directory, subject=name, passphrase=passphrase,
                                     path_length=args.path_length, days=days, key=key))
    cert = ca.certificate
    ctx.out(f"created the CA in {ca.directory}")
    ctx.out(f"  subject     {cert.subject.rfc4514()}")
    ctx.out(f"  not after   {cert.not_valid_after:%Y-%m-%d %H:%M:%SZ}")
    ctx.out(f"  SHA-256     {cert.fingerprint('sha256').hex(':').upper()}")
    ctx.out(f"  certificate {ca.directory / 'ca.pem'} (give it to every relying party)")
    ctx.out(f"  key         {ca.directory / 'ca.key'}"
            + (" (encrypted)" if passphrase else " (UNENCRYPTED)"))
    return 0


def run_keygen(ctx: Context) -> int:
    args = ctx.args
    _refuse_existing(args.out, args.public_out)
    passphrase = _new_key_passphrase(ctx, args.encrypt)
    key = ctx.new_key(args.key_bits, "new")
    path = ctx.write_key(args.out, key, passphrase)
    ctx.out(f"wrote the RSA-{args.key_bits} private key {path}" + (" (encrypted)" if passphrase else ""))
    if args.public_out:
        ctx.out(f"wrote the public key {ctx.write_public(args.public_out, key.public_key().to_pem())}")
    return 0


def run_csr(ctx: Context) -> int:
    from x509core.cert import CSRBuilder, Name
    from x509core.cert.extensions import MacAddress, MachineIdentity
    args = ctx.args
    if not args.org or not args.client_id:
        raise CLIError("a client CSR needs --org and --client-id")
    out = args.out or f"{_safe_file_stem(args.client_id)}.csr"
    key_out = None if args.key else (args.key_out or f"{_safe_file_stem(args.client_id)}.key")
    _refuse_existing(out, key_out)
    machine = _machine(args)
    mac = expected_mac_address(args.mac)
    _check_client_inputs(args.org, args.client_id, machine, mac)
    builder = CSRBuilder().with_subject(Name.build([("O", args.org), ("CN", args.client_id)]))
    if machine is not None:
        builder = builder.with_extension(MachineIdentity(machine), critical=False)
    if mac is not None:
        builder = builder.with_extension(MacAddress(mac), critical=False)
    if args.key:
        key = load_private_key(ctx, args.key)
    else:
        passphrase = _new_key_passphrase(ctx, args.encrypt)
        key = ctx.new_key(args.key_bits, "client")
        ctx.out(f"wrote the private key {ctx.write_key(key_out, key, passphrase)} "
                "(keep it on this machine)")
    request = builder.sign(key)
    ctx.out(f"wrote the CSR {ctx.write_public(out, request.to_pem())}")
    ctx.out(f"  subject          {request.subject.rfc4514()}")
    ctx.out(f"  machine identity {machine or '(none)'}")
    if mac:
        ctx.out(f"  MAC address      {mac}")
    ctx.out(f"send it to the CA: x509core issue client --csr {out}")
    return 0


def _machine(args) -> str | None:
    if args.raw and args.machine_id != "auto":
        raise CLIError("--raw goes with --machine-id auto")
    if args.machine_id == "none":
        return None
    return expected_machine_identity(args.machine_id, args.raw)


def _validity_kwargs(args) -> dict:
    """``not_after`` or ``days`` for the issuer, checked now (a date in the past is refused
    before any key is generated)."""
    from x509core.ca import profiles
    if args.not_after:
        kwargs = {"not_after": parse_not_after(args.not_after)}
    elif args.days:
        kwargs = {"days": positive_days(args.days)}
    else:
        return {}
    profiles.validity(None, days=kwargs.get("days"), not_after=kwargs.get("not_after"),
                      default_days=1)
    return kwargs


def _deliver(ctx: Context, issued, out: str, key_out: str | None, passphrase) -> None:
    """Write the certificate (and a key the CA made) and say where everything went."""
    cert = issued.certificate
    if issued.private_key is not None and key_out is not None:
        ctx.out(f"wrote the private key {ctx.write_key(key_out, issued.private_key, passphrase)}"
                + (" (encrypted)" if passphrase else " (UNENCRYPTED)"))
        if passphrase is None:
            ctx.warn(f"{key_out} is not encrypted (--no-encrypt): protect the file")
    ctx.out(f"wrote the certificate {ctx.write_public(out, cert.to_pem())}")
    ctx.out(f"  serial      {format_serial(cert.serial_number)}")
    ctx.out(f"  subject     {cert.subject.rfc4514()}")
    ctx.out(f"  not after   {cert.not_valid_after:%Y-%m-%d %H:%M:%SZ}")
    if cert.machine_identity:
        ctx.out(f"  machine     {cert.machine_identity}")
    if cert.mac_address:
        ctx.out(f"  MAC address {cert.mac_address}")


def _generated(ctx: Context, what: str):
    """The passphrase for a key the CA makes, then the key."""
    passphrase = None if ctx.args.no_encrypt else ctx.secret(KEY_PASSPHRASE, confirm=True)
    return passphrase, ctx.new_key(ctx.args.key_bits, what)


def _check_client_inputs(org, client_id, machine, mac) -> None:
    """The seed system's input checks, before any key is generated (it takes seconds)."""
    from x509core.ca import profiles
    if org is not None:
        profiles.check_text(org, "organization")
    if client_id is not None:
        profiles.check_client_id(client_id)
    if machine is not None:
        profiles.check_machine_id(machine)
    if mac is not None:
        profiles.check_mac_address(mac)


def run_issue_client(ctx: Context) -> int:
    args = ctx.args
    csr = _load_csr(args.csr) if args.csr else None
    client_id = args.client_id or (csr.subject.common_name if csr else None)
    if not client_id:
        raise CLIError("--client-id is required (or a CSR whose subject has a CN)")
    out = args.out or f"{_safe_file_stem(client_id)}.pem"
    key_out = None if csr else (args.key_out or f"{_safe_file_stem(client_id)}.key")
    _refuse_existing(out, key_out)
    if csr is None and (not args.org or args.machine_id is None):
        raise CLIError("without --csr, give --org, --client-id and --machine-id auto|VALUE|none")
    machine = _machine(args) if args.machine_id is not None else None
    mac = expected_mac_address(args.mac)
    _check_client_inputs(args.org, args.client_id, machine, mac)
    kwargs = dict(_validity_kwargs(args))
    ca = ctx.open_ca()
    passphrase = None
    if csr is not None:
        for name, value in (("org", args.org), ("client_id", args.client_id),
                            ("machine_id", machine), ("mac", mac)):
            if value is not None:
                kwargs[name] = value
        issued = ca.sign_csr(csr, profile="client", **kwargs)
    else:
        passphrase, key = _generated(ctx, "client")
        issued = ca.issue_client(org=args.org, client_id=client_id, machine_id=machine, mac=mac,
                                 public_key=key.public_key(), **kwargs)
        issued = _with_key(issued, key)
    _deliver(ctx, issued, out, key_out, passphrase)
    return 0


def _with_key(issued, key):
    from dataclasses import replace
    return replace(issued, private_key=key)


def run_issue_server(ctx: Context) -> int:
    args = ctx.args
    csr = _load_csr(args.csr) if args.csr else None
    if not (args.dns or args.ip or csr):
        raise CLIError("a server certificate needs at least one --dns NAME or --ip ADDRESS")
    first = args.cn or (args.dns or args.ip or [None])[0] or csr.subject.common_name or "server"
    out = args.out or f"{_safe_file_stem(first)}.pem"
    key_out = None if csr else (args.key_out or f"{_safe_file_stem(first)}.key")
    _refuse_existing(out, key_out)
    ca = ctx.open_ca()
    kwargs = dict(_validity_kwargs(args), dns=tuple(args.dns), ip=tuple(args.ip),
                  common_name=args.cn, org=args.org, also_client=args.also_client)
    passphrase = None
    if csr is not None:
        issued = ca.sign_csr(csr, profile="server", **kwargs)
    else:
        passphrase, key = _generated(ctx, "server")
        issued = _with_key(ca.issue_server(public_key=key.public_key(), **kwargs), key)
    _deliver(ctx, issued, out, key_out, passphrase)
    return 0


def run_export_pkcs12(ctx: Context) -> int:
    from x509core.ca.cli_verify import _certificates
    from x509core.ca.pkcs12 import export_pkcs12
    args = ctx.args
    _refuse_existing(args.out)
    cert = _certificates(args.cert, "certificate")[0]
    key = load_private_key(ctx, args.key)
    if key.public_key().n != getattr(cert.public_key, "n", None):
        raise CLIError(f"{args.key} is not the key of {args.cert}")
    chain = [c for name in args.chain for c in _certificates(name, "CA certificate")]
    password = ctx.secret(PKCS12_PASSWORD, confirm=True)
    data = export_pkcs12(cert, key, password=password, chain=chain,
                         friendly_name=args.name or cert.subject.common_name)
    from x509core.ca.store import atomic_write
    ctx.out(f"wrote {atomic_write(Path(args.out), data, mode=0o600)} (PKCS#12, AES-256-CBC, "
            "PBKDF2-HMAC-SHA256, SHA-256 MAC)")
    return 0
