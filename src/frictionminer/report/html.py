"""The consultant's report: one self-contained HTML file, English or German.

This module only formats: every number comes from the
:class:`~frictionminer.engine.result.Result` (``summary()``, the ranked cases,
``build_story``) and the :class:`~frictionminer.engine.causes.Causes` drawn from it, so
the report says exactly what ``score --format json`` says.  The page is a jinja2 template
(``templates/report.html.j2``, read with importlib.resources) with autoescaping on —
activity names, team names and attributes come from the log and are untrusted text.
Charts are inline SVG (:mod:`frictionminer.report.charts`); the page has no script and its
Content-Security-Policy forbids every network load, so it opens offline and cannot call
home.
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, datetime
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from frictionminer.engine.causes import Causes
    from frictionminer.engine.result import Result

Lang = Literal["en", "de"]
LANGS: tuple[Lang, ...] = ("en", "de")

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)
"""The page's Content-Security-Policy: no script, no fetch, no external anything."""

MAX_STEPS = 40
"""Timeline steps shown per case (the rest is summarised in one line)."""

T: dict[Lang, dict[str, str]] = {
    "en": {
        "title": "Customer friction report",
        "generated": "Generated",
        "source": "Event log",
        "contents": "Contents",
        "exec": "Executive summary",
        "exec_intro": (
            "Of {cases} cases, {flagged} ({flagged_share}) were flagged for customer friction. "
            "The median case cost the customer {effort} minutes of their own time and "
            "{wait} waiting on the company; one case in ten waited more than {wait90}."
        ),
        "exec_top": "The largest sources of friction, by the friction points they account for:",
        "teams_involved": "Teams involved",
        "points": "{share} of all friction points",
        "kpis": "Key figures",
        "kpi_cases": "cases",
        "kpi_flagged": "cases flagged",
        "kpi_resolved": "resolved",
        "kpi_effort": "median customer effort",
        "kpi_wait": "median wait on the company",
        "kpi_silence": "cases with a silent wait",
        "flags_title": "Cases flagged per rule",
        "flags_x": "share of cases",
        "rule": "Rule",
        "name": "Name",
        "cases": "Cases",
        "share": "Share",
        "remedy": "Remedy type",
        "measures_title": "Measures per case",
        "measure": "Measure",
        "median": "median",
        "p90": "p90",
        "dist_title": "Distribution of measures per case",
        "n_cases": "cases",
        "causes": "Causes of friction",
        "by_activity": "By activity",
        "activity_intro": (
            "Which steps push tasks onto customers, ask again, or start a wait of {days} days "
            "or more without news."
        ),
        "act_chart": "Burden by activity",
        "act_series_task": "tasks pushed to the customer",
        "act_series_repeat": "repeated requests",
        "act_series_silent": "silent waits started",
        "events": "events",
        "activity": "Activity",
        "tasks": "Tasks",
        "task_cases": "Cases with task",
        "piecemeal": "Asked more than once",
        "repeats": "Repeats",
        "silent": "Silent waits",
        "silent_median": "Median silence",
        "teams": "Teams",
        "by_team": "By team",
        "team_intro": (
            "Handoffs out of each team, returns into it (ping-pong), and the pairs of teams "
            "that pass cases back and forth."
        ),
        "team_chart": "Handoffs by team",
        "team_series_out": "handoffs out",
        "team_series_pp": "ping-pong returns in",
        "heatmap": "Ping-pong between teams (returns from row team to column team)",
        "from_team": "from team",
        "to_team": "to team",
        "team": "Team",
        "handoffs_out": "Handoffs out",
        "handed_on": "Cases handed on",
        "pp_in": "Returns in",
        "pair": "Team pair",
        "returns": "Returns",
        "no_teams": "The log has no team column (or no handoffs): no team analysis.",
        "by_variant": "By path (variant)",
        "variant_intro": (
            "Paths through the process ranked by the friction points they carry in total; "
            "their share of cases and average friction per case."
        ),
        "variant_chart": "Paths ranked by friction",
        "variant_x": "friction points (all cases on the path)",
        "variant_note": "{cases:,} cases ({share:.1%}) · ⌀ {mean:.1f}",
        "path": "Path",
        "mean_score": "⌀ friction",
        "total_score": "Σ friction",
        "tasks_pc": "Tasks / case",
        "handoffs_pc": "Handoffs / case",
        "by_category": "By category",
        "category_chart": "Friction by category",
        "category_x": "friction points (all cases in the category)",
        "category_note": "{cases:,} cases · ⌀ {mean:.1f}",
        "category": "Category",
        "top_rule": "Most frequent flag",
        "map": "Process map",
        "map_intro": (
            "The main flows (directly-follows graph, the {nodes} busiest steps). Edge labels: "
            "transitions · median time to the next step; thicker = more frequent, redder = "
            "longer wait. Orange steps push tasks onto the customer."
        ),
        "map_nodot": (
            "Graphviz (`dot`) is not installed on the machine that produced this report, so "
            "the process map is shown as a table of the main flows. Install Graphviz "
            "(e.g. `apt-get install graphviz`) and run the report again for the drawing."
        ),
        "from": "From",
        "to": "To",
        "transitions": "Transitions",
        "median_wait": "Median time to next",
        "company_share": "Waiting on company",
        "top_cases": "Top friction cases",
        "top_cases_intro": (
            "The {n} cases with the highest friction score, and the first {k} as the customer "
            "lived them."
        ),
        "rank": "#",
        "case": "Case",
        "score": "Score",
        "contacts": "Contacts",
        "cust_tasks": "Tasks",
        "waiting": "Waiting",
        "longest_silence": "Longest silence",
        "handoffs": "Handoffs",
        "ping_pong": "Ping-pong",
        "flags": "Flags",
        "timeline": "As the customer lived it",
        "when": "When ({clock})",
        "what": "What happened",
        "who": "Who",
        "channel": "Channel",
        "for_customer": "For the customer",
        "more_steps": "… {n} more steps not shown",
        "case_head": "Case {case} — friction score {score}, rank {rank} of {cases}",
        "by_remedy": "Findings by remedy type",
        "remedy_intro": "Every finding, sorted into the remedy types of the friction model.",
        "impact": "Impact",
        "suggestion": "Suggestion",
        "finding": "Finding",
        "none": "none",
        "methods": "Methods",
        "methods_data": "Data",
        "instances": "Events counted",
        "reader": "Read as",
        "dq": "Data-quality findings from ingest",
        "dq_none": "No data-quality findings: no rows were dropped or repaired.",
        "definitions": "Definitions",
        "config": "Configuration used",
        "config_source": "Config file",
        "builtin": "built-in defaults",
        "pseudo": "Pseudonymisation",
        "pseudo_on": (
            "Case ids, resources and identifying attributes ({columns}) are replaced by "
            "keyed HMAC-SHA256 pseudonyms. {stable}"
        ),
        "pseudo_stable": (
            "The key is held by the company: the same key gives the same pseudonyms in every "
            "report."
        ),
        "pseudo_random": (
            "A random key was used for this report only: its pseudonyms cannot be linked to any "
            "other report."
        ),
        "pseudo_off": (
            "Not pseudonymised: the report shows case ids and names as they are in the log."
        ),
        "score_def": (
            "Friction score: the sum of weighted contributions (interactions, tasks, repeated "
            "requests, waiting and silent days, handoffs, ping-pong, external handoffs, channel "
            "switches, unresolved, disproportion to peers and value). Impact of a finding: the "
            "friction points it accounts for (its task events × task weight, silent days × "
            "silence weight, …), as a share of all friction points of the log."
        ),
        "footer": (
            "frictionminer {version} · all times UTC, calendar time (customers wait through "
            "nights and weekends)"
        ),
        "remedy_operational": "Immediate operational fix",
        "remedy_automation": "Automation or self-service",
        "remedy_redesign": "Process redesign and documentation",
        "remedy_qualification": "Qualification",
    },
    "de": {
        "title": "Bericht zur Kundenreibung",
        "generated": "Erstellt",
        "source": "Ereignisprotokoll",
        "contents": "Inhalt",
        "exec": "Zusammenfassung",
        "exec_intro": (
            "Von {cases} Fällen wurden {flagged} ({flagged_share}) wegen Kundenreibung markiert. "
            "Der mittlere Fall kostete den Kunden {effort} Minuten eigener Zeit und {wait} "
            "Warten auf das Unternehmen; jeder zehnte Fall wartete länger als {wait90}."
        ),
        "exec_top": "Die größten Reibungsquellen, nach ihrem Anteil an den Reibungspunkten:",
        "teams_involved": "Beteiligte Teams",
        "points": "{share} aller Reibungspunkte",
        "kpis": "Kennzahlen",
        "kpi_cases": "Fälle",
        "kpi_flagged": "markierte Fälle",
        "kpi_resolved": "gelöst",
        "kpi_effort": "mittlerer Kundenaufwand",
        "kpi_wait": "mittleres Warten auf das Unternehmen",
        "kpi_silence": "Fälle mit Warten ohne Nachricht",
        "flags_title": "Markierte Fälle je Regel",
        "flags_x": "Anteil der Fälle",
        "rule": "Regel",
        "name": "Name",
        "cases": "Fälle",
        "share": "Anteil",
        "remedy": "Abhilfe",
        "measures_title": "Kennzahlen je Fall",
        "measure": "Kennzahl",
        "median": "Median",
        "p90": "p90",
        "dist_title": "Verteilung der Kennzahlen je Fall",
        "n_cases": "Fälle",
        "causes": "Ursachen der Reibung",
        "by_activity": "Nach Aktivität",
        "activity_intro": (
            "Welche Schritte dem Kunden Aufgaben übertragen, erneut nachfragen oder ein Warten "
            "von {days} Tagen oder mehr ohne Nachricht auslösen."
        ),
        "act_chart": "Belastung nach Aktivität",
        "act_series_task": "Aufgaben an den Kunden",
        "act_series_repeat": "wiederholte Anfragen",
        "act_series_silent": "Warten ohne Nachricht",
        "events": "Ereignisse",
        "activity": "Aktivität",
        "tasks": "Aufgaben",
        "task_cases": "Fälle mit Aufgabe",
        "piecemeal": "Mehrfach gefragt",
        "repeats": "Wiederholungen",
        "silent": "Stilles Warten",
        "silent_median": "Median Stille",
        "teams": "Teams",
        "by_team": "Nach Team",
        "team_intro": (
            "Übergaben aus jedem Team, Rückgaben an es (Ping-Pong) und die Teampaare, die Fälle "
            "hin und her schieben."
        ),
        "team_chart": "Übergaben nach Team",
        "team_series_out": "Übergaben hinaus",
        "team_series_pp": "Ping-Pong-Rückgaben hinein",
        "heatmap": "Ping-Pong zwischen Teams (Rückgaben vom Zeilen- an das Spaltenteam)",
        "from_team": "von Team",
        "to_team": "an Team",
        "team": "Team",
        "handoffs_out": "Übergaben hinaus",
        "handed_on": "Weitergegebene Fälle",
        "pp_in": "Rückgaben hinein",
        "pair": "Teampaar",
        "returns": "Rückgaben",
        "no_teams": (
            "Das Protokoll hat keine Team-Spalte (oder keine Übergaben): keine Team-Analyse."
        ),
        "by_variant": "Nach Pfad (Variante)",
        "variant_intro": (
            "Pfade durch den Prozess, geordnet nach ihren Reibungspunkten insgesamt; mit ihrem "
            "Anteil an den Fällen und der mittleren Reibung je Fall."
        ),
        "variant_chart": "Pfade nach Reibung",
        "variant_x": "Reibungspunkte (alle Fälle des Pfads)",
        "variant_note": "{cases:,} Fälle ({share:.1%}) · ⌀ {mean:.1f}",
        "path": "Pfad",
        "mean_score": "⌀ Reibung",
        "total_score": "Σ Reibung",
        "tasks_pc": "Aufgaben / Fall",
        "handoffs_pc": "Übergaben / Fall",
        "by_category": "Nach Kategorie",
        "category_chart": "Reibung nach Kategorie",
        "category_x": "Reibungspunkte (alle Fälle der Kategorie)",
        "category_note": "{cases:,} Fälle · ⌀ {mean:.1f}",
        "category": "Kategorie",
        "top_rule": "Häufigste Markierung",
        "map": "Prozesslandkarte",
        "map_intro": (
            "Die Hauptflüsse (Direkt-Folge-Graph, die {nodes} häufigsten Schritte). "
            "Kantenbeschriftung: Übergänge · Median der Zeit bis zum nächsten Schritt; dicker = "
            "häufiger, röter = längeres Warten. Orange Schritte übertragen dem Kunden Aufgaben."
        ),
        "map_nodot": (
            "Graphviz (`dot`) ist auf dem Rechner, der diesen Bericht erstellt hat, nicht "
            "installiert; die Prozesslandkarte wird daher als Tabelle der Hauptflüsse gezeigt. "
            "Graphviz installieren (z. B. `apt-get install graphviz`) und den Bericht erneut "
            "erstellen, um die Zeichnung zu erhalten."
        ),
        "from": "Von",
        "to": "Nach",
        "transitions": "Übergänge",
        "median_wait": "Median bis zum nächsten",
        "company_share": "Warten auf Unternehmen",
        "top_cases": "Fälle mit der größten Reibung",
        "top_cases_intro": (
            "Die {n} Fälle mit dem höchsten Reibungswert, die ersten {k} so, wie der Kunde sie "
            "erlebt hat."
        ),
        "rank": "Nr.",
        "case": "Fall",
        "score": "Wert",
        "contacts": "Kontakte",
        "cust_tasks": "Aufgaben",
        "waiting": "Warten",
        "longest_silence": "Längste Stille",
        "handoffs": "Übergaben",
        "ping_pong": "Ping-Pong",
        "flags": "Markierungen",
        "timeline": "So hat der Kunde es erlebt",
        "when": "Wann ({clock})",
        "what": "Was geschah",
        "who": "Wer",
        "channel": "Kanal",
        "for_customer": "Für den Kunden",
        "more_steps": "… {n} weitere Schritte nicht gezeigt",
        "case_head": "Fall {case} — Reibungswert {score}, Rang {rank} von {cases}",
        "by_remedy": "Befunde nach Art der Abhilfe",
        "remedy_intro": "Alle Befunde, geordnet nach den Abhilfearten des Reibungsmodells.",
        "impact": "Gewicht",
        "suggestion": "Vorschlag",
        "finding": "Befund",
        "none": "keine",
        "methods": "Methodik",
        "methods_data": "Daten",
        "instances": "Gezählte Ereignisse",
        "reader": "Gelesen als",
        "dq": "Datenqualität beim Einlesen",
        "dq_none": "Keine Auffälligkeiten: keine Zeilen verworfen oder repariert.",
        "definitions": "Definitionen",
        "config": "Verwendete Konfiguration",
        "config_source": "Konfigurationsdatei",
        "builtin": "eingebaute Voreinstellungen",
        "pseudo": "Pseudonymisierung",
        "pseudo_on": (
            "Fallnummern, Bearbeiter und identifizierende Attribute ({columns}) sind durch "
            "verschlüsselte HMAC-SHA256-Pseudonyme ersetzt. {stable}"
        ),
        "pseudo_stable": (
            "Der Schlüssel liegt beim Unternehmen: derselbe Schlüssel ergibt in jedem Bericht "
            "dieselben Pseudonyme."
        ),
        "pseudo_random": (
            "Für diesen Bericht wurde ein Zufallsschlüssel verwendet: seine Pseudonyme lassen "
            "sich mit keinem anderen Bericht verknüpfen."
        ),
        "pseudo_off": (
            "Nicht pseudonymisiert: der Bericht zeigt Fallnummern und Namen wie im Protokoll."
        ),
        "score_def": (
            "Reibungswert: Summe gewichteter Beiträge (Kontakte, Aufgaben, wiederholte Anfragen, "
            "Warte- und Stilletage, Übergaben, Ping-Pong, externe Übergaben, Kanalwechsel, "
            "ungelöst, Unverhältnismäßigkeit gegenüber Vergleichsfällen und Wert). Gewicht eines "
            "Befunds: die Reibungspunkte, die er erklärt (Aufgaben × Aufgabengewicht, Stilletage "
            "× Stillegewicht, …), als Anteil aller Reibungspunkte des Protokolls."
        ),
        "footer": (
            "frictionminer {version} · alle Zeiten UTC, Kalenderzeit (Kunden warten auch nachts "
            "und am Wochenende)"
        ),
        "remedy_operational": "Sofortmaßnahme im Betrieb",
        "remedy_automation": "Automatisierung oder Self-Service",
        "remedy_redesign": "Prozessgestaltung und Dokumentation",
        "remedy_qualification": "Qualifizierung",
    },
}

