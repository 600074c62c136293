"""``/admin/``: the dashboard, for a logged-in admin; and ``/admin/static/admin.css``, for
anyone (the login page needs it).

The dashboard shows the inventory's counts (``Inventory.counts``: valid, expiring within 30
days, revoked, expired; four index range counts), when the service's current CRL was signed
(thisUpdate) and when it goes stale (nextUpdate, RFC 5280 §5.1.2.5), and a bar chart of the
valid certificates that expire in each of the next 12 calendar months, drawn here as SVG
(:func:`expiry_chart`): no JavaScript, no chart library, readable without colour (each bar
carries its number, and a table gives the same figures).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from aiohttp import web

from x509core.service.admin.common import frame, service_of
from x509core.service.admin.render import render, stylesheet

__all__ = ["routes", "dashboard", "expiry_chart", "month_bounds", "Bar", "EXPIRING_WINDOW"]

EXPIRING_WINDOW = timedelta(days=30)
_MONTHS = 12
_WIDTH, _HEIGHT, _TOP, _BOTTOM, _LEFT = 720, 260, 24, 40, 8


@dataclass(frozen=True)
class Bar:
    """One month of the chart, with its geometry in SVG user units."""

    label: str
    count: int
    x: float
    y: float
    width: float
    height: float


def routes() -> list[web.RouteDef]:
    return [web.get("/", dashboard, name="dashboard", allow_head=False),
            web.get("/static/admin.css", css, name="stylesheet", allow_head=False)]


async def css(request: web.Request) -> web.Response:
    return web.Response(body=stylesheet(), content_type="text/css", charset="utf-8",
                        headers={"Cache-Control": "max-age=3600"})


def month_bounds(now: datetime, months: int = _MONTHS) -> list[datetime]:
    """``now``, then the first instant of each of the next ``months`` calendar months."""
    bounds, year, month = [now], now.year, now.month
    for _ in range(months):
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        bounds.append(datetime(year, month, 1, tzinfo=timezone.utc))
    return bounds


def expiry_chart(bounds: list[datetime], counts: list[int]) -> list[Bar]:
    """The bars: one per interval, heights scaled to the largest count."""
    top = max(counts) or 1
    slot = (_WIDTH - _LEFT) / len(counts)
    usable = _HEIGHT - _TOP - _BOTTOM
    bars = []
    for start, count, i in zip(bounds, counts, range(len(counts))):
        height = usable * count / top
        bars.append(Bar(f"{start:%b %Y}", count, _LEFT + i * slot + slot * 0.15,
                        _TOP + usable - height, slot * 0.7, height))
    return bars


def _gather(service, now: datetime) -> dict:
    """The dashboard's figures (blocking: a handful of index range counts)."""
    inventory = service.ca.inventory
    bounds = month_bounds(now)
    counts = inventory.expiry_counts(bounds)
    return {"counts": inventory.counts(expiring_within=EXPIRING_WINDOW, at=now),
            "bars": expiry_chart(bounds, counts), "tokens": len(inventory.tokens(
                active_only=True, at=now))}


async def dashboard(request: web.Request) -> web.Response:
    service = service_of(request)
    now = datetime.now(timezone.utc)
    figures = await service.run_blocking(_gather, service, now)
    crl = service.status.crl
    return render("dashboard.html", **frame(request, "dashboard"), **figures, now=now,
                  crl_signed=crl.this_update if crl else None,
                  crl_stale=crl.next_update if crl else None,
                  crl_number=crl.crl_number if crl else None,
                  chart={"width": _WIDTH, "height": _HEIGHT, "baseline": _HEIGHT - _BOTTOM})
