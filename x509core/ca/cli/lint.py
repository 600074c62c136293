"""``x509core lint``: the findings of certificates, CRLs and CSRs, with clause and byte offset;
and the reading of certificate files that ``show``, ``verify`` and ``lint`` share.

A file may hold one object (PEM or DER) or a PEM bundle (a trust store, a chain). Every
certificate of a bundle that reads is used; each one that does not gets one warning line on
stderr (its position and, where known, its subject) and the command goes on. A file in which
nothing reads is an error (exit 2). ``--strict`` refuses at the first finding instead, for
auditors who want a reader that accepts only conforming DER and RFC 5280 profiles.
"""

from __future__ import annotations


from x509core.ca.cli.support import CLIError, Context, is_pem, read_bytes

__all__ = ["register", "run_lint", "read_certificates", "finding_lines"]

# PEM label -> the kind of object it holds
_KINDS = {"CERTIFICATE": "certificate", "X509 CERTIFICATE": "certificate",
          "X509 CRL": "crl", "CERTIFICATE REQUEST": "csr", "NEW CERTIFICATE REQUEST": "csr"}


def register(sub, common) -> None:
    s = sub.add_parser("lint", parents=[common],
                       help="the findings of certificates, CRLs and CSRs: each departure from DER "
                            "or from RFC 5280's rules for CAs, with its clause and byte offset; "
                            "exit 1 when one is an error")
    s.add_argument("files", nargs="+", metavar="FILE", help="PEM (one object or a bundle) or DER")
    s.add_argument("--json", action="store_true", help="one JSON object per file")
    s.set_defaults(run=run_lint)


def finding_lines(findings) -> list[str]:
    """One line per finding: ``severity: reason (clause) at byte N (path)``."""
    return [str(finding) for finding in findings]


def read_certificates(ctx: Context, name: str, what: str = "certificate", *,
                      strict: bool = False) -> list:
    """Every certificate of the file ``name`` that reads; a warning line for each that does not;
    CLIError when none does."""
    from x509core.cert import load_der_certificate, load_pem_certificates
    data = read_bytes(name)
    try:
        if is_pem(data):
            found = load_pem_certificates(data, strict=strict)
        else:
            found = [load_der_certificate(data, strict=strict)]
    except ValueError as exc:
        raise CLIError(f"{name}: not a readable {what}: {exc}") from None
    for skipped in getattr(found, "errors", ()):
        ctx.warn(f"{name}: {skipped}")
    return list(found)


def _objects(name: str, data: bytes) -> list[tuple[int, object]]:
    """(position, object) for every object of the file; unreadable ones as their error."""
    from x509core import pem
    from x509core.cert import load_der_certificate, load_der_crl, load_der_csr
    loaders = {"certificate": load_der_certificate, "crl": load_der_crl, "csr": load_der_csr}
    if is_pem(data):
        try:
            blocks = [(label, der) for label, der in pem.decode(data) if label in _KINDS]
        except ValueError as exc:
            raise CLIError(f"{name}: not readable PEM: {exc}") from None
        if not blocks:
            raise CLIError(f"{name}: no certificate, CRL or certificate request in the file")
        return [(position, _load(loaders[_KINDS[label]], der))
                for position, (label, der) in enumerate(blocks, 1)]
    for loader in loaders.values():           # DER: whichever structure reads
        read = _load(loader, data)
        if not isinstance(read, Exception):
            return [(1, read)]
    return [(1, _load(load_der_certificate, data))]


def _load(loader, der: bytes):
    try:
        return loader(der)
    except ValueError as exc:
        return exc


def _describe(obj) -> str:
    kind = type(obj).__name__
    name = getattr(obj, "subject", None) or getattr(obj, "issuer", None)
    label = {"Certificate": "certificate", "CertificateRevocationList": "CRL",
             "CertificateSigningRequest": "CSR"}.get(kind, kind)
    return f"{label} {name.rfc4514()!r}" if name is not None else label


def run_lint(ctx: Context) -> int:
    from x509core.cert.lint import lint
    worst = 0
    for name in ctx.args.files:
        objects = _objects(name, read_bytes(name))
        readable = [(p, o) for p, o in objects if not isinstance(o, Exception)]
        if not readable:                      # one line: the error, no warnings before it
            others = len(objects) - 1
            more = f" (and {others} more unreadable object{'s' * (others > 1)})" if others else ""
            raise CLIError(f"{name}: nothing readable: {objects[0][1]}{more}")
        for position, error in ((p, o) for p, o in objects if isinstance(o, Exception)):
            ctx.warn(f"{name}: object {position} skipped: not readable: {error}")
        report = [(position, obj, lint(obj)) for position, obj in readable]
        if any(f.severity == "error" for _, _, findings in report for f in findings):
            worst = 1
        _print_report(ctx, name, report, len(objects) > 1)
    return worst


def _print_report(ctx: Context, name: str, report, several: bool) -> None:
    if ctx.args.json:
        ctx.out_json({"file": name, "objects": [
            {"position": position, "object": _describe(obj),
             "findings": [f.to_json() for f in findings]} for position, obj, findings in report]},
            indent=None)
        return
    for position, obj, findings in report:
        where = f"{name} #{position}" if several else name
        if not findings:
            ctx.out(f"{where}: {_describe(obj)}: no findings")
        for line in finding_lines(findings):
            ctx.out(f"{where}: {line}")