MEASURE_LABELS: dict[Lang, dict[str, str]] = {
    "en": {
        "interactions": "contacts",
        "customer_tasks": "tasks pushed to the customer",
        "repeat_requests": "repeated requests",
        "customer_wait_hours": "waiting on the company (hours)",
        "silent_wait_max_hours": "longest silent wait (hours)",
        "handoffs": "handoffs between teams",
        "ping_pongs": "ping-pong returns",
        "external_handoffs": "handoffs to another organisation",
        "channel_switches": "channel switches",
        "reexplanations": "re-explanations after a handoff",
        "duration_hours": "duration (hours)",
        "effort_minutes": "customer effort (minutes)",
        "friction_score": "friction score",
        "events": "events",
    },
    "de": {
        "interactions": "Kontakte",
        "customer_tasks": "Aufgaben an den Kunden",
        "repeat_requests": "wiederholte Anfragen",
        "customer_wait_hours": "Warten auf das Unternehmen (Stunden)",
        "silent_wait_max_hours": "längstes Warten ohne Nachricht (Stunden)",
        "handoffs": "Übergaben zwischen Teams",
        "ping_pongs": "Ping-Pong-Rückgaben",
        "external_handoffs": "Übergaben an eine andere Organisation",
        "channel_switches": "Kanalwechsel",
        "reexplanations": "erneutes Erklären nach Übergabe",
        "duration_hours": "Dauer (Stunden)",
        "effort_minutes": "Kundenaufwand (Minuten)",
        "friction_score": "Reibungswert",
        "events": "Ereignisse",
    },
}

