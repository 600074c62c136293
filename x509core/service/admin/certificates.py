"""``/admin/certificates``: the list (search, filters, sort, keyset pagination), one
certificate's page, its downloads, and revocation with a confirmation step. For logged-in
admins only (the middleware).

The list is one :meth:`Inventory.page` call: filters and search as ``x509core list`` and the
inventory's package docstring define them, sorted by notAfter (soonest first, or latest
first), :data:`PAGE_SIZE` rows a page, the next page named by the last row's ``(notAfter,
id)`` (keyset pagination: page 1,000 costs what page 1 does). Every query is served by an index
(``schema.py``; ``benchmarks/service/bench_admin.py`` measures it at 100,000 rows).

Revocation is ``CertificateAuthority.revoke``, the same call as ``x509core revoke``, made as
the admin (``acting_as``): the audit row names the admin and the address. ``GET
.../revoke`` shows what will be revoked and asks for the reason; only the ``POST`` of that
page revokes. The OCSP responder answers ``revoked`` from the next request on, and the CRL is
re-signed within a second (``x509core/service/revocation.py``).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from aiohttp import web

from x509core.ca.cli.inventory import binding_line
from x509core.ca.issuance.revocation import REVOCATION_REASONS
from x509core.ca.inventory.listing import SEARCH_FIELDS
from x509core.ca.inventory.records import CERTIFICATE_PROFILES, parse_time, serial_hex
from x509core.cert.certificate import load_pem_certificate
from x509core.cert.lint import lint
from x509core.cert.text import certificate_lines
from x509core.errors import X509CoreError
from x509core.safe_text import escape_unsafe
from x509core.service import authority
from x509core.service.admin.common import admin_of, frame, read_form, service_of
from x509core.service.admin.dashboard import EXPIRING_WINDOW
from x509core.service.admin.render import render
from x509core.service.handlers.common import Refused

__all__ = ["routes", "listing", "detail", "download", "revoke_page", "revoke", "PAGE_SIZE",
           "STATUSES", "parse_cursor"]

PAGE_SIZE = 50
STATUSES = ("valid", "expiring", "expired", "revoked")
_SERIAL = re.compile(r"[0-9A-Fa-f]{1,40}")
_CURSOR = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)~(\d{1,18})")


def routes() -> list[web.RouteDef]:
    return [web.get("/certificates", listing, name="certificates", allow_head=False),
            web.get(r"/certificates/{serial:[0-9A-Fa-f]{1,40}}", detail, allow_head=False),
            web.get(r"/certificates/{serial:[0-9A-Fa-f]{1,40}}/{kind:pem|der|chain}", download,
                    allow_head=False),
            web.get(r"/certificates/{serial:[0-9A-Fa-f]{1,40}}/revoke", revoke_page,
                    allow_head=False),
            web.post(r"/certificates/{serial:[0-9A-Fa-f]{1,40}}/revoke", revoke)]


def parse_cursor(text: str | None) -> tuple | None:
    """``after=<notAfter>~<id>`` of a next-page link; None for the first page."""
    if not text:
        return None
    match = _CURSOR.fullmatch(text)
    try:
        if match is None:
            raise ValueError(text)
        parse_time(match.group(1))           # a date that does not exist is a ValueError too
    except ValueError:
        raise Refused(400, "not a page cursor of this list (after=)") from None
    return match.group(1), int(match.group(2))


def _choice(query, name: str, allowed, default: str = "") -> str:
    value = query.get(name, default)
    if value not in (*allowed, ""):
        raise Refused(400, f"{name} must be one of {', '.join(allowed)}")
    return value


def _filters(query) -> dict:
    """The list's parameters, checked; ``x509core list``'s filters by another name."""
    return {"q": query.get("q", "").strip()[:200],
            "field": _choice(query, "field", SEARCH_FIELDS, "any") or "any",
            "profile": _choice(query, "profile", CERTIFICATE_PROFILES),
            "status": _choice(query, "status", STATUSES),
            "order": _choice(query, "order", ("soonest", "latest"), "soonest") or "soonest"}


def _page(inventory, filters: dict, after, now: datetime):
    status = filters["status"] or None
    return inventory.page(
        status=None if status == "expiring" else status,
        expiring_within=EXPIRING_WINDOW if status == "expiring" else None,
        profile=filters["profile"] or None, search=filters["q"] or None,
        search_field=filters["field"], sort="not_after",
        descending=filters["order"] == "latest", after=after, limit=PAGE_SIZE, at=now)


async def listing(request: web.Request) -> web.Response:
    service, filters = service_of(request), _filters(request.query)
    after, now = parse_cursor(request.query.get("after")), datetime.now(timezone.utc)
    error, page = None, None
    try:
        page = await service.run_blocking(_page, service.ca.inventory, filters, after, now)
    except X509CoreError as exc:                      # a search the inventory cannot read
        error = str(exc)
    records = page.records if page else ()
    cursor = f"{page.next_after[0]}~{page.next_after[1]}" if page and page.next_after else None
    return render("certificates.html", **frame(request, "certificates"), filters=filters,
                  records=[(r, r.display_status(now)) for r in records], next_cursor=cursor,
                  first_page=after is None, error=error, status=400 if error else 200,
                  search_fields=SEARCH_FIELDS, profiles=CERTIFICATE_PROFILES,
                  statuses=STATUSES)


def _serial(request: web.Request) -> int:
    text = request.match_info["serial"]
    if not _SERIAL.fullmatch(text):
        raise Refused(404, "not a serial number")
    return int(text, 16)


async def _record(request: web.Request):
    service = service_of(request)
    record = await service.run_blocking(authority.find_record, service.ca, _serial(request))
    if record is None or record.pem is None:
        raise Refused(404, f"this CA issued no certificate {request.match_info['serial']}")
    return record


def _show(record, ca_certificate) -> dict:
    """What ``x509core show SERIAL`` prints, and the chain up to the CA."""
    cert = load_pem_certificate(record.pem)
    findings = [str(f) for f in lint(cert)]
    return {"lines": [escape_unsafe(line) for line in certificate_lines(cert)],
            "binding": escape_unsafe(binding_line(cert).removeprefix("Machine binding: ")),
            "findings": findings,
            "chain": [("this certificate", cert.subject.rfc4514(), cert.issuer.rfc4514()),
                      ("issuing CA", ca_certificate.subject.rfc4514(),
                       ca_certificate.issuer.rfc4514())]}


async def detail(request: web.Request) -> web.Response:
    record = await _record(request)
    service = service_of(request)
    shown = await service.run_blocking(_show, record, service.ca.certificate)
    return render("certificate.html", **frame(request, "certificates"), record=record,
                  state=record.display_status(), just_revoked=request.query.get("revoked") == "1",
                  **shown)


async def download(request: web.Request) -> web.Response:
    record = await _record(request)
    kind, name = request.match_info["kind"], record.serial_hex
    cert = load_pem_certificate(record.pem)
    if kind == "der":
        body, media, file = cert.to_der(), "application/pkix-cert", f"{name}.der"
    elif kind == "pem":
        body, media, file = cert.to_pem().encode(), "application/x-pem-file", f"{name}.pem"
    else:
        chain = cert.to_pem() + service_of(request).ca.certificate.to_pem()
        body, media, file = chain.encode(), "application/x-pem-file", f"{name}-chain.pem"
    return web.Response(body=body, content_type=media, headers={
        "Content-Disposition": f'attachment; filename="{file}"'})


async def revoke_page(request: web.Request) -> web.Response:
    record = await _record(request)
    return render("revoke.html", **frame(request, "certificates"), record=record,
                  state=record.display_status(), reasons=REVOCATION_REASONS, error=None)


def _revoke_as(service, actor, serial: int, reason: str):
    with service.ca.acting_as(actor, action="revoke"):
        return service.ca.revoke(serial, reason)


async def revoke(request: web.Request) -> web.Response:
    record = await _record(request)
    service, admin = service_of(request), admin_of(request)
    form = await read_form(request)
    reason = str(form.get("reason", ""))
    if record.status == "revoked":
        raise Refused(409, f"{record.serial_hex} is already revoked")
    if form.get("confirm") != "yes" or reason not in REVOCATION_REASONS:
        return render("revoke.html", **frame(request, "certificates"), record=record,
                      state=record.display_status(), reasons=REVOCATION_REASONS, status=400,
                      error="Choose a reason and tick the confirmation box to revoke.")
    await service.run_blocking(_revoke_as, service, admin.actor, record.serial, reason)
    service.status.poll()                   # OCSP and the CRL see it from the next request
    raise web.HTTPSeeOther(f"/admin/certificates/{serial_hex(record.serial)}?revoked=1")
