"""The command line under faults: usage errors, closed or full outputs, signals, outputs that
must not be written (an input, a device, a FIFO), and bugs (exit 3).

These run the real program in a subprocess (``python -m frictionminer``) wherever the
behaviour lives outside a command (argument parsing, signals, the interpreter's last flush),
and through typer's runner otherwise.  docs/robustness.md states each guarantee.
"""

from __future__ import annotations

import gzip
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import shared_log
from frictionminer import errors
from frictionminer.cli import app

REPO = Path(__file__).resolve().parent.parent
SHOELACE = REPO / "sample_logs" / "shoelace.csv"
runner = CliRunner()


def fm(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, **kw: object
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "frictionminer", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
        check=False,
        **kw,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["score", "--bogus"], "error: No such option: --bogus (hint: frictionminer score --help)"),
        (["score"], "error: Missing argument 'LOG'"),
        (["nosuch"], "error: No such command 'nosuch'. (hint: frictionminer --help)"),
        (["score", str(SHOELACE), "--top", "x"], "error: Invalid value for '--top'"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(argv: list[str], expected: str) -> None:
    res = fm(*argv)
    assert res.returncode == errors.EXIT_USAGE
    assert res.stdout == ""
    assert len(res.stderr.splitlines()) == 1, res.stderr
    assert res.stderr.lower().startswith(expected.lower()), res.stderr


def test_a_bug_is_one_line_and_exit_3(monkeypatch: pytest.MonkeyPatch) -> None:
    import frictionminer.engine.pipeline as pipeline

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(pipeline, "analyze", broken)
    res = runner.invoke(app, ["score", str(SHOELACE)])
    assert res.exit_code == errors.EXIT_INTERNAL != errors.EXIT_BREACH
    assert res.stderr.splitlines() == [
        "internal error: ZeroDivisionError: division by zero (hint: this is a bug in "
        "frictionminer; rerun with --debug and report the traceback)"
    ]


HELPDESK = str(shared_log("helpdesk/helpdesk.csv.gz"))


@pytest.mark.parametrize(
    "argv",
    [  # outputs far larger than a pipe's buffer, so the reader leaves before the end
        ["score", HELPDESK, "-f", "json"],
        ["score", HELPDESK, "--top", "4000"],
        ["score", HELPDESK, "-f", "csv"],
    ],
)
def test_a_closed_pipe_ends_quietly_with_141(argv: list[str]) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "frictionminer", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.read(1)  # like `| head -c1`: one byte, then the reader leaves
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == errors.EXIT_BROKEN_PIPE
    assert [ln for ln in err.splitlines() if not ln.startswith("warning:")] == []


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
def test_a_full_stdout_is_one_line_and_exit_2() -> None:
    with open("/dev/full", "w") as full:
        res = subprocess.run(
            [sys.executable, "-m", "frictionminer", "score", str(SHOELACE), "-f", "csv"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    assert res.returncode == errors.EXIT_USAGE
    assert res.stderr.splitlines() == ["error: No space left on device"] or (
        len(res.stderr.splitlines()) == 1 and "No space left on device" in res.stderr
    )


def _limit_file_size() -> None:  # runs in the child: a 64 KiB file-size limit, like a full disk
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))


@pytest.mark.parametrize(
    ("argv", "name"),
    [
        (["report", str(SHOELACE)], "r.html"),
        (["convert", str(shared_log("helpdesk/helpdesk.csv.gz"))], "h.csv"),
        (["simulate", "warranty", "--cases", "2000"], "s.csv"),
        (["score", str(shared_log("helpdesk/helpdesk.csv.gz")), "-f", "json"], "s.json"),
    ],
)
def test_a_full_disk_is_one_line_exit_2_and_leaves_nothing(
    argv: list[str], name: str, tmp_path: Path
) -> None:
    res = subprocess.run(
        [sys.executable, "-m", "frictionminer", *argv, "-o", name],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        preexec_fn=_limit_file_size,
        check=False,
    )
    assert res.returncode == errors.EXIT_USAGE, res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith("error")]
    assert len(lines) == 1 and "File too large" in lines[0], res.stderr
    assert list(tmp_path.iterdir()) == []  # neither the output nor a temporary file