RULE_LABELS: dict[Lang, dict[str, str]] = {
    "en": {
        "FM001": "excessive interactions",
        "FM002": "tasks pushed to the customer",
        "FM003": "repeated request",
        "FM004": "silent wait",
        "FM005": "ping-pong",
        "FM006": "handoff chain",
        "FM007": "channel switch",
        "FM008": "effort out of proportion",
        "FM009": "unresolved",
    },
    "de": {
        "FM001": "zu viele Kontakte",
        "FM002": "Aufgaben an den Kunden",
        "FM003": "wiederholte Anfrage",
        "FM004": "Warten ohne Nachricht",
        "FM005": "Ping-Pong",
        "FM006": "Übergabekette",
        "FM007": "Kanalwechsel",
        "FM008": "unverhältnismäßiger Aufwand",
        "FM009": "ungelöst",
    },
}

# explain's timeline phrases (English) → German, for the timelines of the German report.
_MEANING_DE: list[tuple[str, str]] = [
    (r"^after the end of the customer's case$", "nach dem Ende des Falls für den Kunden"),
    (
        r"^back to (.*), which had the case before \(ping-pong\)$",
        r"zurück an \1, das den Fall schon hatte (Ping-Pong)",
    ),
    (r"^handed to (.*) \((\d+)\w\w team\)$", r"an \1 übergeben (\2. Team)"),
    (r"^passed to another organisation$", "an eine andere Organisation weitergegeben"),
    (
        r"^the customer is asked to act — asked before$",
        "der Kunde soll etwas tun — schon einmal gefragt",
    ),
    (r"^the customer is asked to act$", "der Kunde soll etwas tun"),
    (r"^the customer acts$", "der Kunde handelt"),
    (
        r"^interim notice: the customer hears how things stand$",
        "Zwischenbescheid: der Kunde erfährt den Stand",
    ),
    (r"^contact by (.*)$", r"Kontakt per \1"),
    (r"^contact with the customer$", "Kontakt mit dem Kunden"),
    (
        r"^the customer has to switch channel \(to (.*)\)$",
        r"der Kunde muss den Kanal wechseln (zu \1)",
    ),
    (r"^explains the case again to a new team$", "erklärt den Fall einem neuen Team erneut"),
    (r"^solved, as the customer sees it$", "gelöst, aus Sicht des Kunden"),
    (
        r"^internal step \(invisible to the customer\)$",
        "interner Schritt (für den Kunden unsichtbar)",
    ),
    (
        r"^waiting on the company — (.*), no news$",
        r"wartet auf das Unternehmen — \1, ohne Nachricht",
    ),
    (r"^waiting on the customer — (.*)$", r"wartet auf den Kunden — \1"),
]


