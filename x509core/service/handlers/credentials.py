"""Enrollment tokens presented over HTTP: read from the request, rate limited per address,
checked against the inventory (:func:`x509core.ca.tokens.authenticate`); nothing is spent here.

Where a token comes from:

- EST ``simpleenroll``: HTTP Basic (RFC 7617; RFC 7030 §3.2.3 lets an EST server authorise a
  client by HTTP authentication). Two forms are accepted, for two kinds of client: the whole
  token ``<id>.<secret>`` as the password with any user name (empty included), so that a token
  is pasted as one string into a client that insists on a user name (``curl -u
  any:<token>``); or the token id as the user name and the secret as the password, for clients
  whose configuration has the two fields. A password with a dot is always the whole token (a
  secret never has one: it is URL-safe base64). The user name is otherwise not used: the token
  alone authorises, and one thing to get right is better than two.
- the seed API: ``Authorization: Bearer <id>.<secret>`` (RFC 6750 §2.1).

A missing or foreign credential is refused with 401 and a challenge (``WWW-Authenticate``,
RFC 9110 §11.6.1), without counting as a guess; a token that is no token, an unknown id or a
wrong secret is a failed guess (``x509core/service/throttle.py``); a spent, expired or revoked
token is refused with 401 and says which, as the client holds its secret.
"""

from __future__ import annotations

import base64
import binascii

from aiohttp import web

from x509core.ca.inventory import Token, TokenRefused
from x509core.ca.inventory.records import Actor
from x509core.service import authority
from x509core.service.handlers.common import AUDIT, Refused, audit_as
from x509core.service.logs import logger
from x509core.service.state import SERVICE, Service
from x509core.service.throttle import take_turn

__all__ = ["basic_token", "bearer_token", "authenticate", "BASIC_CHALLENGE", "BEARER_CHALLENGE",
           "INVALID_TOKEN", "INSUFFICIENT_SCOPE",
           "GUESSES"]

BASIC_CHALLENGE = {"WWW-Authenticate": 'Basic realm="x509core EST", charset="UTF-8"'}
BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="x509core"'}
# RFC 6750 §3.1: a token that was presented and is no good (wrong, spent, expired, revoked),
# and one that is good but does not allow what is asked.
INVALID_TOKEN = {"WWW-Authenticate": 'Bearer realm="x509core", error="invalid_token"'}
INSUFFICIENT_SCOPE = {"WWW-Authenticate": 'Bearer realm="x509core", error="insufficient_scope"'}
GUESSES = ("malformed", "unknown", "wrong-secret")     # TokenRefused reasons that cost a unit

_REASONS = {
    "malformed": "not an enrollment token (expected <16 hexadecimal digits>.<secret>)",
    "unknown": "unknown enrollment token or wrong secret",
    "wrong-secret": "unknown enrollment token or wrong secret",
    "revoked": "the enrollment token {id} has been revoked",
    "expired": "the enrollment token {id} has expired",
    "spent": "the enrollment token {id} is spent (every use it allowed was made)",
}


def basic_token(request: web.Request) -> str:
    """The token of EST's HTTP Basic credentials (module docstring); Refused (401) when there
    are none, and a failed guess when they cannot be read."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "basic":
        raise Refused(401, "simpleenroll needs an enrollment token: HTTP Basic with the token "
                           "as the password (RFC 7030 §3.2.3)", BASIC_CHALLENGE)
    try:
        pair = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        pair = ""
    user, colon, password = pair.partition(":")       # RFC 7617 §2: no colon in the user-id
    if colon and "." in password:
        return password
    if colon and user and password:
        return f"{user}.{password}"
    return ""                                            # malformed: a failed guess


def bearer_token(request: web.Request, *, bare: bool = False) -> str:
    """The token of ``Authorization: Bearer`` (RFC 6750 §2.1); Refused (401) without one."""
    scheme, _, value = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Refused(401, "an enrollment token is required: Authorization: Bearer <token> "
                           "(x509core's difference from the seed system)", BEARER_CHALLENGE,
                      bare=bare)
    return value.strip()


async def authenticate(request: web.Request, presented: str, *, challenge: dict,
                       bare: bool = False) -> tuple[Token, str]:
    """(token, secret hash) of a token that may be spent now. Refused with 429 while the
    address is rate limited, 401 otherwise; the request's audit actor becomes the token."""
    service: Service = request.app[SERVICE]
    address = request.remote
    action = request[AUDIT][0]
    wait = (await take_turn(service.guesses, address)).refused_for   # before the check
    if wait is not None:
        raise Refused(429, f"too many failed enrollment tokens from this address; try again in "
                           f"{wait} s", {"Retry-After": str(wait)}, bare=bare, audit=False)
    try:
        token, secret_hash = await service.run_blocking(authority.authenticate_token,
                                                        service.ca, presented)
    except TokenRefused as refused:
        audit_as(request, action, Actor("token", refused.token_id, address))
        # a spent, expired or revoked token had its secret right: not a guess (throttle.py)
        if service.guesses.settle(address, failed=refused.reason in GUESSES):
            await _record_lockout(service, request, action)
        raise Refused(401, _REASONS[refused.reason].format(id=refused.token_id), challenge,
                      bare=bare) from None
    except BaseException:
        service.guesses.settle(address, failed=False)   # not a guess (the inventory is away)
        raise
    service.guesses.settle(address, failed=False)
    audit_as(request, action, Actor("token", token.id, address))
    return token, secret_hash


async def _record_lockout(service: Service, request: web.Request, action: str) -> None:
    """The refusal that empties an address's bucket is followed by one row saying so."""
    event = Actor("token", "-", request.remote).event(
        "rate-limited", outcome="failure", detail=f"{action}: too many failed enrollment "
                                                   "tokens; later tries refused with 429")
    try:
        await service.run_blocking(authority.record_event, service.ca, event)
    except Exception:
        logger.exception("could not record a rate limit in the audit trail")
