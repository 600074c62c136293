"""The HTTP handlers of ``x509core serve``, thin: each parses its request, calls the same ``ca``
functions the command line calls (through :mod:`x509core.service.authority`), and turns
refusals into a status and one line (:mod:`.common`, which also records refusals of the
requests that change state in the audit trail). ``est`` (RFC 7030), ``status`` (CRL and
OCSP), ``seed_api`` (the seed system's ``/ca`` and ``/client/registe``), ``credentials``
(enrollment tokens presented over HTTP, rate limited per address)."""

__all__: list[str] = []
