"""Every word frictionminer shows people, in English and German: the one text catalogue.

The engine returns numbers and structured findings; the explain story is structured data
(step kinds, who waits, durations in hours).  Words are put to them here and only here:
the HTML report, ``score --format markdown``, ``explain`` and the timelines of the report
all render through this module, so rewording a phrase is one edit and a German reader
gets the same sentence wherever it appears.

Every entry is :class:`Words` — the English and the German text side by side, so neither
can be forgotten — and the tables are keyed by what the code already names — a measure by its column
(:data:`~frictionminer.engine.measures.MEASURES`), a rule by its id
(:data:`~frictionminer.engine.rules.RULES`), a finding by its
:class:`~frictionminer.engine.causes.FindingKind` and
:class:`~frictionminer.engine.causes.Advice`, a timeline step by its kind — and a test
checks that everything the code can produce has words in both languages, so a new
measure, rule or finding kind without them fails the suite instead of showing a key.

Templates are :meth:`str.format` strings filled from a finding's ``numbers`` and ``ids``;
numbers are formatted with the same specifiers in both languages (as the reports always
did), the page's own numbers by :func:`number`, :func:`percent` and :func:`duration`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from frictionminer.engine.causes import Advice, FindingKind
from frictionminer.engine.facts import ARROW
from frictionminer.reporting import units

if TYPE_CHECKING:
    from frictionminer.engine.causes import Finding

Lang = Literal["en", "de"]
LANGS: tuple[Lang, ...] = ("en", "de")


@dataclass(frozen=True)
class Words:
    """One text in every language of the catalogue."""

    en: str
    de: str

    def __getitem__(self, lang: Lang) -> str:
        return self.de if lang == "de" else self.en


PAGE: dict[str, Words] = {
    "title": Words("Customer friction report", "Bericht zur Kundenreibung"),
    "generated": Words("Generated", "Erstellt"),
    "source": Words("Event log", "Ereignisprotokoll"),
    "contents": Words("Contents", "Inhalt"),
    "exec": Words("Executive summary", "Zusammenfassung"),
    "exec_intro": Words(
        (
            "Of {cases} cases, {flagged} ({flagged_share}) were flagged for customer friction. "
            "{effort_sentence}The median case waited {wait} on the company; one case in ten "
            "waited more than {wait90}."
        ),
        (
            "Von {cases} Fällen wurden {flagged} ({flagged_share}) wegen Kundenreibung markiert. "
            "{effort_sentence}Der mittlere Fall wartete {wait} auf das Unternehmen; jeder zehnte "
            "Fall wartete länger als {wait90}."
        ),
    ),
    "exec_effort": Words(
        "The median case cost the customer {effort} minutes of their own time. ",
        "Der mittlere Fall kostete den Kunden {effort} Minuten eigener Zeit. ",
    ),
    "exec_top": Words(
        "The largest sources of friction, by the friction points they account for:",
        "Die größten Reibungsquellen, nach ihrem Anteil an den Reibungspunkten:",
    ),
    "teams_involved": Words("Teams involved", "Beteiligte Teams"),
    "points": Words("{share} of all friction points", "{share} aller Reibungspunkte"),
    "kpis": Words("Key figures", "Kennzahlen"),
    "kpi_cases": Words("cases", "Fälle"),
    "kpi_flagged": Words("cases flagged", "markierte Fälle"),
    "kpi_resolved": Words("resolved", "gelöst"),
    "kpi_effort": Words("median customer effort", "mittlerer Kundenaufwand"),
    "kpi_wait": Words("median wait on the company", "mittleres Warten auf das Unternehmen"),
    "kpi_silence": Words("cases with a silent wait", "Fälle mit Warten ohne Nachricht"),
    "flags_title": Words("Cases flagged per rule", "Markierte Fälle je Regel"),
    "flags_x": Words("share of cases", "Anteil der Fälle"),
    "rule": Words("Rule", "Regel"),
    "name": Words("Name", "Name"),
    "cases": Words("Cases", "Fälle"),
    "share": Words("Share", "Anteil"),
    "remedy": Words("Remedy type", "Abhilfe"),
    "measures_title": Words("Measures per case", "Kennzahlen je Fall"),
    "measure": Words("Measure", "Kennzahl"),
    "median": Words("median", "Median"),
    "p90": Words("p90", "p90"),
    "dist_title": Words("Distribution of measures per case", "Verteilung der Kennzahlen je Fall"),
    "n_cases": Words("cases", "Fälle"),
    "causes": Words("Causes of friction", "Ursachen der Reibung"),
    "by_activity": Words("By activity", "Nach Aktivität"),
    "activity_intro": Words(
        (
            "Which steps push tasks onto customers, ask again, or start a wait of {days} days or "
            "more without news."
        ),
        (
            "Welche Schritte dem Kunden Aufgaben übertragen, erneut nachfragen oder ein Warten "
            "von {days} Tagen oder mehr ohne Nachricht auslösen."
        ),
    ),
    "act_chart": Words("Burden by activity", "Belastung nach Aktivität"),
    "act_series_task": Words("tasks pushed to the customer", "Aufgaben an den Kunden"),
    "act_series_repeat": Words("repeated requests", "wiederholte Anfragen"),
    "act_series_silent": Words("silent waits started", "Warten ohne Nachricht"),
    "events": Words("events", "Ereignisse"),
    "activity": Words("Activity", "Aktivität"),
    "tasks": Words("Tasks", "Aufgaben"),
    "task_cases": Words("Cases with task", "Fälle mit Aufgabe"),
    "piecemeal": Words("Asked more than once", "Mehrfach gefragt"),
    "repeats": Words("Repeats", "Wiederholungen"),
    "silent": Words("Silent waits", "Stilles Warten"),
    "silent_median": Words("Median silence", "Median Stille"),
    "teams": Words("Teams", "Teams"),
    "by_team": Words("By team", "Nach Team"),
    "waits": Words("Waiting by cause", "Warten nach Ursache"),
    "waits_intro": Words(
        (
            "Customers waited {total} days on the company in all: {parts}. On top of that, "
            "{customer} days were the customer's own turn (not counted as waiting). The "
            "parts add up to the whole; definitions in docs/friction-model.md."
        ),
        (
            "Kunden warteten insgesamt {total} Tage auf das Unternehmen: {parts}. Dazu kamen "
            "{customer} Tage, in denen der Kunde am Zug war (nicht als Warten gezählt). Die "
            "Teile ergeben das Ganze; Definitionen in docs/friction-model.md."
        ),
    ),
    "wait_part": Words("{share} {cause} ({days} days)", "{share} {cause} ({days} Tage)"),
    "wait_days": Words("Waiting (days)", "Warten (Tage)"),
    "wait_queue": Words("Queue", "Warteschlange"),
    "wait_handoff": Words("After handoff", "Nach Übergabe"),
    "wait_external": Words("Outside party", "Dritte"),
    "wait_in_work": Words("In work", "In Bearbeitung"),
    "wait_customer": Words("Customer's turn", "Kunde am Zug"),
    "wait_pair_intro": Words(
        "Handoff pairs: the waits while the receiving team held the case after the handoff.",
        (
            "Übergabepaare: das Warten, während das übernehmende Team den Fall nach der "
            "Übergabe hatte."
        ),
    ),
    "team_intro": Words(
        (
            "Handoffs out of each team, returns into it (ping-pong), and the pairs of teams that "
            "pass cases back and forth."
        ),
        (
            "Übergaben aus jedem Team, Rückgaben an es (Ping-Pong) und die Teampaare, die Fälle "
            "hin und her schieben."
        ),
    ),
    "team_chart": Words("Handoffs by team", "Übergaben nach Team"),
    "team_series_out": Words("handoffs out", "Übergaben hinaus"),
    "team_series_pp": Words("ping-pong returns in", "Ping-Pong-Rückgaben hinein"),
    "heatmap": Words(
        "Ping-pong between teams (returns from row team to column team)",
        "Ping-Pong zwischen Teams (Rückgaben vom Zeilen- an das Spaltenteam)",
    ),
    "from_team": Words("from team", "von Team"),
    "to_team": Words("to team", "an Team"),
    "team": Words("Team", "Team"),
    "handoffs_out": Words("Handoffs out", "Übergaben hinaus"),
    "handed_on": Words("Cases handed on", "Weitergegebene Fälle"),
    "pp_in": Words("Returns in", "Rückgaben hinein"),
    "pair": Words("Team pair", "Teampaar"),
    "returns": Words("Returns", "Rückgaben"),
    "no_teams": Words(
        "The log has no team column (or no handoffs): no team analysis.",
        "Das Protokoll hat keine Team-Spalte (oder keine Übergaben): keine Team-Analyse.",
    ),
    "by_variant": Words("By path (variant)", "Nach Pfad (Variante)"),
    "variant_intro": Words(
        (
            "Paths through the process ranked by the friction points they carry in total; their "
            "share of cases and average friction per case."
        ),
        (
            "Pfade durch den Prozess, geordnet nach ihren Reibungspunkten insgesamt; mit ihrem "
            "Anteil an den Fällen und der mittleren Reibung je Fall."
        ),
    ),
    "variant_chart": Words("Paths ranked by friction", "Pfade nach Reibung"),
    "variant_x": Words(
        "friction points (all cases on the path)",
        "Reibungspunkte (alle Fälle des Pfads)",
    ),
    "variant_note": Words(
        "{cases:,} cases ({share:.1%}) · ⌀ {mean:.1f}",
        "{cases:,} Fälle ({share:.1%}) · ⌀ {mean:.1f}",
    ),
    "path": Words("Path", "Pfad"),
    "mean_score": Words("⌀ friction", "⌀ Reibung"),
    "total_score": Words("Σ friction", "Σ Reibung"),
    "tasks_pc": Words("Tasks / case", "Aufgaben / Fall"),
    "handoffs_pc": Words("Handoffs / case", "Übergaben / Fall"),
    "by_category": Words("By category", "Nach Kategorie"),
    "category_chart": Words("Friction by category", "Reibung nach Kategorie"),
    "category_x": Words(
        "friction points (all cases in the category)",
        "Reibungspunkte (alle Fälle der Kategorie)",
    ),
    "category_note": Words("{cases:,} cases · ⌀ {mean:.1f}", "{cases:,} Fälle · ⌀ {mean:.1f}"),
    "category": Words("Category", "Kategorie"),
    "top_rule": Words("Most frequent flag", "Häufigste Markierung"),
    "map": Words("Process map", "Prozesslandkarte"),
    "map_intro": Words(
        (
            "The main flows (directly-follows graph, the {nodes} busiest steps). Edge labels: "
            "transitions · median time to the next step; thicker = more frequent, redder = longer "
            "wait. Orange steps push tasks onto the customer."
        ),
        (
            "Die Hauptflüsse (Direkt-Folge-Graph, die {nodes} häufigsten Schritte). "
            "Kantenbeschriftung: Übergänge · Median der Zeit bis zum nächsten Schritt; dicker = "
            "häufiger, röter = längeres Warten. Orange Schritte übertragen dem Kunden Aufgaben."
        ),
    ),
    "map_nodot": Words(
        (
            "Graphviz (`dot`) is not installed on the machine that produced this report, so the "
            "process map is shown as a table of the main flows. Install Graphviz (e.g. `apt-get "
            "install graphviz`) and run the report again for the drawing."
        ),
        (
            "Graphviz (`dot`) ist auf dem Rechner, der diesen Bericht erstellt hat, nicht "
            "installiert; die Prozesslandkarte wird daher als Tabelle der Hauptflüsse gezeigt. "
            "Graphviz installieren (z. B. `apt-get install graphviz`) und den Bericht erneut "
            "erstellen, um die Zeichnung zu erhalten."
        ),
    ),
    "from": Words("From", "Von"),
    "to": Words("To", "Nach"),
    "transitions": Words("Transitions", "Übergänge"),
    "median_wait": Words("Median time to next", "Median bis zum nächsten"),
    "company_share": Words("Waiting on company", "Warten auf Unternehmen"),
    "top_cases": Words("Top friction cases", "Fälle mit der größten Reibung"),
    "top_cases_intro": Words(
        (
            "The {n} cases with the highest friction score, and the first {k} as the customer "
            "lived them."
        ),
        (
            "Die {n} Fälle mit dem höchsten Reibungswert, die ersten {k} so, wie der Kunde sie "
            "erlebt hat."
        ),
    ),
    "rank": Words("#", "Nr."),
    "case": Words("Case", "Fall"),
    "score": Words("Score", "Wert"),
    "contacts": Words("Contacts", "Kontakte"),
    "cust_tasks": Words("Tasks", "Aufgaben"),
    "waiting": Words("Waiting", "Warten"),
    "longest_silence": Words("Longest silence", "Längste Stille"),
    "handoffs": Words("Handoffs", "Übergaben"),
    "ping_pong": Words("Ping-pong", "Ping-Pong"),
    "flags": Words("Flags", "Markierungen"),
    "timeline": Words("As the customer lived it", "So hat der Kunde es erlebt"),
    "when": Words("When ({clock})", "Wann ({clock})"),
    "what": Words("What happened", "Was geschah"),
    "who": Words("Who", "Wer"),
    "channel": Words("Channel", "Kanal"),
    "for_customer": Words("For the customer", "Für den Kunden"),
    "more_steps": Words("… {n} more steps not shown", "… {n} weitere Schritte nicht gezeigt"),
    "case_head": Words(
        "Case {case} — friction score {score}, rank {rank} of {cases}",
        "Fall {case} — Reibungswert {score}, Rang {rank} von {cases}",
    ),
    "by_remedy": Words("Findings by remedy type", "Befunde nach Art der Abhilfe"),
    "remedy_intro": Words(
        "Every finding, sorted into the remedy types of the friction model.",
        "Alle Befunde, geordnet nach den Abhilfearten des Reibungsmodells.",
    ),
    "impact": Words("Impact", "Gewicht"),
    "suggestion": Words("Suggestion", "Vorschlag"),
    "finding": Words("Finding", "Befund"),
    "none": Words("none", "keine"),
    "methods": Words("Methods", "Methodik"),
    "methods_data": Words("Data", "Daten"),
    "instances": Words("Events counted", "Gezählte Ereignisse"),
    "reader": Words("Read as", "Gelesen als"),
    "dq": Words("Data-quality findings from ingest", "Datenqualität beim Einlesen"),
    "dq_none": Words(
        "No data-quality findings: no rows were dropped or repaired.",
        "Keine Auffälligkeiten: keine Zeilen verworfen oder repariert.",
    ),
    "definitions": Words("Definitions", "Definitionen"),
    "config": Words("Configuration used", "Verwendete Konfiguration"),
    "config_source": Words("Config file", "Konfigurationsdatei"),
    "builtin": Words("built-in defaults", "eingebaute Voreinstellungen"),
    "pseudo": Words("Pseudonymisation", "Pseudonymisierung"),
    "pseudo_on": Words(
        (
            "Case ids, resources and identifying attributes ({columns}) are replaced by keyed "
            "HMAC-SHA256 pseudonyms. {stable}"
        ),
        (
            "Fallnummern, Bearbeiter und identifizierende Attribute ({columns}) sind durch "
            "verschlüsselte HMAC-SHA256-Pseudonyme ersetzt. {stable}"
        ),
    ),
    "pseudo_stable": Words(
        ("The key is held by the company: the same key gives the same pseudonyms in every report."),
        (
            "Der Schlüssel liegt beim Unternehmen: derselbe Schlüssel ergibt in jedem Bericht "
            "dieselben Pseudonyme."
        ),
    ),
    "pseudo_random": Words(
        (
            "A random key was used for this report only: its pseudonyms cannot be linked to any "
            "other report."
        ),
        (
            "Für diesen Bericht wurde ein Zufallsschlüssel verwendet: seine Pseudonyme lassen "
            "sich mit keinem anderen Bericht verknüpfen."
        ),
    ),
    "pseudo_off": Words(
        "Not pseudonymised: the report shows case ids and names as they are in the log.",
        "Nicht pseudonymisiert: der Bericht zeigt Fallnummern und Namen wie im Protokoll.",
    ),
    "score_def": Words(
        (
            "Friction score: the sum of weighted contributions (interactions, tasks, repeated "
            "requests, waiting and silent days, handoffs, ping-pong, external handoffs, channel "
            "switches, unresolved, disproportion to peers and value). Impact of a finding: the "
            "friction points it accounts for (its task events × task weight, silent days × "
            "silence weight, …), as a share of all friction points of the log."
        ),
        (
            "Reibungswert: Summe gewichteter Beiträge (Kontakte, Aufgaben, wiederholte Anfragen, "
            "Warte- und Stilletage, Übergaben, Ping-Pong, externe Übergaben, Kanalwechsel, "
            "ungelöst, Unverhältnismäßigkeit gegenüber Vergleichsfällen und Wert). Gewicht eines "
            "Befunds: die Reibungspunkte, die er erklärt (Aufgaben × Aufgabengewicht, Stilletage "
            "× Stillegewicht, …), als Anteil aller Reibungspunkte des Protokolls."
        ),
    ),
    "footer": Words(
        (
            "frictionminer {version} · all times UTC, calendar time (customers wait through "
            "nights and weekends)"
        ),
        (
            "frictionminer {version} · alle Zeiten UTC, Kalenderzeit (Kunden warten auch nachts "
            "und am Wochenende)"
        ),
    ),
    "remedy_operational": Words("Immediate operational fix", "Sofortmaßnahme im Betrieb"),
    "remedy_automation": Words("Automation or self-service", "Automatisierung oder Self-Service"),
    "remedy_redesign": Words(
        "Process redesign and documentation",
        "Prozessgestaltung und Dokumentation",
    ),
    "remedy_qualification": Words("Qualification", "Qualifizierung"),
    "map_tasks": Words("tasks", "Aufgaben"),
}
"""The report page's own words (headings, column names, notes), by key."""


