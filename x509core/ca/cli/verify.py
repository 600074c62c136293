"""``x509core verify`` and ``x509core machine-id``.

``verify`` runs RFC 5280 path validation (:func:`x509core.verify_chain`) and, when asked, the
medical-imaging policy (:class:`x509core.MedicalImagingPolicy`: machine binding, MAC address,
organization) on each certificate given, and prints the verdict and its reason. Several
certificate files are checked in one run against the same anchors, intermediates and CRLs
(read once), as ``openssl verify`` takes several files; each file's verdict line then starts
with its name. Exit status 0 valid (every file), 1 invalid (one or more), 2 a usage or input
error (a file that cannot be read or parsed).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from x509core.ca.cli.lint import read_certificates
from x509core.ca.cli.support import CLIError, Context, is_pem, parse_time, read_bytes
from x509core.errors import PathValidationError

_MACHINE = re.compile(r"[0-9A-Za-z][0-9A-Za-z-]*")

__all__ = ["register", "run_verify", "run_machine_id", "expected_machine_identity",
           "expected_mac_address"]

# What `verify --help` says: plain text (the module docstring above is reStructuredText).
_DESCRIPTION = """\
verify runs RFC 5280 path validation and, when asked, the medical-imaging policy (machine
binding, MAC address, organization) on each certificate file given (trust anchors, intermediates
and CRLs read once), and prints the verdict and its reason; with several files, each verdict
line starts with the file's name. Exit status 0 valid (every file), 1 invalid (one or more),
2 a usage or input error (a file that cannot be read or parsed)."""


def register(sub, common) -> None:
    p = sub.add_parser("verify", parents=[common], help="validate a certificate (exit 0 valid, "
                       "1 invalid, 2 error)", description=_DESCRIPTION)
    p.add_argument("leaf", nargs="+", metavar="LEAF.pem", help="the certificate (PEM; further "
                   "certificates in the file are taken as intermediates for it); several files "
                   "are each verified")
    p.add_argument("--ca", action="append", required=True, metavar="ROOT.pem",
                   help="trust anchor(s), PEM (repeatable; a file may hold several)")
    p.add_argument("--intermediate", action="append", default=[], metavar="X.pem",
                   help="intermediate CA certificate(s) (repeatable)")
    p.add_argument("--at", metavar="TIME", help="the validation time: ISO-8601 (2026-01-01, "
                   "2026-01-01T12:00:00Z) or Unix seconds; default now")
    p.add_argument("--purpose", choices=("client", "server"), help="the extended key usage "
                   "required (clientAuth or serverAuth)")
    p.add_argument("--name", metavar="HOST|IP", help="the peer's DNS name or IP address, "
                   "matched against the subjectAltName (RFC 6125; implies --purpose server)")
    p.add_argument("--machine", metavar="auto|VALUE", help="the machine identity the "
                   "certificate must be bound to, in either carrier (seed extension or "
                   "subjectAltName urn:uuid:; auto: this machine)")
    p.add_argument("--raw", action="store_true", help="with --machine auto: this machine's raw "
                   "id (as the seed system binds it) instead of the derived one")
    p.add_argument("--mac", metavar="auto|VALUE", help="the MAC address the certificate must "
                   "carry (auto: this machine's primary interface)")
    p.add_argument("--org", action="append", default=[], metavar="ORG",
                   help="an allowed organization (subject O); repeatable")
    p.add_argument("--crl", action="append", default=[], metavar="CRL.pem",
                   help="a CRL to check revocation against (repeatable)")
    p.add_argument("--json", action="store_true", help="print the verdict as JSON")
    p.add_argument("--strict", action="store_true", help="refuse any certificate or CRL with a "
                   "finding (a departure from DER or RFC 5280 that is still readable; see lint)")
    p.set_defaults(run=run_verify)

    m = sub.add_parser("machine-id", parents=[common], help="this machine's identity as the "
                       "certificate binding uses it")
    m.add_argument("--raw", action="store_true", help="the raw machine id (as the seed system "
                   "binds it; systemd documents it as confidential) instead of the derived id")
    m.add_argument("--mac", action="store_true", help="also print the primary MAC address")
    m.add_argument("--json", action="store_true", help="print JSON")
    m.set_defaults(run=run_machine_id)


def expected_machine_identity(value: str | None, raw: bool) -> str | None:
    """``auto`` is this machine (derived, or raw with ``--raw``); anything else is taken as is."""
    if value is None:
        return None
    if value == "auto":
        from x509core.ca.machine import machine_identity
        return machine_identity(raw=raw)
    return value


def expected_mac_address(value: str | None) -> str | None:
    """``auto`` is this machine's primary MAC address; ``none`` or no value: no MAC."""
    if value is None or value == "none":
        return None
    if value == "auto":
        from x509core.ca.machine import primary_mac_address
        found = primary_mac_address()
        if found is None:
            raise CLIError("this machine has no MAC address to bind (no physical interface); "
                           "give --mac VALUE or --mac none")
        return found
    return value.lower()


