"""What the subcommands of ``x509core`` share: passphrases, progress, key generation, files,
and the parsing of times, durations and serial numbers.

Secrets never come from the command line itself (it is visible to every user in ``ps``): a
passphrase is read from a file (``--passphrase-file``), from an environment variable, or from the
terminal without echo (:func:`getpass.getpass`), in that order.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import sys
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from x509core.safe_text import escape_controls, escape_unsafe
from x509core.errors import X509CoreError

__all__ = ["CLIError", "Context", "PassphraseSource", "CA_PASSPHRASE", "KEY_PASSPHRASE",
           "PKCS12_PASSWORD", "KEY_SIZES", "generate_key", "parse_time", "parse_not_after",
           "parse_duration", "parse_serial", "format_serial", "positive_days", "read_bytes",
           "check_outputs", "check_new_directory", "CA_DIR_ENV", "MAX_INPUT_BYTES",
           "MAX_DURATION_DAYS", "BINDING_PLACES", "is_pem", "error_text"]

# Where a certificate carries its machine binding, as the CLI says it.
BINDING_PLACES = {"seed": "seed extensions 1.3.6.1.4.15967132172.1/.2",
                  "san": "subjectAltName URIs (urn:uuid:, urn:dev:mac:)",
                  "both": "seed extensions and subjectAltName URIs"}

CA_DIR_ENV = "X509CORE_CA_DIR"


def is_pem(data: bytes) -> bool:
    """Whether a file's bytes are PEM: a BEGIN line, after any explanatory text (RFC 7468 §2:
    "Data before the encapsulation boundaries are permitted", such as the "Bag Attributes"
    lines ``openssl pkcs12`` writes). DER starts with its SEQUENCE's identifier octet 0x30."""
    return data[:1] != b"\x30" and b"-----BEGIN " in data
KEY_SIZES = (2048, 3072, 4096)


class CLIError(X509CoreError):
    """A usage or input problem the command line reports as one line, exit status 2."""


@dataclass(frozen=True)
class PassphraseSource:
    """Where one kind of secret comes from: a file option, an environment variable, a prompt."""

    what: str                 # "CA key passphrase"
    file_option: str          # "passphrase_file" (the argparse dest)
    env: str                  # "X509CORE_PASSPHRASE"


CA_PASSPHRASE = PassphraseSource("CA key passphrase", "passphrase_file", "X509CORE_PASSPHRASE")
KEY_PASSPHRASE = PassphraseSource("key passphrase", "key_passphrase_file", "X509CORE_KEY_PASSPHRASE")
PKCS12_PASSWORD = PassphraseSource("PKCS#12 password", "password_file", "X509CORE_PKCS12_PASSWORD")


def generate_key(bits: int, progress=None):
    """A new RSA private key. The one place the command line generates keys (tests replace it
    with pre-generated keys; a 4096-bit key takes seconds, tens of seconds without gmpy2)."""
    from x509core.rsa import generate_private_key
    return generate_private_key(bits, progress=progress)


