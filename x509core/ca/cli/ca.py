"""``x509core ca init``, ``keygen``, ``csr`` and ``export-pkcs12``: making the CA, keys and
requests, and packing a key for Windows; plus the option and input helpers ``issue.py``
shares.

Private keys are written as PKCS#8 PEM, mode 0600, atomically, and never over an existing file;
keys that leave the CA (``issue`` without a CSR) are encrypted unless ``--no-encrypt`` is given.
A CSR made on the client machine (``csr``) is the preferred way: its private key never leaves it.
"""

from __future__ import annotations

import re
from pathlib import Path

from x509core.ca.cli.support import (CA_PASSPHRASE, CLIError, Context, KEY_PASSPHRASE, KEY_SIZES,
                                     PKCS12_PASSWORD, check_new_directory, check_outputs, is_pem,
                                     positive_days, read_bytes)
from x509core.ca.cli.verify import expected_mac_address, expected_machine_identity

__all__ = ["register", "run_ca_init", "run_keygen", "run_csr", "run_export_pkcs12",
           "subject_name", "load_private_key", "client_options", "binding_option",
           "check_client_inputs", "bound_machine", "refuse_raw_san", "safe_file_stem", "load_csr",
           "key_bits_option", "CA_FILES"]

# What `ca init` writes into the CA directory (x509core/ca/authority.py), checked first.
CA_FILES = ("ca.pem", "ca.key", "inventory.sqlite3", "inventory.url")


def key_bits_option(parser, what: str) -> None:
    parser.add_argument("--key-bits", type=int, choices=KEY_SIZES, default=4096, metavar="BITS",
                        help=f"RSA size of the {what} key: 2048, 3072 or 4096 (default 4096)")


def register(sub, common) -> None:
    _register_ca_init(sub, common)
    _register_keygen_and_csr(sub, common)
    _register_export(sub, common)


def _register_ca_init(sub, common) -> None:
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
    key_bits_option(p, "CA")
    p.add_argument("--no-encrypt", action="store_true", help="keep ca.key unencrypted "
                   "(only on request)")
    p.set_defaults(run=run_ca_init)


def _register_keygen_and_csr(sub, common) -> None:
    k = sub.add_parser("keygen", parents=[common], help="a new RSA private key (PKCS#8, 0600)")
    k.add_argument("--out", required=True, metavar="FILE", help="the private key file")
    k.add_argument("--public-out", metavar="FILE", help="also write the public key")
    k.add_argument("--encrypt", action="store_true", help="encrypt the key (passphrase from "
                   "--key-passphrase-file, $X509CORE_KEY_PASSPHRASE or a prompt)")
    k.add_argument("--key-passphrase-file", metavar="FILE", help="the passphrase for --encrypt "
                   "(first line)")
    key_bits_option(k, "new")
    k.set_defaults(run=run_keygen)

    c = sub.add_parser("csr", parents=[common], help="on a client machine: a key and a CSR "
                       "bound to this machine (the key never leaves it)")
    client_options(c, machine_default="auto")
    c.add_argument("--out", metavar="FILE", help="the CSR file (default CLIENT-ID.csr)")
    key = c.add_mutually_exclusive_group()
    key.add_argument("--key", metavar="FILE", help="use this existing private key")
    key.add_argument("--key-out", metavar="FILE", help="the new key (default CLIENT-ID.key)")
    c.add_argument("--encrypt", action="store_true", help="encrypt the new key")
    c.add_argument("--key-passphrase-file", metavar="FILE", help="the passphrase of --key when "
                   "it is encrypted, or for --encrypt (first line)")
    key_bits_option(c, "client")
    c.set_defaults(run=run_csr)


def _register_export(sub, common) -> None:
    x = sub.add_parser("export-pkcs12", parents=[common], help="certificate + key as PKCS#12 "
                       "(AES-256, SHA-256 MAC; OpenSSL 3 and Windows read it)")
    x.add_argument("--cert", required=True, metavar="FILE", help="the certificate (PEM)")
    x.add_argument("--key", required=True, metavar="FILE", help="its private key (PEM: PKCS#8, "
                   "encrypted PKCS#8, RSA or EC PRIVATE KEY)")
    x.add_argument("--chain", action="append", default=[], metavar="FILE",
                   help="CA certificate(s) to include (repeatable)")
    x.add_argument("--name", metavar="TEXT", help="friendly name")
    x.add_argument("--out", required=True, metavar="FILE.p12", help="the PKCS#12 file to "
                   "write (0600; never over an existing file)")
    x.add_argument("--password-file", metavar="FILE",
                   help="the PKCS#12 password (else $X509CORE_PKCS12_PASSWORD, else a prompt)")
    x.add_argument("--key-passphrase-file", metavar="FILE", help="when the key is encrypted")
    x.set_defaults(run=run_export_pkcs12)


