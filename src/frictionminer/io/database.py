"""Databases as logs: PostgreSQL (ADBC), MySQL and MariaDB (connectorx, checked first with
PyMySQL), SQLite (ADBC) and DuckDB files, in Arrow batches.

``LOG`` is a URI (``postgresql://user@host:5432/db``, ``mysql://user@host:3306/db``,
``sqlite:///events.db``, ``duckdb:///events.duckdb``) or a ``.duckdb``/``.db``/``.sqlite``
file, read with
``[database] table`` (``--table``, quoted as an identifier) or ``query`` (``--query``).
The result streams from the driver in Arrow record batches into Parquet parts of
``batch_rows`` rows in a temporary folder (:func:`staged`), so the transfer holds one
part at a time; the log is then read from the parts as a Parquet log is (in memory by
:func:`read_database`, or cut into shards when large: :func:`keep`), and the folder is
removed whatever happens (an error, Ctrl-C, SIGTERM).  Drivers are the ``database``
extra (``duckdb`` for DuckDB files, ``mysql`` for MySQL and MariaDB), imported only here
and only when a database is read.  Credentials come from the environment (``PGPASSWORD``,
``PGUSER``, ``PGPASSFILE``, ``~/.pgpass``: libpq reads them itself; ``MYSQL_PWD`` and
``MYSQL_USER`` for MySQL); a password in the URI is masked in every message and in the
log's name (:func:`mask`).

MySQL: connectorx streams the result fast, but retries a refused connection or a bad
password for 30 seconds, logging to stderr.  So PyMySQL (pure Python) connects first, with
a 10-second timeout, and checks the credentials, the database, the table and the SQL
(``SELECT * FROM (query) LIMIT 0``) before connectorx runs the read in a read-only
transaction.  SQL Server (``mssql://``) is refused with one line: there is no server to
test a reader against here.
"""

from __future__ import annotations

import atexit
import contextlib
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import polars as pl
import polars.exceptions as plexc

from frictionminer.errors import InputError, UsageError
from frictionminer.io.base import Finding, RawLog, shown_as
from frictionminer.settings import DatabaseSettings

KINDS = {
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "sqlite": "sqlite",
    "duckdb": "duckdb",
    "mysql": "mysql",
    "mariadb": "mysql",
    "mssql": "mssql",
    "sqlserver": "mssql",
}
"""URI schemes and the kind of database each names."""
FILE_KINDS = {".duckdb": "duckdb", ".db": "sqlite", ".sqlite": "sqlite", ".sqlite3": "sqlite"}
"""File suffixes read as database files (``.sqlite`` only when it is not an OCEL log)."""
EXTRAS = {
    "postgresql": "pip install 'frictionminer[database]'",
    "sqlite": "pip install 'frictionminer[database]'",
    "duckdb": "pip install 'frictionminer[duckdb]'",
    "mysql": "pip install 'frictionminer[mysql]'",
}
"""The extra that installs each kind's driver."""
_NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite", "duckdb": "DuckDB", "mysql": "MySQL"}
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


def uri_kind(text: str) -> str | None:
    """The kind of database a URI names (``postgresql``, ``sqlite``, …), or None."""
    found = _SCHEME.match(text)
    if found is None:
        return None
    scheme = found.group(1).lower().split("+")[0]  # postgresql+psycopg:// as SQLAlchemy writes
    return KINDS.get(scheme)


def file_kind(path: str | Path) -> str | None:
    """``sqlite`` or ``duckdb`` for a database file's suffix, else None."""
    return FILE_KINDS.get(Path(str(path)).suffix.lower())


_USERINFO = re.compile(r"([^:/@?#]*):.*@((?:\[[^\]]*\]|[\w.%-]*)(?::\d*)?(?:[/?#,]|$))", re.S)


