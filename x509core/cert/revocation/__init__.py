"""Revocation: CRLs (RFC 5280 §5), built in memory or streamed, read and verified;
OCSP requests and responses (RFC 6960).
"""

__all__: list[str] = []