def client_options(parser, machine_default, *, from_csr: bool = False) -> None:
    """The client options of ``csr`` and ``issue client`` (``from_csr``: the CA side, where
    the values override what a CSR asks for)."""
    # On the CA, the operator decides what is certified and a CSR only asks (RFC 2986 §3):
    # "none" is honoured, and the command says on stderr which requested binding it left out.
    over = ("; given, it replaces the CSR's; none: no binding, even if the CSR asks for one"
            if from_csr else "; none: no binding")
    parser.add_argument("--org", metavar="ORG", help="subject O, the organization")
    parser.add_argument("--client-id", metavar="ID", help="subject CN: 16 letters or digits")
    parser.add_argument("--machine-id", default=machine_default, metavar="auto|VALUE|none",
                        help=f"the machine to bind to (auto: this machine's derived id{over})")
    parser.add_argument("--raw", action="store_true", help="with --machine-id auto: bind the raw "
                        "machine id, as the seed system does")
    parser.add_argument("--mac", metavar="auto|VALUE|none", help="also bind a MAC address "
                        f"(auto: this machine's primary interface{over})")
    binding_option(parser, "seed" if machine_default == "auto" else None)


def binding_option(parser, default: str | None) -> None:
    """``--binding seed|san``: where the machine binding is carried (cert/extensions/binding.py)."""
    parser.add_argument("--binding", choices=("seed", "san"), default=default,
                        help="carry the binding in the seed system's extensions (seed, the "
                        "default) or in subjectAltName URIs urn:uuid:/urn:dev:mac: (san: "
                        "readable by Go's crypto/x509 and everything built on it)"
                        + ("" if default else "; with --csr: the CSR's carrier"))


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
    """A private key file, RSA or EC (x509core.ca.keys); asks for its passphrase only when it
    is encrypted."""
    from x509core.ca.keys import load_der_private_key, load_pem_private_key
    from x509core.errors import X509CoreError
    data = read_bytes(name)
    try:
        if is_pem(data):
            password = ctx.secret(KEY_PASSPHRASE) if b"ENCRYPTED PRIVATE KEY" in data else None
            return load_pem_private_key(data, password)
        return load_der_private_key(data)
    except CLIError:
        raise
    except X509CoreError as exc:
        raise CLIError(f"{name}: {exc}") from None


