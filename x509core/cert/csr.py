"""PKCS #10 certification requests: read, verify, build. RFC 2986 §4::

    CertificationRequest ::= SEQUENCE {
         certificationRequestInfo CertificationRequestInfo,
         signatureAlgorithm AlgorithmIdentifier{{ SignatureAlgorithms }},
         signature          BIT STRING }

    CertificationRequestInfo ::= SEQUENCE {
         version       INTEGER { v1(0) } (v1,...),
         subject       Name,
         subjectPKInfo SubjectPublicKeyInfo{{ PKInfoAlgorithms }},
         attributes    [0] Attributes{{ CRIAttributes }} }

    Attributes { ATTRIBUTE:IOSet } ::= SET OF Attribute{{ IOSet }}
    Attribute ::= SEQUENCE { type ATTRIBUTE.&id, values SET SIZE(1..MAX) OF ATTRIBUTE.&Type }

Extensions the requester asks for travel in the PKCS #9 extensionRequest attribute
(RFC 2985 §5.4.2): ``extensionRequest ATTRIBUTE ::= { WITH SYNTAX ExtensionRequest SINGLE VALUE
TRUE ID pkcs-9-at-extensionRequest }``, ``ExtensionRequest ::= Extensions``. The CA signs CSRs so a
client's private key never leaves its machine; it decides itself which requested extensions to keep.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from x509core import pem
from x509core.cert import oids
from x509core.cert.algorithms import SignatureAlgorithmInfo
from x509core.cert.builder import sign_with, signature_algorithm_for
from x509core.cert.certificate import (read_algorithm_identifier, read_signature_value,
                                       verify_signed_bytes)
from x509core.cert.extensions import (Extension, ExtensionValue, find_extension, read_extensions,
                                      write_extensions)
from x509core.cert.extensions.binding import (MachineBinding, binding_extensions,
                                              read_machine_binding)
from x509core.cert.names.name import Name, read_name, write_name
from x509core.cert.public_key import PublicKeyInfo, read_public_key_info
from x509core.der import BitString, ObjectIdentifier, Reader, Writer
from x509core.der.findings import Finding
from x509core.errors import DecodeError, InvalidValue
from x509core.rsa.algorithms import write_signature_algorithm
from x509core.rsa.key import RSAPrivateKey, RSAPublicKey
from x509core.rsa.keys import write_subject_public_key_info

__all__ = ["CertificateSigningRequest", "CSRBuilder", "load_der_csr", "load_pem_csr"]

_PEM_LABELS = ("CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST")


@dataclass(frozen=True, slots=True, eq=False)
class CertificateSigningRequest:
    """A parsed PKCS #10 request that keeps its exact bytes."""

    raw: bytes
    raw_info: bytes
    version: int                                 # 0 (v1), the only version
    subject: Name
    public_key_info: PublicKeyInfo
    attributes: tuple[tuple[ObjectIdentifier, tuple[bytes, ...]], ...]   # (type, DER of each value)
    extensions: tuple[Extension, ...]           # from the extensionRequest attribute
    signature_algorithm: ObjectIdentifier
    signature_algorithm_info: SignatureAlgorithmInfo | None
    signature: bytes
    findings: tuple[Finding, ...] = ()          # readable departures (der/findings.py)

    @property
    def public_key(self):
        return self.public_key_info.key

    def extension(self, oid: str) -> Extension | None:
        return find_extension(self.extensions, oid)

    @property
    def machine_binding(self) -> MachineBinding | None:
        """The machine binding the request asks for, carrier by carrier (as for certificates:
        ``cert/extensions/binding.py``), or None."""
        return read_machine_binding(self.extensions)

    @property
    def machine_identity(self) -> str | None:
        """The identity requested, whichever carrier holds it; InvalidValue on a conflict."""
        binding = self.machine_binding
        return None if binding is None else binding.machine_identity

    @property
    def mac_address(self) -> str | None:
        binding = self.machine_binding
        return None if binding is None else binding.mac_address

    def verify(self) -> None:
        """Check the self-signature (proof of possession, RFC 2986 §3): None or InvalidSignature."""
        verify_signed_bytes(self.raw_info, self.signature, self.signature_algorithm,
                            self.signature_algorithm_info, self.public_key)

    def to_der(self) -> bytes:
        return self.raw

    def to_pem(self) -> str:
        return pem.encode("CERTIFICATE REQUEST", self.raw)


