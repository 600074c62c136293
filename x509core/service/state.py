"""The running service's state, shared by its handlers: the open CA, its own identities, the
revocation status and the OCSP responder, the limiter of failed token guesses, and a worker
pool for blocking work.

Blocking work is what takes milliseconds to seconds and would stall every other request if the
event loop did it: RSA-4096 signatures of the CA (issuance, CRLs), key generation, and the
fsyncs of the inventory and files. :meth:`Service.run_blocking` runs it in a small thread pool;
the inventory serialises its own connection, so calls from the loop and the pool interleave
safely.
"""

from __future__ import annotations

import asyncio
import ssl
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from aiohttp import web

from x509core.ca.issuance.certificate_authority import CertificateAuthority
from x509core.service.cli import ServeOptions
from x509core.service.identity import Identity
from x509core.service.responder import Responder
from x509core.service.revocation import RevocationStatus
from x509core.service.throttle import GuessLimiter

__all__ = ["SERVICE", "Service"]


@dataclass
class Service:
    """Everything a handler may use."""

    ca: CertificateAuthority
    options: ServeOptions
    https: Identity
    ssl_context: ssl.SSLContext
    status: RevocationStatus
    responder: Responder
    guesses: GuessLimiter = field(default_factory=GuessLimiter)
    pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(
        max_workers=2, thread_name_prefix="x509core-serve"))

    async def run_blocking(self, function, *args):
        """``function(*args)`` in the worker pool, awaited."""
        return await asyncio.get_running_loop().run_in_executor(self.pool, function, *args)


SERVICE = web.AppKey("service", Service)
