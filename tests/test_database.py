"""LOG as a database: PostgreSQL (a real server), SQLite and DuckDB files.

The PostgreSQL tests use the server named by ``FRICTIONMINER_TEST_PG`` (a URI, its password
in ``PGPASSWORD``), else start a throwaway one (tests/pg_server.py) when Debian's
``postgresql`` is installed; without either they skip, except in CI (``CI`` set), where a
missing server fails them.  Each loads a real log from ../shared/logs and asserts that the
scores read from the database equal those read from the file.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

import pg_server
from conftest import SHARED_LOGS, cli, one_error, scores, shared_log
from frictionminer.errors import EXIT_TERMINATED, InputError
from frictionminer.io import detect_format, read_raw
from frictionminer.io.database import mask, quote_identifier, target
from frictionminer.settings import Settings

if not os.environ.get("CI"):  # in CI the drivers (the dev group) must be there
    pytest.importorskip("adbc_driver_postgresql")
runner = CliRunner()
HELPDESK = "helpdesk/helpdesk.csv.gz"


run, _one_error = cli, one_error


class Pg:
    def __init__(self, uri: str, password: str) -> None:
        self.uri, self.password = uri, password

    def with_password(self, password: str | None = None) -> str:
        user, _, rest = self.uri.partition("://")[2].partition("@")
        return f"postgresql://{user}:{password or self.password}@{rest}"


def _start_or_skip(start: Callable[[], pg_server.Server]) -> pg_server.Server:
    """A started server; without one, a skip, except in CI (``CI`` set), where it fails."""
    try:
        return start()
    except RuntimeError as exc:
        if os.environ.get("CI"):
            raise RuntimeError(f"CI needs PostgreSQL for tests/test_database.py: {exc}") from exc
        pytest.skip(f"no PostgreSQL server: {exc}")


def test_no_server_skips_here_and_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pg_server, "bindir", lambda: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="PostgreSQL is not installed"):
        _start_or_skip(pg_server.start)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(RuntimeError, match="CI needs PostgreSQL"):
        _start_or_skip(pg_server.start)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Pg]:
    given = os.environ.get("FRICTIONMINER_TEST_PG")
    if given:
        yield Pg(given, os.environ.get("PGPASSWORD", ""))
        return
    server = _start_or_skip(pg_server.start)
    try:
        yield Pg(server.uri, server.password)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def helpdesk_raw() -> pl.DataFrame:
    """The helpdesk log's columns as the CSV reader gives them (text, and typed numbers)."""
    return read_raw(shared_log(HELPDESK), Settings()).frame.collect()


@pytest.fixture(scope="session")
def loaded(pg_cluster: Pg, helpdesk_raw: pl.DataFrame) -> Pg:
    """The server with the helpdesk log in ``events`` and in ``crm."Events Log"``."""
    uri = pg_cluster.with_password()
    helpdesk_raw.write_database("events", uri, engine="adbc", if_table_exists="replace")
    import adbc_driver_postgresql.dbapi as dbapi

    naive = helpdesk_raw.with_columns(
        pl.col("Complete Timestamp").str.to_datetime("%Y/%m/%d %H:%M:%S%.f")
    )
    naive.write_database("events_ts", uri, engine="adbc", if_table_exists="replace")
    aware = naive.with_columns(pl.col("Complete Timestamp").dt.replace_time_zone("UTC"))
    aware.write_database("events_tstz", uri, engine="adbc", if_table_exists="replace")
    with dbapi.connect(uri) as conn, conn.cursor() as cur:
        cur.execute("CREATE SCHEMA IF NOT EXISTS crm")
        cur.execute('DROP TABLE IF EXISTS crm."Events Log"')
        cur.execute('CREATE TABLE crm."Events Log" AS SELECT * FROM events')
        cur.execute("DROP TABLE IF EXISTS typed")
        cur.execute(
            "CREATE TABLE typed AS SELECT "
            "('00000000-0000-4000-8000-' || lpad((g % 3)::text, 12, '0'))::uuid AS ticket, "
            "'step ' || g AS activity, "
            "timestamptz '2024-01-01 00:00+00' + g * interval '1 hour' AS ts, "
            "1.5::numeric(10, 2) AS amount, interval '3 days' AS sla, "
            "'{\"a\": 1}'::jsonb AS payload FROM generate_series(1, 12) g"
        )
        cur.execute("DROP TABLE IF EXISTS nothing")
        cur.execute("CREATE TABLE nothing (case_id text, activity text, ts timestamptz)")
        conn.commit()
    return pg_cluster


