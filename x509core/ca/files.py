"""Crash-safe files for the CA directory: atomic writes that never overwrite silently, a
private (0700) directory, and the repair of inventory and files after a crash.

An auditor's summary of the guarantees:

- ``atomic_write`` puts the bytes in a temporary file of the same directory (``mkstemp``: created
  0600 with ``O_EXCL``, so a key is never readable by others, not even for a moment), flushes and
  fsyncs it, sets the final mode, then makes it visible under its name in one step: ``os.link``
  when the name must not exist yet (the kernel refuses an existing name, so two processes cannot
  both win), ``os.replace`` when overwriting is asked for. Last, the directory is fsynced so the
  new name survives a power cut (POSIX leaves a rename's durability to the directory's fsync).
- After a crash a reader sees either the old state or the complete new file, never a partial one;
  at worst a stale temporary file ``.<name>.<random>.tmp`` remains, which
  :meth:`x509core.ca.store.Inventory.reconcile` removes.
- :func:`reconcile_inventory` brings the inventory and the ``issued/`` files back into agreement.
  It runs inside the inventory's write transaction, so no issuance runs at the same time (each
  writes its file under that same lock); the invariant, and why these are the only repairs a
  crash can need, are in ``x509core/ca/store.py``.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from x509core.errors import X509CoreError

__all__ = ["AlreadyExists", "atomic_write", "make_private_directory", "fsync_directory",
           "is_temporary_name", "reconcile_inventory", "KEY_MODE", "FILE_MODE", "DIRECTORY_MODE"]

KEY_MODE = 0o600          # private keys: the owner only
FILE_MODE = 0o644         # certificates and CRLs are public
DIRECTORY_MODE = 0o700    # the CA directory holds the CA key


class AlreadyExists(X509CoreError):
    """A file or CA that is already there; x509core never overwrites one silently."""


def is_temporary_name(name: str) -> bool:
    """Whether ``name`` is one of :func:`atomic_write`'s temporary files."""
    return name.startswith(".") and name.endswith(".tmp")


def fsync_directory(directory: Path) -> None:
    """Make the directory's entries (a new or renamed name) durable; a no-op where directories
    cannot be opened (Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:                                   # pragma: no cover - Windows
        return
    try:
        os.fsync(fd)
    except OSError:                                   # pragma: no cover - some filesystems refuse
        pass
    finally:
        os.close(fd)


def atomic_write(path: str | os.PathLike, data: bytes, *, mode: int = FILE_MODE,
                 overwrite: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically and durably; the path.

    Refuses an existing ``path`` with :class:`AlreadyExists` unless ``overwrite`` is true.
    """
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError("atomic_write writes bytes")
    if not isinstance(mode, int) or isinstance(mode, bool):
        raise TypeError("mode must be an int such as 0o600")
    path = Path(path)
    directory = path.parent
    if not overwrite and os.path.lexists(path):
        raise AlreadyExists(f"{path} already exists; not overwriting it")
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        if overwrite:
            os.replace(temporary, path)
        else:
            _link_new(temporary, path)
    except BaseException:
        _remove_quietly(temporary)
        raise
    fsync_directory(directory)
    return path


def _link_new(temporary: str, path: Path) -> None:
    """Give the temporary file its final name, refusing a name that exists (even one created by
    another process an instant ago), then drop the temporary name."""
    try:
        os.link(temporary, path)
    except FileExistsError:
        raise AlreadyExists(f"{path} already exists; not overwriting it") from None
    except OSError:
        # Deviation: a filesystem without hard links (some network and FUSE mounts). The
        # existence check and the rename are then two steps, so two writers racing for the
        # same new name could both succeed; within x509core every such write also holds the
        # inventory's write lock, which closes that window.
        if os.path.lexists(path):
            raise AlreadyExists(f"{path} already exists; not overwriting it") from None
        os.replace(temporary, path)
        return
    os.unlink(temporary)


def _remove_quietly(name: str) -> None:
    try:
        os.unlink(name)
    except FileNotFoundError:
        pass


def make_private_directory(path: str | os.PathLike) -> Path:
    """Create ``path`` (and parents) if needed and restrict it to its owner (0700)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise AlreadyExists(f"{path} exists and is not a directory")
    path.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
    os.chmod(path, DIRECTORY_MODE)                    # mkdir's mode is filtered by the umask
    return path


# -- repair after a crash -------------------------------------------------------------------------

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