def mask(uri: str) -> str:
    """``uri`` with any password replaced by ``***`` (in the user part and in
    ``?password=`` parameters): what messages and reports show.

    >>> mask("postgresql://ana:s3cret@db:5432/crm?sslmode=require&password=x")
    'postgresql://ana:***@db:5432/crm?sslmode=require&password=***'
    """
    found = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*://)(.*)$", uri, re.S)
    if found is None:
        return uri
    head, rest = found.groups()
    # user:password@host[:port] then / ? # , or the end; the password runs to the last '@'
    # that such a host follows, so a password holding '@', '/', '?' or ':' is masked whole.
    userinfo = _USERINFO.match(rest)
    if userinfo is not None:
        rest = userinfo.group(1) + ":***@" + rest[userinfo.start(2) :]
    return re.sub(r"(?i)([?&](?:password|pwd)=)[^&#]*", r"\1***", head + rest)


def quote_identifier(name: str, quote: str = '"') -> str:
    """``name`` as a quoted SQL identifier; ``schema.table`` is quoted part by part
    (MySQL quotes with a backtick).

    >>> quote_identifier('events')
    '"events"'
    >>> quote_identifier('crm.ev"ents')
    '"crm"."ev""ents"'
    >>> quote_identifier('crm.ev`ents', '`')
    '`crm`.`ev``ents`'
    """
    return ".".join(quote + part.replace(quote, quote * 2) + quote for part in name.split("."))


@dataclass(frozen=True)
class Target:
    """Where a database log is: its kind, what the driver is given, what users are shown."""

    kind: str
    location: str
    """The URI for PostgreSQL, the file's path for SQLite and DuckDB."""
    shown: str
    """The URI with its password masked (or the file's path)."""
    secrets: tuple[str, ...] = ()
    """The URI's passwords, scrubbed from whatever the driver says (:meth:`scrub`)."""

    def scrub(self, text: str) -> str:
        """``text`` without the URI's passwords (should a driver ever repeat one)."""
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text


def target(text: str) -> Target:
    """The database ``text`` names (a URI or a database file); InputError when it is none
    that can be read."""
    kind = uri_kind(text)
    if kind is None:
        found = file_kind(text)
        if found is None:
            raise InputError(f"{text}: not a database URI or file")
        return Target(found, text, text)
    shown = mask(text)
    if kind == "mssql":
        raise InputError(
            f"{shown}: SQL Server databases are not read (no SQL Server was at hand to test "
            "a reader against)",
            hint="export the table to CSV or Parquet, or read from PostgreSQL, MySQL, SQLite "
            "or DuckDB",
        )
    try:  # the masked URI: what urlsplit says about it cannot hold the password
        parts = urlsplit(shown)
        parts.port  # noqa: B018  (a bad port raises here)
    except ValueError as exc:
        raise InputError(
            f"{shown}: not a valid database URI ({exc})",
            hint="e.g. postgresql://user@host:5432/db, sqlite:///events.db",
        ) from None
    if kind == "postgresql":
        return Target(kind, text, shown, _secrets(text))
    if kind == "mysql":
        return _mysql_target(text, shown)
    # sqlite:///relative.db and sqlite:////absolute/path.db, as SQLAlchemy writes them.
    rest = shown[len(parts.scheme) + 3 :]
    if parts.netloc or not rest.startswith("/") or len(rest) < 2:
        raise InputError(
            f"{shown}: a {_NAMES[kind]} URI names a file: {parts.scheme}:///relative/path or "
            f"{parts.scheme}:////absolute/path",
            hint="or give the file's path itself",
        )
    return Target(kind, rest[1:].split("?", 1)[0], shown)


