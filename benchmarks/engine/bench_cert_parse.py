"""Full parse of a certificate with every field and extension turned into values.

Each implementation loads the DER and then reads every field, so that a lazy parser pays for
what an eager one does up front:

- x509core: ``load_der_certificate`` (which reads every extnValue through its typed reader),
  then the version, serial, ``issuer``/``subject.rfc4514()``, the validity, the RSA ``n``/``e``,
  every extension's OID, critical flag and typed ``value``, the signature algorithm, signature,
  TBS bytes and ``machine_identity``.
- pyca/cryptography (OpenSSL, Rust; the reference): ``x509.load_der_x509_certificate``, then
  ``version``, ``serial_number``, ``issuer``/``subject.rfc4514_string()``,
  ``not_valid_before_utc``/``after``, ``public_key().public_numbers()``, every extension's OID,
  critical flag and ``.value``, ``signature_algorithm_oid``, ``signature``, the TBS bytes.
- asn1crypto: ``Certificate.load(der).native`` (every field and known extension as Python values).
- pyasn1 + pyasn1-modules: ``decoder.decode(der, asn1Spec=rfc5280.Certificate())``, then every
  extnValue decoded with the spec that ``rfc5280.certificateExtensionsMap`` names for its extnID.

Certificates: those of ``../shared/interop/seed-system`` (one group, mean per certificate); two of
them alone, the OpenSSL-made HTTPS server certificate ``dicomorg-server.pem`` (named in issue 17)
and ``localhost-selfsigned.pem`` (small, so fixed costs weigh most: the highest ratio of the set);
and one with many extensions (SAN, EKU, KU, BC, SKI, AKI, CRLDP, AIA, certificate policies) built
here with pyca/cryptography. Goal (issues 5, 17): x509core within 1.5x of pyca/cryptography on
each. The
implementations take turns (``measure_interleaved``), so load from other work on the machine
falls on all of them alike.
"""

from __future__ import annotations

import datetime
import ipaddress

from benchmarks.harness import INTEROP, Row, Stats, measure_interleaved



def _interop_certificates(names: tuple[str, ...] = ()) -> list[bytes]:
    """The DER of the interop certificates (``names``: those files only)."""
    files = [INTEROP / name for name in names] if names else sorted(INTEROP.glob("*.pem"))
    if not files or not all(f.exists() for f in files):
        raise SystemExit(f"certificates missing under {INTEROP}")
    from x509core import pem
    return [pem.decode_one(f.read_text(), "CERTIFICATE")[1] for f in files]


