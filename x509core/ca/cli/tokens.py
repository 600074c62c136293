"""``x509core token create``, ``token list``, ``token revoke`` and ``x509core audit``: the
enrollment tokens of the service (``x509core serve``) and the audit trail of everything.

``token create`` prints the new token, and nothing else, on standard output: it is shown this
once (the inventory keeps only its hash), so a script captures it with ``$(...)`` and hands
it to the device. What it allows is said on standard error. The checks and the stored form
are :mod:`x509core.ca.tokens`, shared with the service and the admin pages.

Text output escapes control characters as every command does (``x509core/safe_text.py``: a
token's constraints and the audit trail's details may quote what a client sent); ``--json``
output is JSON with every non-ASCII character escaped, one object per line for the audit trail.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from x509core.ca.cli.support import CLIError, Context, error_text, parse_time
from x509core.safe_text import escape_controls

__all__ = ["register", "run_token_create", "run_token_list", "run_token_revoke", "run_audit",
           "parse_ttl"]

_TTL = re.compile(r"([0-9]{1,7})([smhdw])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def register(sub, common) -> None:
    token = sub.add_parser("token", parents=[common], help="enrollment tokens for x509core serve "
                           "(EST simpleenroll, the seed API)")
    token_sub = token.add_subparsers(dest="token_command", metavar="token COMMAND", required=True)
    c = token_sub.add_parser("create", parents=[common], help="make a token; it is printed "
                             "once on standard output")
    c.add_argument("--profile", required=True, choices=("client", "server"),
                   help="the kind of certificate it may get")
    c.add_argument("--org", metavar="ORG", help="the organization (O) it must carry")
    c.add_argument("--client-id", metavar="ID", help="client: the client id (CN) it must carry")
    c.add_argument("--machine-id", metavar="VALUE", help="client: the machine id it must be "
                   "bound to (as `x509core machine-id` prints it on the device)")
    c.add_argument("--binding", metavar="WHERE", choices=("seed", "san"),
                   help="client: where the machine binding is carried (seed: the seed system's "
                   "extensions, default; san: subjectAltName URIs that Go and every TLS stack "
                   "read)")
    c.add_argument("--dns", action="append", default=[], metavar="NAME",
                   help="server: a DNS name it may certify (repeatable)")
    c.add_argument("--ip", action="append", default=[], metavar="ADDRESS",
                   help="server: an IP address it may certify (repeatable)")
    c.add_argument("--ttl", default="24h", metavar="DURATION", help="how long it may be used "
                   "(30m, 24h, 7d, 2w; default 24h, at most 365d)")
    c.add_argument("--uses", default="1", metavar="N", help="how many certificates it may get "
                   "(default 1)")
    c.set_defaults(run=run_token_create)
    ls = token_sub.add_parser("list", parents=[common], help="every token (never its secret)")
    ls.add_argument("--active", action="store_true", help="only those that can still be used")
    ls.add_argument("--json", action="store_true", help="print JSON")
    ls.set_defaults(run=run_token_list)
    r = token_sub.add_parser("revoke", parents=[common], help="refuse every later use of a token")
    r.add_argument("token_id", metavar="ID", help="the token id (16 hexadecimal digits, as "
                   "`token list` shows it; the part before the dot)")
    r.set_defaults(run=run_token_revoke)
    _register_audit(sub, common)


def _register_audit(sub, common) -> None:
    from x509core.ca.inventory.records import AUDIT_ACTIONS
    a = sub.add_parser("audit", parents=[common], help="the audit trail: who did what, when, "
                       "from where, with what outcome")
    a.add_argument("--since", metavar="TIME", help="from this time on (ISO 8601 or Unix seconds)")
    a.add_argument("--until", metavar="TIME", help="before this time")
    a.add_argument("--action", metavar="ACTION", help="only this action (one of "
                   f"{', '.join(AUDIT_ACTIONS)})")
    a.add_argument("--actor", metavar="NAME", help="only this actor: an admin's name, a token "
                   "id, a serial, cli; or KIND:NAME as the ACTOR column shows it (admin:alice)")
    a.add_argument("--target", metavar="ID", help="only this target (a serial, a token id)")
    a.add_argument("--outcome", choices=("success", "failure"), help="only this outcome")
    a.add_argument("--limit", metavar="N", help="at most N events")
    a.add_argument("--json", action="store_true", help="one JSON object per line")
    a.set_defaults(run=run_audit)


def parse_ttl(text: str, name: str = "--ttl") -> timedelta:
    """``--ttl`` (or the field ``name`` of a form): a whole number and a unit, s m h d w
    (``24h``)."""
    match = _TTL.fullmatch(text.strip().lower())
    if match is None:
        raise CLIError(f"{name} must be a number and a unit s, m, h, d or w (24h), not {text!r}")
    return timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])


def _count(text: str, option: str) -> int:
    if not re.fullmatch(r"[0-9]{1,9}", text.strip()):
        raise CLIError(f"{option} must be a whole number, not {text!r}")
    return int(text)


def _write_table(ctx: Context, header: tuple, rows: list[tuple]) -> None:
    """Columns aligned on the escaped cells (so the widths are those shown)."""
    rows = [tuple(escape_controls("-" if cell is None else str(cell)) for cell in row)
            for row in rows]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    ctx.out_listing("  ".join([*(cell.ljust(width) for cell, width in zip(row, widths)),
                               row[-1]]).rstrip() for row in [header, *rows])


# -- tokens --------------------------------------------------------------------------------------

def run_token_create(ctx: Context) -> int:
    from x509core.ca.tokens import TokenConstraints, create_token
    args = ctx.args
    constraints = TokenConstraints(profile=args.profile, organization=args.org,
                                   client_id=args.client_id, machine_id=args.machine_id,
                                   dns=tuple(args.dns), ip=tuple(args.ip), binding=args.binding)
    ttl, uses = parse_ttl(args.ttl), _count(args.uses, "--uses")
    ca = ctx.open_ca(sign=False)
    token, presented = create_token(ca.inventory, constraints, ttl=ttl, uses=uses,
                                    actor=ca.actor)
    try:
        ctx.out(presented)
        ctx.stdout.flush()
    except OSError as exc:           # `> /dev/full`: a token no one saw must not stay usable
        from x509core.ca.tokens import revoke_token
        revoke_token(ca.inventory, token.id, actor=ca.actor)
        raise CLIError(f"standard output: {error_text(exc)}; token {token.id} was never "
                       "shown, so it is revoked") from None
    ctx.info(f"token {token.id}: {constraints.describe()}; {uses} use(s) until "
             f"{token.expires_at:%Y-%m-%d %H:%M:%SZ}. It is shown only now: hand it to the "
             "device and keep it secret.")
    return 0


def _token_json(token, now: datetime) -> dict:
    from x509core.ca.tokens import TokenConstraints, token_state
    return {"id": token.id, "profile": token.profile, "state": token_state(token, now),
            "uses_spent": token.uses_spent, "uses_allowed": token.uses_allowed,
            "created_at": token.created_at.isoformat(), "expires_at": token.expires_at.isoformat(),
            "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
            "created_by": token.created_by,
            "constraints": TokenConstraints.of(token).to_json()}


def run_token_list(ctx: Context) -> int:
    from x509core.ca.tokens import TokenConstraints, token_state
    now = datetime.now(timezone.utc)
    tokens = ctx.open_ca(sign=False).inventory.tokens(active_only=ctx.args.active, at=now)
    if ctx.args.json:
        ctx.out_json([_token_json(t, now) for t in tokens])
        return 0
    if not tokens:
        ctx.info("no tokens")
        return 0
    rows = [(t.id, token_state(t, now), f"{t.uses_spent}/{t.uses_allowed}",
             f"{t.expires_at:%Y-%m-%d %H:%M}Z", t.created_by, TokenConstraints.of(t).describe())
            for t in tokens]
    _write_table(ctx, ("ID", "STATE", "USES", "EXPIRES", "BY", "ALLOWS"), rows)
    return 0


def run_token_revoke(ctx: Context) -> int:
    from x509core.ca.tokens import revoke_token
    ca = ctx.open_ca(sign=False)
    token = revoke_token(ca.inventory, ctx.args.token_id.strip().lower(), actor=ca.actor)
    ctx.out(f"revoked token {token.id} ({token.uses_spent} of {token.uses_allowed} uses made)")
    return 0


# -- the audit trail -------------------------------------------------------------------------------

def _event_json(event) -> dict:
    return {"id": event.id, "at": event.at.isoformat(), "action": event.action,
            "outcome": event.outcome, "actor_kind": event.actor_kind, "actor": event.actor,
            "source": event.source, "target": event.target, "detail": event.detail,
            "node": event.node}


def run_audit(ctx: Context) -> int:
    from x509core.ca.inventory.records import AUDIT_ACTIONS, actor_filter
    args = ctx.args
    if args.action is not None and args.action not in AUDIT_ACTIONS:
        raise CLIError(f"--action must be one of {', '.join(AUDIT_ACTIONS)}; not {args.action!r}")
    kind, actor = actor_filter(args.actor) if args.actor is not None else (None, None)
    filters = {"since": parse_time(args.since) if args.since is not None else None,
               "until": parse_time(args.until) if args.until is not None else None,
               "action": args.action, "actor": actor, "actor_kind": kind,
               "target": args.target, "outcome": args.outcome}
    if args.limit is not None:
        filters["limit"] = _count(args.limit, "--limit")
    events = ctx.open_ca(sign=False).inventory.iter_audit(**filters)
    if args.json:
        for event in events:                           # streamed: bounded memory
            ctx.out_json(_event_json(event), indent=None)
        return 0
    rows = [(f"{e.at:%Y-%m-%dT%H:%M:%SZ}", e.action, e.outcome, _actor_text(e),
             e.source or "-", e.target or "-", e.detail or "") for e in events]
    if not rows:
        ctx.info("no events match")
        return 0
    _write_table(ctx, ("AT", "ACTION", "OUTCOME", "ACTOR", "SOURCE", "TARGET", "DETAIL"), rows)
    return 0


def _actor_text(event) -> str:
    """KIND:NAME as ``--actor`` takes it; a local command's actor is just ``cli``."""
    if event.actor_kind == event.actor:
        return event.actor
    return f"{event.actor_kind}:{event.actor}"
