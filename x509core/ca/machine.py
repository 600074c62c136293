"""This machine's identity and primary MAC address, as the machine binding of a client
certificate uses them (issue 6; the seed system's extensions ``1.3.6.1.4.15967132172.1/.2``).

Why the identity is derived. systemd documents the machine id as confidential: machine-id(5)
says it "should be considered confidential, and must not be exposed in untrusted
environments, in particular on the network", and that applications needing a stable id
should derive an application-specific one with ``sd_id128_get_machine_app_specific(3)``.
A TLS 1.2 handshake sends the client certificate in clear, so a certificate carrying the raw
id would publish it to anyone on the path. By default x509core binds

    app-specific id = HMAC-SHA256(key = machine id (16 octets), message = APPLICATION_ID),
                      first 16 octets, made a UUID v4 (version 4, variant 10),
                      written as 32 lower-case hex digits

exactly as systemd's ``sd_id128_get_app_specific`` does (src/libsystemd/sd-id128/sd-id128.c:
``hmac_sha256(&base, 16, &app_id, 16, buf)`` then ``id128_make_v4_uuid``), so
``systemd-id128 machine-id --app-specific=5f6fe6342afd40b889037c763a281a02`` prints the same
value. The id is stable for the machine, useless for linking the machine to other
applications' ids, and does not reveal the raw id (HMAC is one-way). ``raw=True`` gives the raw
id, as the seed system binds it, for interoperation with certificates that system issued.

Where the raw id comes from:

* Linux and other Unix: ``/etc/machine-id``, then ``/var/lib/dbus/machine-id`` (32 hex digits,
  machine-id(5)). A missing, empty or ``uninitialized`` file (systemd's first-boot marker) is
  skipped; a malformed one is an error rather than a silent fall-back.
* macOS: ``IOPlatformUUID`` from ``ioreg -rd1 -c IOPlatformExpertDevice``.
* Windows: ``HKLM\\SOFTWARE\\Microsoft\\Cryptography\\MachineGuid`` (64-bit registry view).

A UUID (macOS, Windows) is written as 32 lower-case hex digits, without dashes, so that it is
the 16..128 alphanumeric characters the seed system accepts, and read as its 16 octets.

The primary MAC address is chosen from ``/sys/class/net`` (Linux): interfaces that the seed
system treats as virtual (``lo``, ``docker*``, ``veth*``, ``virbr*``, ``tun*``, ``tap*``,
``br-*``, ``cni*``, ``kube*``, ``flannel*``), and addresses that are all zero or not 6 octets,
are skipped; of the rest, interfaces backed by a device (with a ``device`` entry, i.e. a NIC)
come first, then the name in code-point order; the first one wins. Link state is ignored on
purpose: unplugging a cable must not change the machine's binding.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Iterable

from x509core.errors import X509CoreError

__all__ = ["MachineIdError", "APPLICATION_ID", "MACHINE_ID_PATHS", "SYSFS_NET",
           "SKIPPED_INTERFACES", "SKIPPED_INTERFACE_PREFIXES", "machine_identity",
           "raw_machine_id", "app_specific_id", "primary_mac_address"]

# x509core's application id for sd_id128_get_machine_app_specific(3). Fixed forever: changing it
# changes every machine's derived identity and so invalidates every bound certificate.
APPLICATION_ID = uuid.UUID("5f6fe634-2afd-40b8-8903-7c763a281a02")
MACHINE_ID_PATHS = (Path("/etc/machine-id"), Path("/var/lib/dbus/machine-id"))
SYSFS_NET = Path("/sys/class/net")
SKIPPED_INTERFACES = ("lo",)
SKIPPED_INTERFACE_PREFIXES = ("docker", "veth", "virbr", "tun", "tap", "br-", "cni", "kube",
                              "flannel")
_HEX32 = re.compile(r"[0-9a-f]{32}")
_MAC = re.compile(r"[0-9a-f]{2}(?::[0-9a-f]{2}){5}")
_IOREG_UUID = re.compile(r'"IOPlatformUUID"\s*=\s*"([0-9A-Fa-f-]{36})"')
_WINDOWS_KEY = r"SOFTWARE\Microsoft\Cryptography"
_COMMAND_TIMEOUT = 10.0


class MachineIdError(X509CoreError):
    """This machine's id cannot be read: missing, empty, uninitialized or malformed."""


def machine_identity(*, raw: bool = False, paths: Iterable[Path | str] | None = None,
                     platform: str | None = None) -> str:
    """This machine's identity for the machine binding: the app-specific id (32 lower-case hex
    digits, see the module docstring), or with ``raw=True`` the raw machine id.

    ``paths`` replaces :data:`MACHINE_ID_PATHS` and ``platform`` replaces ``sys.platform``
    (tests). Raises :class:`MachineIdError` when no id can be read.
    """
    raw_id = raw_machine_id(paths=paths, platform=platform)
    return raw_id if raw else app_specific_id(raw_id)


def app_specific_id(machine_id: str | bytes, app_id: uuid.UUID | bytes = APPLICATION_ID) -> str:
    """``sd_id128_get_app_specific(machine_id, app_id)`` as 32 lower-case hex digits.

    ``machine_id``: 32 hex digits (or a UUID string) or 16 octets; ``app_id`` likewise 16 octets.
    """
    base = _id128(machine_id, "machine id")
    app = app_id.bytes if isinstance(app_id, uuid.UUID) else _id128(app_id, "application id")
    if not any(app):
        raise MachineIdError("the application id must not be all zero")   # systemd: -ENXIO
    digest = bytearray(hmac.new(base, app, hashlib.sha256).digest()[:16])  # "the first half"
    # id128_make_v4_uuid: version 4 in the high nibble of octet 6, variant 10 in octet 8
    # (RFC 9562 §5.4, §4.1).
    digest[6] = (digest[6] & 0x0F) | 0x40
    digest[8] = (digest[8] & 0x3F) | 0x80
    return digest.hex()


