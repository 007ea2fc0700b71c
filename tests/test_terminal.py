"""The terminal as a user meets it: help text, colour, width, version, completion.

Every command and option is taken from the app itself, so a new one is checked too.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from conftest import SAMPLES, shared_log
from frictionminer.cli import app

runner = CliRunner()
SHOELACE = str(SAMPLES / "shoelace.csv")
STORIES = str(SAMPLES / "stories.toml")
ESC = "\x1b"


def commands() -> dict[str, Any]:
    group: Any = typer.main.get_command(app)
    return dict(group.commands)


def invoke(*args: str, **env: str) -> Any:
    base = {"COLUMNS": "", "NO_COLOR": "", "FORCE_COLOR": ""}
    return runner.invoke(app, list(args), env={**base, **env})


@pytest.mark.parametrize("command", sorted(commands()))
@pytest.mark.parametrize("columns", ["80", "200"])
def test_help_names_values_by_word_and_keeps_sentences(command: str, columns: str) -> None:
    res = invoke(command, "--help", COLUMNS=columns)
    assert res.exit_code == 0, res.output
    out = res.stdout
    assert not re.search(r"<(bool|str|int|float|path|list)", out), out
    if columns == "200":
        # each option's help reads as written: on one line at this width, no word lost to
        # rich markup ("[journey]"), no line break inside a sentence
        flat = " ".join(line.strip("│ ").strip() for line in out.splitlines())
        flat = re.sub(r"\s+", " ", flat)
        for param in commands()[command].params:
            text = getattr(param, "help", None)
            if not text:
                continue
            first = re.sub(r"\s+", " ", text.replace("\\[", "[")).strip()[:60]
            assert first in flat, (param.name, first)


def test_root_help_and_flags_show_no_placeholder() -> None:
    res = invoke("--help", COLUMNS="120")
    assert res.exit_code == 0
    assert "<bool>" not in res.stdout
    for option in ("--version", "-V", "--no-color", "--install-completion", "--show-completion"):
        assert option in res.stdout


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version(flag: str) -> None:
    res = invoke(flag)
    assert res.exit_code == 0
    assert res.stdout.strip() == f"frictionminer {version('frictionminer')}"


def test_completion_script_and_a_completion() -> None:
    res = invoke("--show-completion", "bash")
    assert res.exit_code == 0
    assert "_FRICTIONMINER_COMPLETE=complete_bash" in res.stdout
    done = runner.invoke(
        app,
        [],
        prog_name="frictionminer",
        env={
            "_FRICTIONMINER_COMPLETE": "complete_bash",
            "COMP_WORDS": "frictionminer sc",
            "COMP_CWORD": "1",
        },
    )
    assert done.stdout.split() == ["score"]


def _score(*extra: str, **env: str) -> str:
    res = invoke("score", SHOELACE, "--config", STORIES, *extra, **env)
    assert res.exit_code == 0, res.output
    return res.stdout


def test_colour_on_a_forced_terminal_and_none_with_no_color() -> None:
    assert ESC in _score(FORCE_COLOR="1")  # the check below can fail
    assert ESC not in _score(FORCE_COLOR="1", NO_COLOR="1")
    assert (
        ESC
        not in invoke("--no-color", "score", SHOELACE, "--config", STORIES, FORCE_COLOR="1").stdout
    )
    assert ESC not in invoke("score", "--help", FORCE_COLOR="1", NO_COLOR="1").stdout


def test_redirected_output_is_not_cut_at_80_columns() -> None:
    """Not a terminal and no COLUMNS: the table keeps every column and the summary its
    sentences (rich would otherwise draw 80 columns)."""
    out = _score()
    assert max(len(line) for line in out.splitlines()) > 80
    assert "category" in out and "effort" in out


@pytest.fixture(scope="module")
def long_ids(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shoelace story with BPIC 2017-style case ids (22 characters)."""
    text = (SAMPLES / "shoelace.csv").read_text(encoding="utf-8")
    path = tmp_path_factory.mktemp("ids") / "long.csv"
    path.write_text(re.sub(r"\bW-(\d+)\b", r"Application_12345\1", text), encoding="utf-8")
    return path


