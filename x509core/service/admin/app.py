"""The admin application, mounted at ``/admin/`` of the HTTPS listener: its routes, and the
middleware that stands before every handler.

The middleware, in order, for every request:

1. A public route (the login page, the stylesheet) goes straight to its handler.
2. Any other needs a live session (:func:`~x509core.service.admin.sessions.current_admin`):
   without one, a GET is redirected to the login page (``?expired=1`` when a cookie was
   presented that is no session any more) and a POST is refused with 401.
3. A POST must come from our own origin (``Origin``, when the browser sends it) and carry the
   session's CSRF token in its ``csrf`` field; else 403 with one line.
4. The handler runs with ``request[ADMIN]`` set; every answer, refusals included, gets the
   headers of :data:`~x509core.service.admin.render.SECURITY_HEADERS`.
"""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from x509core.service import limits
from x509core.service.admin import audit, certificates, dashboard, login, tokens
from x509core.service.admin.common import ADMIN, read_form, same_origin
from x509core.service.admin.render import SECURITY_HEADERS
from x509core.service.admin.sessions import check_csrf, current_admin
from x509core.service.handlers.common import Refused, error_middleware
from x509core.service.state import SERVICE, Service

__all__ = ["create_admin_app", "PUBLIC_ROUTES"]

PUBLIC_ROUTES = frozenset({"login", "login-post", "stylesheet"})


async def _check_post(request: web.Request, expected_csrf: str) -> None:
    if not same_origin(request):
        raise Refused(403, "a form of the admin pages must be posted from the admin pages "
                           "(the Origin header names another site)")
    form = await read_form(request)
    if not check_csrf(expected_csrf, form.get("csrf")):
        raise Refused(403, "the form's CSRF token is missing or wrong: reload the page and "
                           "try again")


def _to_login(request: web.Request, stale: bool) -> web.Response:
    target = "/admin/login"
    params = []
    if stale:
        params.append("expired=1")
    if request.method == "GET" and request.path != "/admin/":
        params.append("next=" + quote(request.path_qs, safe=""))
    if params:
        target += "?" + "&".join(params)
    raise web.HTTPSeeOther(target)


async def _guarded(request: web.Request, handler):
    route = request.match_info.route.name
    if route in PUBLIC_ROUTES:
        return await handler(request)
    service: Service = request.app[SERVICE]
    admin, stale = await service.run_blocking(current_admin, service.ca.inventory, request)
    if admin is None:
        if request.method == "POST":
            raise Refused(401, "log in first: the session has ended or never began",
                          audit=False)
        _to_login(request, stale)
    if request.method == "POST":
        await _check_post(request, admin.csrf)
    request[ADMIN] = admin
    return await handler(request)


@web.middleware
async def admin_middleware(request: web.Request, handler):
    """Sessions, CSRF and security headers (module docstring). Every refusal and error, an
    unknown path's 404, a 405 and a 500 included, is made here by the service's one error
    handling (``handlers/common.error_middleware``), so that it gets the headers too."""
    try:
        response = await error_middleware(request, lambda inner: _guarded(inner, handler))
    except web.HTTPException as exc:             # a redirect: error_middleware passes those on
        response = exc
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if isinstance(response, web.HTTPException):
        raise response
    return response


def create_admin_app(service: Service) -> web.Application:
    """The ``/admin/`` sub-application of the HTTPS listener."""
    app = web.Application(client_max_size=limits.MAX_BODY, middlewares=[admin_middleware])
    app[SERVICE] = service
    app[login.LIMITER] = login.new_limiter()
    app[login.PASSWORD_CHECKS] = login.PasswordChecks()
    app.add_routes(login.routes() + dashboard.routes() + certificates.routes()
                   + tokens.routes() + audit.routes())
    return app