@pytest.fixture
def pg(loaded: Pg, monkeypatch: pytest.MonkeyPatch) -> Pg:
    """The loaded server, its password in PGPASSWORD (as a user would set it)."""
    monkeypatch.setenv("PGPASSWORD", loaded.password)
    monkeypatch.delenv("PGPASSFILE", raising=False)
    return loaded


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary folder of this test (where the Parquet parts go), empty at the start."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


_scores = scores


@pytest.fixture(scope="session")
def file_scores() -> dict[str, object]:
    return _scores(str(shared_log(HELPDESK)))


def test_postgres_table_gives_the_files_scores(pg: Pg, file_scores: dict[str, object]) -> None:
    code, out, _ = run("score", pg.uri, "--table", "events", "--format", "json", "-q")
    assert code == 0
    summary = json.loads(out)["summary"]
    assert summary["source"] == f"{pg.uri} --table events"
    assert summary["events"] == 21_348 and summary["cases"] == 4_580  # the README's counts
    assert _scores(pg.uri, "--table", "events") == file_scores


def test_postgres_query_and_schema_table_give_the_files_scores(
    pg: Pg, file_scores: dict[str, object]
) -> None:
    assert _scores(pg.uri, "--query", "SELECT * FROM events") == file_scores
    assert _scores(pg.uri, "--table", "crm.Events Log") == file_scores


@pytest.mark.parametrize("table", ["events_ts", "events_tstz"])
def test_typed_timestamps_give_the_files_scores(
    pg: Pg, table: str, file_scores: dict[str, object]
) -> None:
    """The timestamps as `timestamp` (read in [ingest] timezone, UTC) and `timestamptz`."""
    assert _scores(pg.uri, "--table", table) == file_scores


def test_postgres_cases_json_equals_the_files(pg: Pg, tmp_path: Path) -> None:
    """The issue's acceptance line: ``score URI --table events -o cases.json``."""
    db_out, file_out = tmp_path / "cases.json", tmp_path / "file.json"
    assert run("score", pg.uri, "--table", "events", "-o", str(db_out), "-q")[0] == 0
    assert run("score", str(shared_log(HELPDESK)), "-o", str(file_out), "-q")[0] == 0
    db, fl = json.loads(db_out.read_text()), json.loads(file_out.read_text())
    assert db["cases"] == fl["cases"] and len(db["cases"]) == 4_580


def test_the_library_reads_a_database(pg: Pg) -> None:
    import frictionminer as fm

    settings = fm.load_settings(database={"table": "events"})
    result = fm.analyze(pg.uri, settings)
    assert result.log.source == f"{pg.uri} --table events"
    assert result.cases.height == 4_580 and result.log.events.height == 21_348


def test_a_sharded_read_gives_the_same_scores(
    pg: Pg, file_scores: dict[str, object], scratch: Path
) -> None:
    """--shards 3: the parts are the Parquet source the shards are cut from (as a large
    table's would be); kept while the command runs (explain re-reads a case from them),
    removed when it ends."""
    assert _scores(pg.uri, "--table", "events", "--shards", "3") == file_scores
    assert list(scratch.iterdir()) == []
    code, out, err = run("explain", pg.uri, "Case 1", "--table", "events", "--shards", "3")
    assert code == 0, err
    code, one, err = run("explain", pg.uri, "Case 1", "--table", "events")
    assert code == 0 and out == one
    assert list(scratch.iterdir()) == []


