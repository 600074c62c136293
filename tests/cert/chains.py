"""Generated certificate chains for the OpenSSL differential of ``verify_chain`` (issue 5).

Each :class:`Recipe` names one chain and the verdict RFC 5280 gives it: ``expected`` is the
``PathValidationError.category`` (None when the chain is valid) and ``depth`` the failing
certificate (0 = leaf). :func:`build` signs its certificates with the fixture keys of
``tests/rsa/keys_fixture.py``; nothing is generated at random, so every run builds the same bytes.

Keys (several certificates share one; the names tell them apart, as RFC 5280 §6.1 chains names):
root A RSA-3072; the CA that issues leaves RSA-2048; the CA above it RSA-4096 (and the third one
RSA-2048 again); leaves carry the RSA-4096 public key; root B (not trusted unless a recipe says
so) RSA-4096. Every certificate passes OpenSSL's ``-x509_strict`` profile checks unless its recipe
is about one of them: CAs carry a critical basicConstraints, a critical keyUsage and an SKI,
every non-root an AKI.

A recipe with a :class:`Difference` is a chain where OpenSSL and RFC 5280 legitimately disagree;
the difference records OpenSSL's exact answer and why it differs.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from tests.rsa.keys_fixture import RSA_1025, RSA_2048, RSA_3072, RSA_4096, private_key
from x509core.cert import (
    CertificateBuilder,
    CRLBuilder,
    Name,
    load_der_certificate,
    oids,
)
from x509core.cert.certificate import Certificate
from x509core.cert.extensions import (
    BasicConstraints,
    CRLDistributionPoints,
    DistributionPoint,
    DistributionPointName,
    ExtendedKeyUsage,
    GeneralSubtree,
    KeyUsage,
    NameConstraints,
    SubjectAlternativeName,
    UnrecognizedExtension,
)
from x509core.cert.names.general_name import DNSName, IPAddress, UniformResourceIdentifier

__all__ = ["ALGORITHMS", "T0", "UTC", "Chain", "Difference", "Factory", "Issuer", "Recipe", "build", "recipes"]

UTC = timezone.utc
T0 = datetime(2026, 1, 1, tzinfo=UTC)                 # the default time of verification
ROOT_VALIDITY = (datetime(2020, 1, 1, tzinfo=UTC), datetime(2040, 1, 1, tzinfo=UTC))
CA_VALIDITY = (datetime(2021, 1, 1, tzinfo=UTC), datetime(2036, 1, 1, tzinfo=UTC))
LEAF_VALIDITY = (datetime(2025, 6, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
EXPIRED = (datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 12, 1, tzinfo=UTC))
NOT_YET = (datetime(2026, 2, 1, tzinfo=UTC), datetime(2027, 2, 1, tzinfo=UTC))
# (hash, padding) as CertificateBuilder.sign takes them.
ALGORITHMS = (("sha256", "pkcs1v15"), ("sha384", "pkcs1v15"), ("sha512", "pkcs1v15"),
              ("sha256", "pss"), ("sha384", "pss"), ("sha512", "pss"))
DEFAULT_ALG = ALGORITHMS[0]
UNKNOWN_OID = "1.3.6.1.4.1.55555.7.1"                 # a private arc no implementation knows
CA_KU = KeyUsage(key_cert_sign=True, crl_sign=True)
SERVER_KU = KeyUsage(digital_signature=True, key_encipherment=True)
SERVER_EKU = ExtendedKeyUsage((oids.OID_SERVER_AUTH,))
CLIENT_EKU = ExtendedKeyUsage((oids.OID_CLIENT_AUTH,))
BOTH_EKU = ExtendedKeyUsage((oids.OID_SERVER_AUTH, oids.OID_CLIENT_AUTH))
DEFAULT_SAN = ("pacs.example.org",)


@dataclass(frozen=True)
class Difference:
    """A chain where OpenSSL departs from RFC 5280: its exact answer and the reason."""

    reason: str
    openssl_error: int | None            # X509_V_ERR_* code, None when OpenSSL accepts
    openssl_depth: int | None = None


@dataclass(frozen=True)
class Chain:
    """One verification problem: what to pass to ``verify_chain`` and to ``openssl verify``."""

    name: str
    leaf: Certificate
    anchors: tuple[Certificate, ...]
    intermediates: tuple[Certificate, ...] = ()
    crls: tuple = ()
    purpose: str | None = "server"
    peer_name: str | None = None
    at: datetime = T0
    max_depth: int | None = None
    openssl_flags: tuple[str, ...] = ()
    expected: str | None = None          # PathValidationError.category, None = valid
    depth: int | None = None             # depth of the refused certificate
    difference: Difference | None = None


@dataclass(frozen=True)
class Recipe:
    name: str
    expected: str | None
    depth: int | None
    make: Callable[[Factory], dict] = field(repr=False)
    difference: Difference | None = None


@dataclass(frozen=True)
class Issuer:
    """A CA certificate with the private key that signs under it."""

    cert: Certificate
    key: object

    @property
    def name(self) -> Name:
        return self.cert.subject


def _name(cn: str) -> Name:
    return Name.build([("O", "x509core differential"), ("CN", cn)])


def _serial(label: str) -> int:
    return int.from_bytes(hashlib.sha256(label.encode()).digest()[:16], "big") | 1


def corrupt(cert: Certificate) -> Certificate:
    """The same certificate with the last bit of its signature flipped."""
    raw = bytearray(cert.raw)
    raw[-1] ^= 1
    return load_der_certificate(bytes(raw))


def sans(*names: str) -> SubjectAlternativeName:
    values = []
    for name in names:
        if not isinstance(name, str):              # a GeneralName given as it is
            values.append(name)
            continue
        try:
            values.append(IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            values.append(DNSName(name))
    return SubjectAlternativeName(tuple(values))


class Factory:
    """Signs the certificates of the recipes; CAs are built once and shared between chains."""

    def __init__(self) -> None:
        self.k2048, self.k3072, self.k4096 = (private_key(k) for k in (RSA_2048, RSA_3072, RSA_4096))
        self._cache: dict[tuple, Issuer] = {}

    def cert(self, label: str, subject: Name, issuer: Name, public_key, sign_key, *, validity,
             extensions=(), alg=DEFAULT_ALG, ski=True, aki_key=None) -> Certificate:
        builder = (CertificateBuilder().with_subject(subject).with_issuer(issuer)
                   .with_serial_number(_serial(label)).with_validity(*validity)
                   .with_public_key(public_key))
        for value, critical in extensions:
            builder = builder.with_extension(value, critical=critical)
        if ski:
            builder = builder.with_subject_key_identifier()
        if aki_key is not None:
            builder = builder.with_authority_key_identifier(aki_key)
        return builder.sign(sign_key, *alg)

    def root(self, label: str = "A", *, key=None, validity=ROOT_VALIDITY, pathlen=None,
             extra=(), subject: Name | None = None) -> Issuer:
        """A self-signed root: critical cA, critical keyCertSign/cRLSign, SKI."""
        cache_key = ("root", label)
        if cache_key not in self._cache:
            key = key or (self.k3072 if label == "A" else self.k4096)
            name = subject or _name(f"Root {label}")
            exts = ((BasicConstraints(ca=True, path_len_constraint=pathlen), True), (CA_KU, True), *extra)
            cert = self.cert("root " + label, name, name, key.public_key(), key,
                             validity=validity, extensions=exts)
            self._cache[cache_key] = Issuer(cert, key)
        return self._cache[cache_key]

    def ca(self, label: str, issuer: Issuer, *, key=None, validity=CA_VALIDITY, pathlen=None,
           bc="ca", ku=CA_KU, eku=None, extra=(), alg=DEFAULT_ALG, sign_key=None, aki_key=None,
           subject: Name | None = None) -> Issuer:
        """An intermediate CA under ``issuer``; the keyword arguments break one rule at a time."""
        cache_key = ("ca", label, issuer.cert.raw)
        if cache_key not in self._cache:
            key = key or self.k2048
            exts = []
            if bc == "ca":
                exts.append((BasicConstraints(ca=True, path_len_constraint=pathlen), True))
            elif bc == "leaf":
                exts.append((BasicConstraints(ca=False), True))
            if ku is not None:
                exts.append((ku, True))
            if eku is not None:
                exts.append((eku, False))
            exts.extend(extra)
            cert = self.cert("ca " + label, subject or _name(label), issuer.name, key.public_key(),
                             sign_key or issuer.key, validity=validity, extensions=exts, alg=alg,
                             aki_key=aki_key or issuer.cert.public_key)
            self._cache[cache_key] = Issuer(cert, key)
        return self._cache[cache_key]

    def path(self, depth: int, alg=DEFAULT_ALG, root: Issuer | None = None) -> list[Issuer]:
        """``depth`` plain intermediates under root A, issuing CA first (leaf side first)."""
        issuer = root or self.root()
        chain = []
        for level in range(depth, 0, -1):
            key = self.k4096 if level == 2 else self.k2048
            issuer = self.ca(f"Inter {level} of {depth} {alg[0]}-{alg[1]}", issuer, key=key, alg=alg)
            chain.insert(0, issuer)
        return chain

    def leaf(self, label: str, issuer: Issuer, *, san=DEFAULT_SAN, eku=SERVER_EKU, ku=SERVER_KU,
             validity=LEAF_VALIDITY, extra=(), alg=DEFAULT_ALG, sign_key=None, aki_key=None,
             subject: Name | None = None, issuer_name: Name | None = None, bc=True,
             key=None) -> Certificate:
        """An end-entity certificate; ``san=None`` leaves the subjectAltName out."""
        exts = []
        if bc:
            exts.append((BasicConstraints(ca=False), True))
        if ku is not None:
            exts.append((ku, True))
        if eku is not None:
            exts.append((eku, False))
        if san is not None:
            exts.append((sans(*san), False))
        exts.extend(extra)
        return self.cert("leaf " + label, subject or _name(f"leaf {label}"), issuer_name or issuer.name,
                         (key or self.k4096).public_key(), sign_key or issuer.key, validity=validity,
                         extensions=exts, alg=alg, aki_key=aki_key or issuer.cert.public_key)

    def crl(self, issuer: Issuer, *revoked: Certificate, reason: str | None = None,
            at: datetime = T0):
        builder = (CRLBuilder().with_issuer(issuer.name)
                   .with_update_times(at - timedelta(days=10), at + timedelta(days=20))
                   .with_crl_number(1 + len(revoked)))
        for cert in revoked:
            builder = builder.with_revoked(cert.serial_number, at - timedelta(days=5), reason=reason)
        return builder.sign(issuer.key)


def standard(f: Factory, issuers: list[Issuer], leaf: Certificate, **kwargs) -> dict:
    """The usual problem: the leaf, its intermediates untrusted, root A trusted."""
    fields = {"leaf": leaf, "intermediates": tuple(i.cert for i in issuers),
              "anchors": (f.root().cert,)}
    fields.update(kwargs)
    return fields


def build(recipe: Recipe, factory: Factory) -> Chain:
    fields = recipe.make(factory)
    return Chain(name=recipe.name, expected=recipe.expected, depth=recipe.depth,
                 difference=recipe.difference, **fields)


# -- the recipes --------------------------------------------------------------------------------

PURPOSE_EKU = {"server": SERVER_EKU, "client": CLIENT_EKU, None: BOTH_EKU}
PURPOSE_KU = {"server": SERVER_KU, "client": KeyUsage(digital_signature=True), None: SERVER_KU}
LEVEL_KEYS = {2: "k4096"}                 # the CA above the issuing CA; the others RSA-2048


def simple(label: str, n: int = 1, *, purpose="server", peer_name=None, at=T0, alg=DEFAULT_ALG,
           flags=(), **leaf_kwargs) -> Callable[[Factory], dict]:
    """root A, ``n`` plain intermediates, one leaf built with ``leaf_kwargs``."""
    leaf_kwargs.setdefault("eku", PURPOSE_EKU[purpose])
    leaf_kwargs.setdefault("ku", PURPOSE_KU[purpose])

    def make(f: Factory) -> dict:
        issuers = f.path(n, alg)
        leaf = f.leaf(label, issuers[0] if issuers else f.root(), alg=alg, **leaf_kwargs)
        return standard(f, issuers, leaf, purpose=purpose, peer_name=peer_name, at=at,
                        openssl_flags=tuple(flags))
    return make


def bad_ca(label: str, level: int, n: int = 1, *, purpose="server", leaf_kwargs=None,
           **ca_kwargs) -> Callable[[Factory], dict]:
    """root A and ``n`` intermediates, the one at ``level`` (1 = issuing CA) built with
    ``ca_kwargs``; the CAs above it are the shared plain ones."""
    leaf_kwargs = dict(leaf_kwargs or {})
    leaf_kwargs.setdefault("eku", PURPOSE_EKU[purpose])
    leaf_kwargs.setdefault("ku", PURPOSE_KU[purpose])

    def make(f: Factory) -> dict:
        above = f.path(n - level) if n > level else []
        issuer = above[0] if above else f.root()
        chain = list(above)
        for lvl in range(level, 0, -1):
            key = getattr(f, LEVEL_KEYS.get(lvl, "k2048"))
            kwargs = ca_kwargs if lvl == level else {}
            issuer = f.ca(f"{label} L{lvl}", issuer, key=key, **kwargs)
            chain.insert(0, issuer)
        leaf = f.leaf(label, chain[0], **leaf_kwargs)
        return standard(f, chain, leaf, purpose=purpose)
    return make


def altered(make: Callable[[Factory], dict], change: Callable[[dict], dict]) -> Callable[[Factory], dict]:
    """``make`` with some fields replaced by ``change(fields)``."""
    def changed(f: Factory) -> dict:
        fields = make(f)
        return {**fields, **change(fields)}
    return changed


def _valid_grid():
    """Depth 0-3 x six signature algorithms x three purposes: all valid."""
    for n in range(4):
        for alg in ALGORITHMS:
            for purpose in ("server", "client", None):
                label = f"{n}-inter/{alg[0]}-{alg[1]}/{purpose or 'any'}"
                peer = "pacs.example.org" if purpose == "server" and n % 2 == 0 else None
                yield Recipe("valid/" + label, None, None,
                             simple("valid " + label, n, purpose=purpose, peer_name=peer, alg=alg))


# (name, subjectAltName entries, peer name, expected category); str entries that parse as IP
# addresses become iPAddress, DNSName objects stay dNSName.
HOSTNAMES = (
    ("dns-exact", ("pacs.example.org",), "pacs.example.org", None),
    ("dns-san-upper-case", ("PACS.Example.ORG",), "pacs.example.org", None),
    ("dns-peer-upper-case", ("pacs.example.org",), "PACS.EXAMPLE.ORG", None),
    ("dns-second-entry", ("www.example.org", "pacs.example.org"), "pacs.example.org", None),
    ("wildcard", ("*.example.org",), "pacs.example.org", None),
    ("wildcard-mixed-case", ("*.EXAMPLE.org",), "Pacs.example.org", None),
    ("wildcard-among-others", ("ris.example.com", "*.example.org"), "pacs.example.org", None),
    ("ipv4", ("10.1.2.3",), "10.1.2.3", None),
    ("ipv6", ("2001:db8::1",), "2001:db8::1", None),
    ("ipv6-peer-expanded", ("2001:db8::1",), "2001:0db8:0000:0000:0000:0000:0000:0001", None),
    ("dns-and-ip-by-ip", ("pacs.example.org", "10.1.2.3"), "10.1.2.3", None),
    ("dns-and-ip-by-dns", ("pacs.example.org", "10.1.2.3"), "pacs.example.org", None),
    ("no-peer-name", ("pacs.example.org",), None, None),
    ("dns-other", ("pacs.example.org",), "ris.example.org", "name_mismatch"),
    ("dns-parent-in-san", ("example.org",), "pacs.example.org", "name_mismatch"),
    ("dns-child-in-san", ("pacs.example.org",), "example.org", "name_mismatch"),
    ("dns-suffix-only", ("acs.example.org",), "pacs.example.org", "name_mismatch"),
    ("wildcard-two-labels", ("*.example.org",), "a.pacs.example.org", "name_mismatch"),
    ("wildcard-bare-domain", ("*.example.org",), "example.org", "name_mismatch"),
    ("wildcard-not-leftmost", ("pacs.*.org",), "pacs.example.org", "name_mismatch"),
    ("wildcard-other-domain", ("*.example.com",), "pacs.example.org", "name_mismatch"),
    ("ipv4-other", ("10.1.2.3",), "10.1.2.4", "name_mismatch"),
    ("ipv6-other", ("2001:db8::1",), "2001:db8::2", "name_mismatch"),
    ("ipv4-mapped-ipv6-peer", ("10.1.2.3",), "::ffff:10.1.2.3", "name_mismatch"),
    ("ip-peer-dns-san-only", ("pacs.example.org", DNSName("10.1.2.3")), "10.1.2.3", "name_mismatch"),
    ("dns-peer-ip-san-only", ("10.1.2.3",), "pacs.example.org", "name_mismatch"),
)


def _hostnames():
    for name, san, peer, expected in HOSTNAMES:
        for n in (1, 2):
            yield Recipe(f"host/{name}/{n}-inter", expected, None if expected is None else 0,
                         simple(f"host {name} {n}", n, peer_name=peer, san=san))
    cn = _name("pacs.example.org")
    yield Recipe("host/cn-fallback", "name_mismatch", 0,
                 simple("host cn", peer_name="pacs.example.org", san=None, subject=cn),
                 Difference("RFC 9525 §6.3 and the issue: the subjectAltName only, never the CN; "
                            "OpenSSL's X509_check_host falls back to the CN when the certificate "
                            "has no DNS subjectAltName", None))
    yield Recipe("host/cn-ignored-beside-san", "name_mismatch", 0,
                 simple("host cn san", peer_name="pacs.example.org", san=("ris.example.org",), subject=cn))
    yield Recipe("host/no-san", "name_mismatch", 0,
                 simple("host no san", peer_name="pacs.example.org", san=None))
    yield Recipe("host/partial-wildcard", "name_mismatch", 0,
                 simple("host partial", peer_name="pacs.example.org", san=("pa*.example.org",)),
                 Difference("RFC 9525 §6.3: a wildcard is the whole left-most label only; OpenSSL "
                            "matches 'pa*' unless X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS is set, "
                            "which openssl verify cannot set", None))


def _times():
    before, after = LEAF_VALIDITY
    second = timedelta(seconds=1)
    for purpose in ("server", "client"):
        for n in (0, 1, 2):
            tag = f"{purpose}/{n}-inter"
            yield Recipe(f"time/leaf-expired/{tag}", "expired", 0,
                         simple(f"expired {tag}", n, purpose=purpose, validity=EXPIRED))
            yield Recipe(f"time/leaf-not-yet-valid/{tag}", "not_yet_valid", 0,
                         simple(f"nyv {tag}", n, purpose=purpose, validity=NOT_YET))
    yield Recipe("time/at-not-before", None, None, simple("at nb", at=before))
    yield Recipe("time/before-not-before", "not_yet_valid", 0, simple("before nb", at=before - second))
    yield Recipe("time/before-not-after", None, None, simple("before na", at=after - second))
    yield Recipe("time/after-not-after", "expired", 0, simple("after na", at=after + second))
    yield Recipe("time/at-not-after", None, None, simple("at na", at=after),
                 Difference("RFC 5280 §4.1.2.5: the validity period is notBefore through notAfter "
                            "inclusive; OpenSSL's X509_cmp_time counts the notAfter second itself "
                            "as expired", 10, 0))
    ca_expired = (datetime(2020, 6, 1, tzinfo=UTC), datetime(2025, 6, 1, tzinfo=UTC))
    ca_not_yet = (datetime(2026, 3, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC))
    for n, level in ((1, 1), (2, 1), (2, 2), (3, 3)):
        yield Recipe(f"time/ca-expired/L{level}-of-{n}", "expired", level,
                     bad_ca(f"ca expired {level} {n}", level, n, validity=ca_expired))
        yield Recipe(f"time/ca-not-yet-valid/L{level}-of-{n}", "not_yet_valid", level,
                     bad_ca(f"ca nyv {level} {n}", level, n, validity=ca_not_yet))


def _root_variant(label: str, **root_kwargs) -> Callable[[Factory], dict]:
    """root A's name and key in a certificate changed by ``root_kwargs``, as the only anchor."""
    def make(f: Factory) -> dict:
        root = f.root(label, key=f.k3072, subject=f.root().name, **root_kwargs)
        [issuer] = f.path(1)
        return {"leaf": f.leaf(label, issuer), "intermediates": (issuer.cert,), "anchors": (root.cert,)}
    return make


