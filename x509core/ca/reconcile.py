"""Bring the inventory and the ``issued/`` files back into agreement after a crash.

Called by :meth:`x509core.ca.store.Inventory.reconcile` inside its write transaction, so no
issuance runs at the same time (every issuance writes its file under that same lock). The
invariant and why these are the only repairs needed are in ``x509core/ca/store.py``.
"""

from __future__ import annotations

import os
import re

from x509core.ca.files import FILE_MODE, atomic_write
from x509core.errors import X509CoreError

__all__ = ["reconcile_inventory"]

_ISSUED_NAME = re.compile(r"^((?:[0-9A-F]{2})+)\.pem$")


def reconcile_inventory(inventory, db, adopt, *, dry_run: bool):
    """The :class:`~x509core.ca.store.Reconciliation` of ``inventory``; repairs unless ``dry_run``."""
    from x509core.ca.store import Reconciliation, temporary_files
    issued = inventory.issued_directory
    rows = inventory.rows_for_reconcile(db)
    problems: list[str] = []
    removed = [p.name for p in (*temporary_files(issued), *temporary_files(inventory.directory))]
    if not dry_run:
        for name in removed:
            _unlink(issued / name, inventory.directory / name)
    restored = _check_rows(inventory, rows, problems, dry_run)
    adopted = _adopt_orphans(inventory, db, rows, adopt, problems, dry_run)
    return Reconciliation(adopted=tuple(adopted), restored=tuple(restored),
                          removed_temporary=tuple(removed), problems=tuple(problems))


def _unlink(*candidates) -> None:
    for path in candidates:
        try:
            os.unlink(path)
            return
        except FileNotFoundError:
            continue


def _check_rows(inventory, rows, problems: list[str], dry_run: bool) -> list[int]:
    """Every row's file holds the row's PEM; a missing file is rewritten from the row."""
    restored = []
    for serial, (relative, pem) in rows.items():
        path = inventory.directory / relative
        try:
            content = path.read_bytes()
        except FileNotFoundError:
            restored.append(int(serial, 16))
            if not dry_run:
                atomic_write(path, pem.encode("ascii"), mode=FILE_MODE)
            continue
        if content != pem.encode("ascii"):
            problems.append(f"{relative} differs from the inventory's copy of serial {serial}; "
                            "left as it is")
    return restored


def _adopt_orphans(inventory, db, rows, adopt, problems: list[str], dry_run: bool) -> list[int]:
    """Files of ``issued/`` without a row: added to the inventory when ``adopt`` accepts them."""
    adopted = []
    if not inventory.issued_directory.is_dir():
        return adopted
    for path in sorted(inventory.issued_directory.iterdir()):
        if path.name.startswith("."):
            continue                                      # temporary files: handled above
        match = _ISSUED_NAME.match(path.name)
        if match is None:
            problems.append(f"issued/{path.name}: not a certificate file name; left as it is")
            continue
        if match.group(1) in rows:
            continue
        if adopt is None:
            problems.append(f"issued/{path.name} has no inventory row")
            continue
        try:
            record = adopt(path, path.read_text("ascii"))
        except (X509CoreError, UnicodeDecodeError) as exc:
            problems.append(f"issued/{path.name} has no inventory row and cannot be adopted: {exc}")
            continue
        adopted.append(record.serial)
        if not dry_run:
            inventory.insert_row(db, record)
    return adopted
