"""Certificate verification: a leaf against its CA, and a whole 3-certificate chain from PEM.

Certificates (built once with x509core's CertificateBuilder and the fixture keys of
``tests/rsa/keys_fixture.py``, SHA-256 PKCS#1 v1.5): a self-signed RSA-4096 root; an RSA-3072
intermediate CA issued by it; an RSA-2048 server leaf (serverAuth, SAN ``pacs.example.org``,
the CA profile of ``tests/cert/building/profiles.py``) issued by the intermediate; and for the first group
an RSA-2048 leaf issued by the root directly, so its signature is an RSA-4096 one.

1. Directly issued, both certificates already parsed:
   - pyca/cryptography (OpenSSL, Rust; the reference): ``leaf.verify_directly_issued_by(ca)``
     (name chaining and the signature);
   - x509core: ``leaf.verify_directly_issued_by(ca)`` (the same check: issuer name and
     signature), ``leaf.verify_signature(ca.public_key)`` (the signature), and a full
     ``verify_chain(leaf, trust_anchors=[ca], purpose="server", at=...)`` with the one anchor
     (every RFC 5280 §6.1 check, the web PKI profile, the leaf's key usage and purpose).
2. A chain from PEM (parse the three certificates, then validate): pyca/cryptography's
   ``PolicyBuilder().store(Store([root])).time(at).build_server_verifier(DNSName(...))
   .verify(leaf, [intermediate])`` (the reference) against ``load_pem_certificate`` x3 and
   ``verify_chain(..., purpose="server", peer_name=...)``; both also check the host name.
   Rows marked "part" split each side's time: the three loads alone (pyca defers reading
   extensions and names' values to the verifier, x509core reads and checks them at load) and
   the two signatures alone, so what is left for parsing and the checks can be read off.

3. The same from PEM for an ECDSA chain (issue 11): a P-384 root, a P-256 intermediate it signs
   with ecdsa-with-SHA384, a P-256 server leaf signed with ecdsa-with-SHA256 — made by
   pyca/cryptography (x509core never signs with EC keys; ``tests/cert/ec_chains.py``). Two
   ECDSA verifications, P-384 and P-256.

Goals (issue 5): x509core no slower than pyca/cryptography for the directly-issued check, at
most 1.5x for the whole chain. Rows for the pure-Python backend show the cost without gmpy2.
"""

from __future__ import annotations

import datetime

from benchmarks.harness import Row, measure, with_backend

AT = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
HOST = "pacs.example.org"


def _certificates():
    """(root, intermediate, leaf under the intermediate, leaf under the root) as x509core
    Certificates."""
    from tests.rsa.keys_fixture import RSA_2048, RSA_3072, RSA_4096, private_key
    from x509core.cert import CertificateBuilder, Name, oids
    from x509core.cert.extensions import (
        BasicConstraints,
        ExtendedKeyUsage,
        KeyUsage,
        SubjectAlternativeName,
    )
    from x509core.cert.names.general_name import DNSName

    root_key, inter_key, leaf_key = (private_key(k) for k in (RSA_4096, RSA_3072, RSA_2048))

    def issue(subject, issuer, public_key, sign_key, years, ca, serial):
        start = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
        builder = (CertificateBuilder().with_subject(Name.build(subject))
                   .with_issuer(issuer.subject if issuer else Name.build(subject))
                   .with_serial_number(serial).with_public_key(public_key)
                   .with_validity(start, start.replace(year=start.year + years)))
        if ca:
            builder = (builder.with_extension(BasicConstraints(ca=True), critical=True)
                       .with_extension(KeyUsage(key_cert_sign=True, crl_sign=True), critical=True))
        else:
            builder = (builder.with_extension(BasicConstraints(ca=False), critical=True)
                       .with_extension(KeyUsage(digital_signature=True, key_encipherment=True), critical=True)
                       .with_extension(ExtendedKeyUsage((oids.OID_SERVER_AUTH,)), critical=False)
                       .with_extension(SubjectAlternativeName((DNSName(HOST),)), critical=False))
        builder = builder.with_subject_key_identifier()
        if issuer is not None:
            builder = builder.with_authority_key_identifier(issuer.public_key)
        return builder.sign(sign_key)

    org = ("O", "x509core benchmark")
    root = issue([("C", "CN"), org, ("CN", "benchmark root")], None, root_key.public_key(),
                 root_key, 10, True, 0x1001)
    inter = issue([("C", "CN"), org, ("CN", "benchmark issuing CA")], root, inter_key.public_key(),
                  root_key, 5, True, 0x1002)
    leaf = issue([org, ("CN", HOST)], inter, leaf_key.public_key(), inter_key, 1, False, 0x1003)
    direct = issue([org, ("CN", HOST)], root, leaf_key.public_key(), root_key, 1, False, 0x1004)
    return root, inter, leaf, direct


def _pyca(cert):
    from cryptography import x509
    return x509.load_der_x509_certificate(cert.to_der())


