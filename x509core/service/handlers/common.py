"""What every handler shares: refusing a request with one line, reading a body within the
limits, base64 as EST sends it, the audit of refused requests, and the middleware that turns
any error into a 4xx or 5xx line.

A refusal is an HTTP status and a one-line ``text/plain`` reason (``x509core: ...``), never a
traceback: :class:`Refused` carries it out of a handler, and :func:`error_middleware` also
turns an :class:`~x509core.errors.X509CoreError` (bad input that reached the CA layer) into a
400 with its message (503 when the inventory's database is unreachable), and anything else (a
bug) into a 500 whose reason says only that, the traceback going to the log. Messages are
escaped to printable ASCII-safe text and cut to one line, since they may quote what the client
sent. The seed system's API answers its errors as that system does, the message alone as the
body (``bare``).

Audit of refusals. A handler that changes state (an enrollment, a re-enrollment, a
registration) first calls :func:`audit_as` with its action and who is asking (so far as it
knows: a token id once the token is read, a serial once the client certificate is); the
middleware then appends one failure row for any refusal of that request (who, from which
address, the action, the one-line reason). Read-only endpoints (CA certificates, the CRL,
OCSP) and unknown paths are logged, not recorded.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import re

from aiohttp import web

from x509core.ca.inventory import InventoryUnavailable
from x509core.ca.inventory.records import Actor
from x509core.errors import X509CoreError
from x509core.service import limits
from x509core.service.logs import logged_path, logger, printable
from x509core.service.state import SERVICE

__all__ = ["Refused", "refuse", "one_line", "read_body", "decode_base64", "error_middleware",
           "media_type", "audit_as", "AUDIT"]

AUDIT = "x509core.audit"                     # request key: (action, Actor) of an audited request

_MAX_REASON = 300
_WHITESPACE = re.compile(rb"[ \t\r\n]+")


class Refused(Exception):
    """A request refused with ``status`` and a one-line ``reason``; ``bare``: the reason alone
    is the body (the seed system's form); ``audit``: False for a refusal the audit trail must
    not record (a rate-limited flood: ``x509core/service/throttle.py``)."""

    def __init__(self, status: int, reason: str, headers: dict | None = None, *,
                 bare: bool = False, audit: bool = True):
        super().__init__(reason)
        self.status, self.reason, self.headers = status, reason, headers or {}
        self.bare, self.audit = bare, audit


def one_line(text: str) -> str:
    """``text`` on one line, control characters escaped, at most a few hundred characters."""
    line = printable(" ".join(str(text).split()))
    return line if len(line) <= _MAX_REASON else line[:_MAX_REASON - 3] + "..."


def refuse(status: int, reason: str, headers: dict | None = None, *,
           bare: bool = False) -> web.Response:
    """The response of a refused request: ``status`` and ``x509core: <reason>`` (``bare``:
    the reason alone, without a final newline, as the seed system answers)."""
    text = one_line(reason) if bare else f"x509core: {one_line(reason)}\n"
    return web.Response(status=status, text=text, content_type="text/plain", headers=headers)


def audit_as(request: web.Request, action: str, actor: Actor) -> None:
    """Record a refusal of this request as ``action`` by ``actor`` (module docstring)."""
    request[AUDIT] = (action, actor)


def media_type(request: web.Request) -> str:
    """The request's media type, lower case, without parameters (RFC 9110 §8.3.1)."""
    return request.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()


async def read_body(request: web.Request, allowed_types: tuple[str, ...], *,
                    max_size: int = limits.MAX_BODY) -> bytes:
    """The body of a POST of one of ``allowed_types``, at most ``max_size`` octets, read within
    ``BODY_TIMEOUT`` seconds; Refused (415, 413, 408, 400) otherwise."""
    if media_type(request) not in allowed_types:
        raise Refused(415, f"the body must be {' or '.join(allowed_types)}, not "
                           f"{request.headers.get('Content-Type') or 'untyped'}")
    if request.content_length is not None and request.content_length > max_size:
        raise Refused(413, f"the body is limited to {max_size} octets")
    try:
        body = await asyncio.wait_for(_read_at_most(request, max_size + 1), limits.BODY_TIMEOUT)
    except asyncio.TimeoutError:
        raise Refused(408, f"the body did not arrive within {limits.BODY_TIMEOUT:g} seconds") from None
    if len(body) > max_size:
        raise Refused(413, f"the body is limited to {max_size} octets")
    if not body:
        raise Refused(400, "the body is empty")
    return body


async def _read_at_most(request: web.Request, limit: int) -> bytes:
    """The body up to its end or ``limit`` octets, whichever comes first (a read returns what
    has arrived, so it loops)."""
    body = bytearray()
    while len(body) < limit:
        chunk = await request.content.read(limit - len(body))
        if not chunk:
            break
        body += chunk
    return bytes(body)


def decode_base64(data: bytes, what: str) -> bytes:
    """Base64 (RFC 4648 §4) as EST carries DER: white space (CR, LF, space, tab) is tolerated
    anywhere (RFC 8951 §3.2), anything else outside the alphabet is refused."""
    compact = _WHITESPACE.sub(b"", data)
    try:
        decoded = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise Refused(400, f"{what} is not base64 (RFC 7030 §4.2.1, RFC 8951 §3.2)") from None
    if not decoded:
        raise Refused(400, f"{what} is empty")
    return decoded


@web.middleware
async def error_middleware(request: web.Request, handler):
    """Refused -> its status and line; X509CoreError -> 400 (an unreachable inventory: 503);
    HTTP errors of aiohttp (404, 405, 413 from ``client_max_size``) -> one line too; anything
    else -> 500, traceback logged. A refusal of an audited request is recorded."""
    try:
        return await handler(request)
    except Refused as refusal:
        logger.info("refused %s %s from %s: %d %s", request.method, logged_path(request),
                    request.remote, refusal.status, refusal.reason)
        if refusal.audit:
            await _record_refusal(request, refusal.status, refusal.reason)
        return refuse(refusal.status, refusal.reason, refusal.headers, bare=refusal.bare)
    except X509CoreError as exc:
        status = 503 if isinstance(exc, InventoryUnavailable) else 400
        logger.info("refused %s %s from %s: %d %s", request.method, logged_path(request),
                    request.remote, status, exc)
        await _record_refusal(request, status, str(exc))
        return refuse(status, str(exc))
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return refuse(exc.status, exc.reason, {"Allow": exc.headers["Allow"]}
                      if "Allow" in exc.headers else None)
    except (asyncio.CancelledError, ConnectionError):
        raise
    except Exception:                                   # a bug: never a traceback to the client
        logger.exception("internal error on %s %s", request.method, logged_path(request))
        await _record_refusal(request, 500, "internal error")
        return refuse(500, "internal error (logged by the service)")


async def _record_refusal(request: web.Request, status: int, reason: str) -> None:
    """One failure row for a refused audited request; the refusal stands if the row cannot
    be written (the inventory is away): that is logged."""
    audited = request.get(AUDIT)
    if audited is None:
        return
    action, actor = audited
    event = actor.event(action, outcome="failure", detail=f"{status} {one_line(reason)}")
    service = request.app[SERVICE]
    try:
        await service.run_blocking(service.ca.inventory.append_audit, event)
    except Exception:
        logger.exception("could not record the refusal of %s %s in the audit trail",
                         request.method, logged_path(request))
