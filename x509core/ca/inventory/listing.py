"""Listing and searching certificates: filters, search, sort, keyset pagination, counts.

Every query here is served by an index (``schema.py`` names them; the benchmark prints the
plans at 1,000,000 rows). Pagination is by keyset — "the rows after this (notAfter, id)" —
never by OFFSET, so page 1,000 costs what page 1 does. :meth:`iter_records` streams a whole
listing in pages of :data:`BATCH` rows, so memory stays bounded whatever the inventory's size.

Search (``search`` and ``search_field``):

    cn, org   prefix of the subject's CN or O, case-folded
    machine   prefix of the bound machine identity
    serial    prefix of the serial in hexadecimal (colons and 0x allowed)
    dns       prefix of a DNS name of the subjectAltName (lower case)
    ip        an IP address of the subjectAltName, exactly
    any       any of the above (a union of the indexed lookups)

Broad searches. A search is served by the index of its field, and its hits are then sorted: fast
while they are few. A prefix that matches most of the inventory (``WS0`` of ``WS0000001`` ...)
would sort 100,000 hits for a page of 50 (and, for ``any``, first merge the hits of every
field). So a search first counts its hits in each field, stopping at :data:`BROAD` (an index
range of at most that many entries); above it, the page walks the sort order's index and checks
the search on each row, one condition per field joined by OR (a name: one key lookup per row),
stopping after one page. SQLite's planner has no range statistics, so there the fields' own
indexes are ruled out for that query (the engine's ``no_index`` word); PostgreSQL's planner
chooses from its statistics. Hits that are many but all at the far end of the sort order make
that walk long; at 100,000 rows it stays within the admin page's 200 ms
(``benchmarks/service/bench_admin.py``).
"""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime, timedelta, timezone

from x509core.ca.inventory.certificates import SELECT, record_from_row
from x509core.ca.inventory.fields import search_key
from x509core.ca.inventory.records import (CERTIFICATE_PROFILES, Counts, IssuedRecord, Page,
                                           parse_time, time_text)
from x509core.errors import InvalidValue

__all__ = ["ListingMixin", "SEARCH_FIELDS", "SORTS", "BATCH", "BROAD"]

SEARCH_FIELDS = ("any", "cn", "org", "machine", "serial", "dns", "ip")
SORTS = ("issued", "not_after")
BATCH = 1000
BROAD = 2000             # hits above which a search walks the sort order
_LISTED = "status IN ('valid', 'revoked')"


