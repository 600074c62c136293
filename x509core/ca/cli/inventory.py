"""``x509core show``, ``list``, ``revoke``, ``crl``, ``renew`` and ``asn1parse``: what the CA
issued, and what a file holds."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

from x509core.ca.cli.support import (BINDING_PLACES, CLIError, Context, check_outputs,
                                     format_serial, is_pem, parse_duration, parse_serial,
                                     positive_days, read_bytes)
from x509core.safe_text import escape_controls

__all__ = ["register", "run_show", "run_list", "run_revoke", "run_crl", "run_renew",
           "run_asn1parse", "run_inventory_migrate", "run_inventory_check", "REASONS"]

# RFC 5280 §5.3.1 CRLReason names (value 7 is not used).
REASONS = ("unspecified", "keyCompromise", "cACompromise", "affiliationChanged", "superseded",
           "cessationOfOperation", "certificateHold", "privilegeWithdrawn", "aACompromise")


def register(sub, common) -> None:
    s = sub.add_parser("show", parents=[common], help="a certificate as text (like openssl x509 "
                       "-text) or JSON")
    s.add_argument("what", nargs="+", metavar="FILE|SERIAL", help="certificate files (PEM, one "
                   "or a bundle, or DER), or serial numbers of certificates this CA issued")
    s.add_argument("--json", action="store_true", help="every field as JSON, findings included")
    s.add_argument("--strict", action="store_true", help="refuse a certificate with any finding")
    s.set_defaults(run=run_show)

    ls = sub.add_parser("list", parents=[common], help="the certificates this CA issued")
    ls.add_argument("--expiring", metavar="DURATION", help="only those expiring within it "
                    "(30d, 2w, 1y)")
    ls.add_argument("--status", choices=("valid", "revoked", "expired"), help="only those with "
                    "this status (valid: not revoked and not expired)")
    ls.add_argument("--json", action="store_true", help="print JSON")
    ls.set_defaults(run=run_list)

    r = sub.add_parser("revoke", parents=[common], help="revoke a certificate this CA issued")
    r.add_argument("serial", metavar="SERIAL", help="hexadecimal, as `list` shows it")
    r.add_argument("--reason", default="unspecified", choices=REASONS,
                   help="RFC 5280 §5.3.1 reason (default unspecified)")
    r.set_defaults(run=run_revoke)

    c = sub.add_parser("crl", parents=[common], help="sign a CRL of the revoked certificates "
                       "(written to CA-DIR/crl.pem)")
    c.add_argument("--days", default="7", metavar="N", help="nextUpdate in N days (default 7)")
    c.add_argument("--out", metavar="FILE", help="also write it here (- for standard output)")
    c.set_defaults(run=run_crl)

    n = sub.add_parser("renew", parents=[common], help="a new certificate with the same subject, "
                       "key and machine binding")
    n.add_argument("serial", metavar="SERIAL", help="hexadecimal, as `list` shows it")
    n.add_argument("--days", metavar="N", help="validity of the new certificate")
    n.add_argument("--out", metavar="FILE", help="also write the new certificate here")
    n.set_defaults(run=run_renew)

    _register_inventory(sub, common)

    a = sub.add_parser("asn1parse", parents=[common], help="list the DER elements of a DER or "
                       "PEM file (strict DER, like openssl asn1parse -i)")
    a.add_argument("file", help="a DER or PEM file, or - for standard input")
    a.set_defaults(run=run_asn1parse)


def _register_inventory(sub, common) -> None:
    inv = sub.add_parser("inventory", parents=[common], help="the inventory itself: move it to "
                         "PostgreSQL, check it against the files")
    inv_sub = inv.add_subparsers(dest="inventory_command", metavar="inventory COMMAND",
                                 required=True)
    m = inv_sub.add_parser("migrate", parents=[common], help="copy the SQLite inventory into an "
                           "empty PostgreSQL database, check it row by row, and use it from now on")
    m.add_argument("--to", required=True, metavar="URL", help="postgresql://... (no password "
                   "in it: use ~/.pgpass)")
    m.set_defaults(run=run_inventory_migrate)
    k = inv_sub.add_parser("check", parents=[common], help="compare every row with every file "
                           "of issued/ (changes nothing unless --repair)")
    k.add_argument("--repair", action="store_true", help="also write each missing file from "
                   "its row and close this node's open reservations (a file that differs from "
                   "its row, or has none, is only reported)")
    k.set_defaults(run=run_inventory_check)


def run_inventory_migrate(ctx: Context) -> int:
    """Copy, check, commit (``storage/migrate.py``), record the URL, then ``VACUUM (ANALYZE)``.

    The order is deliberate: the URL is recorded as soon as the copy has committed, and only
    then are the new tables vacuumed, so that a crash or a failure during the vacuum leaves a
    complete migration that the CA uses. A failed vacuum is a warning and the exit status
    stays 0: nothing is lost, autovacuum does the same work later."""
    from x509core.ca.inventory import SQLiteInventory, record_location, redact_url
    from x509core.ca.inventory.storage.migrate import migrate
    from x509core.ca.inventory.storage.postgres import PostgresInventory, is_postgres_url
    url = ctx.args.to
    if not is_postgres_url(url):
        raise CLIError(f"--to must be a postgresql:// URL, not {url!r}")
    if redact_url(url) != url:
        raise CLIError("keep the password out of --to (use ~/.pgpass or PGPASSFILE): the URL "
                       "is recorded in the CA directory")
    ca = ctx.open_ca(sign=False)
    if not isinstance(ca.inventory, SQLiteInventory):
        raise CLIError(f"this CA's inventory is already {ca.inventory.location}")
    target = ctx.keep(PostgresInventory(ca.directory, url, create=True))
    report = migrate(ca.inventory, target)
    record_location(ca.directory, url)
    ctx.out(f"migrated {report.rows['certificates']} certificates, "
            f"{report.rows['enrollment_tokens']} tokens and {report.rows['audit_events']} audit "
            f"events to {redact_url(url)}; every row checked")
    ctx.out(f"the CA now uses it ({ca.directory / 'inventory.url'}); "
            f"{ca.inventory.location} is kept unchanged as a backup and no longer used")
    _vacuum_analyze(ctx, target)
    return 0


def _vacuum_analyze(ctx: Context, target) -> None:
    """The new tables vacuumed and analysed (``PostgresInventory.vacuum_analyze``), or one
    warning line: the migration is committed and recorded by now, whatever happens here."""
    from x509core.ca.inventory.storage.schema import TABLES
    from x509core.errors import X509CoreError
    try:
        target.vacuum_analyze()
    except X509CoreError as exc:
        ctx.warn(f"the migration is complete and recorded, but VACUUM (ANALYZE) of the new "
                 f"tables did not complete: {exc}; pages may be slow until autovacuum has been "
                 "through them (or run VACUUM (ANALYZE) as the tables' owner)")
        return
    ctx.out(f"vacuumed and analysed its {len(TABLES)} tables (VACUUM (ANALYZE)): the visibility "
            "map and planner statistics are set now, not at autovacuum's turn")


def run_inventory_check(ctx: Context) -> int:
    """Exit 0 when rows and files agree (after the repair, with --repair), else 1. Without
    --repair the CA is opened without its repair on open, so that what is found is reported
    rather than silently fixed first."""
    repair = ctx.args.repair
    ca = ctx.open_ca(sign=False, reconcile=False)
    found = ca.repair() if repair else ca.check()
    for line in found.problems:
        ctx.out(f"problem: {line}")
    names = (("restored", "closed reservation", "recorded") if repair else
             ("missing file", "open reservation", "file to record"))
    for what, serials in zip(names, (found.restored, found.abandoned, found.adopted)):
        for serial in serials:
            ctx.out(f"{what}: {format_serial(serial)}")
    for name in found.removed_temporary:
        ctx.out(f"{'removed' if repair else 'stale'} temporary file: {name}")
    if found.consistent or repair and not found.problems:
        ctx.out(f"consistent: {len(ca.inventory)} certificates in {ca.inventory.location}")
        return 0
    if not repair and (found.restored or found.abandoned or found.adopted
                       or found.removed_temporary):
        ctx.info("`x509core inventory check --repair` fixes the missing files and reservations")
    return 1


def _inventory(ctx: Context):
    """The CA's inventory, opened through the CA so that what a crash left is repaired first
    (issue 16: `list` right after a kill must show the certificate a killed issuance wrote)."""
    return ctx.open_ca(sign=False).inventory


def _show_certificates(ctx: Context, what: str) -> list:
    from x509core.ca.cli.lint import read_certificates
    from x509core.cert import load_pem_certificate
    if Path(what).exists() or what == "-":
        return read_certificates(ctx, what, strict=ctx.args.strict)
    try:
        serial = parse_serial(what)
    except CLIError:
        raise CLIError(f"{what}: no such file, and not a serial number") from None
    return [load_pem_certificate(_inventory(ctx).get(serial).pem, strict=ctx.args.strict)]


def run_show(ctx: Context) -> int:
    """Each certificate as text (or JSON), then its findings (x509core/cert/lint.py)."""
    from x509core.ca.cli.lint import finding_lines
    from x509core.cert.lint import lint
    certificates = [cert for what in ctx.args.what for cert in _show_certificates(ctx, what)]
    if ctx.args.json:
        data = [cert.to_json() for cert in certificates]
        ctx.out_json(data[0] if len(data) == 1 else data)
        return 0
    from x509core.cert.text import certificate_lines
    for cert in certificates:
        ctx.out_listing(certificate_lines(cert))      # values escaped once (safe_text.py)
        ctx.out(binding_line(cert))
        findings = finding_lines(lint(cert))
        ctx.out("Findings:" if findings else "Findings: none")
        for line in findings:
            ctx.out(f"    {line}")
    return 0


def binding_line(cert) -> str:
    """The machine binding whichever way it is carried (cert/extensions/binding.py)."""
    from x509core.errors import X509CoreError
    try:
        binding = cert.machine_binding
    except X509CoreError as exc:
        return f"Machine binding: unreadable ({exc})"
    if binding is None:
        return "Machine binding: none"
    if binding.conflict() is not None:
        return f"Machine binding: CONTRADICTORY, {binding.conflict()}"
    values = [f"machine {binding.machine_identity}"] if binding.machine_identity else []
    values += [f"MAC {binding.mac_address}"] if binding.mac_address else []
    return f"Machine binding: {', '.join(values)} (in the {BINDING_PLACES[binding.carrier]})"


def _record_json(record, now: datetime) -> dict:
    return {
        "serial": format_serial(record.serial), "status": _status(record, now),
        "subject": record.subject, "profile": record.profile,
        "machine_identity": record.machine_identity, "mac_address": record.mac_address,
        "binding": record.binding, "not_before": record.not_before.isoformat(), "not_after": record.not_after.isoformat(),
        "revocation_reason": record.revocation_reason,
        "revocation_date": record.revocation_date.isoformat() if record.revocation_date else None,
        "path": str(record.path),
    }


def _status(record, now: datetime) -> str:
    if record.status == "valid" and record.not_after < now:
        return "expired"
    return record.status


def run_list(ctx: Context) -> int:
    args = ctx.args
    now = datetime.now(timezone.utc)
    within = parse_duration(args.expiring) if args.expiring is not None else None
    records = _inventory(ctx).iter_records(expiring_within=within, status=args.status, at=now,
                                           sort="not_after" if within else "issued")
    if args.json:
        ctx.out_json([_record_json(r, now) for r in records])
        return 0
    records = list(records)
    if not records:
        ctx.info("no certificates match")
        return 0
    rows = [(format_serial(r.serial), _status(r, now), f"{r.not_after:%Y-%m-%d}", r.profile,
             r.subject, r.machine_identity or "-") for r in records]
    header = ("SERIAL", "STATUS", "NOT AFTER", "PROFILE", "SUBJECT", "MACHINE")
    # Columns as wide as their widest cell as printed, that is with controls escaped.
    widths = [max(len(escape_controls(row[i])) for row in [header, *rows])
              for i in range(len(header))]
    for row in [header, *rows]:
        ctx.out("  ".join(cell + " " * (width - len(escape_controls(cell)))
                          for cell, width in zip(row, widths)).rstrip())
    return 0


def run_revoke(ctx: Context) -> int:
    serial = parse_serial(ctx.args.serial)
    ca = ctx.open_ca(sign=False)
    record = ca.revoke(serial, ctx.args.reason)
    ctx.out(f"revoked {format_serial(record.serial)} ({record.subject}), reason "
            f"{record.revocation_reason}")
    ctx.info("publish the change: x509core crl")
    return 0


def run_crl(ctx: Context) -> int:
    from datetime import timedelta
    days = positive_days(ctx.args.days)
    # Checked before the CRL is signed and its number spent; the CA writes crl.pem itself.
    out = None if ctx.args.out == "-" else ctx.args.out
    check_outputs(out, reserved=[ctx.ca_dir / "crl.pem"])
    ca = ctx.open_ca()
    crl = ca.crl(next_update=timedelta(days=days))
    text = crl.to_pem()
    if ctx.args.out == "-":
        sys.stdout.write(text)
        return 0
    if ctx.args.out:
        from x509core.ca.cli.issue import kept_anyway
        with kept_anyway(f"the CRL number {crl.crl_number} is signed and published in "
                         f"{ca.directory / 'crl.pem'}: copy it from there"):
            ctx.write_public(ctx.args.out, text)
    where = ctx.args.out or ca.directory / "crl.pem"
    ctx.out(f"wrote the CRL {where}: {len(crl.revoked_certificates)} revoked, number "
            f"{crl.crl_number}, next update {crl.next_update:%Y-%m-%d %H:%M:%SZ}")
    return 0


def run_renew(ctx: Context) -> int:
    serial = parse_serial(ctx.args.serial)
    days = positive_days(ctx.args.days)
    check_outputs(ctx.args.out)                  # before the new certificate is signed
    ca = ctx.open_ca()
    issued = ca.renew(serial, days=days)
    cert = issued.certificate
    ctx.out(f"renewed {format_serial(serial)} as {format_serial(cert.serial_number)}, valid "
            f"until {cert.not_valid_after:%Y-%m-%d %H:%M:%SZ}: {issued.record.path}")
    if ctx.args.out:
        from x509core.ca.cli.issue import kept_anyway
        with kept_anyway(f"the certificate {format_serial(cert.serial_number)} is issued and "
                         f"recorded ({issued.record.path}): copy it from there"):
            written = ctx.write_public(ctx.args.out, cert.to_pem())
        ctx.out(f"wrote the certificate {written}")
    return 0


def run_asn1parse(ctx: Context) -> int:
    from x509core import pem
    from x509core.der.dump import iter_dump_lines
    from x509core.errors import X509CoreError
    raw = read_bytes(ctx.args.file)
    try:
        blocks = pem.decode(raw) if is_pem(raw) else [("DER", raw)]
        for label, der in blocks:
            if len(blocks) > 1:
                ctx.out(f"# {label}")
            ctx.out_lines(iter_dump_lines(der))
    except X509CoreError as exc:
        raise CLIError(f"{ctx.args.file}: {exc}") from None
    return 0