def _signatures():
    for n in (0, 1, 2):
        for alg in (DEFAULT_ALG, ("sha512", "pss")):
            tag = f"{n}-inter/{alg[0]}-{alg[1]}"

            def make(f, n=n, alg=alg, tag=tag):
                fields = simple("bad sig " + tag, n, alg=alg)(f)
                return {**fields, "leaf": corrupt(fields["leaf"])}
            yield Recipe(f"signature/leaf-corrupted/{tag}", "bad_signature", 0, make)
    for n, level in ((1, 1), (2, 1), (2, 2)):
        def make(f, n=n, level=level):
            fields = simple(f"bad ca sig {n} {level}", n)(f)
            inters = list(fields["intermediates"])
            inters[level - 1] = corrupt(inters[level - 1])
            return {**fields, "intermediates": tuple(inters)}
        yield Recipe(f"signature/ca-corrupted/L{level}-of-{n}", "bad_signature", level, make)
    for n in (0, 1):
        yield Recipe(f"signature/leaf-signed-by-other-key/{n}-inter", "bad_signature", 0,
                     lambda f, n=n: simple(f"other key {n}", n, sign_key=f.k4096)(f))
        yield Recipe(f"signature/leaf-other-key-and-its-aki/{n}-inter", "unknown_issuer", 0,
                     lambda f, n=n: simple(f"other key aki {n}", n, sign_key=f.k4096,
                                           aki_key=f.k4096.public_key())(f))
    yield Recipe("signature/ca-signed-by-other-key", "bad_signature", 1,
                 lambda f: bad_ca("ca other key", 1, 1, sign_key=f.k4096)(f))

    def corrupt_root(f):
        fields = simple("corrupt root", 1)(f)
        return {**fields, "anchors": (corrupt(f.root().cert),)}
    # RFC 5280 §6.1.1 (d): the trust anchor is its name and key; nobody checks its self-signature.
    yield Recipe("signature/anchor-self-signature-corrupted", None, None, corrupt_root)
    yield Recipe("signature/aki-differs-from-ski", "unknown_issuer", 0,
                 lambda f: simple("aki differs", 1, aki_key=f.k3072.public_key())(f))