def _successor(prefix: str) -> str:
    """The least string greater than every string that starts with ``prefix``."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _prefix(column: str, prefix: str) -> tuple[str, list]:
    return f"({column} >= ? AND {column} < ?)", [prefix, _successor(prefix)]


def _serial_prefix(text: str) -> str | None:
    value = text.strip().upper().replace(":", "")
    value = value[2:] if value.startswith("0X") else value
    return value if re.fullmatch(r"[0-9A-F]{1,40}", value) else None


def _range(column: str, prefix: str, walk: str | None) -> tuple[str, list]:
    """A prefix range on ``column``; when walking, ``walk`` is written before the column: the
    engine's word that keeps its planner off the column's index (SQLite's unary ``+``:
    https://sqlite.org/optoverview.html, "Disqualifying WHERE Clause Terms Using Unary-'+'";
    nothing for PostgreSQL, whose planner chooses by its statistics)."""
    return _prefix(column if walk is None else walk + column, prefix)


def _names(kind: str, sql: str, args: list, walk: str | None) -> tuple[str, list]:
    """Certificates with a subjectAltName entry of ``kind`` whose value meets ``sql``: the
    matching names first (an index range), or, when walking, one key lookup per row."""
    if walk is not None:
        return (f"EXISTS (SELECT 1 FROM certificate_names n WHERE n.serial = certificates.serial "
                f"AND n.kind = '{kind}' AND {sql.replace('value', 'n.value')})", args)
    return (f"serial IN (SELECT serial FROM certificate_names WHERE kind = '{kind}' AND {sql})",
            args)


def _parts(term: str, field: str, walk: str | None = None) -> list[tuple[str, list]]:
    """One condition per field searched (each served by an index unless walking)."""
    if field not in SEARCH_FIELDS:
        raise InvalidValue(f"search field must be one of {', '.join(SEARCH_FIELDS)}")
    term = term.strip()
    if not term:
        raise InvalidValue("the search term is empty")
    parts: list[tuple[str, list]] = []
    if field in ("cn", "any"):
        parts.append(_range("cn_key", search_key(term), walk))
    if field in ("org", "any"):
        parts.append(_range("org_key", search_key(term), walk))
    if field in ("machine", "any"):
        parts.append(_range("machine_identity", term, walk))
    serial = _serial_prefix(term)
    if field == "serial" and serial is None:
        raise InvalidValue(f"not a serial number (hexadecimal): {term!r}")
    if field in ("serial", "any") and serial is not None:
        parts.append(_range("serial", serial, walk))
    if field in ("dns", "any"):
        parts.append(_names("dns", *_prefix("value", term.lower()), walk))
    if field in ("ip", "any"):
        try:
            address = str(ipaddress.ip_address(term))
        except ValueError:
            if field == "ip":
                raise InvalidValue(f"not an IP address: {term!r}") from None
        else:
            parts.append(_names("ip", "value = ?", [address], walk))
    return parts


def _search(term: str, field: str, walk: str | None = None) -> tuple[str, list]:
    """A condition on ``certificates``: served by indexes (a union for ``any``), or, when
    walking, checked row by row as the listing walks its sort order (module docstring)."""
    parts = _parts(term, field, walk)
    if len(parts) == 1:
        return parts[0]
    if walk is not None:
        return f"({' OR '.join(sql for sql, _ in parts)})", [a for _, args in parts for a in args]
    union = " UNION ".join(f"SELECT id FROM certificates WHERE {sql}" for sql, _ in parts)
    return f"id IN ({union})", [a for _, args in parts for a in args]


class ListingMixin:
    """Listing, search, pagination and counts."""

    def _broad(self, search: str, search_field: str) -> bool:
        """Whether a search matches more than :data:`BROAD` rows in some field (an index range
        count that stops there), so that the listing walks its sort order."""
        def work(tx):
            return any(tx.one(f"SELECT COUNT(*) FROM (SELECT 1 FROM certificates WHERE {sql} "
                              "LIMIT ?) AS hits", [*args, BROAD + 1])[0] > BROAD
                       for sql, args in _parts(search, search_field))
        return self.run(work, write=False)

    def _filters(self, *, status, profile, expiring_within, search, search_field, at,
                 walk=None):
        where, args = [], []
        now = time_text(at)
        if status is None:
            if expiring_within is None:              # (expiring_within narrows it further)
                where.append(_LISTED)
        elif status == "valid":
            where.append("status = 'valid' AND not_after > ?")
            args.append(now)
        elif status == "expired":
            where.append("status = 'valid' AND not_after <= ?")
            args.append(now)
        elif status == "revoked":
            where.append("status = 'revoked'")
        else:
            raise InvalidValue(f"status must be valid, revoked or expired, not {status!r}")
        if profile is not None:
            if profile not in CERTIFICATE_PROFILES:
                raise InvalidValue(f"profile must be one of {', '.join(CERTIFICATE_PROFILES)}, "
                                   f"not {profile!r}")
            where.append("profile = ?")
            args.append(profile)
        if expiring_within is not None:
            if not isinstance(expiring_within, timedelta):
                raise TypeError("expiring_within must be a timedelta")
            where.append("status = 'valid' AND not_after > ? AND not_after <= ?")
            args += [now, time_text(at + expiring_within)]
        if search is not None:
            sql, more = _search(search, search_field, walk)
            where.append(sql)
            args += more
        return where, args

    def _page_sql(self, where, args, sort, descending, after, limit):
        if sort not in SORTS:
            raise InvalidValue(f"sort must be one of {', '.join(SORTS)}")
        keys = ("id",) if sort == "issued" else ("not_after", "id")
        where, args = list(where), list(args)
        if after is not None:
            if len(after) != len(keys):
                raise InvalidValue("this cursor belongs to another sort order")
            op = "<" if descending else ">"
            where.append(f"({', '.join(keys)}) {op} ({', '.join('?' * len(keys))})")
            args += list(after)
        order = ", ".join(f"{k} DESC" if descending else k for k in keys)
        sql = f"{SELECT.replace('SELECT ', 'SELECT id, ', 1)} WHERE {' AND '.join(where)} " \
              f"ORDER BY {order} LIMIT ?"
        return sql, [*args, limit], keys

    def page(self, *, status: str | None = None, profile: str | None = None,
             expiring_within: timedelta | None = None, search: str | None = None,
             search_field: str = "any", sort: str = "issued", descending: bool = False,
             after: tuple | None = None, limit: int = 100,
             at: datetime | None = None) -> Page:
        """One page of at most ``limit`` records; pass ``page.next_after`` as ``after`` for the
        next. ``status``: valid (not expired), expired, revoked, or None for all issued.
        ``sort``: issued (issuance order) or not_after; ``descending`` reverses it."""
        if not isinstance(limit, int) or not 1 <= limit <= 10_000:
            raise InvalidValue("limit must be between 1 and 10000")
        at = _aware(at)
        broad = search is not None and self._broad(search, search_field)
        walk = self.no_index if broad else None
        where, args = self._filters(status=status, profile=profile,
                                    expiring_within=expiring_within, search=search,
                                    search_field=search_field, at=at, walk=walk)
        sql, args, keys = self._page_sql(where, args, sort, descending, after, limit)
        rows = self.query(sql, args)
        records = tuple(record_from_row(self.directory, row[1:]) for row in rows)
        if len(rows) < limit:
            return Page(records, None)
        last = rows[-1]
        cursor = (last[0],) if keys == ("id",) else (time_text(records[-1].not_after), last[0])
        return Page(records, cursor)

    def iter_records(self, **filters):
        """Every matching record, streamed in pages of :data:`BATCH` (bounded memory)."""
        after = filters.pop("after", None)
        while True:
            page = self.page(after=after, limit=BATCH, **filters)
            yield from page.records
            if page.next_after is None:
                return
            after = page.next_after

    def records(self, *, status: str | None = None, expiring_within: timedelta | None = None,
                at: datetime | None = None, **filters) -> list[IssuedRecord]:
        """The matching records as a list, in issuance order (for small inventories and tests;
        use :meth:`iter_records` or :meth:`page` where there may be many)."""
        return list(self.iter_records(status=status, expiring_within=expiring_within, at=at,
                                      **filters))

    def counts(self, *, expiring_within: timedelta = timedelta(days=30),
               at: datetime | None = None) -> Counts:
        """The dashboard's counts: valid (not expired), expiring within the window, revoked,
        expired; four index range counts."""
        now = _aware(at)
        t, end = time_text(now), time_text(now + expiring_within)

        def work(tx):
            count = lambda sql, args: tx.one(f"SELECT COUNT(*) FROM certificates WHERE {sql}",
                                             args)[0]
            return Counts(
                valid=count("status = 'valid' AND not_after > ?", (t,)),
                expiring=count("status = 'valid' AND not_after > ? AND not_after <= ?", (t, end)),
                revoked=count("status = 'revoked'", ()),
                expired=count("status = 'valid' AND not_after <= ?", (t,)))
        return self.run(work, write=False)

    def expiry_counts(self, bounds: list[datetime]) -> list[int]:
        """How many valid certificates expire in each interval ``[bounds[i], bounds[i+1])``
        (the admin dashboard's months); one index range count each, in one snapshot."""
        if len(bounds) < 2 or any(b.tzinfo is None for b in bounds) or bounds != sorted(bounds):
            raise InvalidValue("bounds must be two or more increasing aware times")
        texts = [time_text(b) for b in bounds]

        def work(tx):
            return [tx.one("SELECT COUNT(*) FROM certificates WHERE status = 'valid' AND "
                           "not_after >= ? AND not_after < ?", (low, high))[0]
                    for low, high in zip(texts, texts[1:])]
        return self.run(work, write=False)

    def revoked_entries(self, tx):
        """(serial, revocation date, reason) of every revoked certificate, streamed in serial
        order inside ``tx`` (the CRL's snapshot)."""
        for serial, date, reason in tx.stream(
                "SELECT serial, revocation_date, revocation_reason FROM certificates "
                "WHERE status = 'revoked' ORDER BY serial"):
            yield int(serial, 16), parse_time(date), reason


def _aware(at: datetime | None) -> datetime:
    if at is not None and at.tzinfo is None:
        raise InvalidValue("at must be timezone-aware")
    return (at or datetime.now(timezone.utc)).astimezone(timezone.utc)
