"""Certificate path validation: :func:`verify_chain`. RFC 5280 §6, RFC 4158, RFC 9525.

``verify_chain(leaf, trust_anchors=..., at=...)`` builds a path from ``leaf`` through
``intermediates`` to one of ``trust_anchors`` and checks it at the time ``at``; it returns the
path (a :class:`VerifiedChain`, a ``list`` leaf first, anchor last) or raises
:class:`~x509core.errors.PathValidationError`. Every input is explicit: no clock, no system
trust store, no network. The work is split by concern:

==============================  ==========================================================
module                          checks
==============================  ==========================================================
``checks``                      validity, duplicate, malformed and critical extensions, CA
                                flags, pathLen, key usage, extended key usage, keys and the
                                algorithm policy (RFC 5280 §6.1.3 (a), §6.1.4)
``webpki``                      the web PKI profile for ``purpose="server"`` (CA/B BR)
``path_building``               candidate issuers, signatures, loops, depth, work budget
``name_constraints``            nameConstraints (RFC 5280 §6.1.3 (b)-(c), §4.2.1.10)
``policies``                    the certificate policy tree (RFC 5280 §6.1.3 (d)-(f))
``revocation``                  CRLs given by the caller (RFC 5280 §6.3)
``hostname``                    the peer name against subjectAltName (RFC 9525 §6.3)
``medical_imaging``             the medical-imaging policy (machine binding, organization)
==============================  ==========================================================

Order: the leaf is checked first (validity, extensions, profile, key, purpose, peer name);
then the path is built, each issuer checked as it is added; then the whole path (policies,
revocation, the medical-imaging policy). A failure while building abandons that candidate and
tries the next; the error of the deepest attempt is reported.

Every refusal carries ``category``, one of:

``expired``, ``not_yet_valid``
    the time ``at`` is outside a certificate's validity (RFC 5280 §6.1.3 (a)(2)).
``bad_signature``
    a signature does not verify with the issuer's key (§6.1.3 (a)(1)), or was made by another
    kind of key than the issuer's (an ECDSA signature and an RSA key, or the reverse).
``unsupported_algorithm``
    a signature or key algorithm x509core does not verify with: not RSA (PKCS#1 v1.5, PSS) or
    ECDSA on P-256, P-384, P-521; or an ECDSA identifier with parameters (RFC 5758 §3.2).
``weak_algorithm``
    a certificate signature (RSA or ECDSA) over a hash of the algorithm policy's
    ``weak_hashes`` (SHA-1 and MD5 by default: collisions forge certificates).
``unknown_issuer``
    no issuer of that name (and key identifier) among the anchors and intermediates.
``not_ca``
    an issuer without basicConstraints cA TRUE (§6.1.4 (k)).
``path_length``
    a pathLenConstraint exceeded (§6.1.4 (l), (m)).
``key_usage``
    keyUsage forbids the use: no keyCertSign on an issuer (§6.1.4 (n)), keyCertSign without cA
    (§4.2.1.3), or a leaf key usage unfit for the purpose.
``eku``
    extKeyUsage of the leaf or of a CA does not allow the purpose (§4.2.1.12).
``unknown_critical_extension``
    a critical extension this validator does not process (§4.2).
``malformed_extension``
    an extension that appears twice, or a malformed value of an extension this validator reads
    or of a critical one (§4.2): the parser keeps them as findings; a path never relies on them.
``profile``
    a certificate breaks an RFC 5280 MUST or (for ``purpose="server"``) a CA/B BR rule:
    criticality flags, empty names, serial numbers, key identifiers, CN not in the SAN, an
    ECDSA hash that does not go with the signing key's curve (§7.1.3.2.2).
``weak_key``
    an RSA key under the algorithm policy's ``min_rsa_bits`` (2048 by default; or, for the web
    PKI, not a multiple of 8 bits), an EC key on a curve outside its ``allowed_curves``, or (web
    PKI) a leaf key of an algorithm or curve the Baseline Requirements do not allow.
``invalid_key``
    a key no signature may be checked with: one that does not read (an EC point that is not on
    its curve, SP 800-56A Rev. 3 §5.6.2.3.3; a truncated RSAPublicKey), an RSA key that breaks
    RFC 8017 §3.1 (an even exponent, e < 3) or the work bounds of ``x509core.rsa.key`` (a
    modulus above 16384 bits, an exponent above 64 bits with a modulus above 3072 bits).
``name_mismatch``
    ``peer_name`` is not presented by the leaf's subjectAltName, or is not a valid name.
``name_constraints``
    a name outside a CA's permitted subtrees or inside its excluded ones (§6.1.3 (b), (c)).
``policy``
    no acceptable certificate policy where the CAs require one (§6.1.3 (f), §6.1.5 (g)).
``revoked``
    a usable CRL lists the certificate (§6.3.3 (i)); the reason code is in ``reason``.
``crl``
    CRLs were given but none usable covers the leaf (§6.3.3).
``machine_binding_missing``, ``machine_binding_mismatch``, ``organization``, ``issuing_ca``
    the medical-imaging policy (:mod:`x509core.cert.validation.medical_imaging`).
``depth``
    more intermediates than ``max_depth`` (8 by default; self-issued ones not counted).
``budget``
    path building or name-constraint checking gave up (a hostile bundle): 1000 candidates, 200
    units of signature work (one unit: an RSA-4096 verification; bigger keys cost more, an
    ECDSA verification 8 to 19), or 2^18 name comparisons.

Security notes for auditors: ``at`` must be timezone-aware (``TypeError`` otherwise) so a naive
local time cannot shift validity by hours; the subject CN is never used as a host name; the
signature of every certificate is checked over its exact ``raw_tbs`` bytes; signature results
and candidate counts are bounded per call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from x509core.cert import oids
from x509core.cert.certificate import Certificate
from x509core.cert.validation.hostname import matches_peer_name, parse_reference
from x509core.cert.validation.path_building import PathBuilder
from x509core.cert.validation.medical_imaging import MedicalImagingPolicy, check_medical_policy
from x509core.cert.validation.revocation import check_crls_argument, check_revocation
from x509core.cert.validation.checks import (AlgorithmPolicy, Context, check_key, check_profile,
                                             check_purpose, check_validity, refuse)
from x509core.cert.validation.extension_checks import check_extensions
from x509core.cert.validation.memo import subject_text
from x509core.cert.validation.policies import check_policies
from x509core.der import ObjectIdentifier
from x509core.errors import InvalidValue

__all__ = ["verify_chain", "VerifiedChain", "ExpiryWarning", "MedicalImagingPolicy",
           "AlgorithmPolicy", "CATEGORIES", "DEFAULT_MAX_DEPTH"]

DEFAULT_MAX_DEPTH = 8
CATEGORIES = frozenset({
    "expired", "not_yet_valid", "bad_signature", "unsupported_algorithm", "weak_algorithm",
    "unknown_issuer",
    "not_ca", "path_length", "key_usage", "eku", "unknown_critical_extension",
    "malformed_extension", "profile", "weak_key", "invalid_key", "name_mismatch", "name_constraints", "policy", "revoked", "crl",
    "machine_binding_missing", "machine_binding_mismatch", "organization", "issuing_ca",
    "depth", "budget"})
_PURPOSES = {"server": oids.OID_SERVER_AUTH, "client": oids.OID_CLIENT_AUTH}
_DEFAULT_WARNING = timedelta(days=30)
_DEFAULT_ALGORITHMS = AlgorithmPolicy()      # frozen, its sets frozensets: one serves every call


@dataclass(frozen=True)
class ExpiryWarning:
    """A certificate of an accepted chain that expires within the warning threshold."""

    depth: int
    subject: str
    not_valid_after: datetime
    remaining: timedelta

    def __str__(self) -> str:
        return (f"certificate at depth {self.depth} ({self.subject}) expires "
                f"{self.not_valid_after:%Y-%m-%d %H:%M:%S}Z, in {self.remaining.days} days")


class VerifiedChain(list):
    """The accepted path, leaf first and trust anchor last: a ``list`` of Certificates with

    - ``warnings``: a tuple of :class:`ExpiryWarning`, one per certificate that expires within
      the policy's ``expiry_warning`` (30 days without a policy), empty when none does;
    - ``expires_at``: the earliest notAfter of the chain, when the chain stops being valid.
    """

    warnings: tuple
    expires_at: datetime

    def __init__(self, certificates, warnings=()):
        super().__init__(certificates)
        self.warnings = tuple(warnings)
        self.expires_at = min(cert.not_valid_after for cert in self)


def _check_arguments(leaf, trust_anchors, intermediates, at, purpose, peer_name, max_depth, policy,
                     algorithm_policy):
    if not isinstance(leaf, Certificate):
        raise TypeError("leaf must be a Certificate")
    groups = []
    for name, value in (("trust_anchors", trust_anchors), ("intermediates", intermediates)):
        if isinstance(value, (str, bytes, Certificate)):
            raise TypeError(f"{name} must be a sequence of Certificate objects")
        value = tuple(value)
        if not all(isinstance(cert, Certificate) for cert in value):
            raise TypeError(f"{name} must hold Certificate objects")
        groups.append(value)
    if not isinstance(at, datetime):
        raise TypeError("at must be a datetime")
    if at.tzinfo is None or at.utcoffset() is None:
        raise TypeError("at must be timezone-aware (for example tzinfo=timezone.utc)")
    if peer_name is not None and not isinstance(peer_name, str):
        raise TypeError("peer_name must be a str or None")
    if max_depth is not None and (not isinstance(max_depth, int) or isinstance(max_depth, bool)):
        raise TypeError("max_depth must be an int or None")
    if max_depth is not None and max_depth < 0:
        raise InvalidValue("max_depth must be >= 0")
    if policy is not None and not isinstance(policy, MedicalImagingPolicy):
        raise TypeError("policy must be a MedicalImagingPolicy or None")
    if algorithm_policy is not None and not isinstance(algorithm_policy, AlgorithmPolicy):
        raise TypeError("algorithm_policy must be an AlgorithmPolicy or None")
    return groups


def _purpose_oid(purpose) -> str | None:
    if purpose is None:
        return None
    if not isinstance(purpose, str):
        raise TypeError('purpose must be "server", "client", a key purpose OID or None')
    return _PURPOSES.get(purpose) or ObjectIdentifier(purpose)


def _check_leaf(leaf, ctx: Context, peer_name, anchor: bool) -> None:
    check_validity(leaf, 0, ctx)
    check_extensions(leaf, 0)
    check_profile(leaf, 0, ctx, anchor=anchor)
    check_key(leaf, 0, ctx)
    if ctx.purpose is not None:
        check_purpose(leaf, ctx)
    if peer_name is not None:
        reference = parse_reference(peer_name)
        if reference is None:
            raise refuse("name_mismatch", f"peer name {peer_name!r} is neither a DNS name nor an "
                         "IP address", "RFC 9525 §6.2", 0, leaf)
        if not matches_peer_name(leaf.subject_alternative_name, reference):
            raise refuse("name_mismatch", f"the subjectAltName does not match {peer_name!r} "
                         "(the subject CN is not used)", "RFC 9525 §6.3", 0, leaf)


def _warnings(chain, at: datetime, threshold: timedelta) -> list:
    found = []
    for depth, cert in enumerate(chain):
        remaining = cert.not_valid_after - at
        if remaining <= threshold:
            found.append(ExpiryWarning(depth, subject_text(cert), cert.not_valid_after, remaining))
    return found


def verify_chain(leaf, *, trust_anchors, intermediates=(), purpose="server", at: datetime,
                 peer_name=None, crls=(), max_depth=None, policy=None,
                 algorithm_policy=None) -> VerifiedChain:
    """Build and validate a path from ``leaf`` to one of ``trust_anchors`` at time ``at``.

    ``purpose``: ``"server"`` (id-kp-serverAuth and the web PKI profile), ``"client"``
    (id-kp-clientAuth), a key purpose OID in dotted form, or None (no purpose check).
    ``peer_name``: the DNS name or IP address the caller connected to (RFC 9525).
    ``crls``: CertificateRevocationList objects; when given, the leaf must be covered.
    ``max_depth``: the most intermediates allowed, self-issued ones not counted (default 8).
    ``policy``: a :class:`MedicalImagingPolicy`. ``algorithm_policy``: an
    :class:`AlgorithmPolicy` (default: RSA of at least 2048 bits, EC on P-256, P-384 or P-521,
    no SHA-1 or MD5 signatures).
    Returns a :class:`VerifiedChain`; raises
    :class:`~x509core.errors.PathValidationError` (with ``category``) or TypeError.
    """
    anchors, inters = _check_arguments(leaf, trust_anchors, intermediates, at, purpose,
                                       peer_name, max_depth, policy, algorithm_policy)
    crls = check_crls_argument(crls)
    moment = at.astimezone(timezone.utc).replace(microsecond=0)
    purpose_oid = _purpose_oid(purpose)
    ctx = Context(at=moment, purpose=purpose_oid, web_pki=purpose_oid == oids.OID_SERVER_AUTH,
                  max_depth=DEFAULT_MAX_DEPTH if max_depth is None else max_depth,
                  algorithms=algorithm_policy or _DEFAULT_ALGORITHMS)
    is_anchor = any(anchor.raw == leaf.raw for anchor in anchors)
    _check_leaf(leaf, ctx, peer_name, is_anchor)

    def finish(path: list) -> None:
        check_policies(path)
        check_revocation(path, crls, ctx)
        if policy is not None:
            check_medical_policy(path, policy)

    if is_anchor:
        path = [leaf]
        finish(path)
    else:
        path = PathBuilder(anchors, inters, ctx, finish).build(leaf)
    threshold = _DEFAULT_WARNING if policy is None else policy.expiry_warning
    return VerifiedChain(path, _warnings(path, moment, threshold))
