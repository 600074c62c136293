"""Elliptic curves, written from the standards: the curves P-256, P-384 and P-521, point
encoding and public-key validation, ECDSA verification, and the EC key formats.

This layer verifies ECDSA signatures and carries EC public keys; it never signs and never
computes with a private key. Its point arithmetic is NOT constant-time, which is safe only
because every input of a verification is public (``arithmetic.py`` explains; README, Security).
It knows bytes and integers, not certificates, and imports ``errors``, ``der``, ``pem`` and
``bignum`` only (``bignum.py`` is the one module of x509core that imports gmpy2).

The names below are imported on first use (PEP 562), as in ``x509core/__init__.py``.
"""

from x509core.errors import InvalidSignature
from x509core.lazy import lazy_attributes

_LAZY = {
    "ECDSA_SIGNATURE_OIDS": "algorithms", "ECDSASignatureAlgorithm": "algorithms",
    "read_signature_algorithm": "algorithms", "write_signature_algorithm": "algorithms",
    "CURVES": "curves", "OID_EC_PUBLIC_KEY": "curves", "P256": "curves", "P384": "curves",
    "P521": "curves", "Curve": "curves", "curve_by_name": "curves", "curve_for_oid": "curves",
    "ECPublicKey": "key",
    "load_der_public_key": "keys", "load_pem_public_key": "keys",
    "read_subject_public_key_info": "keys", "write_subject_public_key_info": "keys",
    "ECPrivateKeyFile": "private_keys", "load_der_private_key_file": "private_keys",
    "load_pem_private_key_file": "private_keys",
}
_SUBMODULES = frozenset({"ecdsa"})

__all__ = [
    "Curve", "P256", "P384", "P521", "CURVES", "OID_EC_PUBLIC_KEY", "curve_for_oid",
    "curve_by_name", "ECPublicKey", "InvalidSignature", "ecdsa", "ECDSA_SIGNATURE_OIDS",
    "ECDSASignatureAlgorithm", "read_signature_algorithm", "write_signature_algorithm",
    "read_subject_public_key_info", "write_subject_public_key_info", "load_der_public_key",
    "load_pem_public_key", "ECPrivateKeyFile", "load_der_private_key_file",
    "load_pem_private_key_file",
]

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, _SUBMODULES)
