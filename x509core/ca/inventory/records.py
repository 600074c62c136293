"""The values the inventory stores and returns: certificate records, tokens, audit events, pages
of a listing, and the repair report; plus the text forms both engines store (serials, times).

Times are stored as fixed-width UTC text ``YYYY-MM-DDTHH:MM:SSZ`` in both engines: it sorts as
time, compares byte for byte in the migration check, and lets one SQL text serve SQLite and
PostgreSQL. Serials are upper-case hexadecimal with an even number of digits (RFC 5280 §4.1.2.2
allows 20 octets, beyond either engine's 64-bit integers), the name of the file in ``issued/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple
from datetime import datetime, timezone
from pathlib import Path

from x509core.errors import InvalidValue, X509CoreError

__all__ = ["Actor", "IssuedRecord", "Reconciliation", "Token", "AuditEvent", "Page", "Counts",
           "SerialTaken", "InventoryUnavailable", "TokenRefused", "serial_hex", "time_text",
           "parse_time", "PROFILES", "CERTIFICATE_PROFILES", "STATUSES", "BINDINGS",
           "ACTOR_KINDS", "OUTCOMES", "AUDIT_ACTIONS", "actor_filter"]

PROFILES = ("client", "server")        # what an enrollment token may ask for
# What a certificate row may be: the two above, and the service's delegated OCSP responder
# (RFC 6960 §4.2.2.2), recorded like every certificate the CA key signs (schema version 2).
CERTIFICATE_PROFILES = ("client", "server", "ocsp")
# reserved: the row exists, the certificate is being signed (see the package docstring);
# abandoned: a reservation whose process died before any certificate left it.
STATUSES = ("reserved", "valid", "revoked", "abandoned")
BINDINGS = ("seed", "san")             # where the machine binding is carried (issue 15: "san")
ACTOR_KINDS = ("cli", "admin", "token", "certificate", "service")
OUTCOMES = ("success", "failure")
# Every action the trail records (the filters of `x509core audit` and the admin page offer these).
AUDIT_ACTIONS = ("issue", "enroll", "register", "reenroll", "revoke", "crl", "token-create",
                 "token-use", "token-revoke", "rate-limited", "public-url", "admin-add",
                 "admin-remove", "admin-login", "admin-logout", "admin-session-expired")


def actor_filter(text: str) -> tuple[str | None, str]:
    """An actor to filter the trail by, as typed: ``NAME`` (any kind), or ``KIND:NAME`` as the
    trail shows it (``admin:alice``, ``token:1f2e...``). Returns (kind or None, name)."""
    kind, colon, name = text.partition(":")
    if colon and kind.strip() in ACTOR_KINDS:
        return kind.strip(), name.strip()
    return None, text.strip()


class SerialTaken(X509CoreError):
    """The serial number is already in the inventory; draw another."""


class InventoryUnavailable(X509CoreError):
    """The inventory's database cannot be reached (PostgreSQL down, restarting, unreachable)."""


class TokenRefused(X509CoreError):
    """An enrollment token that cannot be spent: ``.reason`` is unknown, wrong-secret, expired,
    revoked or spent."""

    def __init__(self, reason: str, token_id: str):
        self.reason, self.token_id = reason, token_id
        super().__init__(f"enrollment token {token_id} refused: {reason}")


class Actor(NamedTuple):
    """Who acts, for the audit trail: kind (ACTOR_KINDS), name, and network address if any."""

    kind: str = "cli"
    name: str = "cli"
    source: str | None = None

    def event(self, action: str, target: str | None = None, outcome: str = "success",
              detail: str | None = None) -> "AuditEvent":
        return AuditEvent(action=action, outcome=outcome, actor_kind=self.kind, actor=self.name,
                          source=self.source, target=target, detail=detail)


def serial_hex(serial: int) -> str:
    """The serial as the file name stem: upper-case hex with an even number of digits."""
    if not isinstance(serial, int) or isinstance(serial, bool):
        raise TypeError("serial must be an int")
    if serial <= 0:
        raise InvalidValue(f"serial numbers are positive (RFC 5280 §4.1.2.2), not {serial}")
    text = f"{serial:X}"
    return text if len(text) % 2 == 0 else "0" + text


