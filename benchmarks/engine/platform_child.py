"""The other side of ``bench_backends``: timings under another Python (the one whose gmpy2 is
built on the system's GMP), asked for over a pipe so that both builds are measured in turns.

Run by ``bench_backends`` as ``PYTHON -m benchmarks.engine.platform_child`` from the checkout's root, so
that ``x509core`` and ``benchmarks`` are this checkout's; that Python needs gmpy2 and nothing
else. One JSON object per line each way:

- ``{"op": "setup", "key": {n, e, d, p, q, dp, dq, qinv}, "message": HEX}`` answers the
  fields of ``bignum.backend_info()``;
- ``{"op": "sample", "what": NAME, "min_time": SECONDS}`` answers ``{"seconds": per call}``,
  NAME one of ``sign``, ``sign_one_core``, ``verify``, ``limit``, ``limit_threads``, ``public_limit``;
- ``{"op": "quit"}`` ends it.
"""

from __future__ import annotations

import dataclasses
import json
import sys

__all__ = ["main", "workloads"]


def workloads(key, message: bytes) -> dict:
    """The functions both sides time, by name, on x509core key ``key``."""
    import gmpy2

    from benchmarks.harness import crt_limit, crt_limit_threads, one_core
    public = key.public_key()
    signature = key.sign(message)
    s, e, n = (gmpy2.mpz(v) for v in (int.from_bytes(signature, "big"), key.e, key.n))
    return {"sign": lambda: key.sign(message),
            "sign_one_core": one_core(lambda: key.sign(message)),
            "verify": lambda: public.verify(signature, message),
            "limit": crt_limit(key), "limit_threads": crt_limit_threads(key),
            "public_limit": lambda: gmpy2.powmod(s, e, n)}


def main() -> int:
    from benchmarks.harness import measure
    from x509core import bignum
    from x509core.rsa.key import RSAPrivateKey
    bignum.set_backend("gmpy2")
    functions: dict = {}
    for line in sys.stdin:
        request = json.loads(line)
        if request["op"] == "setup":
            key = RSAPrivateKey(**{k: int(v) for k, v in request["key"].items()})
            functions = workloads(key, bytes.fromhex(request["message"]))
            answer = dataclasses.asdict(bignum.backend_info())
        elif request["op"] == "sample":
            stats = measure(functions[request["what"]], min_time=request["min_time"], repeat=1)
            answer = {"seconds": stats.median}
        else:
            return 0
        print(json.dumps(answer), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
