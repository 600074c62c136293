"""Identifier octets: tag class, primitive/constructed, tag number. X.690 §8.1.2.

A :class:`Tag` is a plain named tuple so that auditors can read it and tests can compare it.
The reader compares tags through :attr:`Tag.bits` (class and constructed bits as they sit in the
first identifier octet, X.690 §8.1.2.3 Figure 3) and the tag number, which is cheap.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = [
    "UNIVERSAL", "APPLICATION", "CONTEXT", "PRIVATE", "Tag", "tag_name",
    "BOOLEAN", "INTEGER", "BIT_STRING", "OCTET_STRING", "NULL", "OBJECT_IDENTIFIER", "ENUMERATED",
    "UTF8_STRING", "SEQUENCE", "SET", "NUMERIC_STRING", "PRINTABLE_STRING", "TELETEX_STRING",
    "IA5_STRING", "UTC_TIME", "GENERALIZED_TIME", "VISIBLE_STRING", "UNIVERSAL_STRING", "BMP_STRING",
    "context", "explicit", "implicit", "context_tag", "first_octet", "ONE_OCTET_TAGS",
]

# Tag classes, X.690 §8.1.2.2 Table 1 (bits 8 and 7 of the first identifier octet).
UNIVERSAL, APPLICATION, CONTEXT, PRIVATE = 0, 1, 2, 3
_CLASS_NAMES = ("UNIVERSAL", "APPLICATION", "CONTEXT", "PRIVATE")


class Tag(NamedTuple):
    """One tag: class, primitive (False) or constructed (True), number. X.690 §8.1.2."""

    tag_class: int
    constructed: bool
    number: int

    @property
    def bits(self) -> int:
        """The class and constructed bits as they appear in the first identifier octet."""
        return (self.tag_class << 6) | (0x20 if self.constructed else 0)

    def __str__(self) -> str:
        return tag_name(self.tag_class, self.constructed, self.number)


# Universal tag numbers, X.680 §8.4 Table 1.
_UNIVERSAL_NAMES = {
    1: "BOOLEAN", 2: "INTEGER", 3: "BIT STRING", 4: "OCTET STRING", 5: "NULL",
    6: "OBJECT IDENTIFIER", 10: "ENUMERATED", 12: "UTF8String", 16: "SEQUENCE", 17: "SET",
    18: "NumericString", 19: "PrintableString", 20: "TeletexString", 22: "IA5String",
    23: "UTCTime", 24: "GeneralizedTime", 26: "VisibleString", 28: "UniversalString",
    30: "BMPString",
}

BOOLEAN = Tag(UNIVERSAL, False, 1)
INTEGER = Tag(UNIVERSAL, False, 2)
BIT_STRING = Tag(UNIVERSAL, False, 3)
OCTET_STRING = Tag(UNIVERSAL, False, 4)
NULL = Tag(UNIVERSAL, False, 5)
OBJECT_IDENTIFIER = Tag(UNIVERSAL, False, 6)
ENUMERATED = Tag(UNIVERSAL, False, 10)
UTF8_STRING = Tag(UNIVERSAL, False, 12)
SEQUENCE = Tag(UNIVERSAL, True, 16)
SET = Tag(UNIVERSAL, True, 17)
NUMERIC_STRING = Tag(UNIVERSAL, False, 18)
PRINTABLE_STRING = Tag(UNIVERSAL, False, 19)
TELETEX_STRING = Tag(UNIVERSAL, False, 20)
IA5_STRING = Tag(UNIVERSAL, False, 22)
UTC_TIME = Tag(UNIVERSAL, False, 23)
GENERALIZED_TIME = Tag(UNIVERSAL, False, 24)
VISIBLE_STRING = Tag(UNIVERSAL, False, 26)
UNIVERSAL_STRING = Tag(UNIVERSAL, False, 28)
BMP_STRING = Tag(UNIVERSAL, False, 30)


def context(number: int, constructed: bool = True) -> Tag:
    """A context-specific tag ``[number]``."""
    return Tag(CONTEXT, constructed, number)


def explicit(number: int) -> Tag:
    """``[number] EXPLICIT``: always constructed (X.690 §8.14.2)."""
    return Tag(CONTEXT, True, number)


def implicit(number: int, constructed: bool = False) -> Tag:
    """``[number] IMPLICIT T``: constructed exactly when T's encoding is (X.690 §8.14.3)."""
    return Tag(CONTEXT, constructed, number)


def tag_name(tag_class: int, constructed: bool, number: int) -> str:
    """A readable name: ``SEQUENCE``, ``[0] constructed``, ``[APPLICATION 3] primitive``."""
    if tag_class == UNIVERSAL and number in _UNIVERSAL_NAMES:
        return _UNIVERSAL_NAMES[number]
    form = "constructed" if constructed else "primitive"
    if tag_class == CONTEXT:
        return f"[{number}] {form}"
    return f"[{_CLASS_NAMES[tag_class]} {number}] {form}"


# -- fast paths for readers --------------------------------------------------------------------

def first_octet(tag: Tag) -> int:
    """The identifier octet of ``tag`` when it has one (X.690 §8.1.2.3); -1 (matches no octet)
    for tag numbers of 31 and above, which take the high-tag-number form (§8.1.2.4)."""
    number = tag[2]
    if number >= 31:
        return -1
    return (tag[0] << 6) | (0x20 if tag[1] else 0) | number


# The tag of each one-octet identifier, by the octet (meaningless for octets whose low five bits
# are 11111: those start a high tag number).
ONE_OCTET_TAGS = tuple(Tag(octet >> 6, bool(octet & 0x20), octet & 0x1F) for octet in range(256))
_CONTEXT_TAGS = {(number, constructed): Tag(CONTEXT, constructed, number)
                 for number in range(31) for constructed in (False, True)}


def context_tag(number: int, constructed: bool) -> Tag:
    """``[number]``, constructed or not: the same as :func:`context`, made once for small numbers."""
    tag = _CONTEXT_TAGS.get((number, constructed))
    return tag if tag is not None else Tag(CONTEXT, constructed, number)
