"""Failed enrollment-token guesses, rate limited per client address: one token bucket each.
The admin pages' failed logins use a limiter of this class of their own, with their own
numbers (``x509core/service/admin/login.py``: 5 at once, then one a minute).

Who is limited. A request that presents something that is not a usable token's secret — a
malformed token, an unknown token id, a wrong secret — is a failed guess and costs its
address one unit of its bucket. When the bucket is empty, every request from that address that
presents a token (EST ``simpleenroll``'s Basic credentials, the seed API's bearer token) is
refused with 429 and ``Retry-After`` before the token is even looked up (RFC 6585 §4).
Successes cost nothing, nor do requests without a token (a client's first, unauthenticated
try that asks for the challenge), nor a spent, expired or revoked token (its secret was right:
that is a client's mistake, not a guess).

Requests in flight at once. Each try holds a unit of its address's bucket from before its
guess is checked until it is settled (:meth:`GuessLimiter.take`, :meth:`GuessLimiter.settle`,
under the lock): spent when the guess failed, given back otherwise. A try that finds every
unit left held by tries in flight waits for one of them to settle (:func:`take_turn`), so a
site enrolling fifty devices at once through one address is served, not refused. Checking
the bucket first and counting a failure after the check would let every request sent at once
pass the check before the first failure counted (a check-then-act race, CWE-362): a review
sent 40 logins at once from one address and all 40 passwords were tried against a limit of 5.

The numbers (:data:`BURST`, :data:`REFILL_SECONDS`): ten failures at once, then one more every
30 seconds, about 2,900 a day per address. The secret has 256 bits, so guessing is hopeless
at any rate; the limit bounds what a guesser costs the service (inventory lookups, audit rows,
log lines) and makes the attempt stand out in the audit trail (the lockout itself is one
row, written when an address's bucket empties; the 429s that follow are logged, not
recorded, so a flood cannot fill the trail).

Addresses. An IPv4 address is one bucket; an IPv6 address counts with its /64 network, the
usual allocation to one subscriber (RFC 6177 §2), so that rotating through the 2^64 addresses
of one network does not escape the limit. The table holds at most :data:`MAX_ADDRESSES`
buckets, the least recently used evicted first (about 200 bytes each: 2 MB at most); an
evicted address starts again with a full bucket. So an attacker with more than that many
networks can keep guessing at about ``MAX_ADDRESSES * BURST`` tries per refill period: a
per-address limit cannot stop a botnet, and the secret's length is what defends.
"""

from __future__ import annotations

import asyncio
import ipaddress
import math
import threading
import time
from collections import OrderedDict
from typing import NamedTuple

__all__ = ["BURST", "REFILL_SECONDS", "MAX_ADDRESSES", "PATIENCE_SECONDS", "GuessLimiter", "Try",
           "take_turn", "address_key"]

BURST = 10                      # failed guesses an address may make at once
REFILL_SECONDS = 30.0           # then one more each this many seconds
MAX_ADDRESSES = 10_000          # buckets kept (least recently used evicted)
PATIENCE_SECONDS = 30.0         # a try waits this long at most for a unit held in flight


def address_key(address: str | None) -> str:
    """The bucket of ``address``: itself for IPv4, its /64 for IPv6 (an IPv4-mapped IPv6
    address counts as the IPv4 address), the text as given for anything else."""
    try:
        parsed = ipaddress.ip_address(address or "")
    except ValueError:
        return address or "-"
    if parsed.version == 6:
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


class GuessLimiter:
    """The buckets of every address, with a bounded table (module docstring). Thread-safe;
    ``clock`` (monotonic seconds) is a parameter so tests can drive time. A bucket holds its
    level (failed guesses still allowed), when that was last computed, and how many tries of
    the address are in flight (each holds one unit until :meth:`settle`)."""

    def __init__(self, *, burst: int = BURST, refill_seconds: float = REFILL_SECONDS,
                 max_addresses: int = MAX_ADDRESSES, clock=time.monotonic) -> None:
        if burst < 1 or refill_seconds <= 0 or max_addresses < 1:
            raise ValueError("burst, refill_seconds and max_addresses must be positive")
        self.burst, self.refill_seconds, self.max_addresses = burst, refill_seconds, max_addresses
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float, int]] = OrderedDict()
        self._lock = threading.Lock()

    def _state(self, key: str, now: float) -> tuple[float, int]:
        """(the level of ``key``'s bucket now, its tries in flight); full and none when it has
        no bucket."""
        entry = self._buckets.get(key)
        if entry is None:
            return float(self.burst), 0
        level, then, flying = entry
        return min(float(self.burst), level + (now - then) / self.refill_seconds), flying

    def _wait(self, level: float) -> int:
        return max(1, math.ceil((1.0 - level) * self.refill_seconds))

    def retry_after(self, address: str | None) -> int | None:
        """None if ``address`` may present a token now; else the whole seconds until it may."""
        key = address_key(address)
        with self._lock:
            level, _ = self._state(key, self._clock())
        return None if level >= 1.0 else self._wait(level)

    def take(self, address: str | None) -> Try:
        """One try of ``address``, asked before its guess is checked (module docstring):
        ``Try(None, False)`` when it holds a unit now (then :meth:`settle` it);
        ``Try(None, True)`` when every unit left is held by tries in flight (ask again once
        one of them has settled: :func:`take_turn`); ``Try(seconds, False)`` when none is left
        (refuse it with 429: the seconds until one is)."""
        key = address_key(address)
        with self._lock:
            now = self._clock()
            level, flying = self._state(key, now)
            if level - flying >= 1.0:
                self._store(key, level, now, flying + 1)
                return Try(None, False)
        return Try(None, True) if level >= 1.0 else Try(self._wait(level), False)

    def settle(self, address: str | None, *, failed: bool) -> bool:
        """The end of a try :meth:`take` let through: its unit spent when it ``failed`` (a
        wrong secret), else given back. Whether this failure emptied the bucket: the one
        request whose failure starts a lockout, which the caller records."""
        key = address_key(address)
        with self._lock:
            now = self._clock()
            level, flying = self._state(key, now)
            after = level - 1.0 if failed else level
            self._store(key, max(0.0, after), now, max(0, flying - 1))
        return failed and level >= 1.0 > after

    def _store(self, key: str, level: float, now: float, flying: int) -> None:
        self._buckets[key] = (level, now, flying)
        self._buckets.move_to_end(key)
        while len(self._buckets) > self.max_addresses:
            self._buckets.popitem(last=False)

    def __len__(self) -> int:
        return len(self._buckets)


class Try(NamedTuple):
    """What :meth:`GuessLimiter.take` answers."""

    refused_for: int | None        # seconds until a try is allowed; None: not refused
    busy: bool                     # every unit left is held by a try in flight: ask again


async def take_turn(limiter: GuessLimiter, address: str | None, *,
                    patience: float = PATIENCE_SECONDS) -> Try:
    """:meth:`GuessLimiter.take`, waiting while the address's units are all held by tries in
    flight (a site enrolling many devices at once through one address: they wait their turn,
    they are not refused). After ``patience`` seconds of that, refused for a second."""
    deadline = time.monotonic() + patience
    while True:
        turn = limiter.take(address)
        if not turn.busy:
            return turn
        if time.monotonic() >= deadline:
            return Try(1, False)
        await asyncio.sleep(0.02)
