"""Docs stay true: every runnable `frictionminer` command in README.md and docs/ runs."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import REPO, SHARED_LOGS
from frictionminer.cli import app

runner = CliRunner()
PLACEHOLDERS = {"LOG", "OUT", "FILE", "CASE_ID", "N", "OUT.parquet", "OUT.parquet|.xes|.csv"}
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def _commands(path: Path) -> list[str]:
    """`frictionminer ...` lines of fenced bash blocks (backslash continuations joined)."""
    out: list[str] = []
    for block in re.findall(r"```bash\n(.*?)```", path.read_text(encoding="utf-8"), re.S):
        text = block.replace("\\\n", " ")
        for line in text.splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith("frictionminer "):
                out.append(line)
    return out


CASES = [
    (f"{p.relative_to(REPO)}: {cmd}", cmd)
    for p in DOCS
    for cmd in _commands(p)
    if not (set(shlex.split(cmd)) & PLACEHOLDERS)
]


def test_docs_have_runnable_commands() -> None:
    assert len(CASES) >= 6


@pytest.mark.parametrize("cmd", [c for _, c in CASES], ids=[i for i, _ in CASES])
def test_doc_command_runs(cmd: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    args = shlex.split(cmd)[1:]
    if any("../shared/logs" in a for a in args) and not SHARED_LOGS.exists():
        pytest.skip("shared logs not available")
    for i, a in enumerate(args[:-1]):
        if a in ("-o", "--output", "--write-config", "--save-baseline"):
            args[i + 1] = str(tmp_path / Path(args[i + 1]).name)  # never write into the repo
    monkeypatch.chdir(REPO)
    res = runner.invoke(app, args, env={"COLUMNS": "160"})
    assert res.exit_code == 0, f"{cmd}\n{res.stderr}"


def test_every_command_is_documented_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name in (
        "info",
        "score",
        "explain",
        "rules",
        "classify",
        "convert",
        "report",
        "audit",
        "simulate",
    ):
        assert f"frictionminer {name}" in readme, name
