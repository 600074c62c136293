"""The inventory at scale: 1,000,000 certificates and 100,000 revocations on each engine, and
a CRL of 100,000 entries against pyca/cryptography and ``openssl crl`` in the same run.

- Engines: SQLite (the CA directory's file, WAL, synchronous=FULL) and PostgreSQL (the tests'
  throwaway cluster, ``tests/pg.py``: Unix socket, ``fsync = off`` — the numbers measure the
  queries and the client, not the disk).
- Rows: one real certificate's PEM (RSA-4096 CA, RSA-2048 leaf) repeated under distinct serials,
  subjects (``CN=WS000123``), machine ids, one DNS name each, notAfter spread over two years
  around the measurement time; every tenth row revoked. Inserted with the inventory's own row
  values and SQL, 10,000 rows per transaction (``executemany``); the insert rate is the row.
- Queries: each as the CLI, the service and the admin page run it (``Inventory.get``,
  ``certificate_status``, ``page(...)``, ``counts``, ``iter_records``), timed with the harness;
  the note gives the query plan's access path (SQLite ``EXPLAIN QUERY PLAN``, PostgreSQL
  ``EXPLAIN``) for every statement the call ran, so that an index is seen to serve it.
- CRL of 100,000 entries, each in a fresh process whose peak resident memory above its start is
  in the note: x509core's ``CertificateAuthority.publish_crl`` (streams the revocations out of
  the inventory, writes and signs in bounded memory), pyca/cryptography's
  ``CertificateRevocationListBuilder`` (entries in memory), and parsing the file with x509core's
  ``load_der_crl``, pyca's ``load_der_x509_crl`` (iterating every entry) and ``openssl crl -noout``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from benchmarks.harness import REPO, Row, Stats, measure, measure_each

AT = datetime(2026, 6, 1, tzinfo=timezone.utc)
BATCH = 10_000


def _sizes(quick: bool) -> tuple[int, int]:
    return (20_000, 2_000) if quick else (1_000_000, 100_000)


# -- building the inventory --------------------------------------------------------------------

def _make_ca(directory: Path, location: str | None):
    sys.path.insert(0, str(REPO))
    from tests.rsa.keys_fixture import RSA_2048, RSA_4096, private_key
    from x509core.ca.issuance.certificate_authority import CertificateAuthority
    ca = CertificateAuthority.create(directory, subject="/O=Bench Clinic/CN=Bench Root CA",
                                     passphrase=None, key=private_key(RSA_4096),
                                     inventory=location)
    template = ca.issue_server(dns=["template.example.org"],
                               public_key=private_key(RSA_2048).public_key()).record
    return ca, template


def _record(directory: Path, template, i: int):
    from x509core.ca.inventory import serial_hex
    serial = (i + 1) * 0x10001 + (1 << 64)
    return replace(template, serial=serial, subject=f"CN=WS{i:07d},O=Bench Clinic",
                   common_name=f"WS{i:07d}", machine_identity=f"{i * 7919:032x}",
                   dns_names=(f"ws{i}.bench.example.org",), ip_addresses=(),
                   not_before=AT - timedelta(days=730),
                   not_after=AT + timedelta(days=(i * 7919 % 730) - 365, hours=i % 24),
                   path=directory / "issued" / f"{serial_hex(serial)}.pem")


def _fill(ca, template, count: int) -> list[float]:
    """Insert ``count`` rows in transactions of BATCH; seconds per row of each batch."""
    from x509core.ca.inventory.records import time_text
    inventory, directory = ca.inventory, ca.directory
    columns, per_row = None, []
    for start in range(0, count, BATCH):
        rows, names = [], []
        for i in range(start, min(start + BATCH, count)):
            record = _record(directory, template, i)
            revoked = i % 10 == 0
            values = inventory._row_values(record, "revoked" if revoked else "valid",
                                           time_text(AT - timedelta(days=1)), time_text(AT))
            if revoked:
                values.update(revocation_reason="keyCompromise" if i % 20 else "superseded",
                              revocation_date=time_text(AT - timedelta(hours=i % 5000)))
            columns = columns or list(values)
            rows.append(tuple(values.values()))
            names.append((values["serial"], "dns", record.dns_names[0]))
        began = time.perf_counter()

        def work(tx, rows=rows, names=names):
            tx.execute_many(f"INSERT INTO certificates ({', '.join(columns)}) VALUES "
                            f"({', '.join('?' * len(columns))})", rows)
            tx.execute_many("INSERT INTO certificate_names (serial, kind, value) VALUES (?, ?, ?)",
                            names)
        inventory.run(work)
        per_row.append((time.perf_counter() - began) / len(rows))
    last = inventory.query("SELECT MAX(id) FROM certificates")[0][0]
    inventory.set_meta(f"files_synced:{inventory.node}", str(last))     # no files to write
    inventory.run(lambda tx: tx.execute("ANALYZE"))          # what a DBA's autovacuum does
    return per_row


# -- query plans -----------------------------------------------------------------------------------

def _traced(inventory, call):
    """(result, [(sql, args)]) of the statements ``call`` ran."""
    from x509core.ca.inventory.storage.base import Transaction
    seen, real = [], Transaction.execute

    def execute(self, sql, args=()):
        seen.append((sql, tuple(args)))
        return real(self, sql, args)
    Transaction.execute = execute
    try:
        return call(), seen
    finally:
        Transaction.execute = real


def _plan(inventory, sql: str, args) -> str:
    if inventory.dialect == "sqlite":
        rows = inventory.query(f"EXPLAIN QUERY PLAN {sql}", args)
        return " / ".join(row[-1] for row in rows)
    rows = inventory.query(f"EXPLAIN {sql}", args)
    steps = [row[0].strip().lstrip("-> ").split("  (")[0] for row in rows]
    return " / ".join(s for s in steps if any(w in s for w in ("Scan", "Index", "Sort", "Limit",
                                                               "Aggregate", "Join", "Append",
                                                               "Unique", "Hash")))


def _plans(inventory, call) -> str:
    _, statements = _traced(inventory, call)
    return " | ".join(_plan(inventory, sql, args) for sql, args in statements
                      if sql.lstrip().upper().startswith("SELECT"))


def _queries(inventory, count: int):
    """(name, call) of the queries users run, on a filled inventory."""
    middle = _record(inventory.directory, _TEMPLATE[0], count // 2)
    cursor = inventory.page(sort="not_after", limit=100, at=AT,
                            after=(middle.not_after.strftime("%Y-%m-%dT%H:%M:%SZ"), count // 2))
    return [
        ("lookup by serial (get)", lambda: inventory.get(middle.serial)),
        ("OCSP status by serial", lambda: inventory.certificate_status(middle.serial)),
        ("by machine id", lambda: inventory.page(search=middle.machine_identity,
                                                 search_field="machine", at=AT)),
        ("search CN prefix (10 hits)", lambda: inventory.page(search=f"ws{count // 20:06d}",
                                                              search_field="cn", at=AT)),
        ("search DNS name", lambda: inventory.page(search=f"ws{count // 3}.bench",
                                                   search_field="dns", at=AT)),
        ("search any field", lambda: inventory.page(search=middle.common_name, at=AT)),
        ("list --expiring 30d, first page of 100",
         lambda: inventory.page(expiring_within=timedelta(days=30), sort="not_after", at=AT)),
        ("page of 100 by notAfter, keyset mid-table",
         lambda: inventory.page(sort="not_after", after=cursor.next_after, at=AT)),
        ("dashboard counts", lambda: inventory.counts(at=AT)),
    ]


_TEMPLATE: list = []


# -- the CRL in child processes --------------------------------------------------------------------

def _status_kib(field: str) -> int:
    """VmRSS or VmHWM of this process (ru_maxrss would carry the parent's peak across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def _peak_kib() -> int:
    return _status_kib("VmHWM")


def child(task: str, argument: str) -> None:
    """Run in a fresh interpreter: one CRL task; prints JSON (seconds, peak KiB above start)."""
    sys.path.insert(0, str(REPO))
    from x509core.ca.issuance.certificate_authority import CertificateAuthority
    from x509core.cert.revocation.crl import load_der_crl
    import x509core.cert.revocation.crl_writer  # noqa: F401  (imports before the baseline)
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    base = _status_kib("VmRSS")
    began = time.perf_counter()
    result = {}
    if task == "publish":
        with CertificateAuthority.open(argument) as ca:
            written = ca.publish_crl()
        result["entries"] = written.entries
    elif task == "pyca-build":
        from tests.rsa.keys_fixture import RSA_4096, cryptography_key
        key = cryptography_key(RSA_4096)
        base, began = _status_kib("VmRSS"), time.perf_counter()
        builder = (x509.CertificateRevocationListBuilder()
                   .issuer_name(x509.Name.from_rfc4514_string("CN=Bench Root CA,O=Bench Clinic"))
                   .last_update(AT).next_update(AT + timedelta(days=7)))
        for i in range(int(argument)):
            entry = (x509.RevokedCertificateBuilder().serial_number((i + 1) * 0x10001 + (1 << 64))
                     .revocation_date(AT - timedelta(hours=i % 5000))
                     .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), False)
                     .build())
            builder = builder.add_revoked_certificate(entry)
        builder.sign(key, hashes.SHA256())
    elif task == "x509core-parse":
        crl = load_der_crl(Path(argument).read_bytes())
        result["entries"] = len(crl.revoked_certificates)
    elif task == "pyca-parse":
        crl = x509.load_der_x509_crl(Path(argument).read_bytes())
        result["entries"] = sum(1 for entry in crl if entry.serial_number)
    result.update(seconds=time.perf_counter() - began, peak_kib=_peak_kib() - base)
    print(json.dumps(result))