def test_no_output_replaces_an_input(tmp_path: Path) -> None:
    log = tmp_path / "b.csv"
    shutil.copy(SHOELACE, log)
    config = tmp_path / "c.toml"
    config.write_text('[roles]\ncontact = ["call"]\n')
    (tmp_path / "link.csv").symlink_to(log)
    before = log.read_bytes(), config.read_bytes()
    cases = [
        ["score", str(log), "-o", str(log)],
        ["report", str(log), "-o", str(log)],
        ["convert", str(log), "-o", str(log)],
        ["info", str(log), "-f", "json", "-o", str(log)],
        ["score", str(log), "-f", "json", "-o", str(tmp_path / "link.csv")],
        ["score", str(tmp_path / "link.csv"), "-f", "json", "-o", str(log)],
        ["score", str(log), "--config", str(config), "-f", "json", "-o", str(config)],
        ["audit", str(tmp_path), "-f", "json", "-o", str(log)],
    ]
    for argv in cases:
        res = runner.invoke(app, argv)
        assert res.exit_code == errors.EXIT_USAGE, (argv, res.output)
        assert "is an input of this run; refusing to replace it" in res.stderr, argv
    assert (log.read_bytes(), config.read_bytes()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.csv", "c.toml", "link.csv"]


def test_an_output_through_a_symlink_replaces_its_target(tmp_path: Path) -> None:
    target = tmp_path / "real.json"
    target.write_text("old")
    (tmp_path / "link.json").symlink_to(target)
    res = runner.invoke(
        app, ["score", str(SHOELACE), "-f", "json", "-o", str(tmp_path / "link.json")]
    )
    assert res.exit_code == 0, res.output
    assert (tmp_path / "link.json").is_symlink()
    assert target.read_text().startswith("{")


def test_a_fifo_or_folder_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    res = runner.invoke(app, ["info", str(SHOELACE), "-f", "json", "-o", str(fifo)])
    assert res.exit_code == 2 and "is a FIFO (named pipe), not a file" in res.stderr
    res = runner.invoke(app, ["score", str(SHOELACE), "-f", "json", "-o", str(tmp_path)])
    assert res.exit_code == 2 and "is a folder, not a file" in res.stderr
    assert fifo.exists() and not fifo.is_file()


def test_dash_writes_to_stdout(tmp_path: Path) -> None:
    res = fm("report", str(SHOELACE), "-o", "-", cwd=tmp_path)
    assert res.returncode == 0 and res.stdout.startswith("<!DOCTYPE html>")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["s.xes.gz", "s.csv.gz"])
