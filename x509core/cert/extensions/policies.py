"""Certificate policies and policy mappings. RFC 5280 §4.2.1.4, §4.2.1.5.

The qualifiers a policy may carry (CPS pointers, user notices) are in
:mod:`x509core.cert.extensions.policy_qualifiers`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from x509core.cert._parsed import maker, parsed
from x509core.cert.extensions.policy_qualifiers import PolicyQualifierInfo
from x509core.cert.extensions.value import (INDENT, ExtensionValue, openssl_lines, tuple_of,
                                           val_prn)
from x509core.cert.names.general_name_text import openssl_object_name
from x509core.cert.oids import OID_ANY_POLICY, OID_CERTIFICATE_POLICIES, OID_POLICY_MAPPINGS
from x509core.der import ObjectIdentifier, Reader, Writer
from x509core.der.findings import split_message
from x509core.der.oid import decoded_oid
from x509core.errors import DecodeError, InvalidValue

__all__ = ["CertificatePolicies", "PolicyInformation", "PolicyMappings", "PolicyMapping"]


@dataclass(frozen=True, slots=True)
class PolicyInformation:
    """One policy and its qualifiers. RFC 5280 §4.2.1.4::

        PolicyInformation ::= SEQUENCE {
             policyIdentifier   CertPolicyId,
             policyQualifiers   SEQUENCE SIZE (1..MAX) OF
                                     PolicyQualifierInfo OPTIONAL }

        CertPolicyId ::= OBJECT IDENTIFIER
    """

    policy_identifier: ObjectIdentifier
    policy_qualifiers: tuple[PolicyQualifierInfo, ...] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "policy_identifier", ObjectIdentifier(self.policy_identifier))
        if self.policy_qualifiers is None:
            return
        qualifiers = tuple_of(self.policy_qualifiers, PolicyQualifierInfo, "policyQualifiers")
        object.__setattr__(self, "policy_qualifiers", qualifiers)
        if self.policy_identifier == OID_ANY_POLICY and any(isinstance(q.qualifier, bytes)
                                                            for q in qualifiers):
            raise InvalidValue(_ANY_POLICY_QUALIFIERS)

    @classmethod
    def read(cls, reader: Reader, name: str) -> "PolicyInformation":
        simple = _read_bare_policy(reader)
        if simple is not None:
            return simple
        seq = reader.read_sequence(name)
        policy = seq.read_oid("policyIdentifier")
        qualifiers = None
        if not seq.at_end:
            list_seq = seq.read_sequence("policyQualifiers")
            if list_seq.at_end:
                list_seq.report(DecodeError, "empty policyQualifiers", "SIZE (1..MAX), RFC 5280 §4.2.1.4",
                                list_seq.element_start)
            qualifiers = []
            while not list_seq.at_end:
                start = list_seq.pos
                qualifiers.append(PolicyQualifierInfo.read(list_seq, f"[{len(qualifiers)}]"))
                if policy == OID_ANY_POLICY and isinstance(qualifiers[-1].qualifier, bytes):
                    list_seq.report(DecodeError, *_reason_clause(_ANY_POLICY_QUALIFIERS), start)
            qualifiers = tuple(qualifiers)
        seq.finish()
        return parsed(cls, policy, qualifiers)          # non-empty, anyPolicy checked above

    def write(self, writer: Writer) -> None:
        with writer.sequence():
            writer.write_oid(self.policy_identifier)
            if self.policy_qualifiers is not None:
                with writer.sequence():
                    for qualifier in self.policy_qualifiers:
                        qualifier.write(writer)


# The maker the fast path below uses.
_new_policy = maker(PolicyInformation)


def _read_bare_policy(reader: Reader) -> PolicyInformation | None:
    """``SEQUENCE { policyIdentifier }`` without qualifiers, short lengths and an OID decoded
    before, read at once; None (nothing read) for anything else (PolicyInformation.read)."""
    data, pos, end = reader.data, reader.pos, reader.end
    if pos + 4 > end or data[pos] != 0x30 or data[pos + 2] != 0x06 \
            or (data[pos + 1] | data[pos + 3]) >= 0x80 or reader.depth >= reader.max_depth:
        return None
    seq_end = pos + 2 + data[pos + 1]
    if seq_end > end or pos + 4 + data[pos + 3] != seq_end:
        return None
    policy = decoded_oid(data[pos + 4:seq_end])
    if policy is None:
        return None
    reader.pos = seq_end
    return _new_policy(policy, None)


# RFC 5280 §4.2.1.4: "When qualifiers are used with the special policy anyPolicy, they MUST be
# limited to the qualifiers identified in this section."
_ANY_POLICY_QUALIFIERS = "anyPolicy qualifiers MUST be CPS pointers or user notices (RFC 5280 §4.2.1.4)"
# RFC 5280 §4.2.1.4: "A certificate policy OID MUST NOT appear more than once in a certificate
# policies extension."
_DUPLICATE_POLICY = "policy {} appears more than once (RFC 5280 §4.2.1.4)"


_reason_clause = split_message

@dataclass(frozen=True, slots=True)
class CertificatePolicies(ExtensionValue):
    """The policies under which the certificate was issued. RFC 5280 §4.2.1.4::

        certificatePolicies ::= SEQUENCE SIZE (1..MAX) OF PolicyInformation
    """

    oid: ClassVar[ObjectIdentifier] = OID_CERTIFICATE_POLICIES
    policies: tuple[PolicyInformation, ...]

    def __post_init__(self) -> None:
        policies = tuple_of(self.policies, PolicyInformation, "certificatePolicies")
        object.__setattr__(self, "policies", policies)
        seen = set()
        for info in policies:
            if info.policy_identifier in seen:
                raise InvalidValue(_DUPLICATE_POLICY.format(info.policy_identifier))
            seen.add(info.policy_identifier)

    @classmethod
    def read_value(cls, reader: Reader) -> "CertificatePolicies":
        seq = reader.read_sequence("certificatePolicies")
        if seq.at_end:
            seq.report(DecodeError, "empty certificatePolicies", "SIZE (1..MAX), RFC 5280 §4.2.1.4",
                       seq.element_start)
        policies, seen = [], set()
        while not seq.at_end:
            start = seq.pos
            info = PolicyInformation.read(seq, f"[{len(policies)}]")
            if info.policy_identifier in seen:
                seq.report(DecodeError, *_reason_clause(_DUPLICATE_POLICY.format(info.policy_identifier)),
                           start)
            seen.add(info.policy_identifier)
            policies.append(info)
        return parsed(cls, tuple(policies))             # as read; departures reported above

    def write_value(self, writer: Writer) -> None:
        with writer.sequence():
            for info in self.policies:
                info.write(writer)

    def text_lines(self) -> list[str]:
        # crypto/x509/v3_cpols.c i2r_certpol
        out = []
        for i, info in enumerate(self.policies):
            if i:
                out.append("\n")
            out.append(f"{' ' * INDENT}Policy: {openssl_object_name(info.policy_identifier)}")
            if info.policy_qualifiers:
                out.append("\n" + "\n".join(q.text(INDENT + 2) for q in info.policy_qualifiers))
        return openssl_lines("".join(out))


@dataclass(frozen=True, slots=True)
class PolicyMapping:
    """One pair of equivalent policies. RFC 5280 §4.2.1.5 (a SEQUENCE of PolicyMappings)."""

    issuer_domain_policy: ObjectIdentifier
    subject_domain_policy: ObjectIdentifier

    def __post_init__(self) -> None:
        object.__setattr__(self, "issuer_domain_policy", ObjectIdentifier(self.issuer_domain_policy))
        object.__setattr__(self, "subject_domain_policy", ObjectIdentifier(self.subject_domain_policy))
        if OID_ANY_POLICY in (self.issuer_domain_policy, self.subject_domain_policy):
            raise InvalidValue(_ANY_POLICY_MAPPED)


# RFC 5280 §4.2.1.5: "Policies MUST NOT be mapped either to or from the special value anyPolicy".
_ANY_POLICY_MAPPED = "anyPolicy MUST NOT be mapped to or from (RFC 5280 §4.2.1.5)"


@dataclass(frozen=True, slots=True)
class PolicyMappings(ExtensionValue):
    """Policies of the issuer's domain that equal policies of the subject's. RFC 5280 §4.2.1.5::

        PolicyMappings ::= SEQUENCE SIZE (1..MAX) OF SEQUENCE {
             issuerDomainPolicy      CertPolicyId,
             subjectDomainPolicy     CertPolicyId }
    """

    oid: ClassVar[ObjectIdentifier] = OID_POLICY_MAPPINGS
    mappings: tuple[PolicyMapping, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "mappings", tuple_of(self.mappings, PolicyMapping, "PolicyMappings"))

    @classmethod
    def read_value(cls, reader: Reader) -> "PolicyMappings":
        seq = reader.read_sequence("PolicyMappings")
        if seq.at_end:
            seq.report(DecodeError, "empty PolicyMappings", "SIZE (1..MAX), RFC 5280 §4.2.1.5",
                       seq.element_start)
        mappings = []
        while not seq.at_end:
            pair = seq.read_sequence(f"[{len(mappings)}]")
            issuer = pair.read_oid("issuerDomainPolicy")
            subject = pair.read_oid("subjectDomainPolicy")
            pair.finish()
            if OID_ANY_POLICY in (issuer, subject):
                # Path validation refuses it too: RFC 5280 §6.1.4 (a).
                pair.report(DecodeError, *_reason_clause(_ANY_POLICY_MAPPED), pair.element_start)
            mappings.append(parsed(PolicyMapping, issuer, subject))
        return parsed(cls, tuple(mappings))

    def write_value(self, writer: Writer) -> None:
        with writer.sequence():
            for mapping in self.mappings:
                with writer.sequence():
                    writer.write_oid(mapping.issuer_domain_policy)
                    writer.write_oid(mapping.subject_domain_policy)

    def text_lines(self) -> list[str]:
        # crypto/x509/v3_pmaps.c i2v_POLICY_MAPPINGS
        return openssl_lines(val_prn([f"{openssl_object_name(m.issuer_domain_policy)}:"
                                      f"{openssl_object_name(m.subject_domain_policy)}"
                                      for m in self.mappings], multiline=False))