class Context:
    """The parsed arguments plus the process's streams and environment, for one command."""

    def __init__(self, args, stdout=None, stderr=None, environ=None, stdin=None) -> None:
        self.args = args
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.stdin = stdin or sys.stdin
        self.environ = os.environ if environ is None else environ
        self._open: list = []                  # CAs and inventories to close at the end

    def close(self) -> None:
        while self._open:
            self._open.pop().close()

    def keep(self, resource):
        """Close ``resource`` (a CA or an inventory) when the command ends."""
        self._open.append(resource)
        return resource

    # -- output --------------------------------------------------------------------------------
    # Every line the commands print goes through escape_controls (x509core/safe_text.py):
    # one call prints one line, and a control character from a certificate, a file name or an
    # argument is written as \XX, never raw (issue 16: a forged "OK:" line, a terminal title).
    def out(self, text: str = "") -> None:
        """One line on stdout, control characters escaped."""
        print(escape_controls(text), file=self.stdout)

    def out_lines(self, lines) -> None:
        """Several lines on stdout, each escaped (a listing such as ``show``'s)."""
        for line in lines:
            self.out(line)

    def out_listing(self, lines) -> None:
        """A listing that escapes its own values (``Certificate.text()``: OpenSSL's escaping
        for names, :func:`escape_controls` for general names and policy texts): any raw control
        character left is escaped, backslashes are kept, so nothing is escaped twice."""
        for line in lines:
            print(escape_unsafe(line), file=self.stdout)

    def out_json(self, value, *, indent: int | None = 2) -> None:
        """``value`` as JSON on stdout (``indent=None``: on one line, as JSON Lines).
        ``ensure_ascii=True`` writes every control and every non-ASCII character as
        ``\\uXXXX``, so the text is already safe (and must not be escaped again: that would
        break the JSON)."""
        print(json.dumps(value, indent=indent, ensure_ascii=True, default=str), file=self.stdout)

    def info(self, text: str) -> None:
        """A progress or status line on stderr; ``--quiet`` silences it."""
        if not getattr(self.args, "quiet", False):
            print(escape_controls(text), file=self.stderr)

    def warn(self, text: str) -> None:
        """A warning on stderr; shown even with ``--quiet``."""
        print(f"x509core: warning: {escape_controls(text)}", file=self.stderr)

    def _interactive(self) -> bool:
        isatty = getattr(self.stderr, "isatty", None)
        return bool(isatty and isatty()) and not getattr(self.args, "quiet", False)

    def new_key(self, bits: int, what: str):
        """Generate a key, showing progress on stderr when it is a terminal."""
        if bits not in KEY_SIZES:
            raise CLIError(f"--key-bits must be one of {', '.join(map(str, KEY_SIZES))}")
        if not self._interactive():
            return generate_key(bits)
        self.stderr.write(f"generating the RSA-{bits} {what} key ")
        self.stderr.flush()

        def progress(event: str) -> None:
            self.stderr.write("+" if event == "prime" else ".")
            self.stderr.flush()
        try:
            return generate_key(bits, progress)
        finally:
            self.stderr.write("\n")

    # -- secrets -------------------------------------------------------------------------------
    def secret(self, source: PassphraseSource, *, confirm: bool = False) -> bytes:
        """The passphrase from its file, its environment variable, or the terminal."""
        file_name = getattr(self.args, source.file_option, None)
        if file_name:
            data = read_bytes(file_name, empty_ok=True).splitlines()
            if not data or not data[0]:
                raise CLIError(f"{file_name}: the {source.what} file is empty")
            return data[0]
        value = self.environ.get(source.env)
        if value:
            # The variable's own bytes: os.environ decodes them with surrogateescape, so a
            # passphrase that is not UTF-8 comes back byte for byte (and never raises).
            return os.fsencode(value)
        if not (hasattr(self.stdin, "isatty") and self.stdin.isatty()):
            option = "--" + source.file_option.replace("_", "-")
            raise CLIError(f"the {source.what} is needed: give {option} FILE, set {source.env}, "
                           "or run on a terminal")
        first = getpass.getpass(f"{source.what}: ")
        if confirm and getpass.getpass(f"{source.what} (again): ") != first:
            raise CLIError(f"the two {source.what}s differ")
        if not first:
            raise CLIError(f"an empty {source.what} is not allowed")
        return first.encode("utf-8")

    # -- the certificate authority ---------------------------------------------------------------
    @property
    def inventory_location(self) -> str | None:
        """``--inventory``, else ``$X509CORE_INVENTORY``, else None (what the CA records)."""
        return getattr(self.args, "inventory", None) or self.environ.get("X509CORE_INVENTORY") or None

    @property
    def ca_dir(self) -> Path:
        given = getattr(self.args, "ca_dir", None)
        return Path(given or self.environ.get(CA_DIR_ENV) or "ca")

    def open_ca(self, *, sign: bool = True, reconcile: bool = True):
        """The CA of ``--ca-dir``, asking for its passphrase only when its key is encrypted and
        the command signs (``revoke`` only updates the inventory: ``sign=False``). The repair
        of what a crash left runs first (``CertificateAuthority.open``) unless ``reconcile``
        is False: ``inventory check`` reports what it finds and changes nothing."""
        from x509core.ca.issuance.certificate_authority import CertificateAuthority
        directory = self.ca_dir
        key_file = directory / "ca.key"
        if not (directory / "ca.pem").is_file():
            raise CLIError(f"no CA in {directory} (create one with `x509core ca init`, or give "
                           f"--ca-dir / {CA_DIR_ENV})")
        if not key_file.is_file():
            raise CLIError(f"{key_file} is missing: the CA's key (restore it from its backup)")
        encrypted = b"ENCRYPTED PRIVATE KEY" in key_file.read_bytes()[:200]
        passphrase = self.secret(CA_PASSPHRASE) if encrypted and sign else None
        return self.keep(CertificateAuthority.open(directory, passphrase=passphrase,
                                                   reconcile=reconcile,
                                                   inventory=self.inventory_location))

    def write_key(self, path: str | Path, key, passphrase: bytes | None) -> Path:
        """A private key as PKCS#8 PEM (encrypted when a passphrase is given), 0600, atomically,
        never over an existing file."""
        from x509core.ca.files import KEY_MODE, atomic_write
        pem_text = key.to_pem(password=passphrase)
        return atomic_write(Path(path), pem_text.encode("ascii"), mode=KEY_MODE)

    def write_public(self, path: str | Path, text: str) -> Path:
        """A certificate, CSR or CRL (public data), 0644, atomically, never over an existing file."""
        from x509core.ca.files import FILE_MODE, atomic_write
        return atomic_write(Path(path), text.encode("ascii"), mode=FILE_MODE)