def time_text(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise InvalidValue("times must be timezone-aware")
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str | None) -> datetime | None:
    """The inverse of :func:`time_text` (sliced: strptime costs ten times more per row)."""
    if text is None:
        return None
    if len(text) != 20 or text[4] != "-" or text[10] != "T" or text[19] != "Z":
        raise InvalidValue(f"not an inventory time: {text!r}")
    return datetime(int(text[0:4]), int(text[5:7]), int(text[8:10]), int(text[11:13]),
                    int(text[14:16]), int(text[17:19]), tzinfo=timezone.utc)


@dataclass(frozen=True)
class IssuedRecord:
    """One inventory row: a certificate the CA issued and what became of it."""

    serial: int
    subject: str                       # RFC 4514
    profile: str                       # "client" | "server" | "ocsp"
    machine_identity: str | None
    mac_address: str | None
    not_before: datetime
    not_after: datetime
    status: str                        # see STATUSES (expiry is not a status: compare not_after)
    revocation_reason: str | None      # RFC 5280 §5.3.1 name
    revocation_date: datetime | None
    path: Path                         # the PEM file issued/<SERIAL>.pem
    pem: str | None                    # None while reserved, or abandoned
    common_name: str | None = None
    organization: str | None = None
    binding: str = "seed"
    dns_names: tuple[str, ...] = ()
    ip_addresses: tuple[str, ...] = ()
    key_algorithm: str = ""            # "RSA-2048", "EC P-256"
    issued_at: datetime | None = field(default=None, compare=False)
    node: str | None = field(default=None, compare=False)

    @property
    def serial_hex(self) -> str:
        return serial_hex(self.serial)

    def is_expired(self, at: datetime | None = None) -> bool:
        return self.not_after <= (at or datetime.now(timezone.utc))

    def display_status(self, at: datetime | None = None) -> str:
        """valid, revoked or expired (a valid certificate past its notAfter), as `list` shows."""
        if self.status == "valid" and self.is_expired(at):
            return "expired"
        return self.status


@dataclass(frozen=True)
class Page:
    """One page of a listing; ``next_after`` is the keyset cursor of the next page (None: last)."""

    records: tuple[IssuedRecord, ...]
    next_after: tuple | None


@dataclass(frozen=True)
class Counts:
    """The dashboard's numbers at one instant."""

    valid: int
    expiring: int                      # valid, not expired, notAfter within the window
    revoked: int
    expired: int


@dataclass(frozen=True)
class Token:
    """An enrollment token (issue 12) as stored: only the hash of its secret."""

    id: str
    secret_hash: str
    profile: str
    constraints: dict
    created_at: datetime
    expires_at: datetime
    uses_allowed: int
    uses_spent: int
    revoked_at: datetime | None
    created_by: str

    def is_active(self, at: datetime) -> bool:
        return (self.revoked_at is None and self.expires_at > at
                and self.uses_spent < self.uses_allowed)


@dataclass(frozen=True)
class AuditEvent:
    """One row of the append-only audit trail; fields after IHE ATNA (ITI TF-2 §3.20.7.3):
    when, who (actor kind and name), from where, what (action, target), and the outcome."""

    action: str                        # "issue", "revoke", "crl", "token-create", "enroll", ...
    outcome: str = "success"           # "success" | "failure"
    actor_kind: str = "cli"            # see ACTOR_KINDS
    actor: str = "cli"                 # token id, certificate serial, admin name, or "cli"
    source: str | None = None          # network address, or None for a local command
    target: str | None = None          # serial or token id
    detail: str | None = None
    at: datetime | None = None         # set by append when None
    id: int | None = None              # set by the inventory
    node: str | None = None            # the node that recorded it (set by the inventory)


@dataclass(frozen=True)
class Reconciliation:
    """What the repair on open (or a full check) found and, unless a dry run, repaired."""

    adopted: tuple[int, ...] = ()          # reserved rows whose file was complete: recorded
    restored: tuple[int, ...] = ()         # rows whose file was missing: rewritten from the row
    abandoned: tuple[int, ...] = ()        # reserved rows of a dead process, no file: closed
    removed_temporary: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()         # left alone: needs a person

    @property
    def consistent(self) -> bool:
        return not (self.adopted or self.restored or self.abandoned or self.removed_temporary
                    or self.problems)