def _mysql_target(text: str, shown: str) -> Target:
    """A MySQL URI, its password from the URI or ``MYSQL_PWD``, its user from the URI,
    ``MYSQL_USER`` or the login name (as the ``mysql`` client does)."""
    import getpass
    import os
    from urllib.parse import quote, unquote

    parts = urlsplit(text)
    password = unquote(parts.password) if parts.password is not None else None
    if password is None:
        password = os.environ.get("MYSQL_PWD")
    user = unquote(parts.username) if parts.username else os.environ.get("MYSQL_USER")
    if not user:
        try:
            user = getpass.getuser()
        except (KeyError, OSError):
            user = "root"
    database = unquote(parts.path.lstrip("/"))
    if not database or "/" in database:
        raise InputError(
            f"{shown}: a MySQL URI names one database: mysql://user@host:3306/DATABASE",
            hint="the database (schema) holding the table goes after the host",
        )
    host = parts.hostname or "localhost"
    port = parts.port or 3306
    auth = quote(user, safe="") + (":" + quote(password, safe="") if password else "")
    location = f"mysql://{auth}@{host}:{port}/{quote(database, safe='')}"
    secrets = {s for s in (password, quote(password, safe="") if password else None) if s}
    return Target("mysql", location, shown, tuple(sorted(secrets, key=len, reverse=True)))


def _secrets(uri: str) -> tuple[str, ...]:
    """The passwords a URI holds: in its user part and in ``password=``/``pwd=``."""
    found: list[str] = []
    userinfo = _USERINFO.match(uri.split("://", 1)[-1])
    if userinfo is not None:
        start = len(userinfo.group(1)) + 1
        found.append(uri.split("://", 1)[-1][start : userinfo.start(2) - 1])
    found += re.findall(r"(?i)[?&](?:password|pwd)=([^&#]*)", uri)
    return tuple(sorted({f for f in found if f}, key=len, reverse=True))


def source_name(shown: str, settings: DatabaseSettings) -> str:
    """The log's name in messages and reports: the masked URI and the table, written as
    the command line names them (``URI --table events``), or ``URI (query)``."""
    if settings.table:
        return f"{shown} --table {_shell_word(settings.table)}"
    return f"{shown} (query)"


def _shell_word(text: str) -> str:
    import shlex

    return shlex.quote(text)


@dataclass(frozen=True)
class Staged:
    """A database result written as Parquet parts: a folder the Parquet reader takes."""

    folder: Path
    shown: str
    """The log's name (:func:`source_name`): what messages name instead of the folder."""
    details: dict[str, Any]
    findings: tuple[Finding, ...]


@contextlib.contextmanager
def staged(
    text: str, settings: DatabaseSettings, workdir: str | Path | None = None
) -> Iterator[Staged]:
    """The rows of ``settings.table`` or ``settings.query`` in the database ``text``, as
    Parquet parts in a temporary folder (in ``workdir`` when given) that lives as long as
    the context: removed on every way out (an error, Ctrl-C, SIGTERM, which the CLI raises
    as an exception).  While it lives, messages about the folder name the database."""
    where = target(text)
    if where.kind in FILE_KINDS.values():
        _must_exist(where)
    if settings.table is None and settings.query is None:
        raise UsageError(
            f"{where.shown}: a database log needs --table NAME or --query 'SELECT ...'",
            hint=_tables_hint(_list_tables(where)),
        )
    quote = "`" if where.kind == "mysql" else '"'
    sql = (
        settings.query if settings.query is not None else f"SELECT * FROM {_table(settings, quote)}"
    )
    shown = source_name(where.shown, settings)
    folder = Path(tempfile.mkdtemp(prefix="frictionminer-db-", dir=workdir))
    try:
        with shown_as(folder, shown):
            written = _stream(where, sql, settings, folder)
            if written.rows == 0:
                what = f"table {settings.table} is empty" if settings.table else "no rows"
                raise InputError(f"{shown}: {what}", hint="a log needs at least one event")
            yield Staged(folder, shown, _details(where, settings, written), _findings(written))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def read_database(text: str, settings: DatabaseSettings) -> RawLog:
    """The rows of ``settings.table`` or ``settings.query`` in the database ``text``, in
    memory (streamed through :func:`staged` parts, removed before this returns)."""
    from frictionminer.io.tabular import read_parquet

    with staged(text, settings) as parts:
        frame = read_parquet(parts.folder).frame.collect()
    return RawLog(
        frame=frame.lazy(),
        source=parts.shown,
        format="database",
        details=parts.details,
        findings=list(parts.findings),
    )


_KEPT: dict[Path, contextlib.ExitStack] = {}
"""Staged folders kept beyond one read (:func:`keep`), each until :func:`release`."""


