"""A throw-away PostgreSQL cluster for the tests: initdb and pg_ctl in a temporary directory, listening
on a free loopback port with trust authentication, stopped (and its directory removed) at the end.

PostgreSQL refuses to run as root. Run as root (a CI container), the cluster is started as the
`postgres` user that Debian's package creates (or `nobody` if there is none), with `runuser`; run as
anyone else, as that user.

`python -m tests.pg` starts one and prints its URL until interrupted (for trying the app by hand).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import psycopg

SUPERUSER = "recovery"


def find_bin_dir() -> Path | None:
    """The directory holding initdb and pg_ctl: PG_BIN, then PATH, then Debian's /usr/lib/postgresql/*/bin
    (the newest). None when PostgreSQL is not installed."""
    candidates = [os.environ.get("PG_BIN", "")]
    found = shutil.which("initdb")
    if found:
        candidates.append(str(Path(found).resolve().parent))
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True)
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").is_file() and (Path(candidate) / "pg_ctl").is_file():
            return Path(candidate)
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Cluster:
    """One running cluster; `new_database()` gives a fresh database's URL."""

    def __init__(self, bin_dir: Path, settings: dict[str, str] | None = None):
        self.bin_dir = bin_dir
        self.directory = Path(tempfile.mkdtemp(prefix="recovery-pg-"))
        self.port = free_port()
        self.run_as: str | None = None
        if os.geteuid() == 0:
            self.run_as = "postgres" if _user_exists("postgres") else "nobody"
            entry = pwd.getpwnam(self.run_as)
            os.chown(self.directory, entry.pw_uid, entry.pw_gid)
        self.data = self.directory / "data"
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "--locale=C", "--encoding=UTF8",
                  "--no-sync")
        options = (f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.directory} "
                   # A throw-away cluster: no fsync (the tests kill clients, never the server).
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
                   + "".join(f" -c {key}={value}" for key, value in (settings or {}).items()))
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.directory / "server.log"),
                  "-w", "-t", "60", "start")

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin_dir / program), *args]
        if self.run_as:
            command = ["runuser", "-u", self.run_as, "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd=self.directory)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def admin(self, statement: str) -> None:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(statement)

    def new_database(self, template: str | None = None, name: str | None = None) -> str:
        """A new database (a copy of `template` if given); returns its URL."""
        name = name or f"t_{uuid.uuid4().hex[:12]}"
        self.admin(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.directory, ignore_errors=True)


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


if __name__ == "__main__":
    import signal
    import time

    signal.signal(signal.SIGTERM, signal.default_int_handler)  # `kill PID` stops the cluster too
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise SystemExit("PostgreSQL is not installed (apt-get install postgresql).")
    cluster = Cluster(bin_dir)
    print(cluster.new_database(name="recovery"), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        cluster.stop()