def _read_attributes(info: Reader):
    field = info.read_implicit(0, True, "attributes")
    field.check_set_order()                      # a SET OF: X.690 §11.6
    attributes, extensions = [], ()
    while not field.at_end:
        attribute = field.read_sequence("attribute")
        start = attribute.pos
        oid = attribute.read_oid("type")
        values = attribute.read_set("values")
        raws = []
        while not values.at_end:
            if oid == oids.OID_EXTENSION_REQUEST and not raws:
                value_start = values.pos
                extensions = read_extensions(values)
                raws.append(values.data[value_start:values.pos])
                continue
            raws.append(values.read_any("value"))
        attribute.finish()
        if not raws:
            attribute.report(DecodeError, "attribute with no value", "RFC 2986 §4.1: SET SIZE(1..MAX)", start)
        if oid == oids.OID_EXTENSION_REQUEST and len(raws) > 1:
            # Refused: which of the values would the CA act on?
            raise DecodeError("extensionRequest is SINGLE VALUE (RFC 2985 §5.4.2)", start, attribute.path)
        attributes.append((oid, tuple(raws)))
    return tuple(attributes), extensions


def load_der_csr(data: bytes, *, strict: bool = False) -> CertificateSigningRequest:
    """A certification request (the signature is checked by ``verify()``): refused where it
    cannot be read one way, readable departures in ``findings`` (or, with ``strict=True``,
    refused at the first), as for certificates. The CA refuses a request with any finding."""
    findings: list | None = None if strict else []
    reader = Reader(data, findings=findings)
    request = reader.read_sequence("certificationRequest")
    info = request.read_sequence("certificationRequestInfo")
    start = info.pos
    version = info.read_integer("version")
    if version != 0:
        raise DecodeError(f"unknown CertificationRequestInfo version {version} (RFC 2986 §4.1)", start, info.path)
    subject = read_name(info, "subject")
    key_info = read_public_key_info(info, "subjectPKInfo")
    attributes, extensions = _read_attributes(info)
    info.finish()
    _, oid, alg = read_algorithm_identifier(request, "signatureAlgorithm")
    signature = read_signature_value(request, "signature")
    request.finish()
    reader.finish()
    return CertificateSigningRequest(reader.data, info.element_bytes, version, subject, key_info,
                                     attributes, extensions, oid, alg, signature,
                                     tuple(findings or ()))


def load_pem_csr(data: str | bytes, *, strict: bool = False) -> CertificateSigningRequest:
    _, der = pem.decode_one(data, _PEM_LABELS)
    return load_der_csr(der, strict=strict)


@dataclass(frozen=True)
class CSRBuilder:
    """Builds a PKCS #10 request; ``sign()`` reads its own output and verifies it."""

    subject: Name | None = None
    extensions: tuple[Extension, ...] = ()

    def with_subject(self, name: Name) -> "CSRBuilder":
        if self.subject is not None:
            raise InvalidValue("subject is already set")
        if not isinstance(name, Name):
            raise TypeError("subject must be a Name")
        return replace(self, subject=name)

    def with_extension(self, value, *, critical: bool) -> "CSRBuilder":
        if not isinstance(value, ExtensionValue):
            raise TypeError(f"not an extension value: {type(value).__name__}")
        # RFC 2985 §5.4.2: ExtensionRequest ::= Extensions, each extnID at most once (RFC 5280 §4.2)
        if any(ext.oid == value.oid for ext in self.extensions):
            raise InvalidValue(f"duplicate extension {value.oid}")
        return replace(self, extensions=(*self.extensions, Extension.from_value(value, critical)))

    def with_machine_binding(self, machine_id: str | None, mac: str | None = None, *,
                             binding: str = "seed", encoding: str = "raw") -> "CSRBuilder":
        """Ask for the machine binding in ``binding``: ``"seed"`` (the seed system's extensions,
        in ``encoding``) or ``"san"`` (subjectAltName ``urn:uuid:``/``urn:dev:mac:``; the
        identity must be a 32-hex-digit UUID). See ``cert/extensions/binding.py``."""
        builder = self
        for value, critical in binding_extensions(machine_id, mac, binding=binding,
                                                  encoding=encoding):
            builder = builder.with_extension(value, critical=critical)
        return builder

    def sign(self, key: RSAPrivateKey, hash_name: str = "sha256",
             padding: str = "pkcs1v15") -> CertificateSigningRequest:
        if not isinstance(key, RSAPrivateKey):
            raise TypeError(f"sign with the requester's RSAPrivateKey, not {type(key).__name__}")
        if self.subject is None:
            raise InvalidValue("certification request is incomplete: set the subject")
        algorithm = signature_algorithm_for(hash_name, padding)
        info = _encode_info(self.subject, key.public_key(), self.extensions)
        w = Writer()
        with w.sequence():
            w.write_raw(info)
            write_signature_algorithm(w, algorithm)
            w.write_bit_string(BitString(sign_with(key, algorithm, info), 0))
        request = load_der_csr(w.to_bytes(), strict=True)
        request.verify()
        return request


def _encode_info(subject: Name, public_key: RSAPublicKey, extensions) -> bytes:
    w = Writer()
    with w.sequence():
        w.write_integer(0)
        write_name(w, subject)
        write_subject_public_key_info(w, public_key)
        with w.implicit_constructed(0):
            if extensions:
                with w.sequence():
                    w.write_oid(oids.OID_EXTENSION_REQUEST)
                    with w.set_of():
                        write_extensions(w, extensions)
    return w.to_bytes()