def _issuers():
    yield Recipe("issuer/intermediate-missing/1-inter", "unknown_issuer", 0,
                 lambda f: {**simple("missing inter 1", 1)(f), "intermediates": ()})
    yield Recipe("issuer/intermediate-missing/2-inter", "unknown_issuer", 1,
                 altered(simple("missing inter 2", 2), lambda c: {"intermediates": c["intermediates"][:1]}))
    for n in (0, 1, 2):
        yield Recipe(f"issuer/root-not-trusted/{n}-inter", "unknown_issuer", n,
                     lambda f, n=n: {**simple(f"root b {n}", n)(f), "anchors": (f.root("B").cert,)})
    yield Recipe("issuer/root-given-untrusted", "unknown_issuer", 2,
                 lambda f: altered(simple("root untrusted", 1), lambda c: {
                     "anchors": (f.root("B").cert,), "intermediates": (*c["intermediates"], f.root().cert)})(f))
    yield Recipe("issuer/self-signed-leaf", "unknown_issuer", 0, lambda f: {
        "leaf": f.leaf("self", None, subject=_name("leaf self"), issuer_name=_name("leaf self"),
                       sign_key=f.k4096, aki_key=f.k4096.public_key()), "anchors": (f.root().cert,)})
    yield Recipe("issuer/leaf-of-root-b", "unknown_issuer", 0, lambda f: {
        "leaf": f.leaf("of root b", f.root("B")), "anchors": (f.root().cert,)})
    yield Recipe("issuer/name-other-rdn", "unknown_issuer", 0, lambda f: simple(
        "other rdn", 1, issuer_name=Name.build([("O", "x509core differential"), ("OU", "x"),
                                                 ("CN", "Inter 1 of 1 sha256-pkcs1v15")]))(f))
    yield Recipe("issuer/name-case-and-spaces", None, None, lambda f: simple(
        "case", 1, issuer_name=Name.build([("O", "X509CORE   Differential"),
                                           ("CN", " inter 1 OF 1 SHA256-PKCS1V15 ")]))(f))
    yield Recipe("issuer/name-printable-string", None, None, lambda f: simple(
        "printable", 1, issuer_name=_printable(f.path(1)[0].name))(f))
    yield Recipe("issuer/two-anchors", None, None, lambda f: {
        **simple("two anchors", 1)(f), "anchors": (f.root("B").cert, f.root().cert)})
    yield from _candidates()


