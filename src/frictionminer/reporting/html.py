"""The consultant's report: one self-contained HTML file, English or German.

This module only formats: every number comes from the
:class:`~frictionminer.engine.result.Result` (``summary()``, the ranked cases,
``build_story``) and the :class:`~frictionminer.engine.causes.Causes` drawn from it, so
the report says exactly what ``score --format json`` says; every word comes from
:mod:`frictionminer.reporting.catalogue` (findings and timelines are structured data until
they are rendered here, in the page's language).  The page is a jinja2 template
(``templates/report.html.j2``, read with importlib.resources) with autoescaping on —
activity names, team names and attributes come from the log and are untrusted text.
Charts are inline SVG (:mod:`frictionminer.reporting.charts`); the page's one script is
static (:data:`SCRIPT`, allowed by its hash) and its Content-Security-Policy forbids every
network load, so it opens offline and cannot call home.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
from datetime import UTC, datetime
from importlib import resources
from typing import TYPE_CHECKING, Any

from frictionminer.engine.causes import Finding, FindingKind
from frictionminer.reporting import catalogue as C
from frictionminer.reporting.catalogue import LANGS, Lang

if TYPE_CHECKING:
    from frictionminer.engine.causes import Causes
    from frictionminer.engine.result import Result

__all__ = ["CSP", "LANGS", "MAX_STEPS", "SCRIPT", "Lang", "render_html"]

SCRIPT = (
    resources.files("frictionminer.reporting")
    .joinpath("templates/report.js")
    .read_text(encoding="utf-8")
)
"""The page's one script (sortable and filterable tables, folded long tables and
sections, a case-id search): static, no data from the log in it."""
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    f"script-src 'sha256-{base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()}'; "
    "base-uri 'none'; form-action 'none'"
)
"""The page's Content-Security-Policy: no fetch, no external anything; the one script
that runs is :data:`SCRIPT`, allowed by its hash (no inline script from the log can)."""

MAX_STEPS = 40
"""Timeline steps shown per case (the rest is summarised in one line)."""

PAGE_FINDING_FIELDS: dict[FindingKind, tuple[str, ...]] = {
    FindingKind.TASK_ACTIVITY: (
        "task_events",
        "task_cases",
        "task_case_share",
        "activity",
        "piecemeal_share",
        "task_advice_en",
        "task_advice_de",
    ),
    FindingKind.REPEAT_REQUEST: ("activity", "repeat_events", "repeat_cases", "task_cases"),
    FindingKind.SILENT_WAIT: (
        "activity",
        "silent_cases",
        "silent_starts",
        "silent_days",
        "silent_median_days",
        "threshold_days",
        "notice_hours",
    ),
    FindingKind.HANDOFF_TEAM: (
        "team",
        "handoffs_out",
        "cases",
        "cases_handed_on",
        "handed_on_share",
        "to_team",
        "to_share",
        "handoff_advice_en",
        "handoff_advice_de",
    ),
    FindingKind.PING_PONG_PAIR: ("team_a", "team_b", "returns", "cases"),
    FindingKind.VARIANT: (
        "rank",
        "cases",
        "case_share",
        "mean_score",
        "tasks_per_case",
        "handoffs_per_case",
        "ratio",
        "path",
        "path_short",
    ),
    FindingKind.CATEGORY: (
        "category",
        "cases",
        "mean_score",
        "top_rule",
        "ratio",
        "top_rule_share",
    ),
    FindingKind.RULE: (
        "rule",
        "rule_label",
        "share",
        "flagged",
        "rule_advice_en",
        "rule_advice_de",
    ),
}
"""The ``numbers`` of each finding in the page's embedded data, in order: the finding's
numbers and ids, and its suggestion in both languages (``*_advice_en``/``_de``).  The data
block keeps the shape it had when findings carried their sentences, so tools reading
earlier reports read these too."""


def page_record(f: Finding) -> dict[str, Any]:
    """A finding as the page's embedded data has it: English title and suggestion, and
    :data:`PAGE_FINDING_FIELDS` as its numbers."""
    values = C.finding_values(f, "en")
    title, suggestion = C.finding_text(f, "en")
    texts = {"en": suggestion, "de": C.finding_text(f, "de")[1]}

    def field(name: str) -> Any:
        if name.endswith(("_advice_en", "_advice_de")):
            return texts[name[-2:]]
        return values[name]

    return {
        "id": f.id,
        "kind": str(f.kind),
        "title": title,
        "suggestion": suggestion,
        "remedy": f.remedy,
        "impact": round(f.impact, 3),
        "impact_share": round(f.impact_share, 4),
        "numbers": {name: field(name) for name in PAGE_FINDING_FIELDS[f.kind]},
        "teams": list(f.teams),
    }


def _settings_toml(settings: Any, *, journeys: bool = False) -> str:
    """The effective settings as TOML-like text for the methods appendix.

    Every table as it was in effect, the rules' thresholds and the audit's gates included
    (a reader of the report sees which limits the flags used, not only what a project
    changed).  The ``[journey]`` table and the journey rules only when the report has
    journeys; ``[engine]`` never: where the stage ran changes no number, and a scheduler's
    address does not belong in a report that is handed on."""
    from frictionminer.engine.rules import JOURNEY_RULES

    lines: list[str] = []

    def line(key: str, value: Any) -> None:
        lines.append(f"{key} = {json.dumps(value, ensure_ascii=False, default=str)}")

    for f in dataclasses.fields(settings):
        table = getattr(settings, f.name)
        if f.name == "engine" or (f.name == "journey" and not journeys):
            continue
        if f.name == "rules":
            lines.append("[rules]")
            for rule_id, rule in table.items():
                if rule_id in JOURNEY_RULES and not journeys:
                    continue
                for key, value in rule.as_table().items():
                    line(f"{rule_id}.{key}", value)
        elif f.name == "audit":
            lines.append("[audit]")
            line("alpha", table.alpha)
            line("significance", table.significance)
            for gate in table.gates:
                line(gate.name, gate.limit.text())
            for key, value in dataclasses.asdict(table.baseline).items():
                line(f"baseline.{key}", value)
        elif dataclasses.is_dataclass(table):
            lines.append(f"[{f.name}]")
            for key, value in dataclasses.asdict(table).items():  # type: ignore[arg-type]
                if isinstance(value, dict) and value:
                    for sub, v in value.items():
                        line(f"{key}.{sub}", v)
                else:
                    line(key, value)
        else:
            continue
        lines.append("")
    return "\n".join(lines).strip()


def _environment() -> Any:
    from jinja2 import Environment, StrictUndefined, select_autoescape

    env = Environment(
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def _template() -> Any:
    text = (
        resources.files("frictionminer.reporting")
        .joinpath("templates/report.html.j2")
        .read_text(encoding="utf-8")
    )
    return _environment().from_string(text)


# ----------------------------------------------------------------------------- render


def render_html(
    result: Result,
    causes: Causes,
    *,
    lang: Lang = "en",
    title: str | None = None,
    top: int = 20,
    timelines: int = 5,
    pseudonymized: tuple[list[str], bool] | None = None,
    generated: datetime | None = None,
) -> str:
    """The report as one HTML document (a string).

    ``top`` cases are listed, the first ``timelines`` of them with their timeline.
    ``pseudonymized`` is (columns replaced, key stable) when the result was pseudonymised,
    for the methods appendix.
    """
    import polars as pl
    from markupsafe import Markup

    from frictionminer.engine.facts import silent_wait_rule
    from frictionminer.engine.rules import REMEDIES, RULES
    from frictionminer.reporting import charts
    from frictionminer.reporting.explain import WaitingOn, build_story

    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}")
    t = {key: words[lang] for key, words in C.PAGE.items()}
    ml = {m: words[lang] for m, words in C.MEASURE_LABELS.items()}
    rl = {rid: words[lang] for rid, words in C.RULE_LABELS.items()}
    summary = result.summary()
    record_cases = result.case_records(top)
    n = summary["cases"]
    q = summary["measures"]

    # --- executive summary --------------------------------------------------------
    wait_med = q.get("customer_wait_hours", {}).get("median", 0.0)
    wait_p90 = q.get("customer_wait_hours", {}).get("p90", 0.0)
    exec_intro = t["exec_intro"].format(
        cases=C.number(n, lang),
        flagged=C.number(summary["flagged_cases"], lang),
        flagged_share=C.percent(summary["flagged_share"], lang),
        effort_sentence=effort_sentence(result.cases, q, t, lang),
        wait=C.duration(wait_med, lang),
        wait90=C.duration(wait_p90, lang),
    )

    def finding_view(f: Finding) -> dict[str, Any]:
        title_, suggestion = C.finding_text(f, lang)
        return {
            "id": f.id,
            "title": title_,
            "suggestion": suggestion,
            "remedy": f.remedy,
            "remedy_label": t[f"remedy_{f.remedy}"],
            "impact": C.percent(f.impact_share, lang),
            "impact_share": f.impact_share,
            "teams": f.teams,
        }

    headline = [finding_view(f) for f in causes.headline(5)]
    remedies = [
        {"key": r, "label": t[f"remedy_{r}"], "findings": [finding_view(f) for f in fs]}
        for r, fs in causes.by_remedy().items()
    ]

    # --- KPIs -----------------------------------------------------------------------
    rules_rows = [
        {
            "id": rid,
            "name": rl.get(rid, rid),
            "cases": C.number(s["cases"], lang),
            "share": C.percent(s["share"], lang),
            "share_raw": s["share"],
            "remedy": t[f"remedy_{RULES[rid].remedy}"] if rid in RULES else "",
        }
        for rid, s in summary["flags"].items()
    ]
    not_computed = C.UNSEEN_WORDS["not_computed"][lang]
    measure_rows = [
        {
            "name": ml.get(m, m),
            "key": m,
            "median": not_computed if v["median"] is None else C.short_number(v["median"], lang),
            "p90": not_computed if v["p90"] is None else C.short_number(v["p90"], lang),
        }
        for m, v in q.items()
    ]
    silent_rule = silent_wait_rule()
    silent_share = summary["flags"].get(silent_rule.id if silent_rule else "", {}).get("share", 0.0)
    kpis = [
        (C.number(n, lang), t["kpi_cases"]),
        (C.percent(summary["flagged_share"], lang), t["kpi_flagged"]),
        (_share_or(summary["resolved_share"], not_computed, lang), t["kpi_resolved"]),
        effort_kpi(result.cases, q, t, lang),
        (C.duration(wait_med, lang), t["kpi_wait"]),
        (
            not_computed
            if summary["flags"].get(silent_rule.id if silent_rule else "", {}).get("suppressed")
            else C.percent(silent_share, lang),
            t["kpi_silence"],
        ),
    ]
    panels = [
        (c, ml[c], d)
        for c, d in (
            ("interactions", 1.0),
            ("customer_tasks", 1.0),
            ("handoffs", 1.0),
            ("customer_wait_hours", 1.0),
            ("silent_wait_max_hours", 1.0),
            ("friction_score", 1.0),
        )
        if c in result.cases.columns and q.get(c, {}).get("median", 0.0) is not None
    ]
    chart_flags = Markup(charts.flag_shares(summary, rl, t["flags_title"], t["flags_x"]))
    chart_dist = Markup(
        charts.distributions(result.cases, panels, q, t["dist_title"], t["median"], t["n_cases"])
    )

    # --- causes -----------------------------------------------------------------------
    def opt(svg: str | None) -> Markup | None:
        return Markup(svg) if svg else None

    act = causes.by_activity.filter(
        (pl.col("task_events") + pl.col("repeat_events") + pl.col("silent_starts")) > 0
    ).head(15)
    act_rows = [
        {
            "activity": r["activity"],
            "tasks": C.number(r["task_events"], lang),
            "task_cases": C.number(r["task_cases"], lang),
            "piecemeal": C.percent(r["piecemeal_share"], lang, 0) if r["task_cases"] else "",
            "repeats": C.number(r["repeat_events"], lang),
            "silent": C.number(r["silent_starts"], lang),
            "silent_median": C.duration(r["silent_median_hours"], lang),
            "teams": ", ".join(r["teams"]),
        }
        for r in act.iter_rows(named=True)
    ]
    chart_act = opt(
        charts.activity_bars(
            causes.by_activity,
            12,
            t["act_chart"],
            (t["act_series_task"], t["act_series_repeat"], t["act_series_silent"]),
            t["events"],
        )
    )
    team_rows = [
        {
            "team": r["team"],
            "cases": C.number(r["cases"], lang),
            "handoffs_out": C.number(r["handoffs_out"], lang),
            "handed_on": C.percent(r["handed_on_share"], lang, 0),
            "pp_in": C.number(r["ping_pong_in"], lang),
            "tasks": C.number(r["task_events"], lang),
        }
        for r in causes.by_team.filter(pl.col("handoffs_out") > 0).head(15).iter_rows(named=True)
    ]
    pair_rows = [
        {
            "pair": f"{r['team_a']} ⇄ {r['team_b']}",
            "returns": C.number(r["returns"], lang),
            "cases": C.number(r["cases"], lang),
        }
        for r in causes.ping_pong_pairs.head(10).iter_rows(named=True)
    ]
    chart_team = opt(
        charts.team_bars(
            causes.by_team,
            12,
            t["team_chart"],
            (t["team_series_out"], t["team_series_pp"]),
            t["handoffs"],
        )
    )
    chart_heat = opt(
        charts.ping_pong_heatmap(
            causes.handoff_pairs, 12, t["heatmap"], t["from_team"], t["to_team"]
        )
    )
    wait_intro, wait_team_rows, wait_pair_rows = waits_view(causes, lang, t)
    variant_rows = [
        {
            "rank": r["rank"],
            "path": C.shorten_path(r["variant"], 8, lang),
            "path_full": r["variant"],
            "cases": C.number(r["cases"], lang),
            "share": C.percent(r["case_share"], lang),
            "mean": C.number(r["mean_score"], lang, 1),
            "total": C.number(r["total_score"], lang, 0),
            "tasks": C.number(r["tasks_per_case"], lang, 1),
            "handoffs": C.number(r["handoffs_per_case"], lang, 1),
        }
        for r in causes.by_variant.filter(pl.col("cases") >= 2).head(10).iter_rows(named=True)
    ]
    variant_note = paths_note(causes.by_variant, n, lang)
    chart_var = opt(
        charts.variant_bars(
            causes.by_variant.filter(pl.col("cases") >= 2),
            10,
            t["variant_chart"],
            t["variant_x"],
            t["variant_note"],
        )
    )
    cat_rows = []
    chart_cat = None
    if causes.by_category is not None:
        cat_rows = [
            {
                "category": r["category"],
                "cases": C.number(r["cases"], lang),
                "mean": C.number(r["mean_score"], lang, 1),
                "total": C.number(r["total_score"], lang, 0),
                "flagged": C.percent(r["flagged_share"], lang, 0),
                "top_rule": r["top_rule"] or "",
            }
            for r in causes.by_category.filter(pl.col("category").is_not_null())
            .head(12)
            .iter_rows(named=True)
        ]
        chart_cat = opt(
            charts.category_bars(
                causes.by_category, 12, t["category_chart"], t["category_x"], t["category_note"]
            )
        )

    # --- process map --------------------------------------------------------------------
    max_nodes = 10
    nodes, edges = charts.main_flows(causes.flows, max_nodes=max_nodes, max_edges=20)
    pmap = None
    if charts.dot_available():
        pmap = opt(
            charts.render_dot(
                charts.process_map_dot(
                    causes.flows, causes.by_activity, max_nodes, 20, tasks_word=t["map_tasks"]
                ),
                t["map"],
            )
        )
    flow_rows = [
        {
            "from": r["source"],
            "to": r["target"],
            "transitions": C.number(r["transitions"], lang),
            "wait": C.duration(r["median_wait_hours"], lang),
            "company": C.percent(r["company_wait_share"] or 0.0, lang, 0),
        }
        for r in edges.iter_rows(named=True)
    ]

    # --- top cases ------------------------------------------------------------------------
    flag_ids = {c["case_id"]: [f["rule"] for f in c["flags"]] for c in record_cases}
    top_rows = [
        {
            "rank": i,
            "case": c["case_id"],
            "category": c.get("category") or "",
            "score": C.number(c["friction_score"], lang, 1),
            "contacts": c["measures"].get("interactions", ""),
            "tasks": c["measures"].get("customer_tasks", ""),
            "waiting": C.duration(c["measures"].get("customer_wait_hours"), lang),
            "silence": C.duration(c["measures"].get("silent_wait_max_hours"), lang),
            "handoffs": c["measures"].get("handoffs", ""),
            "ping_pong": c["measures"].get("ping_pongs", ""),
            "flags": " ".join(flag_ids.get(c["case_id"], [])),
        }
        for i, c in enumerate(record_cases, start=1)
    ]
    has_category = any(r["category"] for r in top_rows)
    stories = []
    told = result.case_events([c["case_id"] for c in record_cases[:timelines]])
    for c in record_cases[:timelines]:
        story = build_story(
            result, c["case_id"], max_steps=MAX_STEPS, keep="head", events=told.get(c["case_id"])
        )
        steps = [
            {
                "time": s.time,
                "activity": s.activity,
                "who": s.who or "",
                "team": s.team or "",
                "channel": s.channel or "",
                "meaning": "; ".join(m.text(lang) for m in s.meanings),
                "wait": s.wait.text(lang) if s.wait else "",
                "company_wait": s.wait is not None and s.wait.on is WaitingOn.COMPANY,
                "task": s.is_task,
            }
            for s in story.steps
        ]
        stories.append(
            {
                "case": story.case_id,
                "head": t["case_head"].format(
                    case=story.case_id,
                    score=C.number(story.score, lang, 1),
                    rank=C.number(story.rank, lang),
                    cases=C.number(story.cases, lang),
                ),
                "steps": steps,
                "when": t["when"].format(clock=C.clock_label(story.clock, lang)),
                "more": t["more_steps"].format(n=story.omitted) if story.omitted else "",
                "flags": [
                    {"rule": f["rule"], "message": f["message"], "severity": f["severity"]}
                    for f in story.flags
                ],
            }
        )

    journeys = journeys_view(result, top, lang)
    surveys = surveys_view(summary.get("surveys"), lang)
    promises = promises_view(summary.get("promises"), lang)

    # --- methods ------------------------------------------------------------------------
    if pseudonymized is None:
        pseudo_text = t["pseudo_off"]
    else:
        columns, stable = pseudonymized
        pseudo_text = t["pseudo_on"].format(
            columns=", ".join(columns),
            stable=t["pseudo_stable"] if stable else t["pseudo_random"],
        )
    definitions = [(ml[m], m) for m in q if m in result.measure_names]
    findings_dq = [f.as_record() for f in result.log.findings]
    try:
        from importlib.metadata import version

        fm_version = version("frictionminer")
    except Exception:  # pragma: no cover - only when not installed
        fm_version = "dev"

    data = {
        "summary": summary,
        "top_cases": [c["case_id"] for c in record_cases],
        "findings": [page_record(f) for f in causes.findings],
    }
    generated = generated or datetime.now(UTC)
    context = {
        "lang": lang,
        "t": t,
        "csp": Markup(CSP),  # a constant of ours, quotes kept readable
        "script": Markup(SCRIPT),  # static, allowed by its hash in the CSP
        "title": title or t["title"],
        "source": summary["source"],
        "generated": generated.strftime("%Y-%m-%d %H:%M UTC"),
        "summary": summary,
        "exec_intro": exec_intro,
        "caveat": caveat_view(summary, lang),
        "systemic": systemic_view(summary, lang),
        "outcome": C.outcome_text(summary, lang),
        "headline": headline,
        "kpis": kpis,
        "rules": rules_rows,
        "measures": measure_rows,
        "chart_flags": chart_flags,
        "chart_dist": chart_dist,
        "activity_intro": t["activity_intro"].format(
            days=C.short_number(causes.silent_hours / 24, lang)
        ),
        "act_rows": act_rows,
        "chart_act": chart_act,
        "team_rows": team_rows,
        "pair_rows": pair_rows,
        "chart_team": chart_team,
        "chart_heat": chart_heat,
        "wait_intro": wait_intro,
        "wait_team_rows": wait_team_rows,
        "wait_pair_rows": wait_pair_rows,
        "variant_rows": variant_rows,
        "variant_paths": variant_note,
        "chart_var": chart_var,
        "cat_rows": cat_rows,
        "chart_cat": chart_cat,
        "map_intro": t["map_intro"].format(nodes=len(nodes)),
        "pmap": pmap,
        "flow_rows": flow_rows,
        "top_intro": t["top_cases_intro"].format(n=len(top_rows), k=len(stories)),
        "top_rows": top_rows,
        "has_category": has_category,
        "stories": stories,
        "journeys": journeys,
        "surveys": surveys,
        "promises": promises,
        "remedies": remedies,
        "remedy_names": REMEDIES,
        "instances": summary["instances"],
        "log_format": result.log.format,
        "reader": str(result.log.details.get("reader", "")),
        "dq": findings_dq,
        "config_source": summary["config"] or t["builtin"],
        "config_text": _settings_toml(result.settings, journeys=result.journeys is not None),
        "pseudo_text": pseudo_text,
        "definitions": definitions,
        "footer": t["footer"].format(version=fm_version),
        "data": data,
    }
    return str(_template().render(**context))


# ----------------------------------------------------------------------- waiting by cause


def waits_view(
    causes: Any, lang: Lang, t: dict[str, str], rows: int = 12
) -> tuple[str | None, list[dict[str, str]], list[dict[str, str]]]:
    """The report's "Waiting by cause": a sentence with the log's parts (largest first),
    the teams holding the most waiting and the handoff pairs; nothing without waits."""
    import polars as pl

    totals = causes.waits
    if not totals or not totals.get("microseconds"):
        return None, [], []

    def days(hours: float) -> str:
        return C.number(hours / 24.0, lang, 1)

    parts = sorted(totals["by_cause"].items(), key=lambda kv: (-kv[1]["microseconds"], kv[0]))
    text = t["waits_intro"].format(
        total=days(totals["customer_wait_hours"]),
        parts="; ".join(
            t["wait_part"].format(
                share=C.percent(p["share"] or 0.0, lang, 0),
                cause=C.WAIT_CAUSE_LABELS[cause][lang],
                days=days(p["hours"]),
            )
            for cause, p in parts
            if p["microseconds"]
        ),
        customer=days(totals["customer_side"]["hours"]),
    )

    def cells(r: dict[str, Any]) -> dict[str, str]:
        return {
            "total": days(r["customer_wait_hours"]),
            "queue": days(r["queue_hours"]),
            "handoff": days(r["handoff_hours"]),
            "external": days(r["external_hours"]),
            "in_work": days(r["in_work_hours"]),
            "customer": days(r["on_customer_hours"]),
        }

    team_rows = [
        {"team": r["team"], **cells(r)}
        for r in causes.waits_by_team.filter(pl.col("team").is_not_null())
        .head(rows)
        .iter_rows(named=True)
    ]
    pair_rows = [
        {"pair": f"{r['from']} → {r['to']}", **cells(r)}
        for r in causes.waits_by_pair.head(rows).iter_rows(named=True)
    ]
    return text, team_rows, pair_rows


# ---------------------------------------------------------------------------------- promises


def promises_view(block: dict[str, Any] | None, lang: Lang) -> dict[str, Any] | None:
    """The report's promises section (None when the summary has no ``promises`` block):
    kept, broken and open per promise, by the team that made them and across handoffs,
    and the built-in promises the log cannot show."""
    if block is None:
        return None
    t = {k: w[lang] for k, w in C.PROMISE_WORDS.items()}
    joiner = " oder " if lang == "de" else " or "
    not_computed = [
        t["not_computed"].format(name=name, roles=joiner.join(roles))
        for name, roles in block["not_computed"].items()
    ]
    if not block["by_promise"] and not not_computed:
        return None

    def counts(record: dict[str, Any]) -> list[str]:
        share = record["kept_share"]
        return [
            *(C.number(record[k], lang) for k in ("made", "kept", "broken", "open")),
            "—" if share is None else C.percent(share, lang),
        ]

    intro = None
    if block["by_promise"]:
        until = (block["observed_until"] or "—")[:16].replace("T", " ")
        intro = (
            t["intro"].format(
                made=C.number(block["made"], lang),
                kept=C.number(block["kept"], lang),
                broken=C.number(block["broken"], lang),
                open=C.number(block["open"], lang),
                until=until,
                share="—" if block["kept_share"] is None else C.percent(block["kept_share"], lang),
            )
            if block["made"]
            else t["none"]
        )
    tables = [
        {
            "title": t["by_promise"],
            "heads": [t["promise"]],
            "rows": [{"names": [n], "figures": counts(r)} for n, r in block["by_promise"].items()],
        },
        {
            "title": t["by_team"],
            "heads": [t["promise"], t["team"]],
            "rows": [
                {"names": [r["promise"], r["team"]], "figures": counts(r)} for r in block["teams"]
            ],
        },
        {
            "title": t["by_pair"],
            "heads": [t["promise"], t["pair"]],
            "rows": [
                {"names": [r["promise"], f"{r['from']} → {r['to']}"], "figures": counts(r)}
                for r in block["handoff_pairs"]
            ],
        },
    ]
    return {
        "t": t,
        "not_computed": not_computed,
        "intro": intro,
        "counts": [t[k] for k in ("made", "kept", "broken", "open", "kept_share")],
        "tables": [table for table in tables if table["rows"]] if block["made"] else [],
    }


# ----------------------------------------------------------------------------------- surveys


def surveys_view(block: dict[str, Any] | None, lang: Lang) -> dict[str, Any] | None:
    """The report's surveys section (None when the summary has no ``surveys`` block):
    surveys sent, FM013, and where there are ratings their relation to friction."""
    if block is None:
        return None
    from frictionminer.reporting.catalogue import SURVEY_WORDS

    t = {k: w[lang] for k, w in SURVEY_WORDS.items()}

    def signed(value: float | None) -> str:
        return "—" if value is None else C.number(value, lang, 3).replace("-", "−")

    view: dict[str, Any] = {
        "t": t,
        "intro": t["intro"].format(
            surveyed=C.number(block["surveyed_cases"], lang),
            events=C.number(block["survey_events"], lang),
            after=C.number(block["surveyed_after_friction"], lang),
        ),
        "ratings": None,
        "deciles": [],
        "measures": [],
    }
    ratings = block.get("ratings")
    if not ratings:
        return view
    score, unhappy = ratings["friction_score"], ratings["unhappy_cases"]
    view["ratings"] = t["ratings"].format(
        rated=C.number(ratings["rated_cases"], lang),
        column=ratings["column"],
        scale=ratings["scale"],
        unhappy="—" if unhappy is None else C.number(unhappy, lang),
        rho=signed(score["rho"]),
        low=signed(score["low"]),
        high=signed(score["high"]),
    )
    view["deciles"] = [
        {
            "decile": d["decile"],
            "cases": C.number(d["cases"], lang),
            "score": f"{C.number(d['score_min'], lang, 1)}–{C.number(d['score_max'], lang, 1)}",
            "mean": "—" if d["mean_rating"] is None else C.number(d["mean_rating"], lang, 2),
            "unhappy": "—" if d["unhappy_share"] is None else C.percent(d["unhappy_share"], lang),
        }
        for d in ratings["deciles"]
    ]
    view["measures"] = [
        {
            "measure": C.MEASURE_LABELS[m["measure"]][lang]
            if m["measure"] in C.MEASURE_LABELS
            else m["measure"],
            "auc": C.number(m["auc"], lang, 3),
            "rb": signed(m["rank_biserial"]),
            "rho": signed(m["rho"]),
        }
        for m in ratings["measures"]
        if m["auc"] is not None
    ][:8]
    return view


# ---------------------------------------------------------------------------------- journeys


def journeys_view(result: Result, top: int, lang: Lang) -> dict[str, Any] | None:
    """The report's journeys section (None without ``--journey``): the worst journeys,
    the repeat-contact rate by the type of the case that preceded the return, and the
    parties that hand customers on."""
    journeys = result.journeys
    if journeys is None:
        return None
    jt = {key: words[lang] for key, words in C.JOURNEY_WORDS.items()}
    block = journeys.summary(top=top)
    rate = block["repeat_contact_rate"]
    repeats = block["repeat_contacts"]
    intro = jt["intro"].format(
        journeys=C.number(block["journeys"], lang),
        customers=C.number(block["customers"], lang),
        cases=C.number(block["cases"], lang),
        multi=C.number(block["multi_case_journeys"], lang),
        repeats="—" if repeats is None else C.number(repeats, lang),
        resolved=C.number(block["resolved_cases"], lang),
        rate=jt["not_computed"] if rate is None else C.percent(rate, lang),
    )
    worst = [
        {
            "journey": r["journey_id"],
            "customer": r["customer"],
            "cases": C.number(r["cases"], lang),
            "repeats": "—"
            if r["repeat_contacts"] is None
            else C.number(r["repeat_contacts"], lang),
            "path": r["party_path"],
            "waiting": C.duration(r["customer_wait_hours"], lang),
            "silence": C.duration(r["silent_wait_max_hours"], lang),
            "to_resolution": C.duration(r["contact_to_resolution_hours"], lang)
            if r["contact_to_resolution_hours"] is not None
            else "—",
            "score": C.number(r["friction_score"], lang, 1),
            "flags": " ".join(f["rule"] for f in r["flags"]),
        }
        for r in block["worst"]
    ]
    flag_lines = [f for r in block["worst"] for f in r["flags"]]
    by_type = [
        {
            "type": r["case_type"],
            "resolved": C.number(r["resolved"], lang),
            "came_back": C.number(r["came_back"], lang),
            "rate": C.percent(r["rate"], lang),
        }
        for r in journeys.repeat_by_type().head(15).iter_rows(named=True)
    ]
    parties = [
        {
            "party": r["party"],
            "handoffs": C.number(r["handoffs"], lang),
            "journeys": C.number(r["journeys"], lang),
            "wait": C.duration(r["median_wait_hours"], lang),
            "to": r["to"],
        }
        for r in journeys.parties_handing_on().head(15).iter_rows(named=True)
    ]
    return {
        "t": jt,
        "intro": intro,
        "worst": worst,
        "flag_lines": flag_lines,
        "by_type": by_type if journeys.repeat_computed else [],
        "parties": parties,
    }


# ------------------------------------------------------ honest figures: unseen roles, outcome


def caveat_view(summary: dict[str, Any], lang: Lang) -> dict[str, str] | None:
    """The caveat at the top of the report when a role is unseen (None: nothing to say)."""
    line = C.unseen_line(summary.get("warnings", []), lang)
    if line is None:
        return None
    words = C.UNSEEN_WORDS
    return {
        "title": words["caveat_title"][lang],
        "intro": words["caveat_intro"][lang],
        "line": line,
    }


def _share_or(share: float | None, missing: str, lang: Lang) -> str:
    return missing if share is None else C.percent(share, lang)


def effort_sentence(cases: Any, q: dict[str, Any], t: dict[str, str], lang: Lang) -> str:
    """The executive summary's effort sentence: the median, unless it is 0 — then the share
    of cases that cost the customer any time and the costliest tenth (never "0 minutes")."""
    median = (q.get("effort_minutes") or {}).get("median")
    if median:
        return t["exec_effort"].format(effort=C.number(median, lang))
    share, p90 = _effort_spread(cases)
    words = C.HEADLINE_WORDS
    if share == 0:
        return words["effort_none"][lang] + " "
    return (
        words["effort_some"][lang].format(share=C.percent(share, lang), p90=C.number(p90, lang))
        + " "
    )


def effort_kpi(cases: Any, q: dict[str, Any], t: dict[str, str], lang: Lang) -> tuple[str, str]:
    """The effort key figure: the median in minutes, or (median 0) the share with any."""
    median = (q.get("effort_minutes") or {}).get("median")
    if median:
        return f"{C.number(median, lang)} min", t["kpi_effort"]
    share, _ = _effort_spread(cases)
    return C.percent(share, lang), C.HEADLINE_WORDS["kpi_effort_any"][lang]


def _effort_spread(cases: Any) -> tuple[float, float]:
    """Share of cases with any customer effort, and the 90th percentile among those."""
    import polars as pl

    if "effort_minutes" not in cases.columns or cases.height == 0:
        return 0.0, 0.0
    some = cases.filter(pl.col("effort_minutes") > 0)["effort_minutes"]
    share = some.len() / cases.height
    p90 = float(some.quantile(0.9, "linear") or 0.0) if some.len() else 0.0
    return share, p90


def paths_note(by_variant: Any, cases: int, lang: Lang) -> str:
    """How many distinct paths the cases took; one-case paths are no finding."""
    import polars as pl

    words = C.HEADLINE_WORDS
    key = (
        "variants_unique"
        if by_variant.filter(pl.col("cases") >= 2).height == 0
        else "variants_count"
    )
    return words[key][lang].format(
        cases=C.number(cases, lang), paths=C.number(by_variant.height, lang)
    )


# ------------------------------------------------------ systemic: log-level findings, first


def systemic_view(summary: dict[str, Any], lang: Lang) -> dict[str, Any] | None:
    """The log-level findings that open the summary (None: no rule is systemic)."""
    records = summary.get("systemic", [])
    if not records:
        return None
    return {
        "title": C.SYSTEMIC_WORDS["heading"][lang],
        "lines": [C.systemic_line(r, lang) for r in records],
    }
