"""The checks RFC 5280 §6.1 makes on each certificate of a path, one function per concern.

Every check raises :class:`~x509core.errors.PathValidationError` with a category (see
:mod:`x509core.cert.validation.verify`), the depth of the certificate (0 = leaf) and the clause. What each
check defends against:

- validity (RFC 5280 §6.1.3 (a)(2), §4.1.2.5): a stolen key of an expired certificate, or a
  certificate used before its time. Both bounds are inclusive; ``at`` is cut to whole seconds,
  the precision of the certificate's times.
- the extensions as such (unknown critical ones, duplicates, malformed values, fixed critical
  flags): :mod:`x509core.cert.validation.extension_checks`.
- basicConstraints cA and keyUsage keyCertSign for every issuer (RFC 5280 §6.1.4 (k), (n)):
  an end-entity key used to sign certificates.
- pathLenConstraint, counting only certificates that are not self-issued (RFC 5280 §6.1.4 (l),
  (m)): a subordinate CA minting further CAs it was not allowed to.
- keyUsage / basicConstraints consistency (RFC 5280 §4.2.1.3, §4.2.1.9) and the subject of a CA
  (RFC 5280 §4.1.2.6) and issuer (§4.1.2.4) being non-empty.
- extKeyUsage for the purpose (RFC 5280 §4.2.1.12) on the leaf and, where present, on the CAs
  (as OpenSSL, Go and webpki do: a CA limited to e-mail cannot vouch for a web server).
- keyUsage of the leaf fit for TLS (RFC 5280 §4.2.1.3; the bits OpenSSL's ``sslserver`` and
  ``sslclient`` purposes accept).
- keys, by an :class:`AlgorithmPolicy`: RSA below 2048 bits is refused by default (NIST SP
  800-131A; OpenSSL's security level 2 does the same); a key that breaks RFC 8017 §3.1 (an even
  or tiny exponent), or the work bounds of ``x509core.rsa.key`` (a modulus above 16384 bits, an
  exponent above 64 bits with a modulus above 3072), is refused before any signature is
  computed with it. EC keys are accepted on the policy's ``allowed_curves`` (P-256, P-384 and
  P-521 by default: the curves of FIPS 186-5 / SP 800-186 that x509core implements); every EC
  key was validated as a point of its curve when it was read (SP 800-56A Rev. 3 §5.6.2.3.3), so
  an invalid point is an unreadable key, refused as ``invalid_key``. An EC key on a curve
  x509core does not implement is refused as ``unsupported_algorithm`` when it must check a
  signature. The CA/Browser Forum Baseline Requirements rules of ``webpki`` apply when
  ``purpose="server"`` (the web PKI profile).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from x509core.cert import oids
from x509core.cert.public_key import UnreadablePublicKey
from x509core.cert.validation.memo import remembered, subject_text
from x509core.ec.curves import CURVES
from x509core.ec.key import ECPublicKey
from x509core.errors import InvalidValue, PathValidationError
from x509core.rsa.key import RSAPublicKey

__all__ = ["AlgorithmPolicy", "Context", "refuse", "check_validity", "check_profile",
           "check_issuer", "check_purpose", "check_key", "is_ca", "name_key", "self_issued",
           "signature_cost"]

_EMPTY_NAME = b"\x30\x00"
_TLS_KEY_USAGE = {  # purpose -> keyUsage bits that allow it (OpenSSL v3_purp.c)
    oids.OID_SERVER_AUTH: ("digital_signature", "key_encipherment", "key_agreement"),
    oids.OID_CLIENT_AUTH: ("digital_signature", "key_agreement"),
}


@dataclass(frozen=True, slots=True)
class AlgorithmPolicy:
    """What keys and signature hashes a verification accepts: policy, not parsing (a
    certificate with a 1024-bit key reads; this decides whether it is used).

    ``min_rsa_bits``: the smallest RSA modulus (2048: NIST SP 800-131A, OpenSSL security level
    2). ``allowed_curves``: the NIST names of the curves whose EC keys are accepted (P-256,
    P-384, P-521 by default; each at least the 128-bit security of SP 800-57 Part 1 Table 2).
    ``weak_hashes``: hashes whose RSA and ECDSA signatures are refused (SHA-1 and MD5:
    chosen-prefix collisions forge certificates, SHAttered 2017, Shambles 2020).
    """

    min_rsa_bits: int = 2048
    weak_hashes: frozenset = frozenset({"md5", "sha1"})
    allowed_curves: frozenset = frozenset({"P-256", "P-384", "P-521"})

    def __post_init__(self) -> None:
        if isinstance(self.min_rsa_bits, bool) or not isinstance(self.min_rsa_bits, int):
            raise TypeError("min_rsa_bits must be an int")
        object.__setattr__(self, "weak_hashes", frozenset(self.weak_hashes))
        if isinstance(self.allowed_curves, str):
            raise TypeError('allowed_curves must be a collection of names such as "P-256"')
        curves = frozenset(self.allowed_curves)
        unknown = curves - {curve.nist_name for curve in CURVES.values()}
        if unknown:
            raise InvalidValue(f"unknown curves {sorted(unknown)}: x509core implements "
                               f"{', '.join(curve.nist_name for curve in CURVES.values())}")
        object.__setattr__(self, "allowed_curves", curves)


@dataclass(slots=True)
class Context:
    """What one verification needs everywhere: its inputs and its work budget.

    ``signature_budget`` is counted in units of one RSA-4096 verification with e = 65537 (see
    :func:`signature_cost`), so a bundle of huge keys exhausts it as fast as it costs work."""

    at: datetime
    purpose: str | None                 # a key purpose OID, or None for any
    web_pki: bool                        # purpose "server": CA/Browser Forum profile
    max_depth: int
    algorithms: AlgorithmPolicy = AlgorithmPolicy()
    signature_budget: int = 200
    candidate_budget: int = 1000
    nc_budget: int = 1 << 18
    signature_cache: dict = field(default_factory=dict)
    nc_groups: dict = field(default_factory=dict)      # a CA's subtrees by form, once per call


def refuse(category: str, reason: str, rule: str, depth: int | None, cert=None) -> PathValidationError:
    """The error for a refusal of ``cert`` at ``depth``."""
    subject = None if cert is None else (subject_text(cert) or "empty subject")
    return PathValidationError(reason, depth=depth, rule=rule, subject=subject, category=category)


def name_key(name) -> tuple:
    """``name.comparison_key()`` (RFC 5280 §7.1), which each Name computes once and keeps: no
    global cache, so no hostile name outlives the certificate that carried it."""
    return name.comparison_key()


def self_issued(cert) -> bool:
    """Subject and issuer match (RFC 5280 §6.1), with the cached comparison keys. Names of
    different numbers of RDNs never match (§7.1), so their keys are not computed."""
    subject, issuer = cert.subject, cert.issuer
    if subject.raw == issuer.raw:
        return True
    return len(subject.rdns) == len(issuer.rdns) and name_key(subject) == name_key(issuer)


def is_ca(cert) -> bool:
    bc = cert.basic_constraints
    return bc is not None and bc.ca


def check_validity(cert, depth: int, ctx: Context) -> None:
    """RFC 5280 §6.1.3 (a)(2): "The certificate validity period includes the current time"."""
    if ctx.at < cert.not_valid_before:
        raise refuse("not_yet_valid", f"not valid before {cert.not_valid_before:%Y-%m-%d %H:%M:%S}Z",
                     "RFC 5280 §6.1.3 (a)(2)", depth, cert)
    if ctx.at > cert.not_valid_after:
        raise refuse("expired", f"expired at {cert.not_valid_after:%Y-%m-%d %H:%M:%S}Z",
                     "RFC 5280 §6.1.3 (a)(2)", depth, cert)


def _check_names(cert, depth: int, ca: bool) -> None:
    if cert.raw_issuer == _EMPTY_NAME:
        raise refuse("profile", "empty issuer name", "RFC 5280 §4.1.2.4", depth, cert)
    if cert.raw_subject == _EMPTY_NAME:
        san = cert.extension(oids.OID_SUBJECT_ALT_NAME)
        if ca:
            raise refuse("profile", "a CA certificate with an empty subject", "RFC 5280 §4.1.2.6",
                         depth, cert)
        if san is None or not san.critical:
            # RFC 5280 §4.2.1.6: with an empty subject "the subjectAltName extension MUST be
            # present and MUST be marked critical".
            raise refuse("profile", "empty subject without a critical subjectAltName",
                         "RFC 5280 §4.2.1.6", depth, cert)


def _check_ca_flags(cert, depth: int, ca: bool) -> None:
    ku = cert.key_usage
    if ku is not None and ku.key_cert_sign and not ca:
        # RFC 5280 §4.2.1.3: "If the keyCertSign bit is asserted, then the cA bit in the basic
        # constraints extension MUST also be asserted."
        raise refuse("key_usage", "keyCertSign without basicConstraints cA", "RFC 5280 §4.2.1.3",
                     depth, cert)
    if ca and ku is not None and not ku.key_cert_sign:
        # RFC 5280 §4.2.1.9: the cA boolean "indicates whether the certified public key may be
        # used to verify certificate signatures"; keyUsage must then allow it (§4.2.1.3).
        raise refuse("key_usage", "basicConstraints cA without keyUsage keyCertSign",
                     "RFC 5280 §4.2.1.9", depth, cert)
    if ca and not cert.extension(oids.OID_BASIC_CONSTRAINTS).critical:
        raise refuse("profile", "basicConstraints of a CA MUST be critical", "RFC 5280 §4.2.1.9",
                     depth, cert)
    if not ca and cert.extension(oids.OID_NAME_CONSTRAINTS) is not None:
        # RFC 5280 §4.2.1.10: "MUST be used only in a CA certificate".
        raise refuse("profile", "nameConstraints in a certificate that is not a CA",
                     "RFC 5280 §4.2.1.10", depth, cert)


def _check_serial(cert, depth: int) -> None:
    serial = cert.serial_number
    # RFC 5280 §4.1.2.2: "The serial number MUST be a positive integer"; "Conforming CAs MUST
    # NOT use serialNumber values longer than 20 octets."
    if serial <= 0 or (serial.bit_length() + 8) // 8 > 20:
        raise refuse("profile", "serial number not a positive integer of at most 20 octets",
                     "RFC 5280 §4.1.2.2", depth, cert)


def check_profile(cert, depth: int, ctx: Context, *, anchor: bool = False) -> None:
    """Profile rules on one certificate, whatever its place: a function of the certificate, of
    whether the web PKI profile applies, and of whether it is a trust anchor or the leaf, so
    :func:`remembered` under those three flags."""
    leaf = depth == 0
    remembered(cert, ("profile", ctx.web_pki, anchor, leaf),
               lambda: _check_profile(cert, depth, ctx.web_pki, anchor, leaf), depth)


def _check_profile(cert, depth: int, web_pki: bool, anchor: bool, leaf: bool) -> None:
    ca = is_ca(cert)
    _check_names(cert, depth, ca)
    _check_ca_flags(cert, depth, ca)
    if not anchor:
        # Deviation: trust anchors are exempt; roots with serial 0 are still in trust stores.
        _check_serial(cert, depth)
    if web_pki:
        webpki.check_web_pki(cert, depth, anchor=anchor, leaf=leaf)


def check_key(cert, depth: int, ctx: Context) -> None:
    """A usable key (RFC 8017 §3.1, the work bounds) of the policy's size; the web PKI also
    wants an RSA modulus of a multiple of 8 bits (CA/B BR §6.1.5). Whether the key is usable at
    all is a function of the certificate alone, so :func:`remembered`; the policy is not."""
    remembered(cert, ("key",), lambda: _check_key_usable(cert, depth), depth)
    key = cert.public_key
    if isinstance(key, RSAPublicKey):
        bits = key.n.bit_length()
        if bits < ctx.algorithms.min_rsa_bits:
            raise refuse("weak_key", f"RSA key of {bits} bits (at least "
                         f"{ctx.algorithms.min_rsa_bits} required)",
                         "NIST SP 800-131A; CA/B BR §6.1.5", depth, cert)
        if ctx.web_pki and bits % 8:
            raise refuse("weak_key", f"RSA key of {bits} bits, not a multiple of 8",
                         "CA/B BR §6.1.5", depth, cert)
    elif isinstance(key, ECPublicKey):
        if key.curve.nist_name not in ctx.algorithms.allowed_curves:
            raise refuse("weak_key", f"EC key on {key.curve.nist_name}, which the algorithm "
                         "policy does not allow", "x509core AlgorithmPolicy.allowed_curves",
                         depth, cert)
    if ctx.web_pki and depth == 0 and not isinstance(key, RSAPublicKey):
        webpki.check_leaf_key(cert)


def _check_key_usable(cert, depth: int) -> None:
    key = cert.public_key
    if isinstance(key, UnreadablePublicKey):
        raise refuse("invalid_key", f"the public key does not read: {key.error}",
                     "RFC 5280 §4.1.2.7", depth, cert)
    if isinstance(key, RSAPublicKey):
        problem = key.problem
        if problem is not None:
            raise refuse("invalid_key", problem, "RFC 8017 §3.1; x509core.rsa.key bounds", depth, cert)


def _eku_allows(cert, purpose: str | None) -> bool:
    eku = cert.extended_key_usage
    if eku is None or purpose is None:
        return True
    return purpose in eku.key_purposes or oids.OID_ANY_EXTENDED_KEY_USAGE in eku.key_purposes


def check_issuer(cert, depth: int, ctx: Context, under: list) -> None:
    """The issuer at ``depth`` may sign the CA certificates ``under`` it, of which those not
    self-issued count against its pathLenConstraint (RFC 5280 §6.1.4 (k), (l), (m), (n))."""
    bc = cert.basic_constraints
    if bc is None or not bc.ca:
        # RFC 5280 §6.1.4 (k): "verify that the basicConstraints extension is present and that
        # cA is set to TRUE."
        raise refuse("not_ca", "issuer is not a CA (basicConstraints cA absent or FALSE)",
                     "RFC 5280 §6.1.4 (k)", depth, cert)
    ku = cert.key_usage
    if ku is not None and not ku.key_cert_sign:
        raise refuse("key_usage", "issuer keyUsage lacks keyCertSign", "RFC 5280 §6.1.4 (n)",
                     depth, cert)
    below = 0 if bc.path_len_constraint is None else sum(1 for c in under if not self_issued(c))
    if bc.path_len_constraint is not None and below > bc.path_len_constraint:
        raise refuse("path_length", f"pathLenConstraint {bc.path_len_constraint} exceeded by "
                     f"{below} intermediate CA certificates", "RFC 5280 §6.1.4 (l), (m)", depth, cert)
    if not _eku_allows(cert, ctx.purpose):
        raise refuse("eku", f"issuer extKeyUsage does not allow {ctx.purpose}",
                     "RFC 5280 §4.2.1.12", depth, cert)


def check_purpose(cert, ctx: Context) -> None:
    """The leaf's extKeyUsage and keyUsage fit the purpose (RFC 5280 §4.2.1.12, §4.2.1.3)."""
    if not _eku_allows(cert, ctx.purpose):
        # RFC 5280 §4.2.1.12: "the certificate MUST only be used for one of the purposes
        # indicated".
        raise refuse("eku", f"extKeyUsage does not allow {ctx.purpose}", "RFC 5280 §4.2.1.12",
                     0, cert)
    bits = _TLS_KEY_USAGE.get(ctx.purpose)
    ku = cert.key_usage
    if bits and ku is not None and not any(getattr(ku, bit) for bit in bits):
        raise refuse("key_usage", f"keyUsage allows none of {', '.join(bits)}",
                     "RFC 5280 §4.2.1.3", 0, cert)