def test_gz_outputs_are_gzip(name: str, tmp_path: Path) -> None:
    out = tmp_path / name
    res = runner.invoke(app, ["convert", str(SHOELACE), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_bytes()[:2] == b"\x1f\x8b"
    with gzip.open(out, "rt", encoding="utf-8") as f:
        assert f.read(200).strip()
    back = runner.invoke(app, ["info", str(out), "-f", "json"])
    assert back.exit_code == 0 and '"events": 41' in back.stdout


def _wait_for_handler(pid: int, sig: signal.Signals, limit: float = 60.0) -> None:
    """Until process ``pid`` catches ``sig`` (Linux: SigCgt in /proc/PID/status), so that
    the signal tests what the command does with it, not how fast Python starts."""
    status = Path(f"/proc/{pid}/status")
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            fields = dict(
                line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
            )
        except OSError:
            return  # not Linux, or the process is gone: the assertions will tell
        if int(fields["SigCgt"].strip(), 16) >> (int(sig) - 1) & 1:
            return
        time.sleep(0.02)


@pytest.mark.parametrize(
    ("sig", "code"), [(signal.SIGTERM, errors.EXIT_TERMINATED), (signal.SIGINT, 130)]
)
@pytest.mark.parametrize("command", ["score", "report", "convert"])
def test_signals_stop_the_run_and_leave_nothing(
    sig: signal.Signals, code: int, command: str, tmp_path: Path
) -> None:
    log = shared_log("road_traffic_fines/Road_Traffic_Fine_Management_Process.xes.gz")
    work, scratch = tmp_path / "work", tmp_path / "tmp"
    work.mkdir()
    scratch.mkdir()
    out = {"score": "out.json", "report": "r.html", "convert": "c.parquet"}[command]
    extra = ["-f", "json"] if command == "score" else []
    proc = subprocess.Popen(
        [sys.executable, "-m", "frictionminer", command, str(log), *extra, "-o", out],
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(scratch)},
    )
    _wait_for_handler(proc.pid, signal.SIGTERM)  # main() set its handlers: not importing
    time.sleep(1.5)  # inside the XES reading (rustxes), where signals used to be swallowed
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == code, err
    assert err.strip() in ("terminated (SIGTERM)", "interrupted"), err
    assert list(work.iterdir()) == [] and list(scratch.iterdir()) == []


def _odd_inputs(tmp: Path) -> list[tuple[list[str], str]]:
    """(argv, the start of the one error line) for values that used to crash or give nan."""
    import polars as pl

    whole = gzip.compress(
        gzip.decompress(shared_log("helpdesk/helpdesk.csv.gz").read_bytes()), mtime=0
    )
    (tmp / "t.csv.gz").write_bytes(whole[:20_000])  # a download cut short
    (tmp / "nan.toml").write_text("[weights]\nhandoffs = nan\n")
    (tmp / "inf.toml").write_text("[effort]\ncontact = inf\n")
    (tmp / "deep.toml").write_text("[roles]\ncontact = " + "[" * 5000 + "]" * 5000 + "\n")
    (tmp / "y.csv").write_text(
        "case,activity,timestamp\n1,a,2020-01-01 10:00\n1,b,-0001-01-01 10:00\n"
    )
    pl.DataFrame(
        {"case": ["1", "1"], "activity": [["a"], ["b"]], "timestamp": ["2020-01-01", "2020-01-02"]}
    ).write_parquet(tmp / "list.parquet")
    log = str(SHOELACE)
    return [
        (["info", str(tmp / "t.csv.gz")], "t.csv.gz: corrupt or truncated gzip data"),
        (
            ["score", log, "--config", str(tmp / "nan.toml")],
            "nan.toml: key 'weights.handoffs' must be a finite number, not float nan",
        ),
        (
            ["score", log, "--config", str(tmp / "inf.toml")],
            "inf.toml: key 'effort.contact' must be a finite number",
        ),
        (
            ["score", log, "--config", str(tmp / "deep.toml")],
            "deep.toml: not valid TOML: arrays or tables nested too deeply",
        ),
        (["score", log, "--encoding", "hex"], "shoelace.csv: 'hex' is not a text encoding"),
        (
            ["score", str(tmp / "y.csv")],
            "y.csv: data row 2, column 'timestamp': timestamp '-0001-01-01 10:00' has year -1",
        ),
        (
            ["score", str(tmp / "list.parquet")],
            "list.parquet: column 'activity' (activity) holds List(String) values",
        ),
        (
            ["simulate", "warranty", "--seed", "-1", "-o", str(tmp / "s.csv")],
            "Invalid value for '--seed'",
        ),
    ]


def test_odd_values_are_one_line_and_exit_2(tmp_path: Path) -> None:
    for argv, expected in _odd_inputs(tmp_path):
        res = fm(*argv)
        assert res.returncode == errors.EXIT_USAGE, (argv, res.stderr)
        line = res.stderr.strip()
        assert len(line.splitlines()) == 1 and line.startswith("error: "), (argv, line)
        assert expected in line, (argv, line)


@pytest.mark.parametrize("force_color", ["", "1"])
@pytest.mark.parametrize(
    "argv",
    [["info"], ["score"], ["classify"], ["explain", "{log}", "1"], ["rules"]],
)
def test_control_characters_never_reach_the_terminal(
    argv: list[str], force_color: str, tmp_path: Path
) -> None:
    log = tmp_path / "esc.csv"
    log.write_bytes(
        b"case,activity,timestamp,team\n"
        b'1,"Call\x1b[2Jcustomer\x07",2020-01-01 10:00,"x\x1b]0;pwned\x07"\n'
        b"1,Resolved,2020-01-05 10:00,y\n"
    )
    args = [a.replace("{log}", str(log)) for a in argv]
    if args == argv and argv != ["rules"]:
        args.append(str(log))
    if argv != ["rules"]:
        args += ["--group-col", "team"]
    env = {"FORCE_COLOR": force_color} if force_color else {}
    res = fm(*args, env=env)
    assert res.returncode == 0, res.stderr
    shown = res.stdout + res.stderr
    assert "\x1b[2J" not in shown and "\x1b]0" not in shown and "\x07" not in shown
    if argv[0] in ("info", "classify", "explain"):
        assert "[2J" in shown  # the text is kept, only the control bytes go


def test_csv_outputs_for_people_neutralise_formulas(tmp_path: Path) -> None:
    import polars as pl

    log = tmp_path / "f.csv"
    log.write_text(
        "case,activity,timestamp\n"
        '"=HYPERLINK(""http://x"")","=cmd|\' /C calc\'!A0",2020-01-01 10:00\n'
        '"=HYPERLINK(""http://x"")",@SUM(1),2020-01-02 10:00\n'
        '"=HYPERLINK(""http://x"")",plain text,2020-01-03 10:00\n'
    )
    out, raw = tmp_path / "o.csv", tmp_path / "v.csv"
    assert runner.invoke(app, ["convert", str(log), "-o", str(out)]).exit_code == 0
    assert runner.invoke(app, ["convert", str(log), "-o", str(raw), "--verbatim"]).exit_code == 0
    safe = pl.read_csv(out)
    assert safe["activity"].to_list() == ["'=cmd|' /C calc'!A0", "'@SUM(1)", "plain text"]
    assert set(safe["case_id"]) == {'\'=HYPERLINK("http://x")'}
    assert pl.read_csv(raw)["activity"].to_list() == ["=cmd|' /C calc'!A0", "@SUM(1)", "plain text"]
    score = runner.invoke(app, ["score", str(log), "-f", "csv"])
    assert score.exit_code == 0
    assert pl.read_csv(score.stdout.encode())["case_id"].to_list() == ['\'=HYPERLINK("http://x")']
    assert pl.read_csv(score.stdout.encode())["events"].to_list() == [3]  # numbers untouched


@pytest.mark.parametrize(
    "argv",
    [
        ["report", "{log}", "-o", "{out}.html"],
        ["report", "{log}", "-o", "{out}.md"],
        ["explain", "{log}", "W-1001"],
        ["explain", "{log}", "W-1001", "-f", "json"],
        ["score", "{log}", "-f", "json"],
        ["score", "{log}", "-f", "csv"],
        ["score", "{log}"],
        ["convert", "{log}", "-o", "{out}.csv"],
        ["convert", "{log}", "-o", "{out}.csv.gz"],
        ["convert", "{log}", "-o", "{out}.xes"],
        ["convert", "{log}", "-o", "{out}.parquet"],
        ["convert", "{log}", "-o", "{out}", "--partition-by", "week"],
    ],
)
def test_pseudonymize_hides_people_even_as_the_team(argv: list[str], tmp_path: Path) -> None:
    """--group-col resource makes the team column hold people: no name, and no case id,
    may survive in any output."""
    people, cases = _people_and_cases()
    args = [a.replace("{log}", str(SHOELACE)).replace("{out}", str(tmp_path / "o")) for a in argv]
    res = runner.invoke(app, [*args, "--group-col", "resource", "--pseudonymize"])
    assert res.exit_code == 0, res.output
    written = _written_text(tmp_path) if "-o" in argv else res.stdout
    assert len(written) > 500
    assert _leaks(written, people | cases) == []


def _people_and_cases() -> tuple[set[str], set[str]]:
    import polars as pl

    log = pl.read_csv(SHOELACE)
    people = set(log["resource"].unique()) - {"customer", "system", "bot"}
    assert "Anna" in people
    return people, set(log["case_id"].unique())


def _written_text(folder: Path) -> str:
    """Every file under ``folder`` as text (Parquet as CSV, gzip inflated)."""
    import polars as pl

    texts = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.suffix == ".parquet":
            texts.append(pl.read_parquet(path).write_csv())
        elif path.suffix == ".gz":
            texts.append(gzip.decompress(path.read_bytes()).decode())
        else:
            texts.append(path.read_text())
    return "\n".join(texts)


def _leaks(text: str, names: set[str]) -> list[str]:
    return sorted(n for n in names if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text))


