"""``score --format markdown``: a short summary for a pull request or a ticket comment.

GitHub-flavoured Markdown: a headline, the share of cases flagged per rule, the top cases
and, when given, the largest causes.  Only formatting: words come from
:mod:`frictionminer.reporting.catalogue`, numbers from
``result.summary()`` and ``result.case_records()`` (the JSON contract), causes from
:func:`frictionminer.engine.causes.find_causes`.  Text from the log (case ids, activity and team
names) is escaped so that it cannot break the table or inject markup or mentions.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from frictionminer.reporting import catalogue as C
from frictionminer.reporting.catalogue import Lang
from frictionminer.reporting.units import hours

if TYPE_CHECKING:
    from frictionminer.engine.causes import Causes
    from frictionminer.engine.result import Result

DEFAULT_TOP = 10

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~@])")


def escape_md(text: object) -> str:
    """Inline Markdown text with every markup character escaped, on one line."""
    return _SPECIAL.sub(r"\\\1", str(text).replace("\r", " ").replace("\n", " "))


def render_score_markdown(
    result: Result, top: int | None = None, causes: Causes | None = None, lang: Lang = "en"
) -> str:
    """The summary as Markdown; ``top`` cases (default 10), up to three causes if given."""
    w = {key: words[lang] for key, words in C.MARKDOWN.items()}
    n_top = top or DEFAULT_TOP
    s = result.summary()
    q = s["measures"]
    caveat = C.unseen_line(s.get("warnings", []), lang)
    lines = [
        w["title"],
        "",
        *([C.UNSEEN_WORDS["markdown"][lang].format(line=escape_md(caveat)), ""] if caveat else []),
        *_systemic_lines(s, lang),
        w["summary"].format(
            cases=s["cases"],
            events=s["events"],
            flagged=s["flagged_cases"],
            flagged_share=s["flagged_share"],
            outcome=C.outcome_text(s, lang),
            effort=q.get("effort_minutes", {}).get("median", 0),
            wait=hours(q.get("customer_wait_hours", {}).get("median")),
        ),
        "",
        w["rules_head"],
        "|---|---|--:|--:|",
    ]
    for rid, stats in s["flags"].items():
        if stats.get("suppressed") is not None:
            off = C.UNSEEN_WORDS["not_computed"][lang]
            lines.append(f"| {rid} | {C.rule_name(rid)} | — | {off} |")
            continue
        lines.append(f"| {rid} | {C.rule_name(rid)} | {stats['cases']:,} | {stats['share']:.1%} |")
    if causes is not None and causes.findings:
        lines += ["", w["causes"], ""]
        for f in causes.headline(3):
            title, suggestion = C.finding_text(f, lang)
            teams = ", ".join(escape_md(t) for t in f.teams)
            lines.append(
                w["cause"].format(
                    title=escape_md(title),
                    share=f.impact_share,
                    teams=w["teams"].format(teams=teams) if f.teams else "",
                    suggestion=escape_md(suggestion),
                )
            )
    records = result.case_records(n_top)
    lines += [
        "",
        w["top"].format(n=len(records)),
        "",
        w["cases_head"],
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
    if "journeys" in s:
        lines += _journey_lines(s["journeys"], n_top, lang)
    return "\n".join(lines)


def _journey_lines(block: dict[str, Any], top: int, lang: Lang) -> list[str]:
    """The journeys (``--journey``): counts, the repeat-contact rate, the worst journeys."""
    j = {key: words[lang] for key, words in C.JOURNEY_WORDS.items()}
    rate = block["repeat_contact_rate"]
    repeats = block["repeat_contacts"]
    intro = j["intro"].format(
        journeys=C.number(block["journeys"], lang),
        customers=C.number(block["customers"], lang),
        cases=C.number(block["cases"], lang),
        multi=C.number(block["multi_case_journeys"], lang),
        repeats="—" if repeats is None else C.number(repeats, lang),
        resolved=C.number(block["resolved_cases"], lang),
        rate=j["not_computed"] if rate is None else C.percent(rate, lang),
    )
    lines = [
        f"### {j['heading']}",
        "",
        escape_md(intro),
        "",
        f"| {j['journey']} | {j['cases']} | {j['repeats']} | {j['parties_col']} | "
        f"{j['waiting']} | {j['score']} | {j['flags']} |",
        "|---|--:|--:|---|--:|--:|---|",
    ]
    for r in block["worst"][:top]:
        flags = " ".join(f["rule"] for f in r["flags"])
        repeat = "—" if r["repeat_contacts"] is None else r["repeat_contacts"]
        lines.append(
            f"| {escape_md(r['journey_id'])} | {r['cases']} | {repeat} | "
            f"{escape_md(r['party_path'])} | {hours(r['customer_wait_hours'])} | "
            f"{r['friction_score']:.1f} | {flags} |"
        )
    return [*lines, ""]


def _systemic_lines(summary: dict[str, object], lang: Lang) -> list[str]:
    """The log-level findings first: a heading line and one bullet per systemic rule."""
    records = summary.get("systemic") or []
    assert isinstance(records, list)
    if not records:
        return []
    bullets = [f"- {escape_md(C.systemic_line(r, lang))}" for r in records]
    return [f"**{escape_md(C.SYSTEMIC_WORDS['heading'][lang])}**", "", *bullets, ""]
