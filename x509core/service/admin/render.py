"""Pages from Jinja2 templates that escape every value, and the headers every admin answer
carries.

Escaping. The environment escapes every ``{{ value }}`` for HTML (``autoescape=True`` for
every template, not by file name), so a certificate whose subject is
``CN=<script>alert(1)</script>`` is shown as that text; no template marks a value ``|safe``.
Undefined names are errors (``StrictUndefined``), not silently empty.

Headers (:data:`SECURITY_HEADERS`), on every answer of ``/admin/``:

- ``Content-Security-Policy``: scripts from nowhere (the pages have none; an injected
  ``<script>`` would not run even if escaping failed), styles and images from the service
  itself only, forms posted only to it, no framing (click-jacking), no ``<base>``;
- ``X-Frame-Options: DENY`` for browsers without CSP frame-ancestors; ``X-Content-Type-Options:
  nosniff``; ``Referrer-Policy: same-origin`` (nothing leaks to other sites, and the browser
  still sends ``Origin`` on a POST, which the CSRF check reads);
- ``Cache-Control: no-store``: inventory data, and an enrollment token shown once, are never
  kept by a browser or proxy cache.
"""

from __future__ import annotations

from datetime import datetime, timezone
from importlib import resources

import jinja2
from aiohttp import web

from x509core.safe_text import escape_unsafe

__all__ = ["SECURITY_HEADERS", "environment", "render", "stylesheet"]

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _when(moment: datetime | None) -> str:
    """A time as the pages show it: UTC to the minute."""
    if moment is None:
        return "-"
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _build() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("x509core.service.admin", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["when"] = _when
    env.filters["printable"] = escape_unsafe         # control characters shown escaped
    env.filters["day"] = lambda moment: "-" if moment is None else f"{moment:%Y-%m-%d}"
    return env


_ENVIRONMENT: jinja2.Environment | None = None


def environment() -> jinja2.Environment:
    """The one environment (templates are read once, at first use)."""
    global _ENVIRONMENT
    if _ENVIRONMENT is None:
        _ENVIRONMENT = _build()
    return _ENVIRONMENT


def render(template: str, *, status: int = 200, **values) -> web.Response:
    """``template`` rendered with ``values`` as a UTF-8 HTML answer."""
    html = environment().get_template(template).render(**values)
    return web.Response(status=status, text=html, content_type="text/html", charset="utf-8")


def stylesheet() -> bytes:
    """The one stylesheet (package data: no CDN, no external font)."""
    return resources.files("x509core.service.admin").joinpath("static/admin.css").read_bytes()
