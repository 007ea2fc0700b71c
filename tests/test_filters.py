"""Filters: --since/--until/--where/--case-type keep or drop whole cases (hand-counted)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from frictionminer.cli import app
from frictionminer.settings import Settings

runner = CliRunner()

ROWS = [
    # case, activity, timestamp (UTC), category, channel
    ("a", "Customer calls", "2024-01-01T10:00:00", "A", "mail"),
    ("a", "Agent answers", "2024-01-02T10:00:00", "A", "phone"),
    ("b", "Customer writes", "2024-01-05T00:00:00", "B", "mail"),
    ("b", "Agent answers", "2024-01-06T00:00:00", "B", "mail"),
    ("c", "Customer writes", "2024-01-10T12:00:00", "A", "mail"),
    ("c", "Agent answers", "2024-01-20T12:00:00", "A", "mail"),
    ("d", "Customer calls", "2024-01-15T00:00:00", "B", "phone"),
    ("d", "Agent answers", "2024-01-16T00:00:00", "B", "phone"),
]
"""Log end: 2024-01-20 12:00 (case c's last event)."""


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("filters")
    csv = folder / "log.csv"
    lines = ["case,activity,timestamp,case:category,channel"]
    lines += [",".join(row) for row in ROWS]
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = folder / "f.toml"
    config.write_text('[columns]\ncategory = "case:category"\n', encoding="utf-8")
    return csv, config


def kept(log: tuple[Path, Path], *options: str) -> dict[str, int]:
    csv, config = log
    res = runner.invoke(app, ["score", str(csv), "--config", str(config), "-f", "json", *options])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["summary"]["cases"] == len(doc["cases"])  # peers: the kept cases only
    return {c["case_id"]: c["measures"]["events"] for c in doc["cases"]}


@pytest.mark.parametrize(
    ("options", "cases"),
    [
        ((), "abcd"),
        (("--since", "2024-01-05"), "bcd"),  # b starts exactly at the bound: kept
        (("--until", "2024-01-10"), "abc"),  # a date alone: the end of that day
        (("--until", "2024-01-10T12:00"), "ab"),  # exclusive
        (("--since", "10d"), "cd"),  # 2024-01-10 12:00, counted back from the log's end
        (("--since", "2024-01-05", "--until", "2w"), "b"),  # until 2024-01-06 12:00
        (("--case-type", "A"), "ac"),
        (("--case-type", "A", "--case-type", "B"), "abcd"),
        (("--where", "channel = 'phone'"), "ad"),  # a: one matching event keeps the case
        (("--where", "\"case:category\" = 'B'"), "bd"),
        (("--since", "2024-01-05", "--where", "channel = 'phone'"), "d"),
    ],
)
def test_filters_keep_whole_cases(
    log: tuple[Path, Path], options: tuple[str, ...], cases: str
) -> None:
    got = kept(log, *options)
    assert sorted(got) == list(cases)
    assert all(n == 2 for n in got.values())  # never cut: every event of a kept case


@pytest.mark.parametrize(
    ("options", "needle"),
    [
        (
            ("--where", "chanel = 'phone'"),
            "no column 'chanel' in the log (hint: did you mean 'channel'?)",
        ),
        (("--where", "channel = "), "--where 'channel = '"),
        (("--since", "last week"), "--since 'last week': not an ISO date"),
        (("--since", "2030-01-01"), "the filters leave no case of 4"),
    ],
)
def test_filter_errors_are_one_line(
    log: tuple[Path, Path], options: tuple[str, ...], needle: str
) -> None:
    csv, config = log
    res = runner.invoke(app, ["score", str(csv), "--config", str(config), *options])
    assert res.exit_code == 2
    assert res.stderr.count("\n") == 1 and needle in res.stderr, res.stderr


def test_case_type_needs_a_category_column(log: tuple[Path, Path]) -> None:
    csv, _ = log
    res = runner.invoke(app, ["score", str(csv), "--case-type", "A"])
    assert res.exit_code == 2 and "--case-type needs a category column" in res.stderr


def test_filters_in_config_and_on_other_commands(log: tuple[Path, Path], tmp_path: Path) -> None:
    csv, _ = log
    config = tmp_path / "f.toml"
    config.write_text(
        '[columns]\ncategory = "case:category"\n[filters]\ncase_type = ["B"]\n', encoding="utf-8"
    )
    assert Settings(filters={"case_type": ["B"]}).filters.active
    res = runner.invoke(app, ["paths", str(csv), "--config", str(config), "-f", "json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["cases"] == 2
    res = runner.invoke(app, ["explain", str(csv), "a", "--config", str(config)])
    assert res.exit_code == 2  # case a is filtered out
    res = runner.invoke(
        app, ["report", str(csv), "--config", str(config), "-o", str(tmp_path / "r.html")]
    )
    assert res.exit_code == 0
    assert "filters kept 2 of 4 cases" in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_summary_says_what_was_filtered(log: tuple[Path, Path]) -> None:
    csv, config = log
    args = ["score", str(csv), "--config", str(config), "--since", "10d", "--case-type", "B"]
    res = runner.invoke(app, [*args, "-f", "json"])
    assert res.exit_code == 0
    assert json.loads(res.stdout)["summary"]["filtered"] == {
        "kept": 1,
        "of": 4,
        "filters": {"since": "10d", "case_type": ["B"]},
    }
    table = runner.invoke(app, args, env={"COLUMNS": "200"}).stdout
    assert "Filters kept 1 of 4 cases (since '10d', case_type ['B'])" in table
    plain = runner.invoke(app, ["score", str(csv), "--config", str(config), "-f", "json"])
    assert "filtered" not in json.loads(plain.stdout)["summary"]
