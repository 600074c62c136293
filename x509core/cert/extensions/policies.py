"""Certificate policies and policy mappings. RFC 5280 §4.2.1.4, §4.2.1.5."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Union

from x509core.cert._parsed import parsed
from x509core.cert.extensions.value import (INDENT, ExtensionValue, openssl_integer, openssl_lines,
                                           tuple_of, val_prn)
from x509core.cert.names.general_name_text import openssl_object_name
from x509core.cert.oids import (OID_ANY_POLICY, OID_CERTIFICATE_POLICIES, OID_POLICY_MAPPINGS,
                                OID_QT_CPS, OID_QT_UNOTICE)
from x509core.der import BMPString, IA5String, ObjectIdentifier, Reader, UTF8String, VisibleString, Writer
from x509core.der.findings import split_message
from x509core.der.tags import SEQUENCE
from x509core.safe_text import escape_controls
from x509core.errors import DecodeError, InvalidValue

__all__ = ["CertificatePolicies", "PolicyInformation", "PolicyQualifierInfo", "UserNotice",
           "NoticeReference", "PolicyMappings", "PolicyMapping"]

_DISPLAY_TEXT_TYPES = (IA5String.tag_number, VisibleString.tag_number, BMPString.tag_number,
                       UTF8String.tag_number)


def _display_text(text, what: str, as_read: bool, issuer_types=(UTF8String, IA5String, VisibleString,
                                                                   BMPString)):
    """Check a DisplayText: a restricted string of the four CHOICE types, 1..200 characters.

    A plain ``str`` becomes a UTF8String. Values as read may exceed 200 characters: RFC 5280
    §4.2.1.4 notes that "some non-conforming CAs exceed this limit" and that certificate users
    "SHOULD gracefully handle explicitText with more than 200 characters".
    """
    if type(text) is str:
        text = UTF8String(text)
    if not isinstance(text, (UTF8String, IA5String, VisibleString, BMPString)):
        raise TypeError(f"{what} must be a str or an IA5/Visible/BMP/UTF8String")
    if not text or (len(text) > 200 and not as_read):
        raise InvalidValue(f"{what} must hold 1..200 characters (RFC 5280 §4.2.1.4 DisplayText)")
    if not as_read and not isinstance(text, issuer_types):
        # RFC 5280 §4.2.1.4: "Conforming CAs MUST NOT encode explicitText as VisibleString or
        # BMPString."
        raise InvalidValue(f"{what} MUST NOT be a VisibleString or BMPString (RFC 5280 §4.2.1.4)")
    return text


def _read_display_text(reader: Reader, name: str):
    start = reader.pos
    text = reader.read_string(name, _DISPLAY_TEXT_TYPES)
    if not text:
        reader.report(DecodeError, f"empty {name}", "DisplayText SIZE (1..200), RFC 5280 §4.2.1.4",
                      start, name=name)
    return text


@dataclass(frozen=True, slots=True)
class NoticeReference:
    """A numbered notice published by an organization. RFC 5280 §4.2.1.4::

        NoticeReference ::= SEQUENCE {
             organization     DisplayText,
             noticeNumbers    SEQUENCE OF INTEGER }
    """

    organization: str
    notice_numbers: tuple[int, ...]
    _as_read: bool = field(default=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "organization", _display_text(self.organization, "organization",
                                                               self._as_read))
        object.__setattr__(self, "notice_numbers", tuple_of(self.notice_numbers, int, "noticeNumbers",
                                                            non_empty=False))

    @classmethod
    def read(cls, reader: Reader) -> "NoticeReference":
        seq = reader.read_sequence("noticeRef")
        organization = _read_display_text(seq, "organization")
        numbers_seq = seq.read_sequence("noticeNumbers")
        numbers = []
        while not numbers_seq.at_end:
            numbers.append(numbers_seq.read_integer(f"[{len(numbers)}]"))
        seq.finish()
        return parsed(cls, organization, tuple(numbers), True)   # as __post_init__ with _as_read

    def write(self, writer: Writer) -> None:
        with writer.sequence():
            writer.write_string(self.organization, self.organization.tag_number)
            with writer.sequence():
                for number in self.notice_numbers:
                    writer.write_integer(number)


@dataclass(frozen=True, slots=True)
class UserNotice:
    """A notice to show to relying parties. RFC 5280 §4.2.1.4::

        UserNotice ::= SEQUENCE {
             noticeRef        NoticeReference OPTIONAL,
             explicitText     DisplayText OPTIONAL }

        DisplayText ::= CHOICE {
             ia5String        IA5String      (SIZE (1..200)),
             visibleString    VisibleString  (SIZE (1..200)),
             bmpString        BMPString      (SIZE (1..200)),
             utf8String       UTF8String     (SIZE (1..200)) }

    ``explicit_text`` keeps its string type (``x509core.der.UTF8String`` and so on).
    """

    notice_ref: NoticeReference | None = None
    explicit_text: str | None = None
    _as_read: bool = field(default=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.notice_ref is not None and not isinstance(self.notice_ref, NoticeReference):
            raise TypeError("notice_ref must be a NoticeReference")
        if self.explicit_text is not None:
            object.__setattr__(self, "explicit_text", _display_text(
                self.explicit_text, "explicitText", self._as_read, (UTF8String, IA5String)))

    @classmethod
    def read(cls, reader: Reader) -> "UserNotice":
        seq = reader.read_sequence("userNotice")
        notice_ref = NoticeReference.read(seq) if seq.peek_is(SEQUENCE) else None
        explicit_text = None if seq.at_end else _read_display_text(seq, "explicitText")
        seq.finish()
        return parsed(cls, notice_ref, explicit_text, True)      # as __post_init__ with _as_read

    def write(self, writer: Writer) -> None:
        with writer.sequence():
            if self.notice_ref is not None:
                self.notice_ref.write(writer)
            if self.explicit_text is not None:
                writer.write_string(self.explicit_text, self.explicit_text.tag_number)

    def text(self, indent: int) -> str:
        # crypto/x509/v3_cpols.c print_notice
        pad, out = " " * indent, []
        if self.notice_ref is not None:
            numbers = self.notice_ref.notice_numbers
            out.append(f"{pad}Organization: {escape_controls(self.notice_ref.organization)}\n")
            out.append(f"{pad}Number{'s' if len(numbers) > 1 else ''}: ")
            out.append(", ".join(openssl_integer(n) for n in numbers))
            if self.explicit_text is not None:
                out.append("\n")
        if self.explicit_text is not None:
            out.append(f"{pad}Explicit Text: {escape_controls(self.explicit_text)}")
        return "".join(out)


Qualifier = Union[str, UserNotice, bytes]


@dataclass(frozen=True, slots=True)
class PolicyQualifierInfo:
    """A qualifier of a policy. RFC 5280 §4.2.1.4::

        PolicyQualifierInfo ::= SEQUENCE {
             policyQualifierId  PolicyQualifierId,
             qualifier          ANY DEFINED BY policyQualifierId }

        PolicyQualifierId ::= OBJECT IDENTIFIER ( id-qt-cps | id-qt-unotice )

        CPSuri ::= IA5String

    ``qualifier`` is a ``str`` (the CPSuri) for id-qt-cps, a :class:`UserNotice` for
    id-qt-unotice, and the complete DER of the value (``bytes``) for any other id.
    """

    policy_qualifier_id: ObjectIdentifier
    qualifier: Qualifier

    def __post_init__(self) -> None:
        object.__setattr__(self, "policy_qualifier_id", ObjectIdentifier(self.policy_qualifier_id))
        expected = {OID_QT_CPS: str, OID_QT_UNOTICE: UserNotice}.get(self.policy_qualifier_id, bytes)
        if not isinstance(self.qualifier, expected):
            raise TypeError(f"qualifier for {self.policy_qualifier_id} must be {expected.__name__}")
        if expected is str and any(ord(c) > 0x7F for c in self.qualifier):
            raise InvalidValue("CPSuri must be an IA5String (7-bit) (RFC 5280 §4.2.1.4)")
        if expected is bytes:
            try:
                _one_element(self.qualifier)
            except DecodeError as exc:
                raise InvalidValue(f"qualifier must be one DER element: {exc}") from None

    @classmethod
    def read(cls, reader: Reader, name: str) -> "PolicyQualifierInfo":
        seq = reader.read_sequence(name)
        qualifier_id = seq.read_oid("policyQualifierId")
        if qualifier_id == OID_QT_CPS:
            qualifier = str(seq.read_string("cPSuri", (IA5String.tag_number,)))
        elif qualifier_id == OID_QT_UNOTICE:
            qualifier = UserNotice.read(seq)
        else:
            # Deviation: the ASN.1 constrains policyQualifierId to id-qt-cps and id-qt-unotice;
            # other qualifiers exist in the wild and are kept as their DER-checked encoding.
            qualifier = seq.read_any("qualifier")
        seq.finish()
        # The qualifier has the type its id asks for; an IA5String is 7-bit; read_any checked DER.
        return parsed(cls, qualifier_id, qualifier)

    def write(self, writer: Writer) -> None:
        with writer.sequence():
            writer.write_oid(self.policy_qualifier_id)
            if isinstance(self.qualifier, UserNotice):
                self.qualifier.write(writer)
            elif isinstance(self.qualifier, str):
                writer.write_string(self.qualifier, IA5String.tag_number)
            else:
                writer.write_raw(self.qualifier)

    def text(self, indent: int) -> str:
        # crypto/x509/v3_cpols.c print_qualifiers
        if isinstance(self.qualifier, str):
            return f"{' ' * indent}CPS: {escape_controls(self.qualifier)}"
        if isinstance(self.qualifier, UserNotice):
            return f"{' ' * indent}User Notice:\n" + self.qualifier.text(indent + 2)
        return f"{' ' * (indent + 2)}Unknown Qualifier: {openssl_object_name(self.policy_qualifier_id)}"


def _one_element(data: bytes) -> None:
    reader = Reader(data)
    reader.read_any("qualifier")
    reader.finish()


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
