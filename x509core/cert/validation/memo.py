"""What path validation keeps on each certificate between calls (issue 17).

A check whose outcome is a function of the certificate alone (and of a few flags) gives the
same outcome every time: a Certificate is frozen, and so are its extension values, findings and
key. :func:`remembered` keeps such outcomes on the certificate itself
(``Certificate.validation_memo()``), so a trust anchor or an intermediate used for many chains
is checked once; :func:`subject_text` keeps the subject's RFC 4514 text that every refusal and
expiry warning prints. Nothing is kept across certificates: no hostile certificate's outcome can
answer for another, and everything goes with the certificate.
"""

from __future__ import annotations

from x509core.errors import PathValidationError

__all__ = ["REMEMBER", "remembered", "subject_text"]

# Whether outcomes are kept on the certificate. The differential test
# tests/cert/validation/test_remembered_checks.py switches it off and compares every verdict.
REMEMBER = True


def remembered(cert, key: tuple, check, depth: int) -> None:
    """``check()`` on ``cert``, or the outcome it gave the last time under ``key``.

    Only for checks whose outcome is a function of the certificate and of the flags in ``key``
    alone (not of the time, the budgets, the purpose OID or the AlgorithmPolicy): a Certificate
    is immutable (its fields, extension values and findings are frozen), so such a check gives
    the same outcome every time, and a trust anchor or intermediate used for many chains is
    checked once. A refusal is kept as its parts and raised again at this ``depth``, the same
    category, reason, rule and subject as a fresh one. Other exceptions are not kept. The memo
    lives on the certificate (no certificate's outcome can answer for another) and holds one
    entry per key; the keys are a fixed set (``"extensions"``, ``"key"``, ``"profile"`` with
    three booleans, and :func:`subject_text`'s ``"subject"``), so it is bounded.
    """
    memo = cert.validation_memo() if REMEMBER else {}
    outcome = memo.get(key, _UNKNOWN)
    if outcome is _UNKNOWN:
        try:
            check()
            outcome = None
        except PathValidationError as exc:
            outcome = (exc.category, exc.reason, exc.rule, exc.subject,
                       None if exc.depth is None else exc.depth - depth)
        memo[key] = outcome
    if outcome is not None:
        category, reason, rule, subject, offset = outcome
        raise PathValidationError(reason, depth=None if offset is None else depth + offset,
                                  rule=rule, subject=subject, category=category)


_UNKNOWN = object()


def subject_text(cert) -> str:
    """``cert.subject.rfc4514()``, kept on the certificate like :func:`remembered` outcomes
    (key ``"subject"``): every refusal and expiry warning names it, and the text of a Name
    never changes."""
    memo = cert.validation_memo() if REMEMBER else {}
    text = memo.get("subject")
    if text is None:
        text = memo["subject"] = cert.subject.rfc4514()
    return text
