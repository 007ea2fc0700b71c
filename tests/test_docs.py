"""Docs stay true to the app: the commands come from the typer app, not from a list here.

Every registered command has help text and appears in README.md's "Using it" and in docs/.
Every ``frictionminer …`` line in README.md and docs/ — in any fenced block, and in inline
code — names a real command and real options: lines in blocks are parsed by the command
itself (types, choices, arity), fragments in running text are checked option by option, and
the lines of ``bash`` blocks without placeholders are run (cheap ones; the case studies'
commands run in test_case_studies.py).  The model is sqlite-utils' ``test_commands_have_help``.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer
import typer.main
from typer.testing import CliRunner

import module_map
from conftest import REPO, SHARED_LOGS
from frictionminer.cli import app

runner = CliRunner()
COMMANDS: dict[str, Any] = dict(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
README = REPO / "README.md"
DOCS = sorted((REPO / "docs").rglob("*.md"))
CASE_STUDIES = REPO / "docs" / "case-studies"

PLACEHOLDERS = {"LOG", "OUT", "FILE", "CASE_ID", "N", "DIR", "OUT.parquet", "FILE.parquet"}
"""Words the docs use for "your file here"; a line with one is parsed, not run."""
FOR_PARSING = {"N": "3"}
"""Placeholders that stand where the command wants a number."""
WRITES = ("-o", "--output", "--write-config", "--save-baseline")


@dataclass(frozen=True)
class Line:
    """A ``frictionminer …`` command line found in a page."""

    page: Path
    text: str
    block: str  # the fence's language ("bash", "sh", "yaml", …); "inline" for `code`

    @property
    def args(self) -> list[str]:
        return shlex.split(self.text)[1:]

    @property
    def id(self) -> str:
        return f"{self.page.relative_to(REPO)}: {' '.join(self.text.split())}"

    @property
    def runnable(self) -> bool:
        """Run it: a bash block of README.md or docs/*.md (not a case study), no placeholder."""
        return (
            self.block == "bash"
            and self.page.parent != CASE_STUDIES
            and not set(self.args) & PLACEHOLDERS
        )


def _variables(lines: list[str]) -> dict[str, list[str]]:
    """``NAME=word`` and ``NAME=(words …)`` assignments of a shell block, for expansion."""
    found: dict[str, list[str]] = {}
    text = "\n".join(lines)
    for name, words in re.findall(r"(?m)^(\w+)=\((.*?)\)\s*$", text, re.S):
        found[name] = shlex.split(words)
    for name, word in re.findall(r"(?m)^(\w+)=(\S+)$", text):
        if not word.startswith("("):
            found[name] = shlex.split(word)
    return found


def _expand(text: str, variables: dict[str, list[str]]) -> str:
    """``$NAME`` and ``"${NAME[@]}"`` from the block's assignments; unknown ones vanish
    (``$BASELINE`` holds an optional ``--baseline FILE``)."""

    def value(m: re.Match[str]) -> str:
        return shlex.join(variables.get(m.group(1) or m.group(2), []))

    return re.sub(r'"?\$\{(\w+)(?:\[@\])?\}"?|\$(\w+)', value, text)


def command_lines(page: Path) -> list[Line]:
    """Every ``frictionminer`` line of a page: in fenced blocks (continuations joined;
    ``$ `` prompts, YAML ``- `` and ``run:`` prefixes and ``  #`` comments removed), and
    inline code spans that start with a command."""
    text = page.read_text(encoding="utf-8")
    out: list[Line] = []
    for lang, block in re.findall(r"(?ms)^ *```(\w*)\n(.*?)^ *```", text):
        lines = block.replace("\\\n", " ").splitlines()
        variables = _variables(lines)
        for raw in lines:
            line = re.sub(r"^\s*(?:\$ |- |run: )?", "", raw).split("  #")[0]
            line = re.split(r"\s(?:\|\||&&|;|\|)\s", line)[0].strip()  # `… || true`
            if line.startswith("frictionminer ") and "[-" not in line:  # not a synopsis
                out.append(Line(page, _expand(line, variables), lang or "text"))
    prose = re.sub(r"(?ms)^ *```.*?^ *```", "", text)
    for span in re.findall(r"`(frictionminer [^`]+)`", prose):
        words = span.split()
        if words[1] in COMMANDS or not words[1].startswith("-"):
            out.append(Line(page, span, "inline"))
    return out


LINES = [line for page in [README, *DOCS] for line in command_lines(page)]
BLOCK_LINES = [line for line in LINES if line.block != "inline"]
INLINE = [line for line in LINES if line.block == "inline"]


def _section(text: str, heading: str) -> str:
    """The body of a ``## heading`` section."""
    m = re.search(rf"(?ms)^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text)
    assert m, f"no '## {heading}' section"
    return m.group(1)


# ------------------------------------------------------------------------------ commands


def test_the_app_registers_commands() -> None:
    assert len(COMMANDS) >= 9 and {"score", "audit"} <= set(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_commands_have_help(name: str) -> None:
    summary = (COMMANDS[name].help or "").strip()
    assert summary, f"`frictionminer {name}` has no help text (its docstring)"
    res = runner.invoke(app, [name, "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.stderr
    assert f"Usage: frictionminer {name}" in " ".join(res.stdout.split())
    assert " ".join(summary.split()[:6]) in " ".join(res.stdout.split())
    root = runner.invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert re.search(rf"│ {name} +\S", root.stdout), f"`{name}` not listed by --help"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_is_in_using_it(name: str) -> None:
    using = _section(README.read_text(encoding="utf-8"), "Using it")
    assert re.search(rf"(?m)^frictionminer {name}\b", using), f"README's 'Using it': {name}"


def _prose(page: Path) -> str:
    """The page without architecture.md's folder map: the map quotes the cli modules'
    docstrings (`frictionminer info`), which document nothing for a user."""
    text = page.read_text(encoding="utf-8")
    return text.replace(module_map.current_block(text), "") if module_map.START in text else text


def _in_docs(name: str) -> bool:
    return any(re.search(rf"\bfrictionminer {name}\b", _prose(p)) for p in DOCS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_is_in_the_docs(name: str) -> None:
    assert _in_docs(name), f"no page in docs/ shows `frictionminer {name}`"


# ------------------------------------------------------------------------- command lines


def test_lines_are_found() -> None:
    """The extraction sees every kind of line (else the tests below test nothing)."""
    kinds = {line.block for line in LINES}
    assert {"bash", "sh", "yaml", "console", "inline"} <= kinds, kinds
    assert sum(line.runnable for line in LINES) >= 10
    assert {line.args[0] for line in BLOCK_LINES} == set(COMMANDS)


def parse_error(text: str) -> str | None:
    """Why the command would refuse this line (None: it parses)."""
    name, *args = shlex.split(text)[1:]
    if name not in COMMANDS:
        return f"no command '{name}'"
    args = [FOR_PARSING.get(a, a) for a in args]
    try:
        COMMANDS[name].make_context(f"frictionminer {name}", args)
    except typer.Exit as done:  # an eager option (--help, --list) ends parsing
        return None if done.exit_code == 0 else f"exit {done.exit_code}"
    except Exception as err:  # the parser's UsageError (typer does not export its class)
        format_message = getattr(err, "format_message", None)
        return str(format_message() if format_message else err)
    return None


def unknown_options(text: str) -> list[str]:
    """Options of an inline fragment that its command does not have."""
    name, *args = shlex.split(text)[1:]
    known = {opt for param in COMMANDS[name].params for opt in param.opts}
    return [a for a in args if a.startswith("-") and a.split("=")[0] not in known]


def test_the_checks_catch_wrong_lines() -> None:
    assert parse_error("frictionminer score LOG --top 3") is None
    assert "No such option" in str(parse_error("frictionminer score LOG --topp 3"))
    assert "Invalid value for '--top'" in str(parse_error("frictionminer score LOG --top x"))
    assert "Missing argument" in str(parse_error("frictionminer explain"))
    assert "unexpected extra argument" in str(parse_error("frictionminer info LOG more"))
    assert "not one of" in str(parse_error("frictionminer score LOG --format yaml"))
    assert parse_error("frictionminer scor LOG") == "no command 'scor'"
    assert unknown_options("frictionminer score --format json --quiett") == ["--quiett"]


@pytest.mark.parametrize("line", BLOCK_LINES, ids=[line.id for line in BLOCK_LINES])
def test_doc_command_line_parses(line: Line) -> None:
    """The command parses the line as written: known options, right types and arity."""
    assert parse_error(line.text) is None, f"{line.text}\n{parse_error(line.text)}"


@pytest.mark.parametrize("line", INLINE, ids=[line.id for line in INLINE])
def test_doc_inline_command_names_real_options(line: Line) -> None:
    """`frictionminer score LOG --format json` in running text: a fragment, so no arity
    check, but the command and each option must exist."""
    assert line.args[0] in COMMANDS, f"no command '{line.args[0]}'"
    assert unknown_options(line.text) == []


RUNNABLE = [line for line in LINES if line.runnable]


@pytest.mark.usefixtures("shared_parses")
@pytest.mark.parametrize("line", RUNNABLE, ids=[line.id for line in RUNNABLE])
def test_doc_command_runs(line: Line, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    args = line.args[1:]
    if any("../shared/logs" in a for a in args) and not SHARED_LOGS.exists():
        pytest.skip("shared logs not available")
    for i, a in enumerate(args[:-1]):
        if a in WRITES:
            args[i + 1] = str(tmp_path / Path(args[i + 1]).name)  # never write into the repo
    monkeypatch.chdir(REPO)
    res = runner.invoke(app, [line.args[0], *args], env={"COLUMNS": "160"})
    assert res.exit_code == 0, f"{line.text}\n{res.stderr}"
    assert res.stdout.strip() or list(tmp_path.iterdir()), "no output, no file written"