# --------------------------------------------------------------------------- measures, rules

MEASURE_LABELS: dict[str, Words] = {
    "events": Words("events", "Ereignisse"),
    "start": Words("first event", "erstes Ereignis"),
    "end": Words("last event", "letztes Ereignis"),
    "interactions": Words("contacts", "Kontakte"),
    "customer_tasks": Words("tasks pushed to the customer", "Aufgaben an den Kunden"),
    "repeat_requests": Words("repeated requests", "wiederholte Anfragen"),
    "customer_wait_hours": Words(
        "waiting on the company (hours)", "Warten auf das Unternehmen (Stunden)"
    ),
    "wait_queue_hours": Words(
        "of which in a queue, unassigned (hours)", "davon in einer Warteschlange (Stunden)"
    ),
    "wait_handoff_hours": Words(
        "of which after a handoff, before the new team acted (hours)",
        "davon nach einer Übergabe, bevor das neue Team handelte (Stunden)",
    ),
    "wait_external_hours": Words(
        "of which at an outside party (hours)", "davon bei einem Dritten (Stunden)"
    ),
    "wait_in_work_hours": Words(
        "of which in work at the company (hours)", "davon in Bearbeitung (Stunden)"
    ),
    "on_customer_hours": Words("the customer's own turn (hours)", "der Kunde war am Zug (Stunden)"),
    "silent_wait_max_hours": Words(
        "longest silent wait (hours)", "längstes Warten ohne Nachricht (Stunden)"
    ),
    "handoffs": Words("handoffs between teams", "Übergaben zwischen Teams"),
    "ping_pongs": Words("ping-pong returns", "Ping-Pong-Rückgaben"),
    "external_handoffs": Words(
        "handoffs to another organisation", "Übergaben an eine andere Organisation"
    ),
    "channel_switches": Words("channel switches", "Kanalwechsel"),
    "reexplanations": Words("re-explanations after a handoff", "erneutes Erklären nach Übergabe"),
    "duration_hours": Words("duration (hours)", "Dauer (Stunden)"),
    "effort_minutes": Words("customer effort (minutes)", "Kundenaufwand (Minuten)"),
    "resolved": Words("resolved for the customer", "für den Kunden gelöst"),
    "reopened": Words("reopened after a resolution", "nach der Lösung wiedereröffnet"),
    "friction_score": Words("friction score", "Reibungswert"),
}
"""Every measure of :data:`~frictionminer.engine.measures.MEASURES`, and the score."""

