"""Listing, search, keyset pagination and dashboard counts, on both engines."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.ca.inventory.conftest import T0, add_synthetic
from x509core.errors import InvalidValue


@pytest.fixture
def filled(inventory):
    """30 rows: every third a server with DNS and IP names, organizations alternating,
    validities 1..30 days; rows 0 and 5 revoked."""
    for i in range(30):
        server = i % 3 == 0
        add_synthetic(inventory, i, days=1 + i, profile="server" if server else "client",
                      org="Zürich Klinik" if i % 2 else "Example Clinic",
                      dns=[f"pacs{i}.example.org"] if server else (),
                      ip=[f"10.0.0.{i}"] if server else ())
    for i in (0, 5):
        inventory.mark_revoked(0x1000 + i, "keyCompromise", T0)
    return inventory


def _numbers(records) -> list[int]:
    return [r.serial - 0x1000 for r in records]


def test_filters(filled):
    at = T0 + timedelta(days=10, hours=12)
    assert _numbers(filled.records(status="revoked", at=at)) == [0, 5]
    assert _numbers(filled.records(status="expired", at=at)) == [1, 2, 3, 4, 6, 7, 8, 9]
    assert len(filled.records(status="valid", at=at)) == 20
    assert _numbers(filled.records(expiring_within=timedelta(days=3), at=at)) == [10, 11, 12]
    assert _numbers(filled.records(profile="server", status="revoked", at=at)) == [0]
    assert len(filled.records(at=at)) == 30
    counts = filled.counts(expiring_within=timedelta(days=3), at=at)
    assert (counts.valid, counts.expiring, counts.revoked, counts.expired) == (20, 3, 2, 8)
    with pytest.raises(InvalidValue, match="profile"):
        filled.records(profile="router")


@pytest.mark.parametrize("field, term, expected", [
    ("cn", "ws00001", list(range(10, 20))),
    ("cn", "WS000012", [12]),
    ("org", "zürich", list(range(1, 30, 2))),
    ("org", "ZÜRICH K", list(range(1, 30, 2))),
    ("machine", f"{27:032x}", [27]),
    ("serial", "10:1", list(range(16, 30))),
    ("serial", "0x1003", [3]),
    ("dns", "PACS2", [21, 24, 27]),
    ("ip", "10.0.0.9", [9]),
    ("any", "pacs1", [12, 15, 18]),
    ("any", "1003", [3]),
    ("any", "nothing-like-it", []),
])
def test_search(filled, field, term, expected):
    assert _numbers(filled.records(search=term, search_field=field, at=T0)) == expected


_BROAD_CASES = [("cn", "ws0"), ("org", "zürich"), ("machine", "0000"), ("serial", "10"),
                ("dns", "pacs"), ("ip", "10.0.0.9"), ("any", "pacs1"), ("any", "1003"),
                ("any", "ws")]


@pytest.mark.parametrize("field, term", _BROAD_CASES)
def test_a_broad_search_walks_the_sort_order_with_the_same_answer(filled, monkeypatch, field,
                                                                   term):
    """Above BROAD hits a search walks the sort order instead of sorting its hits
    (listing.py): every page, in both orders and with filters, is the same either way."""
    from x509core.ca.inventory import listing

    def pages(**filters):
        return [_numbers(filled.page(search=term, search_field=field, at=T0, limit=4,
                                     sort="not_after", after=after, descending=down,
                                     **filters).records)
                for down in (False, True) for after in (None, _cursor(filled, down))]
    narrow = [pages(), pages(status="valid"), pages(profile="server")]
    monkeypatch.setattr(listing, "BROAD", 0)                # every search is broad now
    assert filled._broad(term, field) == bool(filled.records(search=term, search_field=field))
    assert [pages(), pages(status="valid"), pages(profile="server")] == narrow


def _cursor(inventory, descending: bool) -> tuple:
    middle = inventory.page(sort="not_after", limit=10, at=T0, descending=descending)
    return middle.next_after


def test_search_errors(filled):
    for field, term in (("serial", "xyz"), ("ip", "10.0.0"), ("color", "red"), ("cn", "  ")):
        with pytest.raises(InvalidValue):
            filled.records(search=term, search_field=field)


def test_keyset_pagination_by_not_after(filled):
    seen, after, pages = [], None, 0
    while True:
        page = filled.page(sort="not_after", descending=True, after=after, limit=7, at=T0)
        seen += _numbers(page.records)
        pages += 1
        if page.next_after is None:
            break
        after = page.next_after
    assert seen == list(range(29, -1, -1)) and pages == 5
    first = filled.page(sort="issued", limit=10, at=T0)
    second = filled.page(sort="issued", limit=10, after=first.next_after, at=T0)
    assert _numbers(first.records + second.records) == list(range(20))
    with pytest.raises(InvalidValue, match="cursor"):
        filled.page(sort="not_after", after=first.next_after)
    with pytest.raises(InvalidValue, match="limit"):
        filled.page(limit=0)


def test_iter_records_streams_in_batches(inventory, monkeypatch):
    import x509core.ca.inventory.listing as listing
    monkeypatch.setattr(listing, "BATCH", 4)
    for i in range(11):
        add_synthetic(inventory, i)
    calls = []
    real_page = inventory.page
    monkeypatch.setattr(inventory, "page", lambda **kw: calls.append(kw) or real_page(**kw))
    assert _numbers(inventory.iter_records(at=T0)) == list(range(11))
    assert len(calls) == 3 and all(c["limit"] == 4 for c in calls)
