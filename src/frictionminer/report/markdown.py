"""``score --format markdown``: a short summary for a pull request or a ticket comment.

GitHub-flavoured Markdown: a headline, the share of cases flagged per rule, the top cases
and, when given, the largest causes.  Only formatting: numbers come from
``result.summary()`` and ``result.case_records()`` (the JSON contract), causes from
:func:`frictionminer.engine.causes.find_causes`.  Text from the log (case ids, activity and team
names) is escaped so that it cannot break the table or inject markup or mentions.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from frictionminer.report.units import hours

if TYPE_CHECKING:
    from frictionminer.engine.causes import Causes
    from frictionminer.engine.result import Result

DEFAULT_TOP = 10

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~@])")


def escape_md(text: object) -> str:
    """Inline Markdown text with every markup character escaped, on one line."""
    return _SPECIAL.sub(r"\\\1", str(text).replace("\r", " ").replace("\n", " "))


def render_score_markdown(
    result: Result, top: int | None = None, causes: Causes | None = None
) -> str:
    """The summary as Markdown; ``top`` cases (default 10), up to three causes if given."""
    from frictionminer.engine.rules import RULES

    n_top = top or DEFAULT_TOP
    s = result.summary()
    q = s["measures"]
    lines = [
        "### Customer friction",
        "",
        f"**{s['cases']:,} cases**, {s['events']:,} events: **{s['flagged_cases']:,} flagged "
        f"({s['flagged_share']:.1%})**, {s['resolved_share']:.1%} resolved. Median customer "
        f"effort {q.get('effort_minutes', {}).get('median', 0):g} min, median wait on the "
        f"company {hours(q.get('customer_wait_hours', {}).get('median'))}.",
        "",
        "| rule | name | cases | share |",
        "|---|---|--:|--:|",
    ]
    for rid, stats in s["flags"].items():
        name = RULES[rid].name.removeprefix("friction.").replace("_", " ") if rid in RULES else ""
        lines.append(f"| {rid} | {name} | {stats['cases']:,} | {stats['share']:.1%} |")
    if causes is not None and causes.findings:
        lines += ["", "**Largest causes**", ""]
        for f in causes.headline(3):
            teams = f" (teams: {', '.join(escape_md(t) for t in f.teams)})" if f.teams else ""
            lines.append(
                f"1. {escape_md(f.title)} — {f.impact_share:.0%} of friction points{teams}. "
                f"_{escape_md(f.suggestion)}_"
            )
    records = result.case_records(n_top)
    lines += [
        "",
        f"<details><summary>Top {len(records)} cases by friction score</summary>",
        "",
        "| # | case | score | contacts | tasks | waiting | handoffs | flags |",
        "|--:|---|--:|--:|--:|--:|--:|---|",
    ]
    for i, c in enumerate(records, start=1):
        m = c["measures"]
        flags = " ".join(f["rule"] for f in c["flags"])
        lines.append(
            f"| {i} | {escape_md(c['case_id'])} | {c['friction_score']:.1f} | "
            f"{m.get('interactions', '')} | {m.get('customer_tasks', '')} | "
            f"{hours(m.get('customer_wait_hours'))} | {m.get('handoffs', '')} | {flags} |"
        )
    lines += ["", "</details>", ""]
    return "\n".join(lines)
