"""The one exception hierarchy of x509core.

Every error that bad input can trigger is an :class:`X509CoreError`, which is also a
:class:`ValueError`, so callers can catch either. Wrong argument *types* raise the built-in
:class:`TypeError` instead. No message ever holds secret key material (p, q, d, or phi(n)).

This module imports nothing from x509core, so every layer may import it.
"""

from __future__ import annotations

__all__ = [
    "X509CoreError",
    "DecodeError",
    "Truncated",
    "UnexpectedTag",
    "NonCanonicalEncoding",
    "DepthExceeded",
    "PEMError",
    "InvalidValue",
    "InvalidEncodedValue",
    "InvalidSignature",
    "UnsupportedAlgorithm",
    "PathValidationError",
]


class X509CoreError(ValueError):
    """Bad input or a failed check. Catch this one."""


class DecodeError(X509CoreError):
    """Input that is not valid DER (or PEM) for what was asked.

    ``offset`` is the absolute byte offset into the caller's buffer where the faulty element
    (or octet) starts; ``path`` names the fields that lead to it, outermost first.
    """

    def __init__(self, reason: str, offset: int, path: tuple[str, ...] = ()):
        self.reason = reason
        self.offset = offset
        self.path = tuple(path)
        where = ".".join(self.path) or "input"
        super().__init__(f"{reason} at byte {offset} ({where})")

    def __reduce__(self):  # keep pickling (multiprocessing) working with the custom __init__
        return (type(self), (self.reason, self.offset, self.path))


class Truncated(DecodeError):
    """The input ends before the element it announces."""


class UnexpectedTag(DecodeError):
    """An element has another tag than the structure requires here."""


class NonCanonicalEncoding(DecodeError):
    """Valid BER that is not DER (X.690 §10, §11), e.g. a non-minimal length."""


class DepthExceeded(DecodeError):
    """Constructed elements nest deeper than the configured limit."""


class PEMError(DecodeError):
    """Text that is not a well-formed RFC 7468 PEM block; ``offset`` counts characters."""


class InvalidValue(X509CoreError):
    """A value the standard forbids (for example a negative serial number)."""


class InvalidEncodedValue(DecodeError, InvalidValue):
    """Well-formed DER whose value the standard forbids (an RSA key with an even exponent, say).

    A ``DecodeError`` with an offset, so that a ``load_*`` lets only decode errors escape, and an
    ``InvalidValue``, the error the same value raises when it is built in code.
    """


class InvalidSignature(X509CoreError):
    """A signature did not verify. The message never says why (no padding oracle)."""


class UnsupportedAlgorithm(X509CoreError):
    """A well-formed input that names an algorithm this library does not implement."""


class PathValidationError(X509CoreError):
    """A certificate path was refused.

    ``reason`` says why in plain words, ``depth`` is the position of the failing certificate
    (0 = leaf), ``rule`` cites the clause, for example ``"RFC 5280 §6.1.3"``, and ``category``
    is a short machine-readable word (``"expired"``, ``"bad_signature"``, ...; the list is in
    :mod:`x509core.cert.validation.verify`), or ``""`` when none was given.
    """

    def __init__(self, reason: str, *, depth: int | None = None, rule: str = "",
                 subject: str | None = None, category: str = ""):
        self.reason = reason
        self.depth = depth
        self.rule = rule
        self.subject = subject
        self.category = category
        parts = [reason]
        if depth is not None:
            parts.append(f"certificate at depth {depth}" + (f" ({subject})" if subject else ""))
        if rule:
            parts.append(rule)
        super().__init__("; ".join(parts))

    def __reduce__(self):
        return (_rebuild_path_error, (self.reason, self.depth, self.rule, self.subject, self.category))


def _rebuild_path_error(reason, depth, rule, subject, category=""):
    return PathValidationError(reason, depth=depth, rule=rule, subject=subject, category=category)