def _translate(text: str, lang: Lang) -> str:
    if lang == "en":
        return text
    for pattern, repl in _MEANING_DE:
        new, n = re.subn(pattern, repl, text)
        if n:
            return new.replace(" d,", " T,").replace(" d ", " T ")
    return text


# ------------------------------------------------------------------------ formatting


def _clock_label(clock: str, lang: Lang) -> str:
    """explain's clock label ('UTC', a zone, 'date', 'date, Zone') in the report's language."""
    return clock.replace("date", "Datum") if lang == "de" else clock


def _num(value: float, lang: Lang, digits: int = 0) -> str:
    text = f"{value:,.{digits}f}"
    return text.replace(",", "X").replace(".", ",").replace("X", ".") if lang == "de" else text


def _pct(share: float, lang: Lang, digits: int = 1) -> str:
    text = f"{share * 100:.{digits}f}"
    return f"{text.replace('.', ',')} %" if lang == "de" else f"{text}%"


def _dur(hours: float | None, lang: Lang) -> str:
    if hours is None:
        return ""
    if hours < 1:
        return f"{_num(hours * 60, lang)} min"
    if hours < 48:
        return f"{_num(hours, lang, 1)} h"
    return f"{_num(hours / 24, lang, 1)} {'Tage' if lang == 'de' else 'days'}"


