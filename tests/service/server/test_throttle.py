"""Failed token guesses rate limited per address (x509core/service/throttle.py): the bucket's
arithmetic with a driven clock, IPv6 counted by /64, the bounded table; then the running
service: ten wrong tokens from one address, the eleventh request refused with 429 and
Retry-After before its token is looked at (a right one included), one audit row for the
lockout, and other addresses untouched."""

from __future__ import annotations

import pytest

from tests.service.clients import enroll, make_token, one_line, openssl_csr
from x509core.service.throttle import (BURST, REFILL_SECONDS, GuessLimiter, Try, address_key,
                                       take_turn)

pytestmark = pytest.mark.service


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_the_bucket():
    clock = Clock()
    limiter = GuessLimiter(clock=clock)
    for i in range(BURST - 1):
        assert limiter.take("192.0.2.1") == Try(None, False)
        assert not limiter.settle("192.0.2.1", failed=True)
    assert limiter.take("192.0.2.1") == Try(None, False)
    assert limiter.settle("192.0.2.1", failed=True)              # the tenth empties it
    assert limiter.take("192.0.2.1") == Try(REFILL_SECONDS, False)
    assert limiter.retry_after("192.0.2.1") == REFILL_SECONDS
    assert limiter.retry_after("192.0.2.2") is None             # another address
    clock.now += REFILL_SECONDS / 2
    assert limiter.retry_after("192.0.2.1") == REFILL_SECONDS / 2
    clock.now += REFILL_SECONDS / 2
    assert limiter.retry_after("192.0.2.1") is None             # one guess refilled
    assert limiter.take("192.0.2.1") == Try(None, False)
    assert not limiter.settle("192.0.2.1", failed=False)        # a right secret gives it back
    assert limiter.take("192.0.2.1") == Try(None, False)
    assert limiter.settle("192.0.2.1", failed=True)             # spent again: empty again
    clock.now += BURST * REFILL_SECONDS * 10
    for _ in range(BURST * 3):                                  # successes never empty it
        assert limiter.take("192.0.2.1") == Try(None, False)
        assert not limiter.settle("192.0.2.1", failed=False)
    assert limiter.retry_after("192.0.2.1") is None


def test_tries_in_flight_hold_their_units():
    """Of many tries taken at once (none settled yet), BURST hold a unit and the others are
    told to wait (busy), not refused; once they settle as failures, the next is refused, and
    only the failure that empties the bucket says so."""
    import threading
    limiter, results = GuessLimiter(clock=Clock()), []
    start = threading.Barrier(40)

    def one():
        start.wait()
        results.append(limiter.take("192.0.2.9"))
    threads = [threading.Thread(target=one) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(Try(None, False)) == BURST and results.count(Try(None, True)) == 40 - BURST
    emptied = [limiter.settle("192.0.2.9", failed=True) for _ in range(BURST)]
    assert emptied == [False] * (BURST - 1) + [True]
    assert limiter.take("192.0.2.9").refused_for == REFILL_SECONDS


def test_take_turn_waits_for_a_unit_in_flight():
    """A try that finds the units held waits until one settles, within its patience."""
    import asyncio
    limiter = GuessLimiter(burst=1)

    async def scenario():
        assert limiter.take("192.0.2.10") == Try(None, False)          # held in flight
        waiting = asyncio.ensure_future(take_turn(limiter, "192.0.2.10", patience=10))
        await asyncio.sleep(0.1)
        assert not waiting.done()
        limiter.settle("192.0.2.10", failed=False)                     # a success settles
        assert await waiting == Try(None, False)
        gave_up = await take_turn(limiter, "192.0.2.10", patience=0.1)  # held, never settled
        assert gave_up == Try(1, False)
    asyncio.run(scenario())


def test_addresses():
    assert address_key("2001:db8:1:2:3:4:5:6") == address_key("2001:db8:1:2::99") == \
        "2001:db8:1:2::/64"
    assert address_key("::ffff:192.0.2.7") == "192.0.2.7"
    assert address_key(None) == "-" and address_key("unix-socket") == "unix-socket"
    clock = Clock()
    limiter = GuessLimiter(clock=clock, burst=1)
    limiter.take("2001:db8:1:2::1")
    limiter.settle("2001:db8:1:2::1", failed=True)
    assert limiter.retry_after("2001:db8:1:2::ffff") is not None       # same /64
    assert limiter.retry_after("2001:db8:1:3::1") is None              # next /64


def test_the_table_is_bounded():
    limiter = GuessLimiter(clock=Clock(), burst=1, max_addresses=100)
    for i in range(1000):
        limiter.take(f"10.0.{i // 256}.{i % 256}")
        limiter.settle(f"10.0.{i // 256}.{i % 256}", failed=True)
    assert len(limiter) == 100
    assert limiter.retry_after("10.0.3.231") is not None               # the newest is kept
    assert limiter.retry_after("10.0.0.0") is None                     # the oldest evicted
    with pytest.raises(ValueError):
        GuessLimiter(burst=0)


def test_the_service_locks_out_a_guessing_address(curl, openssl, service, service_ca, tmp_path):
    source, other = "127.0.0.31", "127.0.0.32"
    good = make_token(service_ca, uses=2)
    _, request, _ = openssl_csr(openssl, tmp_path, "/O=Example Clinic/CN=CT31WORKSTATION1")
    token_id = good.split(".")[0]
    for i in range(BURST):
        reply = enroll(curl, service, request, f"{token_id}.wrong{i}", source=source)
        assert reply.code == 401, reply.text()
    for presented in (f"{token_id}.wrong", good):                     # even the right one waits
        reply = enroll(curl, service, request, presented, source=source)
        assert reply.code == 429 and "too many failed enrollment tokens" in one_line(reply)
        wait = int(reply.headers.split("retry-after:")[1].split()[0])
        assert 1 <= wait <= REFILL_SECONDS
    assert service_ca.inventory.token(token_id).uses_spent == 0
    reply = enroll(curl, service, request, good, source=other)         # others are not held
    assert reply.code == 200, reply.text()
    lockout, = [e for e in service_ca.inventory.audit_page(action="rate-limited")
                if e.source == source]
    assert lockout.outcome == "failure" and "429" in lockout.detail
    failures = [e for e in service_ca.inventory.audit_page(action="enroll", outcome="failure")
                if e.source == source]
    assert len(failures) == BURST                                      # the 429s: logged only
    assert {e.actor for e in failures} == {token_id}
    assert service.log.count("429") >= 2
