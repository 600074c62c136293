"""x509core: a transparent, pure-Python X.509/ASN.1 engine with a gmpy2 bignum core.

Layers, each importing only those below it::

    x509core.errors   the one exception hierarchy
    x509core.der      strict X.690 DER (and x509core.pem, RFC 7468)
    x509core.rsa      RSA from RFC 8017 and FIPS 186-5
    x509core.cert     X.509 as RFC 5280 profiles it           (later)
    x509core.ca       the certificate authority and CLI        (later)
"""

from x509core.errors import (DecodeError, InvalidSignature, InvalidValue, NonCanonicalEncoding,
                             PathValidationError, PEMError, Truncated, UnexpectedTag,
                             UnsupportedAlgorithm, X509CoreError)

__version__ = "0.1.0"

__all__ = [
    "__version__", "X509CoreError", "DecodeError", "Truncated", "UnexpectedTag",
    "NonCanonicalEncoding", "PEMError", "InvalidValue", "InvalidSignature",
    "UnsupportedAlgorithm", "PathValidationError",
]