@pytest.mark.parametrize("fmt", ["json", "markdown", "text", "junit", "github"])
def test_audit_outputs_hold_no_people_and_no_case_ids(fmt: str, tmp_path: Path) -> None:
    """audit needs no --pseudonymize: its outputs and baselines are aggregates by design
    (counts, shares, quantiles), also when the team column holds people."""
    people, cases = _people_and_cases()
    base = tmp_path / "base.json"
    saved = runner.invoke(
        app, ["audit", str(SHOELACE), "--group-col", "resource", "--save-baseline", str(base)]
    )
    assert saved.exit_code == 0, saved.output
    res = runner.invoke(
        app, ["audit", str(SHOELACE), "--group-col", "resource", "-b", str(base), "-f", fmt]
    )
    assert res.exit_code == 0, res.output
    assert _leaks(res.stdout + base.read_text(), people | cases) == []


def test_parquet_files_that_disagree_are_unified_or_refused(tmp_path: Path) -> None:
    import datetime as dt

    import polars as pl

    folder = tmp_path / "weeks"
    folder.mkdir()

    def week(case: str, n: object, **extra: object) -> pl.DataFrame:
        t = [dt.datetime(2020, 1, 1, 9), dt.datetime(2020, 1, 2, 9)]
        cols = {"case": [case] * 2, "activity": ["a", "b"], "timestamp": t, "n": [n, n]}
        return pl.DataFrame({**cols, **{k: [v, v] for k, v in extra.items()}})

    week("1", 1).write_parquet(folder / "w1.parquet")
    week("2", 2.5).write_parquet(folder / "w2.parquet")  # the column turned Float64
    week("3", 3, extra="x").write_parquet(folder / "w3.parquet")  # and gained a column
    res = runner.invoke(app, ["info", str(folder), "-f", "json"])
    assert res.exit_code == 0, res.output
    import json

    found = {f["code"]: f["message"] for f in json.loads(res.stdout)["findings"]}
    assert found["schema-unified"] == (
        "files disagree on types, widened: 'n' (Float64, Int64 -> Float64)"
    )
    assert "extra" in found["columns-missing-in-some-files"]
    audit = runner.invoke(app, ["audit", str(folder), "-f", "json"])
    assert audit.exit_code == 0, audit.output  # not 1 (a breach) nor 3 (a bug)
    assert json.loads(audit.stdout)["window"]["cases"] == 3
    week("4", "text").write_parquet(folder / "w4.parquet")
    res = runner.invoke(app, ["audit", str(folder)])
    assert res.exit_code == 2
    assert res.stderr.strip().endswith(
        "column 'n' is Int64 in w1.parquet but String in w4.parquet (hint: export the files "
        "with one type for that column, or read them apart)"
    )


