"""The three certificate profiles the CA issues: a root CA, a server (HTTPS and DICOM TLS) and a
client bound to one machine. Each function returns an unsigned :class:`CertificateBuilder`; the
caller signs it with the issuer's key (the root's own key for the root).

Kept here until the CA layer (``x509core/ca/issuance/``) takes them over. The rules below cite
RFC 5280; each profile is linted with pkilint's RFC 5280 linter in ``tests/cert/building/test_profiles.py``.

Root CA (self-signed, RSA-4096, 10 years)::

    basicConstraints   critical  cA TRUE, pathLenConstraint as given (default absent)
    keyUsage           critical  keyCertSign, cRLSign
    subjectKeyIdentifier         method 1 (RFC 5280 §4.2.1.2)

Server (RSA-2048 or larger)::

    basicConstraints   critical  cA FALSE (the empty SEQUENCE: DEFAULT FALSE is not encoded)
    keyUsage           critical  digitalSignature, keyEncipherment
    extKeyUsage                  serverAuth (and clientAuth for DICOM peers that also call out)
    subjectAltName               dNSName and iPAddress entries
    subjectKeyIdentifier, authorityKeyIdentifier (keyIdentifier)

Client bound to a machine::

    subject                      O=organization, CN=client id
    keyUsage           critical  digitalSignature (keyEncipherment on request)
    extKeyUsage                  clientAuth
    1.3.6.1.4.15967132172.1      MachineIdentity, non-critical, in the seed system's raw form
    1.3.6.1.4.15967132172.2      MacAddress, non-critical, optional
    subjectKeyIdentifier, authorityKeyIdentifier (keyIdentifier)

Every certificate gets a random positive 159-bit serial number (RFC 5280 §4.1.2.2).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from datetime import datetime

from x509core.cert import oids
from x509core.cert.builder import CertificateBuilder
from x509core.cert.certificate import Certificate
from x509core.cert.extensions import (BasicConstraints, ExtendedKeyUsage, KeyUsage, MacAddress,
                                      MachineIdentity, SubjectAlternativeName)
from x509core.cert.names.general_name import DNSName, IPAddress
from x509core.cert.names.name import Name
from x509core.errors import InvalidValue
from x509core.rsa.key import RSAPublicKey

__all__ = ["ROOT_CA_KEY_BITS", "ROOT_CA_YEARS", "MIN_LEAF_KEY_BITS", "root_ca_builder",
           "server_builder", "client_builder", "add_years"]

ROOT_CA_KEY_BITS = 4096
ROOT_CA_YEARS = 10
MIN_LEAF_KEY_BITS = 2048


def add_years(moment: datetime, years: int) -> datetime:
    """``moment`` plus whole calendar years; 29 February becomes 28 February in a common year."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


def root_ca_builder(public_key: RSAPublicKey, subject: str | Name, not_before: datetime, *,
                    path_len_constraint: int | None = None) -> CertificateBuilder:
    """A self-signed root CA for ``subject`` (``/C=../O=../CN=..`` or a Name), valid for
    :data:`ROOT_CA_YEARS` years from ``not_before``; sign it with the matching private key."""
    _check_key(public_key, ROOT_CA_KEY_BITS, exact=True)
    name = _name(subject)
    return (CertificateBuilder()
            .with_subject(name)
            .with_issuer(name)                                  # self-signed: issuer = subject
            .with_random_serial_number()
            .with_validity(not_before, add_years(not_before, ROOT_CA_YEARS))
            .with_public_key(public_key)
            # RFC 5280 §4.2.1.9: conforming CAs MUST include basicConstraints in CA certificates
            # that carry public keys used to validate certificate signatures, marked critical.
            .with_extension(BasicConstraints(ca=True, path_len_constraint=path_len_constraint),
                            critical=True)
            # RFC 5280 §4.2.1.3: "When present, conforming CAs SHOULD mark this extension as
            # critical."
            .with_extension(KeyUsage(key_cert_sign=True, crl_sign=True), critical=True)
            # RFC 5280 §4.2.1.2: the SKI MUST appear in all conforming CA certificates.
            .with_subject_key_identifier())


