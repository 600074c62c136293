"""The seed system's HTTP API, unchanged for its clients (``../shared/seed.md``; issue 12):
``GET /ca`` answers ``{"ca_cert": PEM, "status": "success"}``. (``/client/registe``, which
needs enrollment tokens, comes with them.)"""

from __future__ import annotations

import json

from aiohttp import web

from x509core.service.state import SERVICE, Service

__all__ = ["routes", "ca_certificate"]


def routes() -> list[web.RouteDef]:
    return [web.get("/ca", ca_certificate)]


async def ca_certificate(request: web.Request) -> web.Response:
    """The CA certificate as the seed system's license server returns it: a JSON object with
    ``ca_cert`` (PEM) and ``status`` ``"success"``, in that order. Anyone may call it (the CA
    certificate is public; the seed system asks for nothing either)."""
    service: Service = request.app[SERVICE]
    body = {"ca_cert": service.ca.certificate.to_pem(), "status": "success"}
    return web.Response(text=json.dumps(body, separators=(",", ":")),
                        content_type="application/json")
