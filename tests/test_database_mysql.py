"""LOG as a MySQL/MariaDB database: a real MariaDB server, started for the session.

The tests start a throwaway server (tests/mysql_server.py) when Debian's
``mariadb-server`` is installed; without it they skip, except in CI (``CI`` set), where a
missing server fails them (``.ci/run`` installs it).  The server gets the Helpdesk log from
../shared/logs, and the scores read from it must equal those read from the file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

import mysql_server
from conftest import cli, one_error, scores, shared_log
from frictionminer.io import read_raw
from frictionminer.settings import Settings
from pg_server import free_port

if not os.environ.get("CI"):  # in CI the drivers (the dev group) must be there
    pytest.importorskip("connectorx")
    pytest.importorskip("pymysql")
HELPDESK = "helpdesk/helpdesk.csv.gz"


run, _one_error = cli, one_error


def _start_or_skip() -> mysql_server.Server:
    try:
        return mysql_server.start()
    except RuntimeError as exc:
        if os.environ.get("CI"):
            raise RuntimeError(f"CI needs MariaDB for {Path(__file__).name}: {exc}") from exc
        pytest.skip(f"no MariaDB server: {exc}")


def test_no_server_skips_here_and_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mysql_server, "binaries", lambda: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="MariaDB is not installed"):
        _start_or_skip()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(RuntimeError, match="CI needs MariaDB"):
        _start_or_skip()


def _sql_type(dtype: pl.DataType) -> str:
    return "BIGINT" if dtype.is_integer() else "DOUBLE" if dtype.is_float() else "VARCHAR(255)"


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[mysql_server.Server]:
    """A server with the Helpdesk log in ``events`` (its columns as the CSV reader reads
    them) and in ``Events Log``, and an empty table ``nothing``."""
    started = _start_or_skip()
    try:
        raw = read_raw(shared_log(HELPDESK), Settings()).frame.collect()
        csv = tmp_path_factory.mktemp("mysql") / "helpdesk.csv"
        raw.write_csv(csv, include_header=False)
        columns = ", ".join(f"`{c}` {_sql_type(raw.schema[c])}" for c in raw.columns)
        db = mysql_server.DATABASE
        started.sql(
            f"CREATE TABLE {db}.events ({columns}); "
            f"LOAD DATA LOCAL INFILE '{csv}' INTO TABLE {db}.events FIELDS TERMINATED BY ',' "
            "OPTIONALLY ENCLOSED BY '\"' LINES TERMINATED BY '\\n'; "
            f"CREATE TABLE {db}.`Events Log` AS SELECT * FROM {db}.events; "
            f"CREATE TABLE {db}.nothing (case_id TEXT, activity TEXT, ts DATETIME);",
            local_infile=True,
        )
        yield started
    finally:
        started.stop()


_scores = scores


@pytest.fixture(scope="session")
def file_scores() -> dict[str, object]:
    return _scores(str(shared_log(HELPDESK)))


@pytest.fixture
def my(server: mysql_server.Server, monkeypatch: pytest.MonkeyPatch) -> mysql_server.Server:
    """The loaded server, its password in MYSQL_PWD (as a user would set it)."""
    monkeypatch.setenv("MYSQL_PWD", server.password)
    return server


def test_table_query_and_quoted_table_give_the_files_scores(
    my: mysql_server.Server, file_scores: dict[str, object]
) -> None:
    code, out, err = run("score", my.uri, "--table", "events", "--format", "json", "-q")
    assert code == 0, err
    summary = json.loads(out)["summary"]
    assert summary["source"] == f"{my.uri} --table events"
    assert summary["events"] == 21_348 and summary["cases"] == 4_580
    assert _scores(my.uri, "--table", "events") == file_scores
    assert _scores(my.uri, "--query", "SELECT * FROM events") == file_scores
    assert _scores(my.uri, "--table", "Events Log") == file_scores


def test_cases_json_equals_the_files(my: mysql_server.Server, tmp_path: Path) -> None:
    db_out, file_out = tmp_path / "cases.json", tmp_path / "file.json"
    assert run("score", my.uri, "--table", "events", "-o", str(db_out), "-q")[0] == 0
    assert run("score", str(shared_log(HELPDESK)), "-o", str(file_out), "-q")[0] == 0
    db, fl = json.loads(db_out.read_text()), json.loads(file_out.read_text())
    assert db["cases"] == fl["cases"] and len(db["cases"]) == 4_580


def test_password_in_the_uri_is_masked(my: mysql_server.Server, tmp_path: Path) -> None:
    user, _, rest = my.uri.partition("://")[2].partition("@")
    with_password = f"mysql://{user}:{my.password}@{rest}"
    out = tmp_path / "c.json"
    code, stdout, err = run("score", with_password, "--table", "events", "-o", str(out), "-q")
    assert code == 0, err
    assert my.password not in stdout + err + out.read_text()
    code, _, err = run("score", with_password, "--table", "nosuch")
    assert code == 2 and my.password not in err and ":***@" in err


@pytest.mark.parametrize(
    ("case", "needle"),
    [
        ("no table", "no table nosuch (hint: tables: events, Events Log, nothing)"),
        ("syntax", "the database refused the --query (You have an error in your SQL syntax"),
        ("empty", "table nothing is empty"),
        ("wrong password", "the server refused the credentials (Access denied for user"),
        # MariaDB says "access denied" for a database the user may not see, existing or not
        ("unknown database", "no access to the database (Access denied for user"),
        ("refused port", "cannot connect ("),
        ("not a select", "the database refused the --query"),
    ],
)
def test_each_failure_is_one_line(
    my: mysql_server.Server, monkeypatch: pytest.MonkeyPatch, case: str, needle: str
) -> None:
    uri, args = my.uri, ["--table", "events"]
    if case == "no table":
        args = ["--table", "nosuch"]
    elif case == "syntax":
        args = ["--query", "SELEC * FROM events"]
    elif case == "empty":
        args = ["--table", "nothing"]
    elif case == "wrong password":
        monkeypatch.setenv("MYSQL_PWD", "wrong")
    elif case == "unknown database":
        uri = uri.rsplit("/", 1)[0] + "/nodb"
    elif case == "refused port":
        uri = f"mysql://fm_tester@127.0.0.1:{free_port()}/friction"
    elif case == "not a select":
        args = ["--query", "DELETE FROM events"]
    code, _, err = run("score", uri, *args)
    assert code == 2, err
    line = _one_error(err)
    assert needle in line, line
    assert "r2d2" not in err
    if case == "not a select":  # nothing was deleted: the check runs it for no rows, read only
        assert my.sql(f"SELECT COUNT(*) FROM {mysql_server.DATABASE}.events").strip() == "21348"


def test_missing_driver_names_the_extra(
    my: mysql_server.Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    import builtins

    real = builtins.__import__

    def no_connectorx(name: str, *args: object, **kwargs: object) -> object:
        if name == "connectorx":
            raise ImportError("No module named 'connectorx'", name="connectorx")
        return real(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_connectorx)
    code, _, err = run("score", my.uri, "--table", "events")
    assert code == 2
    assert "needs connectorx" in _one_error(err) and "frictionminer[mysql]" in err


def test_sql_server_is_refused_in_one_line() -> None:
    code, _, err = run("score", "mssql://sa:pw@127.0.0.1:1433/crm", "--table", "events")
    assert code == 2
    line = _one_error(err)
    assert "SQL Server databases are not read" in line and ":pw@" not in line


def test_read_only_and_backtick_quoting(my: mysql_server.Server) -> None:
    """A table name with a backtick is one identifier, never SQL."""
    code, _, err = run("score", my.uri, "--table", "events`; DROP TABLE events; --")
    assert code == 2
    assert "no table" in _one_error(err)
    assert my.sql(f"SELECT COUNT(*) FROM {mysql_server.DATABASE}.events").strip() == "21348"


def test_user_from_the_environment_and_no_parts_left(
    my: mysql_server.Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A URI without a user takes MYSQL_USER; the Parquet parts are gone after a read and
    after an error."""
    import tempfile

    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    monkeypatch.setenv("MYSQL_USER", "fm_tester")
    uri = my.uri.replace("fm_tester@", "")
    code, out, err = run("score", uri, "--table", "events", "--format", "json", "-q")
    assert code == 0, err
    assert json.loads(out)["summary"]["events"] == 21_348
    assert not list(folder.iterdir())
    code, _, err = run("score", uri, "--query", "SELECT * FROM events WHERE nosuch = 1")
    assert code == 2 and "Unknown column" in one_error(err)
    assert not list(folder.iterdir())
