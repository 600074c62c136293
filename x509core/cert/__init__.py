"""X.509 as RFC 5280 profiles it: names, extensions, certificates, CSRs (RFC 2986) and CRLs."""

from x509core.cert.builder import CertificateBuilder
from x509core.cert.bundle import BundleError, CertificateBundle, load_pem_certificates
from x509core.cert.certificate import Certificate, load_der_certificate, load_pem_certificate
from x509core.cert.revocation.crl import (CertificateRevocationList, CRLBuilder, RevokedCertificate,
                               load_der_crl, load_pem_crl)
from x509core.cert.csr import CertificateSigningRequest, CSRBuilder, load_der_csr, load_pem_csr
from x509core.cert.extensions import Extension
from x509core.cert.names.name import Name
from x509core.cert.public_key import load_der_public_key, load_pem_public_key
from x509core.cert.validation.verify import MedicalImagingPolicy, VerifiedChain, verify_chain

__all__ = [
    "Certificate", "CertificateBuilder", "load_der_certificate", "load_pem_certificate",
    "load_pem_certificates", "CertificateBundle", "BundleError", "CertificateSigningRequest", "CSRBuilder", "load_der_csr",
    "load_pem_csr", "CertificateRevocationList", "CRLBuilder", "RevokedCertificate",
    "load_der_crl", "load_pem_crl", "Extension", "Name", "verify_chain", "VerifiedChain",
    "MedicalImagingPolicy", "load_der_public_key", "load_pem_public_key",
]
