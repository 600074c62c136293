"""``x509core serve`` running: set-up, the listeners, upkeep, and a clean stop on SIGTERM.

Start-up, before the first connection is accepted: the HTTPS identity and the OCSP responder
(:mod:`~x509core.service.identity`: loaded, or issued and saved), the first CRL, the TLS
context. Then the listeners: HTTPS (``--listen``: EST, ``/ca``, ``/crl``, ``/ocsp``) and, with
``--http-listen``, plain HTTP (``/crl`` and ``/ocsp`` only). The admin pages are on HTTPS
only, under ``/admin/`` (``x509core/service/admin/``). Each is an asyncio server
around an aiohttp application with the limits of :mod:`~x509core.service.limits`; the log
says ``listening on URL`` for each and then ``ready``.

Upkeep, in the background: every ``WATCH_INTERVAL`` seconds a look at the inventory (a
revocation re-signs the CRL, and drops cached OCSP answers at once in any case); every
``RENEW_INTERVAL`` seconds the renewal of the HTTPS certificate (the context presents the new
one from the next handshake) and of the responder certificate.

SIGTERM or SIGINT: the listeners stop accepting, requests in flight get ``SHUTDOWN_TIMEOUT``
seconds, the worker pool finishes what it started (an issuance is never cut in half: the
inventory's own transaction makes it all or nothing), and the process exits with status 0.
"""

from __future__ import annotations

import asyncio
import signal
import socket
from datetime import datetime, timezone

from aiohttp import web

from x509core.ca.inventory.records import Actor
from x509core.ca.issuance.certificate_authority import CertificateAuthority
from x509core.service import identity, limits, logs, tls
from x509core.service.cli import ServeOptions
from x509core.service.handlers import est, seed_api, status
from x509core.service.handlers.common import error_middleware
from x509core.service.responder import Responder
from x509core.service.revocation import RevocationStatus
from x509core.service.state import SERVICE, Service

__all__ = ["run", "prepare", "create_app"]

log = logs.logger


def run(ca: CertificateAuthority, options: ServeOptions, *, quiet: bool = False) -> int:
    """Serve until SIGTERM/SIGINT; the exit status (0). The ports are bound first, so a port in
    use stops the command before it signs anything."""
    sockets = [_bind(options.listen)]
    try:
        if options.http_listen is not None:
            sockets.append(_bind(options.http_listen))
        logs.configure(quiet=quiet)
        service = prepare(ca, options)
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    try:
        asyncio.run(_serve(service, sockets))
    finally:
        service.pool.shutdown(wait=True)
    log.info("stopped")
    return 0


def _bind(address: tuple[str, int]) -> socket.socket:
    """A listening socket on ``address`` (OSError, e.g. "address already in use", if not)."""
    host, port = address
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=128)


def prepare(ca: CertificateAuthority, options: ServeOptions) -> Service:
    """The service's state, its certificates made or loaded, its first CRL signed. What the
    service does of itself (its own certificates, CRLs) is audited as ``service``; each
    request's changes as the token or certificate holder that asked. ``--public-url`` is
    recorded in the inventory, so that every issuer of this CA (``x509core issue`` beside the
    service, other nodes) points to it too; without it, a URL recorded before is used."""
    ca.actor = Actor("service", "x509core serve")
    if options.public_url is not None:
        ca.set_revocation_url(options.public_url, record=True)
    if ca.revocation_url is not None:
        log.info("certificates point to %s/crl and %s/ocsp", ca.revocation_url,
                 ca.revocation_url)
    https, new = identity.https_identity(ca, options.dns, options.ip)
    log.info("%s the HTTPS certificate %X for %s", "issued" if new else "using",
             https.certificate.serial_number, ", ".join((*options.dns, *options.ip)))
    responder_identity, new = identity.responder_identity(ca)
    log.info("%s the OCSP responder certificate %X, valid until %s", "issued" if new else "using",
             responder_identity.certificate.serial_number,
             f"{responder_identity.certificate.not_valid_after:%Y-%m-%d %H:%M:%SZ}")
    revocation = RevocationStatus(ca)
    revocation.poll()
    revocation.refresh()
    log.info("signed CRL number %d", revocation.crl.crl_number)
    return Service(ca, options, https, tls.https_context(https, ca.certificate), revocation,
                   Responder(ca, revocation, responder_identity))


def create_app(service: Service, *, https: bool) -> web.Application:
    """The aiohttp application of one listener: everything on HTTPS, /crl and /ocsp on HTTP."""
    app = web.Application(client_max_size=limits.MAX_BODY, middlewares=[error_middleware])
    app[SERVICE] = service
    app.on_response_prepare.append(_server_header)
    app.add_routes(status.routes())
    if https:
        app.add_routes(est.routes() + seed_api.routes())
        _add_admin(app, service)
    return app