def _check_expectations(args) -> None:
    """Values of --name, --machine and --mac that no certificate could match are a usage
    error (exit 2), not a verdict of INVALID (exit 1) on a certificate."""
    from x509core.ca.issuance.inputs import check_mac_address
    from x509core.cert.validation.hostname import parse_reference
    from x509core.errors import InvalidValue
    if args.name is not None and parse_reference(args.name) is None:
        raise CLIError(f"--name must be a DNS name or an IP address, not {args.name!r}")
    if args.machine not in (None, "auto") and not _MACHINE.fullmatch(args.machine):
        raise CLIError("--machine takes auto or a machine identity (letters and digits, and "
                       f"a UUID's hyphens), not {args.machine!r}")
    if args.mac not in (None, "auto", "none"):
        try:
            check_mac_address(args.mac, as_given=True)
        except InvalidValue as exc:
            raise CLIError(f"--mac: {exc}") from None


def _crls(names, strict: bool = False):
    from x509core.cert import load_der_crl, load_pem_crl
    crls = []
    for name in names:
        data = read_bytes(name)
        try:
            crls.append(load_pem_crl(data, strict=strict) if is_pem(data)
                        else load_der_crl(data, strict=strict))
        except ValueError as exc:
            raise CLIError(f"{name}: not a readable CRL: {exc}") from None
    return crls


def _policy(args):
    machine = expected_machine_identity(args.machine, args.raw)
    mac = expected_mac_address(args.mac)
    if machine is None and mac is None and not args.org:
        return None
    from x509core import MedicalImagingPolicy
    return MedicalImagingPolicy(machine_identity=machine, mac_address=mac,
                                organizations=tuple(args.org))


def run_verify(ctx: Context) -> int:
    """Each LEAF file verified against the same anchors, intermediates and CRLs (read once):
    0 when every one is valid, 1 when one or more is not."""
    args = ctx.args
    strict = args.strict
    _check_expectations(args)
    leaves = [(name, read_certificates(ctx, name, "certificate", strict=strict))
              for name in args.leaf]
    anchors = [cert for name in args.ca
               for cert in read_certificates(ctx, name, "CA certificate", strict=strict)]
    intermediates = [c for n in args.intermediate
                     for c in read_certificates(ctx, n, "certificate", strict=strict)]
    at = parse_time(args.at) if args.at else datetime.now(timezone.utc)
    if args.raw and args.machine != "auto":
        raise CLIError("--raw goes with --machine auto")
    options = {"trust_anchors": anchors, "at": at, "peer_name": args.name,
               "purpose": args.purpose or ("server" if args.name else None),
               "policy": _policy(args)}
    options["crls"] = _crls(args.crl, strict)
    verdicts = [_verify_one(leaf, extra + intermediates, options)
                for _, (leaf, *extra) in leaves]
    names = [name for name, _ in leaves] if len(leaves) > 1 else [None]
    if args.json:
        reports = [_json_report(*verdict, at) for verdict in verdicts]
        ctx.out_json(reports[0] if len(reports) == 1 else reports)
    else:
        for name, verdict in zip(names, verdicts):
            _report(ctx, *verdict, name=name)
    return 0 if all(chain is not None for _, chain, _ in verdicts) else 1


def _verify_one(leaf, intermediates: list, options: dict) -> tuple:
    """``(leaf, chain, None)`` when ``leaf`` validates, ``(leaf, None, error)`` when not."""
    from x509core import verify_chain
    try:
        return leaf, verify_chain(leaf, intermediates=intermediates, **options), None
    except PathValidationError as exc:
        return leaf, None, exc


def _json_report(leaf, chain, error, at: datetime) -> dict:
    return {
        "valid": chain is not None,
        "subject": leaf.subject.rfc4514(),
        "serial": f"{leaf.serial_number:X}",
        "at": at.isoformat(),
        "chain": [cert.subject.rfc4514() for cert in chain or ()],
        "reason": getattr(error, "reason", str(error)) if error else None,
        "category": getattr(error, "category", None) if error else None,
        "rule": getattr(error, "rule", None) if error else None,
        "depth": getattr(error, "depth", None) if error else None,
        # The validator's expiry warnings (30 days by default), one per certificate of the chain.
        "warnings": [str(w) for w in getattr(chain, "warnings", ())],
    }


def _report(ctx: Context, leaf, chain, error, *, name: str | None = None) -> None:
    """The verdict as text; ``name`` (the file's, when several are verified) starts its line."""
    prefix = f"{name}: " if name is not None else ""
    if chain is None:
        ctx.out(f"{prefix}INVALID: {leaf.subject.rfc4514()}: {error}")
        return
    ctx.out(f"{prefix}OK: {leaf.subject.rfc4514()}")
    for depth, cert in enumerate(chain):
        ctx.out(f"  {depth}: {cert.subject.rfc4514()}")
    for warning in getattr(chain, "warnings", ()):
        ctx.out(f"warning: {warning}")


def run_machine_id(ctx: Context) -> int:
    from x509core.ca.machine import machine_identity, primary_mac_address
    identity = machine_identity(raw=ctx.args.raw)
    mac = primary_mac_address() if ctx.args.mac else None
    if ctx.args.json:
        result = {"machine_identity": identity, "raw": ctx.args.raw}
        if ctx.args.mac:
            result["mac_address"] = mac
        ctx.out_json(result)
        return 0
    ctx.out(identity)
    if ctx.args.mac:
        if mac is None:
            raise CLIError("no MAC address found (no physical network interface)")
        ctx.out(mac)
    return 0
