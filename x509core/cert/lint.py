"""A built-in linter: every finding of a certificate, CRL or CSR, with clause and byte offset.

:func:`lint` returns what the reader recorded while parsing (departures from DER and from the
encoding rules of the profile, ``der/findings.py``) and then the rules RFC 5280 sets for the CAs
that issue certificates and CRLs which only show once the whole object is read — one small
function per rule below, each citing its clause, like zlint's one lint per rule; pkilint and
zlint report the same rules without byte offsets. Each finding points at the element it is
about (the serial number, an extension, ...), found again in the object's exact bytes.

Severities: ``error`` for a MUST (or MUST NOT) of RFC 5280, ``warning`` for a SHOULD. Policy —
key sizes, hash strength, which critical extensions a relying party knows — is not linted here:
path validation decides it (``x509core.cert.validation``).
"""

from __future__ import annotations

from x509core.cert import oids
from x509core.der import Reader
from x509core.der.findings import ERROR, WARNING, Finding
from x509core.der.tags import Tag, context
from x509core.errors import X509CoreError

__all__ = ["lint", "certificate_rules", "crl_rules"]

_EMPTY_NAME = b"\x30\x00"


def lint(obj) -> tuple[Finding, ...]:
    """Every finding of ``obj`` (a Certificate, CertificateRevocationList or
    CertificateSigningRequest), in order of offset."""
    found = list(obj.findings)
    rules = _RULES.get(type(obj).__name__)
    if rules is not None:
        found.extend(rules(obj))
    return tuple(sorted(found, key=lambda f: f.offset))


# -- where things are ------------------------------------------------------------------------------

class _Places:
    """Offsets and paths of the top-level fields of a signed object, read again from its bytes."""

    def __init__(self, raw: bytes, outer: str, tbs_name: str, fields: tuple[str, ...]):
        self.fields: dict[str, tuple[int, tuple[str, ...]]] = {}
        self.extensions: list[int] = []
        try:
            tbs = Reader(raw, findings=[]).read_sequence(outer).read_sequence(tbs_name)
            for field in fields:
                if field == "version":
                    if tbs.peek_is(context(0, True)) or (outer == "certificateList" and
                                                         tbs.peek_tag() == _INTEGER):
                        tbs.read_element("version")
                    continue
                self.fields[field] = (tbs.pos, tbs.path + (field,))
                if field == "nextUpdate" and tbs.peek_tag() not in _TIMES:
                    continue
                tbs.read_element(field)
            self._find_extensions(tbs, outer)
        except X509CoreError:        # the reader read it; only a CSR or odd shapes end up here
            pass
        self.tbs_path = (outer, tbs_name)

    def _find_extensions(self, tbs: Reader, outer: str) -> None:
        number = 0 if outer == "certificateList" else 3
        while not tbs.at_end:
            if tbs.peek_is(context(number, True)):
                start = tbs.pos
                sequence = tbs.read_explicit(number, "extensions").read_sequence()
                self.fields["extensions"] = (start, tbs.path + ("extensions",))
                while not sequence.at_end:
                    self.extensions.append(sequence.pos)
                    sequence.read_element()
                return
            tbs.read_element()

    def at(self, field: str) -> tuple[int, tuple[str, ...]]:
        return self.fields.get(field, (0, self.tbs_path))

    def extension(self, index: int) -> tuple[int, tuple[str, ...]]:
        offset = self.extensions[index] if index < len(self.extensions) else self.at("extensions")[0]
        return offset, self.tbs_path + ("extensions", f"[{index}]")


_INTEGER = Tag(0, False, 2)
_TIMES = {Tag(0, False, 23), Tag(0, False, 24)}
_CERTIFICATE_FIELDS = ("version", "serialNumber", "signature", "issuer", "validity", "subject",
                       "subjectPublicKeyInfo")
_CRL_FIELDS = ("version", "signature", "issuer", "thisUpdate", "nextUpdate")


def _finding(severity: str, reason: str, clause: str, place) -> Finding:
    return Finding(severity, reason, clause, place[0], place[1])


# -- certificates ----------------------------------------------------------------------------------

