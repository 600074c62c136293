"""RSA written from RFC 8017 and FIPS 186-5: key generation, CRT signing that is constant-time
under gmpy2 (blinded and fault-checked), PKCS#1 v1.5 / PSS / OAEP, and the key formats.

This layer knows bytes and integers, not certificates. ``x509core/bignum.py`` is the only module of
x509core that imports gmpy2; ``X509CORE_BACKEND=python`` forces the pure-Python backend.

The names below are imported on first use (PEP 562), as in ``x509core/__init__.py``: reading a
public key does not pay for key generation, OAEP or the encrypted PKCS #8 formats.
"""

from x509core.errors import InvalidSignature
from x509core.lazy import lazy_attributes

_LAZY = {
    "RSAPrivateKey": "key", "RSAPublicKey": "key", "rsadp": "key", "rsaep": "key",
    "rsasp1": "key", "rsavp1": "key",
    "generate_private_key": "keygen",
    "load_der_private_key": "keys", "load_der_public_key": "keys", "load_pem_private_key": "keys",
    "load_pem_public_key": "keys",
}
_SUBMODULES = frozenset({"oaep", "pkcs1", "pss"})

__all__ = [
    "RSAPrivateKey", "RSAPublicKey", "InvalidSignature", "generate_private_key",
    "load_pem_private_key", "load_der_private_key", "load_pem_public_key", "load_der_public_key",
    "rsaep", "rsadp", "rsasp1", "rsavp1", "pkcs1", "pss", "oaep",
]

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, _SUBMODULES)
