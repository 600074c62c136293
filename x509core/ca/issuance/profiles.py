"""The three certificate profiles the CA issues, and the two certificates the service adds.

Each builder returns an unsigned :class:`~x509core.cert.CertificateBuilder` (serial number
still unset: the issuer draws it). Every profile is linted with pkilint's RFC 5280 linter in
``tests/ca/issuance/test_profiles_pkilint.py``.

Root CA (self-signed; RSA-4096 by default; 10 years by default)::

    basicConstraints   critical  cA TRUE, pathLenConstraint as given (default absent)
    keyUsage           critical  keyCertSign, cRLSign
    subjectKeyIdentifier         method 1 (RFC 5280 §4.2.1.2)

Server (HTTPS and DICOM TLS endpoints)::

    subject                      [O=organization,] CN=common name (default: the first name)
    basicConstraints   critical  cA FALSE (DEFAULT FALSE is not encoded: an empty SEQUENCE)
    keyUsage           critical  RSA key: digitalSignature, keyEncipherment
                                 EC key: digitalSignature (keyAgreement on request)
    extKeyUsage                  serverAuth (and clientAuth for DICOM peers that also call out)
    subjectAltName               dNSName and iPAddress entries
    subjectKeyIdentifier, authorityKeyIdentifier (keyIdentifier)

Client bound to a machine (the seed system's client certificate, ``../shared/seed.md``)::

    subject                      O=organization, CN=client id
    basicConstraints   critical  cA FALSE
    keyUsage           critical  digitalSignature (RSA: keyEncipherment on request;
                                 EC: keyAgreement on request)
    extKeyUsage                  clientAuth
    1.3.6.1.4.15967132172.1      MachineIdentity, non-critical, raw octets as the seed system
    1.3.6.1.4.15967132172.2      MacAddress, non-critical, optional, likewise
      or, with binding "san" (readable by Go's crypto/x509; cert/extensions/binding.py):
    subjectAltName               urn:uuid:<identity>, urn:dev:mac:<12 hex> (optional);
                                 non-critical; the identity must be a 32-hex-digit UUID
    subjectKeyIdentifier, authorityKeyIdentifier (keyIdentifier)

Keys (``keys.py``). The CA's own key is RSA (at least 2048 bits). A leaf's key is RSA of at
least 2048 bits or EC on P-256, P-384 or P-521 (a CSR made by ``openssl req -newkey ec``); an
EC leaf's keyUsage follows RFC 8813 §3 (RFC 5480 §3): digitalSignature, keyAgreement where
asked, and never keyEncipherment or dataEncipherment, which an EC key cannot do.

The checks on every input of a profile (the seed system's identifiers, names, dates, what a CSR
contributes) are in ``inputs.py``; the names a profile certifies are checked by ``names.py``.

For the service (``x509core serve``): the delegated OCSP responder (:func:`ocsp_responder_builder`,
RFC 6960 §4.2.2.2) and the CRL and OCSP locations a certificate carries while the service has a
public URL (:func:`with_revocation_pointers`, RFC 5280 §4.2.1.13 and §4.2.2.1).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from x509core.ca.issuance.inputs import (check_binding_id, check_client_id, check_mac_address,
                                         check_public_url, check_text, server_names)
from x509core.cert import oids
from x509core.cert.builder import CertificateBuilder
from x509core.cert.certificate import Certificate
from x509core.cert.extensions import (AccessDescription, AuthorityInformationAccess,
                                      BasicConstraints, CRLDistributionPoints, DistributionPoint,
                                      DistributionPointName, ExtendedKeyUsage, KeyUsage,
                                      SubjectAlternativeName)
from x509core.cert.extensions.binding import binding_extensions
from x509core.cert.names.general_name import UniformResourceIdentifier
from x509core.cert.names.name import Name
from x509core.cert.revocation.ocsp import OCSPNoCheck
from x509core.ca.keys import check_public_key, leaf_key_usage
from x509core.ec.key import ECPublicKey
from x509core.errors import InvalidValue
from x509core.rsa.key import RSAPublicKey

__all__ = ["MIN_LEAF_KEY_BITS", "MIN_CA_KEY_BITS",
           "root_ca_builder", "server_builder", "client_builder",
           "OCSP_RESPONDER_CN", "ocsp_responder_builder", "with_revocation_pointers"]

MIN_LEAF_KEY_BITS = 2048
MIN_CA_KEY_BITS = 2048


def root_ca_builder(public_key: RSAPublicKey, subject: Name, not_before: datetime,
                    not_after: datetime, *, path_length: int | None = None) -> CertificateBuilder:
    """A self-signed root CA; sign it with the matching private key."""
    check_public_key(public_key, MIN_CA_KEY_BITS, ec=False)
    if path_length is not None and (not isinstance(path_length, int) or path_length < 0):
        raise InvalidValue(f"path length must be an int >= 0, not {path_length!r}")
    return (CertificateBuilder()
            .with_subject(subject)
            .with_issuer(subject)                               # self-signed: issuer = subject
            .with_validity(not_before, not_after)
            .with_public_key(public_key)
            # RFC 5280 §4.2.1.9: conforming CAs MUST include basicConstraints, marked critical,
            # in CA certificates whose public keys validate certificate signatures.
            .with_extension(BasicConstraints(ca=True, path_len_constraint=path_length), critical=True)
            # RFC 5280 §4.2.1.3: "When present, conforming CAs SHOULD mark this extension as
            # critical."
            .with_extension(KeyUsage(key_cert_sign=True, crl_sign=True), critical=True)
            # RFC 5280 §4.2.1.2: the SKI MUST appear in all conforming CA certificates.
            .with_subject_key_identifier())


def server_builder(issuer: Certificate, public_key: RSAPublicKey | ECPublicKey,
                   not_before: datetime, not_after: datetime, *, dns: Sequence[str] = (),
                   ip: Sequence[str] = (), common_name: str | None = None, org: str | None = None,
                   also_client: bool = False, key_agreement: bool = False) -> CertificateBuilder:
    """A TLS server certificate (HTTPS, DICOM TLS) for the names and addresses given;
    ``also_client`` adds clientAuth for DICOM peers that both listen and call. keyUsage by the
    key's type (:func:`leaf_key_usage`): RSA keyEncipherment, EC keyAgreement if asked."""
    usage = leaf_key_usage(public_key, key_encipherment=isinstance(public_key, RSAPublicKey),
                           key_agreement=key_agreement)
    subject, names = server_names(dns=dns, ip=ip, common_name=common_name, org=org)
    purposes = (oids.OID_SERVER_AUTH, oids.OID_CLIENT_AUTH) if also_client else (oids.OID_SERVER_AUTH,)
    return (_leaf(issuer, public_key, subject, not_before, not_after)
            .with_extension(usage, critical=True)
            .with_extension(ExtendedKeyUsage(purposes), critical=False)
            # RFC 5280 §4.2.1.6: with a non-empty subject, the subjectAltName SHOULD NOT be critical.
            .with_extension(SubjectAlternativeName(names), critical=False)
            .with_subject_key_identifier()
            .with_authority_key_identifier(issuer.public_key))