def _id128(value: str | bytes, what: str) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        if len(value) != 16:
            raise MachineIdError(f"the {what} must be 16 octets, not {len(value)}")
        return bytes(value)
    if not isinstance(value, str):
        raise TypeError(f"the {what} must be str or bytes")
    text = value.strip().lower()
    if len(text) == 36 and text.count("-") == 4:            # the UUID form
        text = text.replace("-", "")
    if not _HEX32.fullmatch(text):
        raise MachineIdError(f"the {what} must be 32 hexadecimal digits")
    return bytes.fromhex(text)


def raw_machine_id(*, paths: Iterable[Path | str] | None = None,
                   platform: str | None = None) -> str:
    """The raw machine id as 32 lower-case hex digits (see the module docstring for sources)."""
    platform = sys.platform if platform is None else platform
    if paths is None and platform == "darwin":
        return _from_uuid(_ioreg_platform_uuid(), "IOPlatformUUID")
    if paths is None and platform == "win32":
        return _from_uuid(_windows_machine_guid(), "MachineGuid")
    return _from_files(MACHINE_ID_PATHS if paths is None else [Path(p) for p in paths])


def _from_files(paths: list[Path]) -> str:
    problems = []
    for path in paths:
        try:
            text = path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            problems.append(f"{path} is missing")
            continue
        except (OSError, UnicodeDecodeError) as exc:
            raise MachineIdError(f"cannot read the machine id from {path}: "
                                 f"{getattr(exc, 'strerror', None) or 'not ASCII text'}") from None
        if not text or text == "uninitialized":
            # machine-id(5): "uninitialized" marks a first boot whose id is not committed yet.
            problems.append(f"{path} is {'empty' if not text else 'uninitialized'}")
            continue
        if not _HEX32.fullmatch(text) or not int(text, 16):
            raise MachineIdError(f"{path} does not hold a machine id (32 lower-case hex digits, "
                                 "not all zero; machine-id(5))")
        return text
    detail = "; ".join(problems) or "no machine-id file to read"
    raise MachineIdError(f"no machine id: {detail} (on systemd: systemd-machine-id-setup)")


def _from_uuid(value: str | None, what: str) -> str:
    if value is None:
        raise MachineIdError(f"no machine id: {what} not found")
    text = value.strip().lower()
    if len(text) != 36 or text.count("-") != 4 or not _HEX32.fullmatch(text.replace("-", "")):
        raise MachineIdError(f"no machine id: {what} {value.strip()[:40]!r} is not a UUID")
    text = text.replace("-", "")
    if not int(text, 16):
        raise MachineIdError(f"no machine id: {what} is all zero")
    return text


def _ioreg_platform_uuid() -> str | None:
    """IOPlatformUUID from ``ioreg`` (macOS); None when ioreg does not print one."""
    ioreg = shutil.which("ioreg")
    if ioreg is None:
        raise MachineIdError("no machine id: the ioreg command is missing")
    try:
        done = subprocess.run([ioreg, "-rd1", "-c", "IOPlatformExpertDevice"], capture_output=True,
                              text=True, timeout=_COMMAND_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise MachineIdError(f"no machine id: ioreg failed ({type(exc).__name__})") from None
    found = _IOREG_UUID.search(done.stdout) if done.returncode == 0 else None
    return found.group(1) if found else None


def _windows_machine_guid() -> str | None:
    """MachineGuid from the 64-bit registry view (Windows); None when it is absent."""
    import winreg                                # Windows only; imported here for that reason
    # The 64-bit view: a 32-bit Python would otherwise read the WOW64 copy of the key.
    access = winreg.KEY_READ | getattr(winreg, "KEY_WOW64_64KEY", 0)
    try:
        with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, _WINDOWS_KEY, 0, access) as key:
            value, kind = winreg.QueryValueEx(key, "MachineGuid")
    except OSError:
        return None
    return value if kind == winreg.REG_SZ and isinstance(value, str) else None


def primary_mac_address(*, sysfs_root: Path | str | None = None) -> str | None:
    """The primary interface's MAC address as ``aa:bb:cc:dd:ee:ff`` (lower case), or None when
    there is none (no sysfs, only virtual interfaces). The choice is in the module docstring;
    ``sysfs_root`` replaces :data:`SYSFS_NET` (tests)."""
    root = SYSFS_NET if sysfs_root is None else Path(sysfs_root)
    try:
        names = sorted(entry.name for entry in root.iterdir())
    except OSError:
        return None                              # not Linux, or no sysfs: no MAC to bind
    candidates = []
    for name in names:
        if name in SKIPPED_INTERFACES or name.startswith(SKIPPED_INTERFACE_PREFIXES):
            continue
        address = _interface_address(root / name)
        if address is not None:
            has_device = (root / name / "device").exists()
            candidates.append((not has_device, name, address))
    return min(candidates)[2] if candidates else None


def _interface_address(directory: Path) -> str | None:
    """The interface's 6-octet, non-zero hardware address, or None."""
    try:
        text = (directory / "address").read_text(encoding="ascii").strip().lower()
    except (OSError, UnicodeDecodeError):
        return None
    if not _MAC.fullmatch(text) or text == "00:00:00:00:00:00":
        return None
    return text
