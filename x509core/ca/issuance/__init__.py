"""Issuance: what the CA agrees to put in a certificate, checked before anything is signed.

Here so far: ``certificate_authority.py``, the CertificateAuthority (from ``ca/issue.py``),
with its revocation and CRL publishing in ``revocation.py``; ``profiles.py``, the certificates the CA issues (root, server, client bound to a
machine, the service's OCSP responder, the CRL and OCSP pointers); ``inputs.py``, the checks
on every input of a profile and what a CSR contributes; ``names.py``, the checks on every
name and SAN value a profile certifies.
"""

__all__: list[str] = []
