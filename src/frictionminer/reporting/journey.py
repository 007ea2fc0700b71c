"""``explain --customer``: a customer's journeys as the customer lived them.

One timeline per journey across its cases and parties (organisations, else teams), with
the handoffs between parties and the silences between them, then the journey's measures
and flags.  The same layout as the per-case story (:mod:`frictionminer.reporting.explain`),
whose step meanings it reuses; words from :mod:`frictionminer.reporting.catalogue`.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from frictionminer import schema as S
from frictionminer.engine.journeys import JOURNEY, JOURNEY_MEASURES, Journeys
from frictionminer.engine.result import Result
from frictionminer.errors import UsageError
from frictionminer.reporting import catalogue as C
from frictionminer.reporting.console import TimelineRow, timeline
from frictionminer.reporting.explain import (
    Meaning,
    WaitingOn,
    display_clock,
    measure_text,
    print_flags,
    step_meanings,
)
from frictionminer.reporting.units import hours

_MIN_SILENCE_HOURS = 1.0
"""Silences shorter than this are not worth a line of their own (as in ``explain``)."""


@dataclass
class JourneyStep:
    time: str
    case_id: str
    party: str | None
    activity: str
    who: str | None
    team: str | None
    channel: str | None
    meanings: list[Meaning]
    handoff: dict[str, Any] | None = None
    """The customer was handed to another party at this step: from, to, wait_hours."""
    silence_after: float | None = None
    """Hours the customer then waited on the company without news (across all cases)."""

    def as_record(self, lang: C.Lang = "en") -> dict[str, Any]:
        return {
            "time": self.time,
            "case_id": self.case_id,
            "party": self.party,
            "activity": self.activity,
            "who": self.who,
            "team": self.team,
            "channel": self.channel,
            "meaning": [m.text(lang) for m in self.meanings],
            "handoff": self.handoff,
            "silence_after": None
            if self.silence_after is None
            else C.wait_text(WaitingOn.COMPANY, self.silence_after, lang),
        }


@dataclass
class JourneyView:
    journey_id: str
    measures: dict[str, Any]
    party_path: str
    steps: list[JourneyStep]
    cases: list[dict[str, Any]]
    handoffs: list[dict[str, Any]]
    silences: list[dict[str, Any]]
    flags: list[dict[str, str]] = field(default_factory=list)

    def as_record(self, lang: C.Lang = "en") -> dict[str, Any]:
        return {
            "journey_id": self.journey_id,
            "party_path": self.party_path,
            "measures": self.measures,
            "cases": self.cases,
            "handoffs": self.handoffs,
            "silences": self.silences,
            "flags": self.flags,
            "timeline": [s.as_record(lang) for s in self.steps],
        }


@dataclass
class CustomerStory:
    customer: str
    source: str
    clock: str
    customer_column: str
    party_column: str | None
    journeys: list[JourneyView]

    def as_record(self, lang: C.Lang = "en") -> dict[str, Any]:
        return {
            "customer": self.customer,
            "source": self.source,
            "clock": self.clock,
            "customer_column": self.customer_column,
            "party_column": self.party_column,
            "journeys": [j.as_record(lang) for j in self.journeys],
        }


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 3)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _journeys_of(result: Result) -> Journeys:
    if result.journeys is None:
        raise UsageError("this result has no journeys", hint="analyze with journey=True")
    return result.journeys


def build_customer_story(result: Result, customer: str) -> CustomerStory:
    """The customer's journeys; a UsageError naming the closest id when there is none."""
    journeys = _journeys_of(result)
    table = journeys.of_customer(customer)
    if table.height == 0:
        known = journeys.table.get_column("customer").unique().to_list()
        close = difflib.get_close_matches(customer, [str(k) for k in known], n=1)
        raise UsageError(
            f"no customer {customer!r} in column {journeys.customer_column!r}",
            hint=f"did you mean {close[0]!r}?" if close else "see score --journey for the ids",
        )
    clock, label = display_clock(result)
    members = journeys.cases.filter(pl.col("customer") == customer).select(S.CASE, JOURNEY)
    party = journeys.party_column
    events = (
        result.events.join(members, on=S.CASE, how="inner")
        .sort(JOURNEY, S.TIMESTAMP, S.EVENT_INDEX)
        .to_dicts()
    )
    scores = result.cases.select(S.CASE, "friction_score").with_row_index("rank", offset=1)
    ranks = {r[S.CASE]: r for r in scores.join(members, on=S.CASE).iter_rows(named=True)}
    flags = journeys.flags.filter(pl.col("customer") == customer)
    views = []
    for row in table.iter_rows(named=True):
        jid = row[JOURNEY]
        handoffs = journeys.handoffs.filter(pl.col(JOURNEY) == jid)
        silences = journeys.silences.filter(pl.col(JOURNEY) == jid)
        handoff_at = {(h[S.CASE], h["time"]): h for h in handoffs.iter_rows(named=True)}
        silence_at = {
            s["start"]: s["hours"]
            for s in silences.iter_rows(named=True)
            if s["hours"] >= _MIN_SILENCE_HOURS
        }
        mine = [ev for ev in events if ev[JOURNEY] == jid]
        steps: list[JourneyStep] = []
        for i, ev in enumerate(mine):
            h = handoff_at.pop((ev[S.CASE], ev[S.TIMESTAMP]), None)
            last_at_time = i + 1 == len(mine) or mine[i + 1][S.TIMESTAMP] != ev[S.TIMESTAMP]
            steps.append(
                JourneyStep(
                    time=clock(ev[S.TIMESTAMP]),
                    case_id=ev[S.CASE],
                    party=None if party is None else ev.get(party),
                    activity=ev[S.ACTIVITY],
                    who=ev.get(S.RESOURCE),
                    team=ev.get(S.GROUP),
                    channel=ev.get(S.CHANNEL),
                    meanings=step_meanings(ev),
                    handoff=None
                    if h is None
                    else {
                        "from": h["from_party"],
                        "to": h["to_party"],
                        "wait_hours": round(h["wait_hours"], 3),
                    },
                    silence_after=silence_at.pop(ev[S.TIMESTAMP], None) if last_at_time else None,
                )
            )
        case_ids = list(dict.fromkeys(ev[S.CASE] for ev in mine))
        views.append(
            JourneyView(
                journey_id=jid,
                measures={m: _plain(row[m]) for m in JOURNEY_MEASURES},
                party_path=row["party_path"],
                steps=steps,
                cases=[
                    {
                        "case_id": c,
                        "friction_score": ranks[c]["friction_score"],
                        "rank": ranks[c]["rank"],
                    }
                    for c in case_ids
                ],
                handoffs=[
                    {k: _plain(v) for k, v in h.items() if k != JOURNEY}
                    for h in handoffs.iter_rows(named=True)
                ],
                silences=[
                    {k: _plain(v) for k, v in s.items() if k != JOURNEY}
                    for s in silences.iter_rows(named=True)
                ],
                flags=[
                    {k: f[k] for k in ("rule", "name", "severity", "remedy", "message")}
                    for f in flags.filter(pl.col(JOURNEY) == jid).iter_rows(named=True)
                ],
            )
        )
    return CustomerStory(
        customer=customer,
        source=result.log.source,
        clock=label,
        customer_column=journeys.customer_column,
        party_column=party,
        journeys=views,
    )


