"""RFC 5280 §6 path validation and what it needs: path building, the per-certificate checks,
the web-PKI profile, certificate policies, name constraints, revocation by CRL, host names
(RFC 9525) and the medical-imaging policy. ``verify_chain`` in :mod:`.verify` is the entry point.

Modules, each importing only those above it in this list:
``memo`` (what each certificate keeps between calls), ``checks`` (the shared refusal helpers and per-certificate checks), ``hostname``,
``name_constraints``, ``webpki``, ``policies``, ``revocation``, ``medical_imaging``,
``path_building``, ``verify``. One exception: ``checks`` applies ``webpki``'s rules, so it imports
``webpki`` at its end, once ``webpki``'s own imports from it exist.
"""
