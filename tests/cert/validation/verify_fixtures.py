"""Small certificate chains for the path-validation tests, made with CertificateBuilder and the
pre-generated keys (nothing is generated at test time). Everything is cached per session."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import lru_cache

from tests.rsa.keys_fixture import RSA_2048, RSA_3072, RSA_4096, private_key
from x509core.cert import CertificateBuilder, Name, oids
from x509core.cert.extensions import (BasicConstraints, ExtendedKeyUsage, KeyUsage,
                                      SubjectAlternativeName)
from x509core.cert.names.general_name import DNSName, IPAddress

__all__ = ["AT", "UTC", "key", "make", "name", "chain", "san", "CA_KU", "SERVER_KU", "SERVER_EKU",
           "CLIENT_EKU"]

UTC = timezone.utc
AT = datetime(2026, 1, 1, tzinfo=UTC)
ROOT_VALIDITY = (datetime(2020, 1, 1, tzinfo=UTC), datetime(2040, 1, 1, tzinfo=UTC))
LEAF_VALIDITY = (datetime(2025, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
CA_KU = KeyUsage(key_cert_sign=True, crl_sign=True)
SERVER_KU = KeyUsage(digital_signature=True, key_encipherment=True)
SERVER_EKU = ExtendedKeyUsage((oids.OID_SERVER_AUTH,))
CLIENT_EKU = ExtendedKeyUsage((oids.OID_CLIENT_AUTH,))
_KEYS = {"root": RSA_4096, "ca": RSA_3072, "leaf": RSA_2048}


@lru_cache(maxsize=None)
def key(which: str):
    """The private key "root" (4096), "ca" (3072) or "leaf" (2048)."""
    return private_key(_KEYS[which])


def name(cn: str) -> Name:
    return Name.build([("O", "x509core tests"), ("CN", cn)])


def san(*names: str) -> SubjectAlternativeName:
    import ipaddress
    values = []
    for value in names:
        try:
            values.append(IPAddress(ipaddress.ip_address(value)))
        except ValueError:
            values.append(DNSName(value))
    return SubjectAlternativeName(tuple(values))


_serial = iter(range(1000, 10**9))


def make(cn: str, issuer_cn: str, subject_key: str, signer_key: str, *, ca: bool = False,
         pathlen=None, ku=None, eku=None, names=None, validity=None, extra=(), aki=True,
         ski=True, hash_name="sha256", padding="pkcs1v15", subject=None):
    """One certificate. ``extra``: ((ExtensionValue, critical), ...)."""
    builder = (CertificateBuilder().with_subject(subject or name(cn)).with_issuer(name(issuer_cn))
               .with_serial_number(next(_serial))
               .with_validity(*(validity or (ROOT_VALIDITY if ca else LEAF_VALIDITY)))
               .with_public_key(key(subject_key).public_key()))
    if ca:
        builder = builder.with_extension(BasicConstraints(True, pathlen), critical=True)
        builder = builder.with_extension(ku or CA_KU, critical=True)
    else:
        builder = builder.with_extension(ku or SERVER_KU, critical=True)
        builder = builder.with_extension(eku or SERVER_EKU, critical=False)
        builder = builder.with_extension(names or san("pacs.example.org"), critical=False)
    if ski:
        builder = builder.with_subject_key_identifier()
    if aki:
        builder = builder.with_authority_key_identifier(key(signer_key).public_key())
    for value, critical in extra:
        builder = builder.with_extension(value, critical=critical)
    return builder.sign(key(signer_key), hash_name, padding)


@lru_cache(maxsize=None)
def chain():
    """(leaf, intermediate, root): root (4096) -> "Issuing CA" (3072) -> pacs.example.org."""
    root = make("Root", "Root", "root", "root", ca=True, aki=False)
    ica = make("Issuing CA", "Root", "ca", "root", ca=True, pathlen=0)
    leaf = make("pacs.example.org", "Issuing CA", "leaf", "ca",
                names=san("pacs.example.org", "*.imaging.example.org", "192.0.2.7"))
    return leaf, ica, root


def soon(days: int):
    return (AT - timedelta(days=300), AT + timedelta(days=days))
