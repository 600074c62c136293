"""The admin pages with 100,000 certificates in the inventory: how long the list and search
pages take, end to end, on SQLite and on PostgreSQL. Goal (issue 13): under 200 ms each.

- Inventory: 100,000 rows inserted with the inventory's own row values and SQL (one real
  certificate's PEM under distinct serials, as ``bench_inventory.py`` does): ``CN=WS0000123``,
  four organizations, one in five a client certificate, a machine id and a DNS name each,
  notAfter spread over two years around now, every tenth row revoked.
- Service: the real ``python -m x509core serve`` in its own process on loopback, one admin
  logged in; each request a ``GET`` over one kept-alive HTTPS connection (``http.client``), the
  whole page rendered (Jinja2) and read. The time is the client's: TLS, HTTP, the handler, the
  inventory queries, the template.
- Engines: SQLite (the CA directory's file) and PostgreSQL (the tests' throwaway cluster,
  ``tests/pg.py``, Unix socket, ``fsync = off``); SQLite's row is each group's reference.
- The note names the page's rows and whether the goal is met.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode

from benchmarks.harness import REPO, Row, measure

GOAL = 0.200
BATCH = 10_000
PASSWORD = "benchmark admin password"
NOW = datetime.now(timezone.utc).replace(microsecond=0)
ORGS = ("Bench Clinic", "Radiology North", "Cardiology South", "Imaging Partners")


def _count(quick: bool) -> int:
    return 5_000 if quick else 100_000


def _record(directory: Path, template, i: int):
    from x509core.ca.inventory import serial_hex
    serial = (i + 1) * 0x10001 + (1 << 64)
    return replace(template, serial=serial, subject=f"CN=WS{i:07d},O={ORGS[i % 4]}",
                   common_name=f"WS{i:07d}", organization=ORGS[i % 4],
                   profile="client" if i % 5 == 0 else "server",
                   machine_identity=f"{i * 7919:032x}", dns_names=(f"ws{i}.bench.example.org",),
                   ip_addresses=(), not_before=NOW - timedelta(days=730),
                   not_after=NOW + timedelta(days=(i * 7919 % 730) - 365, hours=i % 24),
                   path=directory / "issued" / f"{serial_hex(serial)}.pem")


def _fill(ca, template, count: int) -> None:
    from x509core.ca.inventory.records import time_text
    inventory, columns = ca.inventory, None
    for start in range(0, count, BATCH):
        rows, names = [], []
        for i in range(start, min(start + BATCH, count)):
            record = _record(ca.directory, template, i)
            revoked = i % 10 == 0
            values = inventory._row_values(record, "revoked" if revoked else "valid",
                                           time_text(NOW - timedelta(days=1)), time_text(NOW))
            if revoked:
                values.update(revocation_reason="keyCompromise",
                              revocation_date=time_text(NOW - timedelta(hours=i % 5000)))
            columns = columns or list(values)
            rows.append(tuple(values.values()))
            names.append((values["serial"], "dns", record.dns_names[0]))

        def work(tx, rows=rows, names=names):
            tx.execute_many(f"INSERT INTO certificates ({', '.join(columns)}) VALUES "
                            f"({', '.join('?' * len(columns))})", rows)
            tx.execute_many("INSERT INTO certificate_names (serial, kind, value) VALUES "
                            "(?, ?, ?)", names)
        inventory.run(work)
    last = inventory.query("SELECT MAX(id) FROM certificates")[0][0]
    inventory.set_meta(f"files_synced:{inventory.node}", str(last))      # no files to write
    inventory.run(lambda tx: tx.execute("ANALYZE"))


def _prepare(directory: Path, location: str | None, count: int) -> dict:
    """A CA with ``count`` rows and one admin; the values the pages will be asked for."""
    sys.path.insert(0, str(REPO))
    from tests.rsa.keys_fixture import RSA_2048, RSA_4096, private_key
    from x509core.ca import admins
    from x509core.ca.issuance.certificate_authority import CertificateAuthority
    ca = CertificateAuthority.create(directory, subject="/O=Bench Clinic/CN=Bench Root CA",
                                     passphrase=None, key=private_key(RSA_4096),
                                     inventory=location)
    try:
        template = ca.issue_server(dns=["template.example.org"],
                                   public_key=private_key(RSA_2048).public_key()).record
        _fill(ca, template, count)
        admins.add_admin(ca.inventory, "bench", PASSWORD.encode())
        middle = _record(directory, template, count // 2)
        deep = ca.inventory.query("SELECT not_after, id FROM certificates WHERE status IN "
                                  "('valid', 'revoked') ORDER BY not_after, id LIMIT 1 OFFSET ?",
                                  (count // 2,))[0]
        return {"middle": middle, "cursor": f"{deep[0]}~{deep[1]}"}
    finally:
        ca.close()


def _vacuum(location: str) -> None:
    """VACUUM ANALYZE the PostgreSQL inventory just filled: what autovacuum does to a table
    within a minute of a bulk insert (PostgreSQL 13+ vacuums after inserts too), and what makes
    its counts index-only scans. Measured straight after the insert, before autovacuum's turn,
    the dashboard's sixteen counts took 208-240 ms instead of about 12 (heap visits for every
    row of the visibility map not yet set); that transient is said in the README."""
    import psycopg
    with psycopg.connect(location, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")


class _Browser:
    """One kept-alive HTTPS connection with the admin's cookies."""

    def __init__(self, port: int, ca_file: Path):
        context = ssl.create_default_context(cafile=str(ca_file))
        self.connection = http.client.HTTPSConnection("127.0.0.1", port, context=context,
                                                      timeout=120)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response.status, text

    def login(self) -> None:
        _, page = self.request("GET", "/admin/login")
        csrf = re.search(r'name="csrf" value="([^"]*)"', page).group(1)
        status, _ = self.request("POST", "/admin/login", urlencode(
            {"csrf": csrf, "name": "bench", "password": PASSWORD}))
        if status != 303:
            raise RuntimeError(f"the benchmark admin could not log in ({status})")


