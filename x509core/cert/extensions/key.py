"""Extensions about the keys: identifiers and usage. RFC 5280 §4.2.1.1, §4.2.1.2, §4.2.1.3,
§4.2.1.12."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields
from typing import ClassVar

from x509core.cert._parsed import parsed
from x509core.cert.extensions.value import (ExtensionValue, hex_colon, openssl_lines, tuple_of,
                                           val_prn)
from x509core.cert.names.general_name import GeneralName, check_general_names
from x509core.cert.names.general_name_der import read_general_names, write_general_names
from x509core.cert.names.general_name_text import openssl_object_name
from x509core.cert.oids import (OID_AUTHORITY_KEY_IDENTIFIER, OID_EXTENDED_KEY_USAGE,
                                OID_KEY_USAGE, OID_SUBJECT_KEY_IDENTIFIER)
from x509core.der import ObjectIdentifier, Reader, Writer
from x509core.der.content import encode_integer
from x509core.der.tags import Tag
from x509core.errors import DecodeError, InvalidValue

__all__ = ["AuthorityKeyIdentifier", "SubjectKeyIdentifier", "KeyUsage", "ExtendedKeyUsage"]


@dataclass(frozen=True, slots=True)
class AuthorityKeyIdentifier(ExtensionValue):
    """Which key signed this certificate or CRL. RFC 5280 §4.2.1.1::

        AuthorityKeyIdentifier ::= SEQUENCE {
            keyIdentifier             [0] KeyIdentifier           OPTIONAL,
            authorityCertIssuer       [1] GeneralNames            OPTIONAL,
            authorityCertSerialNumber [2] CertificateSerialNumber OPTIONAL  }
            -- authorityCertIssuer and authorityCertSerialNumber MUST both
            -- be present or both be absent

        KeyIdentifier ::= OCTET STRING
    """

    oid: ClassVar[ObjectIdentifier] = OID_AUTHORITY_KEY_IDENTIFIER
    # RFC 5280 §4.2.1.1: "Conforming CAs MUST mark this extension as non-critical."
    criticality: ClassVar = (False, "RFC 5280 §4.2.1.1")
    key_identifier: bytes | None = None
    authority_cert_issuer: tuple[GeneralName, ...] | None = None
    authority_cert_serial_number: int | None = None

    def __post_init__(self) -> None:
        if self.key_identifier is not None and not isinstance(self.key_identifier, bytes):
            raise TypeError("key_identifier must be bytes")
        if (self.authority_cert_issuer is None) != (self.authority_cert_serial_number is None):
            raise InvalidValue("authorityCertIssuer and authorityCertSerialNumber MUST both be "
                               "present or both be absent (RFC 5280 §4.2.1.1)")
        if self.authority_cert_issuer is not None:
            object.__setattr__(self, "authority_cert_issuer",
                               check_general_names(self.authority_cert_issuer, "authorityCertIssuer"))
            if not isinstance(self.authority_cert_serial_number, int) or isinstance(
                    self.authority_cert_serial_number, bool):
                raise TypeError("authority_cert_serial_number must be an int")

    @classmethod
    def read_value(cls, reader: Reader) -> "AuthorityKeyIdentifier":
        key_id = _read_key_id_only(reader)
        if key_id is not None:
            return parsed(cls, key_id, None, None)      # neither issuer nor serial: consistent
        seq = reader.read_sequence("AuthorityKeyIdentifier")
        key_id = issuer = serial = None
        if seq.peek_is(Tag(2, False, 0)):
            key_id = seq.read_implicit_value(0, 4, "keyIdentifier")
        if seq.peek_is(Tag(2, True, 1)):
            issuer = read_general_names(seq, "authorityCertIssuer", implicit=1)
        serial_start = seq.pos
        if seq.peek_is(Tag(2, False, 2)):
            serial = seq.read_implicit_value(2, 2, "authorityCertSerialNumber")
        seq.finish()
        if (issuer is None) != (serial is None):
            seq.report(DecodeError, "authorityCertIssuer and authorityCertSerialNumber MUST both be "
                       "present or both be absent", "RFC 5280 §4.2.1.1", serial_start)
        return parsed(cls, key_id, issuer, serial)         # checked above as __post_init__ checks

    def write_value(self, writer: Writer) -> None:
        with writer.sequence():
            if self.key_identifier is not None:
                writer.write_implicit_primitive(0, self.key_identifier)
            if self.authority_cert_issuer is not None:
                write_general_names(writer, self.authority_cert_issuer, implicit=1)
                writer.write_implicit_primitive(2, encode_integer(self.authority_cert_serial_number))

    def text_lines(self) -> list[str]:
        # crypto/x509/v3_akid.c i2v_AUTHORITY_KEYID; "keyid:" only beside issuer or serial.
        values = []
        if self.key_identifier is not None:
            prefix = "keyid:" if self.authority_cert_issuer is not None else ""
            values.append(prefix + hex_colon(self.key_identifier))
        if self.authority_cert_issuer is not None:
            values.extend(gn.text() for gn in self.authority_cert_issuer)
            # OpenSSL prints the magnitude octets of the ASN1_INTEGER (no sign octet).
            serial = abs(self.authority_cert_serial_number)
            octets = serial.to_bytes(max(1, (serial.bit_length() + 7) // 8), "big")
            values.append("serial:" + hex_colon(octets))
        return openssl_lines(val_prn(values, multiline=True))


def _read_key_id_only(reader: Reader) -> bytes | None:
    """The commonest AuthorityKeyIdentifier read at once: ``SEQUENCE { [0] keyIdentifier }``
    alone, both lengths short (X.690 §8.1.3.4) and the [0] filling the SEQUENCE, the keyIdentifier
    as its octets. None (nothing read) for anything else, which the field-by-field reading
    reads, reports or refuses. The same value: the general reading of these octets nests one
    level (the SEQUENCE; checked here), reads the primitive [0] IMPLICIT OCTET STRING (any
    octets, X.690 §8.7), finds neither [1] nor [2] and so nothing to report (RFC 5280 §4.2.1.1)."""
    data, pos, end = reader.data, reader.pos, reader.end
    if pos + 4 > end or data[pos] != 0x30 or data[pos + 2] != 0x80 or reader.depth >= reader.max_depth:
        return None
    length = data[pos + 1]
    if length >= 0x80 or data[pos + 3] + 2 != length or pos + 2 + length > end:
        return None
    reader.pos = pos + 2 + length
    return data[pos + 4:pos + 2 + length]


@dataclass(frozen=True, slots=True)
class SubjectKeyIdentifier(ExtensionValue):
    """An identifier of the certified public key. RFC 5280 §4.2.1.2::

        SubjectKeyIdentifier ::= KeyIdentifier

        KeyIdentifier ::= OCTET STRING
    """

    oid: ClassVar[ObjectIdentifier] = OID_SUBJECT_KEY_IDENTIFIER
    # RFC 5280 §4.2.1.2: "Conforming CAs MUST mark this extension as non-critical."
    criticality: ClassVar = (False, "RFC 5280 §4.2.1.2")
    key_identifier: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.key_identifier, bytes):
            raise TypeError("key_identifier must be bytes")

    @classmethod
    def from_public_key_der(cls, subject_public_key_bit_string_contents: bytes) -> "SubjectKeyIdentifier":
        """Method (1) of RFC 5280 §4.2.1.2: "the 160-bit SHA-1 hash of the value of the BIT STRING
        subjectPublicKey (excluding the tag, length, and number of unused bits)"."""
        return cls(hashlib.sha1(bytes(subject_public_key_bit_string_contents)).digest())

    @classmethod
    def read_value(cls, reader: Reader) -> "SubjectKeyIdentifier":
        return parsed(cls, reader.read_octet_string("SubjectKeyIdentifier"))

    def write_value(self, writer: Writer) -> None:
        writer.write_octet_string(self.key_identifier)

    def text_lines(self) -> list[str]:
        return [hex_colon(self.key_identifier)]


