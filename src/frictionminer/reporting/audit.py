"""Writers for ``audit``: one function per format in a registry, each ``AuditResult -> str``.

Formats: ``text`` (a plain summary for CI logs), ``json`` (``AuditResult.as_record()``),
``junit`` (one test case per gate, for CI test tabs), ``github`` (workflow commands
``::error::``/``::warning::`` that GitHub shows as annotations) and ``markdown`` (a step
summary).  Writers only read the result: none decides the exit code — the command maps
``AuditResult.status`` to it, the same for every format.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

from frictionminer.auditing.gates import AuditResult, Comparison, GateResult
from frictionminer.errors import UsageError
from frictionminer.settings.audit import COMPLETED_ONLY, GATE_KINDS

Writer = Callable[[AuditResult], str]

SUFFIXES = {
    ".json": "json",
    ".xml": "junit",
    ".md": "markdown",
    ".txt": "text",
    ".log": "text",
}
FORMATS = ("text", "json", "junit", "github", "markdown")

_MARK = {"pass": "PASS", "warn": "WARN", "fail": "FAIL"}
_ICON = {"pass": "✅", "warn": "⚠️", "fail": "❌"}
_VERDICT_ICON = {"worse": "🔺", "better": "🔻", "no significant change": "·"}


def infer_format(output: Path | None) -> str:
    """``text`` without ``-o``; otherwise the format named by the output's suffix."""
    if output is None:
        return "text"
    fmt = SUFFIXES.get(output.suffix.lower())
    if fmt is None:
        raise UsageError(
            f"{output}: cannot tell the output format from the suffix",
            hint="use .json, .xml (JUnit), .md, .txt, or pass --format",
        )
    return fmt


# ---------------------------------------------------------------- shared number formatting

_HOURS = ("customer_wait_hours", "silent_wait_max_hours", "duration_hours")


def _number(value: float) -> str:
    if value == int(value) and abs(value) < 1e9:
        return f"{int(value):,}"
    return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"


def measure_value(subject: str, value: float) -> str:
    """A measure's value for people: hours as h/d, minutes with 'min', counts as is."""
    if subject in _HOURS:
        return f"{value:.1f} h" if value < 48 else f"{value / 24:.1f} d"
    if subject == "effort_minutes":
        return f"{value:.0f} min"
    return _number(value)


def gate_value(gate: GateResult, value: float) -> str:
    if GATE_KINDS[gate.kind].share:
        return f"{value:.1%}"
    if GATE_KINDS[gate.kind].subject == "measure":
        return measure_value(gate.subject, value)
    return _number(value)


def comparison_value(c: Comparison, value: float) -> str:
    if c.metric in ("flag_share", "promise_broken_share"):
        return f"{value:.1%}"
    return measure_value(c.subject, value)


def _p(value: float | None) -> str:
    if value is None:
        return ""
    return "<0.0001" if value < 1e-4 else f"{value:.3g}"


def _p_is(value: float) -> str:
    """``p=0.21`` or ``p<0.0001`` (never ``p=<0.0001``)."""
    text = _p(value)
    return f"p{text}" if text.startswith("<") else f"p={text}"


def _limit(gate: GateResult) -> str:
    text = gate_value(gate, gate.limit)
    return text if not gate.limit_text.startswith("baseline") else f"{text} ({gate.limit_text})"


def hours_text(hours: float) -> str:
    """A horizon for people: ``12 h``, ``3 d``."""
    return f"{hours / 24:g} d" if hours >= 48 and hours % 24 == 0 else f"{hours:g} h"