RULE_LABELS: dict[str, Words] = {
    "FM001": Words("excessive interactions", "zu viele Kontakte"),
    "FM002": Words("tasks pushed to the customer", "Aufgaben an den Kunden"),
    "FM003": Words("repeated request", "wiederholte Anfrage"),
    "FM004": Words("silent wait", "Warten ohne Nachricht"),
    "FM005": Words("ping-pong", "Ping-Pong"),
    "FM006": Words("handoff chain", "Übergabekette"),
    "FM007": Words("channel switch", "Kanalwechsel"),
    "FM008": Words("effort out of proportion", "unverhältnismäßiger Aufwand"),
    "FM009": Words("unresolved", "ungelöst"),
    "FM010": Words("came back after resolution", "nach der Lösung wiedergekommen"),
    "FM011": Words("stranded between parties", "zwischen Parteien gestrandet"),
    "FM012": Words("broken promise", "gebrochenes Versprechen"),
    "FM013": Words("survey after friction", "Umfrage nach Reibung"),
}
"""Every rule of :data:`~frictionminer.engine.rules.RULES` and
:data:`~frictionminer.engine.rules.JOURNEY_RULES`, by id."""

RULE_ADVICE: dict[str, Words] = {
    "FM007": Words(
        "Let customers finish in the channel they started in: one case history visible in "
        "every channel, and callbacks instead of 'please write to us'.",
        "Kunden im Kanal bleiben lassen, in dem sie begonnen haben: eine Fallhistorie in "
        "jedem Kanal und Rückrufe statt „bitte schreiben Sie uns“.",
    ),
    "FM012": Words(
        "Make the promise where it is kept: give the team that must keep a promise its "
        "deadline at the handoff, and tell the customer before a deadline is missed.",
        "Das Versprechen dort geben, wo es gehalten wird: dem Team, das es halten muss, die "
        "Frist bei der Übergabe mitgeben und den Kunden informieren, bevor sie verstreicht.",
    ),
    "FM009": Words(
        "Close the loop: review open and reopened cases weekly and tell each customer where "
        "the case stands.",
        "Den Kreis schließen: offene und wiedereröffnete Fälle wöchentlich prüfen und jedem "
        "Kunden sagen, wo sein Fall steht.",
    ),
}
"""The suggestion of each rule reported once for the log
(:func:`~frictionminer.engine.causes.log_level_rules`)."""

PATH_WORDS: dict[str, Words] = {
    "page": Words("page", "Seite"),
    "filtered": Words(
        "Filters kept {kept} of {of} cases ({filters}); peers and scores are among them.",
        "Die Filter behielten {kept} von {of} Fällen ({filters}); Vergleichsgruppen und "
        "Werte beziehen sich auf sie.",
    ),
    "heading": Words("Paths by friction", "Pfade nach Reibung"),
    "title": Words(
        "{shown} of {paths} paths (variants) of {cases} cases, by the friction they carry",
        "{shown} von {paths} Pfaden (Varianten) aus {cases} Fällen, nach ihrer Reibung",
    ),
    "cases": Words("cases", "Fälle"),
    "share": Words("share", "Anteil"),
    "mean": Words("mean\nscore", "mittl.\nWert"),
    "median": Words("median\nscore", "Median-\nwert"),
    "flagged": Words("flagged", "markiert"),
    "contacts": Words("con-\ntacts", "Kon-\ntakte"),
    "wait": Words("wait\n(h)", "Warten\n(h)"),
    "steps": Words("steps", "Schritte"),
    "flags": Words("flags (cases)", "Markierungen (Fälle)"),
    "path": Words("path", "Pfad"),
    "note": Words(
        "Per path: mean over its cases; flags as RULE:cases. --format json|csv|markdown "
        "for every column.",
        "Je Pfad: Mittel über seine Fälle; Markierungen als REGEL:Fälle. --format "
        "json|csv|markdown für alle Spalten.",
    ),
}
"""``frictionminer paths``: the variants ranked by friction."""