# KeyUsage bit number -> the name OpenSSL prints (crypto/x509/v3_bitst.c key_usage_type_table).
_KEY_USAGE_TEXT = ("Digital Signature", "Non Repudiation", "Key Encipherment", "Data Encipherment",
                   "Key Agreement", "Certificate Sign", "CRL Sign", "Encipher Only", "Decipher Only")


# The nine named bits of a 9-bit value (bit 0 the top one), as bools, for each of its 512 values.
_NINE_BITS = tuple(tuple(bool(value & (0x100 >> i)) for i in range(9)) for value in range(512))


@dataclass(frozen=True, slots=True)
class KeyUsage(ExtensionValue):
    """What the certified key may be used for. RFC 5280 §4.2.1.3::

        KeyUsage ::= BIT STRING {
             digitalSignature        (0),
             nonRepudiation          (1), -- recent editions of X.509 have
                                  -- renamed this bit to contentCommitment
             keyEncipherment         (2),
             dataEncipherment        (3),
             keyAgreement            (4),
             keyCertSign             (5),
             cRLSign                 (6),
             encipherOnly            (7),
             decipherOnly            (8) }

    One bool field per named bit, in bit order (``crl_sign`` is cRLSign).
    """

    oid: ClassVar[ObjectIdentifier] = OID_KEY_USAGE
    digital_signature: bool = False
    non_repudiation: bool = False
    key_encipherment: bool = False
    data_encipherment: bool = False
    key_agreement: bool = False
    key_cert_sign: bool = False
    crl_sign: bool = False
    encipher_only: bool = False
    decipher_only: bool = False

    def __post_init__(self) -> None:
        if not all(isinstance(getattr(self, f.name), bool) for f in fields(self)):
            raise TypeError("KeyUsage bits must be bool")
        if not self.named_bits:
            # RFC 5280 §4.2.1.3: "When the keyUsage extension appears in a certificate, at least
            # one of the bits MUST be set to 1."
            raise InvalidValue("KeyUsage needs at least one bit set (RFC 5280 §4.2.1.3)")

    @property
    def named_bits(self) -> frozenset[int]:
        return frozenset(i for i, f in enumerate(fields(self)) if getattr(self, f.name))

    @classmethod
    def read_value(cls, reader: Reader) -> "KeyUsage":
        start = reader.pos
        bits = reader.read_named_bit_string("KeyUsage")
        if len(bits) > 9 and any(bits.bit(i) for i in range(9, len(bits))):
            reader.report(DecodeError, f"KeyUsage bit {len(bits) - 1} is not defined",
                          "RFC 5280 §4.2.1.3", start, name="KeyUsage")
        word = int.from_bytes(bits.data[:2].ljust(2, b"\0"), "big")   # bit 0 is the top bit
        flags = _NINE_BITS[word >> 7]
        if not any(flags):
            reader.report(DecodeError, "KeyUsage with no bit set", "RFC 5280 §4.2.1.3", start,
                          name="KeyUsage")
        return parsed(cls, *flags)

    def write_value(self, writer: Writer) -> None:
        writer.write_named_bits(self.named_bits)

    def text_lines(self) -> list[str]:
        return openssl_lines(val_prn([_KEY_USAGE_TEXT[i] for i in sorted(self.named_bits)], False))