def keep(text: str, settings: DatabaseSettings, workdir: str | Path | None = None) -> Staged:
    """:func:`staged`, kept until :func:`release` (the CLI releases all when a command
    ends, else the interpreter's exit does): a sharded analysis reads the parts as its
    Parquet source, and re-reads cases from them later (``explain``)."""
    stack = contextlib.ExitStack()
    parts = stack.enter_context(staged(text, settings, workdir))
    _KEPT[parts.folder] = stack
    return parts


def release(parts: Staged | None = None) -> None:
    """Remove the folder of ``parts``, or of every kept one."""
    chosen = [parts.folder] if parts is not None else list(_KEPT)
    for folder in chosen:
        stack = _KEPT.pop(folder, None)
        if stack is not None:
            stack.close()


atexit.register(release)


def _details(where: Target, settings: DatabaseSettings, written: _Parts) -> dict[str, Any]:
    reader = {"duckdb": "DuckDB", "mysql": "connectorx MySQL"}.get(
        where.kind, f"ADBC {_NAMES[where.kind]}"
    )
    details: dict[str, Any] = {
        "database": _NAMES[where.kind],
        "reader": reader,
        "rows": written.rows,
        "parts": written.parts,
    }
    if settings.table:
        details["table"] = settings.table
    return details


def _findings(written: _Parts) -> tuple[Finding, ...]:
    if not written.unread:
        return ()
    listed = ", ".join(f"{name} ({kind})" for name, kind in written.unread.items())
    return (
        Finding(
            "database-columns-unread",
            f"{len(written.unread)} column(s) of a type polars cannot read were left out: "
            f"{listed}; cast them in --query (e.g. {next(iter(written.unread))}::text) "
            "if they matter",
            len(written.unread),
        ),
    )


def _table(settings: DatabaseSettings, quote: str = '"') -> str:
    assert settings.table is not None
    return quote_identifier(settings.table.strip(), quote)


def _uuid_text(name: str) -> pl.Expr:
    """A UUID's 16 bytes as its canonical text, ``8-4-4-4-12`` hex digits."""
    hexed = pl.col(name).bin.encode("hex")
    pieces = [hexed.str.slice(start, size) for start, size in ((0, 8), (8, 4), (12, 4), (16, 4))]
    return pl.concat_str([*pieces, hexed.str.slice(20, 12)], separator="-").alias(name)


_UNIMPORTABLE = (plexc.PolarsError, plexc.PanicException, TypeError, ValueError)


class _Parts:
    """Arrow batches gathered into Parquet parts of about ``batch_rows`` rows."""

    def __init__(self, folder: Path, batch_rows: int) -> None:
        self.folder, self.batch_rows = folder, batch_rows
        self.pending: list[pl.DataFrame] = []
        self.pending_rows = self.rows = self.parts = 0
        self.unread: dict[str, str] = {}
        """Columns of a type polars cannot take (PostgreSQL's interval): name → Arrow type."""

    def _frame(self, batch: Any) -> pl.DataFrame:
        """``batch`` as a polars frame: extension types (PostgreSQL's numeric, json, inet)
        as their storage (text or bytes), UUIDs as text, without the columns polars cannot
        import (they are named in a finding)."""
        import pyarrow as pa

        uuids = [
            f.name
            for f in batch.schema
            if isinstance(f.type, pa.BaseExtensionType) and f.type.extension_name == "arrow.uuid"
        ]
        if any(isinstance(f.type, pa.BaseExtensionType) for f in batch.schema):
            columns = [
                c.storage if isinstance(c.type, pa.BaseExtensionType) else c for c in batch.columns
            ]
            batch = pa.RecordBatch.from_arrays(columns, names=batch.schema.names)
        if not self.unread:
            try:
                frame = pl.from_arrow(batch)
            except _UNIMPORTABLE:
                for i, name in enumerate(batch.schema.names):
                    try:
                        pl.from_arrow(batch.select([i]))
                    except _UNIMPORTABLE:
                        self.unread[name] = str(batch.schema.field(i).type)
        if self.unread:
            frame = pl.from_arrow(
                batch.select([n for n in batch.schema.names if n not in self.unread])
            )
        assert isinstance(frame, pl.DataFrame)
        return frame.with_columns(_uuid_text(name) for name in uuids if name in frame.columns)

    def add(self, batch: object) -> None:
        frame = self._frame(batch)
        if frame.height == 0:
            if self.parts == 0 and not self.pending:
                self.pending.append(frame)  # keep the columns of an empty result
            return
        for piece in frame.iter_slices(self.batch_rows):  # a driver's batch may be larger
            self.pending.append(piece)
            self.pending_rows += piece.height
            if self.pending_rows >= self.batch_rows:
                self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        frame = pl.concat(self.pending, how="diagonal_relaxed")
        frame.write_parquet(self.folder / f"part-{self.parts:06d}.parquet")
        self.rows += frame.height
        self.parts += 1
        self.pending, self.pending_rows = [], 0