def test_the_config_names_the_table(pg: Pg, file_scores: dict[str, object], tmp_path: Path) -> None:
    """[database] table in the config; --query on the command line replaces it."""
    config = tmp_path / "db.toml"
    config.write_text('[database]\ntable = "events"\nbatch_rows = 5000\n')
    scores = _scores(pg.uri, "--config", str(config))
    summary = dict(scores.pop("summary"))  # type: ignore[call-overload]
    assert summary.pop("config") == str(config)
    expected = dict(file_scores)
    expected_summary = dict(expected.pop("summary"))  # type: ignore[call-overload]
    expected_summary.pop("config")
    assert (scores, summary) == (expected, expected_summary)
    code, out, err = run(
        "info",
        pg.uri,
        "--config",
        str(config),
        "--query",
        "SELECT * FROM events LIMIT 100",
        "-f",
        "json",
    )
    assert code == 0 and json.loads(out)["events"] == 100, err


def test_the_library_leaves_no_parts_on_an_error(pg: Pg, scratch: Path) -> None:
    import frictionminer as fm
    from frictionminer.errors import SchemaError

    settings = fm.load_settings(database={"table": "events"}, columns={"case": "nosuch"})
    with pytest.raises(SchemaError, match=r"--table events: .*nosuch"):
        fm.analyze(pg.uri, settings)
    assert list(scratch.iterdir()) == []
    assert fm.analyze(pg.uri, fm.load_settings(database={"table": "events"})).cases.height
    assert list(scratch.iterdir()) == []


def test_a_source_table_from_a_database(pg: Pg, helpdesk_raw: pl.DataFrame, tmp_path: Path) -> None:
    """[[sources]] (--source) may be a database table too: the log split in two tables
    scores as the same two tables as CSV files."""
    first = pl.col("Activity").is_in(["Assign seriousness", "Take in charge ticket", "Wait"])
    halves = {"half_a": helpdesk_raw.filter(first), "half_b": helpdesk_raw.filter(~first)}
    for name, frame in halves.items():
        frame.write_database(name, pg.with_password(), engine="adbc", if_table_exists="replace")
        frame.write_csv(tmp_path / f"{name}.csv")
    roles = "case=Case ID;activity=Activity;timestamp=Complete Timestamp"
    from_files = _cases(str(tmp_path / "half_a.csv"), "--source", f"{tmp_path}/half_b.csv;{roles}")
    from_db = _cases(pg.uri, "--table", "half_a", "--source", f"{pg.uri};table=half_b;{roles}")
    assert from_db == from_files and len(from_db) == 4_580


def _cases(*log: str) -> list[object]:
    code, out, err = run("score", *log, "--format", "json", "-q")
    assert code == 0, err
    return list(json.loads(out)["cases"])


def test_a_query_selects_rows(pg: Pg) -> None:
    """A WHERE in --query reads only those events (the first 100 cases' events)."""
    query = (
        'SELECT * FROM events WHERE "Case ID" IN '
        '(SELECT DISTINCT "Case ID" FROM events ORDER BY 1 LIMIT 100)'
    )
    code, out, err = run("info", pg.uri, "--query", query, "-f", "json")
    assert code == 0, err
    info = json.loads(out)
    assert info["cases"] == 100
    expected = (
        pl.read_csv(shared_log(HELPDESK), columns=["Case ID"])
        .filter(pl.col("Case ID").is_in(pl.col("Case ID").unique().sort().head(100).implode()))
        .height
    )
    assert info["events"] == expected


