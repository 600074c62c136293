"""``/admin/tokens``: enrollment tokens for logged-in admins: the list, a new token (shown
once, with the commands that use it), revocation.

A token is made by :func:`x509core.ca.tokens.create_token` with the same constraints, lifetime
and use limits as ``x509core token create`` (``TokenConstraints`` checks them: a client token
may fix the organization, client id, machine id and binding; a server token must name its DNS
names or IP addresses), recorded as ``token-create`` by the admin. The answer shows the
token this once (the inventory keeps only its hash; ``Cache-Control: no-store`` keeps the page
out of every cache) with the EST commands (OpenSSL for the key and request, curl for
``simpleenroll``, RFC 7030 §4.2.1) and, for a client token, the seed API's call. Revocation
is :func:`x509core.ca.tokens.revoke_token`, as ``x509core token revoke``.
"""

from __future__ import annotations

import re
import shlex
from datetime import datetime, timezone

from aiohttp import web

from x509core.ca import tokens
from x509core.ca.cli.tokens import parse_ttl
from x509core.errors import X509CoreError
from x509core.service.admin.common import admin_of, frame, read_form, service_of
from x509core.service.admin.render import render
from x509core.service.handlers.common import Refused

__all__ = ["routes", "token_list", "token_create", "token_revoke", "commands", "SHOWN"]

SHOWN = 500                       # tokens listed, newest first (`x509core token list`: all)
_SPLIT = re.compile(r"[\s,]+")
_MACHINE_ID_OID = "1.3.6.1.4.15967132172.1"
_FIELDS = ("profile", "org", "client_id", "machine_id", "binding", "dns", "ip", "ttl", "uses")
_DEFAULTS = {**dict.fromkeys(_FIELDS), "profile": "client", "ttl": "24h", "uses": "1"}


def routes() -> list[web.RouteDef]:
    return [web.get("/tokens", token_list, name="tokens", allow_head=False),
            web.post("/tokens", token_create),
            web.post(r"/tokens/{token_id:[0-9a-f]{16}}/revoke", token_revoke)]


def _list(service, now: datetime) -> tuple[list, int]:
    """The newest :data:`SHOWN` tokens with their state and constraints; how many there are."""
    every = service.ca.inventory.tokens(at=now)
    return [(t, tokens.token_state(t, now), tokens.TokenConstraints.of(t).describe())
            for t in every[:SHOWN]], len(every)


async def _page(request: web.Request, *, status: int = 200, error: str | None = None,
                values: dict | None = None, created=None) -> web.Response:
    service = service_of(request)
    rows, total = await service.run_blocking(_list, service, datetime.now(timezone.utc))
    return render("tokens.html", **frame(request, "tokens"), rows=rows, total=total, error=error,
                  values={**_DEFAULTS, **(values or {})},
                  created=created, status=status)


async def token_list(request: web.Request) -> web.Response:
    return await _page(request)


def _text(form, name: str) -> str | None:
    value = str(form.get(name, "")).strip()
    return value or None


def _constraints(values: dict) -> tokens.TokenConstraints:
    """The form's constraints, checked by ``TokenConstraints`` as ``token create``'s are (a
    client token with DNS names, or a server token with a client id, is refused, not
    silently trimmed)."""
    split = lambda text: tuple(v for v in _SPLIT.split(text or "") if v)
    if values["profile"] not in ("client", "server"):
        raise Refused(400, "profile must be client or server")
    return tokens.TokenConstraints(
        profile=values["profile"], organization=values["org"], client_id=values["client_id"],
        machine_id=values["machine_id"], binding=values["binding"], dns=split(values["dns"]),
        ip=split(values["ip"]))


def _uses(text: str | None) -> int:
    if not text or not re.fullmatch(r"[0-9]{1,9}", text):
        raise Refused(400, "uses must be a whole number")
    return int(text)


async def token_create(request: web.Request) -> web.Response:
    service, admin = service_of(request), admin_of(request)
    form = await read_form(request)
    values = {name: _text(form, name) for name in _FIELDS}
    try:
        constraints = _constraints(values)
        ttl, uses = parse_ttl(values["ttl"] or "", "the time to live"), _uses(values["uses"])
        token, presented = await service.run_blocking(
            lambda: tokens.create_token(service.ca.inventory, constraints, ttl=ttl, uses=uses,
                                        actor=admin.actor))
    except (X509CoreError, Refused) as exc:
        reason = exc.reason if isinstance(exc, Refused) else str(exc)
        return await _page(request, status=400, error=reason, values=values)
    created = {"token": token, "presented": presented,
               "describe": constraints.describe(),
               "commands": commands(f"https://{request.host}", presented, constraints)}
    return await _page(request, created=created)


def commands(base: str, presented: str, constraints: tokens.TokenConstraints) -> dict:
    """The ready-to-paste commands for ``presented`` (shell-quoted)."""
    q = shlex.quote
    if constraints.profile == "client":
        cn = constraints.client_id or "CLIENTID00000001"
        subject = f"/O={constraints.organization or 'ORGANIZATION'}/CN={cn}"
        machine = q(constraints.machine_id) if constraints.machine_id \
            else '"$(x509core machine-id)"'
        extension = (f' -addext "{_MACHINE_ID_OID}=DER:$(printf %s {machine} | '
                     'od -An -tx1 | tr -d \' \\n\')"')
    else:
        names = [*constraints.dns, *constraints.ip]
        subject = f"/O={constraints.organization}/CN={names[0]}" if constraints.organization \
            else f"/CN={names[0]}"
        san = ",".join([f"DNS:{d}" for d in constraints.dns] + [f"IP:{a}" for a in constraints.ip])
        extension = f" -addext {q('subjectAltName=' + san)}"
    est = (f"curl --cacert ca.pem -o ca.p7 {q(base + '/.well-known/est/cacerts')}\n"
           f"openssl req -new -newkey rsa:2048 -nodes -keyout device.key -subj {q(subject)}"
           f"{extension} -outform DER | openssl base64 > device.csr.b64\n"
           f"curl --cacert ca.pem -u {q('device:' + presented)} "
           f"-H 'Content-Type: application/pkcs10' --data-binary @device.csr.b64 "
           f"-o device.p7.b64 {q(base + '/.well-known/est/simpleenroll')}\n"
           "openssl base64 -d -in device.p7.b64 | openssl pkcs7 -inform DER -print_certs "
           "-out device.pem")
    seed = None
    if constraints.profile == "client":
        seed = (f"curl --cacert ca.pem -H {q('Authorization: Bearer ' + presented)} "
                f"-d client_id={q(constraints.client_id or 'CLIENTID00000001')} "
                f"-d client_name={q(constraints.organization or 'Example Clinic')} "
                f"-d client_machine_id={q(constraints.machine_id or 'MACHINEID')} "
                f"-d client_mac_address=00:1A:2B:3C:4D:5E -d end_date=YYYYMMDD "
                f"{q(base + '/client/registe')}")
    return {"est": est, "seed": seed}


async def token_revoke(request: web.Request) -> web.Response:
    service, admin = service_of(request), admin_of(request)
    token_id = request.match_info["token_id"]
    try:
        await service.run_blocking(lambda: tokens.revoke_token(service.ca.inventory, token_id,
                                                               actor=admin.actor))
    except X509CoreError as exc:
        raise Refused(404, str(exc)) from None
    raise web.HTTPSeeOther("/admin/tokens")