def gate_line(g: GateResult) -> str:
    """The gate's value against its limit in words that agree with its status.

    A value above its limit that passes or warns says why: the excess is not significant
    (with p and the number of cases), so no line reads "PASS 61.4% limit 58.0%".
    """
    if g.skipped is not None:
        return f"not compared with the baseline ({g.limit_text}): no common horizon"
    value, limit = gate_value(g, g.value), _limit(g)
    floor = GATE_KINDS[g.kind].minimum  # a floor: the value must not be below it
    side = "below" if floor else "above"
    breach = g.value < g.limit - 1e-12 if floor else g.value > g.limit + 1e-12
    if not breach or (floor and g.n == 0):
        return f"{value}, within the limit {limit}"
    if g.status == "fail":
        if g.p_adjusted is None or not GATE_KINDS[g.kind].tested:
            return f"{value}, {side} the limit {limit}"
        p_text = _p_is(g.p_adjusted)
        return f"{value}, significantly {side} the limit {limit} ({p_text} adjusted, n={g.n})"
    p = g.p_adjusted if g.p_adjusted is not None else 1.0
    worse = "significantly worse than the baseline" if g.comparison else "significant"
    return f"{value}, {side} the limit {limit}, but not {worse} ({_p_is(p)} adjusted, n={g.n})"


def horizon_line(result: AuditResult) -> str | None:
    """How the window was compared with the baseline (None without a baseline)."""
    h = result.horizon
    if h is None:
        return None
    if h.method == "common_horizon" and h.hours is not None:
        span = hours_text(h.hours)
        return (
            f"compared at a common horizon of {span}: the {h.current_cases:,} of "
            f"{h.current_window_cases:,} cases of this window and {h.baseline_cases:,} of "
            f"{h.baseline_window_cases:,} of the baseline that began at least {span} before "
            f"their window's end, each as it stood {span} after its first event"
        )
    if h.method == "whole_windows":
        why = (
            '[audit.horizon] mode = "off"'
            if h.reason == "horizon_off"
            else "the baseline holds no figures at common horizons (an older file: save it again)"
        )
        return (
            f"compared as whole windows ({why}): cases open at a shorter window's end may read "
            "as a worsening"
        )
    tried = hours_text(h.tried_hours or 0.0)
    return (
        f"no comparison with the baseline: no horizon of [audit.horizon] keeps "
        f"{h.min_cases} cases and {h.min_share:.0%} of each window (at the shortest, {tried}: "
        f"this window {h.current_cases:,} of {h.current_window_cases:,} cases, the baseline "
        f"{h.baseline_cases:,} of {h.baseline_window_cases:,})"
    )


def verdict_text(c: Comparison) -> str:
    """The verdict in words that agree with the figures shown beside it."""
    if c.shift is None:
        return c.verdict
    more = "more" if c.shift == "up" else "fewer"
    return f"{c.metric} unchanged, but significantly {more} cases above it"


def comparison_line(c: Comparison) -> str:
    what = (
        "flagged share"
        if c.metric == "flag_share"
        else "promises broken (of those decided)"
        if c.metric == "promise_broken_share"
        else f"{c.metric}{' (completed)' if c.subject in COMPLETED_ONLY else ''}"
    )
    detail = ""
    if c.metric == "promise_broken_share":
        detail = f"; broken {c.baseline_count}/{c.baseline_n} → {c.current_count}/{c.current_n}"
    elif c.metric != "flag_share":
        detail = (
            f"; above the baseline {c.metric}: {c.baseline_count}/{c.baseline_n} → "
            f"{c.current_count}/{c.current_n}"
        )
    if c.shift is not None:  # the test saw the cases move, the quantile did not
        anchor = comparison_value(c, c.baseline)
        return (
            f"{c.subject} {what}: {anchor} → {comparison_value(c, c.current)}, unchanged; "
            f"cases above {anchor}: {c.baseline_count}/{c.baseline_n} "
            f"({c.baseline_count / max(c.baseline_n, 1):.1%}) → {c.current_count}/{c.current_n} "
            f"({c.current_count / max(c.current_n, 1):.1%}), significantly "
            f"{'more' if c.shift == 'up' else 'fewer'} ({_p_is(c.p_adjusted)} adjusted, {c.test})"
        )
    return (
        f"{c.subject} {what}: {comparison_value(c, c.baseline)} → "
        f"{comparison_value(c, c.current)}: {c.verdict} ({_p_is(c.p_adjusted)} adjusted, "
        f"{c.test}{detail})"
    )