# -- output files: checked before any work ---------------------------------------------------------
# A command that writes files checks all of them first, before it asks for a passphrase,
# generates a key, signs anything or spends a CRL number (issue 16: a certificate signed and
# recorded, an unencrypted key written, a CRL number spent, and only then "exists"). The writes
# themselves stay atomic and refuse an existing name (x509core/ca/files.py), so a file that
# appears in between still stops the command; these checks only move the common failures first.

def check_outputs(*paths, reserved=()) -> None:
    """Refuse output ``paths`` (None skipped) that cannot be written as new files: ``-`` (only
    ``crl --out`` writes to standard output, and handles it before calling this);
    a name that exists, a dangling symlink included (``lexists``); a parent that does not exist,
    is not a directory or is not writable; two outputs that are one file however spelled
    (``./a``, ``d/../a``, a symlinked directory: the parent's device and inode and the name),
    or an output that is one of the ``reserved`` files the command writes itself."""
    seen: dict[tuple, str] = {}
    for path in reserved:
        seen[_identity(Path(path))] = str(path)
    for path in paths:
        if path is None:
            continue
        if str(path) == "-":
            raise CLIError("this output cannot be standard output (-): give a file name")
        path = Path(path)
        if os.path.lexists(path):
            raise CLIError(f"{path} exists; refusing to overwrite it (remove it or choose "
                           "another name)")
        _check_parent(path)
        identity = _identity(path)
        if identity in seen:
            raise CLIError(f"{path} and {seen[identity]} are the same file; give each output "
                           "its own name")
        seen[identity] = str(path)