def render_terminal(story: CustomerStory, console: Console, lang: C.Lang = "en") -> None:
    w = {key: words[lang] for key, words in C.EXPLAIN.items()}
    j = {key: words[lang] for key, words in C.JOURNEY_WORDS.items()}
    cases = sum(len(v.cases) for v in story.journeys)
    header = j["customer_header"].format(
        customer=story.customer, journeys=len(story.journeys), cases=cases
    )
    console.print(f"[bold]{escape(header)}[/bold]")
    for view in story.journeys:
        console.print()
        console.print(
            Text(
                j["journey_header"].format(
                    journey=view.journey_id,
                    cases=len(view.cases),
                    path=view.party_path or "—",
                    score=view.measures["friction_score"],
                ),
                style="bold",
            )
        )
        headers = (
            w["when"].format(clock=C.clock_label(story.clock, lang)),
            j["case"],
            j["party"],
            w["what"],
            w["team"],
            w["for_customer"],
        )
        rows: list[TimelineRow] = []
        for s in view.steps:
            if s.handoff is not None:
                text = j["handed"].format(
                    from_party=s.handoff["from"],
                    to_party=s.handoff["to"],
                    wait=hours(s.handoff["wait_hours"]),
                )
                rows.append(Text(f"⇢ {text}", style="magenta"))
            rows.append(
                (
                    s.time,
                    Text(s.case_id),
                    Text(s.party or ""),
                    Text(s.activity),
                    Text(s.team or ""),
                    Text("; ".join(m.text(lang) for m in s.meanings)),
                )
            )
            if s.silence_after is not None:
                silence = C.wait_text(WaitingOn.COMPANY, s.silence_after, lang)
                rows.append(Text(f"⋯ {silence}", style="yellow"))
        console.print(timeline(console, title=j["timeline"], headers=headers, rows=rows, main=3))
        m = Table(title=w["measures"], title_justify="left")
        m.add_column(w["measure"])
        m.add_column(w["value"], justify="right")
        for name, value in view.measures.items():
            if name in ("start", "end"):
                continue
            m.add_row(name, measure_text(name, value))
        console.print(m)
        print_flags(console, view.flags, w)


def render_json(story: CustomerStory, lang: C.Lang = "en") -> str:
    return json.dumps(story.as_record(lang), indent=2, ensure_ascii=False, default=str) + "\n"
