"""PEM bundles: a trust store or a chain, several certificates in one file.

Every certificate that reads is loaded; each one that does not is reported beside them by its
position in the file (and its subject, when that much of it reads), so one broken certificate
does not make a whole trust store unusable. A file in which no certificate reads is an error.
"""

from __future__ import annotations

from dataclasses import dataclass

from x509core import pem
from x509core.cert.certificate import Certificate, load_der_certificate
from x509core.cert.names.name import read_name
from x509core.der import Reader
from x509core.errors import X509CoreError

__all__ = ["CertificateBundle", "BundleError", "load_pem_certificates"]


@dataclass(frozen=True, slots=True)
class BundleError:
    """A certificate of a bundle that did not read: its position (1 = first), its subject when
    known, and the error."""

    position: int
    subject: str | None
    error: X509CoreError

    def __str__(self) -> str:
        who = f" ({self.subject})" if self.subject else ""
        return f"certificate {self.position}{who} skipped: {self.error}"


class CertificateBundle(list):
    """The certificates of a bundle that read, in file order: a ``list`` of Certificates, with
    ``errors``, a tuple of :class:`BundleError` for those that did not."""

    errors: tuple

    def __init__(self, certificates=(), errors=()):
        super().__init__(certificates)
        self.errors = tuple(errors)


def load_pem_certificates(data: str | bytes, *, strict: bool = False) -> CertificateBundle:
    """Every certificate of a PEM bundle that reads, in order (other blocks are ignored), with
    the errors of those that do not. Raises the first error when none reads, and PEMError when
    the text holds no certificate at all or is not well-formed PEM (RFC 7468)."""
    blocks = pem.decode_all(data, "CERTIFICATE")
    certificates, errors = [], []
    for position, der in enumerate(blocks, 1):
        try:
            certificates.append(load_der_certificate(der, strict=strict))
        except X509CoreError as exc:
            errors.append(BundleError(position, subject_hint(der), exc))
    if not certificates:
        raise errors[0].error
    return CertificateBundle(certificates, errors)


def subject_hint(der: bytes) -> str | None:
    """The subject of a certificate that does not read, when the fields before it do."""
    try:
        tbs = Reader(der, findings=[]).read_sequence().read_sequence()
        tbs.read_optional_explicit(0)
        tbs.read_integer()
        for _ in range(3):                        # signature, issuer, validity
            tbs.read_any()
        return read_name(tbs).rfc4514()
    except X509CoreError:
        return None