PROGRESS: dict[str, Words] = {
    "read": Words("reading the log", "Log lesen"),
    "split": Words("splitting into shards", "in Shards aufteilen"),
    "cases": Words("measuring the cases", "Fälle messen"),
    "score": Words("scoring and flagging", "bewerten und markieren"),
    "report": Words("writing the report", "Bericht schreiben"),
}
"""The stages of long work (:data:`frictionminer.progress.STAGES`), as the progress
display on stderr names them."""

PROMISE_WORDS: dict[str, Words] = {
    "heading": Words("Promises", "Versprechen"),
    "intro": Words(
        "{made} promises made: {kept} kept, {broken} broken, {open} still open at the log's "
        "end ({until}); kept {share} of those decided",
        "{made} Versprechen gegeben: {kept} gehalten, {broken} gebrochen, {open} am Ende des "
        "Logs noch offen ({until}); gehalten: {share} der entschiedenen",
    ),
    "not_computed": Words(
        "{name}: not computed (the log shows no {roles} in enough cases; see "
        "[builtin_promises] in docs/configuration.md)",
        "{name}: nicht berechnet (das Log zeigt zu selten {roles}; siehe "
        "[builtin_promises] in docs/configuration.md)",
    ),
    "none": Words("no promise made in this log", "in diesem Log wurde kein Versprechen gegeben"),
    "promise": Words("promise", "Versprechen"),
    "made": Words("made", "gegeben"),
    "kept": Words("kept", "gehalten"),
    "broken": Words("broken", "gebrochen"),
    "open": Words("open", "offen"),
    "kept_share": Words("kept share", "Anteil gehalten"),
    "team": Words("team that made it", "Team, das es gab"),
    "pair": Words("made by → due at", "gegeben von → fällig bei"),
    "by_promise": Words("Promises kept", "Gehaltene Versprechen"),
    "by_team": Words("Lowest keeping rates by team", "Niedrigste Einhaltungsquoten nach Team"),
    "by_pair": Words(
        "Lowest keeping rates across a handoff (the case changed hands before the deadline)",
        "Niedrigste Einhaltungsquoten über eine Übergabe (der Fall wechselte vor der Frist "
        "das Team)",
    ),
    "explain_made": Words("{name}, due {due}", "{name}, fällig {due}"),
    "explain_kept": Words("kept {at}", "gehalten {at}"),
    "explain_broken": Words("broken: nothing by the deadline", "gebrochen: nichts bis zur Frist"),
    "explain_late": Words("broken: kept late, {at}", "gebrochen: verspätet gehalten, {at}"),
    "explain_open": Words("still open at the log's end", "am Ende des Logs noch offen"),
}
"""Promises kept and broken (``score``'s summary, the report, ``explain``)."""

SURVEY_WORDS: dict[str, Words] = {
    "heading": Words("Surveys and ratings", "Umfragen und Bewertungen"),
    "intro": Words(
        "{surveyed} cases surveyed ({events} survey events); {after} surveyed after high "
        "friction (FM013)",
        "{surveyed} Fälle befragt ({events} Umfrage-Ereignisse); {after} nach hoher "
        "Reibung befragt (FM013)",
    ),
    "ratings": Words(
        "{rated} cases rated ({column}, scale {scale}; {unhappy} unhappy). Spearman's rank "
        "correlation of the friction score with the rating: {rho} (95% interval {low} to "
        "{high}, Fisher z)",
        "{rated} Fälle bewertet ({column}, Skala {scale}; {unhappy} unzufrieden). "
        "Spearman-Rangkorrelation des Reibungswerts mit der Bewertung: {rho} "
        "(95%-Intervall {low} bis {high}, Fisher-z)",
    ),
    "deciles": Words("Rating by friction decile", "Bewertung nach Reibungsdezil"),
    "decile": Words("decile", "Dezil"),
    "cases": Words("cases", "Fälle"),
    "score": Words("score", "Wert"),
    "mean_rating": Words("mean rating", "mittlere Bewertung"),
    "unhappy": Words("unhappy", "unzufrieden"),
    "separation": Words(
        "Measures that best separate unhappy customers",
        "Maße, die unzufriedene Kunden am besten trennen",
    ),
    "measure": Words("measure", "Maß"),
    "rho": Words("Spearman ρ", "Spearman ρ"),
    "auc": Words("AUC", "AUC"),
    "rank_biserial": Words("rank-biserial", "Rang-biserial"),
    "none": Words("—", "—"),
    "list_chosen": Words(
        "{high} high-friction cases not yet surveyed and {control} control cases written to {path}",
        "{high} Fälle mit hoher Reibung ohne Umfrage und {control} Kontrollfälle nach "
        "{path} geschrieben",
    ),
    "random_key": Words(
        "note: no --pseudonym-key (or FRICTIONMINER_PSEUDONYM_KEY): the case pseudonyms "
        "use a random key and cannot be mapped back to the cases",
        "Hinweis: kein --pseudonym-key (oder FRICTIONMINER_PSEUDONYM_KEY): die Pseudonyme "
        "nutzen einen Zufallsschlüssel und lassen sich nicht auf die Fälle zurückführen",
    ),
    "reason_high": Words(
        "friction score higher than {share} of the log's cases; not surveyed",
        "Reibungswert höher als {share} der Fälle des Logs; nicht befragt",
    ),
    "reason_control": Words(
        "random control sample (seed {seed})", "zufällige Kontrollstichprobe (Seed {seed})"
    ),
}
"""``score``'s surveys block (terminal and report) and ``survey-list``'s reasons."""

JOURNEY_WORDS: dict[str, Words] = {
    "heading": Words("Journeys", "Kundenreisen"),
    "intro": Words(
        "{journeys} journeys of {customers} customers ({cases} cases; {multi} "
        "journeys of several cases); {repeats} repeat contacts after {resolved} "
        "resolutions ({rate})",
        "{journeys} Kundenreisen von {customers} Kunden ({cases} Fälle; {multi} "
        "Reisen über mehrere Fälle); {repeats} Wiederholkontakte nach {resolved} "
        "Lösungen ({rate})",
    ),
    "worst": Words("Worst journeys", "Die schwersten Kundenreisen"),
    "repeat_by_type": Words(
        "Repeat-contact rate by the case type that preceded it",
        "Wiederholkontaktquote nach dem vorausgegangenen Falltyp",
    ),
    "parties": Words("Parties that hand customers on", "Parteien, die Kunden weiterreichen"),
    "journey": Words("journey", "Reise"),
    "customer": Words("customer", "Kunde"),
    "cases": Words("cases", "Fälle"),
    "repeats": Words("repeat contacts", "Wiederholkontakte"),
    "parties_col": Words("parties", "Parteien"),
    "journeys_col": Words("journeys", "Kundenreisen"),
    "waiting": Words("waiting", "Warten"),
    "silence": Words("longest silence", "längste Stille"),
    "to_resolution": Words("first contact to resolution", "Erstkontakt bis Lösung"),
    "score": Words("score", "Wert"),
    "flags": Words("flags", "Hinweise"),
    "case_type": Words("case type", "Falltyp"),
    "resolved": Words("resolved", "gelöst"),
    "came_back": Words("came back", "wiedergekommen"),
    "rate": Words("rate", "Quote"),
    "party": Words("party", "Partei"),
    "handed_on": Words("handed customers on", "Kunden weitergereicht"),
    "to": Words("to", "an"),
    "median_wait": Words("median wait at the handoff", "Median der Wartezeit bei der Übergabe"),
    "not_computed": Words("not computed (no resolution)", "nicht berechnet (keine Lösung)"),
    "customer_header": Words(
        "Customer {customer}: {cases:,} cases in {journeys:,} journey(s)",
        "Kunde {customer}: {cases:,} Fälle in {journeys:,} Kundenreise(n)",
    ),
    "journey_header": Words(
        "Journey {journey} — {cases:,} cases, parties: {path}; friction score {score:.1f}",
        "Kundenreise {journey} — {cases:,} Fälle, Parteien: {path}; Reibungswert {score:.1f}",
    ),
    "handed": Words(
        "handed from {from_party} to {to_party} after {wait}",
        "von {from_party} an {to_party} übergeben nach {wait}",
    ),
    "case": Words("case", "Fall"),
    "timeline": Words(
        "As the customer lived it, across cases and parties",
        "So hat der Kunde es erlebt, über Fälle und Parteien hinweg",
    ),
    "handoffs": Words("Handoffs between parties", "Übergaben zwischen Parteien"),
    "silences": Words("Silences (waiting without news)", "Stille (Warten ohne Nachricht)"),
}
"""The journeys section of the score table, the markdown summary and the report."""


