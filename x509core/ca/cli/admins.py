"""``x509core admin add``, ``admin list``, ``admin remove``: the administrators who may log in
to the admin pages of ``x509core serve`` (``https://HOST:PORT/admin/``).

The password of ``admin add`` comes from ``--password-file`` (its first line), else
``$X509CORE_ADMIN_PASSWORD``, else a prompt without echo, asked twice; never from the command
line (``ps`` shows it to every user). It is stored only as its scrypt hash
(:mod:`x509core.ca.admins` gives the parameters). An existing name is refused rather than
given a new password silently: ``admin remove`` it first, which also ends its sessions. These
commands change only the inventory, so they never ask for the CA key's passphrase.
"""

from __future__ import annotations

from x509core.ca.cli.support import Context, PassphraseSource

__all__ = ["register", "run_admin_add", "run_admin_list", "run_admin_remove", "ADMIN_PASSWORD"]

ADMIN_PASSWORD = PassphraseSource("admin password", "password_file", "X509CORE_ADMIN_PASSWORD")


def register(sub, common) -> None:
    admin = sub.add_parser("admin", parents=[common], help="administrators of the admin pages "
                           "of x509core serve (/admin/)")
    admin_sub = admin.add_subparsers(dest="admin_command", metavar="admin COMMAND",
                                     required=True)
    a = admin_sub.add_parser("add", parents=[common], help="add an administrator (the password "
                             "from --password-file, $X509CORE_ADMIN_PASSWORD or a prompt)")
    a.add_argument("name", metavar="NAME", help="1 to 64 letters, digits and . _ @ -")
    a.add_argument("--password-file", metavar="FILE", help="the password (its first line; "
                   "else $X509CORE_ADMIN_PASSWORD, else a prompt)")
    a.set_defaults(run=run_admin_add)
    ls = admin_sub.add_parser("list", parents=[common], help="every administrator")
    ls.add_argument("--json", action="store_true", help="print JSON")
    ls.set_defaults(run=run_admin_list)
    r = admin_sub.add_parser("remove", parents=[common], help="remove an administrator and "
                             "end their sessions")
    r.add_argument("name", metavar="NAME")
    r.set_defaults(run=run_admin_remove)


def run_admin_add(ctx: Context) -> int:
    from x509core.ca.admins import add_admin, check_name
    name = check_name(ctx.args.name)                     # before any prompt
    ca = ctx.open_ca(sign=False)
    subject = ca.certificate.subject
    ca_names = (*subject.organizations, *filter(None, [subject.common_name]))
    password = ctx.secret(ADMIN_PASSWORD, confirm=True)
    # add_admin checks the password (against the name and the CA's names) before it hashes it
    account = add_admin(ca.inventory, name, password, actor=ca.actor, context=ca_names)
    ctx.out(f"added the admin {account.name}")
    return 0


def run_admin_list(ctx: Context) -> int:
    accounts = ctx.open_ca(sign=False).inventory.admins()
    if ctx.args.json:
        ctx.out_json([{"name": a.name, "created_at": a.created_at.isoformat(),
                       "created_by": a.created_by} for a in accounts])
        return 0
    if not accounts:
        ctx.info("no admins (add one with `x509core admin add NAME`)")
        return 0
    width = max(len("NAME"), *(len(a.name) for a in accounts))
    ctx.out(f"{'NAME'.ljust(width)}  {'CREATED':<20}  BY")
    for a in accounts:
        ctx.out(f"{a.name.ljust(width)}  {a.created_at:%Y-%m-%dT%H:%M:%SZ}  {a.created_by}")
    return 0


def run_admin_remove(ctx: Context) -> int:
    from x509core.ca.admins import remove_admin
    ca = ctx.open_ca(sign=False)
    ended = remove_admin(ca.inventory, ctx.args.name, actor=ca.actor)
    ctx.out(f"removed the admin {ctx.args.name} ({ended} session(s) ended)")
    return 0
