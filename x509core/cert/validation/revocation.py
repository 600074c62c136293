"""Revocation from CRLs the caller supplies. RFC 5280 §6.3 (CRL validation), §5 (CRL profile).

Nothing is fetched: the caller passes the CRLs it has. When it passes any, the leaf must be
covered by a usable CRL from its issuer (like ``openssl verify -crl_check``), otherwise the
chain is refused (category ``crl``): a stale or forged CRL must not silently switch the check
off. Every other certificate of the path is checked against the usable CRLs of its issuer that
were given. A CRL is usable for a certificate when (each rule with what it defends against):

- its issuer name matches the certificate's issuer (RFC 5280 §6.3.3 (b)(1)) and its signature
  (RSA or ECDSA, over a hash the algorithm policy does not call weak) verifies with the key of
  the issuer in the path (§6.3.3 (g)): a CRL made by anyone else. Each signature checked is
  charged to the verification's work budget, as path building's are;
- that issuer's keyUsage, if present, asserts cRLSign (§6.3.3 (f)): a key allowed only to sign
  certificates being used to sign revocation data;
- thisUpdate <= at <= nextUpdate, and nextUpdate is present (§6.3.3 (a)(2), §5.1.2.5): a
  replayed old CRL that predates the revocation;
- it carries a non-critical cRLNumber (§5.2.3 MUST), no unknown critical extension and no
  deltaCRLIndicator (§5.2; delta CRLs are not supported), no indirect entries (certificateIssuer,
  §5.3.3) and no unknown critical entry extension (§5.3);
- its issuingDistributionPoint scope covers the certificate (§6.3.3 (b)(2)): onlyContainsUserCerts
  excludes CAs, onlyContainsCACerts excludes end entities, onlyContainsAttributeCerts and
  indirectCRL are out of scope, and a distribution point name must match one of the
  certificate's cRLDistributionPoints full names when both are given. A CRL limited by
  onlySomeReasons still revokes, but does not count as full coverage of the leaf.

A serial number on a usable CRL refuses the chain (category ``revoked``) with the entry's
reason code (§5.3.1), ``certificateHold`` included.
"""

from __future__ import annotations

from x509core.cert import oids
from x509core.cert.revocation.crl import CertificateRevocationList
from x509core.cert.extensions import MalformedExtension, UnrecognizedExtension
from x509core.cert.validation.checks import is_ca, refuse, signature_cost
from x509core.errors import InvalidSignature, InvalidValue, UnsupportedAlgorithm

__all__ = ["check_revocation", "check_crls_argument"]

_CRL_HANDLED = frozenset({oids.OID_CRL_NUMBER, oids.OID_AUTHORITY_KEY_IDENTIFIER,
                          oids.OID_ISSUING_DISTRIBUTION_POINT, oids.OID_ISSUER_ALT_NAME})
_ENTRY_HANDLED = frozenset({oids.OID_CRL_REASON, oids.OID_INVALIDITY_DATE})


def check_crls_argument(crls) -> tuple:
    crls = tuple(crls)
    for crl in crls:
        if not isinstance(crl, CertificateRevocationList):
            raise TypeError("crls must hold CertificateRevocationList objects")
    return crls


def _unambiguous(extensions) -> bool:
    """No extension twice and none malformed (the parser keeps both as findings)."""
    oids_seen = [ext.oid for ext in extensions]
    return len(set(oids_seen)) == len(oids_seen) and not any(
        isinstance(ext.value, MalformedExtension) for ext in extensions)


