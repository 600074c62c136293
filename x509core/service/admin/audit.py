"""``/admin/audit``: the audit trail for logged-in admins, newest first, filtered by action,
actor, target, outcome and time (the filters of ``x509core audit``), :data:`PAGE_SIZE` rows a
page; and ``/admin/audit.jsonl``, the same filters exported as JSON Lines (one object per line,
the fields of ``x509core audit --json``), streamed page by page so that memory stays bounded
whatever the trail's length. Reading the trail is not itself recorded.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from aiohttp import web

from x509core.ca.cli.support import parse_time
from x509core.ca.inventory.records import AUDIT_ACTIONS, OUTCOMES, actor_filter
from x509core.errors import X509CoreError
from x509core.service.admin.common import frame, service_of
from x509core.service.admin.render import SECURITY_HEADERS, render
from x509core.service.handlers.common import Refused

__all__ = ["routes", "audit_page", "export", "event_json", "PAGE_SIZE", "ACTIONS"]

PAGE_SIZE = 100
_EXPORT_BATCH = 1000
ACTIONS = AUDIT_ACTIONS


def routes() -> list[web.RouteDef]:
    return [web.get("/audit", audit_page, name="audit", allow_head=False),
            web.get("/audit.jsonl", export, name="audit-export", allow_head=False)]


def event_json(event) -> dict:
    """One event as ``x509core audit --json`` writes it."""
    return {"id": event.id, "at": event.at.isoformat(), "action": event.action,
            "outcome": event.outcome, "actor_kind": event.actor_kind, "actor": event.actor,
            "source": event.source, "target": event.target, "detail": event.detail,
            "node": event.node}


def _filters(query) -> tuple[dict, dict]:
    """(the form's values as given, the inventory's filters); Refused when one is unusable."""
    shown = {name: query.get(name, "").strip()[:100]
             for name in ("action", "actor", "target", "outcome", "since", "until")}
    if shown["outcome"] not in ("", *OUTCOMES):
        raise Refused(400, "outcome must be success or failure")
    if shown["action"] not in ("", *ACTIONS):
        raise Refused(400, "not an action of the audit trail")
    filters = {name: shown[name] or None for name in ("action", "target", "outcome")}
    filters["actor_kind"], filters["actor"] = actor_filter(shown["actor"]) if shown["actor"] \
        else (None, None)
    try:
        filters["since"] = parse_time(shown["since"]) if shown["since"] else None
        filters["until"] = parse_time(shown["until"]) if shown["until"] else None
    except X509CoreError as exc:
        raise Refused(400, f"since/until: {exc}") from None
    return shown, filters


def _after(query) -> int | None:
    text = query.get("after", "")
    if not text:
        return None
    if not text.isdigit() or len(text) > 18:
        raise Refused(400, "not a page cursor of the audit trail (after=)")
    return int(text)


async def audit_page(request: web.Request) -> web.Response:
    service = service_of(request)
    shown, filters = _filters(request.query)
    after = _after(request.query)
    events = await service.run_blocking(lambda: service.ca.inventory.audit_page(
        **filters, after_id=after, limit=PAGE_SIZE, newest_first=True))
    next_after = events[-1].id if len(events) == PAGE_SIZE else None
    query = urlencode({k: v for k, v in shown.items() if v})
    return render("audit.html", **frame(request, "audit"), events=events, shown=shown,
                  next_after=next_after, first_page=after is None, actions=ACTIONS,
                  outcomes=OUTCOMES, export_query=query)


async def export(request: web.Request) -> web.StreamResponse:
    service = service_of(request)
    _, filters = _filters(request.query)
    response = web.StreamResponse(headers={
        **SECURITY_HEADERS, "Content-Type": "application/jsonl; charset=utf-8",
        "Content-Disposition": 'attachment; filename="x509core-audit.jsonl"'})
    await response.prepare(request)
    after = None
    while True:
        events = await service.run_blocking(lambda: service.ca.inventory.audit_page(
            **filters, after_id=after, limit=_EXPORT_BATCH))
        lines = "".join(json.dumps(event_json(e), ensure_ascii=True) + "\n" for e in events)
        await response.write(lines.encode("ascii"))
        if len(events) < _EXPORT_BATCH:
            break
        after = events[-1].id
    await response.write_eof()
    return response
