"""Findings: departures from a standard that leave the input readable one way.

A reader refuses what cannot be read unambiguously (a malformed TLV, an indefinite or
non-minimal length, a constructed string, a wrong tag, trailing data, a non-minimal INTEGER,
text outside its type's alphabet). A departure that is still readable — trailing zero bits in a
named BIT STRING (X.690 §11.2.2), an encoded DEFAULT value (X.690 §11.5), an empty SEQUENCE that
the ASN.1 says ``SIZE (1..MAX)``, a MUST that binds the issuing CA — is recorded instead as a
:class:`Finding` on the parsed object, with its clause, byte offset and field path, exactly as a
refusal would name them. Policy (key sizes, algorithms, critical extensions) belongs to path
validation, not here. The model is Chromium's ``net/cert/pki`` (``CertErrors`` with severities
beside the parsed certificate) and zlint (one rule per check, each with its citation).

A :class:`~x509core.der.Reader` collects findings when it is made with a list
(``Reader(data, findings=[])``); without one it is strict and raises the error the finding
describes, so ``der.decode`` and every reader made without a list refuse as before.
"""

from __future__ import annotations

from dataclasses import dataclass

from x509core.errors import DecodeError

__all__ = ["Finding", "ERROR", "WARNING", "SEVERITIES", "split_message"]

ERROR = "error"          # a MUST (or a DER rule) is broken
WARNING = "warning"      # a SHOULD is broken, or a MUST that readers are told to tolerate
SEVERITIES = (ERROR, WARNING)


@dataclass(frozen=True, slots=True)
class Finding:
    """One departure: what is wrong, the clause that says so, and where.

    ``offset`` is the absolute byte offset of the element (or octet) concerned in the bytes that
    were read, and ``path`` the field names that lead to it, outermost first — the same two a
    :class:`~x509core.errors.DecodeError` carries. ``error`` is the class of the error a strict
    reader raises for it.
    """

    severity: str
    reason: str
    clause: str
    offset: int
    path: tuple[str, ...] = ()
    error: type[DecodeError] = DecodeError

    @property
    def message(self) -> str:
        """The reason and its clause, as a strict reader's error message begins."""
        return f"{self.reason} ({self.clause})" if self.clause else self.reason

    def to_error(self) -> DecodeError:
        """The error a strict reader raises for this departure."""
        return self.error(self.message, self.offset, self.path)

    def to_json(self) -> dict:
        return {"severity": self.severity, "reason": self.reason, "clause": self.clause,
                "offset": self.offset, "path": ".".join(self.path)}

    def __str__(self) -> str:
        where = ".".join(self.path) or "input"
        return f"{self.severity}: {self.message} at byte {self.offset} ({where})"


def split_message(message: str) -> tuple[str, str]:
    """``("what", "clause")`` from a message written ``"what (clause)"``, the clause being the
    last parenthesised group (which may hold parentheses itself: ``"(SIZE (1..MAX), RFC 5280
    §4.1)"``); ``(message, "")`` when the message does not end in one that cites a standard."""
    if not message.endswith(")"):
        return message, ""
    depth = 0
    for index in range(len(message) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(message[index], 0)
        if depth == 0:
            clause = message[index + 1:-1]
            if index > 0 and message[index - 1] == " " and ("§" in clause or "X.6" in clause):
                return message[:index - 1], clause
            break
    return message, ""
