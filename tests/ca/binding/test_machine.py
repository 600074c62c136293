"""x509core.ca.machine: the derived machine identity (systemd's app-specific id), the raw id's
sources on Linux, macOS and Windows, and the choice of the primary MAC address."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import types
import uuid
from pathlib import Path

import pytest

from tests.conftest import require_program
from x509core.ca import machine
from x509core.ca.machine import (APPLICATION_ID, MachineIdError, app_specific_id,
                                 machine_identity, primary_mac_address, raw_machine_id)
from x509core.errors import X509CoreError

# Computed with systemd 252's `systemd-id128 machine-id --app-specific=APP` with /etc/machine-id
# bind-mounted to a file holding MACHINE (unshare -m; mount --bind), so systemd's own code
# produced every expected value here.
SYSTEMD_VECTORS = [
    ("0123456789abcdef0123456789abcdef", "5f6fe6342afd40b889037c763a281a02",
     "6ef44b8d834b4e9b932f6670211e1192"),
    ("0123456789abcdef0123456789abcdef", "00000000000000000000000000000001",
     "ba53f031b2c2480abd96fe842e642ec9"),
    ("c417aa4802b3441d931c135cbdaab367", "5f6fe6342afd40b889037c763a281a02",
     "e561b0621eaf44cd89a9fd3b45548b1a"),
    ("c417aa4802b3441d931c135cbdaab367", "00000000000000000000000000000001",
     "ce768ce681d94730b7cc12e052e4272d"),
    ("ffffffffffffffffffffffffffffffff", "5f6fe6342afd40b889037c763a281a02",
     "97b004f076c345a19afd03e64611f736"),
    ("ffffffffffffffffffffffffffffffff", "00000000000000000000000000000001",
     "f5981b3f89354df084d83d410eaeab69"),
]
MACHINE_A = "0123456789abcdef0123456789abcdef"
MACHINE_B = "c417aa4802b3441d931c135cbdaab367"


# -- the derivation ---------------------------------------------------------------------------

@pytest.mark.parametrize("machine_id, app_id, expected", SYSTEMD_VECTORS)
def test_app_specific_id_matches_systemd(machine_id, app_id, expected):
    assert app_specific_id(machine_id, bytes.fromhex(app_id)) == expected
    assert app_specific_id(bytes.fromhex(machine_id), uuid.UUID(app_id)) == expected


def test_application_id_is_fixed():
    # Changing it would re-identify every machine and break every certificate bound so far.
    assert APPLICATION_ID.hex == "5f6fe6342afd40b889037c763a281a02"
    assert APPLICATION_ID.version == 4


def test_systemd_id128_agrees_on_this_machine(tmp_path):
    """The live oracle: systemd-id128 reads this machine's /etc/machine-id as we do."""
    tool = require_program("systemd-id128", "systemd")
    done = subprocess.run([tool, "machine-id", f"--app-specific={APPLICATION_ID.hex}"],
                          capture_output=True, text=True, timeout=30)
    try:
        ours = machine_identity(paths=[Path("/etc/machine-id")])
    except MachineIdError:
        assert done.returncode != 0           # no usable /etc/machine-id: systemd fails too
    else:
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == ours


@pytest.mark.parametrize("machine_id", [MACHINE_A, MACHINE_B, "f" * 32, "1" + "0" * 31])
def test_app_specific_id_is_a_v4_uuid_and_hides_the_raw_id(machine_id):
    derived = app_specific_id(machine_id)
    parsed = uuid.UUID(derived)
    assert parsed.version == 4 and parsed.variant == uuid.RFC_4122
    assert derived != machine_id and re.fullmatch(r"[0-9a-f]{32}", derived)
    assert app_specific_id(machine_id) == derived                      # deterministic
    assert app_specific_id(machine_id, b"\x01" * 16) != derived        # per application


@pytest.mark.parametrize("bad", ["", "0123", "g" * 32, "0" * 33, b"\x00" * 15])
def test_app_specific_id_rejects_malformed_ids(bad):
    with pytest.raises(MachineIdError):
        app_specific_id(bad)


def test_app_specific_id_rejects_null_application_id_and_wrong_types():
    with pytest.raises(MachineIdError, match="all zero"):
        app_specific_id(MACHINE_A, bytes(16))                  # systemd: -ENXIO
    with pytest.raises(TypeError):
        app_specific_id(12345)                                 # type: ignore[arg-type]


# -- Linux files ------------------------------------------------------------------------------

def _ids(tmp_path: Path, first: str | None, second: str | None) -> list[Path]:
    paths = [tmp_path / "etc-machine-id", tmp_path / "dbus-machine-id"]
    for path, content in zip(paths, (first, second)):
        if content is not None:
            path.write_text(content)
    return paths