def rule_name(rule_id: str) -> str:
    """The rule's own short name, from its dotted name: ``friction.silent_wait`` → ``silent
    wait`` (markdown tables and log-level findings show it in both languages)."""
    from frictionminer.engine.rules import all_rules

    rule = all_rules().get(rule_id)
    return rule.name.removeprefix("friction.").replace("_", " ") if rule else ""


# -------------------------------------------------------------------------------- findings

FINDING_TITLES: dict[FindingKind, Words] = {
    FindingKind.TASK_ACTIVITY: Words(
        "'{activity}' pushes a task onto the customer in {task_cases:,} cases "
        "({task_case_share:.0%} of all cases)",
        "„{activity}“ überträgt dem Kunden in {task_cases:,} Fällen eine Aufgabe "
        "({task_case_share:.0%} aller Fälle)",
    ),
    FindingKind.REPEAT_REQUEST: Words(
        "'{activity}' asks the customer again in {repeat_cases:,} cases "
        "({repeat_events:,} repeated requests)",
        "„{activity}“ fragt den Kunden in {repeat_cases:,} Fällen erneut "
        "({repeat_events:,} wiederholte Anfragen)",
    ),
    FindingKind.SILENT_WAIT: Words(
        "After '{activity}', customers waited {threshold_days:g}+ days without news in "
        "{silent_cases:,} cases (median {silent_median_days:.1f} days)",
        "Nach „{activity}“ warteten Kunden in {silent_cases:,} Fällen {threshold_days:g} "
        "Tage oder länger ohne Nachricht (Median {silent_median_days:.1f} Tage)",
    ),
    FindingKind.HANDOFF_TEAM: Words(
        "'{team}' hands cases on {handoffs_out:,} times: {handed_on_share:.0%} of the "
        "{cases:,} cases it handles",
        "„{team}“ gibt Fälle {handoffs_out:,}-mal weiter: {handed_on_share:.0%} der "
        "{cases:,} Fälle, die es bearbeitet",
    ),
    FindingKind.PING_PONG_PAIR: Words(
        "'{team_a}' and '{team_b}' passed {cases:,} cases back and forth ({returns:,} returns)",
        "„{team_a}“ und „{team_b}“ schoben {cases:,} Fälle hin und her ({returns:,} Rückgaben)",
    ),
    FindingKind.VARIANT: Words(
        "Path #{rank} ({cases:,} cases, {case_share:.1%}) averages {mean_score:.1f} "
        "friction points, {ratio:.1f}× the median case",
        "Pfad Nr. {rank} ({cases:,} Fälle, {case_share:.1%}) hat im Schnitt "
        "{mean_score:.1f} Reibungspunkte, {ratio:.1f}× der mittlere Fall",
    ),
    FindingKind.CATEGORY: Words(
        "Cases in '{category}' average {mean_score:.1f} friction points, {ratio:.1f}× "
        "the log's average ({cases:,} cases)",
        "Fälle zu „{category}“ haben im Schnitt {mean_score:.1f} Reibungspunkte, "
        "{ratio:.1f}× der Durchschnitt ({cases:,} Fälle)",
    ),
    FindingKind.RULE: Words(
        "{rule} {rule_label}: {share:.0%} of cases ({flagged:,})",
        "{rule} {rule_label}: {share:.0%} der Fälle ({flagged:,})",
    ),
}
"""A finding's title, filled from its numbers and ids."""

ADVICE: dict[Advice, Words] = {
    Advice.ASK_ONCE: Words(
        "{team} asks one thing at a time: in {piecemeal_share:.0%} of the cases with "
        "'{activity}' the customer gets more than one request. Ask once, with a checklist "
        "of everything needed, or a portal upload.",
        "{team} fragt Stück für Stück: in {piecemeal_share:.0%} der Fälle mit „{activity}“ "
        "bekommt der Kunde mehr als eine Anfrage. Einmal fragen, mit einer Checkliste aller "
        "nötigen Angaben, oder ein Upload im Portal.",
    ),
    Advice.AVOID_TASK: Words(
        "Check whether '{activity}' is needed: take the information from records the "
        "company already holds, or offer self-service.",
        "Prüfen, ob „{activity}“ nötig ist: die Angaben aus vorhandenen Unterlagen nehmen "
        "oder Self-Service anbieten.",
    ),
    Advice.COMPLETENESS_CHECK: Words(
        "Say exactly what is missing the first time and check completeness on receipt: "
        "a completeness check before '{activity}' is sent again.",
        "Beim ersten Mal genau sagen, was fehlt, und beim Eingang auf Vollständigkeit "
        "prüfen: eine Vollständigkeitsprüfung, bevor „{activity}“ erneut verschickt wird.",
    ),
    Advice.INTERIM_NOTICE: Words(
        "Send an interim notice when a case has sat after '{activity}' for "
        "{notice_hours:g} hours: what happens next, and by when.",
        "Einen Zwischenbescheid senden, wenn ein Fall nach „{activity}“ {notice_hours:g} "
        "Stunden liegt: was als Nächstes geschieht und bis wann.",
    ),
    Advice.BUILD_SKILLS: Words(
        "'{team}' hands on almost every case: check its skills and authority to solve cases "
        "itself; most go to '{to_team}' ({to_share:.0%}).",
        "„{team}“ gibt fast jeden Fall weiter: Fähigkeiten und Befugnisse prüfen, Fälle "
        "selbst zu lösen; die meisten gehen an „{to_team}“ ({to_share:.0%}).",
    ),
    Advice.QUALITY_GATE: Words(
        "Give '{team}' what it needs to finish more cases itself, and a quality gate before "
        "'{to_team}' ({to_share:.0%} of its handoffs).",
        "„{team}“ in die Lage versetzen, mehr Fälle selbst abzuschließen, und eine "
        "Qualitätsprüfung vor „{to_team}“ ({to_share:.0%} seiner Übergaben).",
    ),
    Advice.AGREE_OWNER: Words(
        "Agree who owns these cases: a routing rule between '{team_a}' and '{team_b}', "
        "and coaching for the team that sends them back.",
        "Klären, wem diese Fälle gehören: eine Zuständigkeitsregel zwischen „{team_a}“ "
        "und „{team_b}“ und Schulung für das Team, das sie zurückgibt.",
    ),
    Advice.WALK_PATH: Words(
        "Walk this path with the teams involved: {tasks_per_case:.1f} customer tasks "
        "and {handoffs_per_case:.1f} handoffs per case are where to start. Path: {path_short}",
        "Diesen Pfad mit den beteiligten Teams durchgehen: {tasks_per_case:.1f} "
        "Kundenaufgaben und {handoffs_per_case:.1f} Übergaben je Fall sind der Ansatzpunkt. "
        "Pfad: {path_short}",
    ),
    Advice.FIND_OUT: Words(
        "Find out what makes '{category}' harder for customers: its most frequent flag "
        "is {top_rule} ({top_rule_share:.0%} of its cases).",
        "Herausfinden, was „{category}“ für Kunden schwerer macht: die häufigste Markierung "
        "ist {top_rule} ({top_rule_share:.0%} seiner Fälle).",
    ),
    Advice.RULE: Words("{rule_advice}", "{rule_advice}"),
}
"""A finding's suggestion, by the advice the engine chose; ``rule`` takes :data:`RULE_ADVICE`."""

