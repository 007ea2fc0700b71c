"""Writers for ``paths``: the variants ranked by the friction they carry.

The table comes from :func:`~frictionminer.engine.causes.path_table`; here it is sorted,
cut to ``top`` and written as a terminal table, JSON, CSV or Markdown.  A path is never
cut: on the terminal it wraps, in files it is whole.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from frictionminer.errors import UsageError
from frictionminer.reporting.catalogue import PATH_WORDS as W
from frictionminer.reporting.console import fitted

SORTS = {
    "total": ["total_score", "cases"],
    "mean": ["mean_score", "cases"],
    "cases": ["cases", "total_score"],
    "flagged": ["flagged_share", "cases"],
}
"""``--sort``: what ranks the paths (ties: the second key, then the path itself)."""
SUFFIXES = {".json": "json", ".csv": "csv", ".md": "markdown", ".txt": "table"}
FIELDS = (
    "rank",
    "cases",
    "case_share",
    "steps",
    "total_score",
    "mean_score",
    "median_score",
    "flagged_share",
    "interactions_per_case",
    "tasks_per_case",
    "handoffs_per_case",
    "wait_hours_per_case",
    "flag_counts",
    "variant",
)
"""The columns written, in order (``variant``: the activities joined with " → ")."""


def infer_format(output: Path | None) -> str:
    """``table`` on the terminal; otherwise the format named by the output's suffix."""
    from frictionminer.reporting.score import infer_format as by_suffix

    return by_suffix(output, SUFFIXES)


def ranked(table: pl.DataFrame, sort: str, top: int | None) -> pl.DataFrame:
    """``table`` ranked by ``sort`` (a key of :data:`SORTS`), the first ``top`` rows."""
    if sort not in SORTS:
        raise UsageError(f"--sort {sort!r}: choose one of {', '.join(SORTS)}")
    keys = [*SORTS[sort], "variant"]
    out = (
        table.drop("rank")
        .sort(keys, descending=[True, True, False])
        .with_row_index("rank", offset=1)
        .select(FIELDS)
    )
    return out if top is None else out.head(top)


def render_terminal(table: pl.DataFrame, console: Console, n_paths: int, n_cases: int) -> None:
    en = {key: words["en"] for key, words in W.items()}
    console.print(
        en["title"].format(shown=table.height, paths=f"{n_paths:,}", cases=f"{n_cases:,}")
    )
    optional: list[tuple[str, str, Callable[[Any], str]]] = [
        ("median_score", en["median"], lambda v: f"{v:.1f}"),
        ("flagged_share", en["flagged"], lambda v: f"{v:.0%}"),
        ("interactions_per_case", en["contacts"], lambda v: f"{v:.1f}"),
        ("wait_hours_per_case", en["wait"], lambda v: f"{v:.0f}"),
        ("steps", en["steps"], str),
    ]
    rows = list(table.iter_rows(named=True))

    def draw(k: int) -> Table:
        shown = optional[:k]
        t = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
        t.add_column("#", justify="right")
        t.add_column(en["cases"], justify="right")
        t.add_column(en["share"], justify="right")
        t.add_column(en["mean"], justify="right")
        for _, label, _ in shown:
            t.add_column(label, justify="right")
        # the path wraps within half the width, the flags within 24 columns: the numbers
        # are what leaves the table first on a narrow terminal
        narrow = console.width < 100
        t.add_column(en["flags"], overflow="fold", max_width=8 if narrow else 24)
        t.add_column(
            en["path"], overflow="fold", min_width=12, max_width=max(12, console.width // 2)
        )
        for r in rows:
            cells: list[str | Text] = [
                str(r["rank"]),
                f"{r['cases']:,}",
                f"{r['case_share']:.1%}",
                f"{r['mean_score']:.1f}",
            ]
            cells += ["—" if r[key] is None else fmt(r[key]) for key, _, fmt in shown]
            cells.append(Text(r["flag_counts"].replace(";", " ")))
            cells.append(Text(r["variant"] or ""))
            t.add_row(*cells)
        return t

    console.print(fitted(console, draw, len(optional)))
    console.print(f"[dim]{en['note']}[/dim]")


def render_json(table: pl.DataFrame, n_paths: int, n_cases: int) -> str:
    records: list[dict[str, Any]] = table.to_dicts()
    for record in records:
        record["activities"] = (record.pop("variant") or "").split(" → ")
        text = record.pop("flag_counts")
        record["flags"] = {
            rule: int(n) for rule, n in (item.split(":") for item in text.split(";") if item)
        }
    doc = {"paths": n_paths, "cases": n_cases, "shown": table.height, "variants": records}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def render_markdown(table: pl.DataFrame, n_paths: int, n_cases: int) -> str:
    en = {key: words["en"].replace("\n", " ") for key, words in W.items()}
    lines = [
        f"# {en['heading']}",
        "",
        en["title"].format(shown=table.height, paths=f"{n_paths:,}", cases=f"{n_cases:,}"),
        "",
        f"| # | {en['cases']} | {en['share']} | {en['mean']} | {en['flagged']} | "
        f"{en['flags']} | {en['path']} |",
        "|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in table.iter_rows(named=True):
        path = (r["variant"] or "").replace("|", "\\|")
        lines.append(
            f"| {r['rank']} | {r['cases']:,} | {r['case_share']:.1%} | {r['mean_score']:.1f} | "
            f"{r['flagged_share']:.0%} | {r['flag_counts'].replace(';', ' ')} | {path} |"
        )
    return "\n".join(lines) + "\n"


def render_csv(table: pl.DataFrame) -> str:
    from frictionminer.io.convert import neutralize_formulas

    return neutralize_formulas(table).write_csv()
