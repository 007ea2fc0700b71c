"""Writers for ``score``: a registry keyed by format; the format may come from -o's suffix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from frictionminer import progress
from frictionminer.engine.result import Result
from frictionminer.errors import UsageError
from frictionminer.reporting.catalogue import Lang
from frictionminer.reporting.console import fitted
from frictionminer.reporting.units import short_hours

DEFAULT_TOP = 20
SUFFIXES = {
    ".json": "json",
    ".csv": "csv",
    ".parquet": "parquet",
    ".txt": "table",
    ".md": "markdown",
}

Writer = Callable[..., None]


def infer_format(output: Path | None, suffixes: dict[str, str] = SUFFIXES) -> str:
    """``table`` on the terminal; otherwise the format named by the output's suffix
    (``suffixes``: suffix to format, for ``score`` and the commands that write like it)."""
    if output is None:
        return "table"
    fmt = suffixes.get(output.suffix.lower())
    if fmt is None:
        raise UsageError(
            f"{output}: cannot tell the output format from the suffix",
            hint=f"use {', '.join(suffixes)}, or pass --format",
        )
    return fmt


_COLUMNS: list[tuple[str, str, Callable[[Any], str]]] = [
    ("interactions", "con-\ntacts", str),
    ("customer_tasks", "cust.\ntasks", str),
    ("customer_wait_hours", "wait-\ning", short_hours),
    ("silent_wait_max_hours", "longest\nsilence", short_hours),
    ("handoffs", "hand-\noffs", str),
    ("ping_pongs", "ping-\npong", str),
    ("effort_minutes", "effort\n(min)", lambda m: f"{m:.0f}"),
]
"""The measures shown in the terminal table (all are in json/csv/parquet)."""


def _ranking(title: str) -> Table:
    """An empty ranking table: a light rule under the header, the title on the left."""
    return Table(
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
        title=title,
        title_justify="left",
    )


def render_terminal(result: Result, console: Console, top: int | None) -> None:
    n = top or DEFAULT_TOP
    cases = result.ranked(n)
    flags = result.flat_table(n).select("case_id", "flags")
    flag_of = dict(flags.iter_rows())
    missing = set() if result.coverage is None else set(result.coverage.missing_measures)
    has_cat = "category" in cases.columns
    # the optional columns, most important first: measures, then the category
    optional = [*_COLUMNS, *([("category", "category", str)] if has_cat else [])]
    rows = list(cases.iter_rows(named=True))

    def draw(k: int) -> Table:
        shown = {name for name, _, _ in optional[:k]}
        table = _ranking(
            f"Top {min(n, result.cases.height)} of {result.cases.height:,} cases by friction score"
        )
        table.add_column("#", justify="right")
        table.add_column("case", overflow="fold")
        if "category" in shown:
            table.add_column("category", max_width=16)
        table.add_column("score", justify="right")
        columns = [c for c in _COLUMNS if c[0] in shown]
        for _, label, _ in columns:
            table.add_column(label, justify="right")
        table.add_column("flags", min_width=5)
        for i, row in enumerate(rows, start=1):
            cells: list[str | Text] = [str(i), Text(str(row["case_id"]))]
            if "category" in shown:
                cells.append(Text(str(row["category"] or "")))
            cells.append(f"{row['friction_score']:.1f}")
            cells += ["—" if name in missing else fmt(row[name]) for name, _, fmt in columns]
            ids = [f for f in flag_of.get(row["case_id"], "").split(";") if f]
            cells.append(" ".join(str(int(f.removeprefix("FM"))) for f in ids))
            table.add_row(*cells)
        return table

    table = fitted(console, draw, len(optional))
    console.print(table)
    console.print(
        "[dim]flags: rule numbers (4 = FM004; see `frictionminer rules`). Waiting: calendar "
        "time on the company; effort: the customer's own minutes.[/dim]"
    )
    summary = result.summary()
    render_summary(summary, console)
    if result.journeys is not None:
        render_journeys(summary["journeys"], console, top=min(n, 10))


def render_journeys(block: dict[str, Any], console: Console, top: int = 10) -> None:
    """The ``journeys`` block of the summary: counts, the worst journeys, their flags."""
    from frictionminer.reporting.catalogue import JOURNEY_WORDS as J
    from frictionminer.reporting.catalogue import rule_name

    rate = block["repeat_contact_rate"]
    console.print(
        f"[bold]{J['heading']['en']}[/bold]: ",
        Text(
            J["intro"]["en"].format(
                journeys=f"{block['journeys']:,}",
                customers=f"{block['customers']:,}",
                cases=f"{block['cases']:,}",
                multi=f"{block['multi_case_journeys']:,}",
                repeats="—" if block["repeat_contacts"] is None else block["repeat_contacts"],
                resolved=f"{block['resolved_cases']:,}",
                rate=J["not_computed"]["en"] if rate is None else f"{rate:.1%}",
            )
        ),
        sep="",
    )
    columns: list[tuple[str, str, Callable[[Any], str]]] = [
        ("cases", J["cases"]["en"], str),
        ("friction_score", J["score"]["en"], lambda v: f"{v:.1f}"),
        ("repeat_contacts", "repeat\ncontacts", lambda v: "—" if v is None else str(v)),
        ("parties", J["parties_col"]["en"], str),
        ("customer_wait_hours", "wait-\ning", short_hours),
        ("silent_wait_max_hours", "longest\nsilence", short_hours),
        ("effort_minutes", "effort\n(min)", lambda m: f"{m:.0f}"),
        ("contact_to_resolution_hours", "contact to\nresolution", short_hours),
    ]  # most important first: a narrow terminal loses the last ones; shown in `order`
    order = [
        "cases",
        "repeat_contacts",
        "parties",
        "customer_wait_hours",
        "silent_wait_max_hours",
        "contact_to_resolution_hours",
        "effort_minutes",
        "friction_score",
    ]
    records = block["worst"][:top]

    def draw(k: int) -> Table:
        shown = {key for key, _, _ in columns[:k]}
        table = _ranking(J["worst"]["en"])
        table.add_column(J["journey"]["en"], overflow="fold")
        kept = sorted((c for c in columns if c[0] in shown), key=lambda c: order.index(c[0]))
        for _, label, _ in kept:
            table.add_column(label, justify="right")
        table.add_column(J["flags"]["en"], min_width=5)
        for record in records:
            cells: list[str | Text] = [Text(str(record["journey_id"]))]
            cells += [fmt(record[key]) for key, _, fmt in kept]
            cells.append(" ".join(str(int(f["rule"].removeprefix("FM"))) for f in record["flags"]))
            table.add_row(*cells)
        return table

    table = fitted(console, draw, len(columns))
    console.print(table)
    for rid, stats in block["flags"].items():
        console.print(
            f"  {rid} {rule_name(rid)}: {stats['journeys']:,} journeys ({stats['share']:.1%})"
        )


def render_summary(summary: dict[str, Any], console: Console) -> None:
    from frictionminer.reporting.catalogue import (
        SYSTEMIC_WORDS,
        UNSEEN_WORDS,
        outcome_text,
        rule_name,
        systemic_line,
        unseen_names,
    )

    unseen = unseen_names(summary.get("warnings", []))
    console.print(
        f"[bold]Summary[/bold]: {summary['cases']:,} cases, {summary['events']:,} events; "
        f"counted: {summary['instances']}; {summary['flagged_cases']:,} cases flagged "
        f"({summary['flagged_share']:.1%}); ",
        Text(outcome_text(summary)),
        Text("; " + UNSEEN_WORDS["summary_unseen"]["en"].format(needs=unseen) if unseen else ""),
        sep="",
    )
    filtered = summary.get("filtered")
    if filtered:
        from frictionminer.reporting.catalogue import PATH_WORDS

        given = ", ".join(f"{k} {v!r}" for k, v in filtered["filters"].items())
        line = PATH_WORDS["filtered"]["en"].format(
            kept=f"{filtered['kept']:,}", of=f"{filtered['of']:,}", filters=given
        )
        console.print(Text(line))
    systemic = summary.get("systemic", [])
    if systemic:
        console.print(f"[bold]{SYSTEMIC_WORDS['heading']['en']}[/bold]:")
        for record in systemic:
            console.print(Text("  " + systemic_line(record)))
    rules = Table(title="Cases flagged per rule", title_justify="left")
    for col in ("rule", "name", "cases", "share"):
        rules.add_column(col, justify="right" if col in ("cases", "share") else "left")
    for rid, stats in summary["flags"].items():
        off = stats.get("suppressed") is not None
        rules.add_row(
            rid,
            rule_name(rid),
            "—" if off else f"{stats['cases']:,}",
            UNSEEN_WORDS["not_computed"]["en"]
            if off
            else f"{stats['share']:.1%}" + (" (systemic)" if stats.get("systemic") else ""),
        )
    console.print(rules)
    meas = Table(title="Measures per case", title_justify="left")
    for col in ("measure", "median", "p90"):
        meas.add_column(col, justify="left" if col == "measure" else "right")
    for name, q in summary["measures"].items():
        meas.add_row(name, *("—" if q[k] is None else f"{q[k]:g}" for k in ("median", "p90")))
    console.print(meas)
    render_waits(summary.get("waits") or {}, console)
    if summary.get("promises") is not None:
        render_promises(summary["promises"], console)
    if summary.get("surveys") is not None:
        render_surveys(summary["surveys"], console)


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def render_promises(block: dict[str, Any], console: Console, lang: Lang = "en") -> None:
    """The ``promises`` block of the summary: kept, broken and open, by promise, by the team
    that made them and by handoff pair; built-in promises the log cannot show, named."""
    from frictionminer.reporting.catalogue import PROMISE_WORDS as W

    for name, roles in block["not_computed"].items():
        console.print(Text(W["not_computed"][lang].format(name=name, roles=" or ".join(roles))))
    if not block["by_promise"]:
        return
    until = block["observed_until"] or "—"
    console.print(
        f"[bold]{W['heading'][lang]}[/bold]: ",
        Text(
            W["intro"][lang].format(
                made=f"{block['made']:,}",
                kept=f"{block['kept']:,}",
                broken=f"{block['broken']:,}",
                open=f"{block['open']:,}",
                until=until[:16].replace("T", " "),
                share=_share(block["kept_share"]),
            )
            if block["made"]
            else W["none"][lang]
        ),
        sep="",
    )
    if not block["made"]:
        return
    counts = ("made", "kept", "broken", "open", "kept_share")
    pair = [(f"{r['promise']}", f"{r['from']} → {r['to']}", r) for r in block["handoff_pairs"]]
    tables: list[tuple[str, list[str], list[tuple[Any, ...]]]] = [
        ("by_promise", ["promise"], [(n, r) for n, r in block["by_promise"].items()]),
        ("by_team", ["promise", "team"], [(r["promise"], r["team"], r) for r in block["teams"]]),
        ("by_pair", ["promise", "pair"], pair),
    ]
    for title, heads, rows in tables:
        if not rows:
            continue
        table = Table(title=W[title][lang], title_justify="left", box=box.SIMPLE_HEAD)
        for key in heads:
            table.add_column(W[key][lang])
        for key in counts:
            table.add_column(W[key][lang], justify="right")
        for row in rows:
            cells, record = row[:-1], dict(row[-1])
            table.add_row(
                *[Text(str(c)) for c in cells],
                *[f"{record[k]:,}" for k in counts[:4]],
                _share(record["kept_share"]),
            )
        console.print(table)


def _signed(value: float | None, fmt: str = "+.3f") -> str:
    return "—" if value is None else format(value, fmt)


def render_surveys(block: dict[str, Any], console: Console, lang: Lang = "en") -> None:
    """The ``surveys`` block of the summary: surveyed cases, FM013, the ratings."""
    from frictionminer.reporting.catalogue import SURVEY_WORDS as W

    console.print(
        f"[bold]{W['heading'][lang]}[/bold]: ",
        Text(
            W["intro"][lang].format(
                surveyed=f"{block['surveyed_cases']:,}",
                events=f"{block['survey_events']:,}",
                after=f"{block['surveyed_after_friction']:,}",
            )
        ),
        sep="",
    )
    ratings = block.get("ratings")
    if not ratings:
        return
    score = ratings["friction_score"]
    unhappy = ratings["unhappy_cases"]
    console.print(
        Text(
            W["ratings"][lang].format(
                rated=f"{ratings['rated_cases']:,}",
                column=ratings["column"],
                scale=ratings["scale"],
                unhappy="—" if unhappy is None else f"{unhappy:,}",
                rho=_signed(score["rho"]),
                low=_signed(score["low"]),
                high=_signed(score["high"]),
            )
        )
    )
    deciles = Table(title=W["deciles"][lang], title_justify="left", box=box.SIMPLE_HEAD)
    for key in ("decile", "cases", "score", "mean_rating", "unhappy"):
        deciles.add_column(W[key][lang], justify="right")
    for d in ratings["deciles"]:
        deciles.add_row(
            str(d["decile"]),
            f"{d['cases']:,}",
            f"{d['score_min']:g}–{d['score_max']:g}",
            _signed(d["mean_rating"], ".2f"),
            "—" if d["unhappy_share"] is None else f"{d['unhappy_share']:.0%}",
        )
    console.print(deciles)
    measures = [m for m in ratings["measures"] if m["auc"] is not None][:8]
    if not measures:
        return
    table = Table(title=W["separation"][lang], title_justify="left", box=box.SIMPLE_HEAD)
    for key in ("measure", "auc", "rank_biserial", "rho"):
        table.add_column(W[key][lang], justify="left" if key == "measure" else "right")
    for m in measures:
        table.add_row(
            m["measure"], f"{m['auc']:.3f}", _signed(m["rank_biserial"]), _signed(m["rho"])
        )
    console.print(table)


def render_waits(waits: dict[str, Any], console: Console) -> None:
    """The log's waiting by cause: hours, share and the teams holding most of each part."""
    from frictionminer.reporting.catalogue import WAIT_CAUSE_LABELS

    if not waits.get("microseconds"):
        return
    table = Table(title="Waiting on the company by cause (all cases)", title_justify="left")
    for col in ("cause", "hours", "share", "cases", "teams holding most of it (hours)"):
        table.add_column(col, justify="right" if col in ("hours", "share", "cases") else "left")

    def teams(part: dict[str, Any]) -> str:
        return ", ".join(f"{t['team']} {t['hours']:,.0f}" for t in part.get("teams", []))

    for cause, part in waits["by_cause"].items():
        table.add_row(
            WAIT_CAUSE_LABELS[cause]["en"],
            f"{part['hours']:,.1f}",
            f"{part['microseconds'] / waits['microseconds']:.1%}",  # not the rounded share
            f"{part['cases']:,}",
            Text(teams(part)),
        )
    table.add_row("[bold]waiting on the company[/bold]", f"{waits['customer_wait_hours']:,.1f}")
    side = waits["customer_side"]
    table.add_row(
        WAIT_CAUSE_LABELS["customer"]["en"] + " (apart)",
        f"{side['hours']:,.1f}",
        "",
        f"{side['cases']:,}",
        Text(teams(side)),
    )
    console.print(table)


