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
  at worst a stale temporary file ``.<name>.<8 random characters>.tmp`` remains, which the
  repair on open (``x509core/ca/inventory/reconcile.py``) removes. Only regular files with
  exactly that shape are x509core's: an operator's ``.notes.tmp``, or a directory of any name,
  is never touched.
- A directory is made private (0700) only when x509core creates it
  (:func:`make_private_directory`, parents included); an existing directory keeps its owner's
  mode, so ``--ca-dir /tmp`` cannot lock other users out of /tmp, and a non-empty directory that
  is not a CA is refused (:func:`check_new_ca_directory`).
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from x509core.errors import InvalidValue, X509CoreError

__all__ = ["AlreadyExists", "atomic_write", "make_private_directory", "check_new_ca_directory",
           "check_path_text", "fsync_directory", "is_temporary_name", "KEY_MODE", "FILE_MODE",
           "DIRECTORY_MODE"]

KEY_MODE = 0o600          # private keys: the owner only
FILE_MODE = 0o644         # certificates and CRLs are public
DIRECTORY_MODE = 0o700    # the CA directory holds the CA key


class AlreadyExists(X509CoreError):
    """A file or CA that is already there; x509core never overwrites one silently."""


# mkstemp(prefix=".<name>.", suffix=".tmp"): eight characters of tempfile's alphabet between.
_TEMPORARY_NAME = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")


def is_temporary_name(name: str) -> bool:
    """Whether ``name`` has the shape of :func:`atomic_write`'s temporary files."""
    return _TEMPORARY_NAME.match(name) is not None


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
    An OSError names ``path`` (not the temporary file, nor nothing, as a failed ``write`` of a
    full disk would), with the system's reason.
    """
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError("atomic_write writes bytes")
    if not isinstance(mode, int) or isinstance(mode, bool):
        raise TypeError("mode must be an int such as 0o600")
    path = Path(path)
    directory = path.parent
    if not overwrite and os.path.lexists(path):
        raise AlreadyExists(f"{path} already exists; not overwriting it")
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise _naming(exc, path) from None
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
    except OSError as exc:                   # AlreadyExists is not one: it passes as it is
        _remove_quietly(temporary)
        raise _naming(exc, path) from None
    except BaseException:
        _remove_quietly(temporary)
        raise
    fsync_directory(directory)
    return path


def _naming(exc: OSError, path: Path) -> OSError:
    """``exc`` as raised for ``path`` itself: same class and errno, the target's name."""
    return type(exc)(exc.errno, exc.strerror or str(exc), str(path))


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
    """Create ``path`` and its missing parents, each 0700; an existing directory is left as
    its owner made it (x509core changes the mode only of what it creates)."""
    path = Path(path)
    if path.exists() or path.is_symlink():
        if not path.is_dir():
            raise AlreadyExists(f"{path} exists and is not a directory")
        return path
    missing = []
    for candidate in (path, *path.parents):
        if candidate.exists():
            break
        missing.append(candidate)
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=DIRECTORY_MODE)
        except FileExistsError:                       # made meanwhile by someone else: theirs
            continue
        os.chmod(directory, DIRECTORY_MODE)           # mkdir's mode is filtered by the umask
    return path


def check_path_text(path: Path) -> None:
    """Refuse a CA directory whose path is not valid UTF-8 (bytes Python keeps as lone
    surrogates): the path is recorded in the inventory as text (the node's name), which such a
    path cannot be, so a CA made there could never be opened."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidValue(f"{path}: the CA directory's path is not valid UTF-8; choose "
                           "another name") from None


def check_new_ca_directory(path: str | os.PathLike) -> None:
    """Refuse to put a new CA into a non-empty directory: it holds someone's files (a CA there
    is refused by name before this is asked)."""
    path = Path(path)
    check_path_text(path)
    if path.is_dir() and any(path.iterdir()):
        raise AlreadyExists(f"{path} is not empty and holds no CA; choose a new or empty "
                            "directory for the CA")
    if path.exists() and not path.is_dir():
        raise AlreadyExists(f"{path} exists and is not a directory")
