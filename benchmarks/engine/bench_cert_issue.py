"""Issue a complete certificate: build it, sign it with an RSA-4096 CA key, encode it.

Both sides build the same leaf certificate from scratch on every call: subject and issuer names,
a random serial, a validity period, an RSA-2048 subject key, and BasicConstraints, KeyUsage,
ExtendedKeyUsage, subjectAltName, SubjectKeyIdentifier and AuthorityKeyIdentifier; then sign it
with SHA-256 and PKCS#1 v1.5 and produce the DER.

- pyca/cryptography (OpenSSL; the reference): ``CertificateBuilder().….sign(key, hashes.SHA256())``
  and ``public_bytes(DER)``.
- x509core: ``CertificateBuilder().….sign(ca_key)``, which also reads its own output back and
  verifies the signature before returning it (STYLE.md §6, as Go's ``CreateCertificate`` does).

The CA key is generated once by pyca/cryptography and converted to x509core's ``RSAPrivateKey``.
To show where the time goes, further rows time the parts: x509core's build + encode + parse with
no RSA at all (what ``sign()`` does minus signing and verifying), and the RSA-4096 signature alone
in each library. Goal (issue): x509core at most 1.3x pyca/cryptography; the RSA-4096 signature
bounds it (``bench_rsa_sign``: constant-time ``powmod_sec`` against OpenSSL). The "limit" row is
that bound measured alone: the two constant-time half-size exponentiations and the CRT
recombination, with no hashing, padding, blinding, fault check, encoding or parsing; its ratio is
the floor of x509core's ratio.
"""

from __future__ import annotations

import datetime
import ipaddress

from benchmarks.harness import Row, crt_limit, measure_interleaved, x509core_key

NOT_BEFORE = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
NOT_AFTER = NOT_BEFORE + datetime.timedelta(days=397)


def _keys():
    """The RSA-4096 CA key and an RSA-2048 subject key, in both libraries' types."""
    from cryptography.hazmat.primitives.asymmetric import rsa as crypto_rsa

    from x509core.rsa.key import RSAPublicKey
    ca = crypto_rsa.generate_private_key(public_exponent=65537, key_size=4096)
    leaf = crypto_rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    ours_ca = x509core_key(ca)
    leaf_numbers = leaf.public_numbers()
    ours_leaf = RSAPublicKey(n=leaf_numbers.n, e=leaf_numbers.e)
    return ca, leaf, ours_ca, ours_leaf


def _pyca_issue(ca_key, leaf_key):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    def issue() -> bytes:
        issuer = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "x509core benchmark CA"),
                            x509.NameAttribute(NameOID.COMMON_NAME, "x509core benchmark root")])
        subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                             x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example, Inc."),
                             x509.NameAttribute(NameOID.COMMON_NAME, "pacs.example.org")])
        builder = (
            x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
            .serial_number(x509.random_serial_number()).not_valid_before(NOT_BEFORE)
            .not_valid_after(NOT_AFTER).public_key(leaf_key)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=True,
                data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH,
                                                  ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("pacs.example.org"), x509.DNSName("www.pacs.example.org"),
                x509.IPAddress(ipaddress.ip_address("192.0.2.10"))]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                           critical=False))
        return builder.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
    return issue