def _stream(where: Target, sql: str, settings: DatabaseSettings, folder: Path) -> _Parts:
    """Run ``sql`` and write its result into ``folder``."""
    parts = _Parts(folder, settings.batch_rows)
    shown = where.shown
    if where.kind == "mysql":
        for batch in _mysql_batches(where, sql, settings):
            parts.add(batch)
        parts.flush()
        return parts
    if where.kind == "duckdb":
        duckdb = _driver(where)
        try:
            with duckdb.connect(where.location, read_only=True) as conn:
                relation = conn.sql(sql)
                if relation is None:
                    raise InputError(f"{shown}: the --query returned no table", hint=_SELECT)
                for batch in _duckdb_batches(relation, settings.batch_rows):
                    parts.add(batch)
        except duckdb.Error as exc:
            raise _query_error(where, settings, exc) from None
        parts.flush()
        return parts
    if where.kind == "sqlite":
        dbapi = _driver(where)
        location = "file:" + str(Path(where.location).resolve()) + "?mode=ro"
        options = {"adbc.sqlite.query.batch_rows": str(min(settings.batch_rows, 1 << 20))}
    else:
        dbapi = _driver(where)
        location, options = where.location, {}
    try:
        conn = dbapi.connect(location)
    except dbapi.Error as exc:
        raise _connect_error(where, exc) from None
    try:
        with conn.cursor() as cursor:
            if options:
                cursor.adbc_statement.set_options(**options)
            try:
                if where.kind == "postgresql":  # the transaction ADBC opened: read only
                    cursor.execute("SET TRANSACTION READ ONLY")
                cursor.execute(sql)
                for batch in cursor.fetch_record_batch():
                    parts.add(batch)
            except dbapi.Error as exc:
                raise _query_error(where, settings, exc) from None
    finally:
        conn.close()  # never committed: rolled back
    parts.flush()
    return parts


def _mysql_batches(where: Target, sql: str, settings: DatabaseSettings) -> Any:
    """Check the way in with PyMySQL (connection, credentials, database, the SQL itself:
    one line each, at once), then read with connectorx."""
    from frictionminer.io import mysql

    try:
        mysql.drivers()
    except ImportError as exc:
        raise UsageError(
            f"{where.shown}: reading MySQL needs {exc.name or 'a driver'}, which is not installed",
            hint=EXTRAS["mysql"],
        ) from None
    try:
        conn = mysql.connect(where.location)
    except Exception as exc:  # PyMySQL's errors: OperationalError, InternalError, ...
        raise _mysql_connect_error(where, exc) from None
    try:
        mysql.check(conn, sql)
    except Exception as exc:
        raise _mysql_query_error(where, settings, exc) from None
    finally:
        conn.close()
    try:
        yield from mysql.batches(where.location, sql, settings.batch_rows)
    except (RuntimeError, OSError) as exc:  # connectorx: the server went away meanwhile
        raise InputError(
            f"{where.shown}: the read failed ({where.scrub(' '.join(str(exc).split()))})",
            hint="is the server still running? try again",
        ) from None