@pytest.mark.parametrize("command", ["info", "report", "explain", "convert", "classify"])
def test_every_reading_command_reads_a_database(pg: Pg, command: str, tmp_path: Path) -> None:
    args = {
        "info": [],
        "report": ["-o", str(tmp_path / "r.html")],
        "explain": ["Case 1"],
        "convert": ["-o", str(tmp_path / "c.parquet")],
        "classify": [],
    }[command]
    code, _, err = run(command, pg.uri, *args, "--table", "events")
    assert code == 0, err
    if command == "convert":
        assert pl.read_parquet(tmp_path / "c.parquet").height == 21_348
    if command == "report":
        assert "--table events" in (tmp_path / "r.html").read_text()


def test_audit_reads_a_database(pg: Pg, tmp_path: Path) -> None:
    code, out, err = run("audit", pg.uri, "--table", "events", "--format", "json")
    assert code in (0, 1), err  # 1: a gate failed, which is the audit's verdict, not an error
    assert json.loads(out)


def test_postgres_types_polars_lacks(pg: Pg) -> None:
    """uuid as its text, numeric and jsonb as text; interval (no polars type) left out,
    named in a data-quality finding."""
    opts = ["--table", "typed", "--timestamp-col", "ts", "--case-col", "ticket"]
    code, out, err = run("info", pg.uri, *opts, "-f", "json")
    assert code == 0, err
    found = {f["code"]: f for f in json.loads(out)["findings"]}
    unread = found["database-columns-unread"]
    assert unread["count"] == 1 and "sla (month_day_nano_interval)" in unread["message"]
    raw = read_raw(pg.uri, Settings(database={"table": "typed"})).frame.collect()
    assert "sla" not in raw.columns
    assert raw["ticket"].unique().sort().to_list() == [
        f"00000000-0000-4000-8000-{n:012d}" for n in range(3)
    ]
    assert raw["amount"].unique().to_list() == ["1.50"]
    assert raw["payload"].unique().to_list() == ['{"a": 1}']
    code, out, err = run("score", pg.uri, *opts, "-f", "json")
    assert code == 0, err
    assert {c["case_id"] for c in json.loads(out)["cases"]} == set(raw["ticket"].to_list())


def test_the_table_is_quoted_never_pasted(pg: Pg) -> None:
    code, _, err = run("score", pg.uri, "--table", 'events"; DROP TABLE events; --')
    assert code == 2
    assert "no table" in _one_error(err)
    assert run("info", pg.uri, "--table", "events", "-f", "json")[0] == 0  # still there


def test_queries_run_read_only(pg: Pg) -> None:
    """A --query cannot change the database: a read-only transaction, one statement."""
    for query, said in (
        ("DELETE FROM events RETURNING *", "cannot execute DELETE in a read-only transaction"),
        ("SELECT 1; DROP TABLE events", "cannot insert multiple commands"),
    ):
        code, _, err = run("score", pg.uri, "--query", query)
        assert code == 2 and said in _one_error(err)
    code, out, _ = run("info", pg.uri, "--table", "events", "-f", "json")
    assert code == 0 and json.loads(out)["events"] == 21_348


def test_password_in_the_uri_is_never_shown(pg: Pg, tmp_path: Path) -> None:
    secret_uri = pg.with_password()
    out_file = tmp_path / "cases.json"
    code, out, err = run("score", secret_uri, "--table", "events", "-o", str(out_file))
    assert code == 0, err.replace(pg.password, "***")
    code2, out2, err2 = run("score", secret_uri, "--table", "events", "--format", "json")
    report = tmp_path / "r.html"
    code3, out3, err3 = run("report", secret_uri, "--table", "events", "-o", str(report))
    assert code2 == 0 and code3 == 0
    masked = secret_uri.replace(pg.password, "***")
    assert json.loads(out2)["summary"]["source"] == f"{masked} --table events"
    for text in (out, err, out2, err2, out3, err3, out_file.read_text(), report.read_text()):
        assert pg.password not in text


def test_wrong_password_is_one_line_without_it(pg: Pg) -> None:
    code, out, err = run("score", pg.with_password("not-the-password"), "--table", "events")
    assert code == 2
    line = _one_error(err)
    assert "refused the credentials" in line and "PGPASSWORD" in line
    assert "not-the-password" not in out + err and ":***@" in line


