"""Elliptic curves, written from the standards: the curves P-256, P-384 and P-521, point
encoding and public-key validation, ECDSA verification, and the EC key formats.

This layer verifies ECDSA signatures and carries EC public keys; it never signs and never
computes with a private key. Its point arithmetic is NOT constant-time, which is safe only
because every input of a verification is public (``arithmetic.py`` explains; README, Security).
It knows bytes and integers, not certificates, and imports ``errors``, ``der``, ``pem`` and
``bignum`` only (``bignum.py`` is the one module of x509core that imports gmpy2).
"""

from x509core.ec import ecdsa
from x509core.ec.algorithms import (ECDSA_SIGNATURE_OIDS, ECDSASignatureAlgorithm,
                                    read_signature_algorithm, write_signature_algorithm)
from x509core.ec.curves import (CURVES, OID_EC_PUBLIC_KEY, P256, P384, P521, Curve, curve_by_name,
                                curve_for_oid)
from x509core.ec.key import ECPublicKey
from x509core.ec.keys import (load_der_public_key, load_pem_public_key,
                              read_subject_public_key_info, write_subject_public_key_info)
from x509core.ec.private_keys import (ECPrivateKeyFile, load_der_private_key_file,
                                      load_pem_private_key_file)
from x509core.errors import InvalidSignature

__all__ = [
    "Curve", "P256", "P384", "P521", "CURVES", "OID_EC_PUBLIC_KEY", "curve_for_oid",
    "curve_by_name", "ECPublicKey", "InvalidSignature", "ecdsa", "ECDSA_SIGNATURE_OIDS",
    "ECDSASignatureAlgorithm", "read_signature_algorithm", "write_signature_algorithm",
    "read_subject_public_key_info", "write_subject_public_key_info", "load_der_public_key",
    "load_pem_public_key", "ECPrivateKeyFile", "load_der_private_key_file",
    "load_pem_private_key_file",
]
