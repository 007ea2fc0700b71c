"""A throwaway MariaDB server for the MySQL tests (by hand: ``python tests/mysql_server.py``).

:func:`start` runs ``mariadb-install-db`` into a fresh temporary folder, starts
``mariadbd`` on 127.0.0.1 at a free port (and a unix socket in the folder), creates a
database and a user with a password, and returns a :class:`Server` whose
:meth:`Server.stop` stops it and removes the folder.  Debian's ``mariadb-server`` package
provides the binaries; ``.ci/run`` installs it.  As root the server runs as root
(``--user=root``), with nothing but the test's own data.  Run as a script it starts a
server, prints its URI and password as shell ``export`` lines, and stops it on Enter.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from pg_server import free_port

USER = "fm_tester"
DATABASE = "friction"


def binaries() -> tuple[str, str, str] | None:
    """``(mariadb-install-db, mariadbd, mariadb)``, or None when MariaDB is absent."""
    found = [shutil.which(n) for n in ("mariadb-install-db", "mariadbd", "mariadb")]
    if not all(found):
        for alt in ("/usr/sbin/mariadbd", "/usr/sbin/mysqld"):
            if found[1] is None and os.path.exists(alt):
                found[1] = alt
    return (found[0], found[1], found[2]) if all(found) else None  # type: ignore[return-value]


@dataclass
class Server:
    folder: Path
    port: int
    password: str
    process: subprocess.Popen[bytes]
    client: str

    @property
    def socket(self) -> Path:
        return self.folder / "mysqld.sock"

    @property
    def uri(self) -> str:
        """The URI without the password (it comes from ``MYSQL_PWD``)."""
        return f"mysql://{USER}@127.0.0.1:{self.port}/{DATABASE}"

    def sql(self, statement: str, *, local_infile: bool = False) -> str:
        """Run ``statement`` as the server's root over its socket; its output."""
        cmd = [self.client, "--no-defaults", f"--socket={self.socket}", "-u", "root", "-N"]
        if local_infile:
            cmd.append("--local-infile=1")
        env = {k: v for k, v in os.environ.items() if k not in ("MYSQL_PWD", "MYSQL_HOST")}
        done = subprocess.run([*cmd, "-e", statement], capture_output=True, text=True, env=env)
        if done.returncode:
            raise subprocess.CalledProcessError(
                done.returncode, [*cmd, "-e", statement, done.stderr.strip()[-300:]]
            )
        return done.stdout

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def start() -> Server:
    """A running server (see the module docstring); RuntimeError when none can be started."""
    found = binaries()
    if found is None:
        raise RuntimeError("MariaDB is not installed (Debian: apt-get install mariadb-server)")
    install, daemon, client = found
    folder = Path(tempfile.mkdtemp(prefix="fm-mysql-"))
    data = folder / "data"
    # its own temporary folder: the bootstrap's temporary tables in the shared /tmp were
    # seen deleted under it by another test worker's clean-up (CI, "Error on delete of
    # '/tmp/#sql-temptable-...'")
    scratch = folder / "tmp"
    scratch.mkdir()
    user = ["--user=root"] if os.geteuid() == 0 else []
    try:
        subprocess.run(
            [
                install,
                "--no-defaults",
                f"--datadir={data}",
                *user,
                "--auth-root-authentication-method=socket"
                if os.geteuid() != 0
                else "--auth-root-authentication-method=normal",
                "--skip-test-db",
                f"--tmpdir={scratch}",
            ],
            check=True,
            capture_output=True,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        detail = getattr(exc, "stderr", b"") or b""
        raise RuntimeError(f"cannot initialise MariaDB: {exc} {detail[-2000:]!r}") from exc
    port = free_port()
    log = (folder / "log").open("wb")
    process = subprocess.Popen(
        [
            daemon,
            "--no-defaults",
            f"--datadir={data}",
            f"--socket={folder / 'mysqld.sock'}",
            f"--port={port}",
            "--bind-address=127.0.0.1",
            f"--pid-file={folder / 'mysqld.pid'}",
            "--skip-log-bin",
            "--innodb-buffer-pool-size=64M",
            "--local-infile=1",
            f"--tmpdir={scratch}",
            *user,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = Server(folder, port, "s3cret-" + os.urandom(6).hex(), process, client)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError("mariadbd exited")
            try:
                server.sql("SELECT 1")
                break
            except subprocess.CalledProcessError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        server.sql(
            f"CREATE DATABASE {DATABASE} CHARACTER SET utf8mb4; "
            f"CREATE USER '{USER}'@'127.0.0.1' IDENTIFIED BY '{server.password}'; "
            f"CREATE USER '{USER}'@'localhost' IDENTIFIED BY '{server.password}'; "
            f"GRANT ALL ON {DATABASE}.* TO '{USER}'@'127.0.0.1'; "
            f"GRANT ALL ON {DATABASE}.* TO '{USER}'@'localhost';"
        )
    except (OSError, RuntimeError, subprocess.CalledProcessError) as exc:
        more = (folder / "log").read_text(errors="replace")[-2000:]
        server.stop()
        raise RuntimeError(f"cannot start MariaDB: {exc} {more}") from exc
    return server


if __name__ == "__main__":
    running = start()
    print(f"export FRICTIONMINER_TEST_MYSQL={running.uri}")
    print(f"export MYSQL_PWD={running.password}")
    try:
        input("MariaDB running; Enter stops it\n")
    finally:
        running.stop()
