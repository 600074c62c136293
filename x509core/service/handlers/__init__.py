"""The HTTP handlers of ``x509core serve``, thin: each parses its request, calls the same ``ca``
functions the command line calls (through :mod:`x509core.service.authority`), and turns
refusals into a status and one line (:mod:`.common`). ``est`` (RFC 7030), ``status`` (CRL and
OCSP), ``seed_api`` (the seed system's ``/ca``)."""

__all__: list[str] = []
