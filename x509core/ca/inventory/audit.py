"""The audit trail: append-only rows of who did what, when, from where, with what outcome.

The fields are those IHE ATNA asks a secure node to record (IHE ITI TF-2 §3.20.7, the DICOM
audit message of PS3.15 Annex A.5, which follows RFC 3881), one column each:

    at          EventIdentification EventDateTime (UTC, whole seconds)
    action      EventIdentification EventID (what happened: issue, enroll, register, reenroll,
                revoke, crl, token-create, token-use, token-revoke, public-url)
    outcome     EventIdentification EventOutcomeIndicator (success = 0; failure = 4 or 8)
    actor_kind  ActiveParticipant role: a local command (cli), an administrator (admin), the
                holder of an enrollment token (token) or of a certificate (certificate), the
                service itself (service)
    actor       ActiveParticipant UserID: "cli", the admin's name, the token id, the serial
    source      ActiveParticipant NetworkAccessPointID (type 2, an IP address), None locally
    target      ParticipantObjectIdentification ParticipantObjectID (a serial, a token id, a
                cRLNumber)
    detail      ParticipantObjectDetail / EventOutcomeDescription: one line, e.g. the subject
                issued, or why a request was refused
    node        AuditSourceIdentification AuditSourceID: the node (host and CA directory) whose
                process wrote the row (schema version 2; None on older rows)

Append-only is enforced by the database, not only by this code: SQLite triggers abort every
UPDATE and DELETE of ``audit_events`` (``RAISE(ABORT)``); in PostgreSQL a trigger refuses
UPDATE, DELETE and TRUNCATE. (Whoever owns the database file or the PostgreSQL role can still
drop a trigger: keep copies of the trail elsewhere if that is in the threat model.) A state
change and its audit row are written in one transaction: both or neither.

Every append also takes the ``revision`` counter in the same transaction, so
:meth:`AuditMixin.revision` is a number that moves whenever any process or node has committed a
state change: the service's caches (OCSP answers, the CRL) watch it. A maximum audit id would
not do: on PostgreSQL a transaction holding a lower id can commit after a higher one.
"""

from __future__ import annotations

from datetime import datetime, timezone

from x509core.ca.inventory.records import (ACTOR_KINDS, OUTCOMES, AuditEvent, parse_time,
                                           time_text)
from x509core.errors import InvalidValue

__all__ = ["AuditMixin"]

_COLUMNS = ("id", "at", "actor_kind", "actor", "source", "action", "target", "outcome", "detail",
            "node")


def _event(row) -> AuditEvent:
    v = dict(zip(_COLUMNS, row, strict=True))
    return AuditEvent(action=v["action"], outcome=v["outcome"], actor_kind=v["actor_kind"],
                      actor=v["actor"], source=v["source"], target=v["target"],
                      detail=v["detail"], at=parse_time(v["at"]), id=v["id"], node=v["node"])


class AuditMixin:
    """Appending to and reading the audit trail."""

    @staticmethod
    def append_audit_in(tx, event: AuditEvent) -> None:
        """Inside a transaction: append ``event`` (its time is now unless given)."""
        if event.actor_kind not in ACTOR_KINDS:
            raise InvalidValue(f"actor kind must be one of {', '.join(ACTOR_KINDS)}")
        if event.outcome not in OUTCOMES:
            raise InvalidValue("outcome must be success or failure")
        if not event.action or not event.actor:
            raise InvalidValue("an audit event needs an action and an actor")
        at = time_text(event.at or datetime.now(timezone.utc))
        tx.engine.take_counter(tx, "revision")
        tx.execute("INSERT INTO audit_events (at, actor_kind, actor, source, action, target, "
                   "outcome, detail, node) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (at, event.actor_kind, event.actor, event.source, event.action, event.target,
                    event.outcome, event.detail, event.node or tx.engine.node))

    def revision(self) -> int:
        """Moves whenever a state change (with its audit row) has been committed anywhere."""
        return self.counter("revision")

    def append_audit(self, event: AuditEvent) -> None:
        """Append one event in its own transaction (a refused request, for instance)."""
        self.run(lambda tx: self.append_audit_in(tx, event))

    def audit_page(self, *, since: datetime | None = None, until: datetime | None = None,
                   action: str | None = None, actor: str | None = None,
                   actor_kind: str | None = None,
                   outcome: str | None = None, target: str | None = None,
                   after_id: int | None = None, limit: int = 1000,
                   newest_first: bool = False) -> list[AuditEvent]:
        """At most ``limit`` events in id order after ``after_id`` that match every filter;
        ``since`` inclusive, ``until`` exclusive. ``newest_first``: in reverse id order, and
        ``after_id`` then means "older than" (the admin page's next page)."""
        if not isinstance(limit, int) or not 1 <= limit <= 10_000:
            raise InvalidValue("limit must be between 1 and 10000")
        where, args = [], []
        for column, value in (("action", action), ("actor", actor), ("actor_kind", actor_kind),
                              ("outcome", outcome), ("target", target)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        if since is not None:
            where.append("at >= ?")
            args.append(time_text(since))
        if until is not None:
            where.append("at < ?")
            args.append(time_text(until))
        if after_id is not None:
            where.append("id < ?" if newest_first else "id > ?")
            args.append(after_id)
        sql = f"SELECT {', '.join(_COLUMNS)} FROM audit_events"
        if where:
            sql += " WHERE " + " AND ".join(where)
        order = "id DESC" if newest_first else "id"
        return [_event(row) for row in self.query(f"{sql} ORDER BY {order} LIMIT ?",
                                                  [*args, limit])]

    def iter_audit(self, **filters):
        """Every matching event, streamed in id order in pages of 1000 (bounded memory)."""
        after = filters.pop("after_id", None)
        limit = filters.pop("limit", None)
        seen = 0
        while limit is None or seen < limit:
            size = 1000 if limit is None else min(1000, limit - seen)
            events = self.audit_page(after_id=after, limit=size, **filters)
            yield from events
            seen += len(events)
            if len(events) < size:
                return
            after = events[-1].id