@pytest.mark.parametrize("columns", [50, 80, 120])
def test_score_never_cuts_case_ids(long_ids: Path, columns: int) -> None:
    res = invoke("score", str(long_ids), "--config", STORIES, COLUMNS=str(columns))
    assert res.exit_code == 0, res.output
    table = res.stdout.split("flags: rule numbers")[0]
    for n in range(1001, 1006):
        assert f"Application_12345{n}" in table
    assert "…" not in table
    assert max(len(line) for line in table.splitlines()) <= columns
    if columns == 50:
        assert "effort" not in table  # lower-priority columns go first
    if columns == 120:
        assert "effort" in table


def test_explain_reads_at_50_columns() -> None:
    res = invoke("explain", SHOELACE, "W-1001", "--config", STORIES, COLUMNS="50")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert max(len(line) for line in lines) <= 50
    flat = " ".join(line.strip() for line in lines)
    for activity in ("Customer reports broken shoelace", "Automated acknowledgement"):
        assert activity in flat
    assert "waiting on the company — 39.1 h, no news" in flat
    assert "…" not in res.stdout
    wide = invoke("explain", SHOELACE, "W-1001", "--config", STORIES, COLUMNS="160").stdout
    assert "┃" in wide and "┃" not in res.stdout.split("Measures")[0]  # a table only when wide


class Recorder:
    """A progress listener that keeps what the library reported."""

    def __init__(self) -> None:
        self.events: list[tuple[str, int | None]] = []

    def stage(self, code: str, total: int | None) -> None:
        self.events.append((code, total))

    def advance(self, steps: int) -> None:
        self.events.append(("+", steps))

    def finish(self) -> None:
        self.events.append(("finish", None))


def test_progress_stages_of_a_real_xes_log_in_order() -> None:
    import frictionminer as fm
    from frictionminer import progress

    log = shared_log("helpdesk/helpdesk.xes.gz")
    recorder = Recorder()
    with progress.listening(recorder):
        result = fm.analyze(log, fm.load_settings())
    assert result.cases.height == 4580
    assert recorder.events == [("read", None), ("cases", 1), ("+", 1), ("score", None)]
    assert set(progress.STAGES) >= {code for code, _ in recorder.events if code != "+"}


def test_progress_counts_shards(tmp_path: Path) -> None:
    import frictionminer as fm
    from frictionminer import progress

    parquet = tmp_path / "h.parquet"
    assert (
        invoke("convert", str(shared_log("helpdesk/helpdesk.csv.gz")), "-o", str(parquet)).exit_code
        == 0
    )
    recorder = Recorder()
    with progress.listening(recorder):
        fm.analyze(parquet, fm.load_settings(), shards=3, workdir=tmp_path)
    codes = [code for code, _ in recorder.events]
    assert codes[:3] == ["read", "split", "cases"]
    assert ("cases", 3) in recorder.events
    assert recorder.events.count(("+", 1)) == 3
    assert codes[-1] == "score"


def test_no_progress_without_a_listener_or_off_a_terminal() -> None:
    res = invoke("score", SHOELACE, "--config", STORIES)
    assert "reading the log" not in res.stderr and ESC not in res.stderr


SCRIPT = shutil.which("script")


@pytest.mark.skipif(SCRIPT is None, reason="util-linux `script` (a pseudo-terminal) missing")
@pytest.mark.parametrize(
    ("extra", "env", "shown"),
    [([], {}, True), (["--quiet"], {}, False), ([], {"CI": "true"}, False)],
)
def test_progress_drawn_on_a_terminal_only(
    tmp_path: Path, extra: list[str], env: dict[str, str], shown: bool
) -> None:
    """In a pseudo-terminal (util-linux `script`), the display draws its stages on
    stderr; not with --quiet, not in CI."""
    exe = Path(sys.executable).with_name("frictionminer")
    out = tmp_path / "r.html"
    command = shlex.join(
        [str(exe), "report", SHOELACE, "--config", STORIES, "-o", str(out), *extra]
    )
    clean = {k: v for k, v in os.environ.items() if k not in ("CI", "NO_COLOR")}
    done = subprocess.run(
        [str(SCRIPT), "-qec", command, "/dev/null"],
        capture_output=True,
        text=True,
        env={**clean, **env, "COLUMNS": "100"},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout
    assert out.exists()
    assert ("writing the report" in done.stdout) is shown
    assert ("reading the log" in done.stdout) is shown