def test_etc_machine_id_comes_first(tmp_path):
    paths = _ids(tmp_path, MACHINE_A + "\n", MACHINE_B + "\n")
    assert machine_identity(raw=True, paths=paths) == MACHINE_A
    assert machine_identity(paths=paths) == app_specific_id(MACHINE_A)
    assert raw_machine_id(paths=paths, platform="linux") == MACHINE_A


@pytest.mark.parametrize("first", [None, "", "\n", "uninitialized\n"])
def test_dbus_machine_id_when_etc_is_missing_empty_or_uninitialized(tmp_path, first):
    paths = _ids(tmp_path, first, MACHINE_B + "\n")
    assert machine_identity(raw=True, paths=paths) == MACHINE_B


@pytest.mark.parametrize("first, second, message", [
    (None, None, "etc-machine-id is missing; .*dbus-machine-id is missing"),
    ("", None, "etc-machine-id is empty"),
    ("uninitialized\n", "", "is uninitialized; .* is empty"),
])
def test_no_machine_id_is_one_clear_error(tmp_path, first, second, message):
    with pytest.raises(MachineIdError, match=message) as info:
        machine_identity(paths=_ids(tmp_path, first, second))
    assert isinstance(info.value, X509CoreError) and "\n" not in str(info.value)
    assert "systemd-machine-id-setup" in str(info.value)


@pytest.mark.parametrize("content", ["0123456789ABCDEF0123456789ABCDEF", "xyz", "0" * 32,
                                     MACHINE_A + "00", "\xff" * 4])
def test_malformed_machine_id_is_refused_not_skipped(tmp_path, content):
    paths = _ids(tmp_path, None, MACHINE_B)
    paths[0].write_bytes(content.encode("latin-1"))
    with pytest.raises(MachineIdError, match="etc-machine-id"):
        machine_identity(paths=paths)


def test_unreadable_machine_id_is_an_error(tmp_path):
    directory = tmp_path / "etc-machine-id"
    directory.mkdir()                                           # reading a directory fails
    with pytest.raises(MachineIdError, match="cannot read"):
        machine_identity(paths=[directory])


def test_this_machine_raw_id_is_etc_machine_id():
    path = Path("/etc/machine-id")
    if path.exists() and re.fullmatch(r"[0-9a-f]{32}", path.read_text().strip()):
        assert machine_identity(raw=True) == path.read_text().strip()
        assert machine_identity() == app_specific_id(path.read_text().strip())
    else:
        with pytest.raises(MachineIdError):
            machine_identity(paths=[path])


# -- macOS: IOPlatformUUID from ioreg ----------------------------------------------------------

IOREG_OUTPUT = """+-o MacBookPro18,3  <class IOPlatformExpertDevice, id 0x100000111>
    {
      "IOPlatformSerialNumber" = "C02XXXXXXXXX"
      "IOPlatformUUID" = "564D1B4F-8C6A-4F3E-9D21-0A7B3C5E6F81"
      "model" = <"MacBookPro18,3">
    }
"""


def _fake_ioreg(tmp_path: Path, monkeypatch, output: str, status: int = 0) -> None:
    script = tmp_path / "bin" / "ioreg"
    script.parent.mkdir()
    (tmp_path / "out.txt").write_text(output)
    script.write_text(f"#!/bin/sh\n[ \"$*\" = '-rd1 -c IOPlatformExpertDevice' ] || exit 9\n"
                      f"cat '{tmp_path / 'out.txt'}'\nexit {status}\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{script.parent}{os.pathsep}{os.environ.get('PATH', '')}")


def test_macos_reads_ioplatformuuid(tmp_path, monkeypatch):
    _fake_ioreg(tmp_path, monkeypatch, IOREG_OUTPUT)
    expected = "564d1b4f8c6a4f3e9d210a7b3c5e6f81"
    assert machine_identity(raw=True, platform="darwin") == expected
    assert machine_identity(platform="darwin") == app_specific_id(expected)


@pytest.mark.parametrize("output, status, message", [
    ("no uuid here\n", 0, "IOPlatformUUID not found"),
    (IOREG_OUTPUT, 1, "IOPlatformUUID not found"),
    (IOREG_OUTPUT.replace("564D1B4F-8C6A-4F3E-9D21-0A7B3C5E6F81",
                          "00000000-0000-0000-0000-000000000000"), 0, "all zero"),
])
def test_macos_failures(tmp_path, monkeypatch, output, status, message):
    _fake_ioreg(tmp_path, monkeypatch, output, status)
    with pytest.raises(MachineIdError, match=message):
        machine_identity(platform="darwin")