def _run_child(task: str, argument: str) -> dict:
    code = f"from benchmarks.ca.bench_inventory import child; child({task!r}, {argument!r})"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _openssl_crl(path: Path) -> dict:
    began = time.perf_counter()
    process = subprocess.Popen(["openssl", "crl", "-inform", "DER", "-in", str(path), "-noout"])
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = status
    assert status == 0
    return {"seconds": time.perf_counter() - began, "peak_kib": usage.ru_maxrss}


def _crl_rows(directory: Path, engine: str, revoked: int, samples: int) -> list[Row]:
    rows = []
    group = f"CRL of {revoked:,} entries: build + sign + write"
    runs = [_run_child("publish", str(directory)) for _ in range(samples)]
    assert runs[0]["entries"] == revoked, runs[0]
    rows.append(Row(group, f"x509core publish_crl from {engine} (streamed)",
                    Stats.of([r["seconds"] for r in runs]), reference=engine == "sqlite",
                    note=f"peak +{max(r['peak_kib'] for r in runs) / 1024:.0f} MiB"))
    return rows


def _crl_peer_rows(crl_pem: Path, revoked: int, samples: int) -> list[Row]:
    from x509core import pem
    der_path = crl_pem.with_suffix(".der")
    der_path.write_bytes(pem.decode_one(crl_pem.read_bytes(), "X509 CRL")[1])
    rows = []
    build = [_run_child("pyca-build", str(revoked)) for _ in range(samples)]
    rows.append(Row(f"CRL of {revoked:,} entries: build + sign + write", "pyca/cryptography "
                    "CertificateRevocationListBuilder (in memory)",
                    Stats.of([r["seconds"] for r in build]),
                    note=f"peak +{max(r['peak_kib'] for r in build) / 1024:.0f} MiB"))
    group = f"CRL of {revoked:,} entries: parse ({der_path.stat().st_size / 1e6:.1f} MB DER)"
    for impl, task in (("x509core load_der_crl", "x509core-parse"),
                       ("pyca load_der_x509_crl + iterate", "pyca-parse")):
        runs = [_run_child(task, str(der_path)) for _ in range(samples)]
        assert runs[0]["entries"] == revoked
        rows.append(Row(group, impl, Stats.of([r["seconds"] for r in runs]),
                        reference=task == "x509core-parse",
                        note=f"peak +{max(r['peak_kib'] for r in runs) / 1024:.0f} MiB"))
    runs = [_openssl_crl(der_path) for _ in range(samples)]
    rows.append(Row(group, "openssl crl -noout", Stats.of([r["seconds"] for r in runs]),
                    note=f"peak {max(r['peak_kib'] for r in runs) / 1024:.0f} MiB (whole process)"))
    return rows