async def _server_header(request: web.Request, response: web.StreamResponse) -> None:
    """``Server: x509core``: not aiohttp's default, which names the exact versions of Python
    and aiohttp to anyone who asks (OWASP ASVS 4.0.3 §14.3.3)."""
    response.headers["Server"] = "x509core"


def _add_admin(app: web.Application, service: Service) -> None:
    """The admin pages under ``/admin/`` (``x509core/service/admin/``), where Jinja2 is
    installed (the ``server`` extra brings it); without it the service runs without them."""
    try:
        from x509core.service.admin.app import create_admin_app
    except ImportError as exc:
        if getattr(exc, "name", None) != "jinja2":
            raise
        log.warning("the admin pages are off: they need Jinja2 (python3 -m pip install '.[server]' "
                    "in x509core's source, or python3 -m pip install Jinja2)")
        return

    async def to_admin(request: web.Request) -> web.Response:
        raise web.HTTPMovedPermanently("/admin/")
    app.router.add_get("/admin", to_admin, allow_head=False)
    app.add_subapp("/admin/", create_admin_app(service))


async def _listen(app: web.Application, sock: socket.socket, ssl_context):
    """Start one listener on the bound ``sock``; (runner, asyncio server)."""
    runner = web.AppRunner(app, handle_signals=False, access_log_class=logs.access_logger_class(),
                           keepalive_timeout=limits.HEADER_TIMEOUT, max_line_size=limits.MAX_LINE,
                           max_field_size=limits.MAX_FIELD, max_headers=limits.MAX_HEADERS,
                           shutdown_timeout=limits.SHUTDOWN_TIMEOUT)
    await runner.setup()
    extra = {"ssl_handshake_timeout": limits.TLS_HANDSHAKE_TIMEOUT} if ssl_context else {}
    try:
        server = await asyncio.get_running_loop().create_server(
            runner.server, sock=sock, ssl=ssl_context, **extra)
    except BaseException:
        await runner.cleanup()
        raise
    bound = server.sockets[0].getsockname()
    shown = f"[{bound[0]}]" if ":" in bound[0] else bound[0]
    log.info("listening on %s://%s:%d", "https" if ssl_context else "http", shown, bound[1])
    return runner, server


async def _serve(service: Service, sockets: list[socket.socket]) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, stop.set)
    listeners = []
    upkeep = None
    try:
        listeners.append(await _listen(create_app(service, https=True), sockets[0],
                                       service.ssl_context))
        if len(sockets) > 1:
            listeners.append(await _listen(create_app(service, https=False), sockets[1], None))
        upkeep = asyncio.create_task(_upkeep(service))
        log.info("ready")
        await stop.wait()
        log.info("stopping")
    finally:
        if upkeep is not None:
            upkeep.cancel()
        for runner, server in listeners:
            server.close()                     # accept no more connections
        for runner, server in listeners:
            await runner.cleanup()             # requests in flight finish, idle ones close
            await server.wait_closed()


async def _upkeep(service: Service) -> None:
    """Watch the inventory; renew the service's certificates when due."""
    since_renewal = 0.0
    while True:
        await asyncio.sleep(limits.WATCH_INTERVAL)
        since_renewal += limits.WATCH_INTERVAL
        try:
            service.status.poll()
            if service.status.crl_due():
                if await service.run_blocking(service.status.refresh):
                    log.info("signed CRL number %d", service.status.crl.crl_number)
            if since_renewal >= limits.RENEW_INTERVAL:
                since_renewal = 0.0
                await _renew(service)
                await service.run_blocking(_sweep_admin_sessions, service)
        except asyncio.CancelledError:
            raise
        except Exception:                      # logged, retried at the next tick
            log.exception("upkeep failed")


def _sweep_admin_sessions(service: Service) -> None:
    """Delete the admin sessions that have expired or gone idle (each is also refused, and
    deleted, the moment it is presented: this removes the rest)."""
    from x509core.service.admin.sessions import IDLE_TIMEOUT
    now = datetime.now(timezone.utc)
    swept = service.ca.inventory.sweep_admin_sessions(expired_before=now,
                                                      idle_before=now - IDLE_TIMEOUT)
    if swept:
        log.info("ended %d expired admin session(s)", swept)


async def _renew(service: Service) -> None:
    options = service.options
    https, new = await service.run_blocking(identity.https_identity, service.ca, options.dns,
                                            options.ip)
    if new:
        tls.replace_identity(service.ssl_context, https)
        service.https = https
        service.status.note_change()
        log.info("renewed the HTTPS certificate: %X", https.certificate.serial_number)
    responder, new = await service.run_blocking(identity.responder_identity, service.ca)
    if new:
        service.responder.use_identity(responder)
        log.info("renewed the OCSP responder certificate: %X", responder.certificate.serial_number)
