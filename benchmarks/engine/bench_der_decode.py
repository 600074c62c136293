"""Decode a whole certificate's TLV tree into Python values (every INTEGER, OID, string, time).

x509core's generic ``der.decode`` against pyasn1 (``decoder.decode`` with pyasn1-modules'
``rfc5280.Certificate``) and asn1crypto (``Certificate.load(der).native``), on the certificates of
``../shared/interop/seed-system``. Goal (issue 2): >= 10x faster than pyasn1, >= 4x than asn1crypto.
The pyasn1 row is the reference, so the x509core ratio must be <= 0.10.
"""

from __future__ import annotations


from benchmarks.harness import INTEROP, Row, measure



def _certificates() -> list[bytes]:
    files = sorted(INTEROP.glob("*.pem"))
    if not files:
        raise SystemExit(f"no certificates under {INTEROP}")
    from x509core import pem
    return [pem.decode_one(f.read_text(), "CERTIFICATE")[1] for f in files]


def run(quick: bool) -> list[Row]:
    from asn1crypto import x509 as asn1crypto_x509
    from pyasn1.codec.der import decoder
    from pyasn1_modules import rfc5280

    from x509core.der import decode

    certs = _certificates()
    min_time = 0.2 if quick else 1.5
    group = f"DER decode of a whole certificate (mean over {len(certs)} interop certificates)"

    def each(fn):
        return lambda: [fn(der) for der in certs]

    def per_cert(stats):
        from benchmarks.harness import Stats
        n = len(certs)
        return Stats(stats.median / n, stats.mean / n, stats.best / n, stats.samples)

    rows = [
        Row(group, "pyasn1 + pyasn1-modules rfc5280", per_cert(measure(
            each(lambda der: decoder.decode(der, asn1Spec=rfc5280.Certificate())), min_time=min_time)),
            reference=True),
        Row(group, "asn1crypto (.native)", per_cert(measure(
            each(lambda der: asn1crypto_x509.Certificate.load(der).native), min_time=min_time))),
        Row(group, "x509core der.decode", per_cert(measure(each(decode), min_time=min_time)),
            note="goal: ratio <= 0.10 and <= 0.25x asn1crypto"),
    ]
    return rows
