"""An immutable certificate builder: each ``with_*`` returns a new builder, every field is set
at most once, and ``sign()`` reads and verifies its own output before returning it, as Go's
``CreateCertificate`` does. RFC 5280 §4.1 (TBSCertificate), §4.1.2.2 (serial numbers)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime

from x509core.cert import oids
from x509core.cert.certificate import Certificate, load_der_certificate
from x509core.cert.extensions import (AuthorityKeyIdentifier, Extension, ExtensionValue,
                                      SubjectKeyIdentifier,
                                      write_extensions)
from x509core.cert.names.name import Name, write_name
from x509core.cert.public_key import subject_public_key_octets, write_public_key_info
from x509core.der import BitString, Writer
from x509core.der.time import to_utc
from x509core.errors import InvalidValue
from x509core.rsa.algorithms import PssParameters, SignatureAlgorithm, write_signature_algorithm
from x509core.ec.key import ECPublicKey
from x509core.rsa.key import RSAPrivateKey, RSAPublicKey

__all__ = ["CertificateBuilder", "random_serial_number", "signature_algorithm_for",
           "subject_key_identifier_for", "check_serial_number"]

_SIGNING_HASHES = ("sha256", "sha384", "sha512")


def random_serial_number() -> int:
    """A positive serial of at most 20 octets with 159 bits from the CSPRNG (RFC 5280 §4.1.2.2;
    the CA/Browser Forum Baseline Requirements §7.1 ask for at least 64)."""
    return secrets.randbits(159) | 1          # never 0; the top octet stays below 0x80


def check_serial_number(serial: int) -> int:
    # RFC 5280 §4.1.2.2: "The serial number MUST be a positive integer ... CAs MUST NOT use
    # serialNumber values longer than 20 octets."
    if not isinstance(serial, int) or isinstance(serial, bool):
        raise TypeError("serial number must be an int")
    if serial <= 0 or (serial.bit_length() + 8) // 8 > 20:
        raise InvalidValue("serial number must be positive and at most 20 octets (RFC 5280 §4.1.2.2)")
    return serial


def signature_algorithm_for(hash_name: str, padding: str) -> SignatureAlgorithm:
    """sha256/384/512WithRSAEncryption, or RSASSA-PSS with MGF1 of the same hash and a salt as
    long as the hash."""
    if hash_name not in _SIGNING_HASHES:
        raise InvalidValue(f"sign with sha256, sha384 or sha512, not {hash_name!r}")
    if padding == "pkcs1v15":
        return SignatureAlgorithm("pkcs1v15", hash_name)
    if padding == "pss":
        return SignatureAlgorithm("pss", hash_name, PssParameters.for_hash(hash_name))
    raise InvalidValue(f"padding must be 'pkcs1v15' or 'pss', not {padding!r}")


def sign_with(key: RSAPrivateKey, algorithm: SignatureAlgorithm, data: bytes) -> bytes:
    if algorithm.padding == "pss":
        return key.sign(data, algorithm.hash_name, "pss", algorithm.pss.salt_length,
                        mgf1_hash_name=algorithm.pss.mgf1_hash_name)
    return key.sign(data, algorithm.hash_name, "pkcs1v15")


def subject_key_identifier_for(public_key: RSAPublicKey | ECPublicKey) -> SubjectKeyIdentifier:
    """RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's value, as this
    builder writes it (an EC point uncompressed)."""
    return SubjectKeyIdentifier.from_public_key_der(subject_public_key_octets(public_key))


@dataclass(frozen=True)
class CertificateBuilder:
    """The fields of a TBSCertificate, set one ``with_*`` call at a time."""

    subject: Name | None = None
    issuer: Name | None = None
    serial_number: int | None = None
    not_valid_before: datetime | None = None
    not_valid_after: datetime | None = None
    public_key: RSAPublicKey | ECPublicKey | None = None   # the subject's key
    extensions: tuple[Extension, ...] = ()

    def _set(self, field: str, value) -> "CertificateBuilder":
        if getattr(self, field) is not None:
            raise InvalidValue(f"{field} is already set")
        return replace(self, **{field: value})

    def with_subject(self, name: Name) -> "CertificateBuilder":
        return self._set("subject", _require(name, Name, "subject"))

    def with_issuer(self, name: Name) -> "CertificateBuilder":
        return self._set("issuer", _require(name, Name, "issuer"))

    def with_serial_number(self, serial: int) -> "CertificateBuilder":
        return self._set("serial_number", check_serial_number(serial))

    def with_random_serial_number(self) -> "CertificateBuilder":
        return self.with_serial_number(random_serial_number())

    def with_validity(self, not_before: datetime, not_after: datetime) -> "CertificateBuilder":
        before, after = to_utc(not_before).replace(microsecond=0), to_utc(not_after).replace(microsecond=0)
        if after <= before:
            raise InvalidValue("notAfter must be later than notBefore (RFC 5280 §4.1.2.5)")
        return self._set("not_valid_before", before)._set("not_valid_after", after)

    def with_public_key(self, key: RSAPublicKey | ECPublicKey) -> "CertificateBuilder":
        """The subject's RSA or EC key (an EC point is written uncompressed, RFC 5480 §2.2);
        the issuer still signs with RSA."""
        if not isinstance(key, (RSAPublicKey, ECPublicKey)):
            raise TypeError("public key must be an RSAPublicKey or ECPublicKey")
        return self._set("public_key", key)

    def with_extension(self, value, *, critical: bool) -> "CertificateBuilder":
        if not isinstance(value, ExtensionValue):
            raise TypeError(f"not an extension value: {type(value).__name__}")
        # RFC 5280 §4.2: a certificate MUST NOT include more than one instance of an extension.
        if any(ext.oid == value.oid for ext in self.extensions):
            raise InvalidValue(f"duplicate extension {value.oid}")
        return replace(self, extensions=(*self.extensions, Extension.from_value(value, critical)))

    def with_subject_key_identifier(self) -> "CertificateBuilder":
        if self.public_key is None:
            raise InvalidValue("set the public key before the subject key identifier")
        return self.with_extension(subject_key_identifier_for(self.public_key), critical=False)

    def with_authority_key_identifier(self, issuer_public_key: RSAPublicKey) -> "CertificateBuilder":
        """keyIdentifier = the issuer's SKI by method 1 (RFC 5280 §4.2.1.1)."""
        ski = subject_key_identifier_for(issuer_public_key)
        return self.with_extension(AuthorityKeyIdentifier(key_identifier=ski.key_identifier), critical=False)

    def sign(self, issuer_key: RSAPrivateKey, hash_name: str = "sha256",
             padding: str = "pkcs1v15") -> Certificate:
        """Encode, sign, read back, and verify the signature; the parsed certificate."""
        if not isinstance(issuer_key, RSAPrivateKey):
            raise TypeError(f"sign with an RSAPrivateKey, not {type(issuer_key).__name__}")
        algorithm = signature_algorithm_for(hash_name, padding)
        tbs = self._encode_tbs(algorithm)
        w = Writer()
        with w.sequence():
            w.write_raw(tbs)
            write_signature_algorithm(w, algorithm)
            w.write_bit_string(_bits(sign_with(issuer_key, algorithm, tbs)))
        cert = load_der_certificate(w.to_bytes(), strict=True)
        cert.verify_signature(issuer_key.public_key())
        return cert

    def _check_complete(self) -> None:
        missing = [name for name in ("subject", "issuer", "serial_number", "not_valid_before",
                                     "public_key") if getattr(self, name) is None]
        if missing:
            raise InvalidValue(f"certificate is incomplete: set {', '.join(missing)}")
        if not self.issuer.rdns:
            raise InvalidValue("the issuer MUST be a non-empty name (RFC 5280 §4.1.2.4)")
        if not self.subject.rdns:
            san = next((e for e in self.extensions if e.oid == oids.OID_SUBJECT_ALT_NAME), None)
            if san is None or not san.critical:
                # RFC 5280 §4.1.2.6: an empty subject needs a critical subjectAltName.
                raise InvalidValue("an empty subject needs a critical subjectAltName (RFC 5280 §4.1.2.6)")

    def _encode_tbs(self, algorithm: SignatureAlgorithm) -> bytes:
        self._check_complete()
        w = Writer()
        with w.sequence():
            with w.explicit(0):
                w.write_integer(2)                              # v3 (RFC 5280 §4.1.2.1)
            w.write_integer(self.serial_number)
            write_signature_algorithm(w, algorithm)
            write_name(w, self.issuer)
            with w.sequence():
                w.write_time(self.not_valid_before)
                w.write_time(self.not_valid_after)
            write_name(w, self.subject)
            write_public_key_info(w, self.public_key)
            if self.extensions:
                with w.explicit(3):
                    write_extensions(w, self.extensions)
        return w.to_bytes()


def _bits(signature: bytes) -> BitString:
    return BitString(signature, 0)


def _require(value, kind, what: str):
    if not isinstance(value, kind):
        raise TypeError(f"{what} must be a {kind.__name__}")
    return value
