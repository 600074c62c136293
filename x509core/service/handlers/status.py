"""Revocation status over HTTP, on both listeners: the CRL at ``/crl`` and the OCSP responder at
``/ocsp`` (RFC 6960 Appendix A.1: POST, and GET with the request in the path).

Who may call them: anyone. Relying parties fetch them over plain HTTP (RFC 5280 §4.2.1.13,
RFC 6960 Appendix A.1), which is why ``--http-listen`` serves these two and nothing else; what
they return is signed (the CRL by the CA, OCSP answers by the delegated responder), so the
transport needs no protection.

HTTP status of OCSP answers: 200 with the OCSPResponse for every answer the responder gives
(RFC 6960 Appendix A.1, ``application/ocsp-response``), including its error statuses; a request
that is not an OCSP request at all gets 400 with the malformedRequest OCSPResponse as its body
(so OCSP clients still read a status) and the one-line reason in ``X-Reason``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import datetime, timezone
from email.utils import format_datetime
from urllib.parse import unquote

from aiohttp import web

from x509core.service import limits
from x509core.service.handlers.common import read_body
from x509core.service.handlers.common import one_line
from x509core.service.logs import logger
from x509core.service.responder import Answer
from x509core.service.state import SERVICE, Service

__all__ = ["routes", "crl", "ocsp_post", "ocsp_get"]

OCSP_REQUEST = "application/ocsp-request"
OCSP_RESPONSE = "application/ocsp-response"


def routes() -> list[web.RouteDef]:
    return [web.get("/crl", crl),
            web.post("/ocsp", ocsp_post),
            web.get("/ocsp/{request:.+}", ocsp_get)]


async def crl(request: web.Request) -> web.Response:
    """The CA's current CRL, DER, ``application/pkix-crl`` (RFC 5280 §4.2.1.13, RFC 2585 §4.2),
    re-signed first if a revocation happened since it was signed. Anyone may call it."""
    service: Service = request.app[SERVICE]
    service.status.poll()
    if service.status.crl_due():
        await service.run_blocking(service.status.refresh)
    current = service.status.crl
    return web.Response(body=current.raw, content_type="application/pkix-crl", headers={
        "Last-Modified": format_datetime(current.this_update, usegmt=True),
        "Expires": format_datetime(current.next_update, usegmt=True)})


async def ocsp_post(request: web.Request) -> web.Response:
    """An OCSP request in the body, ``application/ocsp-request`` (RFC 6960 Appendix A.1.1).
    Anyone may call it."""
    body = await read_body(request, (OCSP_REQUEST,), max_size=limits.MAX_OCSP_BODY)
    return _respond(request, body, cacheable=False)


async def ocsp_get(request: web.Request) -> web.Response:
    """``GET /ocsp/{url-encoding of base64 of the DER request}`` (RFC 6960 Appendix A.1.1);
    such answers without a nonce may be cached by HTTP caches until they go stale (RFC 5019
    §6.2). Anyone may call it."""
    encoded = request.raw_path.split("/ocsp/", 1)[1].split("?", 1)[0]
    try:
        der = base64.b64decode(unquote(encoded), validate=True)
    except (binascii.Error, ValueError):
        der = b""                                     # answered as malformedRequest
    return _respond(request, der, cacheable=True)


def _respond(request: web.Request, der: bytes, *, cacheable: bool) -> web.Response:
    service: Service = request.app[SERVICE]
    answer = service.responder.respond(der)
    headers = _cache_headers(answer) if cacheable else {}
    if answer.status == "malformedRequest":
        logger.info("refused OCSP request from %s: %s", request.remote, answer.reason)
        headers["X-Reason"] = one_line(answer.reason or "malformed request")
        return web.Response(status=400, body=answer.der, content_type=OCSP_RESPONSE,
                            headers=headers)
    return web.Response(body=answer.der, content_type=OCSP_RESPONSE, headers=headers)


def _cache_headers(answer: Answer) -> dict[str, str]:
    """RFC 5019 §6.2: max-age up to the answer's freshness, no transformation, Last-Modified
    (thisUpdate), Expires (nextUpdate) and an ETag naming the response (a SHA-256 of its DER,
    an identifier only). An answer with a nonce, or with an unknown status, is not stored."""
    if answer.cache_until is None:
        return {"Cache-Control": "no-store"}
    seconds = max(0, int((answer.cache_until - datetime.now(timezone.utc)).total_seconds()))
    return {"Cache-Control": f"max-age={seconds}, public, no-transform, must-revalidate",
            "Last-Modified": format_datetime(answer.this_update, usegmt=True),
            "Expires": format_datetime(answer.next_update, usegmt=True),
            "ETag": f'"{hashlib.sha256(answer.der).hexdigest()[:40]}"'}