def _directly_issued_rows(root, direct, t: float) -> list[Row]:
    import x509core
    pyca_root, pyca_leaf = _pyca(root), _pyca(direct)
    group = "Verify a leaf against its CA, both parsed (RSA-4096 CA signature, RSA-2048 leaf)"

    def full():
        return x509core.verify_chain(direct, trust_anchors=[root], purpose="server", at=AT)
    return [
        Row(group, "pyca/cryptography verify_directly_issued_by", measure(
            lambda: pyca_leaf.verify_directly_issued_by(pyca_root), min_time=t), reference=True),
        Row(group, "x509core leaf.verify_directly_issued_by(ca) (gmpy2)", measure(
            with_backend("gmpy2", lambda: direct.verify_directly_issued_by(root)), min_time=t),
            note="the same check as pyca's (issuer name + signature); goal: <= 1.0x pyca"),
        Row(group, "x509core leaf.verify_signature(ca.public_key) (gmpy2)", measure(
            with_backend("gmpy2", lambda: direct.verify_signature(root.public_key)), min_time=t),
            note="the signature alone"),
        Row(group, "x509core verify_chain, one anchor (gmpy2)", measure(
            with_backend("gmpy2", full), min_time=t),
            note="every RFC 5280 §6.1 check, purpose server: more than pyca's call, no goal"),
        Row(group, "x509core leaf.verify_signature (pure Python)", measure(
            with_backend("python", lambda: direct.verify_signature(root.public_key)), min_time=t)),
        Row(group, "x509core verify_chain, one anchor (pure Python)", measure(
            with_backend("python", full), min_time=t)),
    ]


def _ecdsa_pems() -> list[bytes]:
    """(root, intermediate, leaf) PEM of the ECDSA chain, made by pyca/cryptography."""
    from cryptography.hazmat.primitives.serialization import Encoding
    from tests.cert.ec_chains import ECFactory
    factory = ECFactory()
    root = factory.ca("benchmark root P-384", "P-384")
    inter = factory.ca("benchmark issuing CA P-256", "P-256", root)
    leaf = factory.leaf("benchmark leaf", "P-256", inter)
    return [c.public_bytes(Encoding.PEM) for c in (root.cert, inter.cert, leaf)]


def _chain_rows(root, inter, leaf, t: float, pems=None, group=None,
                goal="goal: <= 1.5x pyca") -> list[Row]:
    from cryptography import x509
    from cryptography.x509.verification import PolicyBuilder, Store

    import x509core
    pems = pems or [c.to_pem().encode() for c in (root, inter, leaf)]
    group = group or ("Validate a 3-certificate chain from PEM (RSA-4096 root, RSA-3072 "
                      "intermediate, RSA-2048 leaf; parse + validate + host name)")

    def pyca():
        root_c, inter_c, leaf_c = (x509.load_pem_x509_certificate(p) for p in pems)
        verifier = (PolicyBuilder().store(Store([root_c])).time(AT)
                    .build_server_verifier(x509.DNSName(HOST)))
        return verifier.verify(leaf_c, [inter_c])

    def ours():
        root_c, inter_c, leaf_c = (x509core.load_pem_certificate(p) for p in pems)
        return x509core.verify_chain(leaf_c, trust_anchors=[root_c], intermediates=[inter_c],
                                     purpose="server", at=AT, peer_name=HOST)

    def ours_parse_only():
        return [x509core.load_pem_certificate(p) for p in pems]

    def pyca_parse_only():
        return [x509.load_pem_x509_certificate(p) for p in pems]
    return [
        Row(group, "pyca/cryptography PolicyBuilder server verifier", measure(pyca, min_time=t),
            reference=True),
        Row(group, "  part: pyca load_pem_x509_certificate x3 alone", measure(
            pyca_parse_only, min_time=t), note=_LAZY),
        *_signature_rows(group, pems, t),
        Row(group, "x509core load_pem_certificate x3 + verify_chain (gmpy2)", measure(
            with_backend("gmpy2", ours), min_time=t), note=goal),
        Row(group, "  part: x509core load_pem_certificate x3 alone", measure(ours_parse_only, min_time=t)),
        Row(group, "x509core load_pem_certificate x3 + verify_chain (pure Python)", measure(
            with_backend("python", ours), min_time=t)),
    ]


_LAZY = ("pyca reads an extension or a name's values when asked (by the verifier); "
         "x509core reads and checks all of them at load")


def _signature_rows(group: str, pems: list[bytes], t: float) -> list[Row]:
    """The chain's two signatures alone, with each library's own call, both certificates
    parsed: what the chain costs that is not parsing or the RFC 5280 checks."""
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    import x509core
    ours = [x509core.load_pem_certificate(p) for p in pems]
    theirs = [x509.load_pem_x509_certificate(p) for p in pems]

    def pyca_one(issuer, cert):
        key = issuer.public_key()
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(),
                       cert.signature_hash_algorithm)
        else:
            key.verify(cert.signature, cert.tbs_certificate_bytes,
                       ec.ECDSA(cert.signature_hash_algorithm))

    def pyca_two():
        pyca_one(theirs[0], theirs[1])
        pyca_one(theirs[1], theirs[2])

    def ours_two():
        ours[1].verify_signature(ours[0].public_key)
        ours[2].verify_signature(ours[1].public_key)
    return [
        Row(group, "  part: pyca the two signatures alone", measure(pyca_two, min_time=t)),
        Row(group, "  part: x509core the two signatures alone (gmpy2)", measure(
            with_backend("gmpy2", ours_two), min_time=t)),
    ]


def run(quick: bool) -> list[Row]:
    root, inter, leaf, direct = _certificates()
    t = 0.3 if quick else 2.0
    ecdsa = ("Validate a 3-certificate ECDSA chain from PEM (P-384 root, P-256 intermediate, "
             "P-256 leaf; parse + validate + host name)")
    return (_directly_issued_rows(root, direct, t) + _chain_rows(root, inter, leaf, t)
            + _chain_rows(None, None, None, t, _ecdsa_pems(), ecdsa,
                          "two ECDSA verifications (P-384, P-256); no goal set"))
