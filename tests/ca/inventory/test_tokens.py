"""Enrollment tokens on both engines: only the hash is stored; a use is spent atomically, so
that two connections (two nodes) never spend the last use twice."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from tests.ca.inventory.conftest import T0
from x509core.ca.inventory import TokenRefused, open_inventory
from x509core.ca.inventory.records import Actor
from x509core.ca.inventory.tokens import hash_token_secret, new_token_secret, split_token
from x509core.errors import InvalidValue


def _add(inventory, uses=1, **kwargs):
    token_id, secret = new_token_secret()
    token = inventory.add_token(token_id=token_id, secret_hash=hash_token_secret(secret),
                                profile="client", constraints={"machine_id": "ab" * 16},
                                expires_at=T0 + timedelta(hours=24), uses=uses,
                                created_by="admin alice", at=T0, **kwargs)
    return token, f"{token_id}.{secret}"


def test_token_lifecycle(inventory):
    token, presented = _add(inventory, uses=2,
                            audit=Actor("admin", "alice").event("token-create"))
    token_id, secret = split_token(presented)
    assert token.id == token_id and secret not in repr(inventory.token(token_id))
    assert inventory.token(token_id).secret_hash == hash_token_secret(secret) != secret
    assert [t.id for t in inventory.tokens(active_only=True, at=T0)] == [token_id]
    spent = inventory.spend_token(token_id, hash_token_secret(secret), at=T0)
    assert spent.uses_spent == 1 and spent.constraints == {"machine_id": "ab" * 16}
    inventory.spend_token(token_id, hash_token_secret(secret), at=T0)
    with pytest.raises(TokenRefused, match="spent"):
        inventory.spend_token(token_id, hash_token_secret(secret), at=T0)
    assert inventory.tokens(active_only=True, at=T0) == []
    assert [e.action for e in inventory.audit_page()] == ["token-create"]


@pytest.mark.parametrize("case", ["unknown", "wrong-secret", "expired", "revoked"])
def test_refusals(inventory, case):
    token, presented = _add(inventory)
    token_id, secret = split_token(presented)
    at = T0
    if case == "unknown":
        token_id = "f" * 16
    elif case == "wrong-secret":
        secret = "guess"
    elif case == "expired":
        at = T0 + timedelta(hours=24)
    else:
        inventory.revoke_token(token_id, at=T0)
        assert inventory.revoke_token(token_id, at=T0 + timedelta(hours=1)).revoked_at == T0
    with pytest.raises(TokenRefused) as refused:
        inventory.spend_token(token_id, hash_token_secret(secret), at=at)
    assert refused.value.reason == case
    if case != "unknown":
        assert inventory.token(token.id).uses_spent == 0


def test_bad_tokens_are_refused_on_creation(inventory):
    for kwargs in ({"uses": 0}, {"profile": "root"}, {"secret_hash": "short"},
                   {"expires_at": T0}):
        with pytest.raises(InvalidValue):
            arguments = dict(token_id="0" * 16, secret_hash="a" * 64, profile="client",
                             constraints={}, expires_at=T0 + timedelta(1), created_by="x", at=T0)
            arguments.update(kwargs)
            inventory.add_token(**arguments)
    for text in ("", "abc", "0123456789abcdeg.x", "0123456789abcdef"):
        with pytest.raises(InvalidValue):
            split_token(text)


def test_the_last_use_is_spent_once_by_racing_connections(inventory, inventory_location):
    """Eight connections (as eight nodes would have) spend a 3-use token 40 times at once."""
    token, presented = _add(inventory, uses=3)
    token_id, secret = split_token(presented)
    others = [open_inventory(inventory.directory, inventory_location) for _ in range(8)]
    results, start = [], threading.Barrier(len(others))

    def spend(store):
        start.wait()
        for _ in range(5):
            try:
                store.spend_token(token_id, hash_token_secret(secret), at=T0)
                results.append("ok")
            except TokenRefused as refused:
                results.append(refused.reason)
    threads = [threading.Thread(target=spend, args=(store,)) for store in others]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for store in others:
        store.close()
    assert results.count("ok") == 3 and results.count("spent") == 37
    assert inventory.token(token_id).uses_spent == 3