def _binding_mac(mac: str, binding: str, as_given: bool) -> str:
    """The MAC checked for its carrier: a seed extension may keep the API's text as given; a
    ``urn:dev:mac:`` URN (RFC 9039 §3.3) always takes the normalised colon form."""
    mac = check_mac_address(mac, as_given=as_given)
    return mac if binding == "seed" else mac.replace("-", ":").lower()


def client_builder(issuer: Certificate, public_key: RSAPublicKey | ECPublicKey,
                   not_before: datetime, not_after: datetime, *, org: str, client_id: str,
                   machine_id: str | None, mac: str | None = None, key_encipherment: bool = False,
                   encoding: str = "raw", binding: str = "seed",
                   key_agreement: bool = False, mac_as_given: bool = False) -> CertificateBuilder:
    """A TLS client certificate for ``client_id`` of ``org``, bound to one machine by the seed
    system's extensions in ``encoding`` ("raw" as the seed system writes them), or with
    ``binding="san"`` by subjectAltName URNs (``cert/extensions/binding.py``). keyUsage:
    digitalSignature, and keyEncipherment (RSA) or keyAgreement (EC) when asked.
    ``mac_as_given``: the MAC as the seed system's API got it (:func:`check_mac_address`),
    kept so in the seed extension and normalised for a URN."""
    subject = Name.build([("O", check_text(org, "organization")), ("CN", check_client_id(client_id))])
    machine_id = None if machine_id is None else check_binding_id(machine_id, binding)
    mac = None if mac is None else _binding_mac(mac, binding, mac_as_given)
    usage = leaf_key_usage(public_key, key_encipherment=key_encipherment,
                           key_agreement=key_agreement)
    builder = (_leaf(issuer, public_key, subject, not_before, not_after)
               .with_extension(usage, critical=True)
               .with_extension(ExtendedKeyUsage((oids.OID_CLIENT_AUTH,)), critical=False))
    for value, critical in binding_extensions(machine_id, mac, binding=binding, encoding=encoding):
        builder = builder.with_extension(value, critical=critical)
    return builder.with_subject_key_identifier().with_authority_key_identifier(issuer.public_key)