def _printable(name: Name) -> Name:
    """``name`` with every UTF8String turned into a PrintableString (the same text)."""
    from x509core.cert.names.attribute import AttributeTypeAndValue
    return Name.build([[AttributeTypeAndValue(atv.oid, atv.value, 19)] for atv in name])


def _candidates():
    """Several issuers with one name: path building must find the one that works."""
    ca_expired = (datetime(2020, 6, 1, tzinfo=UTC), datetime(2025, 6, 1, tzinfo=UTC))

    def twins(label, bad_first=True, **bad_kwargs):
        def make(f):
            name = _name(f"twin {label}")
            good = f.ca(f"twin good {label}", f.root(), subject=name)
            bad = f.ca(f"twin bad {label}", f.root(), subject=name, **bad_kwargs)
            pair = (bad.cert, good.cert) if bad_first else (good.cert, bad.cert)
            return standard(f, [], f.leaf(f"twin {label}", good), intermediates=pair)
        return make
    yield Recipe("candidates/expired-and-valid-twin", None, None, twins("expired", validity=ca_expired))
    yield Recipe("candidates/other-key-and-right-key-twin", None, None,
                 lambda f: twins("key", key=f.k3072)(f))
    not_ca = {"bc": "leaf", "ku": KeyUsage(digital_signature=True)}
    yield Recipe("candidates/ca-and-not-ca-twin", None, None, twins("not ca", False, **not_ca))
    yield Recipe("candidates/not-ca-and-ca-twin", None, None, twins("not ca", True, **not_ca),
                 Difference("RFC 5280 §6.1: a path is valid if any valid path exists (RFC 4158 "
                            "path building backtracks); OpenSSL's build_chain keeps the first "
                            "time-valid issuer with the right name and AKI and does not try the "
                            "other when its CA checks fail later", 79, 1))

    def cross(trusted, b_first):
        def make(f):
            under_a = f.ca("cross", f.root())
            under_b = f.ca("cross", f.root("B"))           # same name and key, issued by root B
            leaf = f.leaf(f"cross {trusted} {b_first}", under_a)
            pair = (under_b.cert, under_a.cert) if b_first else (under_a.cert, under_b.cert)
            return {"leaf": leaf, "intermediates": pair, "anchors": (f.root(trusted).cert,)}
        return make
    cross_difference = ("RFC 5280 §6.1: a path is valid if any valid path exists; OpenSSL takes "
                        "the first untrusted issuer that matches and, when that chain ends without "
                        "a trust anchor, looks for alternatives in the trust store only, never "
                        "among the other untrusted certificates")
    yield Recipe("candidates/cross-signed-trust-a", None, None, cross("A", False))
    yield Recipe("candidates/cross-signed-trust-b", None, None, cross("B", True))
    yield Recipe("candidates/cross-signed-trust-a-listed-second", None, None, cross("A", True),
                 Difference(cross_difference, 20, 1))
    yield Recipe("candidates/cross-signed-trust-b-listed-second", None, None, cross("B", False),
                 Difference(cross_difference, 20, 1))

    def loop(f):
        x_name, y_name = _name("loop X"), _name("loop Y")
        x = Issuer(f.cert("loop x", x_name, y_name, f.k2048.public_key(), f.k4096,
                          validity=CA_VALIDITY, extensions=_ca_exts(), aki_key=f.k4096.public_key()), f.k2048)
        y = f.cert("loop y", y_name, x_name, f.k4096.public_key(), f.k2048, validity=CA_VALIDITY,
                   extensions=_ca_exts(), aki_key=f.k2048.public_key())
        return {"leaf": f.leaf("loop", x), "intermediates": (x.cert, y), "anchors": (f.root().cert,)}
    yield Recipe("candidates/loop-without-anchor", "unknown_issuer", None, loop)
    yield Recipe("anchor/intermediate-as-anchor-partial-chain", None, None, lambda f: {
        **simple("partial flag", 1)(f), "intermediates": (), "anchors": (f.path(1)[0].cert,),
        "openssl_flags": ("-partial_chain",)})
    yield Recipe("anchor/intermediate-as-anchor", None, None, lambda f: {
        **simple("partial", 1)(f), "intermediates": (), "anchors": (f.path(1)[0].cert,)},
        Difference("RFC 5280 §6.1.1 (d): any trusted certificate is a trust anchor; OpenSSL "
                   "insists on a self-signed root unless -partial_chain is given", 2, 1))