# extnID -> (the flag RFC 5280 requires, severity, clause)
_CRITICALITY = {
    oids.OID_AUTHORITY_KEY_IDENTIFIER: (False, ERROR, "RFC 5280 §4.2.1.1"),
    oids.OID_SUBJECT_KEY_IDENTIFIER: (False, ERROR, "RFC 5280 §4.2.1.2"),
    oids.OID_KEY_USAGE: (True, WARNING, "RFC 5280 §4.2.1.3"),
    oids.OID_NAME_CONSTRAINTS: (True, ERROR, "RFC 5280 §4.2.1.10"),
    oids.OID_POLICY_CONSTRAINTS: (True, ERROR, "RFC 5280 §4.2.1.11"),
    oids.OID_CRL_DISTRIBUTION_POINTS: (False, WARNING, "RFC 5280 §4.2.1.13"),
    oids.OID_INHIBIT_ANY_POLICY: (True, ERROR, "RFC 5280 §4.2.1.14"),
    oids.OID_FRESHEST_CRL: (False, ERROR, "RFC 5280 §4.2.1.15"),
    oids.OID_AUTHORITY_INFO_ACCESS: (False, ERROR, "RFC 5280 §4.2.2.1"),
    oids.OID_SUBJECT_INFO_ACCESS: (False, ERROR, "RFC 5280 §4.2.2.2"),
}


def certificate_rules(cert) -> list[Finding]:
    """The RFC 5280 rules for CAs that a whole certificate shows (see the module docstring)."""
    places = _Places(cert.raw, "certificate", "tbsCertificate", _CERTIFICATE_FIELDS)
    found: list[Finding] = []
    for rule in (_serial, _validity, _names, _criticality, _key_identifiers, _ca_extensions):
        found.extend(rule(cert, places))
    return found


def _serial(cert, places) -> list[Finding]:
    serial = cert.serial_number
    # RFC 5280 §4.1.2.2: "The serial number MUST be a positive integer"; "Conforming CAs MUST NOT
    # use serialNumber values longer than 20 octets."
    if serial <= 0:
        return [_finding(ERROR, "serial number not positive", "RFC 5280 §4.1.2.2",
                         places.at("serialNumber"))]
    if (serial.bit_length() + 8) // 8 > 20:
        return [_finding(ERROR, "serial number longer than 20 octets", "RFC 5280 §4.1.2.2",
                         places.at("serialNumber"))]
    return []


def _validity(cert, places) -> list[Finding]:
    """RFC 5280 §4.1.2.5: "CAs conforming to this profile MUST always encode certificate validity
    dates through the year 2049 as UTCTime". The reader reads such a GeneralizedTime by a marked
    Deviation (trusted roots carry one); the linter reports it."""
    offset, path = places.at("validity")
    found = []
    try:
        validity = Reader(cert.raw)
        validity.pos = offset
        times = validity.read_sequence("validity")
        for field, value in (("notBefore", cert.not_valid_before), ("notAfter", cert.not_valid_after)):
            start = times.pos
            tag = times.read_element(field)[0]
            if tag.number == 24 and value.year < 2050:
                found.append(Finding(ERROR, f"{field} before 2050 written as GeneralizedTime",
                                     "RFC 5280 §4.1.2.5", start, path + (field,)))
    except X509CoreError:
        pass
    return found


def _is_ca(cert) -> bool:
    ext = cert.extension(oids.OID_BASIC_CONSTRAINTS)
    return ext is not None and getattr(ext.value, "ca", False)


def _names(cert, places) -> list[Finding]:
    found = []
    if cert.raw_issuer == _EMPTY_NAME:
        # RFC 5280 §4.1.2.4: "The issuer field MUST contain a non-empty distinguished name (DN)."
        found.append(_finding(ERROR, "empty issuer name", "RFC 5280 §4.1.2.4", places.at("issuer")))
    if cert.raw_subject == _EMPTY_NAME:
        san = cert.extension(oids.OID_SUBJECT_ALT_NAME)
        if _is_ca(cert):
            found.append(_finding(ERROR, "a CA certificate with an empty subject",
                                  "RFC 5280 §4.1.2.6", places.at("subject")))
        elif san is None or not san.critical:
            # RFC 5280 §4.2.1.6: with an empty subject "the subjectAltName extension MUST be
            # present and MUST be marked critical".
            found.append(_finding(ERROR, "empty subject without a critical subjectAltName",
                                  "RFC 5280 §4.2.1.6", places.at("subject")))
    return found


