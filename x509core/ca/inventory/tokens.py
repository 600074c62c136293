"""Enrollment tokens (issue 12): made once, stored as a hash, spent atomically.

A token is ``<id>.<secret>``: the id (public, 16 hex digits) names the row; the secret (256
random bits, :func:`secrets.token_urlsafe`) is shown once and stored only as its SHA-256. A
slow password hash is not needed: the secret is a random 256-bit value, so its hash cannot be
reversed by guessing; the comparison in SQL is therefore not a timing concern (it can at most
reveal bits of a hash that no one can invert).

:meth:`TokensMixin.spend_token` is one ``UPDATE ... WHERE <unexpired, unrevoked, uses left>
RETURNING``: in SQLite under the database's write lock, in PostgreSQL with the row lock the
UPDATE takes, after which PostgreSQL re-checks the WHERE clause on the newest row version (READ
COMMITTED, "EvalPlanQual"). Two nodes spending the last use at once: one gets the row, the
other gets nothing. Constraints are a JSON object (organization, client_id, dns, machine_id,
binding) that the service enforces against the request.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime, timezone

from x509core.ca.inventory.records import (PROFILES, AuditEvent, Token, TokenRefused,
                                           parse_time, time_text)
from x509core.errors import InvalidValue

__all__ = ["TokensMixin", "new_token_secret", "hash_token_secret", "split_token", "refusal"]

_TOKEN_COLUMNS = ("id", "secret_hash", "profile", "constraints", "created_at", "expires_at",
                  "uses_allowed", "uses_spent", "revoked_at", "created_by")
_SELECT = f"SELECT {', '.join(_TOKEN_COLUMNS)} FROM enrollment_tokens"


def new_token_secret() -> tuple[str, str]:
    """(token id, secret) for a new token; the caller shows ``f"{id}.{secret}"`` once."""
    return secrets.token_hex(8), secrets.token_urlsafe(32)


def hash_token_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def split_token(token: str) -> tuple[str, str]:
    """(id, secret) of a presented token; InvalidValue when it has not that shape."""
    token_id, dot, secret = token.strip().partition(".")
    if not dot or len(token_id) != 16 or not secret or any(c not in "0123456789abcdef"
                                                          for c in token_id):
        raise InvalidValue("not an enrollment token")
    return token_id, secret


def _token(row) -> Token:
    v = dict(zip(_TOKEN_COLUMNS, row, strict=True))
    return Token(id=v["id"], secret_hash=v["secret_hash"], profile=v["profile"],
                 constraints=json.loads(v["constraints"]), created_at=parse_time(v["created_at"]),
                 expires_at=parse_time(v["expires_at"]), uses_allowed=v["uses_allowed"],
                 uses_spent=v["uses_spent"], revoked_at=parse_time(v["revoked_at"]),
                 created_by=v["created_by"])


class TokensMixin:
    """Enrollment tokens."""

    def add_token(self, *, token_id: str, secret_hash: str, profile: str, constraints: dict,
                  expires_at: datetime, uses: int = 1, created_by: str,
                  at: datetime | None = None, audit: AuditEvent | None = None) -> Token:
        """Store a new token (only the hash of its secret)."""
        if profile not in PROFILES:
            raise InvalidValue(f"profile must be client or server, not {profile!r}")
        if not isinstance(uses, int) or isinstance(uses, bool) or uses < 1:
            raise InvalidValue("a token allows at least one use")
        if len(secret_hash) != 64:
            raise InvalidValue("secret_hash must be the SHA-256 of the secret, in hex")
        created = at or datetime.now(timezone.utc)
        if expires_at <= created:
            raise InvalidValue("the token would expire before it is made")
        values = (token_id, secret_hash, profile, json.dumps(constraints, sort_keys=True),
                  time_text(created), time_text(expires_at), uses, 0, None, created_by)

        def work(tx):
            tx.execute(f"INSERT INTO enrollment_tokens ({', '.join(_TOKEN_COLUMNS)}) "
                       f"VALUES ({', '.join('?' * len(values))})", values)
            if audit is not None:
                self.append_audit_in(tx, audit)
            return _token(tx.one(f"{_SELECT} WHERE id = ?", (token_id,)))
        return self.run(work)

    def token(self, token_id: str) -> Token | None:
        rows = self.query(f"{_SELECT} WHERE id = ?", (token_id,))
        return _token(rows[0]) if rows else None

    def tokens(self, *, active_only: bool = False, at: datetime | None = None) -> list[Token]:
        """Every token, newest first; ``active_only``: unexpired, unrevoked, with uses left."""
        now = time_text(at or datetime.now(timezone.utc))
        if active_only:
            rows = self.query(f"{_SELECT} WHERE expires_at > ? AND revoked_at IS NULL AND "
                              "uses_spent < uses_allowed ORDER BY created_at DESC, id", (now,))
        else:
            rows = self.query(f"{_SELECT} ORDER BY created_at DESC, id")
        return [_token(row) for row in rows]

    def revoke_token(self, token_id: str, *, at: datetime | None = None,
                     audit: AuditEvent | None = None) -> Token:
        """Revoke a token (it can no longer be spent); revoking twice keeps the first time."""
        when = time_text(at or datetime.now(timezone.utc))

        def work(tx):
            tx.execute("UPDATE enrollment_tokens SET revoked_at = ? WHERE id = ? AND "
                       "revoked_at IS NULL", (when, token_id))
            row = tx.one(f"{_SELECT} WHERE id = ?", (token_id,))
            if row is None:
                raise InvalidValue(f"unknown enrollment token {token_id}")
            if audit is not None:
                self.append_audit_in(tx, audit)
            return _token(row)
        return self.run(work)

    def spend_token(self, token_id: str, secret_hash: str, *, at: datetime | None = None,
                    audit: AuditEvent | None = None) -> Token:
        """Spend one use of the token, atomically (module docstring); the token after the
        spend, or :class:`TokenRefused` with the reason."""
        return self.run(lambda tx: self.spend_token_in(tx, token_id, secret_hash, at=at,
                                                       audit=audit))

    def spend_token_in(self, tx, token_id: str, secret_hash: str, *,
                       at: datetime | None = None, audit: AuditEvent | None = None) -> Token:
        """Inside a transaction (the one that reserves the certificate the use pays for):
        spend one use, or raise :class:`TokenRefused`, which rolls the transaction back."""
        now = time_text(at or datetime.now(timezone.utc))
        row = tx.one("UPDATE enrollment_tokens SET uses_spent = uses_spent + 1 "
                     "WHERE id = ? AND secret_hash = ? AND revoked_at IS NULL AND "
                     "expires_at > ? AND uses_spent < uses_allowed "
                     f"RETURNING {', '.join(_TOKEN_COLUMNS)}", (token_id, secret_hash, now))
        if row is None:
            current = tx.one(f"{_SELECT} WHERE id = ?", (token_id,))
            raise TokenRefused(refusal(None if current is None else _token(current),
                                        secret_hash, now), token_id)
        if audit is not None:
            self.append_audit_in(tx, audit)
        return _token(row)


def refusal(token: Token | None, secret_hash: str, now: str) -> str:
    """Why ``token`` cannot be spent now (TokenRefused.reason)."""
    if token is None:
        return "unknown"
    if not secrets.compare_digest(token.secret_hash, secret_hash):
        return "wrong-secret"
    if token.revoked_at is not None:
        return "revoked"
    if time_text(token.expires_at) <= now:
        return "expired"
    return "spent"