def _ca_exts(pathlen=None):
    return ((BasicConstraints(ca=True, path_len_constraint=pathlen), True), (CA_KU, True))


def _not_ca():
    ds = KeyUsage(digital_signature=True)
    # A CA certificate with keyCertSign but without cA breaks two rules at once, §6.1.4 (k) and
    # the §4.2.1.3 consistency rule ("If the keyCertSign bit is asserted, then the cA bit in the
    # basic constraints extension MUST also be asserted"); x509core reports the second one
    # (key_usage, see verify.py), and OpenSSL's INVALID_CA (79) stands for both.
    cases = (("ca-false-digital-signature", {"bc": "leaf", "ku": ds}, "not_ca"),
             ("ca-false-key-cert-sign", {"bc": "leaf"}, "key_usage"),
             ("no-bc-key-cert-sign", {"bc": None}, "key_usage"),
             ("no-bc-no-ku", {"bc": None, "ku": None}, "not_ca"))
    for purpose in ("server", "client"):
        for name, kwargs, expected in cases:
            for n, level in ((1, 1), (2, 2)):
                yield Recipe(f"not-ca/{name}/L{level}-of-{n}/{purpose}", expected, level,
                             bad_ca(f"not ca {name} {level} {n} {purpose}", level, n,
                                    purpose=purpose, **kwargs))

    def leaf_as_ca(f):
        [issuer] = f.path(1)
        ee = Issuer(f.leaf("end entity issuer", issuer), f.k4096)
        return {"leaf": f.leaf("issued by end entity", ee, key=f.k2048), "anchors": (f.root().cert,),
                "intermediates": (ee.cert, issuer.cert)}
    yield Recipe("not-ca/leaf-as-issuer", "not_ca", 1, leaf_as_ca)