QUOTED = Words("'{}'", "„{}“")
"""A name from the log inside a sentence."""
THE_TEAM = Words("the team", "das Team")
"""Who asks, when the log names no team."""
NO_RULE = "—"
PATH_MORE = Words("… ({n} more)", "… ({n} more)")
"""Where a long path is cut.  The German column repeats the English words the German
report has always shown (its embedded data and suggestions carry them too); translating
them ("weitere") is a deliberate output change."""


def shorten_path(path: str, steps: int = 6, lang: Lang = "en") -> str:
    """``path`` (activities joined with " → ") cut to ``steps`` steps: the first
    ``steps - 1``, a note of how many are left out, and the last."""
    parts = path.split(ARROW)
    if len(parts) <= steps:
        return path
    more = PATH_MORE[lang].format(n=len(parts) - steps + 1)
    return ARROW.join([*parts[: steps - 1], more, parts[-1]])


def finding_values(f: Finding, lang: Lang = "en", *, exact: bool = False) -> dict[str, Any]:
    """What a finding's templates are filled with: its numbers (as reported, or ``exact``),
    its ids, and the few values made from them (the asking team, the short path, the
    rule's name and advice)."""
    values: dict[str, Any] = {**(f.numbers if exact else f.reported()), **f.ids}
    if f.kind is FindingKind.TASK_ACTIVITY:
        values["team"] = QUOTED[lang].format(f.teams[0]) if f.teams else THE_TEAM[lang]
    elif f.kind is FindingKind.VARIANT:
        values["path_short"] = shorten_path(str(f.ids["path"]), 6, lang)
    elif f.kind is FindingKind.CATEGORY:
        values["top_rule"] = f.ids.get("top_rule") or NO_RULE
    elif f.kind is FindingKind.RULE:
        rid = str(f.ids["rule"])
        values["rule_label"] = rule_name(rid)
        values["rule_advice"] = RULE_ADVICE[rid][lang] if rid in RULE_ADVICE else ""
    return values


def finding_text(f: Finding, lang: Lang = "en") -> tuple[str, str]:
    """(title, suggestion) of a finding in ``lang``: the title restates the reported
    numbers, the suggestion is filled from the exact ones."""
    title = FINDING_TITLES[f.kind][lang].format(**finding_values(f, lang))
    return title, ADVICE[f.advice][lang].format(**finding_values(f, lang, exact=True))


# -------------------------------------------------------------------------------- timeline

STEPS: dict[str, Words] = {
    "after_end": Words(
        "after the end of the customer's case", "nach dem Ende des Falls für den Kunden"
    ),
    "handoff": Words("handed to {team} ({ordinal} team)", "an {team} übergeben ({ordinal} Team)"),
    "ping_pong": Words(
        "back to {team}, which had the case before (ping-pong)",
        "zurück an {team}, das den Fall schon hatte (Ping-Pong)",
    ),
    "external_handoff": Words(
        "passed to another organisation", "an eine andere Organisation weitergegeben"
    ),
    "customer_task": Words("the customer is asked to act", "der Kunde soll etwas tun"),
    "repeat_task": Words(
        "the customer is asked to act — asked before",
        "der Kunde soll etwas tun — schon einmal gefragt",
    ),
    "customer_action": Words("the customer acts", "der Kunde handelt"),
    "notice": Words(
        "interim notice: the customer hears how things stand",
        "Zwischenbescheid: der Kunde erfährt den Stand",
    ),
    "channel_contact": Words("contact by {channel}", "Kontakt per {channel}"),
    "contact": Words("contact with the customer", "Kontakt mit dem Kunden"),
    "channel_switch": Words(
        "the customer has to switch channel (to {channel})",
        "der Kunde muss den Kanal wechseln (zu {channel})",
    ),
    "reexplanation": Words(
        "explains the case again to a new team", "erklärt den Fall einem neuen Team erneut"
    ),
    "resolution": Words("solved, as the customer sees it", "gelöst, aus Sicht des Kunden"),
    "internal": Words(
        "internal step (invisible to the customer)", "interner Schritt (für den Kunden unsichtbar)"
    ),
}
"""What a step of the timeline means for the customer, by step kind
(:class:`~frictionminer.reporting.explain.StepKind`)."""

WAITS: dict[str, Words] = {
    "company": Words(
        "waiting on the company — {duration}, no news",
        "wartet auf das Unternehmen — {duration}, ohne Nachricht",
    ),
    "customer": Words("waiting on the customer — {duration}", "wartet auf den Kunden — {duration}"),
}
"""A wait after a step, by whose turn it is (:class:`.explain.WaitingOn`)."""

WAIT_CAUSE_LABELS: dict[str, Words] = {
    "queue": Words("in a queue, unassigned", "in einer Warteschlange, nicht zugewiesen"),
    "handoff": Words(
        "after a handoff, before the new team acted",
        "nach einer Übergabe, bevor das neue Team handelte",
    ),
    "external": Words("at an outside party", "bei einem Dritten"),
    "in_work": Words("in work at the company", "in Bearbeitung im Unternehmen"),
    "customer": Words("on the customer's turn", "der Kunde ist am Zug"),
}
"""Why the customer waited (:data:`frictionminer.engine.paths.WAIT_CAUSES`)."""

CAUSE_WAIT = Words("{cause}{team} — {duration}", "{cause}{team} — {duration}")
"""A gap after a step labelled with its cause (explain)."""
CAUSE_TEAM = Words(" (team {team})", " (Team {team})")


def cause_wait_text(cause: str, hours: float, team: str | None, lang: Lang = "en") -> str:
    """A gap of ``hours`` labelled with its ``cause`` and the team holding the case."""
    return CAUSE_WAIT[lang].format(
        cause=WAIT_CAUSE_LABELS[cause][lang],
        team=CAUSE_TEAM[lang].format(team=team) if team else "",
        duration=units.hours(hours, DAY_UNIT["company"][lang]),
    )


DAY_UNIT: dict[str, Words] = {"company": Words("d", "T"), "customer": Words("d", "d")}
"""The unit of days in a wait's duration (``3.1 d``), by whose turn it is.  German reports
have always written a wait on the customer in ``d`` (and one on the company in ``T``): kept,
so that reports stay comparable; making it ``T`` is this one entry."""
DAYS = Words("days", "Tage")
"""The unit of days in the page's durations (``3.1 days``)."""
CLOCK_DATE = Words("date", "Datum")


def ordinal(n: int, lang: Lang = "en") -> str:
    """``1st``, ``2nd``, ``11th`` / ``1.``, ``2.``."""
    if lang == "de":
        return f"{n}."
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def step_text(kind: str, lang: Lang = "en", **fields: Any) -> str:
    """What a step of ``kind`` means, filled from ``fields`` (team, ordinal, channel)."""
    return STEPS[kind][lang].format(**fields)


def wait_text(on: str, hours: float, lang: Lang = "en") -> str:
    """A wait of ``hours`` on ``on`` (``company`` or ``customer``)."""
    return WAITS[on][lang].format(duration=units.hours(hours, DAY_UNIT[on][lang]))


