"""RSA written from RFC 8017 and FIPS 186-5: key generation, CRT signing that is constant-time
under gmpy2 (blinded and fault-checked), PKCS#1 v1.5 / PSS / OAEP, and the key formats.

This layer knows bytes and integers, not certificates. ``x509core/bignum.py`` is the only module of
x509core that imports gmpy2; ``X509CORE_BACKEND=python`` forces the pure-Python backend.
"""

from x509core.errors import InvalidSignature
from x509core.rsa import oaep, pkcs1, pss
from x509core.rsa.key import RSAPrivateKey, RSAPublicKey, rsadp, rsaep, rsasp1, rsavp1
from x509core.rsa.keygen import generate_private_key
from x509core.rsa.keys import (load_der_private_key, load_der_public_key, load_pem_private_key,
                               load_pem_public_key)

__all__ = [
    "RSAPrivateKey", "RSAPublicKey", "InvalidSignature", "generate_private_key",
    "load_pem_private_key", "load_der_private_key", "load_pem_public_key", "load_der_public_key",
    "rsaep", "rsadp", "rsasp1", "rsavp1", "pkcs1", "pss", "oaep",
]