def _window_line(result: AuditResult) -> str:
    w = result.window.as_record()
    since = w["since"] or w["log_first_event"]
    until = w["until"] or w["end"]
    return (
        f"window {since} – {until}: {result.current.cases:,} cases, "
        f"{result.current.events:,} events, {result.current.open_cases:,} open at {w['end']}"
    )


def _headline(result: AuditResult) -> str:
    counts = result.counts()
    return (
        f"audit {result.status.upper()}: {counts['fail']} failed, {counts['warn']} warned, "
        f"{counts['pass']} passed of {len(result.gates)} gates"
    )


# ---------------------------------------------------------------- text


def render_text(result: AuditResult) -> str:
    lines = [f"frictionminer audit: {result.source}", _window_line(result)]
    if result.baseline is not None:
        b = result.baseline
        since = b.window.get("since") or "…"
        until = b.window.get("until") or b.window.get("end") or "…"
        lines.append(
            f"baseline {b.source or '(in memory)'}: {b.cases:,} cases, window {since} – {until}"
        )
        lines.append(horizon_line(result) or "")
    lines.append("")
    if result.gates:
        lines.append("gates:")
        width = max(len(g.name) for g in result.gates)
        for g in result.gates:
            lines.append(f"  {_MARK[g.status]}  {g.name:<{width}}  {gate_line(g)}")
            lines.append(f"        {g.message}")
    if result.comparisons:
        lines.append("")
        lines.append(f"against the baseline (alpha {result.alpha:g}, Holm-adjusted):")
        for c in result.comparisons:
            mark = {"worse": "worse ", "better": "better", "no significant change": "same  "}
            label = mark[c.verdict] if c.shift is None else "moved "
            lines.append(f"  {label}  {comparison_line(c)}")
    if result.notes:
        lines.append("")
        lines.extend(f"note: {n}" for n in result.notes)
    journeys = result.journeys_record()
    if journeys is not None:
        lines += ["", journeys_line(journeys)]
    lines.append("")
    lines.append(_headline(result))
    return "\n".join(lines) + "\n"


def journeys_line(block: dict[str, Any]) -> str:
    """``journeys: 8 journeys of 7 customers ...; FM010 2 (25.0%), FM011 1 (12.5%)``."""
    from frictionminer.reporting.catalogue import JOURNEY_WORDS as J

    rate = block["repeat_contact_rate"]
    repeats = block["repeat_contacts"]
    intro = J["intro"]["en"].format(
        journeys=f"{block['journeys']:,}",
        customers=f"{block['customers']:,}",
        cases=f"{block['cases']:,}",
        multi=f"{block['multi_case_journeys']:,}",
        repeats="—" if repeats is None else f"{repeats:,}",
        resolved=f"{block['resolved_cases']:,}",
        rate=J["not_computed"]["en"] if rate is None else f"{rate:.1%}",
    )
    flags = ", ".join(
        f"{rid} {f['journeys']:,} ({f['share']:.1%})" for rid, f in block["flags"].items()
    )
    return f"journeys: {intro}; {flags}"


# ---------------------------------------------------------------- json


def render_json(result: AuditResult) -> str:
    return json.dumps(result.as_record(), indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------- junit


def render_junit(result: AuditResult) -> str:
    """JUnit XML: one ``<testcase>`` per gate; a breached gate is a ``<failure>``.

    A warning (above an absolute limit without statistical evidence) passes, with the
    reason in ``<system-out>``: JUnit has no warning state, and a warning must not turn a
    CI test tab red.
    """
    counts = result.counts()
    attrs = {
        "name": "frictionminer audit",
        "tests": str(len(result.gates)),
        "failures": str(counts["fail"]),
        "errors": "0",
        "skipped": "0",
        "time": "0",
    }
    suites = ET.Element("testsuites", attrs)
    suite = ET.SubElement(suites, "testsuite", {**attrs, "timestamp": result.current.created})
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("source", result.source),
        ("window", _window_line(result)),
        ("baseline", result.baseline.source if result.baseline else ""),
        ("horizon", horizon_line(result) or ""),
        ("alpha", f"{result.alpha:g}"),
        ("status", result.status),
    ):
        ET.SubElement(props, "property", {"name": name, "value": value or ""})
    for g in result.gates:
        case = ET.SubElement(
            suite,
            "testcase",
            {"classname": f"frictionminer.audit.{g.kind}", "name": g.name, "time": "0"},
        )
        summary = f"{g.name}: {gate_line(g)}"
        if g.status == "fail":
            failure = ET.SubElement(
                case, "failure", {"message": f"{summary} — breached", "type": "GateBreached"}
            )
            failure.text = g.message
        else:
            out = ET.SubElement(case, "system-out")
            out.text = f"{'warning: ' if g.status == 'warn' else ''}{summary}\n{g.message}"
    if result.notes or result.comparisons:
        out = ET.SubElement(suite, "system-out")
        out.text = "\n".join(
            [*(f"note: {n}" for n in result.notes), *map(comparison_line, result.comparisons)]
        )
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, "unicode") + "\n"