def _mysql_connect_error(where: Target, exc: BaseException) -> InputError:
    from frictionminer.io import mysql

    code, said = mysql.error_code(exc), where.scrub(mysql.error_text(exc))
    if code in mysql.ACCESS_DENIED:
        return InputError(
            f"{where.shown}: the server refused the credentials ({said})",
            hint="put the user in the URI (or MYSQL_USER) and the password in MYSQL_PWD",
        )
    if code == mysql.UNKNOWN_DATABASE:
        return InputError(f"{where.shown}: {said}", hint="check the database name in the URI")
    if code == mysql.NO_DATABASE_ACCESS:
        return InputError(
            f"{where.shown}: no access to the database ({said})",
            hint="check the database name in the URI, and that the user was granted it",
        )
    return _cannot_connect(where, said)


def _cannot_connect(where: Target, said: str) -> InputError:
    return InputError(
        f"{where.shown}: cannot connect ({said})",
        hint="is the server running and reachable at that host and port?",
    )


def _mysql_query_error(where: Target, settings: DatabaseSettings, exc: BaseException) -> InputError:
    from frictionminer.io import mysql

    code, said = mysql.error_code(exc), where.scrub(mysql.error_text(exc))
    if settings.table is not None and code == mysql.NO_TABLE:
        return InputError(
            f"{where.shown}: no table {settings.table}", hint=_tables_hint(_list_tables(where))
        )
    what = "--table" if settings.table is not None else "--query"
    return InputError(f"{where.shown}: the database refused the {what} ({said})", hint=_SELECT)


def _duckdb_batches(relation: Any, rows: int) -> Any:
    """DuckDB's own Arrow reader over a relation (``to_arrow_reader`` from DuckDB 1.4 on,
    ``fetch_arrow_reader`` before)."""
    reader = getattr(relation, "to_arrow_reader", None) or relation.fetch_arrow_reader
    return reader(rows)


def _driver(where: Target) -> Any:
    """The driver module for ``where`` (ADBC's DB-API, or DuckDB), or one line naming the
    extra that installs it."""
    try:
        import pyarrow  # noqa: F401  (the drivers hand their batches over as pyarrow)

        if where.kind == "duckdb":
            import duckdb

            return duckdb
        if where.kind == "sqlite":
            import adbc_driver_sqlite.dbapi as sqlite_dbapi

            return sqlite_dbapi
        import adbc_driver_postgresql.dbapi as postgresql_dbapi

        return postgresql_dbapi
    except ImportError as exc:
        raise UsageError(
            f"{where.shown}: reading {_NAMES[where.kind]} needs {exc.name or 'a driver'}, "
            "which is not installed",
            hint=EXTRAS[where.kind],
        ) from None


_MAGIC = {"sqlite": (0, b"SQLite format 3\x00"), "duckdb": (8, b"DUCK")}
"""Where each file format says what it is: (offset, bytes)."""


def _must_exist(where: Target) -> None:
    """A database file must be there (SQLite and DuckDB would create an empty one), and be
    one (its first bytes)."""
    path = Path(where.location)
    if not path.is_file():
        raise InputError(f"{where.shown}: no such file", hint="check the path")
    offset, magic = _MAGIC[where.kind]
    try:
        with path.open("rb") as fh:
            head = fh.read(offset + len(magic))
    except OSError as exc:
        from frictionminer.io.base import read_error

        raise read_error(where.shown, exc) from None
    if head[offset:] != magic:
        raise InputError(
            f"{where.shown}: not a {_NAMES[where.kind]} database file",
            hint=f"frictionminer reads {', '.join(_NAMES.values())} databases",
        )


_DRIVER_PREFIX = re.compile(
    r"^(?:[A-Z_]+: )?(?:\[\w+\] )?(?:Failed to (?:prepare query|connect|step query): )?"
)
"""What ADBC puts before the database's words: ``IO: [libpq] Failed to connect: ``."""


