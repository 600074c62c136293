"""X.509 as RFC 5280 profiles it: names, extensions, certificates, CSRs (RFC 2986) and CRLs.

The names below are imported on first use (PEP 562), as in ``x509core/__init__.py``: a command
that only reads a certificate (``x509core show``) does not pay for the builders, CRLs, CSRs and
path validation (issue 17, CLI start-up).
"""

from x509core.lazy import lazy_attributes

_LAZY = {
    "CertificateBuilder": "builder",
    "BundleError": "bundle", "CertificateBundle": "bundle", "load_pem_certificates": "bundle",
    "Certificate": "certificate", "load_der_certificate": "certificate",
    "load_pem_certificate": "certificate",
    "CertificateRevocationList": "revocation.crl", "CRLBuilder": "revocation.crl",
    "RevokedCertificate": "revocation.crl",
    "load_der_crl": "revocation.crl", "load_pem_crl": "revocation.crl",
    "CertificateSigningRequest": "csr", "CSRBuilder": "csr", "load_der_csr": "csr",
    "load_pem_csr": "csr",
    "Extension": "extensions",
    "Name": "names.name",
    "load_der_public_key": "public_key", "load_pem_public_key": "public_key",
    "MedicalImagingPolicy": "validation.verify", "VerifiedChain": "validation.verify",
    "verify_chain": "validation.verify",
}

__all__ = [
    "Certificate", "CertificateBuilder", "load_der_certificate", "load_pem_certificate",
    "load_pem_certificates", "CertificateBundle", "BundleError", "CertificateSigningRequest", "CSRBuilder", "load_der_csr",
    "load_pem_csr", "CertificateRevocationList", "CRLBuilder", "RevokedCertificate",
    "load_der_crl", "load_pem_crl", "Extension", "Name", "verify_chain", "VerifiedChain",
    "MedicalImagingPolicy", "load_der_public_key", "load_pem_public_key",
]

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)