def _crl_well_formed(crl) -> bool:
    number = crl.extension(oids.OID_CRL_NUMBER)
    if number is None or number.critical:
        return False                              # RFC 5280 §5.2.3
    if not _unambiguous(crl.extensions) or not all(
            _unambiguous(entry.extensions) for entry in crl.revoked_certificates):
        return False                              # RFC 5280 §5.2, §5.3: one value, readable
    for ext in crl.extensions:
        if ext.oid == oids.OID_DELTA_CRL_INDICATOR:
            return False
        if ext.critical and (ext.oid not in _CRL_HANDLED or isinstance(ext.value, UnrecognizedExtension)):
            return False
    for entry in crl.revoked_certificates:
        for ext in entry.extensions:
            if ext.oid == oids.OID_CERTIFICATE_ISSUER:
                return False                      # indirect CRL entries: not supported
            if ext.critical and ext.oid not in _ENTRY_HANDLED:
                return False
    return True


def _full_names(point_name) -> set:
    if point_name is None or point_name.full_name is None:
        return set()
    return {gn for gn in point_name.full_name}


def _scope(crl, cert) -> str | None:
    """"full", "partial" (onlySomeReasons) or None (not in scope)."""
    ext = crl.extension(oids.OID_ISSUING_DISTRIBUTION_POINT)
    if ext is None:
        return "full"
    idp = ext.value
    if idp.indirect_crl or idp.only_contains_attribute_certs:
        return None
    ca = is_ca(cert)
    if (idp.only_contains_user_certs and ca) or (idp.only_contains_ca_certs and not ca):
        return None
    idp_names = _full_names(idp.distribution_point)
    dps = cert.extension(oids.OID_CRL_DISTRIBUTION_POINTS)
    if idp_names and dps is not None:
        cert_names = set()
        for point in dps.value.distribution_points:
            cert_names |= _full_names(point.distribution_point)
        if cert_names and not idp_names & cert_names:
            return None
    return "partial" if idp.only_some_reasons is not None else "full"


def _signature_ok(crl, issuer, ctx) -> bool:
    info = crl.signature_algorithm_info
    if info is not None and info.hash_name in ctx.algorithms.weak_hashes:
        return False
    key = (crl.raw, issuer.raw_spki)
    if key not in ctx.signature_cache:
        ctx.signature_budget -= signature_cost(issuer.public_key)
        if ctx.signature_budget < 0:
            raise refuse("budget", "gave up: too many signature checks", "RFC 4158 §3", None)
        try:
            crl.verify_signature(issuer.public_key)
            ctx.signature_cache[key] = "ok"
        except (InvalidSignature, UnsupportedAlgorithm, InvalidValue):
            ctx.signature_cache[key] = "bad_signature"
    return ctx.signature_cache[key] == "ok"


def _usable(crl, cert, issuer, ctx) -> str | None:
    if not crl.issuer.matches(cert.issuer) or not _crl_well_formed(crl):
        return None
    if crl.this_update > ctx.at or crl.next_update is None or ctx.at > crl.next_update:
        return None
    ku = issuer.key_usage
    if ku is not None and not ku.crl_sign:
        return None
    scope = _scope(crl, cert)
    if scope is None or not _signature_ok(crl, issuer, ctx):
        return None
    return scope


def check_revocation(path: list, crls: tuple, ctx) -> None:
    """Refuse ``path`` if a usable CRL revokes one of its certificates (the anchor aside)."""
    if not crls:
        return
    for depth in range(len(path) - 1):
        cert, issuer = path[depth], path[depth + 1]
        covered = False
        for crl in crls:
            scope = _usable(crl, cert, issuer, ctx)
            if scope is None:
                continue
            covered = covered or scope == "full"
            entry = crl.revoked(cert.serial_number)
            if entry is not None:
                reason = entry.reason or "unspecified"
                raise refuse("revoked", f"revoked on {entry.revocation_date:%Y-%m-%d %H:%M:%S}Z, "
                             f"reason {reason}", "RFC 5280 §6.3.3 (i)", depth, cert)
        if depth == 0 and not covered:
            raise refuse("crl", "no usable CRL from the issuer covers this certificate (issuer "
                         "name, signature, cRLSign, update times, cRLNumber, scope)",
                         "RFC 5280 §6.3.3", depth, cert)
