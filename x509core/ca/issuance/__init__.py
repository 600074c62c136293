"""Issuance: the CertificateAuthority and what it agrees to put in a certificate.

Everything that decides what a certificate of this CA contains, or signs it, is in this
sub-package, so that an auditor asking "what can this CA be made to certify, and when does it
sign?" reads one folder:

    certificate_authority.py  the CertificateAuthority: creating and opening a CA directory,
                              who acts in the audit trail, the CA key, repairs after a crash
    issuing.py                its issuing part: client and server certificates, from a CSR or
                              not, renewals, the OCSP responder; reserve, sign, complete
    revocation.py             its revocation part: revoking, publishing CRLs, the URL the
                              certificates it issues point to for their status
    profiles.py               what each certificate contains, extension by extension
    inputs.py                 the checks on every input of a profile; what a CSR contributes
    names.py                  the checks on every name and SAN value a profile certifies

The CertificateAuthority is one class. Issuing and revocation are mixins it inherits, because
each is a responsibility of its own (the docstrings of ``issuing.py`` and ``revocation.py``
say why); both use the state ``certificate_authority.py`` sets up and call nothing of each
other, so each can be read alone.

What stays beside this sub-package in ``x509core/ca/``, and why: the CA's own files
(``authority.py``) and crash-safe writing (``files.py``, used by the inventory too); keys
(``keys.py``: also the private key files of the TLS helpers and PKCS #12); this machine's
identity (``machine.py``, read by the client side); who may ask for a certificate (enrollment
``tokens.py``, administrators ``admins.py``); what a site does with a certificate once issued
(TLS contexts ``tls.py``, PKCS #12 export ``pkcs12.py``); the inventory (``inventory/``) and
the command line (``cli/``).
"""

__all__: list[str] = []