@dataclass(frozen=True, slots=True)
class ExtendedKeyUsage(ExtensionValue):
    """Purposes the certified key may be used for. RFC 5280 §4.2.1.12::

        ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId

        KeyPurposeId ::= OBJECT IDENTIFIER
    """

    oid: ClassVar[ObjectIdentifier] = OID_EXTENDED_KEY_USAGE
    key_purposes: tuple[ObjectIdentifier, ...]

    def __post_init__(self) -> None:
        purposes = tuple_of(self.key_purposes, str, "ExtKeyUsageSyntax")
        object.__setattr__(self, "key_purposes", tuple(ObjectIdentifier(p) for p in purposes))

    @classmethod
    def read_value(cls, reader: Reader) -> "ExtendedKeyUsage":
        seq = reader.read_sequence("ExtKeyUsageSyntax")
        purposes = seq.read_items(Reader.read_oid, "ExtKeyUsageSyntax must not be empty "
                                                   "(SIZE (1..MAX), RFC 5280 §4.2.1.12)")
        return parsed(cls, purposes)                   # non-empty, and OIDs as read

    def write_value(self, writer: Writer) -> None:
        with writer.sequence():
            for purpose in self.key_purposes:
                writer.write_oid(purpose)

    def text_lines(self) -> list[str]:
        return openssl_lines(val_prn([openssl_object_name(p) for p in self.key_purposes], False))
