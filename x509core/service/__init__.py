"""The network service, ``x509core serve``: EST (RFC 7030) with enrollment tokens, OCSP (RFC
6960) and the CRL over HTTP, the seed system's API and the admin pages, on top of the
certificate authority (:mod:`x509core.ca`); every state change and every refused enrollment in
the audit trail.

It needs aiohttp (``pip install 'x509core[server]'``); importing this package, or
:mod:`x509core.service.cli`, does not, so the command line works without it.

Modules: ``cli`` (the command), ``server`` (set-up, listeners, upkeep, stop), ``state`` (what
handlers share), ``handlers/`` (HTTP), ``authority`` (the only calls into the CA and its
inventory), ``identity`` (the service's own certificates), ``tls``, ``revocation`` (change
watching, the CRL), ``responder`` (OCSP decisions and cache), ``limits``, ``throttle`` (failed
token guesses and failed admin logins per address), ``logs``, and ``admin/`` (the admin pages
under ``/admin/``; they also need Jinja2).
"""

__all__: list[str] = []