def clock_label(clock: str, lang: Lang = "en") -> str:
    """explain's clock ('UTC', a zone, 'date', 'date, Zone') in ``lang``."""
    return clock.replace(CLOCK_DATE.en, CLOCK_DATE[lang])


EXPLAIN: dict[str, Words] = {
    "case": Words("Case {case}", "Fall {case}"),
    "rank": Words(
        " — friction score {score:.1f}, rank {rank:,} of {cases:,}",
        " — Reibungswert {score:.1f}, Rang {rank:,} von {cases:,}",
    ),
    "category": Words("category", "Kategorie"),
    "value": Words("value", "Wert"),
    "peer_group": Words("compared with", "verglichen mit"),
    "omitted": Words(
        "… {n:,} steps not shown (the case has {total:,}; --max-steps 0 shows all)",
        "… {n:,} Schritte nicht gezeigt (der Fall hat {total:,}; --max-steps 0 zeigt alle)",
    ),
    "timeline": Words("As the customer lived it", "So hat der Kunde es erlebt"),
    "waited": Words("waited", "gewartet"),
    "when": Words("when ({clock})", "wann ({clock})"),
    "what": Words("what happened", "was geschah"),
    "who": Words("who", "wer"),
    "team": Words("team", "Team"),
    "channel": Words("channel", "Kanal"),
    "for_customer": Words("for the customer", "für den Kunden"),
    "measures": Words("Measures", "Kennzahlen"),
    "measure": Words("measure", "Kennzahl"),
    "points": Words("score points", "Punkte"),
    "disproportion": Words(
        "disproportion (vs peers/value)", "Unverhältnismäßigkeit (ggü. Vergleichsfällen/Wert)"
    ),
    "score": Words("friction score", "Reibungswert"),
    "flags": Words("Flags", "Markierungen"),
    "remedy": Words("  → remedy: {remedy}", "  → Abhilfe: {remedy}"),
    "none": Words("none", "keine"),
}
"""``explain``'s own words (the terminal view)."""

MARKDOWN: dict[str, Words] = {
    "title": Words("### Customer friction", "### Kundenreibung"),
    "summary": Words(
        "**{cases:,} cases**, {events:,} events: **{flagged:,} flagged ({flagged_share:.1%})**; "
        "{outcome}. Median customer effort {effort:g} min, median wait on "
        "the company {wait}.",
        "**{cases:,} Fälle**, {events:,} Ereignisse: **{flagged:,} markiert "
        "({flagged_share:.1%})**; {outcome}. Mittlerer Kundenaufwand "
        "{effort:g} min, mittleres Warten auf das Unternehmen {wait}.",
    ),
    "rules_head": Words("| rule | name | cases | share |", "| Regel | Name | Fälle | Anteil |"),
    "causes": Words("**Largest causes**", "**Größte Ursachen**"),
    "cause": Words(
        "1. {title} — {share:.0%} of friction points{teams}. _{suggestion}_",
        "1. {title} — {share:.0%} der Reibungspunkte{teams}. _{suggestion}_",
    ),
    "teams": Words(" (teams: {teams})", " (Teams: {teams})"),
    "top": Words(
        "<details><summary>Top {n} cases by friction score</summary>",
        "<details><summary>Die {n} Fälle mit dem höchsten Reibungswert</summary>",
    ),
    "cases_head": Words(
        "| # | case | score | contacts | tasks | waiting | handoffs | flags |",
        "| Nr. | Fall | Wert | Kontakte | Aufgaben | Warten | Übergaben | Markierungen |",
    ),
}
"""``score --format markdown``'s words."""


# ------------------------------------------------------------------------- page numbers


def number(value: float, lang: Lang, digits: int = 0) -> str:
    """``1,234.5`` / ``1.234,5``."""
    text = f"{value:,.{digits}f}"
    return text.replace(",", "X").replace(".", ",").replace("X", ".") if lang == "de" else text


def percent(share: float, lang: Lang, digits: int = 1) -> str:
    """``12.5%`` / ``12,5 %``."""
    text = f"{share * 100:.{digits}f}"
    return f"{text.replace('.', ',')} %" if lang == "de" else f"{text}%"


def duration(hours: float | None, lang: Lang) -> str:
    """``45 min``, ``5.2 h``, ``3.1 days`` / ``3,1 Tage`` (empty for None)."""
    if hours is None:
        return ""
    if hours < 1:
        return f"{number(hours * 60, lang)} min"
    if hours < 48:
        return f"{number(hours, lang, 1)} h"
    return f"{number(hours / 24, lang, 1)} {DAYS[lang]}"


def short_number(value: float, lang: Lang) -> str:
    """``2.5`` / ``2,5`` (``:g``)."""
    text = f"{value:g}"
    if "e" in text:  # no "2.38e+06" for people: the whole number, grouped
        return number(value, lang) if abs(value) >= 1 else number(value, lang, 6)
    return text.replace(".", ",") if lang == "de" else text


# ------------------------------------------------------ honest figures: unseen roles, outcome
# What the roles could not see (engine/coverage.py) and how resolved, reopened and FM009
# are worded together.  Kept in one block so that it reads, and merges, as one thing.

NEED_NAMES: dict[str, Words] = {
    "resolution": Words("resolution", "Lösung (resolution)"),
    "news": Words(
        "any news (contact, notice, task or action)",
        "jede Nachricht (contact, notice, customer_task, customer_action)",
    ),
    "contact": Words("contact", "Kontakt (contact)"),
    "customer_task": Words("customer_task", "Kundenaufgabe (customer_task)"),
    "customer_action": Words("customer_action", "Kundenhandlung (customer_action)"),
}
"""The needs of :data:`frictionminer.engine.coverage.NEEDS`, as the warning names them."""

UNSEEN_WORDS: dict[str, Words] = {
    "line": Words(
        "[roles] matched in fewer than {threshold} of the {cases} cases: {needs}. Not computed: "
        "{measures}{rules}. Next: {hint}, then name those activities in [roles]",
        "[roles] trifft in weniger als {threshold} der {cases} Fälle: {needs}. Nicht berechnet: "
        "{measures}{rules}. Nächster Schritt: {hint}, dann diese Aktivitäten in [roles] nennen",
    ),
    "need": Words("{name} ({n} cases)", "{name} ({n} Fälle)"),
    "rules": Words(
        "; rules {rules} do not fire and add 0 to the score",
        "; die Regeln {rules} schlagen nicht an und zählen 0 im Wert",
    ),
    "rule": Words(
        "; rule {rules} does not fire and adds 0 to the score",
        "; die Regel {rules} schlägt nicht an und zählt 0 im Wert",
    ),
    "caveat_title": Words("What this log does not show", "Was dieses Protokoll nicht zeigt"),
    "caveat_intro": Words(
        "The role patterns could not see everything the figures below need. No finding or "
        "recommendation in this report is built on the rules named here.",
        "Die Rollenmuster sehen nicht alles, was die Zahlen unten brauchen. Keine Erkenntnis "
        "und keine Empfehlung dieses Berichts beruht auf den hier genannten Regeln.",
    ),
    "not_computed": Words("not computed", "nicht berechnet"),
    "markdown": Words("> **Warning:** {line}", "> **Warnung:** {line}"),
    "summary_unseen": Words(
        "unseen roles: {needs} (see the warning)", "nicht gesehene Rollen: {needs} (siehe Warnung)"
    ),
}
"""Words of the unseen-role warning (stderr, ``info``, the report's caveat)."""


