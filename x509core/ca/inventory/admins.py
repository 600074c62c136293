"""Admin accounts and their server-side sessions (issue 13, schema version 3).

An account is a name and the scrypt hash of its password (``x509core/ca/admins.py`` makes
and checks the hash; this module only stores it). A session is a row keyed by the SHA-256 of
the session's secret: the browser holds the secret in its cookie, the inventory only the hash,
so a copy of the database does not hand out live sessions. A session ends when its row is gone
(logout, the account removed) or when the service finds it past ``expires_at`` (absolute) or
idle for too long (``seen_at``); the service deletes such rows as it meets them, and sweeps
the rest (:meth:`AdminsMixin.sweep_admin_sessions`). Sessions live in the inventory rather than
in one process's memory, so that every node of a CA on PostgreSQL knows them and a logout on
one node ends the session on all.

Every change of an account lands in the audit trail in the same transaction (``audit=``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from x509core.ca.files import AlreadyExists
from x509core.ca.inventory.records import AuditEvent, parse_time, time_text
from x509core.errors import InvalidValue

__all__ = ["AdminsMixin", "AdminAccount", "AdminSession"]

_ACCOUNT_COLUMNS = ("name", "password_hash", "created_at", "created_by")
_SESSION_COLUMNS = ("id", "admin", "created_at", "seen_at", "expires_at", "source")


@dataclass(frozen=True)
class AdminAccount:
    """An administrator of the admin pages."""

    name: str
    password_hash: str
    created_at: datetime
    created_by: str


@dataclass(frozen=True)
class AdminSession:
    """A logged-in browser: ``id`` is the SHA-256 (hex) of the secret in its cookie."""

    id: str
    admin: str
    created_at: datetime
    seen_at: datetime
    expires_at: datetime
    source: str | None


def _account(row) -> AdminAccount:
    v = dict(zip(_ACCOUNT_COLUMNS, row, strict=True))
    return AdminAccount(v["name"], v["password_hash"], parse_time(v["created_at"]),
                        v["created_by"])


def _session(row) -> AdminSession:
    v = dict(zip(_SESSION_COLUMNS, row, strict=True))
    return AdminSession(v["id"], v["admin"], parse_time(v["created_at"]),
                        parse_time(v["seen_at"]), parse_time(v["expires_at"]), v["source"])


def _now(at: datetime | None) -> str:
    return time_text(at or datetime.now(timezone.utc))


class AdminsMixin:
    """Admin accounts and sessions."""

    # -- accounts -----------------------------------------------------------------------------

    def add_admin(self, name: str, password_hash: str, *, created_by: str,
                  at: datetime | None = None, audit: AuditEvent | None = None) -> AdminAccount:
        """A new account; :class:`AlreadyExists` if the name is taken (never replaced)."""
        values = (name, password_hash, _now(at), created_by)

        def work(tx):
            if tx.one("SELECT 1 FROM admin_accounts WHERE name = ?", (name,)) is not None:
                raise AlreadyExists(f"the admin {name!r} already exists; remove it first to "
                                    "set a new password")
            tx.execute(f"INSERT INTO admin_accounts ({', '.join(_ACCOUNT_COLUMNS)}) "
                       f"VALUES (?, ?, ?, ?)", values)
            if audit is not None:
                self.append_audit_in(tx, audit)
            return _account(tx.one(f"SELECT {', '.join(_ACCOUNT_COLUMNS)} FROM admin_accounts "
                                   "WHERE name = ?", (name,)))
        return self.run(work)

    def admin(self, name: str) -> AdminAccount | None:
        rows = self.query(f"SELECT {', '.join(_ACCOUNT_COLUMNS)} FROM admin_accounts "
                          "WHERE name = ?", (name,))
        return _account(rows[0]) if rows else None

    def admins(self) -> list[AdminAccount]:
        """Every account, by name."""
        return [_account(row) for row in self.query(
            f"SELECT {', '.join(_ACCOUNT_COLUMNS)} FROM admin_accounts ORDER BY name")]

    def remove_admin(self, name: str, *, audit: AuditEvent | None = None) -> int:
        """Remove an account and end every session of it; the number of sessions ended."""
        def work(tx):
            if tx.one("SELECT 1 FROM admin_accounts WHERE name = ?", (name,)) is None:
                raise InvalidValue(f"no admin named {name!r}")
            ended = tx.execute("DELETE FROM admin_sessions WHERE admin = ?", (name,)).rowcount
            tx.execute("DELETE FROM admin_accounts WHERE name = ?", (name,))
            if audit is not None:
                self.append_audit_in(tx, audit)
            return ended
        return self.run(work)

    # -- sessions -----------------------------------------------------------------------------

    def add_admin_session(self, session: AdminSession, *,
                          audit: AuditEvent | None = None) -> None:
        """Store a new session (its id is the hash of the cookie's secret)."""
        values = (session.id, session.admin, time_text(session.created_at),
                  time_text(session.seen_at), time_text(session.expires_at), session.source)

        def work(tx):
            tx.execute(f"INSERT INTO admin_sessions ({', '.join(_SESSION_COLUMNS)}) "
                       f"VALUES (?, ?, ?, ?, ?, ?)", values)
            if audit is not None:
                self.append_audit_in(tx, audit)
        self.run(work)

    def admin_session(self, session_id: str) -> AdminSession | None:
        rows = self.query(f"SELECT {', '.join(_SESSION_COLUMNS)} FROM admin_sessions "
                          "WHERE id = ?", (session_id,))
        return _session(rows[0]) if rows else None

    def touch_admin_session(self, session_id: str, at: datetime) -> None:
        """Record that the session was used at ``at`` (its idle time starts again)."""
        self.run(lambda tx: tx.execute("UPDATE admin_sessions SET seen_at = ? WHERE id = ?",
                                       (time_text(at), session_id)))

    def end_admin_session(self, session_id: str, *, audit: AuditEvent | None = None) -> bool:
        """Delete a session (logout, expiry); whether it existed."""
        def work(tx):
            ended = tx.execute("DELETE FROM admin_sessions WHERE id = ?",
                               (session_id,)).rowcount > 0
            if ended and audit is not None:
                self.append_audit_in(tx, audit)
            return ended
        return self.run(work)

    def sweep_admin_sessions(self, *, expired_before: datetime,
                             idle_before: datetime) -> int:
        """Delete every session past its absolute expiry or idle since ``idle_before``."""
        return self.run(lambda tx: tx.execute(
            "DELETE FROM admin_sessions WHERE expires_at <= ? OR seen_at <= ?",
            (time_text(expired_before), time_text(idle_before))).rowcount)