# ECDSA verification, in units of an RSA-4096 verification with e = 65537, from the gmpy2
# figures of benchmarks/RESULTS.md (ec_verify against verify: about 0.8, 0.9 and 1.7 ms against
# 0.1 ms; pure Python's ratios are smaller, 3 to 9).
_EC_COST = {"P-256": 8, "P-384": 10, "P-521": 19}


def signature_cost(public_key) -> int:
    """What verifying one signature with ``public_key`` costs, in units of an RSA-4096
    verification with e = 65537: for RSA about (bits of n / 4096)^2 x (bits of e / 17), at
    least 1; for ECDSA a fixed cost per curve (:data:`_EC_COST`). Other keys count 1 (no
    signature is computed with them)."""
    if isinstance(public_key, ECPublicKey):
        return _EC_COST[public_key.curve.nist_name]
    if not isinstance(public_key, RSAPublicKey):
        return 1
    n_bits, e_bits = public_key.n.bit_length(), max(public_key.e.bit_length(), 2)
    return max(1, -(-n_bits * n_bits * e_bits // (4096 * 4096 * 17)))


# webpki imports refuse and self_issued from this module, so it is imported once they exist
# (here, at the end) rather than at the top, and not inside the checks on every call.
from x509core.cert.validation import webpki  # noqa: E402