def test_mixed_encodings_decode_each_sequence_by_what_it_is(tmp_path: Path) -> None:
    import json

    rows = ["case,activity,timestamp"] + [f"{i},Anruf Müller,2020-01-01 10:00" for i in range(3000)]
    log = tmp_path / "mix.csv"
    log.write_bytes(
        ("\n".join(rows) + "\n").encode("utf-8")  # 64 KiB and more of UTF-8 first
        + "9998,Rückruf Straße,2020-01-02 10:00\n".encode("cp1252")  # then a Windows program
        + "9999,Rückruf Müller,2020-01-03 10:00\n".encode()
    )
    res = runner.invoke(app, ["info", str(log), "-f", "json"])
    assert res.exit_code == 0, res.output
    info = json.loads(res.stdout)
    assert {a["activity"]: a["events"] for a in info["top_activities"]} == {
        "Anruf Müller": 3000,
        "Rückruf Straße": 1,
        "Rückruf Müller": 1,
    }
    mixed = [f for f in info["findings"] if f["code"] == "mixed-encoding"]
    assert len(mixed) == 1 and mixed[0]["count"] == 2  # ü and ß of the cp1252 row


def test_clock_changes_are_resolved_by_one_documented_rule(tmp_path: Path) -> None:
    import json

    import polars as pl

    log = tmp_path / "dst.csv"
    log.write_text(
        "case,activity,timestamp\n"
        "1,a,2021-03-28 01:30:00\n"
        "1,b,2021-03-28 02:30:00\n"  # skipped in Berlin: the clock jumped 02:00 -> 03:00
        "2,a,2021-10-31 02:30:00\n"  # shown twice: 02:00-03:00 ran once in CEST, once in CET
        "2,b,2021-10-31 04:00:00\n"
    )
    out = tmp_path / "utc.csv"
    res = runner.invoke(app, ["convert", str(log), "-o", str(out), "--timezone", "Europe/Berlin"])
    assert res.exit_code == 0, res.output
    assert pl.read_csv(out)["timestamp"].to_list() == [
        "2021-03-28T00:30:00.000000+00:00",  # 01:30 CET
        "2021-03-28T01:30:00.000000+00:00",  # 02:30 with the offset before the change (+01)
        "2021-10-31T00:30:00.000000+00:00",  # the first 02:30 (CEST, +02)
        "2021-10-31T03:00:00.000000+00:00",
    ]
    info = runner.invoke(app, ["info", str(log), "--timezone", "Europe/Berlin", "-f", "json"])
    counts = {f["code"]: f["count"] for f in json.loads(info.stdout)["findings"]}
    assert counts["nonexistent-local-times"] == 1 and counts["ambiguous-local-times"] == 1


def test_explain_of_a_huge_case_is_bounded(tmp_path: Path) -> None:
    import datetime as dt
    import json

    import polars as pl

    n = 50_000
    acts = ["Call customer", "Wait for customer", "Customer replies", "Internal check"]
    start = dt.datetime(2020, 1, 1)
    pl.DataFrame(
        {
            "case": ["big"] * n,
            "activity": [acts[i % 4] for i in range(n)],
            "timestamp": [start + dt.timedelta(minutes=i) for i in range(n)],
        }
    ).write_parquet(tmp_path / "big.parquet")
    res = runner.invoke(app, ["explain", str(tmp_path / "big.parquet"), "big", "-f", "json"])
    assert res.exit_code == 0, res.output
    story = json.loads(res.stdout)
    assert len(story["timeline"]) == 200
    assert story["timeline_omitted"] == {"steps": n - 200, "after": 100}
    assert story["timeline"][0]["time"].startswith("2020-01-01 00:00")
    assert story["timeline"][-1]["activity"] == acts[(n - 1) % 4]  # the last step is kept
    text = runner.invoke(
        app, ["explain", str(tmp_path / "big.parquet"), "big", "--max-steps", "10"]
    )
    assert text.exit_code == 0
    assert "49,990 steps not shown (the case has 50,000" in " ".join(text.stdout.split())
    every = runner.invoke(
        app, ["explain", str(tmp_path / "big.parquet"), "big", "-f", "json", "--max-steps", "0"]
    )
    assert len(json.loads(every.stdout)["timeline"]) == n


def test_xes_dates_without_offset_follow_timezone(tmp_path: Path) -> None:
    import polars as pl

    log = tmp_path / "naive.xes"
    log.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0">\n'
        '<trace><string key="concept:name" value="c1"/>\n'
        '<event><string key="concept:name" value="a"/>'
        '<date key="time:timestamp" value="2020-06-01T10:00:00"/></event>\n'
        '<event><string key="concept:name" value="b"/>'
        '<date key="time:timestamp" value="2020-06-01T12:00:00+00:00"/></event>\n'
        "</trace></log>\n"
    )
    for tz, first in (("UTC", "2020-06-01T10:00"), ("Europe/Berlin", "2020-06-01T08:00")):
        out = tmp_path / f"{tz.replace('/', '_')}.csv"
        res = runner.invoke(app, ["convert", str(log), "-o", str(out), "--timezone", tz])
        assert res.exit_code == 0, res.output
        stamps = pl.read_csv(out)["timestamp"].to_list()
        assert stamps[0].startswith(first)  # the naive date, read in --timezone
        assert stamps[1].startswith("2020-06-01T12:00")  # an explicit offset is kept


