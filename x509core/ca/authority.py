"""The CA's own files: writing a new CA directory and loading (and checking) an existing one.

Writing order of ``create``: directory (0700 when x509core makes it; an existing directory must
be empty and keeps its mode), ``issued/`` and the inventory, ``ca.key`` (0600),
``ca.pem`` last; each written atomically and never over an existing file. ``ca.pem`` is thus the
mark of a complete CA: a directory with ``ca.key`` but no ``ca.pem`` is a ``create`` that was
interrupted, and is reported as such rather than half-used.

Key protection: with a passphrase the key is stored as encrypted PKCS#8 (RFC 5958
EncryptedPrivateKeyInfo, PBES2 with PBKDF2-HMAC-SHA256, 600 000 iterations, and AES-256-CBC,
RFC 8018), which OpenSSL 3 reads; opening it costs about half a second of PBKDF2, on purpose.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from x509core import pem
from x509core.ca.files import (FILE_MODE, KEY_MODE, AlreadyExists, atomic_write,
                               check_new_ca_directory, check_path_text, make_private_directory)
from x509core.ca.inventory import (INVENTORY_FILENAME, ISSUED_DIRECTORY, LOCATION_FILE, Inventory,
                                   check_location, open_inventory)
from x509core.cert.certificate import Certificate, load_pem_certificate
from x509core.errors import X509CoreError, InvalidValue
from x509core.rsa.key import RSAPrivateKey
from x509core.rsa.keys import load_pem_private_key
from x509core.rsa.pbes2 import DecryptionFailed

__all__ = ["CA_CERTIFICATE", "CA_KEY", "CRL_FILE", "write_new_ca", "load_ca_files"]

CA_CERTIFICATE = "ca.pem"
CA_KEY = "ca.key"
CRL_FILE = "crl.pem"


def write_new_ca(directory: Path, *, certificate: Certificate | None = None,
                 key: RSAPrivateKey | None = None, passphrase: bytes | None = None,
                 check_only: bool = False, inventory: str | None = None) -> Inventory | None:
    """Write a new CA into ``directory`` with its inventory (None: SQLite in the directory, or
    a PostgreSQL URL); with ``check_only``, only refuse an existing CA or a non-empty
    directory."""
    for name in (CA_CERTIFICATE, CA_KEY, INVENTORY_FILENAME, LOCATION_FILE):
        if (directory / name).exists():
            raise AlreadyExists(f"{directory} already holds a CA ({name} exists); not overwriting it")
    check_new_ca_directory(directory)
    check_location(inventory)
    if check_only:
        return None
    existed = directory.exists()
    store = None
    try:
        make_private_directory(directory / ISSUED_DIRECTORY)
        store = open_inventory(directory, inventory, create=True)
        store.bind_ca(certificate.fingerprint("sha256").hex())
        atomic_write(directory / CA_KEY, key.to_pem(password=passphrase).encode("ascii"), mode=KEY_MODE)
        atomic_write(directory / CA_CERTIFICATE, certificate.to_pem().encode("ascii"), mode=FILE_MODE)
    except BaseException:
        if store is not None:
            store.close()
        _undo_new_ca(directory, existed)
        raise
    return store


# What write_new_ca makes before ca.pem, the mark of a complete CA (SQLite's journal files too).
_NEW_CA_FILES = (CA_KEY, INVENTORY_FILENAME, INVENTORY_FILENAME + "-wal",
                 INVENTORY_FILENAME + "-shm", INVENTORY_FILENAME + "-journal", LOCATION_FILE)


def _undo_new_ca(directory: Path, existed: bool) -> None:
    """After a failed create, remove what it made, so that the same command can be run again
    (the directory was new or empty: check_new_ca_directory). Only those names are removed, and
    directories only when empty; whatever else is there stays. A PostgreSQL database keeps the
    schema it was given, bound to the key that was not kept: a retry needs a new database."""
    for name in _NEW_CA_FILES:
        try:
            (directory / name).unlink()
        except FileNotFoundError:
            pass
    for path in (directory / ISSUED_DIRECTORY, *(() if existed else (directory,))):
        try:
            path.rmdir()
        except OSError:                   # missing, or not empty: left as it is
            pass


def load_ca_files(directory: Path, passphrase: bytes | None) -> tuple[Certificate, RSAPrivateKey | None]:
    """The CA certificate and, unless it is encrypted and no passphrase is given, its key; both
    checked (a CA certificate, a key that matches it)."""
    if passphrase is not None and not isinstance(passphrase, bytes):
        raise TypeError("passphrase must be bytes or None")
    check_path_text(directory)
    if not directory.is_dir():
        raise InvalidValue(f"{directory} is not a CA directory (no such directory)")
    cert_path, key_path = directory / CA_CERTIFICATE, directory / CA_KEY
    if not cert_path.is_file():
        hint = " (interrupted create? remove the directory and create again)" if key_path.exists() else ""
        raise InvalidValue(f"{cert_path} is missing: not a CA directory{hint}")
    certificate = _load_certificate(cert_path)
    key = _load_key(key_path, passphrase)
    if key is not None:
        public = certificate.public_key
        if getattr(public, "n", None) != key.n or getattr(public, "e", None) != key.e:
            raise InvalidValue(f"{key_path} does not match the CA certificate {cert_path}")
    return certificate, key


def _check_key_mode(path: Path) -> None:
    """Refuse a CA key that group or others may read or write, as OpenSSH refuses such a private
    key: the file was copied or changed carelessly, and using it would hide that."""
    if os.name != "posix":                            # Windows: ACLs, not mode bits
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise InvalidValue(f"{path} is accessible by others (mode {mode:04o}); "
                           f"restrict it with: chmod 600 {path}")


def _load_certificate(path: Path) -> Certificate:
    try:
        certificate = load_pem_certificate(path.read_bytes())
    except X509CoreError as exc:
        raise InvalidValue(f"corrupt CA certificate {path}: {exc}") from None
    constraints = certificate.basic_constraints
    if constraints is None or not constraints.ca:
        raise InvalidValue(f"{path} is not a CA certificate (basicConstraints cA is not TRUE)")
    return certificate


def _load_key(path: Path, passphrase: bytes | None) -> RSAPrivateKey | None:
    if not path.is_file():
        raise InvalidValue(f"{path} is missing: the CA cannot sign without its key")
    _check_key_mode(path)
    data = path.read_bytes()
    try:
        label, _ = pem.decode_one(data, ("PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "RSA PRIVATE KEY"))
    except X509CoreError as exc:
        raise InvalidValue(f"corrupt CA key {path}: {exc}") from None
    if label == "ENCRYPTED PRIVATE KEY" and passphrase is None:
        return None                                   # loaded when a passphrase is given
    try:
        return load_pem_private_key(data, passphrase)
    except DecryptionFailed:
        raise DecryptionFailed(f"cannot decrypt the CA key {path}: wrong passphrase or corrupt "
                               "file") from None
    except X509CoreError as exc:
        raise InvalidValue(f"CA key {path}: {exc}") from None
