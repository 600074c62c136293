"""The three certificate profiles the CA issues, and the checks on their inputs.

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

The input checks follow the seed system: a client id of 16 ASCII letters and digits, a machine
id of 16 to 128 ASCII letters and digits, a MAC address ``aa:bb:cc:dd:ee:ff`` and an end date
``YYYYMMDD`` that is a real calendar date in the future.

The names a profile certifies are checked by ``x509core/ca/issuance/names.py``: no control characters
in any of them, DNS names in the preferred name syntax, IP addresses without a zone.

What a CSR contributes (:func:`csr_arguments`): the CA decides, not the requester (RFC 2986 §3
leaves that to the CA). Only the subject's O and CN, the machine binding (either carrier; the
request's carrier is kept unless the caller names one) and the subjectAltName's DNS names and
IP addresses are taken from a request, and only where the caller did not give them; every
other requested extension is ignored.

For the service (``x509core serve``): the delegated OCSP responder (:func:`ocsp_responder_builder`,
RFC 6960 §4.2.2.2) and the CRL and OCSP locations a certificate carries while the service has a
public URL (:func:`with_revocation_pointers`, RFC 5280 §4.2.1.13 and §4.2.2.1).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from x509core.ca.issuance.names import check_dns_name, check_name, check_no_controls, ip_address_entry
from x509core.cert import oids
from x509core.cert.builder import CertificateBuilder
from x509core.cert.certificate import Certificate
from x509core.cert.csr import CertificateSigningRequest
from x509core.cert.extensions import (AccessDescription, AuthorityInformationAccess,
                                      BasicConstraints, CRLDistributionPoints, DistributionPoint,
                                      DistributionPointName, ExtendedKeyUsage, KeyUsage,
                                      SubjectAlternativeName)
from x509core.cert.extensions.binding import (binding_extensions, identity_urn,
                                              requested_carrier)
from x509core.cert.names.general_name import DNSName, IPAddress, UniformResourceIdentifier
from x509core.cert.names.name import Name
from x509core.cert.revocation.ocsp import OCSPNoCheck
from x509core.ca.keys import check_public_key, leaf_key_usage
from x509core.ec.key import ECPublicKey
from x509core.errors import InvalidValue
from x509core.rsa.key import RSAPublicKey

__all__ = ["CLIENT_ID_LENGTH", "MACHINE_ID_LENGTHS", "MIN_LEAF_KEY_BITS", "MIN_CA_KEY_BITS",
           "check_client_id", "check_machine_id", "check_binding_id", "check_mac_address",
           "check_text", "server_names", "parse_not_after", "parse_subject", "validity",
           "root_ca_builder", "server_builder", "client_builder", "csr_arguments", "CSR_PROFILES",
           "OCSP_RESPONDER_CN",
           "ocsp_responder_builder", "check_public_url", "with_revocation_pointers"]

CLIENT_ID_LENGTH = 16
MACHINE_ID_LENGTHS = (16, 128)
MIN_LEAF_KEY_BITS = 2048
MIN_CA_KEY_BITS = 2048
_UB_NAME = 64            # ub-common-name and ub-organization-name (RFC 5280 Appendix A.1)
_ALNUM = re.compile(r"[A-Za-z0-9]+")
_MAC = re.compile(r"[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}")
_SEED_MAC = re.compile(r"([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}")    # the seed system's API
_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")


def check_client_id(client_id: str) -> str:
    """The seed system's client id: exactly 16 ASCII letters and digits (the certificate's CN)."""
    _require_str(client_id, "client_id")
    if len(client_id) != CLIENT_ID_LENGTH or not _ALNUM.fullmatch(client_id):
        raise InvalidValue(f"client id must be {CLIENT_ID_LENGTH} ASCII letters and digits, "
                           f"not {client_id!r}")
    return client_id


def check_machine_id(machine_id: str) -> str:
    """A machine id of 16 to 128 ASCII letters and digits (a systemd machine id is 32 hex)."""
    _require_str(machine_id, "machine_id")
    low, high = MACHINE_ID_LENGTHS
    if not low <= len(machine_id) <= high or not _ALNUM.fullmatch(machine_id):
        raise InvalidValue(f"machine id must be {low} to {high} ASCII letters and digits, "
                           f"not {machine_id!r}")
    return machine_id


def check_mac_address(mac: str, *, as_given: bool = False) -> str:
    """A MAC address as six colon-separated hex octets, returned in lower case (as Linux's
    ``/sys/class/net/*/address`` shows it and the seed system binds it). ``as_given``: the
    seed system's API form, ``:`` or ``-`` between octets in either case, kept exactly as
    written (that system writes the request's text into the certificate unchanged)."""
    _require_str(mac, "mac")
    if as_given:
        if not _SEED_MAC.fullmatch(mac):
            raise InvalidValue(f"MAC address must look like 00:1A:2B:3C:4D:5E or "
                               f"00-1A-2B-3C-4D-5E, not {mac!r}")
        return mac
    if not _MAC.fullmatch(mac):
        raise InvalidValue(f"MAC address must look like aa:bb:cc:dd:ee:ff, not {mac!r}")
    return mac.lower()


def check_text(value: str, what: str) -> str:
    """A non-empty name attribute of at most 64 characters (RFC 5280 Appendix A.1 bounds),
    without control characters (:func:`check_no_controls`)."""
    _require_str(value, what)
    check_no_controls(value, what)
    if not value.strip() or len(value) > _UB_NAME:
        raise InvalidValue(f"{what} must be 1 to {_UB_NAME} characters, not {value!r}")
    return value


def _require_str(value, what: str) -> None:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}")


def parse_not_after(text: str) -> datetime:
    """The end of the day ``YYYYMMDD`` (23:59:59 UTC), the seed system's date form; an
    impossible date such as ``20250230`` is an :class:`InvalidValue`."""
    _require_str(text, "date")
    match = _DATE.fullmatch(text)
    if match is None:
        raise InvalidValue(f"date must be YYYYMMDD, not {text!r}")
    try:
        day = datetime(*map(int, match.groups()), tzinfo=timezone.utc)
    except ValueError:
        raise InvalidValue(f"impossible date {text}") from None
    return day.replace(hour=23, minute=59, second=59)


def parse_subject(subject: Name | str) -> Name:
    """A Name, an OpenSSL ``/C=../O=../CN=..`` string, or an RFC 4514 string."""
    if isinstance(subject, Name):
        return check_name(subject, "the CA subject")
    if not isinstance(subject, str):
        raise TypeError("subject must be a Name, '/C=../O=../CN=..' or an RFC 4514 string")
    name = Name.from_openssl(subject) if subject.startswith("/") else Name.from_rfc4514(subject)
    if not len(name):
        raise InvalidValue("the CA subject must not be empty (RFC 5280 §4.1.2.6)")
    return check_name(name, "the CA subject")


def validity(now: datetime | None, *, days: int | None, not_after: datetime | None,
             default_days: int, limit: datetime | None = None) -> tuple[datetime, datetime]:
    """(notBefore, notAfter): from ``now`` (default the current time, whole seconds) for
    ``days`` or until ``not_after``, never both; notAfter must lie after now and, when ``limit``
    (the CA's own notAfter) is given, not after it."""
    now = (now or datetime.now(timezone.utc))
    if now.tzinfo is None:
        raise InvalidValue("now must be timezone-aware")
    now = now.astimezone(timezone.utc).replace(microsecond=0)
    if days is not None and not_after is not None:
        raise InvalidValue("give days or not_after, not both")
    if not_after is None:
        days = default_days if days is None else days
        if not isinstance(days, int) or isinstance(days, bool):
            raise TypeError("days must be an int")
        if days <= 0:
            raise InvalidValue(f"days must be positive, not {days}")
        try:
            not_after = now + timedelta(days=days)
        except OverflowError:
            raise InvalidValue(f"impossible validity of {days} days") from None
    if not isinstance(not_after, datetime):
        raise TypeError("not_after must be a datetime")
    if not_after.tzinfo is None:
        raise InvalidValue("not_after must be timezone-aware")
    not_after = not_after.astimezone(timezone.utc).replace(microsecond=0)
    if not_after <= now:
        raise InvalidValue(f"not_after {not_after:%Y-%m-%d %H:%M:%S}Z is not in the future")
    if not_after.year > 9999 - 1:
        raise InvalidValue("not_after is beyond what X.509 times can express")
    if limit is not None and not_after > limit:
        raise InvalidValue(f"not_after {not_after:%Y-%m-%d}Z is after the CA certificate "
                           f"expires ({limit:%Y-%m-%d}Z)")
    return now, not_after


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


def server_names(*, dns: Sequence[str] = (), ip: Sequence[str] = (),
                 common_name: str | None = None, org: str | None = None) -> tuple[Name, tuple]:
    """A server certificate's subject and subjectAltName entries, every input checked; the
    command line calls it before it generates a key (which takes seconds)."""
    dns, ip = [check_dns_name(d) for d in _names(dns, "dns")], _names(ip, "ip")
    addresses = [ip_address_entry(a) for a in ip]
    names = (*(DNSName(d) for d in dns), *(IPAddress(a) for a in addresses))
    if not names:
        raise InvalidValue("a server certificate needs at least one DNS name or IP address")
    if common_name is None and len((dns or ip)[0]) > _UB_NAME:
        raise InvalidValue(f"the first name is longer than the {_UB_NAME} characters a common "
                           "name may hold (RFC 5280 Appendix A.1): give a shorter common name")
    cn = check_text(common_name if common_name is not None else (dns or ip)[0], "common name")
    attributes = ([("O", check_text(org, "organization"))] if org is not None else []) + [("CN", cn)]
    return Name.build(attributes), names


def _names(values: Sequence[str], what: str) -> list[str]:
    if isinstance(values, str):
        raise TypeError(f"{what} must be a sequence of strings, not one string")
    values = list(values)
    for value in values:
        _require_str(value, what)
    return values


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


def check_binding_id(machine_id: str, binding: str) -> str:
    """A machine id for ``binding``: the seed system's 16 to 128 letters and digits; for
    ``"san"`` also a UUID of 32 hex digits (``urn:uuid:`` carries nothing else), lower-cased
    as RFC 9562 §4 writes UUIDs."""
    machine_id = check_machine_id(machine_id)
    if binding == "san":
        identity_urn(machine_id)                           # InvalidValue unless 32 hex digits
        return machine_id.lower()
    return machine_id


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


# -- CSRs -----------------------------------------------------------------------------------------

CSR_PROFILES = ("client", "server")


def csr_arguments(csr: CertificateSigningRequest, profile: str, given: dict) -> dict:
    """``given`` completed from ``csr`` for ``profile`` ("client" or "server")."""
    if profile not in CSR_PROFILES:
        raise InvalidValue(f"profile must be client or server, not {profile!r}")
    arguments = dict(given)
    for name in ("csr", "public_key"):
        if name in arguments:
            raise TypeError(f"sign_csr() takes the key from the CSR; do not pass {name}")
    if profile == "client":
        _default(arguments, "org", csr.subject.organization, "an organization (O)")
        _default(arguments, "client_id", csr.subject.common_name, "a client id (CN)")
        # The request's carrier unless the caller chose; contradictory requests are refused.
        arguments["binding"] = requested_carrier(csr.machine_binding, arguments.get("binding"))
        arguments.setdefault("machine_id", csr.machine_identity)
        arguments.setdefault("mac", csr.mac_address)
        return arguments
    if "dns" not in arguments and "ip" not in arguments:
        arguments["dns"], arguments["ip"] = _requested_names(csr)
    arguments.setdefault("common_name", csr.subject.common_name)
    arguments.setdefault("org", csr.subject.organization)
    return arguments


def _default(arguments: dict, name: str, value, what: str) -> None:
    if arguments.get(name) is None:
        if value is None:
            raise InvalidValue(f"the CSR's subject has no {what}; give {name}=")
        arguments[name] = value


def _requested_names(csr: CertificateSigningRequest) -> tuple[list[str], list[str]]:
    extension = csr.extension(oids.OID_SUBJECT_ALT_NAME)
    dns, ip = [], []
    for name in (extension.value.names if extension is not None else ()):
        if isinstance(name, DNSName):
            dns.append(name.value)
        elif isinstance(name, IPAddress):
            ip.append(str(name.value))
    return dns, ip


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


def check_public_url(url: str) -> str:
    """The service's base URL as relying parties reach it (``http://host[:port][/path]``),
    without a trailing slash. Plain HTTP only: a CRL or OCSP fetch over HTTPS needs the
    status of the server's own certificate first (RFC 5280 §4.2.1.13 names HTTP, RFC 6960
    Appendix A.1 HTTP for OCSP), and the data are signed anyway."""
    _require_str(url, "public URL")
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname or parts.query or parts.fragment:
        raise InvalidValue(f"the public URL must look like http://host[:port][/path], not {url!r}")
    if not url.isascii() or any(ch.isspace() or ord(ch) < 0x20 for ch in url):
        raise InvalidValue(f"the public URL must be ASCII without spaces (an IA5String), not {url!r}")
    return url.rstrip("/")


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
