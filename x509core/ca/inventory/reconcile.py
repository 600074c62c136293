"""Keeping a node's ``issued/`` files and the shared inventory in agreement.

The invariant: every issued row (valid or revoked) has its file ``issued/<SERIAL>.pem`` on every
node, holding exactly the row's PEM; no reservation of a dead process stays open.

:meth:`ReconcileMixin.reconcile` (run by ``CertificateAuthority.open``, so by every command)
does the work that can be pending after a crash, and only that, so opening stays cheap at a
million certificates:

1. x509core's own stale temporary files in the CA directory (regular files named as
   :func:`~x509core.ca.files.atomic_write` names them) are removed; nothing else is touched.
2. This node's open reservations (status ``reserved``, ``node`` = this host and directory): a
   complete ``issued/<SERIAL>.pem`` of this CA is recorded (``adopted``: the process died after
   writing the file, before recording it); without one the reservation is closed
   (``abandoned``: no certificate left the process), and stale temporary files in ``issued/``
   are removed.
3. Rows added since this node last caught up (its mark, ``files_synced:<node>`` in ``meta``):
   a missing file is written from the row (``restored``), so every node holds every
   certificate, whichever node issued it. The mark never passes a row reserved within the last
   :data:`CATCH_UP_GRACE`: on PostgreSQL a row's id comes from a sequence when its reservation
   starts, so a reservation still in flight on another node can become visible after rows with
   higher ids; the recent rows are looked at again at the next open instead (a stat each), and
   a reservation transaction lasts milliseconds, far inside the grace (which also covers clock
   differences between nodes).

All of it runs holding the node's lock file exclusively; every issuance holds it shared from the
reservation to the completion, so a repair never sees a live issuance's reservation. When an
issuance is running (the lock is busy), the repair is skipped: that process is alive, and the
next open repairs. With ``full=True`` (``check()``) every row and every file is compared, and
files that differ or have no row are reported (never overwritten).
"""

from __future__ import annotations

import os
import re
import stat
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

from x509core.ca.files import FILE_MODE, AlreadyExists, atomic_write, is_temporary_name
from x509core.ca.inventory.records import Reconciliation, serial_hex, time_text
from x509core.errors import X509CoreError

__all__ = ["ReconcileMixin", "node_lock", "LOCK_FILE", "CATCH_UP_GRACE"]

CATCH_UP_GRACE = timedelta(hours=1)

LOCK_FILE = ".x509core.lock"
_ISSUED_NAME = re.compile(r"^((?:[0-9A-F]{2})+)\.pem$")

try:
    import fcntl
except ImportError:                       # pragma: no cover - Windows
    fcntl = None