def server_builder(issuer: Certificate, public_key: RSAPublicKey, subject: str | Name,
                   not_before: datetime, not_after: datetime, *, dns_names: Iterable[str] = (),
                   ip_addresses: Iterable[str] = (), client_auth: bool = False) -> CertificateBuilder:
    """A TLS server certificate (HTTPS, DICOM TLS) for the names and addresses given, issued by
    ``issuer``; ``client_auth`` adds clientAuth for DICOM peers that both listen and call."""
    names = (*(DNSName(d) for d in dns_names),
             *(IPAddress(ipaddress.ip_address(a)) for a in ip_addresses))
    if not names:
        raise InvalidValue("a server certificate needs at least one DNS name or IP address")
    purposes = (oids.OID_SERVER_AUTH, oids.OID_CLIENT_AUTH) if client_auth else (oids.OID_SERVER_AUTH,)
    return (_leaf(issuer, public_key, _name(subject), not_before, not_after)
            .with_extension(BasicConstraints(ca=False), critical=True)
            .with_extension(KeyUsage(digital_signature=True, key_encipherment=True), critical=True)
            .with_extension(ExtendedKeyUsage(purposes), critical=False)
            # RFC 5280 §4.2.1.6: with a non-empty subject, the subjectAltName SHOULD NOT be critical.
            .with_extension(SubjectAlternativeName(names), critical=False)
            .with_subject_key_identifier()
            .with_authority_key_identifier(issuer.public_key))


def client_builder(issuer: Certificate, public_key: RSAPublicKey, organization: str,
                   client_id: str, not_before: datetime, not_after: datetime, *,
                   machine_identity: str, mac_address: str | None = None,
                   key_encipherment: bool = False, encoding: str = "raw") -> CertificateBuilder:
    """A TLS client certificate for ``client_id`` of ``organization``, bound to one machine by
    the seed system's extensions; ``encoding`` is their form ("raw", as the seed system writes
    it, or "utf8", "ia5", "octet" for a DER-wrapped value)."""
    subject = Name.build([("O", organization), ("CN", client_id)])
    builder = (_leaf(issuer, public_key, subject, not_before, not_after)
               .with_extension(KeyUsage(digital_signature=True, key_encipherment=key_encipherment),
                               critical=True)
               .with_extension(ExtendedKeyUsage((oids.OID_CLIENT_AUTH,)), critical=False)
               .with_extension(MachineIdentity(machine_identity, encoding), critical=False))
    if mac_address is not None:
        builder = builder.with_extension(MacAddress(mac_address, encoding), critical=False)
    return builder.with_subject_key_identifier().with_authority_key_identifier(issuer.public_key)


def _leaf(issuer: Certificate, public_key: RSAPublicKey, subject: Name, not_before: datetime,
          not_after: datetime) -> CertificateBuilder:
    """The fields every end-entity certificate of the CA shares."""
    if not isinstance(issuer, Certificate):
        raise TypeError("issuer must be the issuing CA's Certificate")
    _check_key(public_key, MIN_LEAF_KEY_BITS)
    return (CertificateBuilder()
            .with_subject(subject)
            .with_issuer(issuer.subject)                        # byte for byte (RFC 5280 §4.1.2.4)
            .with_random_serial_number()
            .with_validity(not_before, not_after)
            .with_public_key(public_key))


def _check_key(public_key: RSAPublicKey, bits: int, *, exact: bool = False) -> None:
    if not isinstance(public_key, RSAPublicKey):
        raise TypeError("public_key must be an RSAPublicKey")
    if public_key.key_size < bits or (exact and public_key.key_size != bits):
        wanted = f"RSA-{bits}" if exact else f"at least RSA-{bits}"
        raise InvalidValue(f"this profile needs {wanted}, not RSA-{public_key.key_size}")


def _name(subject: str | Name) -> Name:
    if isinstance(subject, Name):
        return subject
    if not isinstance(subject, str):
        raise TypeError("subject must be an OpenSSL /C=../O=../CN=.. string or a Name")
    return Name.from_openssl(subject)