# ---------------------------------------------------------------- github


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(result: AuditResult) -> str:
    """GitHub Actions workflow commands: an error per failed gate, a warning per warned one.

    Annotations cannot point at a line of an event log, so they carry a title and no file;
    a final ``::notice::`` gives the verdict.
    """
    lines = []
    for g in result.gates:
        if g.status == "pass":
            continue
        level = "error" if g.status == "fail" else "warning"
        title = _escape_property(f"frictionminer audit: {g.name}")
        body = _escape_data(f"{g.name}: {gate_line(g)} — {g.message}")
        lines.append(f"::{level} title={title}::{body}")
    for c in result.comparisons:
        if c.verdict == "worse" and not any(g.comparison is c for g in result.gates):
            title = _escape_property(f"frictionminer audit: {c.name} worse than baseline")
            lines.append(f"::warning title={title}::{_escape_data(comparison_line(c))}")
    lines.append(f"::notice title=frictionminer audit::{_escape_data(_headline(result))}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- markdown


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(result: AuditResult) -> str:
    """A step summary: verdict, gates table, comparison table, notes."""
    out = [
        f"## {_ICON[result.status]} frictionminer audit: {result.status.upper()}",
        "",
        f"`{_cell(result.source)}` — {_cell(_window_line(result))}",
    ]
    if result.baseline is not None:
        b = result.baseline
        out.append("")
        out.append(f"Baseline `{_cell(b.source or '')}`: {b.cases:,} cases.")
        out.append("")
        out.append(_cell(horizon_line(result) or ""))
    out.append("")
    if result.gates:
        out += [
            "| | gate | value against the limit | p (adj.) | detail |",
            "|---|---|---|---:|---|",
        ]
        for g in result.gates:
            out.append(
                f"| {_ICON[g.status]} | `{g.name}` | {_cell(gate_line(g))} | "
                f"{_p(g.p_adjusted)} | {_cell(g.message)} |"
            )
    else:
        out.append("No gates configured.")
    if result.comparisons:
        out += [
            "",
            f"<details><summary>Against the baseline ({len(result.comparisons)} comparisons, "
            f"alpha {result.alpha:g}, Holm-adjusted)</summary>",
            "",
            "| | metric | subject | baseline | current | p (adj.) | verdict |",
            "|---|---|---|---:|---:|---:|---|",
        ]
        for c in result.comparisons:
            out.append(
                f"| {_VERDICT_ICON[c.verdict]} | {c.metric} | `{c.subject}` | "
                f"{comparison_value(c, c.baseline)} | {comparison_value(c, c.current)} | "
                f"{_p(c.p_adjusted)} | {verdict_text(c)} |"
            )
        out += ["", "</details>"]
    if result.notes:
        out.append("")
        out += [f"- {_cell(n)}" for n in result.notes]
    out += ["", f"**{_headline(result)}**"]
    return "\n".join(out) + "\n"


WRITERS: dict[str, Writer] = {
    "text": render_text,
    "json": render_json,
    "junit": render_junit,
    "github": render_github,
    "markdown": render_markdown,
}
"""Audit writers by format name."""