def _words(exc: BaseException) -> str:
    """The database's own words on one line, without the drivers' prefixes."""
    text = str(exc)
    for marker in ("FATAL:", "ERROR:"):
        if marker in text:
            text = text.split(marker, 1)[1]
            break
    line = next((one for one in text.splitlines() if one.strip()), text).strip()
    if "failed:" in line:  # libpq: connection to server at "host", port N failed: WHY
        line = line.rsplit("failed:", 1)[1]
    line = _DRIVER_PREFIX.sub("", line.strip())
    line = re.sub(r"^[A-Za-z ]*Error: ", "", line)
    return " ".join(line.split()).rstrip(" .|")


def _connect_error(where: Target, exc: BaseException) -> InputError:
    """One line for a connection that failed: refused, unknown host, credentials."""
    said = where.scrub(_words(exc))
    lower = said.lower()
    if "password authentication failed" in lower or "no password supplied" in lower:
        return InputError(
            f"{where.shown}: the server refused the credentials ({said})",
            hint="set PGUSER and PGPASSWORD, or a password file (PGPASSFILE, ~/.pgpass)",
        )
    if "does not exist" in lower and "database" in lower:
        return InputError(f"{where.shown}: {said}", hint="check the database name in the URI")
    if "invalid" in lower and ("uri" in lower or "connection option" in lower):
        return InputError(
            f"{where.shown}: not a valid database URI ({said})",
            hint="e.g. postgresql://user@host:5432/db",
        )
    return _cannot_connect(where, said)


def _query_error(where: Target, settings: DatabaseSettings, exc: BaseException) -> InputError:
    """One line for a query the database refused: a missing table, a syntax error."""
    said = where.scrub(_words(exc))
    lower = said.lower()
    missing = (
        getattr(exc, "sqlstate", None) == "42P01"
        or "no such table" in lower
        or ("does not exist" in lower and ("relation" in lower or "table" in lower))
    )
    if settings.table is not None and missing:
        return InputError(
            f"{where.shown}: no table {settings.table}", hint=_tables_hint(_list_tables(where))
        )
    what = "--table" if settings.table is not None else "--query"
    return InputError(
        f"{where.shown}: the database refused the {what} ({said})",
        hint=_SELECT,
    )


_SELECT = "check the SQL: it must be one SELECT returning one row per event"
_LIST = {
    "postgresql": "SELECT table_schema, table_name FROM information_schema.tables "
    "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') "
    "ORDER BY table_schema = 'public' DESC, table_schema, table_name",
    "duckdb": "SELECT table_schema, table_name FROM information_schema.tables "
    "ORDER BY table_schema = 'main' DESC, table_schema, table_name",
    "sqlite": "SELECT 'main', name FROM sqlite_master WHERE type IN ('table', 'view') "
    "ORDER BY name",
}


def _list_tables(where: Target) -> list[str]:
    """The database's tables and views (``schema.table`` outside the default schema);
    empty when they cannot be listed."""
    if where.kind == "mysql":
        from frictionminer.io import mysql

        with contextlib.suppress(Exception):
            conn = mysql.connect(where.location)
            try:
                return mysql.table_names(conn)
            finally:
                conn.close()
        return []
    default = {"postgresql": "public"}.get(where.kind, "main")
    rows: list[tuple[str, str]] = []
    with contextlib.suppress(Exception):
        driver = _driver(where)
        if where.kind == "duckdb":
            with driver.connect(where.location, read_only=True) as conn:
                rows = conn.execute(_LIST["duckdb"]).fetchall()
        else:
            location = where.location
            if where.kind == "sqlite":
                location = "file:" + str(Path(location).resolve()) + "?mode=ro"
            with driver.connect(location) as conn, conn.cursor() as cursor:
                cursor.execute(_LIST[where.kind])
                rows = cursor.fetchall()
    return [name if schema == default else f"{schema}.{name}" for schema, name in rows]


def _tables_hint(tables: list[str]) -> str:
    if not tables:
        return "the database has no tables this user can see"
    shown = ", ".join(tables[:10]) + (f" and {len(tables) - 10} more" if len(tables) > 10 else "")
    return f"tables: {shown}"