def _check_parent(path: Path) -> None:
    parent = path.parent
    if not parent.exists():
        raise CLIError(f"{path}: the directory {parent} does not exist")
    if not parent.is_dir():
        raise CLIError(f"{path}: {parent} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise CLIError(f"{path}: the directory {parent} is not writable")


def _identity(path: Path) -> tuple:
    """Which file ``path`` names: its directory (device, inode) and its name; a directory that
    does not exist yet by its absolute, normalized spelling."""
    try:
        status = os.stat(path.parent)
    except OSError:
        return ("path", os.path.realpath(path))
    return (status.st_dev, status.st_ino, path.name)


def check_new_directory(directory: Path) -> None:
    """A directory a command will create or fill (``quickstart DIR``, ``ca init``): it exists as
    a directory, or its nearest existing ancestor is a writable directory (missing parents are
    created)."""
    directory = Path(directory)
    if os.path.lexists(directory):
        if not directory.is_dir():
            raise CLIError(f"{directory} exists and is not a directory")
        return
    ancestor = directory.parent
    while not os.path.lexists(ancestor) and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise CLIError(f"{directory}: {ancestor} is not a directory")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise CLIError(f"{directory}: the directory {ancestor} is not writable")


# The most the command line reads from one input file or standard input. The largest real
# inputs are CA bundles and CRLs of a few hundred kilobytes; 16 MiB leaves ample room and bounds
# the memory a hostile input can claim (/dev/zero, an endless pipe; the PEM reader needs under
# 4 bytes per input byte, so at most about 64 MiB).
MAX_INPUT_BYTES = 16 * 1024 * 1024


def error_text(exc: BaseException) -> str:
    """An error as the CLI says it (not yet escaped): an OSError as ``FILE: reason``."""
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
    return str(exc) or type(exc).__name__


def read_bytes(name: str | Path, *, empty_ok: bool = False) -> bytes:
    """A file's bytes, ``-`` for standard input, at most :data:`MAX_INPUT_BYTES`; a missing,
    unreadable, larger or (unless ``empty_ok``) empty file is a one-line error."""
    try:
        if str(name) == "-":
            data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        else:
            with open(name, "rb") as stream:
                data = stream.read(MAX_INPUT_BYTES + 1)
    except FileNotFoundError:
        raise CLIError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise CLIError(f"{name}: is a directory") from None
    except PermissionError:
        raise CLIError(f"{name}: permission denied") from None
    if len(data) > MAX_INPUT_BYTES:
        raise CLIError(f"{name}: larger than {MAX_INPUT_BYTES >> 20} MiB, the most x509core "
                       "reads from one input")
    if not data and not empty_ok:
        raise CLIError(f"{name}: empty file" if str(name) != "-" else "nothing on standard input")
    return data


def parse_time(text: str) -> datetime:
    """``--at``: an ISO-8601 date or date-time (UTC unless it names a zone) or Unix seconds."""
    value = text.strip()
    try:
        if re.fullmatch(r"[0-9]{1,12}", value):
            return datetime.fromtimestamp(int(value), timezone.utc)
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            return datetime.combine(date.fromisoformat(value), time(), timezone.utc)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except (OverflowError, OSError):
        raise CLIError(f"--at {text}: outside the years 1 to 9999") from None
    except ValueError as exc:
        if "out of range" in str(exc):                    # fromtimestamp's "year ... is out of range"
            raise CLIError(f"--at {text}: outside the years 1 to 9999") from None
        raise CLIError(f"not an ISO-8601 time or Unix seconds: {text!r}") from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    try:                                                  # in UTC now, so that no later step
        return moment.astimezone(timezone.utc)            # overflows at the ends of the range
    except OverflowError:
        raise CLIError(f"--at {text}: outside the years 1 to 9999 in UTC") from None


def parse_not_after(text: str) -> datetime:
    """``--not-after YYYYMMDD`` (as the seed system takes it): valid through that day, UTC."""
    if not re.fullmatch(r"[0-9]{8}", text):
        raise CLIError(f"--not-after must be a date YYYYMMDD, not {text!r}")
    try:
        day = date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise CLIError(f"--not-after {text}: no such date") from None
    return datetime.combine(day, time(23, 59, 59), timezone.utc)


_UNITS = {"d": 1, "w": 7, "y": 365}
MAX_DURATION_DAYS = 36500                 # 100 years, as for --days: now + it stays a date


def parse_duration(text: str) -> timedelta:
    """``30d``, ``2w``, ``1y`` or a plain number of days, at most 100 years."""
    match = re.fullmatch(r"([0-9]{1,6})([dwy]?)", text.strip().lower())
    if not match:
        raise CLIError(f"not a duration (like 30d, 2w, 1y): {text!r}")
    days = int(match.group(1)) * _UNITS.get(match.group(2) or "d")
    if days > MAX_DURATION_DAYS:
        raise CLIError(f"--expiring {text}: at most 100 years ({MAX_DURATION_DAYS} days)")
    return timedelta(days=days)


def parse_serial(text: str) -> int:
    """A serial number in hexadecimal as ``list`` prints it (``0x`` and colons allowed)."""
    value = text.strip().lower().replace(":", "")
    if value.startswith("0x"):
        value = value[2:]
    if not re.fullmatch(r"[0-9a-f]{1,40}", value):
        raise CLIError(f"not a serial number (hexadecimal, as `x509core list` shows): {text!r}")
    return int(value, 16)


def format_serial(serial: int) -> str:
    """Upper-case hexadecimal, an even number of digits (as the file names in issued/)."""
    digits = f"{serial:X}"
    return digits if len(digits) % 2 == 0 else "0" + digits


def positive_days(text: str | int | None) -> int | None:
    """``--days``: a whole number of days, 1..36500 (None when not given)."""
    if text is None:
        return None
    try:
        days = int(text)
    except ValueError:
        raise CLIError(f"--days must be a whole number of days, not {text!r}") from None
    if not 1 <= days <= 36500:
        raise CLIError("--days must be between 1 and 36500")
    return days
