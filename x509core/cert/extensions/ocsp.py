"""The certificate extension of a delegated OCSP responder. RFC 6960 §4.2.2.2.1::

    ext-ocsp-nocheck EXTENSION ::= { SYNTAX NULL IDENTIFIED BY id-pkix-ocsp-nocheck }

A client may trust such a responder's certificate for its lifetime without checking its
revocation status; the CA issues it (``x509core/ca/issuance/profiles.py``) and the service renews it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from x509core.cert.extensions.value import ExtensionValue
from x509core.cert.oids import OID_PKIX_OCSP_NOCHECK
from x509core.der import ObjectIdentifier, Reader, Writer

__all__ = ["OCSPNoCheck"]


@dataclass(frozen=True, slots=True)
class OCSPNoCheck(ExtensionValue):
    """A delegated responder's certificate needs no revocation check (RFC 6960 §4.2.2.2.1)."""

    oid: ClassVar[ObjectIdentifier] = OID_PKIX_OCSP_NOCHECK

    @classmethod
    def read_value(cls, reader: Reader) -> "OCSPNoCheck":
        reader.read_null("ocspNoCheck")
        return cls()

    def write_value(self, writer: Writer) -> None:
        # RFC 6960 §4.2.2.2.1: "The value of the extension SHALL be NULL."
        writer.write_null()

    def text_lines(self) -> list[str]:
        return [""]                        # as OpenSSL prints it: the name, then an empty line