def _path_length():
    for n, level, pathlen, expected, depth in ((2, 2, 0, "path_length", 2),
                                               (3, 3, 1, "path_length", 3),
                                               (3, 3, 0, "path_length", 3),
                                               (3, 2, 0, "path_length", 2),
                                               (1, 1, 0, None, None), (2, 2, 1, None, None),
                                               (3, 3, 2, None, None)):
        yield Recipe(f"path-length/{pathlen}-at-L{level}-of-{n}", expected, depth,
                     bad_ca(f"pathlen {pathlen} {level} {n}", level, n, pathlen=pathlen))

    def under_root(label, pathlen, n):
        def make(f):
            root = f.root(label, key=f.k3072, pathlen=pathlen)
            issuer, chain = root, []
            for lvl in range(n, 0, -1):
                issuer = f.ca(f"{label} L{lvl}", issuer)
                chain.insert(0, issuer)
            return {"leaf": f.leaf(label, chain[0] if chain else root), "anchors": (root.cert,),
                    "intermediates": tuple(c.cert for c in chain)}
        return make
    yield Recipe("path-length/anchor-0-with-1-inter", "path_length", 2, under_root("Root P0", 0, 1))
    yield Recipe("path-length/anchor-1-with-2-inter", "path_length", 3, under_root("Root P1", 1, 2))
    yield Recipe("path-length/anchor-0-direct-leaf", None, None, under_root("Root P0", 0, 0))
    yield Recipe("path-length/anchor-1-with-1-inter", None, None, under_root("Root P1", 1, 1))

    def self_issued(f):
        # RFC 5280 §6.1.4 (l): a self-issued certificate does not count against pathLenConstraint.
        top = f.ca("self issued top", f.root(), pathlen=0, key=f.k4096)
        rollover = f.ca("self issued rollover", top, subject=top.name, key=f.k2048)
        return standard(f, [rollover, top], f.leaf("after rollover", rollover))
    yield Recipe("path-length/self-issued-not-counted", None, None, self_issued)


