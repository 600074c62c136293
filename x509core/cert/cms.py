"""Certificates-only CMS messages: a degenerate SignedData that carries certificates and no
signature (RFC 5652 §5; the "certs-only" Simple PKI Response of RFC 5272 §4.1 that EST uses,
RFC 7030 §4.1.3 and §4.2.3)::

    ContentInfo ::= SEQUENCE {
      contentType ContentType,
      content [0] EXPLICIT ANY DEFINED BY contentType }

    SignedData ::= SEQUENCE {
      version CMSVersion,
      digestAlgorithms DigestAlgorithmIdentifiers,
      encapContentInfo EncapsulatedContentInfo,
      certificates [0] IMPLICIT CertificateSet OPTIONAL,
      crls [1] IMPLICIT RevocationInfoChoices OPTIONAL,
      signerInfos SignerInfos }

    DigestAlgorithmIdentifiers ::= SET OF DigestAlgorithmIdentifier
    SignerInfos ::= SET OF SignerInfo
    CertificateSet ::= SET OF CertificateChoices

    EncapsulatedContentInfo ::= SEQUENCE {
      eContentType ContentType,
      eContent [0] EXPLICIT OCTET STRING OPTIONAL }

Written here: version 1 (RFC 5652 §5.1: no attribute or "other" certificates, no signers,
eContentType id-data), no digest algorithms, encapContentInfo id-data without content, the
certificates (a SET OF, sorted as DER wants, X.690 §11.6), no CRLs, no signerInfos.
"""

from __future__ import annotations

from dataclasses import dataclass

from x509core import pem
from x509core.cert.certificate import Certificate
from x509core.cert.revocation.ocsp import read_certificate
from x509core.der import ObjectIdentifier, Reader, Writer
from x509core.der.tags import Tag
from x509core.errors import DecodeError, InvalidValue

__all__ = ["OID_DATA", "OID_SIGNED_DATA", "CertsOnly", "encode_certs_only",
           "load_der_certs_only", "load_pem_certs_only"]

OID_DATA = ObjectIdentifier("1.2.840.113549.1.7.1")            # id-data, RFC 5652 §4
OID_SIGNED_DATA = ObjectIdentifier("1.2.840.113549.1.7.2")     # id-signedData, RFC 5652 §5.1
_VERSIONS = (1, 3, 4, 5)                                       # CMSVersion values of SignedData


@dataclass(frozen=True, slots=True, eq=False)
class CertsOnly:
    """A read certs-only message: its certificates (in DER's SET OF order) and the exact DER of
    any revocation information it carries."""

    raw: bytes
    certificates: tuple[Certificate, ...]
    crls: tuple[bytes, ...]


def encode_certs_only(certificates) -> bytes:
    """The DER ContentInfo of a certs-only SignedData holding ``certificates``."""
    certificates = tuple(certificates)
    if not certificates or not all(isinstance(c, Certificate) for c in certificates):
        raise InvalidValue("a certs-only message carries at least one Certificate")
    w = Writer()
    with w.sequence():                                  # ContentInfo
        w.write_oid(OID_SIGNED_DATA)
        with w.explicit(0), w.sequence():               # SignedData
            w.write_integer(1)                          # version (RFC 5652 §5.1)
            with w.set_of():                            # digestAlgorithms: none
                pass
            with w.sequence():                          # encapContentInfo, no eContent
                w.write_oid(OID_DATA)
            with w.implicit_constructed(0):             # certificates [0] IMPLICIT SET OF
                for certificate in sorted(certificates, key=_set_order):
                    w.write_raw(certificate.raw)
            with w.set_of():                            # signerInfos: none
                pass
    return w.to_bytes()


def _set_order(certificate: Certificate) -> bytes:
    # X.690 §11.6: SET OF components in ascending order of their encodings. Certificates all
    # start with 30 82 (and a length), so comparing the whole encodings is the X.690 order as
    # long as none is a prefix of another, which two distinct certificates cannot be.
    return certificate.raw


def load_der_certs_only(data: bytes) -> CertsOnly:
    """The certificates of a degenerate (unsigned) SignedData; a signed message, encapsulated
    content or an unknown certificate type is a DecodeError."""
    reader = Reader(data)
    info = reader.read_sequence("ContentInfo")
    start = info.pos
    if info.read_oid("contentType") != OID_SIGNED_DATA:
        raise DecodeError("contentType is not id-signedData (RFC 5652 §5.1)", start, info.path)
    holder = info.read_explicit(0, "content")
    signed = holder.read_sequence("SignedData")
    start = signed.pos
    if signed.read_integer("version") not in _VERSIONS:
        raise DecodeError("unknown SignedData version (RFC 5652 §5.1)", start, signed.path)
    signed.read_set("digestAlgorithms")                 # each signer's digest; none here
    _read_encap_content_info(signed)
    certificates = _read_certificates(signed)
    crls = _read_crls(signed)
    start = signed.pos
    if not signed.read_set("signerInfos").at_end:
        raise DecodeError("a signed message, not certs-only: signerInfos is not empty "
                          "(RFC 5272 §4.1)", start, signed.path)
    for done in (signed, holder, info, reader):
        done.finish()
    return CertsOnly(reader.data, certificates, crls)


def load_pem_certs_only(data: str | bytes) -> CertsOnly:
    """A PEM ``PKCS7`` (or ``CMS``) block, as ``openssl crl2pkcs7`` writes it."""
    _, der = pem.decode_one(data, ("PKCS7", "CMS"))
    return load_der_certs_only(der)


def _read_encap_content_info(signed: Reader) -> None:
    encap = signed.read_sequence("encapContentInfo")
    encap.read_oid("eContentType")
    if not encap.at_end:
        raise DecodeError("certs-only messages carry no eContent (RFC 5272 §4.1)", encap.pos,
                          encap.path)
    encap.finish()


def _read_certificates(signed: Reader) -> tuple[Certificate, ...]:
    field = signed.read_optional(Tag(2, True, 0), "certificates")
    if field is None:
        return ()
    field.check_set_order()                          # a SET OF (X.690 §11.6), as OpenSSL writes it
    certificates = []
    while not field.at_end:
        if not field.peek_is(Tag(0, True, 16)):
            raise DecodeError("only X.509 certificates are supported in CertificateSet "
                              "(RFC 5652 §10.2.2)", field.pos, field.path)
        certificates.append(read_certificate(field, f"[{len(certificates)}]"))
    return tuple(certificates)


def _read_crls(signed: Reader) -> tuple[bytes, ...]:
    field = signed.read_optional(Tag(2, True, 1), "crls")
    if field is None:
        return ()
    field.check_set_order()
    crls = []
    while not field.at_end:
        crls.append(field.read_any(f"[{len(crls)}]"))
    return tuple(crls)