def test_macos_without_ioreg(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(MachineIdError, match="ioreg command is missing"):
        machine_identity(platform="darwin")


# -- Windows: MachineGuid from the registry ---------------------------------------------------

def _fake_winreg(monkeypatch, values: dict) -> list:
    opened = []

    class Key:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    def open_key(root, sub_key, reserved, access):
        opened.append((root, sub_key, access))
        return Key()

    def query_value(key, name):
        if name not in values:
            raise FileNotFoundError(name)
        return values[name]

    fake = types.SimpleNamespace(HKEY_LOCAL_MACHINE="HKLM", KEY_READ=0x20019, KEY_WOW64_64KEY=0x100,
                                 REG_SZ=1, OpenKey=open_key, QueryValueEx=query_value)
    monkeypatch.setitem(sys.modules, "winreg", fake)
    return opened


def test_windows_reads_machineguid_from_the_64_bit_view(monkeypatch):
    opened = _fake_winreg(monkeypatch, {"MachineGuid": ("2f1e0c4a-93b1-4d7e-8a55-6c0f7e9d1b23", 1)})
    assert machine_identity(raw=True, platform="win32") == "2f1e0c4a93b14d7e8a556c0f7e9d1b23"
    assert opened == [("HKLM", r"SOFTWARE\Microsoft\Cryptography", 0x20019 | 0x100)]


@pytest.mark.parametrize("values, message", [
    ({}, "MachineGuid not found"),
    ({"MachineGuid": (b"\x01" * 16, 3)}, "MachineGuid not found"),        # REG_BINARY
    ({"MachineGuid": ("not-a-guid", 1)}, "is not a UUID"),
])
def test_windows_failures(monkeypatch, values, message):
    _fake_winreg(monkeypatch, values)
    with pytest.raises(MachineIdError, match=message):
        machine_identity(platform="win32")


# -- the primary MAC address ------------------------------------------------------------------

def _interface(root: Path, name: str, address: str | None, *, device: bool = False) -> None:
    directory = root / name
    directory.mkdir(parents=True)
    if address is not None:
        (directory / "address").write_text(address + "\n")
    if device:
        (directory / "device").mkdir()


SKIPPED = ["lo", "docker0", "veth1a2b3c", "virbr0", "tun0", "tap0", "br-0f1e2d", "cni0",
           "kube-bridge", "flannel.1"]


def test_virtual_interfaces_are_skipped(tmp_path):
    for index, name in enumerate(SKIPPED):
        _interface(tmp_path, name, f"02:00:00:00:00:{index:02x}", device=True)
    assert primary_mac_address(sysfs_root=tmp_path) is None
    _interface(tmp_path, "wlan0", "18:C0:4D:FA:C0:A8")
    assert primary_mac_address(sysfs_root=tmp_path) == "18:c0:4d:fa:c0:a8"


def test_device_backed_interfaces_first_then_by_name(tmp_path):
    _interface(tmp_path, "aaa0", "02:00:00:00:00:aa")                  # virtual, first by name
    _interface(tmp_path, "eth1", "02:00:00:00:00:e1", device=True)
    _interface(tmp_path, "eth0", "00:00:00:00:00:00", device=True)      # all zero: skipped
    _interface(tmp_path, "ib0", "80:00:00:48:fe:80:00:00:00:00:00:00:00:02:c9:03:00:0a:bc:de",
               device=True)                                             # not 6 octets
    _interface(tmp_path, "enp3s0", None, device=True)                   # no address file
    assert primary_mac_address(sysfs_root=tmp_path) == "02:00:00:00:00:e1"
    _interface(tmp_path, "eno1", "3c:ec:ef:00:11:22", device=True)
    assert primary_mac_address(sysfs_root=tmp_path) == "3c:ec:ef:00:11:22"


def test_lo_is_skipped_exactly_not_as_a_prefix(tmp_path):
    _interface(tmp_path, "lo", "00:00:00:00:00:01")
    _interface(tmp_path, "lowpan0", "02:00:00:00:00:10")
    assert primary_mac_address(sysfs_root=tmp_path) == "02:00:00:00:00:10"


def test_no_sysfs_means_no_mac(tmp_path):
    assert primary_mac_address(sysfs_root=tmp_path / "absent") is None
    assert primary_mac_address(sysfs_root=tmp_path) is None


def test_this_machine_mac_is_well_formed_or_absent():
    found = primary_mac_address()
    assert found is None or re.fullmatch(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}", found)
    assert found != "00:00:00:00:00:00"


def test_module_exports():
    assert set(machine.__all__) <= set(dir(machine))