def _key_usage():
    for purpose in ("server", "client"):
        for name, ku in (("crl-sign-only", KeyUsage(crl_sign=True)),
                         ("digital-signature-only", KeyUsage(digital_signature=True))):
            for n, level in ((1, 1), (2, 2)):
                yield Recipe(f"key-usage/ca-{name}/L{level}-of-{n}/{purpose}", "key_usage", level,
                             bad_ca(f"ku {name} {level} {n} {purpose}", level, n, purpose=purpose, ku=ku))
    leaf_cases = (("server", "non-repudiation", KeyUsage(non_repudiation=True), "key_usage"),
                  ("server", "data-encipherment", KeyUsage(data_encipherment=True), "key_usage"),
                  ("client", "key-encipherment", KeyUsage(key_encipherment=True), "key_usage"),
                  ("client", "non-repudiation", KeyUsage(non_repudiation=True), "key_usage"),
                  ("server", "digital-signature", KeyUsage(digital_signature=True), None),
                  ("server", "key-encipherment", KeyUsage(key_encipherment=True), None),
                  ("client", "digital-signature-and-more", SERVER_KU, None),
                  ("server", "absent", None, None), ("client", "absent", None, None),
                  (None, "non-repudiation", KeyUsage(non_repudiation=True), None),
                  # §4.2.1.3: keyCertSign needs cA; here basicConstraints says cA FALSE.
                  ("server", "key-cert-sign", KeyUsage(digital_signature=True, key_cert_sign=True),
                   "key_usage"))
    for purpose, name, ku, expected in leaf_cases:
        yield Recipe(f"key-usage/leaf-{name}/{purpose or 'any'}", expected, None if expected is None else 0,
                     simple(f"leaf ku {name} {purpose}", purpose=purpose, ku=ku))
    # x509core refuses RSA keys under 2048 bits; OpenSSL does at -auth_level 2 (112-bit security).
    yield Recipe("key-usage/leaf-rsa-1025-key", "weak_key", 0,
                 lambda f: simple("weak key", key=private_key(RSA_1025), flags=("-auth_level", "2"))(f))
    yield Recipe("key-usage/ca-without-key-usage", None, None,
                 bad_ca("ca no ku", 1, 1, ku=None),
                 Difference("RFC 5280 §6.1.4 (n) checks keyCertSign only when keyUsage is present; "
                            "-x509_strict also applies the issuing rule that CA certificates "
                            "MUST carry keyUsage (§4.2.1.3)", 92, 1))


def _eku():
    code_signing = ExtendedKeyUsage((oids.OID_CODE_SIGNING,))
    cases = (("server", "client-only", CLIENT_EKU, "eku"), ("client", "server-only", SERVER_EKU, "eku"),
             ("server", "code-signing", code_signing, "eku"), ("client", "code-signing", code_signing, "eku"),
             ("client", "email-and-time-stamping",
              ExtendedKeyUsage((oids.OID_EMAIL_PROTECTION, oids.OID_TIME_STAMPING)), "eku"),
             ("server", "both", BOTH_EKU, None), ("client", "both", BOTH_EKU, None),
             ("server", "absent", None, None), ("client", "absent", None, None),
             (None, "code-signing", code_signing, None))
    for purpose, name, eku, expected in cases:
        for n in (1, 2):
            yield Recipe(f"eku/leaf-{name}/{n}-inter/{purpose or 'any'}", expected,
                         None if expected is None else 0,
                         simple(f"eku {name} {n} {purpose}", n, purpose=purpose, eku=eku))
    # RFC 5280 leaves a CA's extKeyUsage alone; x509core, like OpenSSL (and the CA/B BRs), reads
    # it as a limit on the purposes of the certificates under that CA.
    yield Recipe("eku/ca-server-only/server", None, None, bad_ca("ca eku server", 1, 1, eku=SERVER_EKU))
    yield Recipe("eku/ca-both/client", None, None, bad_ca("ca eku both", 1, 1, eku=BOTH_EKU, purpose="client"))
    yield Recipe("eku/ca-server-only/client", "eku", 1,
                 bad_ca("ca eku server client", 1, 1, eku=SERVER_EKU, purpose="client"))
    yield Recipe("eku/ca-code-signing/L2-of-2/server", "eku", 2,
                 bad_ca("ca eku code", 2, 2, eku=code_signing))
    any_eku = ExtendedKeyUsage((oids.OID_ANY_EXTENDED_KEY_USAGE,))
    # The server purpose follows the web PKI profile (the CA/B BRs forbid anyExtendedKeyUsage in
    # a server certificate), so both refuse it there.
    yield Recipe("eku/leaf-any-only/server", "eku", 0, simple("eku any server", eku=any_eku))
    yield Recipe("eku/leaf-any-only/client", None, None,
                 simple("eku any client", purpose="client", eku=any_eku),
                 Difference("RFC 5280 §4.2.1.12: anyExtendedKeyUsage allows any purpose (refusing "
                            "it is a MAY); OpenSSL's purpose check wants id-kp-clientAuth itself",
                            26, 0))


def _critical():
    unknown = (UnrecognizedExtension(UNKNOWN_OID, b"\x05\x00"), True)
    not_critical = (UnrecognizedExtension(UNKNOWN_OID, b"\x05\x00"), False)
    for purpose in ("server", "client", None):
        for n in (0, 1, 2):
            yield Recipe(f"critical/leaf-unknown/{n}-inter/{purpose or 'any'}",
                         "unknown_critical_extension", 0,
                         simple(f"crit {n} {purpose}", n, purpose=purpose, extra=(unknown,)))
        yield Recipe(f"critical/leaf-unknown-not-critical/{purpose or 'any'}", None, None,
                     simple(f"not crit {purpose}", purpose=purpose, extra=(not_critical,)))
    for n, level in ((1, 1), (2, 1), (2, 2), (3, 2)):
        yield Recipe(f"critical/ca-unknown/L{level}-of-{n}", "unknown_critical_extension", level,
                     bad_ca(f"ca crit {level} {n}", level, n, extra=(unknown,)))
    dp = CRLDistributionPoints((DistributionPoint(DistributionPointName(
        full_name=(UniformResourceIdentifier("http://crl.example.org/a.crl"),))),))
    yield Recipe("critical/leaf-crl-distribution-points", None, None,
                 simple("crit crldp", extra=((dp, True),)))
    yield Recipe("critical/ca-unknown-not-critical", None, None,
                 bad_ca("ca not crit", 1, 1, extra=(not_critical,)))


