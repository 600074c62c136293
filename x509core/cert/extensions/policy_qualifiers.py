"""The qualifiers of a certificate policy: CPS pointers and user notices. RFC 5280 §4.2.1.4.

A :class:`~x509core.cert.extensions.policies.PolicyInformation` may carry PolicyQualifierInfos:
a CPSuri (id-qt-cps), a UserNotice (id-qt-unotice: a NoticeReference and an explicitText
DisplayText) or, kept as its DER (a deviation, see :meth:`PolicyQualifierInfo.read`), a
qualifier of another id. RFC 5280 §4.2.1.4: "Optional qualifiers, which MAY be present, are not
expected to change the definition of the policy"; so a departure inside them is a finding that
path validation does not act on (``x509core.cert.validation.extension_checks``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from x509core.cert._parsed import maker, parsed
from x509core.cert.extensions.value import openssl_integer, tuple_of
from x509core.cert.names.general_name_text import openssl_object_name
from x509core.cert.oids import OID_QT_CPS, OID_QT_UNOTICE
from x509core.der.content import PRIMITIVE_DECODERS
from x509core.der import BMPString, IA5String, ObjectIdentifier, Reader, UTF8String, VisibleString, Writer
from x509core.der.oid import encode_oid_content
from x509core.der.tags import SEQUENCE
from x509core.safe_text import escape_controls
from x509core.errors import DecodeError, InvalidValue

__all__ = ["PolicyQualifierInfo", "UserNotice", "NoticeReference"]

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
        simple = _read_cps_qualifier(reader)
        if simple is None:
            simple = _read_explicit_text_notice(reader)
        if simple is not None:
            return simple
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


# id-qt-cps as the DER of its OID (06 08 ...), and the maker the fast path below uses.
_CPS_OID_DER = b"\x06\x08" + encode_oid_content(OID_QT_CPS)
_new_qualifier = maker(PolicyQualifierInfo)


def _read_cps_qualifier(reader: Reader) -> PolicyQualifierInfo | None:
    """``SEQUENCE { id-qt-cps, IA5String }`` with short lengths, read at once (the commonest
    qualifier); None (nothing read) for anything else, which PolicyQualifierInfo.read reads
    or refuses. The same value (tests/cert/reading/test_parse_fast_paths.py)."""
    data, pos, end = reader.data, reader.pos, reader.end
    if pos + 14 > end or data[pos] != 0x30 or data[pos + 1] >= 0x80 \
            or not data.startswith(_CPS_OID_DER, pos + 2) or data[pos + 12] != 0x16 \
            or reader.depth >= reader.max_depth:
        return None
    seq_end = pos + 2 + data[pos + 1]
    uri = data[pos + 14:seq_end]
    if seq_end > end or data[pos + 13] >= 0x80 or pos + 14 + data[pos + 13] != seq_end \
            or not uri.isascii():       # IA5String: the octets below 0x80 (X.680 §41.2)
        return None
    reader.pos = seq_end
    return _new_qualifier(OID_QT_CPS, uri.decode("ascii"))


# id-qt-unotice as the DER of its OID, and the DisplayText types the fast path below reads.
_UNOTICE_OID_DER = b"\x06\x08" + encode_oid_content(OID_QT_UNOTICE)
_PLAIN_TEXT_TYPES = frozenset(_DISPLAY_TEXT_TYPES) - {BMPString.tag_number}    # UTF8, IA5, Visible
_new_notice = maker(UserNotice)


def _read_explicit_text_notice(reader: Reader) -> PolicyQualifierInfo | None:
    """``SEQUENCE { id-qt-unotice, SEQUENCE { explicitText } }`` read at once: a UserNotice of
    a non-empty UTF8String, IA5String or VisibleString alone (RFC 5280 §4.2.1.4: conforming
    CAs SHOULD NOT use noticeRef and SHOULD use UTF8String), short lengths, the two SEQUENCEs
    at a depth the general reading could not pass. None (nothing read) for anything else,
    which PolicyQualifierInfo.read reads, reports (an empty text) or refuses. The same value
    (tests/cert/reading/test_parse_fast_paths.py)."""
    data, pos, end = reader.data, reader.pos, reader.end
    if pos + 16 > end or data[pos] != 0x30 or not data.startswith(_UNOTICE_OID_DER, pos + 2) \
            or data[pos + 12] != 0x30 or data[pos + 14] not in _PLAIN_TEXT_TYPES \
            or reader.depth + 2 > reader.max_depth:
        return None
    seq_end = pos + 2 + data[pos + 1]
    if (data[pos + 1] | data[pos + 13] | data[pos + 15]) >= 0x80 or seq_end > end \
            or pos + 14 + data[pos + 13] != seq_end or pos + 16 + data[pos + 15] != seq_end \
            or seq_end == pos + 16:
        return None
    try:
        text = PRIMITIVE_DECODERS[data[pos + 14]](data, pos + 16, seq_end, ())
    except DecodeError:
        return None
    reader.pos = seq_end
    return _new_qualifier(OID_QT_UNOTICE, _new_notice(None, text, True))
