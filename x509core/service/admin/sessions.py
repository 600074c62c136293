"""Who is logged in: the session cookie, its server-side row, expiry, and the CSRF token.

The cookie. ``__Host-x509core-admin`` holds a random secret (256 bits,
:func:`secrets.token_urlsafe`) with ``Secure; HttpOnly; SameSite=Strict; Path=/`` and no
``Domain``: sent over HTTPS only, never readable by a script (a script injected into a page
could not steal it), never sent with a request that another site starts (a forged form post
from elsewhere arrives without it), and, by the ``__Host-`` prefix (RFC 6265bis §4.1.3.2),
impossible for a sibling host or a plain-HTTP page to set or overwrite (no session fixation).
It has no ``Max-Age``: it ends when the browser closes, and the server ends it earlier.

The server side. The inventory keeps the SHA-256 of the secret (``admin_sessions``), so a
copy of the database holds no usable session. A session is refused, and its row deleted, when
it is older than :data:`SESSION_LIFETIME` (absolute) or unused for :data:`IDLE_TIMEOUT`;
logout deletes the row, and so does removing the account; a cookie without a row is no
session. Each node of a CA on PostgreSQL sees the same rows.

CSRF (OWASP's synchronizer token pattern). Every form carries a hidden ``csrf`` field: for a
logged-in admin, HMAC-SHA256 keyed by the session's secret (so it is bound to the session, not
stored, and worthless to anyone without the cookie); on the login form, before a session
exists, the value of a second cookie ``__Host-x509core-login`` (double submit: a site that
cannot read or set our cookies cannot copy it). Every POST is refused with 403 unless its
field matches, compared in constant time; a POST whose ``Origin`` names another origin is
refused too (defence in depth, OWASP's "verifying origin with standard headers").
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from aiohttp import web

from x509core.ca.inventory.admins import AdminSession
from x509core.ca.inventory.records import Actor

__all__ = ["SESSION_COOKIE", "LOGIN_COOKIE", "SESSION_LIFETIME", "IDLE_TIMEOUT",
           "TOUCH_EVERY", "Admin", "new_session", "session_id", "csrf_token", "check_csrf",
           "set_cookie", "clear_cookie", "login_cookie_value", "current_admin"]

SESSION_COOKIE = "__Host-x509core-admin"
LOGIN_COOKIE = "__Host-x509core-login"
SESSION_LIFETIME = timedelta(hours=8)        # a working shift, whatever happens
IDLE_TIMEOUT = timedelta(minutes=20)         # unused this long: ended
TOUCH_EVERY = timedelta(minutes=1)           # ``seen_at`` written at most this often
LOGIN_COOKIE_SECONDS = 3600
_CSRF_LABEL = b"x509core admin csrf v1"


@dataclass(frozen=True)
class Admin:
    """The admin of one request: name, session, and the request's address (for the audit)."""

    name: str
    secret: str                  # the cookie's value
    session: AdminSession
    source: str | None

    @property
    def actor(self) -> Actor:
        return Actor("admin", self.name, self.source)

    @property
    def csrf(self) -> str:
        return csrf_token(self.secret)


def session_id(secret: str) -> str:
    """The inventory's key of a session: the SHA-256 of its secret, in hex."""
    return hashlib.sha256(secret.encode("ascii", "replace")).hexdigest()


def csrf_token(secret: str) -> str:
    """The CSRF field of every form of a session (module docstring)."""
    return hmac.new(secret.encode("ascii", "replace"), _CSRF_LABEL, "sha256").hexdigest()


def check_csrf(expected: str | None, given: str | None) -> bool:
    """Whether the form's field matches (constant time); nothing matches a missing value."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def new_session(name: str, source: str | None, now: datetime) -> tuple[str, AdminSession]:
    """(the cookie's secret, the row to store) for a fresh login."""
    secret = secrets.token_urlsafe(32)
    now = now.replace(microsecond=0)
    return secret, AdminSession(session_id(secret), name, now, now, now + SESSION_LIFETIME,
                                source)


def set_cookie(response: web.StreamResponse, name: str, value: str, *,
               max_age: int | None = None) -> None:
    """A ``__Host-`` cookie: Secure, HttpOnly, SameSite=Strict, Path=/ (module docstring)."""
    response.set_cookie(name, value, path="/", secure=True, httponly=True, samesite="Strict",
                        max_age=max_age)


def clear_cookie(response: web.StreamResponse, name: str) -> None:
    response.set_cookie(name, "", path="/", secure=True, httponly=True, samesite="Strict",
                        max_age=0, expires="Thu, 01 Jan 1970 00:00:00 GMT")


def login_cookie_value(request: web.Request) -> str:
    """The login form's double-submit value: the browser's, or a new one."""
    value = request.cookies.get(LOGIN_COOKIE, "")
    if len(value) == 43 and value.replace("-", "").replace("_", "").isalnum():
        return value
    return secrets.token_urlsafe(32)


def _usable(session: AdminSession, now: datetime) -> bool:
    return now < session.expires_at and now < session.seen_at + IDLE_TIMEOUT


def current_admin(inventory, request: web.Request,
                  now: datetime | None = None) -> tuple[Admin | None, bool]:
    """(the logged-in admin or None, whether a cookie was presented that is no longer a
    session). Blocking: one indexed lookup, and a write when the session is ended or touched."""
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret or len(secret) > 100:
        return None, bool(secret)
    now = (now or datetime.now(timezone.utc)).replace(microsecond=0)
    key = session_id(secret)
    session = inventory.admin_session(key)
    if session is None:
        return None, True
    if not _usable(session, now):
        inventory.end_admin_session(key, audit=Actor("admin", session.admin, request.remote)
                                    .event("admin-session-expired", session.admin))
        return None, True
    if now - session.seen_at >= TOUCH_EVERY:
        inventory.touch_admin_session(key, now)
    return Admin(session.admin, secret, session, request.remote), False