def safe_file_stem(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", text).lstrip(".") or "certificate"


def load_csr(name: str):
    from x509core.cert import load_der_csr, load_pem_csr
    data = read_bytes(name)
    try:
        return load_pem_csr(data) if is_pem(data) else load_der_csr(data)
    except ValueError as exc:
        raise CLIError(f"{name}: not a readable CSR: {exc}") from None


def _new_key_passphrase(ctx: Context, encrypt: bool) -> bytes | None:
    return ctx.secret(KEY_PASSPHRASE, confirm=True) if encrypt else None


# -- commands ------------------------------------------------------------------------------------

def run_ca_init(ctx: Context) -> int:
    from x509core.ca.issuance.certificate_authority import CertificateAuthority
    args = ctx.args
    directory = ctx.ca_dir
    check_new_directory(directory)
    if directory.is_dir():
        check_outputs(*(directory / name for name in CA_FILES))
    from x509core.ca.authority import write_new_ca
    # an existing CA, someone's directory, an --inventory that cannot be recorded: before keygen
    write_new_ca(directory, check_only=True, inventory=ctx.inventory_location)
    from x509core.ca.issuance.names import check_name
    name = check_name(subject_name(args), "the CA subject")   # before the key is made
    days = positive_days(args.days)
    if args.path_length is not None and args.path_length < 0:
        raise CLIError("--path-length must be 0 or more (RFC 5280 §4.2.1.9: INTEGER (0..MAX))")
    if args.no_encrypt:
        passphrase = None
        ctx.warn(f"{directory / 'ca.key'} will be stored UNENCRYPTED (--no-encrypt)")
    else:
        passphrase = ctx.secret(CA_PASSPHRASE, confirm=True)
    key = ctx.new_key(args.key_bits, "CA")
    ca = ctx.keep(CertificateAuthority.create(directory, subject=name, passphrase=passphrase,
                                     path_length=args.path_length, days=days, key=key,
                                     inventory=ctx.inventory_location))
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
    check_outputs(args.out, args.public_out)
    passphrase = _new_key_passphrase(ctx, args.encrypt)
    key = ctx.new_key(args.key_bits, "new")
    path = ctx.write_key(args.out, key, passphrase)
    ctx.out(f"wrote the RSA-{args.key_bits} private key {path}" + (" (encrypted)" if passphrase else ""))
    if args.public_out:
        ctx.out(f"wrote the public key {ctx.write_public(args.public_out, key.public_key().to_pem())}")
    return 0


def run_csr(ctx: Context) -> int:
    from x509core.cert import CSRBuilder, Name
    args = ctx.args
    if not args.org or not args.client_id:
        raise CLIError("a client CSR needs --org and --client-id")
    out = args.out or f"{safe_file_stem(args.client_id)}.csr"
    key_out = None if args.key else (args.key_out or f"{safe_file_stem(args.client_id)}.key")
    check_outputs(out, key_out)
    machine = bound_machine(args)
    mac = expected_mac_address(args.mac)
    check_client_inputs(args.org, args.client_id, machine, mac, args.binding)
    builder = (CSRBuilder().with_subject(Name.build([("O", args.org), ("CN", args.client_id)]))
               .with_machine_binding(machine, mac, binding=args.binding))
    if args.key:
        from x509core.rsa.key import RSAPrivateKey
        key = load_private_key(ctx, args.key)
        if not isinstance(key, RSAPrivateKey):
            raise CLIError(f"{args.key} is an EC key: x509core signs with RSA keys only; make the "
                           "CSR with openssl req -new -key FILE and sign it with `x509core issue "
                           "client --csr`")
    else:
        passphrase = _new_key_passphrase(ctx, args.encrypt)
        key = ctx.new_key(args.key_bits, "client")
        ctx.out(f"wrote the private key {ctx.write_key(key_out, key, passphrase)} "
                "(keep it on this machine)")
    request = builder.sign(key)
    ctx.out(f"wrote the CSR {ctx.write_public(out, request.to_pem())}")
    ctx.out(f"  subject          {request.subject.rfc4514()}")
    ctx.out(f"  machine identity {machine or '(none)'}"
            + (" (in subjectAltName URIs)" if args.binding == "san" and machine else ""))
    if mac:
        ctx.out(f"  MAC address      {mac}")
    ctx.out(f"send it to the CA: x509core issue client --csr {out}")
    return 0


def bound_machine(args) -> str | None:
    if args.raw and args.machine_id != "auto":
        raise CLIError("--raw goes with --machine-id auto")
    refuse_raw_san(args)
    if args.machine_id == "none":
        return None
    return expected_machine_identity(args.machine_id, args.raw)


def refuse_raw_san(args) -> None:
    """``--raw`` binds the seed system's form of the id, which only the seed system reads, and
    which is no UUID in general: the subjectAltName carrier takes the derived id alone."""
    if args.raw and getattr(args, "binding", None) == "san":
        raise CLIError("--raw binds the seed system's raw machine id, which only the seed "
                       "extensions carry; --binding san carries the derived id (a urn:uuid:)")


def check_client_inputs(org, client_id, machine, mac, binding=None) -> None:
    """The seed system's input checks, before any key is generated (it takes seconds)."""
    from x509core.ca.issuance import inputs
    if org is not None:
        inputs.check_text(org, "organization")
    if client_id is not None:
        inputs.check_client_id(client_id)
    if machine is not None:
        inputs.check_binding_id(machine, binding or "seed")
    if mac is not None:
        inputs.check_mac_address(mac)


def run_export_pkcs12(ctx: Context) -> int:
    from x509core.ca.cli.lint import read_certificates
    from x509core.ca.pkcs12 import export_pkcs12
    args = ctx.args
    check_outputs(args.out)
    if args.name is not None:       # shown by certificate stores and key managers as it is
        from x509core.ca.issuance.names import check_no_controls
        check_no_controls(args.name, "--name")
    cert = read_certificates(ctx, args.cert, "certificate")[0]
    key = load_private_key(ctx, args.key)
    from x509core.ca.keys import key_matches
    if not key_matches(key, cert.public_key):
        raise CLIError(f"{args.key} is not the key of {args.cert}" + (
            " (the EC key file does not carry its public key to compare)"
            if key_matches(key, cert.public_key) is None else ""))
    chain = [c for name in args.chain for c in read_certificates(ctx, name, "CA certificate")]
    password = ctx.secret(PKCS12_PASSWORD, confirm=True)
    data = export_pkcs12(cert, key, password=password, chain=chain,
                         friendly_name=args.name or cert.subject.common_name)
    from x509core.ca.files import KEY_MODE, atomic_write
    ctx.out(f"wrote {atomic_write(Path(args.out), data, mode=KEY_MODE)} (PKCS#12, AES-256-CBC, "
            "PBKDF2-HMAC-SHA256, SHA-256 MAC)")
    return 0
