"""The checks path validation makes on a certificate's extensions as such, whatever they say.

Each raises :class:`~x509core.errors.PathValidationError` through
:func:`~x509core.cert.validation.checks.refuse`, with the depth of the certificate and the clause.
What each check defends against:

- unknown critical extensions (RFC 5280 §4.2, §6.1.4 (o)): a constraint the issuer imposed that
  we would otherwise silently ignore.
- duplicate extensions and malformed values of the extensions this validator reads (RFC 5280
  §4.2; the parser keeps them as findings): two readers could disagree on which instance or
  what value applies, so the certificate is refused rather than read one way here.
- criticality MUSTs (RFC 5280 §4.2.1.1, §4.2.1.2, §4.2.1.9, §4.2.1.11, §4.2.1.14, §4.2.2.1,
  §4.2.2.2): malformed issuance that other validators read differently.

These outcomes are a function of the certificate alone, so :func:`check_extensions` keeps them
on it (:func:`~x509core.cert.validation.memo.remembered`).
"""

from __future__ import annotations

from x509core.cert import oids
from x509core.cert.extensions import MalformedExtension, UnrecognizedExtension
from x509core.cert.validation.checks import refuse
from x509core.cert.validation.memo import remembered
from x509core.errors import NonCanonicalEncoding

__all__ = ["check_extensions", "usable_value"]

# Extensions whose meaning this validator processes (or, for the machine binding, that the
# medical-imaging policy reads); any other critical extension refuses the certificate.
_HANDLED = frozenset({
    oids.OID_BASIC_CONSTRAINTS, oids.OID_KEY_USAGE, oids.OID_EXTENDED_KEY_USAGE,
    oids.OID_SUBJECT_ALT_NAME, oids.OID_ISSUER_ALT_NAME, oids.OID_NAME_CONSTRAINTS,
    oids.OID_CERTIFICATE_POLICIES, oids.OID_POLICY_MAPPINGS, oids.OID_POLICY_CONSTRAINTS,
    oids.OID_INHIBIT_ANY_POLICY, oids.OID_AUTHORITY_KEY_IDENTIFIER,
    oids.OID_SUBJECT_KEY_IDENTIFIER, oids.OID_CRL_DISTRIBUTION_POINTS, oids.OID_FRESHEST_CRL,
    oids.OID_AUTHORITY_INFO_ACCESS, oids.OID_SUBJECT_INFO_ACCESS,
    oids.OID_MACHINE_IDENTITY, oids.OID_MAC_ADDRESS})

# extnID -> (required critical flag, clause) for the MUSTs of RFC 5280 on conforming CAs.
_CRITICALITY = {
    oids.OID_AUTHORITY_KEY_IDENTIFIER: (False, "RFC 5280 §4.2.1.1"),
    oids.OID_SUBJECT_KEY_IDENTIFIER: (False, "RFC 5280 §4.2.1.2"),
    oids.OID_POLICY_CONSTRAINTS: (True, "RFC 5280 §4.2.1.11"),
    oids.OID_INHIBIT_ANY_POLICY: (True, "RFC 5280 §4.2.1.14"),
    oids.OID_FRESHEST_CRL: (False, "RFC 5280 §4.2.1.15"),
    oids.OID_AUTHORITY_INFO_ACCESS: (False, "RFC 5280 §4.2.2.1"),
    oids.OID_SUBJECT_INFO_ACCESS: (False, "RFC 5280 §4.2.2.2"),
}
# Deviation: RFC 5280 §4.2.1.10 says CAs MUST mark nameConstraints critical; a non-critical one
# is still enforced here (as webpki, Go and OpenSSL do), rather than refusing the chain.


def usable_value(cert, oid: str):
    """The value of extension ``oid``, or None when it is absent, repeated or malformed: for
    ranking candidates before :func:`check_extensions` has refused such a certificate."""
    ext = cert.extension(oid)
    if ext is None or isinstance(ext.value, MalformedExtension):
        return None
    if len(cert.extension_oids()) != len(cert.extensions) and \
            sum(1 for e in cert.extensions if e.oid == oid) > 1:
        return None
    return ext.value


def _extension_index(path: tuple) -> int | None:
    """The index of the extension a finding's path leads into, or None."""
    for before, after in zip(path, path[1:]):
        if before == "extensions" and after.startswith("[") and after.endswith("]"):
            return int(after[1:-1])
    return None


def _meaningful_findings(cert):
    """(extension, finding) for each error-level finding inside an extension's value that
    changes what a relying party reads: not a departure from DER's canonical form (X.690 §11,
    NonCanonicalEncoding: the value is the same), nor one in policy qualifiers (informational,
    RFC 5280 §4.2.1.4)."""
    for finding in getattr(cert, "findings", ()):
        if finding.severity != "error" or issubclass(finding.error, NonCanonicalEncoding) \
                or "policyQualifiers" in finding.path:
            continue
        index = _extension_index(finding.path)
        if index is not None and index < len(cert.extensions):
            yield cert.extensions[index], finding


def _check_well_formed(cert, depth: int) -> None:
    for ext, finding in _meaningful_findings(cert):
        if ext.critical or ext.oid in _HANDLED:
            raise refuse("malformed_extension", f"extension {ext.oid}: {finding.message}",
                         finding.clause or "RFC 5280 §4.2", depth, cert)
    seen = set()
    for ext in cert.extensions:
        if ext.oid in seen:
            # RFC 5280 §4.2: "A certificate MUST NOT include more than one instance of a
            # particular extension." Which one would apply?
            raise refuse("malformed_extension", f"extension {ext.oid} appears more than once",
                         "RFC 5280 §4.2", depth, cert)
        seen.add(ext.oid)
        if isinstance(ext.value, MalformedExtension) and (ext.critical or ext.oid in _HANDLED):
            raise refuse("malformed_extension", f"extension {ext.oid} is malformed: {ext.value.error}",
                         "RFC 5280 §4.1, §4.2", depth, cert)


def check_extensions(cert, depth: int) -> None:
    """Duplicate and malformed extensions, unknown critical extensions (RFC 5280 §4.2) and the
    fixed critical flags: a function of the certificate alone, so :func:`remembered`."""
    remembered(cert, ("extensions",), lambda: _check_extensions(cert, depth), depth)


def _check_extensions(cert, depth: int) -> None:
    _check_well_formed(cert, depth)
    for ext in cert.extensions:
        if ext.critical and (isinstance(ext.value, UnrecognizedExtension) or ext.oid not in _HANDLED):
            # RFC 5280 §4.2: "A certificate-using system MUST reject the certificate if it
            # encounters a critical extension it does not recognize".
            raise refuse("unknown_critical_extension", f"unrecognised critical extension {ext.oid}",
                         "RFC 5280 §4.2", depth, cert)
        rule = _CRITICALITY.get(ext.oid)
        if rule is not None and ext.critical != rule[0]:
            flag = "critical" if rule[0] else "non-critical"
            raise refuse("profile", f"extension {ext.oid} MUST be marked {flag}", rule[1], depth, cert)