def _leaf(issuer: Certificate, public_key: RSAPublicKey | ECPublicKey, subject: Name,
          not_before: datetime, not_after: datetime) -> CertificateBuilder:
    """The fields every end-entity certificate of the CA shares."""
    return (CertificateBuilder()
            .with_subject(subject)
            .with_issuer(issuer.subject)                        # byte for byte (RFC 5280 §4.1.2.4)
            .with_validity(not_before, not_after)
            .with_public_key(check_public_key(public_key, MIN_LEAF_KEY_BITS))
            # RFC 5280 §4.2.1.9 lets an end entity omit basicConstraints; stating cA FALSE,
            # critical, stops any relying party from treating the certificate as a CA.
            .with_extension(BasicConstraints(ca=False), critical=True))


# -- the service: the delegated OCSP responder and the revocation pointers ------------------------

OCSP_RESPONDER_CN = "OCSP Responder"


def ocsp_responder_builder(issuer: Certificate, public_key: RSAPublicKey, not_before: datetime,
                           not_after: datetime) -> CertificateBuilder:
    """A delegated OCSP responder of ``issuer`` (RFC 6960 §4.2.2.2): the CA "SHALL" mark it by
    id-kp-OCSPSigning in extKeyUsage, and id-pkix-ocsp-nocheck (§4.2.2.2.1) tells clients not
    to check its own revocation, so it is kept short-lived and renewed by the service."""
    organization = issuer.subject.organization
    attributes = ([("O", check_text(organization, "organization"))] if organization else [])
    subject = Name.build(attributes + [("CN", OCSP_RESPONDER_CN)])
    return (_leaf(issuer, public_key, subject, not_before, not_after)
            .with_extension(KeyUsage(digital_signature=True), critical=True)
            .with_extension(ExtendedKeyUsage((oids.OID_OCSP_SIGNING,)), critical=False)
            .with_extension(OCSPNoCheck(), critical=False)
            .with_subject_key_identifier()
            .with_authority_key_identifier(issuer.public_key))


def with_revocation_pointers(builder: CertificateBuilder, base_url: str) -> CertificateBuilder:
    """``builder`` with CRLDistributionPoints ``<base_url>/crl`` (RFC 5280 §4.2.1.13) and
    authorityInfoAccess id-ad-ocsp ``<base_url>/ocsp`` (RFC 5280 §4.2.2.1), each unless the
    builder already has that extension (a renewal keeps the old certificate's)."""
    base_url = check_public_url(base_url)
    present = {extension.oid for extension in builder.extensions}
    if oids.OID_CRL_DISTRIBUTION_POINTS not in present:
        point = DistributionPoint(DistributionPointName(
            full_name=(UniformResourceIdentifier(f"{base_url}/crl"),)))
        builder = builder.with_extension(CRLDistributionPoints((point,)), critical=False)
    if oids.OID_AUTHORITY_INFO_ACCESS not in present:
        access = AccessDescription(oids.OID_AD_OCSP, UniformResourceIdentifier(f"{base_url}/ocsp"))
        builder = builder.with_extension(AuthorityInformationAccess((access,)), critical=False)
    return builder