_LINEAR_PROBE = """
import sys
from frictionminer.engine.classify import _roles_of_values
from frictionminer.settings import RoleSettings, Settings

hostile = ["a" * 5000, "request " * 16000, "x" * 600 + " call customer"]
user = RoleSettings(contact=[r"(a+)+b", r"^(a|aa)+$"], customer_task=[r"request.*from"])
built_in = Settings().roles
print(_roles_of_values(hostile, user)["contact"], _roles_of_values(hostile, built_in)["contact"])
"""


def test_role_matching_is_linear_time_on_any_input() -> None:
    """Patterns that make a backtracking engine take exponential or quadratic time --
    ``(a+)+b`` on 5,000 a's (2**5000 steps in Python's re), ``request.*from`` on a 128 kB
    cell (40 s there) -- finish here, and the whole value is read (no head cut off).  Run
    in a child process with a generous limit, so that a regression fails instead of
    hanging the suite."""
    done = subprocess.run(
        [sys.executable, "-c", _LINEAR_PROBE], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    # ^(a|aa)+$ matches the a's; the defaults find the contact after 600 characters
    assert done.stdout.split("] [") == ["[True, False, False", "False, False, True]\n"]


@pytest.mark.parametrize(
    ("pattern", "shown"),
    [
        (r"^(?!.*waiting).*customer", "look-around"),
        (r"(?<!no )update", "look-around"),
        (r"(call)\1", "backreferences"),
        (r"call\Z", "unrecognized escape"),
    ],
)
def test_a_pattern_the_linear_engine_cannot_run_is_one_line(
    tmp_path: Path, pattern: str, shown: str
) -> None:
    cfg = tmp_path / "roles.toml"
    cfg.write_text(f"[roles]\ncontact = ['ok', '{pattern}']\n", encoding="utf-8")
    res = fm("score", str(SHOELACE), "--config", str(cfg))
    assert res.returncode == errors.EXIT_USAGE
    (line,) = res.stderr.strip().splitlines()
    assert "key 'roles.contact' [1]" in line and shown in line and str(cfg) in line
    if shown != "unrecognized escape":
        assert "unless" in line  # the rewrite is the hint


def test_a_pattern_table_needs_match(tmp_path: Path) -> None:
    cfg = tmp_path / "roles.toml"
    cfg.write_text("[roles]\nnotice = [{ unles = 'x' }]\n", encoding="utf-8")
    res = fm("score", str(SHOELACE), "--config", str(cfg))
    assert res.returncode == errors.EXIT_USAGE
    assert "key 'roles.notice' [0]" in res.stderr and "unknown key(s) unles" in res.stderr


def test_a_decompression_bomb_is_refused_before_it_is_inflated(tmp_path: Path) -> None:
    bomb = tmp_path / "b.xes.gz"
    with gzip.open(bomb, "wb", 1) as f:  # the recipe, 70 MiB instead of 3 GiB
        f.write(b"<log>")
        for _ in range(70):
            f.write(b" " * 2**20)
        f.write(b"</log>")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    res = fm("info", str(bomb), env={"TMPDIR": str(scratch)})
    assert res.returncode == errors.EXIT_USAGE
    assert len(res.stderr.splitlines()) == 1
    assert "times its size" in res.stderr and "likely decompression bomb" in res.stderr
    assert "max_compression_ratio" in res.stderr and list(scratch.iterdir()) == []
    # a genuine, very regular file passes when the user raises the limit
    config = tmp_path / "c.toml"
    config.write_text("[ingest]\nmax_compression_ratio = 5000\n")
    res = fm("info", str(bomb), "--config", str(config))
    assert "decompression bomb" not in res.stderr


def test_real_logs_are_far_below_the_compression_limit() -> None:
    from frictionminer.settings import Settings

    limit = Settings().ingest.max_compression_ratio
    for log in sorted(shared_log(".").rglob("*.gz")):
        with log.open("rb") as fh:
            fh.seek(-4, os.SEEK_END)
            ratio = int.from_bytes(fh.read(4), "little") / log.stat().st_size
        assert ratio < limit / 2, log


def _deep_xes(path: Path, open_tag: str, close_tag: str, depth: int = 30_000) -> None:
    """A log of 4,000 plain traces and one event holding ``depth`` nested elements: over
    512 KiB, so rustxes would run beside the scan, not after it."""
    stamp = '<date key="time:timestamp" value="2020-01-01T00:00:00+00:00"/>'
    plain = (
        '<trace><string key="concept:name" value="c{}"/><event>'
        '<string key="concept:name" value="a"/>' + stamp + "</event></trace>\n"
    )
    deep = (
        '<trace><string key="concept:name" value="deep"/><event>'
        '<string key="concept:name" value="a"/>'
        + stamp
        + open_tag * depth
        + close_tag * depth
        + "</event></trace>\n"
    )
    body = "".join(plain.format(i) for i in range(4000)) + deep
    path.write_text(f'<?xml version="1.0"?>\n<log xes.version="1.0">\n{body}</log>\n')


@pytest.mark.parametrize(
    ("open_tag", "close_tag", "gz"),
    [
        ('<list key="l">', "</list>", False),  # the row 12 (was a segfault)
        ('<list key="l">', "</list>", True),
        ('<string key="m" value="v">', "</string>", False),  # nested meta-attributes
        ('<container key="c">', "</container>", True),
    ],
)
def test_deeply_nested_xml_is_one_line(
    tmp_path: Path, open_tag: str, close_tag: str, gz: bool
) -> None:
    log = tmp_path / "deep.xes"
    _deep_xes(log, open_tag, close_tag)
    assert log.stat().st_size > 512 << 10
    if gz:
        log.with_suffix(".xes.gz").write_bytes(gzip.compress(log.read_bytes()))
        log.unlink()
        log = log.with_suffix(".xes.gz")
    res = fm("info", str(log))
    assert res.returncode == errors.EXIT_USAGE, res.stderr[-300:]
    (line,) = res.stderr.strip().splitlines()
    assert line.startswith(f"error: {log}: line 4003: elements nested more than 256 levels")


@given(
    cut=st.integers(min_value=8, max_value=200),
    where=st.integers(min_value=0, max_value=39),
    tag=st.sampled_from(["<list key='x'>", "</string>", "<!-- c -->", "<![CDATA[x]]>", None]),
)
@settings(max_examples=150, deadline=None, derandomize=True)
def test_the_streamed_tag_check_agrees_with_the_whole_file_scan(
    cut: int, where: int, tag: str | None
) -> None:
    """The tag check run before rustxes reads the file in chunks; whatever chunk size,
    and wherever the tag falls (across a boundary too), it finds what the scan finds."""
    import tempfile

    from frictionminer.io import xes_scan

    traces = [
        f'<trace><string key="concept:name" value="c{i}"/><event>'
        '<date key="time:timestamp" value="2020-01-01T00:00:00+00:00"/></event></trace>\n'
        for i in range(40)
    ]
    if tag is not None:
        traces[where] = traces[where].replace("<event>", "<event>" + tag)
    data = ('<?xml version="1.0"?>\n<log>\n' + "".join(traces) + "</log>\n").encode()
    first = data.find(b"<trace")
    whole = xes_scan.scan_structure(data, first).unexpected
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log.xes"
        path.write_bytes(data)
        saved = xes_scan._TAG_CHUNK
        xes_scan._TAG_CHUNK = cut
        try:
            streamed = xes_scan.first_unexpected_tag(path, "log.xes", first)
        finally:
            xes_scan._TAG_CHUNK = saved
    assert streamed == whole
    assert (whole is None) == (tag is None)


@pytest.mark.parametrize("kind", ["csv", "xes"])
def test_a_gzip_trailer_that_lies_does_not_unbound_decompression(tmp_path: Path, kind: str) -> None:
    """The trailer says 1,000 bytes; the stream inflates to 70 MiB.  The trailer check
    lets it through, so the readers' own bound must stop it: polars and rustxes never
    inflate a gzip input themselves (ratio 1 here, so 64 MiB plus the file's size)."""
    if kind == "csv":
        body = b"case,activity,timestamp\n" + b"c1,Call customer,2020-01-01 10:00:00\n" * 2_000_000
    else:
        event = b'<event><string key="concept:name" value="a"/></event>'
        body = b"<log><trace>" + event * 1_400_000 + b"</trace></log>"
    assert len(body) > 70 << 20
    packed = gzip.compress(body, 1)
    log = tmp_path / f"liar.{kind}.gz"
    log.write_bytes(packed[:-4] + (1000).to_bytes(4, "little"))
    cfg = tmp_path / "fm.toml"
    cfg.write_text("[ingest]\nmax_compression_ratio = 1\n")
    res = fm("info", str(log), "--config", str(cfg))
    assert res.returncode == errors.EXIT_USAGE, res.stderr[-400:]
    (line,) = res.stderr.strip().splitlines()
    assert "refusing a likely decompression bomb" in line and str(log) in line
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["fm.toml", log.name])