def _many_extensions_certificate() -> bytes:
    """A leaf certificate with nine extensions, issued by pyca/cryptography (RSA-2048 keys)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    leaf_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    issuer = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "x509core benchmark CA"),
                        x509.NameAttribute(NameOID.COMMON_NAME, "x509core benchmark issuing CA")])
    subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                         x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "Zhejiang"),
                         x509.NameAttribute(NameOID.LOCALITY_NAME, "Hangzhou"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example, Inc."),
                         x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Imaging"),
                         x509.NameAttribute(NameOID.COMMON_NAME, "pacs.example.org")])
    uri = x509.UniformResourceIdentifier
    extensions = [
        (x509.BasicConstraints(ca=False, path_length=None), True),
        (x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=True,
                       data_encipherment=False, key_agreement=False, key_cert_sign=False,
                       crl_sign=False, encipher_only=False, decipher_only=False), True),
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]), False),
        (x509.SubjectAlternativeName([
            x509.DNSName("pacs.example.org"), x509.DNSName("www.pacs.example.org"),
            x509.DNSName("*.imaging.example.org"), x509.IPAddress(ipaddress.ip_address("192.0.2.10")),
            x509.IPAddress(ipaddress.ip_address("2001:db8::10")),
            x509.RFC822Name("pacs-admin@example.org"), uri("https://pacs.example.org/")]), False),
        (x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), False),
        (x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False),
        (x509.CRLDistributionPoints([x509.DistributionPoint(
            full_name=[uri("http://crl.example.org/ca.crl")], relative_name=None, reasons=None,
            crl_issuer=None)]), False),
        (x509.AuthorityInformationAccess([
            x509.AccessDescription(AuthorityInformationAccessOID.OCSP, uri("http://ocsp.example.org")),
            x509.AccessDescription(AuthorityInformationAccessOID.CA_ISSUERS,
                                   uri("http://ca.example.org/ca.crt"))]), False),
        (x509.CertificatePolicies([
            x509.PolicyInformation(x509.ObjectIdentifier("2.23.140.1.2.2"), [
                "https://cps.example.org/",
                x509.UserNotice(None, "Issued for the x509core benchmark only")]),
            x509.PolicyInformation(x509.ObjectIdentifier("1.3.6.1.4.1.99999.1"), None)]), False),
    ]
    now = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
               .serial_number(x509.random_serial_number()).public_key(leaf_key.public_key())
               .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=397)))
    for value, critical in extensions:
        builder = builder.add_extension(value, critical=critical)
    cert = builder.sign(ca_key, hashes.SHA256())
    return cert.public_bytes(serialization.Encoding.DER)


# -- what each implementation does with one certificate ------------------------------------------

def _x509core(der: bytes):
    from x509core.cert import load_der_certificate
    from x509core.rsa.key import RSAPublicKey
    cert = load_der_certificate(der)
    key = cert.public_key
    numbers = (key.n, key.e) if isinstance(key, RSAPublicKey) else None
    values = [(ext.oid, ext.critical, ext.value) for ext in cert.extensions]   # typed at load
    return (cert.version, cert.serial_number, cert.issuer.rfc4514(), cert.subject.rfc4514(),
            cert.not_valid_before, cert.not_valid_after, numbers, values,
            cert.signature_algorithm, cert.signature, cert.raw_tbs, cert.machine_identity)


def _x509core_first_sight(der: bytes):
    """``_x509core`` with the bounded cache of basicConstraints, keyUsage and extKeyUsage
    values emptied first: the cost of a certificate whose encodings were never met before
    (this benchmark reads the same certificate again and again, where every value is a hit)."""
    from x509core.cert import extensions
    extensions._SHARED.clear()
    return _x509core(der)


def _pyca(der: bytes):
    from cryptography import x509
    cert = x509.load_der_x509_certificate(der)
    # Extensions are parsed on first access of .extensions; .value is the typed value.
    values = [(ext.oid.dotted_string, ext.critical, ext.value) for ext in cert.extensions]
    return (cert.version, cert.serial_number, cert.issuer.rfc4514_string(),
            cert.subject.rfc4514_string(), cert.not_valid_before_utc, cert.not_valid_after_utc,
            cert.public_key().public_numbers(), values, cert.signature_algorithm_oid.dotted_string,
            cert.signature, cert.tbs_certificate_bytes)


def _asn1crypto(der: bytes):
    from asn1crypto import x509 as asn1crypto_x509
    return asn1crypto_x509.Certificate.load(der).native


def _pyasn1(der: bytes):
    from pyasn1.codec.der import decoder
    from pyasn1_modules import rfc5280
    cert, _ = decoder.decode(der, asn1Spec=rfc5280.Certificate())
    values = []
    extensions = cert["tbsCertificate"]["extensions"]
    for ext in (extensions if extensions.isValue else ()):
        spec = rfc5280.certificateExtensionsMap.get(ext["extnID"])
        if spec is not None:                    # unknown extnIDs stay OCTET STRINGs, as read
            values.append(decoder.decode(ext["extnValue"], asn1Spec=spec)[0])
    return cert, values


_IMPLEMENTATIONS = [
    ("pyca/cryptography (OpenSSL; every field read)", _pyca, ""),
    ("x509core load_der_certificate + every field", _x509core, "goal: ratio <= 1.5"),
    ("  x509core, every extension value read afresh (its value cache emptied first)",
     _x509core_first_sight, "a certificate whose encodings were never met before"),
    ("asn1crypto (.native)", _asn1crypto, ""),
    ("pyasn1 + pyasn1-modules (rfc5280, extension map)", _pyasn1, ""),
]


def _rows(group: str, certs: list[bytes], min_time: float) -> list[Row]:
    n = len(certs)
    for _, fn, _ in _IMPLEMENTATIONS:
        for der in certs:
            fn(der)                             # every implementation reads every certificate
    batches = [lambda fn=fn: [fn(der) for der in certs] for _, fn, _ in _IMPLEMENTATIONS]
    all_stats = measure_interleaved(batches, min_time=min_time * len(batches))
    return [Row(group, impl, Stats(stats.median / n, stats.mean / n, stats.best / n, stats.samples),
                reference=index == 0, note=note)
            for index, ((impl, _, note), stats) in enumerate(zip(_IMPLEMENTATIONS, all_stats))]


def run(quick: bool) -> list[Row]:
    min_time = 0.2 if quick else 1.5
    interop = _interop_certificates()
    many = [_many_extensions_certificate()]
    rows = _rows(f"Full certificate parse, every field read (mean over {len(interop)} interop "
                 "certificates)", interop, min_time)
    for name, what in (("dicomorg-server.pem", "OpenSSL-made HTTPS server"),
                       ("localhost-selfsigned.pem", "self-signed development server")):
        one = _interop_certificates((name,))
        rows += _rows(f"Full certificate parse, every field read ({name}: {what}, "
                      f"{len(one[0])} bytes)", one, min_time)
    return rows + _rows(f"Full certificate parse, every field read (pyca-built, 9 extensions, "
                        f"{len(many[0])} bytes)", many, min_time)
