"""What the admin handlers share: the logged-in admin of a request, reading a posted form,
the origin check, and the values every page's frame shows."""

from __future__ import annotations

import asyncio

from aiohttp import web

from x509core.service import limits
from x509core.service.admin.sessions import Admin
from x509core.service.handlers.common import Refused
from x509core.service.state import SERVICE, Service

__all__ = ["ADMIN", "FORM", "read_form", "same_origin", "admin_of", "service_of", "frame"]

ADMIN = "x509core.admin"             # request key: the logged-in Admin
FORM = "x509core.admin.form"         # request key: the POSTed form, read once
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def read_form(request: web.Request):
    """The POSTed form (read once, within the body limits); Refused (415, 408, 400) otherwise.
    What aiohttp cannot decode (bytes that are not UTF-8, an unknown charset, a multipart body
    without its boundary) is the client's error: 400, not a 500 with a traceback."""
    if FORM in request:
        return request[FORM]
    media = request.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    if media not in _FORM_TYPES:
        raise Refused(415, "an admin form is posted as application/x-www-form-urlencoded")
    try:
        form = await asyncio.wait_for(request.post(), limits.BODY_TIMEOUT)
    except asyncio.TimeoutError:
        raise Refused(408, f"the form did not arrive within {limits.BODY_TIMEOUT:g} seconds") \
            from None
    except (ValueError, LookupError):        # UnicodeDecodeError is a ValueError
        raise Refused(400, "the form cannot be read (UTF-8 form fields, as a browser sends "
                      "them)") from None
    request[FORM] = form
    return form


def same_origin(request: web.Request) -> bool:
    """Whether a POST's ``Origin`` (when sent) is this service's own HTTPS origin."""
    origin = request.headers.get("Origin")
    return origin is None or origin == f"https://{request.host}"


def admin_of(request: web.Request) -> Admin:
    return request[ADMIN]


def service_of(request: web.Request) -> Service:
    return request.app[SERVICE]


def frame(request: web.Request, section: str) -> dict:
    """The values of the page frame (``base.html``): who is logged in, the CSRF token of the
    logout form, and which section of the navigation is current."""
    admin = admin_of(request)
    return {"admin": admin.name, "csrf": admin.csrf, "section": section}