def _write_table(result: Result, *, top: int | None, output: Path | None, quiet: bool) -> None:
    from frictionminer.reporting.console import render_to_text, stdout

    if output is None:
        render_terminal(result, stdout(quiet=quiet), top)
    else:
        from frictionminer.io.outputs import write_text

        write_text(output, render_to_text(lambda c: render_terminal(result, c, top), width=160))


def _write_json(result: Result, *, top: int | None, output: Path | None, quiet: bool) -> None:
    if output is None:
        import sys

        progress.finish()
        sys.stdout.flush()
        result.write_json(sys.stdout.buffer, top)
        sys.stdout.buffer.flush()
        return
    from frictionminer.io.outputs import write_with

    def write(tmp: Path) -> None:
        with tmp.open("wb") as fh:
            result.write_json(fh, top)

    write_with(output, write)


def _text_out(text: str, output: Path | None) -> None:

    from frictionminer.io.outputs import write_stdout, write_text

    if output is None:
        write_stdout(text)
    else:
        write_text(output, text)


def _write_csv(result: Result, *, top: int | None, output: Path | None, quiet: bool) -> None:
    from frictionminer.io.convert import neutralize_formulas

    table = neutralize_formulas(result.flat_table(top))  # read by people, in spreadsheets
    _text_out(table.write_csv(datetime_format="%Y-%m-%dT%H:%M:%S%.6f%:z"), output)


def _write_parquet(result: Result, *, top: int | None, output: Path | None, quiet: bool) -> None:
    if output is None:
        raise UsageError("parquet output needs a file", hint="add -o cases.parquet")
    from frictionminer.io.outputs import write_with

    table = result.flat_table(top)
    write_with(output, lambda tmp: table.write_parquet(tmp))


def _write_markdown(result: Result, *, top: int | None, output: Path | None, quiet: bool) -> None:
    from frictionminer.engine.causes import find_causes
    from frictionminer.reporting.markdown import render_score_markdown

    _text_out(render_score_markdown(result, top, find_causes(result)), output)


WRITERS: dict[str, Writer] = {
    "table": _write_table,
    "markdown": _write_markdown,
    "json": _write_json,
    "csv": _write_csv,
    "parquet": _write_parquet,
}
