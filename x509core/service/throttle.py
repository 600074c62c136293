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

Requests in flight at once. Each try takes its unit before its guess is checked
(:meth:`GuessLimiter.take`, under the lock) and gives it back when it was not a failed guess
(:meth:`GuessLimiter.give_back`). Checking the bucket first and counting a failure after the
check would let every request sent at once pass the check before the first failure counted
(a check-then-act race, CWE-362): a review sent 40 logins at once from one address and all
40 passwords were tried against a limit of 5.

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

import ipaddress
import math
import threading
import time
from collections import OrderedDict

__all__ = ["BURST", "REFILL_SECONDS", "MAX_ADDRESSES", "GuessLimiter", "address_key"]

BURST = 10                      # failed guesses an address may make at once
REFILL_SECONDS = 30.0           # then one more each this many seconds
MAX_ADDRESSES = 10_000          # buckets kept (least recently used evicted)


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
    ``clock`` (monotonic seconds) is a parameter so tests can drive time."""

    def __init__(self, *, burst: int = BURST, refill_seconds: float = REFILL_SECONDS,
                 max_addresses: int = MAX_ADDRESSES, clock=time.monotonic) -> None:
        if burst < 1 or refill_seconds <= 0 or max_addresses < 1:
            raise ValueError("burst, refill_seconds and max_addresses must be positive")
        self.burst, self.refill_seconds, self.max_addresses = burst, refill_seconds, max_addresses
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def _level(self, key: str, now: float) -> float:
        """What is left in the bucket of ``key`` now (full when it has none)."""
        entry = self._buckets.get(key)
        if entry is None:
            return float(self.burst)
        level, then = entry
        return min(float(self.burst), level + (now - then) / self.refill_seconds)

    def retry_after(self, address: str | None) -> int | None:
        """None if ``address`` may present a token now; else the whole seconds until it may."""
        key = address_key(address)
        with self._lock:
            level = self._level(key, self._clock())
        if level >= 1.0:
            return None
        return max(1, math.ceil((1.0 - level) * self.refill_seconds))

    def take(self, address: str | None) -> tuple[int | None, bool]:
        """Take one try of ``address`` before its guess is checked (module docstring):
        ``(None, last)`` when a unit was taken, ``last`` when it was the bucket's last (a
        failure now starts a lockout, which the caller records once); ``(seconds, False)``
        when none is left, the seconds until one is."""
        key = address_key(address)
        with self._lock:
            now = self._clock()
            level = self._level(key, now)
            if level < 1.0:
                return max(1, math.ceil((1.0 - level) * self.refill_seconds)), False
            self._store(key, level - 1.0, now)
        return None, level - 1.0 < 1.0

    def give_back(self, address: str | None) -> None:
        """Return the unit a try took when it was not a failed guess (a right password, a
        token whose secret was right)."""
        key = address_key(address)
        with self._lock:
            now = self._clock()
            self._store(key, min(float(self.burst), self._level(key, now) + 1.0), now)

    def _store(self, key: str, level: float, now: float) -> None:
        self._buckets[key] = (level, now)
        self._buckets.move_to_end(key)
        while len(self._buckets) > self.max_addresses:
            self._buckets.popitem(last=False)

    def __len__(self) -> int:
        return len(self._buckets)
