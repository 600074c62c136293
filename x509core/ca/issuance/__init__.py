"""Issuance: what the CA agrees to put in a certificate, checked before anything is signed.

Here so far: ``names.py``, the checks on every name and SAN value a profile certifies.
"""

__all__: list[str] = []