def test_credentials_from_a_password_file(
    pg: Pg, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """libpq reads PGPASSFILE (a .pgpass file): no password in the URI or environment."""
    rest = pg.uri.split("@", 1)[1]
    host_port, database = rest.split("/", 1)
    host, port = host_port.split(":")
    user = pg.uri.split("://", 1)[1].split("@")[0]
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"{host}:{port}:{database}:{user}:{pg.password}\n")
    pgpass.chmod(stat.S_IRUSR | stat.S_IWUSR)
    monkeypatch.delenv("PGPASSWORD")
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    code, out, err = run("info", pg.uri, "--table", "events", "-f", "json")
    assert code == 0, err
    assert json.loads(out)["events"] == 21_348
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "none"))
    code, out, err = run("info", pg.uri, "--table", "events")
    assert code == 2 and "refused the credentials" in _one_error(err)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_connection_errors_are_one_line(pg: Pg) -> None:
    refused = f"postgresql://someone@127.0.0.1:{_free_port()}/friction"
    code, _, err = run("score", refused, "--table", "events")
    assert code == 2
    assert "cannot connect (Connection refused)" in _one_error(err)
    code, _, err = run("score", "postgresql://u@127.0.0.1:99999/db", "--table", "events")
    assert code == 2 and "not a valid database URI" in _one_error(err)
    nodb = pg.uri.rsplit("/", 1)[0] + "/no_such_db"
    code, _, err = run("score", nodb, "--table", "events")
    assert code == 2 and 'database "no_such_db" does not exist' in _one_error(err)


def test_query_errors_are_one_line(pg: Pg) -> None:
    code, _, err = run("score", pg.uri, "--table", "missing")
    line = _one_error(err)
    assert code == 2 and "no table missing" in line
    listed = line.split("(hint: tables: ", 1)[1]
    assert "events, " in listed  # the default schema's tables first, sorted
    code, _, err = run("score", pg.uri, "--query", "SELEC * FROM events")
    assert code == 2 and 'syntax error at or near "SELEC"' in _one_error(err)
    code, _, err = run("score", pg.uri, "--query", "SELECT * FROM events WHERE false")
    assert code == 2 and "(query): no rows" in _one_error(err)
    code, _, err = run("score", pg.uri, "--table", "nothing")
    assert code == 2 and "table nothing is empty" in _one_error(err)
    code, _, err = run("score", pg.uri)
    assert code == 2 and "needs --table NAME or --query" in _one_error(err)
    code, _, err = run("score", pg.uri, "--table", "events", "--query", "SELECT 1")
    assert code == 2 and "exclude each other" in _one_error(err)


def test_batches_become_parts_removed_afterwards(
    pg: Pg, helpdesk_raw: pl.DataFrame, scratch: Path
) -> None:
    settings = Settings(database={"table": "events", "batch_rows": 1000})
    raw = read_raw(pg.uri, settings)
    assert raw.details["parts"] == 22 and raw.details["rows"] == 21_348
    assert raw.frame.collect().equals(helpdesk_raw)  # every row, in the table's order
    assert list(scratch.iterdir()) == []


