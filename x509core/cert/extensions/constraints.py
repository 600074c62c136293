"""Constraints on certification paths. RFC 5280 §4.2.1.9, §4.2.1.10, §4.2.1.11, §4.2.1.14."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from x509core.cert._parsed import parsed
from x509core.cert.extensions.value import (INDENT, ExtensionValue, non_negative, openssl_integer,
                                           openssl_lines, tuple_of, val_prn)
from x509core.cert.names.general_name import GeneralName, check_general_names, general_name_print
from x509core.cert.names.general_name_der import read_general_name, write_general_name
from x509core.cert.oids import (OID_BASIC_CONSTRAINTS, OID_INHIBIT_ANY_POLICY,
                                OID_NAME_CONSTRAINTS, OID_POLICY_CONSTRAINTS)
from x509core.der import ObjectIdentifier, Reader, Writer
from x509core.der.content import encode_integer
from x509core.der.tags import Tag
from x509core.errors import DecodeError, InvalidValue, NonCanonicalEncoding

__all__ = ["BasicConstraints", "NameConstraints", "GeneralSubtree", "PolicyConstraints",
           "InhibitAnyPolicy"]


def _read_skip_certs(reader: Reader, name: str, number: int | None = None) -> int:
    """``SkipCerts ::= INTEGER (0..MAX)``, untagged or ``[number] IMPLICIT``."""
    start = reader.pos
    if number is None:
        value = reader.read_integer(name)
    else:
        value = reader.read_implicit_value(number, 2, name)
    if value < 0:
        raise DecodeError(f"{name} must be >= 0 (INTEGER (0..MAX))", start, reader.path + (name,))
    return value


@dataclass(frozen=True, slots=True)
class BasicConstraints(ExtensionValue):
    """Whether the subject is a CA and how many CAs may follow it. RFC 5280 §4.2.1.9::

        BasicConstraints ::= SEQUENCE {
             cA                      BOOLEAN DEFAULT FALSE,
             pathLenConstraint       INTEGER (0..MAX) OPTIONAL }
    """

    oid: ClassVar[ObjectIdentifier] = OID_BASIC_CONSTRAINTS
    ca: bool = False
    path_len_constraint: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.ca, bool):
            raise TypeError("ca must be a bool")
        non_negative(self.path_len_constraint, "pathLenConstraint", optional=True)
        # RFC 5280 §4.2.1.9: "CAs MUST NOT include the pathLenConstraint field unless the cA
        # boolean is asserted and the key usage extension asserts the keyCertSign bit."
        if self.path_len_constraint is not None and not self.ca:
            raise InvalidValue("pathLenConstraint needs cA TRUE (RFC 5280 §4.2.1.9)")

    @classmethod
    def read_value(cls, reader: Reader) -> "BasicConstraints":
        seq = reader.read_sequence("BasicConstraints")
        ca = seq.read_default_boolean(False, "cA")
        start = seq.pos
        path_len = None if seq.at_end else _read_skip_certs(seq, "pathLenConstraint")
        seq.finish()
        if path_len is not None and not ca:
            seq.report(DecodeError, "pathLenConstraint without cA TRUE", "RFC 5280 §4.2.1.9", start)
        return parsed(cls, ca, path_len)               # checked above as __post_init__ checks

    def write_value(self, writer: Writer) -> None:
        with writer.sequence():
            if self.ca:
                writer.write_boolean(True)
            if self.path_len_constraint is not None:
                writer.write_integer(self.path_len_constraint)

    def text_lines(self) -> list[str]:
        values = ["CA:TRUE" if self.ca else "CA:FALSE"]
        if self.path_len_constraint is not None:
            values.append(f"pathlen:{openssl_integer(self.path_len_constraint)}")
        return openssl_lines(val_prn(values, multiline=False))


@dataclass(frozen=True, slots=True)
class GeneralSubtree:
    """One subtree of names. RFC 5280 §4.2.1.10::

        GeneralSubtree ::= SEQUENCE {
             base                    GeneralName,
             minimum         [0]     BaseDistance DEFAULT 0,
             maximum         [1]     BaseDistance OPTIONAL }

        BaseDistance ::= INTEGER (0..MAX)

    An iPAddress base is an address range (``IPv4Network``/``IPv6Network``).
    """

    base: GeneralName
    minimum: int = 0
    maximum: int | None = None

    def __post_init__(self) -> None:
        check_general_names((self.base,), "GeneralSubtree base", address_range=True)
        # RFC 5280 §4.2.1.10: "Within this profile, the minimum and maximum fields are not used
        # with any name forms, thus, the minimum MUST be zero, and maximum MUST be absent."
        if self.minimum != 0 or self.maximum is not None:
            raise InvalidValue("GeneralSubtree minimum MUST be 0 and maximum absent (RFC 5280 §4.2.1.10)")

    @classmethod
    def read(cls, reader: Reader, name: str) -> "GeneralSubtree":
        seq = reader.read_sequence(name)
        base = read_general_name(seq, "base", address_range=True)
        if not seq.at_end:
            start = seq.pos
            minimum = seq.read_implicit_value(0, 2, "minimum") if seq.peek_is(Tag(2, False, 0)) else None
            if minimum == 0:
                seq.report(NonCanonicalEncoding, "DEFAULT value 0 encoded", "X.690 §11.5", start)
            if minimum not in (None, 0) or not seq.at_end:
                # A minimum or maximum that means something: no relying party can apply it.
                raise DecodeError("GeneralSubtree minimum MUST be 0 and maximum absent "
                                  "(RFC 5280 §4.2.1.10)", start, seq.path)
        return cls(base)

    def write(self, writer: Writer) -> None:
        with writer.sequence():
            write_general_name(writer, self.base)


def _read_subtrees(reader: Reader, number: int, name: str) -> tuple[GeneralSubtree, ...] | None:
    if not reader.peek_is(Tag(2, True, number)):
        return None
    seq = reader.read_implicit(number, True, name)
    return seq.read_items(GeneralSubtree.read,
                          f"{name} must not be empty (SIZE (1..MAX), RFC 5280 §4.2.1.10)")


@dataclass(frozen=True, slots=True)
class NameConstraints(ExtensionValue):
    """The name space for subjects of later certificates in the path (CA only). RFC 5280 §4.2.1.10::

        NameConstraints ::= SEQUENCE {
             permittedSubtrees       [0]     GeneralSubtrees OPTIONAL,
             excludedSubtrees        [1]     GeneralSubtrees OPTIONAL }

        GeneralSubtrees ::= SEQUENCE SIZE (1..MAX) OF GeneralSubtree
    """

    oid: ClassVar[ObjectIdentifier] = OID_NAME_CONSTRAINTS
    # RFC 5280 §4.2.1.10: "Conforming CAs MUST mark this extension as critical".
    criticality: ClassVar = (True, "RFC 5280 §4.2.1.10")
    permitted_subtrees: tuple[GeneralSubtree, ...] | None = None
    excluded_subtrees: tuple[GeneralSubtree, ...] | None = None

    def __post_init__(self) -> None:
        for name in ("permitted_subtrees", "excluded_subtrees"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, tuple_of(getattr(self, name), GeneralSubtree, name))
        if self.permitted_subtrees is None and self.excluded_subtrees is None:
            # RFC 5280 §4.2.1.10: "Conforming CAs MUST NOT issue certificates where name
            # constraints is an empty sequence."
            raise InvalidValue("NameConstraints needs permittedSubtrees or excludedSubtrees "
                               "(RFC 5280 §4.2.1.10)")

    @classmethod
    def read_value(cls, reader: Reader) -> "NameConstraints":
        seq = reader.read_sequence("NameConstraints")
        permitted = _read_subtrees(seq, 0, "permittedSubtrees")
        excluded = _read_subtrees(seq, 1, "excludedSubtrees")
        seq.finish()
        if permitted is None and excluded is None:
            seq.report(DecodeError, "empty NameConstraints", "RFC 5280 §4.2.1.10", seq.element_start)
        return parsed(cls, permitted, excluded)         # each subtree checked as it was read

    def write_value(self, writer: Writer) -> None:
        with writer.sequence():
            for number, subtrees in ((0, self.permitted_subtrees), (1, self.excluded_subtrees)):
                if subtrees is not None:
                    with writer.implicit_constructed(number):
                        for subtree in subtrees:
                            subtree.write(writer)

    def text_lines(self) -> list[str]:
        # crypto/x509/v3_ncons.c i2r_NAME_CONSTRAINTS and do_i2r_name_constraints
        parts = []
        for label, subtrees in (("Permitted", self.permitted_subtrees),
                                ("Excluded", self.excluded_subtrees)):
            if subtrees:
                names = "\n".join(" " * (INDENT + 2) + general_name_print(s.base) for s in subtrees)
                parts.append(" " * INDENT + f"{label}:\n" + names)
        return openssl_lines("\n".join(parts))


@dataclass(frozen=True, slots=True)
class PolicyConstraints(ExtensionValue):
    """Limits on policy mapping and on paths without an explicit policy. RFC 5280 §4.2.1.11::

        PolicyConstraints ::= SEQUENCE {
             requireExplicitPolicy           [0] SkipCerts OPTIONAL,
             inhibitPolicyMapping            [1] SkipCerts OPTIONAL }

        SkipCerts ::= INTEGER (0..MAX)
    """

    oid: ClassVar[ObjectIdentifier] = OID_POLICY_CONSTRAINTS
    # RFC 5280 §4.2.1.11: "Conforming CAs MUST mark this extension as critical."
    criticality: ClassVar = (True, "RFC 5280 §4.2.1.11")
    require_explicit_policy: int | None = None
    inhibit_policy_mapping: int | None = None

    def __post_init__(self) -> None:
        non_negative(self.require_explicit_policy, "requireExplicitPolicy", optional=True)
        non_negative(self.inhibit_policy_mapping, "inhibitPolicyMapping", optional=True)
        if self.require_explicit_policy is None and self.inhibit_policy_mapping is None:
            # RFC 5280 §4.2.1.11: "Conforming CAs MUST NOT issue certificates where policy
            # constraints is an empty sequence."
            raise InvalidValue("PolicyConstraints needs requireExplicitPolicy or inhibitPolicyMapping "
                               "(RFC 5280 §4.2.1.11)")

    @classmethod
    def read_value(cls, reader: Reader) -> "PolicyConstraints":
        seq = reader.read_sequence("PolicyConstraints")
        values = []
        for number, name in ((0, "requireExplicitPolicy"), (1, "inhibitPolicyMapping")):
            present = seq.peek_is(Tag(2, False, number))
            values.append(_read_skip_certs(seq, name, number) if present else None)
        seq.finish()
        if values == [None, None]:
            seq.report(DecodeError, "empty PolicyConstraints", "RFC 5280 §4.2.1.11", seq.element_start)
        return parsed(cls, *values)                     # each value read as SkipCerts

    def write_value(self, writer: Writer) -> None:
        with writer.sequence():
            for number, value in ((0, self.require_explicit_policy), (1, self.inhibit_policy_mapping)):
                if value is not None:
                    writer.write_implicit_primitive(number, encode_integer(value))

    def text_lines(self) -> list[str]:
        values = []
        if self.require_explicit_policy is not None:
            values.append(f"Require Explicit Policy:{openssl_integer(self.require_explicit_policy)}")
        if self.inhibit_policy_mapping is not None:
            values.append(f"Inhibit Policy Mapping:{openssl_integer(self.inhibit_policy_mapping)}")
        return openssl_lines(val_prn(values, multiline=False))


@dataclass(frozen=True, slots=True)
class InhibitAnyPolicy(ExtensionValue):
    """How many more certificates may assert anyPolicy. RFC 5280 §4.2.1.14::

        InhibitAnyPolicy ::= SkipCerts

        SkipCerts ::= INTEGER (0..MAX)
    """

    oid: ClassVar[ObjectIdentifier] = OID_INHIBIT_ANY_POLICY
    # RFC 5280 §4.2.1.14: "Conforming CAs MUST mark this extension as critical."
    criticality: ClassVar = (True, "RFC 5280 §4.2.1.14")
    skip_certs: int

    def __post_init__(self) -> None:
        non_negative(self.skip_certs, "SkipCerts")

    @classmethod
    def read_value(cls, reader: Reader) -> "InhibitAnyPolicy":
        return cls(_read_skip_certs(reader, "InhibitAnyPolicy"))

    def write_value(self, writer: Writer) -> None:
        writer.write_integer(self.skip_certs)

    def text_lines(self) -> list[str]:
        return [openssl_integer(self.skip_certs)]
