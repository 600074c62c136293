"""A throwaway PostgreSQL cluster for the tests: ``initdb`` and ``pg_ctl`` in a temporary
directory, run by an unprivileged user, listening only on a Unix socket in that directory.

Debian's ``postgresql`` package provides the programs (``/usr/lib/postgresql/N/bin``, found
here or on PATH) and the ``postgres`` system user; ``.ci/run`` installs the package. As root, the
cluster runs as ``postgres`` (PostgreSQL refuses to run as root); as any other user, as that
user. A missing PostgreSQL fails the test that needs it, never skips it.

``tests/conftest.py`` starts one cluster per test session (the ``postgres_cluster`` fixture) and
stops it at the end; each test that wants an inventory gets a database of its own
(:meth:`Cluster.new_database`). Service and browser tests can reuse the same fixture.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["Cluster", "find_bin", "PostgresMissing"]

_PORT = 5432                         # names the socket file only: nothing listens on TCP


class PostgresMissing(RuntimeError):
    """initdb/pg_ctl cannot be found."""


def find_bin() -> Path:
    """The directory of initdb and pg_ctl: Debian's newest version, else PATH."""
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                            key=lambda p: int(Path(p).parent.name), reverse=True):
        if (Path(candidate) / "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise PostgresMissing("PostgreSQL's initdb is required by these tests "
                          "(apt-get install -y postgresql)")


class Cluster:
    """One throwaway cluster; ``start()``, ``stop()``, ``url(db)``, ``new_database()``."""

    def __init__(self, bin_dir: Path | None = None):
        self.bin = bin_dir or find_bin()
        self.root = Path(tempfile.mkdtemp(prefix="x509core-pg-"))
        self.data = self.root / "data"
        self.user = "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
        if os.geteuid() == 0:
            entry = pwd.getpwnam(self.user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        os.chmod(self.root, 0o700)
        self._names = itertools.count()
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "-E", "UTF8", "--locale=C", "--no-sync")
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(f"listen_addresses = ''\nunix_socket_directories = '{self.root}'\n"
                       f"port = {_PORT}\nfsync = off\nfull_page_writes = off\n"
                       "max_connections = 60\nshared_buffers = 64MB\n")

    def _run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bin / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", self.user, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, cwd=self.root)
        if check and result.returncode != 0:
            raise RuntimeError(f"{program} failed: {result.stderr.strip() or result.stdout}")
        return result

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-w", "-t",
                  "60", "start")

    def stop(self, mode: str = "fast") -> None:
        """``fast`` (clean) or ``immediate`` (as if the server crashed)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql:///{database}?host={self.root}&port={_PORT}&user=postgres"

    def sql(self, statement: str, database: str = "postgres") -> None:
        import psycopg
        with psycopg.connect(self.url(database), autocommit=True) as connection:
            connection.execute(statement)

    def new_database(self) -> str:
        """A fresh, empty database; its URL."""
        name = f"x509core_{os.getpid()}_{next(self._names)}"
        self.sql(f"CREATE DATABASE {name}")
        return self.url(name)

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
