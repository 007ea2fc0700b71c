"""MySQL and MariaDB as logs: PyMySQL checks the way in, connectorx reads the rows.

The calls :mod:`frictionminer.io.database` makes for a ``mysql://`` log; messages and the
Parquet parts are made there.  connectorx streams a result as Arrow record batches, but
retries a refused connection or a wrong password for 30 seconds (logging to stderr), so
PyMySQL connects first (``connect``: a 10-second timeout, the server's error code at once)
and the SQL is tried with no rows (``check``) before connectorx reads, in a read-only
transaction (``batches``).  Both drivers are the ``mysql`` extra, imported here only.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

TIMEOUT = 10
"""Seconds PyMySQL waits for the server to connect and to answer the checks."""
READ_ONLY = "SET SESSION TRANSACTION READ ONLY"

ACCESS_DENIED = {1045, 1698}
NO_DATABASE_ACCESS = 1044
UNKNOWN_DATABASE = 1049
NO_TABLE = 1146
CANNOT_CONNECT = {2002, 2003, 2005, 2006, 2013}


def drivers() -> tuple[Any, Any]:
    """``(pymysql, connectorx)``; ImportError naming the missing one."""
    import connectorx
    import pyarrow  # noqa: F401  (connectorx hands its batches over as pyarrow)
    import pymysql

    return pymysql, connectorx


def connect(location: str) -> Any:
    """A PyMySQL connection to the URI ``location`` (user, password, host, port, database
    percent-encoded in it), read only; the driver's error otherwise."""
    pymysql, _ = drivers()
    parts = urlsplit(location)
    conn = pymysql.connect(
        host=parts.hostname or "localhost",
        port=parts.port or 3306,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        database=unquote(parts.path.lstrip("/")),
        connect_timeout=TIMEOUT,
        read_timeout=TIMEOUT * 6,
        charset="utf8mb4",
    )
    with conn.cursor() as cursor:
        cursor.execute(READ_ONLY)
    return conn


def check(conn: Any, sql: str) -> None:
    """Run ``sql`` for no rows: a missing table, a column or a syntax error is the
    server's error now, not connectorx's after its retries."""
    with conn.cursor() as cursor:
        cursor.execute(f"SELECT * FROM ({sql}) AS frictionminer_check LIMIT 0")


def batches(location: str, sql: str, rows: int) -> Any:
    """The result of ``sql`` as an Arrow record batch reader of ``rows`` rows a batch."""
    _, connectorx = drivers()
    return connectorx.read_sql(
        location,
        sql,
        return_type="arrow_stream",
        batch_size=rows,
        pre_execution_query=READ_ONLY,
    )


def table_names(conn: Any) -> list[str]:
    """The tables and views of the connection's database, by name."""
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = DATABASE() ORDER BY table_name"
        )
        return [str(row[0]) for row in cursor.fetchall()]


def error_code(exc: BaseException) -> int | None:
    """The server's (or the client's) error number of a PyMySQL error."""
    args: tuple[Any, ...] = tuple(getattr(exc, "args", ()))
    return args[0] if args and isinstance(args[0], int) else None


def error_text(exc: BaseException) -> str:
    """The server's own words of a PyMySQL error, on one line."""
    args: tuple[Any, ...] = tuple(getattr(exc, "args", ()))
    text = str(args[1]) if len(args) > 1 else str(exc)
    return " ".join(text.split())