# -- the run ---------------------------------------------------------------------------------------

def _engine_rows(engine: str, location, root: Path, count: int, quick: bool) -> list[Row]:
    directory = root / engine
    ca, template = _make_ca(directory, location)
    _TEMPLATE[:] = [template]
    per_row = _fill(ca, template, count)
    inventory = ca.inventory
    rows = [Row(f"insert {count:,} rows ({BATCH:,} per transaction)", f"x509core {engine}",
                Stats.of(per_row), reference=engine == "sqlite",
                note=f"{1 / (sum(per_row) / len(per_row)):,.0f} rows/s (per row)")]
    for name, call in _queries(inventory, count):
        stats = measure(call, min_time=0.2 if quick else 1.0, repeat=5)
        rows.append(Row(f"{name} ({count:,} rows)", f"x509core {engine}", stats,
                        reference=engine == "sqlite", note=_plans(inventory, call)))
    stream = measure_each(lambda: sum(1 for _ in inventory.iter_records(
        expiring_within=timedelta(days=30), sort="not_after", at=AT)), 3)
    matched = sum(1 for _ in inventory.iter_records(expiring_within=timedelta(days=30), at=AT))
    rows.append(Row(f"list --expiring 30d, all {matched:,} streamed ({count:,} rows)",
                    f"x509core {engine}", stream, reference=engine == "sqlite",
                    note="keyset pages of 1,000"))
    updates = iter(range(1, count, 10))
    revoke = measure_each(lambda: inventory.mark_revoked(
        _record(directory, template, next(updates)).serial, "superseded", AT), 20)
    rows.append(Row(f"revoke one (status update, {count:,} rows)", f"x509core {engine}", revoke,
                    reference=engine == "sqlite", note="one transaction with its audit row"))
    ca.close()
    return rows, directory