def test_parts_are_removed_on_interrupt(
    pg: Pg, scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C (and SIGTERM, which the CLI raises as an exception) while parts are written."""
    from frictionminer.io import database

    real_flush = database._Parts.flush
    seen: list[int] = []

    def flush_then_stop(self: database._Parts) -> None:
        real_flush(self)
        seen.append(len(list(scratch.glob("*/part-*.parquet"))))
        raise KeyboardInterrupt

    monkeypatch.setattr(database._Parts, "flush", flush_then_stop)
    with pytest.raises(KeyboardInterrupt):
        read_raw(pg.uri, Settings(database={"table": "events", "batch_rows": 1000}))
    assert seen == [1]  # a part was on disk when the interrupt came
    assert list(scratch.iterdir()) == []


@pytest.fixture(scope="session")
def big_table(loaded: Pg) -> str:
    """The helpdesk log 100 times over (2,134,800 rows): a transfer that takes a while."""
    import adbc_driver_postgresql.dbapi as dbapi

    with dbapi.connect(loaded.with_password()) as conn, conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS big")
        cur.execute("CREATE TABLE big AS SELECT e.* FROM events e, generate_series(1, 100)")
        conn.commit()
    return "big"


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, EXIT_TERMINATED), (signal.SIGINT, 130)])
def test_a_signal_during_the_transfer_leaves_nothing(
    pg: Pg, big_table: str, sig: signal.Signals, code: int, tmp_path: Path
) -> None:
    work, scratch = tmp_path / "work", tmp_path / "tmp"
    work.mkdir()
    scratch.mkdir()
    config = tmp_path / "small.toml"
    config.write_text("[database]\nbatch_rows = 20000\n")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "frictionminer",
            "score",
            pg.uri,
            "--table",
            big_table,
            "--config",
            str(config),
            "-f",
            "json",
            "-o",
            "out.json",
        ],
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(scratch)},
    )
    deadline = time.monotonic() + 120
    while not list(scratch.glob("*/part-*.parquet")) and proc.poll() is None:
        assert time.monotonic() < deadline, "no Parquet part appeared"
        time.sleep(0.01)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == code, err
    assert err.strip() in ("terminated (SIGTERM)", "interrupted"), err
    assert list(work.iterdir()) == [] and list(scratch.iterdir()) == []


def test_a_missing_driver_names_the_extra(pg: Pg, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "adbc_driver_postgresql.dbapi", None)
    code, _, err = run("score", pg.uri, "--table", "events")
    line = _one_error(err)
    assert code == 2
    assert "needs adbc_driver_postgresql" in line and "frictionminer[database]" in line


# --- files: SQLite and DuckDB ------------------------------------------------------------


@pytest.fixture(scope="session")
def db_files(helpdesk_raw: pl.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dbfiles")
    helpdesk_raw.write_database("events", f"sqlite:///{folder / 'h.db'}", engine="adbc")
    duckdb = pytest.importorskip("duckdb")
    with duckdb.connect(str(folder / "h.duckdb")) as conn:
        conn.register("raw", helpdesk_raw.to_arrow())
        conn.execute("CREATE TABLE events AS SELECT * FROM raw")
    return folder


@pytest.mark.parametrize(
    "log",
    ["{d}/h.db", "sqlite:///{rel}/h.db", "{d}/h.duckdb", "duckdb:///{d}/h.duckdb"],
)
def test_database_files_give_the_files_scores(
    db_files: Path,
    log: str,
    file_scores: dict[str, object],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(db_files.parent)
    text = log.format(d=db_files, rel=db_files.name)
    assert detect_format(text) == "database"
    assert _scores(text, "--table", "events") == file_scores
    assert _scores(text, "--query", "SELECT * FROM events") == file_scores


@pytest.mark.parametrize("name", ["h.db", "h.duckdb"])
def test_database_file_errors(db_files: Path, name: str) -> None:
    log = str(db_files / name)
    code, _, err = run("score", log, "--table", "nosuch")
    assert code == 2 and _one_error(err).endswith("no table nosuch (hint: tables: events)")
    code, _, err = run("score", log, "--query", "SELEC 1")
    assert code == 2 and "the database refused the --query" in _one_error(err)
    code, _, err = run("score", log)
    assert code == 2 and "needs --table NAME or --query" in _one_error(err)


@pytest.mark.parametrize(
    ("name", "said"),
    [("h.db", "attempt to write a readonly database"), ("h.duckdb", "read-only mode")],
)
def test_database_files_are_opened_read_only(db_files: Path, name: str, said: str) -> None:
    log = str(db_files / name)
    code, _, err = run("score", log, "--query", "DELETE FROM events RETURNING *")
    assert code == 2 and said in _one_error(err)
    code, out, _ = run("info", log, "--table", "events", "-f", "json")
    assert code == 0 and json.loads(out)["events"] == 21_348


def test_a_missing_duckdb_names_its_extra(db_files: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "duckdb", None)
    code, _, err = run("score", str(db_files / "h.duckdb"), "--table", "events")
    assert code == 2 and "pip install 'frictionminer[duckdb]'" in _one_error(err)


def test_table_and_query_need_a_database() -> None:
    for option in ("--table", "--query"):
        code, _, err = run("score", str(shared_log(HELPDESK)), option, "events")
        line = _one_error(err)
        assert code == 2 and f"{option} reads from a database, and this is not one" in line


def test_a_missing_database_file_is_not_created(tmp_path: Path) -> None:
    for log in (f"sqlite:///{tmp_path}/none.db", f"duckdb:///{tmp_path}/none.duckdb"):
        code, _, err = run("score", log, "--table", "events")
        assert code == 2 and "no such file" in _one_error(err)
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "x.db").write_text("case,activity\n")
    (tmp_path / "x.duckdb").write_bytes(b"\x00" * 64)
    for name, kind in (("x.db", "SQLite"), ("x.duckdb", "DuckDB")):
        code, _, err = run("score", str(tmp_path / name), "--table", "events")
        assert code == 2 and f"{name}: not a {kind} database file" in _one_error(err)
    code, _, err = run("score", "mysql://u:pw@host/db", "--table", "events")
    assert code == 2 and "mysql://u:***@host/db" in _one_error(err) and "pw" not in err


def test_a_sqlite_ocel_log_is_still_ocel(tmp_path: Path) -> None:
    ocel = SHARED_LOGS / "pm4py-tests/input_data/ocel"
    found = sorted(ocel.glob("*.sqlite")) if ocel.is_dir() else []
    if not found:
        pytest.skip("no OCEL SQLite log in ../shared/logs")
    assert detect_format(found[0]) == "ocel"
    copy = tmp_path / "plain.sqlite"
    shutil.copy(found[0], copy)
    assert detect_format(copy) == "ocel"


@given(
    user=st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True),
    password=st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1),
    tail=st.sampled_from(["db.example.com:5432/crm", "[::1]:5432/crm?sslmode=require", "h/"]),
)
def test_mask_hides_any_password(user: str, password: str, tail: str) -> None:
    uri = f"postgresql://{user}:{password}@{tail}"
    assert mask(uri) == f"postgresql://{user}:***@{tail}"
    try:
        where = target(uri)
    except InputError as exc:  # urlsplit refuses some raw characters: the message is masked
        assert exc.message.startswith(f"postgresql://{user}:***@{tail}: not a valid")
    else:
        assert where.shown == mask(uri) and where.scrub(password) == "***"


def test_mask_and_quote() -> None:
    assert mask("postgresql://ana:s3cret@db:5432/crm") == "postgresql://ana:***@db:5432/crm"
    assert mask("postgresql://ana:p@ss@db/crm") == "postgresql://ana:***@db/crm"
    assert mask("postgresql://db/crm?user=a&password=s3cret") == (
        "postgresql://db/crm?user=a&password=***"
    )
    assert mask("postgresql://ana@db/crm") == "postgresql://ana@db/crm"
    assert mask("postgresql://ana:pa/ss@db/crm") == "postgresql://ana:***@db/crm"
    assert mask("postgresql://ana:pa%40ss@db:5432/crm?sslmode=require") == (
        "postgresql://ana:***@db:5432/crm?sslmode=require"
    )
    assert (
        mask("postgresql://db/crm?options=a@b&pwd=x") == "postgresql://db/crm?options=a@b&pwd=***"
    )
    assert mask("sqlite:///events.db") == "sqlite:///events.db"
    assert quote_identifier("events") == '"events"'
    assert quote_identifier('crm.ev"ents') == '"crm"."ev""ents"'