def _g(value: float, lang: Lang) -> str:
    text = f"{value:g}"
    return text.replace(".", ",") if lang == "de" else text


def _settings_toml(settings: Any) -> str:
    """The effective settings as TOML-like text for the methods appendix."""
    lines: list[str] = []
    for name, table in dataclasses.asdict(settings).items():
        if not isinstance(table, dict):
            continue
        lines.append(f"[{name}]")
        for key, value in table.items():
            if isinstance(value, dict) and value:
                for sub, v in value.items():
                    lines.append(f"{key}.{sub} = {json.dumps(v, ensure_ascii=False, default=str)}")
            else:
                lines.append(f"{key} = {json.dumps(value, ensure_ascii=False, default=str)}")
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
        resources.files("frictionminer.report")
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

    from frictionminer.engine.rules import REMEDIES, RULES
    from frictionminer.report import charts
    from frictionminer.report.explain import build_story

    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}")
    t = T[lang]
    ml = MEASURE_LABELS[lang]
    rl = RULE_LABELS[lang]
    summary = result.summary()
    record_cases = result.case_records(top)
    n = summary["cases"]
    q = summary["measures"]

    # --- executive summary --------------------------------------------------------
    wait_med = q.get("customer_wait_hours", {}).get("median", 0.0)
    wait_p90 = q.get("customer_wait_hours", {}).get("p90", 0.0)
    exec_intro = t["exec_intro"].format(
        cases=_num(n, lang),
        flagged=_num(summary["flagged_cases"], lang),
        flagged_share=_pct(summary["flagged_share"], lang),
        effort=_num(q.get("effort_minutes", {}).get("median", 0.0), lang),
        wait=_dur(wait_med, lang),
        wait90=_dur(wait_p90, lang),
    )

    def finding_view(f: Any) -> dict[str, Any]:
        title_, suggestion = f.text(lang)
        return {
            "id": f.id,
            "title": title_,
            "suggestion": suggestion,
            "remedy": f.remedy,
            "remedy_label": t[f"remedy_{f.remedy}"],
            "impact": _pct(f.impact_share, lang),
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
            "cases": _num(s["cases"], lang),
            "share": _pct(s["share"], lang),
            "share_raw": s["share"],
            "remedy": t[f"remedy_{RULES[rid].remedy}"] if rid in RULES else "",
        }
        for rid, s in summary["flags"].items()
    ]
    measure_rows = [
        {"name": ml.get(m, m), "key": m, "median": _g(v["median"], lang), "p90": _g(v["p90"], lang)}
        for m, v in q.items()
    ]
    silent_share = summary["flags"].get("FM004", {}).get("share", 0.0)
    kpis = [
        (_num(n, lang), t["kpi_cases"]),
        (_pct(summary["flagged_share"], lang), t["kpi_flagged"]),
        (_pct(summary["resolved_share"], lang), t["kpi_resolved"]),
        (f"{_num(q.get('effort_minutes', {}).get('median', 0.0), lang)} min", t["kpi_effort"]),
        (_dur(wait_med, lang), t["kpi_wait"]),
        (_pct(silent_share, lang), t["kpi_silence"]),
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
        if c in result.cases.columns
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
            "tasks": _num(r["task_events"], lang),
            "task_cases": _num(r["task_cases"], lang),
            "piecemeal": _pct(r["piecemeal_share"], lang, 0) if r["task_cases"] else "",
            "repeats": _num(r["repeat_events"], lang),
            "silent": _num(r["silent_starts"], lang),
            "silent_median": _dur(r["silent_median_hours"], lang),
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
            "cases": _num(r["cases"], lang),
            "handoffs_out": _num(r["handoffs_out"], lang),
            "handed_on": _pct(r["handed_on_share"], lang, 0),
            "pp_in": _num(r["ping_pong_in"], lang),
            "tasks": _num(r["task_events"], lang),
        }
        for r in causes.by_team.filter(pl.col("handoffs_out") > 0).head(15).iter_rows(named=True)
    ]
    pair_rows = [
        {
            "pair": f"{r['team_a']} ⇄ {r['team_b']}",
            "returns": _num(r["returns"], lang),
            "cases": _num(r["cases"], lang),
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
    from frictionminer.engine.causes import shorten_path

    variant_rows = [
        {
            "rank": r["rank"],
            "path": shorten_path(r["variant"], 8),
            "path_full": r["variant"],
            "cases": _num(r["cases"], lang),
            "share": _pct(r["case_share"], lang),
            "mean": _num(r["mean_score"], lang, 1),
            "total": _num(r["total_score"], lang, 0),
            "tasks": _num(r["tasks_per_case"], lang, 1),
            "handoffs": _num(r["handoffs_per_case"], lang, 1),
        }
        for r in causes.by_variant.head(10).iter_rows(named=True)
    ]
    chart_var = opt(
        charts.variant_bars(
            causes.by_variant, 10, t["variant_chart"], t["variant_x"], t["variant_note"]
        )
    )
    cat_rows = []
    chart_cat = None
    if causes.by_category is not None:
        cat_rows = [
            {
                "category": r["category"],
                "cases": _num(r["cases"], lang),
                "mean": _num(r["mean_score"], lang, 1),
                "total": _num(r["total_score"], lang, 0),
                "flagged": _pct(r["flagged_share"], lang, 0),
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
        tasks_word = "Aufgaben" if lang == "de" else "tasks"
        pmap = opt(
            charts.render_dot(
                charts.process_map_dot(
                    causes.flows, causes.by_activity, max_nodes, 20, tasks_word=tasks_word
                ),
                t["map"],
            )
        )
    flow_rows = [
        {
            "from": r["source"],
            "to": r["target"],
            "transitions": _num(r["transitions"], lang),
            "wait": _dur(r["median_wait_hours"], lang),
            "company": _pct(r["company_wait_share"] or 0.0, lang, 0),
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
            "score": _num(c["friction_score"], lang, 1),
            "contacts": c["measures"].get("interactions", ""),
            "tasks": c["measures"].get("customer_tasks", ""),
            "waiting": _dur(c["measures"].get("customer_wait_hours"), lang),
            "silence": _dur(c["measures"].get("silent_wait_max_hours"), lang),
            "handoffs": c["measures"].get("handoffs", ""),
            "ping_pong": c["measures"].get("ping_pongs", ""),
            "flags": " ".join(flag_ids.get(c["case_id"], [])),
        }
        for i, c in enumerate(record_cases, start=1)
    ]
    has_category = any(r["category"] for r in top_rows)
    stories = []
    for c in record_cases[:timelines]:
        story = build_story(result, c["case_id"])
        steps = [
            {
                "time": s.time,
                "activity": s.activity,
                "who": s.who or "",
                "team": s.team or "",
                "channel": s.channel or "",
                "meaning": "; ".join(_translate(m, lang) for m in s.meaning),
                "wait": _translate(s.wait_after, lang) if s.wait_after else "",
                "company_wait": bool(s.wait_after and "company" in s.wait_after),
                "task": any("asked to act" in m for m in s.meaning),
            }
            for s in story.steps[:MAX_STEPS]
        ]
        stories.append(
            {
                "case": story.case_id,
                "head": t["case_head"].format(
                    case=story.case_id,
                    score=_num(story.score, lang, 1),
                    rank=_num(story.rank, lang),
                    cases=_num(story.cases, lang),
                ),
                "steps": steps,
                "when": t["when"].format(clock=_clock_label(story.clock, lang)),
                "more": t["more_steps"].format(n=len(story.steps) - MAX_STEPS)
                if len(story.steps) > MAX_STEPS
                else "",
                "flags": [
                    {"rule": f["rule"], "message": f["message"], "severity": f["severity"]}
                    for f in story.flags
                ],
            }
        )

    # --- methods ------------------------------------------------------------------------
    if pseudonymized is None:
        pseudo_text = t["pseudo_off"]
    else:
        columns, stable = pseudonymized
        pseudo_text = t["pseudo_on"].format(
            columns=", ".join(columns),
            stable=t["pseudo_stable"] if stable else t["pseudo_random"],
        )
    definitions = [(ml.get(m, m), m) for m in result.measure_names if m in ml]
    findings_dq = [f.as_record() for f in result.log.findings]
    try:
        from importlib.metadata import version

        fm_version = version("frictionminer")
    except Exception:  # pragma: no cover - only when not installed
        fm_version = "dev"

    data = {
        "summary": summary,
        "top_cases": [c["case_id"] for c in record_cases],
        "findings": [f.as_record() for f in causes.findings],
    }
    generated = generated or datetime.now(UTC)
    context = {
        "lang": lang,
        "t": t,
        "csp": Markup(CSP),  # a constant of ours, quotes kept readable
        "title": title or t["title"],
        "source": summary["source"],
        "generated": generated.strftime("%Y-%m-%d %H:%M UTC"),
        "summary": summary,
        "exec_intro": exec_intro,
        "headline": headline,
        "kpis": kpis,
        "rules": rules_rows,
        "measures": measure_rows,
        "chart_flags": chart_flags,
        "chart_dist": chart_dist,
        "activity_intro": t["activity_intro"].format(days=_g(causes.silent_hours / 24, lang)),
        "act_rows": act_rows,
        "chart_act": chart_act,
        "team_rows": team_rows,
        "pair_rows": pair_rows,
        "chart_team": chart_team,
        "chart_heat": chart_heat,
        "variant_rows": variant_rows,
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
        "remedies": remedies,
        "remedy_names": REMEDIES,
        "instances": summary["instances"],
        "log_format": result.log.format,
        "reader": str(result.log.details.get("reader", "")),
        "dq": findings_dq,
        "config_source": summary["config"] or t["builtin"],
        "config_text": _settings_toml(result.settings),
        "pseudo_text": pseudo_text,
        "definitions": definitions,
        "footer": t["footer"].format(version=fm_version),
        "data": data,
    }
    return str(_template().render(**context))