def run(quick: bool) -> list[Row]:
    sys.path.insert(0, str(REPO))
    from tests.pg import Cluster
    count, _ = _sizes(quick)
    revoked = len(range(0, count, 10))
    root = Path(tempfile.mkdtemp(prefix="x509core-bench-inventory-"))
    cluster = Cluster()
    cluster.start()
    rows: list[Row] = []
    try:
        directories = {}
        for engine, location in (("sqlite", None), ("postgresql", cluster.new_database())):
            print(f"  filling {engine} with {count:,} rows ...", file=sys.stderr, flush=True)
            engine_rows, directories[engine] = _engine_rows(engine, location, root, count, quick)
            rows += engine_rows
        samples = 1 if quick else 3
        for engine, directory in directories.items():
            rows += _crl_rows(directory, engine, revoked + 20, samples)
        rows += _crl_peer_rows(directories["sqlite"] / "crl.pem", revoked + 20, samples)
    finally:
        cluster.remove()
        shutil.rmtree(root, ignore_errors=True)
    return _sorted(rows)


def _sorted(rows: list[Row]) -> list[Row]:
    """Both engines' rows of one query side by side (the table groups consecutive rows)."""
    order = []
    for row in rows:
        if row.group not in order:
            order.append(row.group)
    return sorted(rows, key=lambda r: order.index(r.group))
