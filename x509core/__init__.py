"""x509core: a transparent, pure-Python X.509/ASN.1 engine with a gmpy2 bignum core.

Layers, each importing only those below it::

    x509core.errors   the one exception hierarchy
    x509core.der      strict X.690 DER (and x509core.pem, RFC 7468)
    x509core.rsa      RSA from RFC 8017 and FIPS 186-5
    x509core.ec       elliptic curves: ECDSA verification (FIPS 186-5) and EC key formats
    x509core.cert     X.509 as RFC 5280 profiles it
    x509core.ca       the certificate authority and CLI

``load_pem_public_key``/``load_der_public_key`` return an RSAPublicKey or an ECPublicKey as
the SubjectPublicKeyInfo says.

The names below are imported on first use (PEP 562), so ``import x509core`` stays cheap for a
command line that needs only a part of the library.
"""

from __future__ import annotations

from x509core.errors import (DecodeError, InvalidSignature, InvalidValue, NonCanonicalEncoding,
                             PathValidationError, PEMError, Truncated, UnexpectedTag,
                             UnsupportedAlgorithm, X509CoreError)
from x509core.lazy import lazy_attributes

__version__ = "0.1.0"

_LAZY = {name: "cert" for name in (
    "Certificate", "CertificateBuilder", "CertificateRevocationList", "CertificateSigningRequest",
    "CRLBuilder", "CSRBuilder", "Name", "load_der_certificate", "load_der_crl", "load_der_csr",
    "load_pem_certificate", "load_pem_certificates", "load_pem_crl", "load_pem_csr",
    "load_der_public_key", "load_pem_public_key",
    "verify_chain", "MedicalImagingPolicy", "VerifiedChain")}

__all__ = [
    "__version__", "X509CoreError", "DecodeError", "Truncated", "UnexpectedTag",
    "NonCanonicalEncoding", "PEMError", "InvalidValue", "InvalidSignature",
    "UnsupportedAlgorithm", "PathValidationError", *sorted(_LAZY),
]

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)