def _criticality(cert, places) -> list[Finding]:
    found = []
    for index, ext in enumerate(cert.extensions):
        rule = _CRITICALITY.get(ext.oid)
        if rule is not None and ext.critical != rule[0]:
            flag = "critical" if rule[0] else "non-critical"
            verb = "MUST" if rule[1] == ERROR else "SHOULD"
            found.append(_finding(rule[1], f"extension {ext.oid} {verb} be marked {flag}", rule[2],
                                  places.extension(index)))
    return found


def _key_identifiers(cert, places) -> list[Finding]:
    found = []
    self_signed = cert.raw_issuer == cert.raw_subject
    if cert.extension(oids.OID_AUTHORITY_KEY_IDENTIFIER) is None and not self_signed \
            and cert.version == 3:
        # RFC 5280 §4.2.1.1: "The keyIdentifier field of the authorityKeyIdentifier extension
        # MUST be included in all certificates generated by conforming CAs", self-signed aside.
        found.append(_finding(ERROR, "no authorityKeyIdentifier", "RFC 5280 §4.2.1.1",
                              places.at("extensions") if cert.extensions else places.at("subject")))
    if cert.extension(oids.OID_SUBJECT_KEY_IDENTIFIER) is None and cert.version == 3:
        # RFC 5280 §4.2.1.2: "this extension MUST appear in all conforming CA certificates"; it
        # "SHOULD be included in end entity certificates".
        ca = _is_ca(cert)
        found.append(_finding(ERROR if ca else WARNING, "no subjectKeyIdentifier",
                              "RFC 5280 §4.2.1.2",
                              places.at("extensions") if cert.extensions else places.at("subject")))
    return found


def _ca_extensions(cert, places) -> list[Finding]:
    found = []
    ca = _is_ca(cert)
    for index, ext in enumerate(cert.extensions):
        value = ext.value
        if ext.oid == oids.OID_KEY_USAGE and getattr(value, "key_cert_sign", False) and not ca:
            # RFC 5280 §4.2.1.3: "If the keyCertSign bit is asserted, then the cA bit in the
            # basic constraints extension MUST also be asserted."
            found.append(_finding(ERROR, "keyCertSign without basicConstraints cA",
                                  "RFC 5280 §4.2.1.3", places.extension(index)))
        elif ext.oid == oids.OID_BASIC_CONSTRAINTS and ca and not ext.critical:
            # RFC 5280 §4.2.1.9: CAs "MUST mark the extension as critical" in CA certificates.
            found.append(_finding(ERROR, "basicConstraints of a CA not marked critical",
                                  "RFC 5280 §4.2.1.9", places.extension(index)))
        elif ext.oid == oids.OID_NAME_CONSTRAINTS and not ca:
            # RFC 5280 §4.2.1.10: "The name constraints extension ... MUST be used only in a CA
            # certificate."
            found.append(_finding(ERROR, "nameConstraints in a certificate that is not a CA",
                                  "RFC 5280 §4.2.1.10", places.extension(index)))
    return found


# -- CRLs ------------------------------------------------------------------------------------------

def crl_rules(crl) -> list[Finding]:
    """RFC 5280 §5 rules for CRL issuers that a whole CRL shows."""
    places = _Places(crl.raw, "certificateList", "tbsCertList", _CRL_FIELDS)
    found = []
    if crl.issuer.raw == _EMPTY_NAME:
        found.append(_finding(ERROR, "empty issuer name", "RFC 5280 §5.1.2.3", places.at("issuer")))
    if crl.next_update is None:
        # RFC 5280 §5.1.2.5: "Conforming CRL issuers MUST include the nextUpdate time in all CRLs."
        found.append(_finding(ERROR, "no nextUpdate", "RFC 5280 §5.1.2.5", places.at("nextUpdate")))
    where = places.at("extensions") if crl.extensions else places.at("nextUpdate")
    if crl.extension(oids.OID_AUTHORITY_KEY_IDENTIFIER) is None:
        # RFC 5280 §5.2.1: "Conforming CRL issuers MUST use the key identifier method, and MUST
        # include this extension in all CRLs issued."
        found.append(_finding(ERROR, "no authorityKeyIdentifier", "RFC 5280 §5.2.1", where))
    if crl.extension(oids.OID_CRL_NUMBER) is None:
        # RFC 5280 §5.2.3: "CRL issuers conforming to this profile MUST include this extension in
        # all CRLs".
        found.append(_finding(ERROR, "no cRLNumber", "RFC 5280 §5.2.3", where))
    return found


_RULES = {"Certificate": certificate_rules, "CertificateRevocationList": crl_rules}
