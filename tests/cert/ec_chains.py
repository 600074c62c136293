"""EC, RSA and mixed chains for the OpenSSL differential of ``verify_chain`` (issue 11).

x509core never signs with an EC key, so these chains are made by pyca/cryptography (OpenSSL),
independently of the code under test: EC roots and intermediates on P-256, P-384 and P-521,
each signing with the hash the CA/Browser Forum pairs with its curve (CA/B BR §7.1.3.2.2), RSA
CAs (the fixture keys of ``tests/rsa/keys_fixture.py``) in mixed chains, and one defect at a
time: a tampered ECDSA signature, a point off the curve, a compressed point, a key of the wrong
kind, SHA-1, a hash that does not go with the curve, a curve x509core does not implement, CRLs
signed with ECDSA. A certificate whose subjectPublicKey is edited (off the curve, compressed)
is built by pyca, its TBSCertificate edited byte for byte (``tests/cert/reading/surgery.py``) and
signed again with the issuer's key.

EC private keys are derived from fixed labels (``derive_private_key``), so every run certifies
the same keys; ECDSA signatures use a fresh random k each run, which changes bytes but never a
verdict. The recipes are :class:`~tests.cert.chains.Recipe` objects like those of
``chains.py`` and run through the same test (``tests/cert/validation/test_verify_openssl.py``).
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from cryptography import x509 as pyca
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec as pyca_ec
from cryptography.hazmat.primitives.asymmetric import padding as pyca_padding
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.cert.chains import (CA_VALIDITY, LEAF_VALIDITY, ROOT_VALIDITY, T0, Difference, Recipe)
from tests.cert.reading.surgery import certificate_paths, element, replace, tlv
from tests.rsa.keys_fixture import RSA_2048, RSA_3072, cryptography_key
from x509core.cert import load_der_certificate, load_der_crl

__all__ = ["ec_recipes", "ECFactory", "with_point", "with_sha1", "signed_certificate", "off_curve",
           "compressed", "tampered"]

_CURVES = {"P-256": pyca_ec.SECP256R1(), "P-384": pyca_ec.SECP384R1(),
           "P-521": pyca_ec.SECP521R1(), "secp256k1": pyca_ec.SECP256K1()}
# CA/B BR §7.1.3.2.2: the hash an EC key of each curve signs with; RSA CAs sign with SHA-256.
_HASHES = {"P-256": hashes.SHA256(), "P-384": hashes.SHA384(), "P-521": hashes.SHA512(),
           "secp256k1": hashes.SHA256(), "RSA-2048": hashes.SHA256(), "RSA-3072": hashes.SHA256()}
_RSA = {"RSA-2048": RSA_2048, "RSA-3072": RSA_3072}
_ORDER_BITS = {"P-256": 256, "P-384": 384, "P-521": 521, "secp256k1": 256}
PEER = "pacs.example.org"


class _Issuer:
    def __init__(self, cert: pyca.Certificate, key, kind: str):
        self.cert, self.key, self.kind = cert, key, kind
        self.x509core = load_der_certificate(cert.public_bytes(serialization.Encoding.DER))


def _name(cn: str) -> pyca.Name:
    return pyca.Name([pyca.NameAttribute(NameOID.ORGANIZATION_NAME, "x509core EC differential"),
                      pyca.NameAttribute(NameOID.COMMON_NAME, cn)])


def _key_usage(ca: bool) -> pyca.KeyUsage:
    # RFC 8813 §3 / RFC 5480 §3: an EC leaf signs (digitalSignature); never keyEncipherment.
    return pyca.KeyUsage(digital_signature=not ca, content_commitment=False, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=ca,
                         crl_sign=ca, encipher_only=False, decipher_only=False)


class ECFactory:
    """Keys and certificates of the EC recipes, each made once and shared between chains."""

    def __init__(self) -> None:
        self._keys: dict[tuple[str, str], object] = {}
        self._issuers: dict[tuple, _Issuer] = {}

    def key(self, kind: str, label: str = ""):
        """A private key: an RSA fixture key, or an EC key derived from ``label``."""
        if (kind, label) not in self._keys:
            if kind in _RSA:
                self._keys[kind, label] = cryptography_key(_RSA[kind])
            else:
                seed = hashlib.sha512(f"{kind} {label}".encode()).digest()
                scalar = int.from_bytes(seed, "big") % (1 << (_ORDER_BITS[kind] - 1)) or 1
                self._keys[kind, label] = pyca_ec.derive_private_key(scalar, _CURVES[kind])
        return self._keys[kind, label]

    def _builder(self, subject: str, issuer: _Issuer | None, public_key, validity, serial: str):
        aki_key = public_key if issuer is None else issuer.cert.public_key()
        return (pyca.CertificateBuilder().subject_name(_name(subject))
                .issuer_name(_name(subject) if issuer is None else issuer.cert.subject)
                .public_key(public_key)
                .serial_number(int.from_bytes(hashlib.sha256(serial.encode()).digest()[:16], "big") | 1)
                .not_valid_before(validity[0]).not_valid_after(validity[1])
                .add_extension(pyca.SubjectKeyIdentifier.from_public_key(public_key), False)
                .add_extension(pyca.AuthorityKeyIdentifier.from_issuer_public_key(aki_key), False))

    def ca(self, label: str, kind: str, issuer: _Issuer | None = None) -> _Issuer:
        """A root (``issuer`` None) or an intermediate CA with a ``kind`` key."""
        cache = (label, kind, None if issuer is None else issuer.cert.serial_number)
        if cache not in self._issuers:
            key = self.key(kind, label)
            validity = ROOT_VALIDITY if issuer is None else CA_VALIDITY
            builder = (self._builder(label, issuer, key.public_key(), validity, f"ca {label} {kind}")
                       .add_extension(pyca.BasicConstraints(ca=True, path_length=None), True)
                       .add_extension(_key_usage(True), True))
            signer = key if issuer is None else issuer.key
            cert = builder.sign(signer, _HASHES[kind if issuer is None else issuer.kind])
            self._issuers[cache] = _Issuer(cert, key, kind)
        return self._issuers[cache]

    def leaf(self, label: str, kind: str, issuer: _Issuer, *, purpose: str = "server",
             hash_name: str | None = None, signer=None) -> pyca.Certificate:
        """A TLS leaf with a ``kind`` key, signed by ``issuer`` (or by ``signer``, a key that
        is not the issuer's, under the issuer's name)."""
        key = self.key(kind, label)
        eku = ExtendedKeyUsageOID.SERVER_AUTH if purpose == "server" else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = (self._builder(label, issuer, key.public_key(), LEAF_VALIDITY, f"leaf {label}")
                   .add_extension(pyca.BasicConstraints(ca=False, path_length=None), True)
                   .add_extension(_key_usage(False), True)
                   .add_extension(pyca.ExtendedKeyUsage([eku]), False)
                   .add_extension(pyca.SubjectAlternativeName([pyca.DNSName(PEER)]), False))
        algorithm = getattr(hashes, hash_name.upper())() if hash_name else _HASHES[issuer.kind]
        return builder.sign(signer or issuer.key, algorithm)

    def crl(self, issuer: _Issuer, *revoked: pyca.Certificate):
        """A CRL of ``issuer`` (ECDSA or RSA as its key is), listing ``revoked``."""
        builder = (pyca.CertificateRevocationListBuilder().issuer_name(issuer.cert.subject)
                   .last_update(T0 - timedelta(days=10)).next_update(T0 + timedelta(days=20))
                   .add_extension(pyca.CRLNumber(1 + len(revoked)), False)
                   .add_extension(pyca.AuthorityKeyIdentifier.from_issuer_public_key(
                       issuer.cert.public_key()), False))
        for cert in revoked:
            builder = builder.add_revoked_certificate(
                pyca.RevokedCertificateBuilder().serial_number(cert.serial_number)
                .revocation_date(T0 - timedelta(days=5)).build())
        crl = builder.sign(issuer.key, _HASHES[issuer.kind])
        return load_der_crl(crl.public_bytes(serialization.Encoding.DER))


def _der(cert: pyca.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def with_point(cert: pyca.Certificate, issuer: _Issuer, edit) -> bytes:
    """``cert`` with its subjectPublicKey octets replaced by ``edit(octets)``, signed again by
    ``issuer`` over the edited TBSCertificate."""
    der = _der(cert)
    path = certificate_paths(der)["subjectPublicKey"]
    octets = element(der, path)[3:]             # the BIT STRING: tag, length, unused bits 0
    tbs, _ = replace(cert.tbs_certificate_bytes, path[1:], tlv(0x03, b"\x00" + edit(octets)))
    return signed_certificate(tbs, element(der, (1,)), issuer, cert.signature_hash_algorithm)


_ECDSA_WITH_SHA1 = bytes.fromhex("300906072a8648ce3d0401")      # RFC 3279 §2.2.3, no parameters


def with_sha1(cert: pyca.Certificate, issuer: _Issuer) -> bytes:
    """``cert`` signed again by ``issuer``'s EC key with ecdsa-with-SHA1 (pyca's builder no
    longer makes SHA-1 signatures; its low-level sign still does)."""
    der = _der(cert)
    tbs, _ = replace(cert.tbs_certificate_bytes, certificate_paths(der)["signature"][1:],
                     _ECDSA_WITH_SHA1)
    return signed_certificate(tbs, _ECDSA_WITH_SHA1, issuer, hashes.SHA1())


def signed_certificate(tbs: bytes, algorithm: bytes, issuer: _Issuer, hash_algorithm) -> bytes:
    if issuer.kind in _RSA:
        signature = issuer.key.sign(tbs, pyca_padding.PKCS1v15(), hash_algorithm)
    else:
        signature = issuer.key.sign(tbs, pyca_ec.ECDSA(hash_algorithm))
    return tlv(0x30, tbs + algorithm + tlv(0x03, b"\x00" + signature))


def off_curve(octets: bytes) -> bytes:
    """The point with the last bit of y flipped: same x, no longer on the curve."""
    return octets[:-1] + bytes([octets[-1] ^ 1])


def compressed(octets: bytes) -> bytes:
    """The uncompressed point 04 || X || Y as 02/03 || X (SEC 1 §2.3.3)."""
    size = (len(octets) - 1) // 2
    return bytes([2 | (octets[-1] & 1)]) + octets[1:1 + size]


def tampered(der: bytes) -> bytes:
    """The certificate with one bit of its ECDSA signature's s flipped (still a valid DER
    Ecdsa-Sig-Value: the last octet of the BIT STRING is the last octet of s)."""
    return der[:-1] + bytes([der[-1] ^ 1])


# -- the recipes ---------------------------------------------------------------------------------

def _problem(leaf, inters=(), anchors=(), *, purpose="server", peer=PEER, crls=(), flags=()):
    as_cert = (lambda c: c if isinstance(c, bytes) else _der(c))
    return {"leaf": load_der_certificate(as_cert(leaf)),
            "intermediates": tuple(load_der_certificate(as_cert(c)) for c in inters),
            "anchors": tuple(load_der_certificate(as_cert(c)) for c in anchors),
            "purpose": purpose, "peer_name": peer if purpose == "server" else None,
            "crls": tuple(crls), "openssl_flags": tuple(flags)}


def _ec(f) -> ECFactory:
    """The ECFactory of a chains.Factory (one per test session)."""
    if not hasattr(f, "ec"):
        f.ec = ECFactory()
    return f.ec


def _chain(root_kind: str, inter_kinds: tuple, leaf_kind: str, label: str, purpose="server"):
    """root -> intermediates (top first) -> leaf, each of its kind; a valid problem."""
    def make(f):
        e = _ec(f)
        root = e.ca(f"Root {root_kind}", root_kind)
        issuer, inters = root, []
        for level, kind in enumerate(inter_kinds):
            issuer = e.ca(f"Inter {level} {kind} under {issuer.kind}", kind, issuer)
            inters.insert(0, issuer.cert)
        leaf = e.leaf(f"leaf {label}", leaf_kind, issuer, purpose=purpose)
        return _problem(leaf, inters, (root.cert,), purpose=purpose)
    return make


def _valid():
    for root in ("P-256", "P-384", "P-521"):
        for leaf in ("P-256", "P-384", "P-521"):
            yield Recipe(f"ec/valid/{root}-root/{leaf}-leaf", None, None,
                         _chain(root, (), leaf, f"{root} {leaf}"))
            yield Recipe(f"ec/valid/{root}-root/{root}-inter/{leaf}-leaf/client", None, None,
                         _chain(root, (root,), leaf, f"{root} {root} {leaf} client", "client"))
    yield Recipe("ec/valid/P-521-P-384-P-256-P-256", None, None,
                 _chain("P-521", ("P-384", "P-256"), "P-256", "descending"))
    mixed = (("RSA-3072", (), "P-256"), ("RSA-3072", ("P-384",), "RSA-2048"),
             ("P-384", (), "RSA-2048"), ("P-384", ("RSA-2048",), "P-256"),
             ("P-256", ("RSA-2048", "P-384"), "RSA-2048"), ("RSA-3072", ("RSA-2048",), "P-521"))
    for root, inters, leaf in mixed:
        label = "-".join((root, *inters, leaf))
        for purpose in ("server", "client"):
            yield Recipe(f"ec/mixed/{label}/{purpose}", None, None,
                         _chain(root, inters, leaf, f"mixed {label} {purpose}", purpose))


def _edited_point(label: str, edit, where: str, root_kind="P-384", kind="P-256"):
    """root -> intermediate -> leaf, with ``edit`` applied to the point of ``where``."""
    def make(f):
        e = _ec(f)
        root = e.ca(f"Root {root_kind}", root_kind)
        inter = e.ca(f"Inter {label}", kind, root)
        leaf = e.leaf(f"leaf {label}", kind, inter)
        if where == "leaf":
            return _problem(with_point(leaf, inter, edit), (inter.cert,), (root.cert,))
        return _problem(leaf, (with_point(inter.cert, root, edit),), (root.cert,))
    return make


def _defects():
    for kind in ("P-256", "P-384", "P-521"):
        def bad_leaf(f, kind=kind):
            fields = _chain("P-384", (kind,), kind, f"tampered leaf {kind}")(f)
            return {**fields, "leaf": load_der_certificate(tampered(fields["leaf"].raw))}
        yield Recipe(f"ec/signature/leaf-tampered/{kind}", "bad_signature", 0, bad_leaf)

        def bad_inter(f, kind=kind):
            fields = _chain(kind, ("P-256",), "P-256", f"tampered inter {kind}")(f)
            inter = load_der_certificate(tampered(fields["intermediates"][0].raw))
            return {**fields, "intermediates": (inter,)}
        yield Recipe(f"ec/signature/intermediate-tampered/{kind}", "bad_signature", 1, bad_inter)

    def other_key(f):
        e = _ec(f)
        root = e.ca("Root P-256", "P-256")
        return _problem(e.leaf("leaf other key", "P-256", root, signer=e.key("P-256", "stranger")),
                        (), (root.cert,))
    yield Recipe("ec/signature/leaf-signed-by-another-ec-key", "bad_signature", 0, other_key)

    def wrong_kind(issuer_kind, signer_kind):
        def make(f):
            e = _ec(f)
            root = e.ca(f"Root {issuer_kind}", issuer_kind)
            signer = e.key(signer_kind, "impostor")
            leaf = e.leaf(f"leaf {signer_kind} for {issuer_kind}", "P-256", root, signer=signer,
                          hash_name="sha256")
            return _problem(leaf, (), (root.cert,))
        return make
    kind = ("OpenSSL's X509_check_issued passes over a candidate whose key is not of the kind "
            "the signature algorithm names (check_sig_alg_match) and reports the issuer missing; "
            "x509core takes the candidate by name and key identifier (RFC 5280 §6.1.3 (a)(4)) "
            "and refuses the signature, naming both kinds")
    yield Recipe("ec/signature/ecdsa-signature-under-an-rsa-issuer", "bad_signature", 0,
                 wrong_kind("RSA-3072", "P-256"), Difference(kind, 20, 0))
    yield Recipe("ec/signature/rsa-signature-under-an-ec-issuer", "bad_signature", 0,
                 wrong_kind("P-256", "RSA-2048"), Difference(kind, 20, 0))
    yield Recipe("ec/key/leaf-point-off-the-curve", "invalid_key", 0,
                 _edited_point("leaf off curve", off_curve, "leaf"))
    yield Recipe("ec/key/intermediate-point-off-the-curve", "invalid_key", 1,
                 _edited_point("inter off curve", off_curve, "inter"),
                 Difference("OpenSSL's X509_check_issued does not take a certificate whose key "
                            "does not decode as a candidate issuer, and reports the leaf's issuer "
                            "missing; x509core tries the candidate and names why it is unusable "
                            "(its point is not on its curve, SP 800-56A §5.6.2.3.3)", 20, 0))
    for kind in ("P-256", "P-384"):
        yield Recipe(f"ec/key/leaf-point-compressed/{kind}", None, None,
                     _edited_point(f"leaf compressed {kind}", compressed, "leaf", kind=kind))
        yield Recipe(f"ec/key/intermediate-point-compressed/{kind}", None, None,
                     _edited_point(f"inter compressed {kind}", compressed, "inter", kind=kind))


def _policy():
    def sha1(f):
        e = _ec(f)
        root = e.ca("Root P-256", "P-256")
        leaf = with_sha1(e.leaf("leaf sha1", "P-256", root), root)
        return _problem(leaf, (), (root.cert,), flags=("-auth_level", "2"))
    # SHA-1: refused by x509core's default policy; by OpenSSL at security level 2 (80 bits < 112).
    yield Recipe("ec/policy/ecdsa-with-sha1", "weak_algorithm", 0, sha1)

    def unpaired(purpose):
        def make(f):
            e = _ec(f)
            root = e.ca("Root P-384", "P-384")
            leaf = e.leaf(f"leaf unpaired {purpose}", "P-256", root, purpose=purpose,
                          hash_name="sha256")
            return _problem(leaf, (), (root.cert,), purpose=purpose)
        return make
    yield Recipe("ec/policy/p384-signs-with-sha256/client", None, None, unpaired("client"))
    yield Recipe("ec/policy/p384-signs-with-sha256/server", "profile", 0, unpaired("server"),
                 Difference("CA/B BR §7.1.3.2.2 pairs each curve with its hash (P-384 signs "
                            "with SHA-384); x509core applies it for purpose server, the web PKI "
                            "profile; OpenSSL does not check the pair", None))

    def secp256k1(where, purpose="server"):
        def make(f):
            e = _ec(f)
            root = e.ca("Root P-256", "P-256")
            if where == "leaf":
                return _problem(e.leaf(f"leaf k1 {purpose}", "secp256k1", root, purpose=purpose),
                                (), (root.cert,), purpose=purpose)
            inter = e.ca("Inter secp256k1", "secp256k1", root)
            return _problem(e.leaf("leaf under k1", "P-256", inter, purpose=purpose),
                            (inter.cert,), (root.cert,), purpose=purpose)
        return make
    k1 = ("secp256k1 is not a curve x509core implements (nor one CA/B BR §6.1.5 allows); "
          "OpenSSL implements it")
    yield Recipe("ec/policy/secp256k1-leaf/client", None, None, secp256k1("leaf", "client"))
    yield Recipe("ec/policy/secp256k1-leaf/server", "weak_key", 0, secp256k1("leaf"),
                 Difference(k1 + " and has no web PKI key rule", None))
    yield Recipe("ec/policy/secp256k1-intermediate", "unsupported_algorithm", 0,
                 secp256k1("inter", "client"), Difference(k1 + " and verifies its signature", None))


def _revocation():
    def make(revoke: bool, kind: str):
        def build(f):
            e = _ec(f)
            root = e.ca(f"Root {kind}", kind)
            leaf = e.leaf(f"leaf crl {kind} {revoke}", "P-256", root)
            crl = e.crl(root, *([leaf] if revoke else []))
            return _problem(leaf, (), (root.cert,), crls=(crl,), flags=("-crl_check",))
        return build
    for kind in ("P-256", "P-384", "RSA-3072"):
        yield Recipe(f"ec/revocation/{kind}-crl-revokes-the-leaf", "revoked", 0, make(True, kind))
        yield Recipe(f"ec/revocation/{kind}-crl-without-the-leaf", None, None, make(False, kind))

    def forged(f):
        e = _ec(f)
        root = e.ca("Root P-256", "P-256")
        leaf = e.leaf("leaf forged crl", "P-256", root)
        crl = e.crl(root)
        bad = load_der_crl(tampered(crl.raw))
        return _problem(leaf, (), (root.cert,), crls=(bad,), flags=("-crl_check",))
    yield Recipe("ec/revocation/crl-signature-tampered", "crl", 0, forged)


def ec_recipes() -> list[Recipe]:
    """Every EC recipe, in a fixed order; names are unique."""
    found = [r for group in (_valid, _defects, _policy, _revocation) for r in group()]
    names = [r.name for r in found]
    assert len(set(names)) == len(names), "duplicate EC recipe names"
    return found