def _serve(directory: Path, log: Path) -> tuple[subprocess.Popen, int]:
    process = subprocess.Popen(
        [sys.executable, "-m", "x509core", "serve", "--ca-dir", str(directory), "--listen",
         "127.0.0.1:0"], cwd=REPO, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=open(log, "wb"), env={**os.environ})
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        port = re.search(r"listening on https://127\.0\.0\.1:(\d+)", text)
        if port and re.search(r"ready$", text, re.M):
            return process, int(port.group(1))
        if process.poll() is not None:
            raise RuntimeError(f"x509core serve exited:\n{text}")
        time.sleep(0.1)
    process.kill()
    raise RuntimeError("x509core serve was not ready within 120 s")


def _pages(values: dict) -> list[tuple[str, str]]:
    middle = values["middle"]
    q = lambda **params: "/admin/certificates?" + urlencode(params)
    return [
        ("list: first page (50 by notAfter)", "/admin/certificates"),
        ("list: a page half-way down (keyset)", q(after=values["cursor"])),
        ("list: status revoked", q(status="revoked")),
        ("list: expiring within 30 days", q(status="expiring")),
        ("list: profile client, latest first", q(profile="client", order="latest")),
        ("search machine id (1 hit)", q(q=middle.machine_identity, field="machine")),
        ("search CN prefix (10 hits)", q(q=middle.common_name[:-1], field="cn")),
        ("search serial prefix (12 hex digits; the bench's serials share them)",
         q(q=middle.serial_hex[:12], field="serial")),
        ("search DNS name", q(q=middle.dns_names[0], field="dns")),
        ("search any field", q(q=middle.common_name)),
        ("search organization (a quarter of all rows)", q(q="Radiology", field="org")),
        ("search any field, a prefix of every CN (all rows match)", q(q="WS0")),
        ("dashboard (counts, 12-month chart)", "/admin/"),
    ]


def _engine_rows(engine: str, location, root: Path, count: int, quick: bool) -> list[Row]:
    directory = root / engine / "ca"
    print(f"  filling {engine} with {count:,} rows ...", file=sys.stderr, flush=True)
    values = _prepare(directory, location, count)
    if location is not None:
        _vacuum(location)
    process, port = _serve(directory, root / f"serve-{engine}.log")
    rows = []
    try:
        browser = _Browser(port, directory / "ca.pem")
        browser.login()
        for name, path in _pages(values):
            status, page = browser.request("GET", path)
            if status != 200:
                raise RuntimeError(f"{path}: {status} {page[:200]}")
            shown = page.count("<tr>") - 1 if "certificates" in path else 0
            stats = measure(lambda path=path: browser.request("GET", path),
                            min_time=0.5 if quick else 2.0, repeat=5 if quick else 9)
            verdict = "meets" if stats.median < GOAL else "MISSES"
            note = (f"{shown} rows shown; " if shown >= 0 and "certificates" in path else "") + \
                f"{verdict} the 200 ms goal"
            rows.append(Row(f"{name} ({count:,} rows)", f"x509core serve, {engine}", stats,
                            reference=engine == "sqlite", note=note))
    finally:
        process.terminate()
        process.wait(timeout=60)
    return rows


def run(quick: bool) -> list[Row]:
    sys.path.insert(0, str(REPO))
    from tests.pg import Cluster
    count = _count(quick)
    root = Path(tempfile.mkdtemp(prefix="x509core-bench-admin-"))
    cluster = Cluster()
    cluster.start()
    rows: list[Row] = []
    try:
        for engine, location in (("sqlite", None), ("postgresql", cluster.new_database())):
            rows += _engine_rows(engine, location, root, count, quick)
    finally:
        cluster.remove()
        shutil.rmtree(root, ignore_errors=True)
    order = []
    for row in rows:
        if row.group not in order:
            order.append(row.group)
    return sorted(rows, key=lambda r: order.index(r.group))