def _without_read_override() -> list[str]:
    """A prefix that runs a command without root's right to read any file (CI runs as
    root, where chmod 000 stops nothing); empty when not root."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("setpriv (util-linux) is needed to drop root's read override")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-all", "--"]


@pytest.mark.parametrize("name", ["s.csv", "s.csv.gz", "s.xes", "s.xes.gz", "s.parquet", "pq"])
def test_an_unreadable_input_is_one_line(tmp_path: Path, name: str) -> None:
    log = tmp_path / name
    if name == "pq":  # a folder of Parquet files, one of them unreadable
        log.mkdir()
        for part in ("a", "b"):
            runner.invoke(app, ["convert", str(SHOELACE), "-o", str(log / f"{part}.parquet")])
        locked = log / "b.parquet"
    else:
        made = runner.invoke(app, ["convert", str(SHOELACE), "-o", str(log)])
        assert made.exit_code == 0, made.output
        locked = log
    locked.chmod(0)
    res = subprocess.run(
        [*_without_read_override(), sys.executable, "-m", "frictionminer", "info", str(log)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == errors.EXIT_USAGE, res.stderr
    assert res.stderr == (
        f"error: {locked}: cannot read (permission denied) "
        "(hint: check the file's permissions (ls -l): the run needs read access)\n"
    )


def _wide_csv(path: Path, extra: int) -> None:
    names = ["case", "activity", "timestamp", *(f"extra_column_{i}" for i in range(extra))]
    rows = [["c1", "Call customer", f"2020-01-01 1{h}:00", *("x" * extra)] for h in (0, 1)]
    path.write_text("\n".join(",".join(r) for r in [names, *rows]) + "\n")


def test_a_header_longer_than_the_sample_is_read_whole(tmp_path: Path) -> None:
    """4,000 columns make a 70 KiB header, longer than the 64 KiB detection sample."""
    log = tmp_path / "wide.csv"
    _wide_csv(log, 4000)
    assert log.read_text().index("\n") > 64 * 1024
    res = runner.invoke(app, ["info", str(log), "-f", "json"])
    assert res.exit_code == 0, res.output
    import json

    assert len(json.loads(res.stdout)["attributes"]) == 4003


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_more_columns_than_the_limit_is_one_line(tmp_path: Path, suffix: str) -> None:
    import polars as pl

    log = tmp_path / f"wide.{suffix}"
    _wide_csv(tmp_path / "wide.csv", 60)
    if suffix == "parquet":
        pl.read_csv(tmp_path / "wide.csv").write_parquet(log)
    cfg = tmp_path / "fm.toml"
    cfg.write_text("[ingest]\nmax_columns = 50\n")
    res = fm("score", str(log), "--config", str(cfg))
    assert res.returncode == errors.EXIT_USAGE
    assert res.stderr == (
        f"error: {log}: 63 columns, more than the limit of 50 ([ingest] max_columns) "
        "(hint: keep the columns the analysis needs, or raise [ingest] max_columns)\n"
    )


def test_a_file_without_a_line_break_is_one_line(tmp_path: Path) -> None:
    log = tmp_path / "blob.csv"
    log.write_bytes(b"a," * (5 << 20))  # 10 MiB, no newline
    res = fm("info", str(log))
    assert res.returncode == errors.EXIT_USAGE
    assert "line 1 (the header) is longer than 8 MiB" in res.stderr
    assert len(res.stderr.splitlines()) == 1


def test_a_value_longer_than_the_limit_is_one_line(tmp_path: Path) -> None:
    log = tmp_path / "long.csv"
    log.write_text(
        f"case,activity,timestamp\nc1,Start,2020-01-01 10:00\nc1,{'x' * 300_000},2020-01-02 10:00\n"
    )
    res = fm("score", str(log))
    assert res.returncode == errors.EXIT_USAGE
    assert res.stderr.startswith(
        f"error: {log}: data row 2, column 'activity' (activity): a value of 300,000 bytes, "
        "more than the limit of 200,000 ([ingest] max_value_bytes)"
    )
    cfg = tmp_path / "fm.toml"
    cfg.write_text("[ingest]\nmax_value_bytes = 400000\n")
    assert fm("score", str(log), "--config", str(cfg), "-q").returncode == 0
    cfg.write_text("[ingest]\nmax_value_bytes = 0\n")
    res = fm("score", str(log), "--config", str(cfg))
    assert "key 'ingest.max_value_bytes' must be at least 1" in res.stderr


@pytest.mark.parametrize("deep_first", [True, False])
def test_deeply_nested_xml_in_either_part_of_a_split_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, deep_first: bool
) -> None:
    """A file read in two parts (two processes) is checked part by part before rustxes
    reads a part: the deep event in the first part (the child's) or in the second (this
    process's) is the same one-line error, and never reaches rustxes."""
    from frictionminer.io import load, xes_split
    from frictionminer.settings.load import load_settings

    log = tmp_path / "deep.xes"
    _deep_xes(log, '<list key="l">', "</list>")
    if deep_first:  # move the deep trace to the front of the body
        head, body = log.read_text().split("\n", 2)[:2], log.read_text().split("\n", 2)[2]
        lines = body.splitlines()
        log.write_text("\n".join([*head, lines[-2], *lines[:-2], lines[-1]]) + "\n")
    monkeypatch.setattr(xes_split, "SPLIT_MIN_BYTES", 0)
    monkeypatch.setattr(xes_split, "worth_splitting", lambda path: True)
    with pytest.raises(errors.InputError, match="elements nested more than 256 levels"):
        load(log, load_settings())
