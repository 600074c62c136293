"""The CA directory's files: atomic writes that never overwrite silently, private modes, and
x509core's own temporary names (the inventory's tests are in tests/ca/inventory/)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from x509core.ca.files import (AlreadyExists, atomic_write, is_temporary_name,
                               make_private_directory)
from x509core.ca.inventory import serial_hex
from x509core.errors import InvalidValue, X509CoreError


# -- atomic_write ----------------------------------------------------------------------------------

def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_atomic_write_creates_with_mode(tmp_path):
    key = atomic_write(tmp_path / "k.key", b"secret", mode=0o600)
    public = atomic_write(tmp_path / "c.pem", b"public")
    assert key.read_bytes() == b"secret" and _mode(key) == 0o600
    assert public.read_bytes() == b"public" and _mode(public) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.pem", "k.key"]   # no temp left


def test_atomic_write_mode_ignores_umask(tmp_path):
    old = os.umask(0o077)
    try:
        assert _mode(atomic_write(tmp_path / "c.pem", b"x", mode=0o644)) == 0o644
    finally:
        os.umask(old)


def test_atomic_write_never_overwrites_silently(tmp_path):
    path = atomic_write(tmp_path / "a.pem", b"first")
    with pytest.raises(AlreadyExists, match="already exists"):
        atomic_write(path, b"second")
    assert path.read_bytes() == b"first"
    atomic_write(path, b"third", overwrite=True)
    assert path.read_bytes() == b"third"
    assert [p.name for p in tmp_path.iterdir()] == ["a.pem"]
    assert isinstance(AlreadyExists("x"), X509CoreError)


def test_a_failed_write_names_the_file_not_its_temporary(tmp_path):
    """The error names the file asked for: not the hidden temporary name (a directory that
    cannot hold files), and not nothing (a failed write of a full disk has no file name)."""
    target = "/proc/x509core-test.key"               # /proc takes no new files
    with pytest.raises(OSError) as caught:
        atomic_write(target, b"secret", mode=0o600)
    assert caught.value.filename == target and caught.value.strerror
    assert not any(p.name.startswith(".x509core-test") for p in Path("/proc").iterdir())
    with pytest.raises(OSError) as caught:
        atomic_write("/dev/full/x", b"data")         # a device, not a directory
    assert caught.value.filename == "/dev/full/x"


def test_atomic_write_race_is_refused_by_link(tmp_path, monkeypatch):
    """Another process creates the name between the existence check and the link."""
    import x509core.ca.files as files
    path = tmp_path / "race.pem"
    real_link = os.link

    def link_after_rival(src, dst):
        path.write_bytes(b"rival")
        return real_link(src, dst)

    monkeypatch.setattr(files.os, "link", link_after_rival)
    with pytest.raises(AlreadyExists):
        atomic_write(path, b"mine")
    assert path.read_bytes() == b"rival"
    assert [p.name for p in tmp_path.iterdir()] == ["race.pem"]


def test_atomic_write_without_hard_links(tmp_path, monkeypatch):
    import x509core.ca.files as files

    def no_links(src, dst):
        raise PermissionError("hard links not supported")

    monkeypatch.setattr(files.os, "link", no_links)
    path = atomic_write(tmp_path / "n.pem", b"data")
    assert path.read_bytes() == b"data"
    with pytest.raises(AlreadyExists):
        atomic_write(path, b"again")
    assert [p.name for p in tmp_path.iterdir()] == ["n.pem"]


def test_atomic_write_failure_leaves_nothing(tmp_path, monkeypatch):
    import x509core.ca.files as files

    def failing_chmod(path, mode):
        raise OSError("disk on fire")

    monkeypatch.setattr(files.os, "chmod", failing_chmod)
    with pytest.raises(OSError, match="disk on fire"):
        atomic_write(tmp_path / "x.pem", b"data")
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_types(tmp_path):
    with pytest.raises(TypeError):
        atomic_write(tmp_path / "x", "text")
    with pytest.raises(TypeError):
        atomic_write(tmp_path / "x", b"", mode="0600")


def test_temporary_names(tmp_path):
    import tempfile
    fd, made = tempfile.mkstemp(prefix=".123.pem.", suffix=".tmp", dir=tmp_path)
    os.close(fd)
    assert is_temporary_name(os.path.basename(made))              # what atomic_write makes
    assert is_temporary_name(".123.pem.a1b2c3_d.tmp")
    for name in ("123.pem", ".hidden", ".notes.tmp", "notes.tmp", ".123.pem.abc.tmp",
                 ".x.ABCDEFGH.tmp"):
        assert not is_temporary_name(name), name


def test_make_private_directory(tmp_path):
    path = make_private_directory(tmp_path / "a" / "b")
    assert _mode(path) == 0o700 and _mode(tmp_path / "a") == 0o700
    os.chmod(path, 0o755)
    assert _mode(make_private_directory(path)) == 0o755           # not made now: left alone
    (tmp_path / "file").write_text("x")
    with pytest.raises(AlreadyExists, match="not a directory"):
        make_private_directory(tmp_path / "file")


# -- serial_hex ------------------------------------------------------------------------------------

@pytest.mark.parametrize("serial, text", [(1, "01"), (0xABC, "0ABC"), (0xABCD, "ABCD"),
                                          ((1 << 159) - 1, "7F" + "FF" * 19)])
def test_serial_hex(serial, text):
    assert serial_hex(serial) == text


def test_serial_hex_errors():
    with pytest.raises(InvalidValue):
        serial_hex(0)
    with pytest.raises(TypeError):
        serial_hex("01")
