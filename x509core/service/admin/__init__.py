"""The admin pages of ``x509core serve``, under ``/admin/`` on the HTTPS listener (issue 13):
see, search and revoke what the CA issued, hand out enrollment tokens, read the audit trail.

Who may call what. ``/admin/login`` and the stylesheet: anyone. Every other page and form:
an administrator logged in with a password (``x509core admin add NAME``; every admin may do
everything below, and every change names the admin in the audit trail):

    GET  /admin/                             the dashboard (dashboard.py)
    GET  /admin/certificates                 list, search, filters, pages (certificates.py)
    GET  /admin/certificates/SERIAL          one certificate: `show` text, binding, chain
    GET  /admin/certificates/SERIAL/pem|der|chain      downloads
    GET  /admin/certificates/SERIAL/revoke   the confirmation step
    POST /admin/certificates/SERIAL/revoke   revoke (CertificateAuthority.revoke)
    GET  /admin/tokens, POST /admin/tokens   list, create (x509core.ca.tokens) (tokens.py)
    POST /admin/tokens/ID/revoke             revoke a token
    GET  /admin/audit, /admin/audit.jsonl    the audit trail, its JSON Lines export (audit.py)
    POST /admin/logout                       end the session (login.py)

How. Server-rendered Jinja2 templates that escape every value (``render.py``), one local
stylesheet, no script, no CDN or external font: every action is a plain HTML form. Sessions,
cookies and CSRF: ``sessions.py``; the login and its rate limit: ``login.py``; the middleware
that checks them before any handler, and the security headers: ``app.py`` and ``render.py``.
Every action goes through the same code as the command line: ``CertificateAuthority.revoke``
(as the admin, ``acting_as``), ``x509core.ca.tokens.create_token``/``revoke_token``, the
inventory's listing and audit queries.

The pages need Jinja2 (in the ``server`` extra with aiohttp); the service runs without them
(and says so in its log) where Jinja2 is missing.
"""

__all__: list[str] = []