def _x509core_builder(ca_key, leaf_key):
    """A function that makes the complete, unsigned x509core CertificateBuilder."""
    from x509core.cert import CertificateBuilder, Name
    from x509core.cert.extensions import (BasicConstraints, ExtendedKeyUsage, KeyUsage,
                                          SubjectAlternativeName)
    from x509core.cert.names.general_name import DNSName, IPAddress
    from x509core.cert.oids import OID_CLIENT_AUTH, OID_SERVER_AUTH
    ca_public = ca_key.public_key()

    def build():
        issuer = Name.build([("C", "CN"), ("O", "x509core benchmark CA"), ("CN", "x509core benchmark root")])
        subject = Name.build([("C", "CN"), ("O", "Example, Inc."), ("CN", "pacs.example.org")])
        return (
            CertificateBuilder().with_subject(subject).with_issuer(issuer)
            .with_random_serial_number().with_validity(NOT_BEFORE, NOT_AFTER)
            .with_public_key(leaf_key)
            .with_extension(BasicConstraints(ca=False), critical=True)
            .with_extension(KeyUsage(digital_signature=True, key_encipherment=True), critical=True)
            .with_extension(ExtendedKeyUsage((OID_SERVER_AUTH, OID_CLIENT_AUTH)), critical=False)
            .with_extension(SubjectAlternativeName((
                DNSName("pacs.example.org"), DNSName("www.pacs.example.org"),
                IPAddress(ipaddress.ip_address("192.0.2.10")))), critical=False)
            .with_subject_key_identifier()
            .with_authority_key_identifier(ca_public))
    return build


def _x509core_issue(build, ca_key):
    return lambda: build().sign(ca_key).to_der()


def _x509core_without_rsa(build, ca_key):
    """``CertificateBuilder.sign`` with the signing and the verification left out: the same
    encoding (through the builder's private ``_encode_tbs``), a zero signature of the right
    length, and the same read-back."""
    from x509core.cert import load_der_certificate
    from x509core.cert.builder import signature_algorithm_for
    from x509core.der import BitString, Writer
    from x509core.rsa.algorithms import write_signature_algorithm
    algorithm = signature_algorithm_for("sha256", "pkcs1v15")
    zero_signature = BitString(bytes(ca_key.public_key().size_in_bytes), 0)

    def run() -> bytes:
        tbs = build()._encode_tbs(algorithm)
        w = Writer()
        with w.sequence():
            w.write_raw(tbs)
            write_signature_algorithm(w, algorithm)
            w.write_bit_string(zero_signature)
        return load_der_certificate(w.to_bytes()).to_der()
    return run


def run(quick: bool) -> list[Row]:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    ca, leaf, ours_ca, ours_leaf = _keys()
    t = 0.3 if quick else 2.0
    build = _x509core_builder(ours_ca, ours_leaf)
    tbs_sized = _x509core_issue(build, ours_ca)()[4:1200]       # about a TBSCertificate's size
    signature = ours_ca.sign(tbs_sized)
    ours_public = ours_ca.public_key()
    group = "Issue a certificate (build, sign with RSA-4096 PKCS#1 v1.5 SHA-256, encode)"
    rows = [  # (implementation, function, note); the first row is the reference
        ("pyca/cryptography (OpenSSL)", _pyca_issue(ca, leaf), ""),
        ("x509core CertificateBuilder.sign (gmpy2; reads back and verifies)",
         _x509core_issue(build, ours_ca), "goal: ratio <= 1.3"),
        ("limit: RSA-4096 2x gmpy2.powmod_sec + CRT alone", crt_limit(ours_ca),
         "no x509core issue can be faster than this"),
        ("  part: x509core build + encode + parse, no RSA", _x509core_without_rsa(build, ours_ca),
         "the non-RSA overhead"),
        ("  part: x509core RSA-4096 sign alone (gmpy2 powmod_sec, blinded, fault-checked)",
         lambda: ours_ca.sign(tbs_sized), ""),
        ("  part: x509core RSA-4096 verify alone (sign() checks its output)",
         lambda: ours_public.verify(signature, tbs_sized), ""),
        ("  part: pyca/cryptography RSA-4096 sign alone (OpenSSL)",
         lambda: ca.sign(tbs_sized, padding.PKCS1v15(), hashes.SHA256()), ""),
    ]
    # Taking turns, so that load from other work on the machine falls on every row alike.
    all_stats = measure_interleaved([fn for _, fn, _ in rows], min_time=t * len(rows))
    return [Row(group, impl, stats, reference=index == 0, note=note)
            for index, ((impl, _, note), stats) in enumerate(zip(rows, all_stats))]