def _revocation():
    def leaf_revoked(n, reason, revoke=True, flags=("-crl_check",)):
        def make(f):
            fields = simple(f"crl {n} {reason} {revoke}", n)(f)
            issuer = f.path(n)[0] if n else f.root()
            other = f.leaf(f"crl other {n} {reason}", issuer)
            crl = f.crl(issuer, *((fields["leaf"], other) if revoke else (other,)), reason=reason)
            return {**fields, "crls": (crl,), "openssl_flags": flags}
        return make
    for n in (0, 1, 2):
        for reason in (None, "keyCompromise", "superseded"):
            yield Recipe(f"revocation/leaf-revoked/{n}-inter/{reason or 'no-reason'}", "revoked", 0,
                         leaf_revoked(n, reason))
        yield Recipe(f"revocation/leaf-not-listed/{n}-inter", None, None,
                     leaf_revoked(n, None, revoke=False))

    def ca_revoked(revoke):
        def make(f):
            fields = simple(f"crl ca {revoke}", 1)(f)
            [issuer] = f.path(1)
            crls = (f.crl(f.root(), *((issuer.cert,) if revoke else ())) if revoke
                    else f.crl(f.root(), f.path(2)[0].cert), f.crl(issuer))
            return {**fields, "crls": crls, "openssl_flags": ("-crl_check_all",)}
        return make
    def unusable(label, crl_of):
        def make(f):
            fields = simple(label, 1)(f)
            return {**fields, "crls": (crl_of(f),), "openssl_flags": ("-crl_check",)}
        return make
    # RFC 5280 §6.3.3: CRLs were given, but none that is usable covers the leaf.
    yield Recipe("revocation/leaf-issuer-crl-missing", "crl", 0,
                 unusable("crl missing", lambda f: f.crl(f.root())))
    yield Recipe("revocation/leaf-issuer-crl-expired", "crl", 0,
                 unusable("crl expired", lambda f: f.crl(f.path(1)[0], at=T0 - timedelta(days=60))))
    yield Recipe("revocation/ca-revoked", "revoked", 1, ca_revoked(True))
    yield Recipe("revocation/all-checked-none-revoked", None, None, ca_revoked(False))


def _name_constraints():
    from x509core.cert.names.general_name import DirectoryName
    def nc(permitted=(), excluded=()):
        value = NameConstraints(tuple(GeneralSubtree(g) for g in permitted) or None,
                                tuple(GeneralSubtree(g) for g in excluded) or None)
        return ((value, True),)
    org = DNSName("example.org")
    net = IPAddress(ipaddress.ip_network("10.0.0.0/8"))
    directory = DirectoryName(Name.build([("O", "x509core differential")]))
    cases = (("permitted-dns-inside", nc([org]), ("pacs.example.org",), None, None),
             ("permitted-dns-outside", nc([org]), ("pacs.example.com",), "name_constraints", 0),
             ("permitted-dns-one-outside", nc([org]), ("pacs.example.org", "pacs.example.net"),
              "name_constraints", 0),
             ("excluded-dns", nc(excluded=[DNSName("bad.example.org")]), ("bad.example.org",),
              "name_constraints", 0),
             ("excluded-dns-other", nc(excluded=[DNSName("bad.example.org")]), ("pacs.example.org",),
              None, None),
             ("permitted-ip-inside", nc([org, net]), ("pacs.example.org", "10.1.2.3"), None, None),
             ("permitted-ip-outside", nc([org, net]), ("pacs.example.org", "192.168.1.1"),
              "name_constraints", 0),
             ("excluded-ip", nc(excluded=[net]), ("10.1.2.3",), "name_constraints", 0),
             ("permitted-directory-inside", nc([directory]), ("pacs.example.org",), None, None))
    for name, extra, san, expected, depth in cases:
        for n in (1, 2):
            yield Recipe(f"name-constraints/{name}/{n}-inter", expected, depth,
                         bad_ca(f"nc {name} {n}", n, n, extra=extra,
                                leaf_kwargs={"san": san}))
    yield Recipe("name-constraints/permitted-directory-outside", "name_constraints", 0,
                 bad_ca("nc dir out", 1, 1, extra=nc([directory]), leaf_kwargs={
                     "subject": Name.build([("O", "elsewhere"), ("CN", "leaf nc dir")])}))


def _depth():
    for n, max_depth, expected, depth in ((2, 0, "depth", 1), (2, 1, "depth", 2), (3, 2, "depth", 3),
                                          (2, 2, None, None), (1, 1, None, None), (0, 0, None, None)):
        def make(f, n=n, max_depth=max_depth):
            return {**simple(f"depth {n} {max_depth}", n)(f), "max_depth": max_depth,
                    "openssl_flags": ("-verify_depth", str(max_depth))}
        yield Recipe(f"depth/{n}-inter-max-{max_depth}", expected, depth, make)


def _anchors():
    """The trust anchor's own fields. RFC 5280 §6.1.1 (d) takes only the anchor's name and key,
    but x509core, like OpenSSL, also checks a root certificate's validity and critical
    extensions (stricter than the RFC, so these agree with OpenSSL)."""
    expired = (datetime(2010, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC))
    unknown = (UnrecognizedExtension(UNKNOWN_OID, b"\x05\x00"), True)
    yield Recipe("anchor/expired", "expired", 2, _root_variant("expired root", validity=expired))
    yield Recipe("anchor/unknown-critical-extension", "unknown_critical_extension", 2,
                 _root_variant("critical root", extra=(unknown,)))


def _all_recipes() -> list[Recipe]:
    groups = (_valid_grid, _hostnames, _times, _signatures, _issuers, _not_ca, _path_length,
              _key_usage, _eku, _critical, _revocation, _name_constraints, _depth, _anchors)
    return [recipe for group in groups for recipe in group()]


def recipes() -> list[Recipe]:
    """Every recipe, in a fixed order; names are unique."""
    found = _all_recipes()
    names = [r.name for r in found]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise AssertionError(f"duplicate recipe names: {duplicates}")
    return found
