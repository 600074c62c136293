"""``/admin/login`` and ``/admin/logout``: who may call them, and what a failed login costs.

- ``GET /admin/login``: anyone; the form, with the login CSRF cookie (``sessions.py``).
- ``POST /admin/login``: anyone who holds the login form's CSRF pair; name and password
  checked against the account's scrypt hash (``x509core/ca/admins.py``; a name without an
  account costs the same work). Success: a new session (a new secret every time: a session id
  planted before login is worthless), ``admin-login`` in the audit trail, a redirect to the
  page asked for. Failure: 401 and the form again, saying only "wrong name or password", and
  one ``admin-login`` failure row, under the name tried when it is an account's and under
  ``(not an account)`` otherwise (what is typed into the name field is sometimes a password,
  and the trail is append-only: ASVS 4.0.3 §7.1.1).
- ``POST /admin/logout``: a logged-in admin (session and CSRF checked by the middleware); the
  session's row is deleted, the cookie cleared, ``admin-logout`` recorded.

Rate limit. Failed logins are counted per client address with the service's token-bucket
limiter (``x509core/service/throttle.py``), a bucket of its own: :data:`BURST` failures at
once, then one more every :data:`REFILL_SECONDS`; an empty bucket refuses every login from
that address with 429 and ``Retry-After`` before any password is checked, and the lockout is
one ``rate-limited`` row. Each login takes its unit before its password is checked and gives
it back on success, so logins sent at once cannot all pass (``throttle.py``, CWE-362).
There is deliberately no lock per account name: anyone could then lock a real admin out.
Password checks run one at a time in the worker pool (each takes 128 MiB and about half a
second), so a flood of logins cannot exhaust memory, and at most :data:`MAX_WAITING` wait
(:class:`PasswordChecks`; beyond, 503 with ``Retry-After``), so that a flood from many
addresses cannot hold a real admin's login in a queue without bound.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timezone

from aiohttp import web

from x509core.ca.admins import check_password
from x509core.ca.inventory.records import Actor
from x509core.errors import X509CoreError
from x509core.service.admin.common import ADMIN, read_form, same_origin
from x509core.service.admin.render import render
from x509core.service.admin.sessions import (LOGIN_COOKIE, LOGIN_COOKIE_SECONDS, SESSION_COOKIE,
                                             check_csrf, clear_cookie, login_cookie_value,
                                             new_session, session_id, set_cookie)
from x509core.service.handlers.common import Refused
from x509core.service.logs import logger
from x509core.service.state import SERVICE, Service
from x509core.service.throttle import GuessLimiter, take_turn

__all__ = ["routes", "login_page", "login_post", "logout", "new_limiter", "LIMITER",
           "PASSWORD_CHECKS", "PasswordChecks", "BURST", "REFILL_SECONDS", "MAX_WAITING"]

BURST = 5                      # failed logins an address may make at once
REFILL_SECONDS = 60.0          # then one more a minute
LIMITER = web.AppKey("admin-login-limiter", GuessLimiter)
MAX_WAITING = 16               # password checks queued at most (PasswordChecks)
_MAX_NAME = 64


def routes() -> list[web.RouteDef]:
    return [web.get("/login", login_page, name="login", allow_head=False),
            web.post("/login", login_post, name="login-post"),
            web.post("/logout", logout, name="logout")]


def new_limiter() -> GuessLimiter:
    return GuessLimiter(burst=BURST, refill_seconds=REFILL_SECONDS)


def _next_page(value: str | None) -> str:
    """Where to go after login: a page of the admin pages, else the dashboard (never another
    site: an open redirect would help phishing)."""
    if value and value.startswith("/admin/") and "//" not in value and "\\" not in value:
        return value
    return "/admin/"


def _form(request: web.Request, *, status: int = 200, error: str | None = None,
          name: str = "", headers: dict | None = None) -> web.Response:
    token = login_cookie_value(request)
    response = render("login.html", status=status, csrf=token, error=error, name=name,
                      next=_next_page(request.query.get("next") or None),
                      expired=request.query.get("expired") == "1",
                      logged_out=request.query.get("logged_out") == "1", admin=None)
    response.headers.update(headers or {})
    set_cookie(response, LOGIN_COOKIE, token, max_age=LOGIN_COOKIE_SECONDS)
    return response


async def login_page(request: web.Request) -> web.Response:
    return _form(request)


async def _record(service: Service, event) -> None:
    try:
        await service.run_blocking(service.ca.inventory.append_audit, event)
    except Exception:
        logger.exception("could not record %s in the audit trail", event.action)


async def _check(request: web.Request, service: Service, name: str,
                 password: str) -> tuple[bool, bool]:
    """(whether name and password are right, whether the name is an account's); a name
    without an account costs the same work (no enumeration by timing)."""
    account = None
    if 0 < len(name) <= _MAX_NAME:
        account = await service.run_blocking(service.ca.inventory.admin, name)
    stored = account.password_hash if account is not None else None
    checks: PasswordChecks = request.app[PASSWORD_CHECKS]
    async with checks.turn():
        right = await service.run_blocking(check_password, stored,
                                           password.encode("utf-8", "replace"))
    return right, account is not None


class PasswordChecks:
    """Password checks one at a time (each takes 128 MiB and about half a second), and at most
    :data:`MAX_WAITING` waiting: beyond that a login is refused with 503 and Retry-After
    rather than queued, so that a flood of logins from many addresses cannot delay a real
    admin's without bound."""

    def __init__(self) -> None:
        self._one = asyncio.Semaphore(1)
        self.waiting = 0

    @contextlib.asynccontextmanager
    async def turn(self):
        if self.waiting >= MAX_WAITING:
            raise Refused(503, "too many logins at once; try again in a few seconds",
                          {"Retry-After": "5"})
        self.waiting += 1
        try:
            await self._one.acquire()
        finally:
            self.waiting -= 1
        try:
            yield
        finally:
            self._one.release()


async def login_post(request: web.Request) -> web.Response:
    service: Service = request.app[SERVICE]
    form = await read_form(request)
    if not same_origin(request):
        raise Refused(403, "the login form must be posted from the login page (the Origin "
                           "header names another site)")
    if not check_csrf(request.cookies.get(LOGIN_COOKIE), form.get("csrf")):
        raise Refused(403, "the login form's CSRF token is missing or wrong: reload the login "
                           "page and try again")
    name, password = str(form.get("name", "")).strip(), str(form.get("password", ""))
    limiter, address = request.app[LIMITER], request.remote
    wait = (await take_turn(limiter, address)).refused_for    # before the check (throttle.py)
    if wait is not None:
        return _form(request, status=429, name=name, headers={"Retry-After": str(wait)},
                     error=f"Too many failed logins from this address: try again in {wait} s.")
    try:
        right, known = await _check(request, service, name, password)
    except BaseException:
        limiter.settle(address, failed=False)   # not a failed guess: the check did not run
        raise
    emptied = limiter.settle(address, failed=not right)
    # A failure is recorded under the name only when it is an account's: what is typed into
    # the name field is sometimes a password, and the trail is append-only (ASVS 4.0.3 §7.1.1).
    actor = Actor("admin", name if known else "(not an account)", address)
    if not right:
        await _record(service, actor.event("admin-login", actor.name, "failure",
                                           "wrong name or password"))
        if emptied:
            await _record(service, actor.event("rate-limited", actor.name, "failure",
                                               "admin-login: too many failed logins; later "
                                               "tries refused with 429"))
        return _form(request, status=401, name=name, error="Wrong name or password.")
    secret, session = new_session(name, address, datetime.now(timezone.utc))
    await service.run_blocking(lambda: service.ca.inventory.add_admin_session(
        session, audit=actor.event("admin-login", name)))
    response = web.HTTPSeeOther(_next_page(str(form.get("next", "")) or None))
    set_cookie(response, SESSION_COOKIE, secret)
    clear_cookie(response, LOGIN_COOKIE)
    raise response


async def logout(request: web.Request) -> web.Response:
    service: Service = request.app[SERVICE]
    admin = request[ADMIN]
    try:
        await service.run_blocking(lambda: service.ca.inventory.end_admin_session(
            session_id(admin.secret), audit=admin.actor.event("admin-logout", admin.name)))
    except X509CoreError as exc:
        raise Refused(503, f"could not end the session: {exc}") from None
    response = web.HTTPSeeOther("/admin/login?logged_out=1")
    clear_cookie(response, SESSION_COOKIE)
    raise response


PASSWORD_CHECKS = web.AppKey("admin-password-checks", PasswordChecks)