def unseen_line(warnings: list[dict[str, Any]], lang: Lang = "en") -> str | None:
    """The one line that says what the roles could not see (None when nothing is unseen).

    ``warnings`` is the summary's ``warnings`` (:meth:`RoleCoverage.warnings
    <frictionminer.engine.coverage.RoleCoverage.warnings>`).
    """
    unseen = [w for w in warnings if w.get("code") == "role_unseen"]
    if not unseen:
        return None
    w = UNSEEN_WORDS
    needs = ", ".join(
        w["need"][lang].format(name=NEED_NAMES[u["role"]][lang], n=number(u["cases"], lang))
        for u in unseen
    )
    measures = ", ".join(dict.fromkeys(m for u in unseen for m in u["measures"]))
    rules = list(dict.fromkeys(r for u in unseen for r in u["rules"]))
    return w["line"][lang].format(
        threshold=percent(unseen[0]["threshold"], lang, 0 if unseen[0]["threshold"] >= 0.01 else 1),
        cases=number(unseen[0]["of_cases"], lang),
        needs=needs,
        measures=measures,
        rules=w["rules" if len(rules) > 1 else "rule"][lang].format(rules=", ".join(rules))
        if rules
        else "",
        hint=unseen[0]["hint"],
    )


def unseen_names(warnings: list[dict[str, Any]], lang: Lang = "en") -> str:
    """The unseen needs, named (``resolution, customer_task``)."""
    return ", ".join(
        NEED_NAMES[u["role"]][lang] for u in warnings if u.get("code") == "role_unseen"
    )


HEADLINE_WORDS: dict[str, Words] = {
    "effort_some": Words(
        "Most cases cost the customer none of their own time as far as the log shows (no "
        "contact or task recorded); {share} did, and the costliest tenth {p90} minutes or more.",
        "Die meisten Fälle kosteten den Kunden laut Protokoll keine eigene Zeit (kein Kontakt, "
        "keine Aufgabe erfasst); {share} schon, das aufwendigste Zehntel {p90} Minuten und mehr.",
    ),
    "effort_none": Words(
        "The log records no contact or task of the customer's: their own time cannot be "
        "measured here.",
        "Das Protokoll erfasst keinen Kontakt und keine Aufgabe des Kunden: seine eigene Zeit "
        "ist hier nicht messbar.",
    ),
    "kpi_effort_any": Words(
        "cases costing the customer own time", "Fälle mit eigenem Kundenaufwand"
    ),
    "variants_unique": Words(
        "The {cases} cases took {paths} distinct paths; no path is shared by two or more cases, "
        "so no single path is a finding.",
        "Die {cases} Fälle nahmen {paths} verschiedene Pfade; kein Pfad ist mehreren Fällen "
        "gemeinsam, also ist kein einzelner Pfad eine Erkenntnis.",
    ),
    "variants_count": Words(
        "The {cases} cases took {paths} distinct paths; paths of a single case are left out.",
        "Die {cases} Fälle nahmen {paths} verschiedene Pfade; Pfade eines einzigen Falls sind "
        "ausgelassen.",
    ),
}
"""Headline figures that stay informative on a real log (no "0 minutes", no one-case paths)."""

OUTCOME_WORDS: dict[str, Words] = {
    "resolved": Words("{resolved} reached a resolution", "{resolved} erreichten eine Lösung"),
    "reopened": Words(
        "{reopened} were reopened after it", "{reopened} wurden danach wieder geöffnet"
    ),
    "resolved_unseen": Words(
        "resolution not seen in the log (resolved share not computed)",
        "keine Lösung im Protokoll erkennbar (Anteil gelöst nicht berechnet)",
    ),
    "fm009": Words(
        "FM009 flags {flagged}: {unresolved} never resolved and {reopened} reopened after a "
        "resolution",
        "FM009 markiert {flagged}: {unresolved} nie gelöst und {reopened} nach einer Lösung "
        "wieder geöffnet",
    ),
}
"""How resolved, reopened and FM009 are said together, so that they cannot be misread."""


def outcome_text(summary: dict[str, Any], lang: Lang = "en") -> str:
    """``83.5% reached a resolution, 0.0% were reopened after it; FM009 flags 16.5%: ...``."""
    w = OUTCOME_WORDS
    resolved, reopened = summary.get("resolved_share"), summary.get("reopened_share")
    if resolved is None:
        return w["resolved_unseen"][lang]
    parts = [w["resolved"][lang].format(resolved=percent(resolved, lang))]
    if reopened is not None:
        parts.append(w["reopened"][lang].format(reopened=percent(reopened, lang)))
    text = ", ".join(parts)
    fm009 = summary.get("flags", {}).get("FM009", {})
    reasons = fm009.get("reasons")
    if reasons and fm009.get("cases") and fm009.get("suppressed") is None:
        text += "; " + w["fm009"][lang].format(
            flagged=percent(fm009["share"], lang),
            unresolved=percent(reasons["unresolved"]["share"], lang),
            reopened=percent(reasons["reopened"]["share"], lang),
        )
    return text


# ---------------------------------------------------------------- systemic (log-level) findings

SYSTEMIC_WHAT: dict[str, Words] = {
    "FM001": Words(
        "needed {floor} or more contacts, twice their peers' median",
        "brauchten {floor} oder mehr Kontakte, doppelt so viele wie üblich",
    ),
    "FM002": Words("were given {floor} or more tasks", "bekamen {floor} oder mehr Aufgaben"),
    "FM003": Words(
        "were asked again for something they had been asked for",
        "wurden erneut um etwas gebeten, das schon angefordert war",
    ),
    "FM004": Words(
        "waited {floor} or longer on the company without news",
        "warteten {floor} oder länger ohne Nachricht auf das Unternehmen",
    ),
    "FM005": Words(
        "went back to a team that had held them before",
        "gingen an ein Team zurück, das sie schon hatte",
    ),
    "FM006": Words(
        "changed team {floor} or more times", "wechselten {floor}-mal oder öfter das Team"
    ),
    "FM007": Words(
        "switched channel {floor} or more times",
        "wechselten {floor}-mal oder öfter den Kanal",
    ),
    "FM008": Words(
        "cost the customer out of proportion to their peers",
        "kosteten den Kunden unverhältnismäßig viel",
    ),
    "FM009": Words(
        "ended without a recognised resolution, or were reopened",
        "endeten ohne erkannte Lösung oder wurden wieder geöffnet",
    ),
    "FM012": Words(
        "saw {floor} or more promises broken", "erlebten {floor} oder mehr gebrochene Versprechen"
    ),
}
"""What a systemic rule's condition says about a share of the cases, by rule."""

SYSTEMIC_WORDS: dict[str, Words] = {
    "heading": Words(
        "Systemic on this log (a property of the process, not of single cases)",
        "Systemisch in diesem Log (eine Eigenschaft des Prozesses, nicht einzelner Fälle)",
    ),
    "line": Words(
        "{share} of cases {what} (median {median}); case flags mark only cases above {threshold}",
        "{share} der Fälle {what} (Median {median}); markiert werden nur Fälle über {threshold}",
    ),
    "line_binary": Words(
        "{share} of cases {what}; no case flag (the rule cannot tell these cases apart)",
        "{share} der Fälle {what}; keine Fallmarkierung (die Regel unterscheidet sie nicht)",
    ),
}


def _measure_value(measure: str | None, value: float | None, lang: Lang) -> str:
    if value is None:
        return "–"
    if measure is not None and measure.endswith("_hours"):
        return duration(value, lang)
    if measure == "effort_minutes":
        return f"{number(value, lang)} min"
    return number(value, lang, 0 if float(value).is_integer() else 1)


def systemic_line(record: dict[str, Any], lang: Lang = "en") -> str:
    """``93.0% of cases waited 3 d or longer on the company without news (median 41 d); ...``."""
    measure = record.get("measure")
    what = SYSTEMIC_WHAT[record["rule"]][lang].format(
        floor=_measure_value(measure, record.get("floor"), lang)
    )
    share = percent(record["share"], lang)
    if record.get("threshold") is None:
        return f"{record['rule']}: " + SYSTEMIC_WORDS["line_binary"][lang].format(
            share=share, what=what
        )
    return f"{record['rule']}: " + SYSTEMIC_WORDS["line"][lang].format(
        share=share,
        what=what,
        median=_measure_value(measure, record.get("median"), lang),
        threshold=_measure_value(measure, record.get("threshold"), lang),
    )
