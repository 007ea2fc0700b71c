"""A throwaway PostgreSQL server for the database tests (by hand: ``python tests/pg_server.py``).

:func:`start` runs ``initdb`` into a fresh temporary folder (as the ``postgres`` user when
running as root, since PostgreSQL refuses to run as root), starts the server on 127.0.0.1
at a free port with password authentication (scram-sha-256), creates a database, and
returns a :class:`Server` whose :meth:`Server.stop` stops it and removes the folder.
Debian's ``postgresql`` package provides the binaries (``/usr/lib/postgresql/N/bin``);
``.ci/run`` installs it.  Run as a script it starts a server, prints its URI and password
as shell ``export`` lines, and stops it on Enter.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

USER = "fm_tester"
DATABASE = "friction"


def bindir() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``, or None when PostgreSQL is absent."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on (now)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    folder: Path
    port: int
    password: str
    bindir: Path

    @property
    def uri(self) -> str:
        """The URI without the password (it comes from PGPASSWORD or a pgpass file)."""
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{DATABASE}"

    def stop(self) -> None:
        _run(
            self,
            [
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.folder / "data"),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
            check=False,
        )
        shutil.rmtree(self.folder, ignore_errors=True)


def _as_owner() -> list[str]:
    """Run as ``postgres`` when we are root (initdb and postgres refuse root)."""
    if os.geteuid() != 0:
        return []
    return ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"]


def _run(server: Server, cmd: list[str], check: bool = True) -> None:
    subprocess.run(
        [*_as_owner(), *cmd],
        check=check,
        capture_output=True,
        cwd=server.folder,
        env={**os.environ, "LC_ALL": "C"},
    )


def start() -> Server:
    """A running server (see the module docstring); RuntimeError when none can be started."""
    found = bindir()
    if found is None:
        raise RuntimeError("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    # As root, in /tmp: the postgres user must reach the folder (TMPDIR may be root's own).
    base = "/tmp" if os.geteuid() == 0 and os.path.isdir("/tmp") else None
    folder = Path(tempfile.mkdtemp(prefix="fm-pg-", dir=base))
    password = "s3cret-" + os.urandom(6).hex()
    server = Server(folder, free_port(), password, found)
    try:
        pwfile = folder / "pw"
        pwfile.write_text(password + "\n")
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres", "postgres")
            shutil.chown(pwfile, "postgres", "postgres")
        os.chmod(pwfile, 0o600)
        _run(
            server,
            [
                str(found / "initdb"),
                "-D",
                str(folder / "data"),
                "-U",
                USER,
                "--auth=scram-sha-256",
                f"--pwfile={pwfile}",
                "-E",
                "UTF8",
            ],
        )
        options = f"-p {server.port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        _run(
            server,
            [
                str(found / "pg_ctl"),
                "-D",
                str(folder / "data"),
                "-o",
                options,
                "-l",
                str(folder / "log"),
                "-w",
                "start",
            ],
        )
        subprocess.run(
            [
                str(found / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(server.port),
                "-U",
                USER,
                "-d",
                "postgres",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                f"CREATE DATABASE {DATABASE}",
            ],
            check=True,
            capture_output=True,
            env={**os.environ, "PGPASSWORD": password},
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        log = folder / "log"
        more = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        server.stop()
        raise RuntimeError(f"cannot start PostgreSQL: {exc} {detail!r} {more}") from exc
    return server


if __name__ == "__main__":
    running = start()
    print(f"export FRICTIONMINER_TEST_PG={running.uri}")
    print(f"export PGPASSWORD={running.password}")
    try:
        input("PostgreSQL running; Enter stops it\n")
    finally:
        running.stop()