@contextmanager
def node_lock(directory: Path, *, exclusive: bool, wait: bool = True, name: str = LOCK_FILE):
    """This node's lock file, shared (issuance) or exclusive (repair); yields False when
    ``wait`` is false and the lock is busy. A new open file description each time, so that
    threads of one process exclude each other too."""
    if fcntl is None:                     # pragma: no cover
        # Deviation: without flock (Windows) the repair may race a live issuance of another
        # process on this node; the cost is a reservation closed early, reported as an error.
        yield True
        return
    fd = os.open(directory / name, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        flags = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | (0 if wait else fcntl.LOCK_NB)
        try:
            fcntl.flock(fd, flags)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def _stale_temporaries(directory: Path) -> list[Path]:
    """x509core's own temporary files in ``directory``: regular files with its names."""
    found = []
    try:
        entries = list(os.scandir(directory))
    except FileNotFoundError:
        return found
    for entry in entries:
        if is_temporary_name(entry.name) and entry.is_file(follow_symlinks=False):
            found.append(Path(entry.path))
    return sorted(found)


class ReconcileMixin:
    """The repair on open and the full check."""

    def reconcile(self, adopt, *, dry_run: bool = False, full: bool = False) -> Reconciliation:
        """Repair what a crash can leave (module docstring); ``adopt(path, pem)`` checks that a
        file is a certificate of this CA (raising X509CoreError otherwise)."""
        with node_lock(self.directory, exclusive=True, wait=full) as held:
            if not held:
                return Reconciliation()
            report = _Report()
            temporaries = _stale_temporaries(self.directory)
            self._close_reservations(adopt, report, dry_run, temporaries)
            if full:
                temporaries += _stale_temporaries(self.issued_directory)
                self._check_all(adopt, report, dry_run)
            else:
                self._catch_up(report, dry_run)
            temporaries = sorted(set(temporaries))
            if not dry_run:
                for path in temporaries:
                    _unlink(path)
            report.removed = [p.name for p in temporaries]
            return report.result()

    def check(self, adopt=None) -> Reconciliation:
        """Compare every row with every file, changing nothing; ``.consistent`` when all agree."""
        return self.reconcile(adopt, dry_run=True, full=True)

    # -- 2: this node's open reservations --------------------------------------------------------

    def _close_reservations(self, adopt, report, dry_run: bool, temporaries: list) -> None:
        rows = self.query("SELECT serial, path FROM certificates WHERE status = 'reserved' "
                          "AND node = ? ORDER BY id", (self.node,))
        if rows:
            temporaries += _stale_temporaries(self.issued_directory)
        for key, relative in rows:
            path = self.directory / relative
            serial = int(key, 16)
            try:
                pem = path.read_text("ascii")
            except FileNotFoundError:
                report.abandoned.append(serial)
                if not dry_run:
                    self.abandon(serial)
                continue
            except (OSError, UnicodeDecodeError) as exc:
                report.problems.append(f"{relative}: unreadable ({exc}); left as it is")
                continue
            try:
                if adopt is not None:
                    adopt(path, pem)
            except X509CoreError as exc:
                report.problems.append(f"{relative} cannot complete its reservation: {exc}")
                continue
            report.adopted.append(serial)
            if not dry_run:
                self.complete(serial, pem)

    # -- 3: catching up with rows added since this node's mark ---------------------------------

    def _catch_up(self, report, dry_run: bool) -> None:
        mark_name = f"files_synced:{self.node}"
        mark = start = int(self.meta(mark_name) or 0)
        # Every issued row past the mark gets its file now, also those past another node's open
        # reservation; the mark itself never passes that reservation (its row gets its PEM later).
        pending = self.query("SELECT MIN(id) FROM certificates WHERE status = 'reserved' "
                             "AND id > ?", (mark,))[0][0]
        after = self._ensure_files(mark, report, dry_run, compare=False)
        if pending is None:
            mark = max(after, self.query("SELECT COALESCE(MAX(id), 0) FROM certificates")[0][0])
        else:
            mark = max(mark, pending - 1)
        settled = self.query("SELECT COALESCE(MAX(id), 0) FROM certificates WHERE reserved_at < ?",
                             (time_text(datetime.now(timezone.utc) - CATCH_UP_GRACE),))[0][0]
        mark = max(start, min(mark, settled))
        if not dry_run and mark != start:
            self.set_meta(mark_name, str(mark))

    def _ensure_file(self, key, relative, pem, report, dry_run: bool, *, compare: bool) -> None:
        path = self.directory / relative
        try:
            content = path.read_bytes()
        except FileNotFoundError:
            report.restored.append(int(key, 16))
            if not dry_run:
                try:
                    atomic_write(path, pem.encode("ascii"), mode=FILE_MODE)
                except AlreadyExists:          # another process of this node restored it
                    pass
            return
        if compare and content != pem.encode("ascii"):
            report.problems.append(f"{relative} differs from the inventory's copy of serial "
                                   f"{key}; left as it is")

    # -- the full check ------------------------------------------------------------------------

    def _check_all(self, adopt, report, dry_run: bool) -> None:
        self._ensure_files(0, report, dry_run, compare=True)
        self._orphans(adopt, report)

    def _ensure_files(self, after: int, report, dry_run: bool, *, compare: bool) -> int:
        """:meth:`_ensure_file` for every issued row with an id above ``after``, in pages; the
        last id seen (``after`` when there is none)."""
        while True:
            rows = self.query("SELECT id, serial, path, pem FROM certificates WHERE id > ? AND "
                              "status IN ('valid', 'revoked') ORDER BY id LIMIT 1000", (after,))
            if not rows:
                return after
            for _, key, relative, pem in rows:
                self._ensure_file(key, relative, pem, report, dry_run, compare=compare)
            after = rows[-1][0]

    def _orphans(self, adopt, report) -> None:
        """Files of ``issued/`` that no issued row names: reported, never adopted blindly (a
        reservation always precedes a file, so such a file did not come from this CA's issuance
        protocol)."""
        try:
            entries = sorted(os.scandir(self.issued_directory), key=lambda e: e.name)
        except FileNotFoundError:
            return
        for batch in range(0, len(entries), 500):
            chunk = [e for e in entries[batch:batch + 500] if not e.name.startswith(".")]
            names = [m.group(1) for e in chunk if (m := _ISSUED_NAME.match(e.name))]
            known = self._issued_serials(names)
            for entry in chunk:
                match = _ISSUED_NAME.match(entry.name)
                if match is None or not stat.S_ISREG(entry.stat(follow_symlinks=False).st_mode):
                    report.problems.append(f"issued/{entry.name}: not a certificate file name; "
                                           "left as it is")
                elif match.group(1) not in known:
                    report.problems.append(f"issued/{entry.name} has no inventory row; left as "
                                           "it is")

    def _issued_serials(self, keys: list[str]) -> set[str]:
        if not keys:
            return set()
        rows = self.query(f"SELECT serial FROM certificates WHERE serial IN "
                          f"({', '.join('?' * len(keys))}) AND status <> 'abandoned'",
                          keys)
        return {row[0] for row in rows}


class _Report:
    def __init__(self):
        self.adopted, self.restored, self.abandoned = [], [], []
        self.removed, self.problems = [], []

    def result(self) -> Reconciliation:
        return Reconciliation(adopted=tuple(self.adopted), restored=tuple(self.restored),
                              abandoned=tuple(self.abandoned),
                              removed_temporary=tuple(self.removed),
                              problems=tuple(self.problems))


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def issued_path(directory: Path, serial: int) -> Path:
    return directory / "issued" / f"{serial_hex(serial)}.pem"
