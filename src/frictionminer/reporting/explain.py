"""``explain``: one case told as the customer lived it.

:func:`build_story` makes a :class:`Story` of structured data: each step's meanings are
:class:`Meaning` codes (a :class:`StepKind` and the team, channel or ordinal it names),
the wait after it a :class:`Wait` (whose turn, :class:`WaitingOn`, and how many hours).
Words come only from :mod:`frictionminer.reporting.catalogue`, at rendering: the terminal
table, ``--format json`` (English) and the German timelines of the report read the same
story.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
from rich.console import Console, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from frictionminer.engine.promises import case_promise_rows
from frictionminer.engine.result import Result
from frictionminer.reporting import catalogue as C
from frictionminer.reporting.console import TimelineRow, timeline
from frictionminer.reporting.units import hours

_HALF_DAY = timedelta(hours=12)
_MIN_GAP_HOURS = 1.0
"""Waits shorter than this are not worth a line of their own."""


class StepKind(StrEnum):
    """What an event means for the customer (one event can mean several things)."""

    AFTER_END = "after_end"
    HANDOFF = "handoff"
    PING_PONG = "ping_pong"
    EXTERNAL_HANDOFF = "external_handoff"
    CUSTOMER_TASK = "customer_task"
    REPEAT_TASK = "repeat_task"
    CUSTOMER_ACTION = "customer_action"
    NOTICE = "notice"
    CHANNEL_CONTACT = "channel_contact"
    CONTACT = "contact"
    CHANNEL_SWITCH = "channel_switch"
    REEXPLANATION = "reexplanation"
    RESOLUTION = "resolution"
    INTERNAL = "internal"


TASK_KINDS = frozenset({StepKind.CUSTOMER_TASK, StepKind.REPEAT_TASK})
"""Steps that push a task onto the customer."""


class WaitingOn(StrEnum):
    """Whose turn it is during a wait."""

    COMPANY = "company"
    CUSTOMER = "customer"


@dataclass(frozen=True)
class Meaning:
    """One thing a step means for the customer, with what it names."""

    kind: StepKind
    team: str | None = None
    """The team a handoff or ping-pong goes to (as the log names it)."""
    ordinal: int | None = None
    """Handoffs: this is the case's n-th team."""
    channel: str | None = None
    """Contacts and channel switches: the channel (as the log names it)."""

    def text(self, lang: C.Lang = "en") -> str:
        ordinal = None if self.ordinal is None else C.ordinal(self.ordinal, lang)
        return C.step_text(self.kind, lang, team=self.team, channel=self.channel, ordinal=ordinal)


@dataclass(frozen=True)
class Wait:
    """The wait after a step: on the company (a silence, no news) or on the customer."""

    on: WaitingOn
    hours: float

    def text(self, lang: C.Lang = "en") -> str:
        return C.wait_text(self.on, self.hours, lang)


@dataclass(frozen=True)
class CauseWait:
    """The gap after a step, before the case's end, with its cause
    (:data:`frictionminer.engine.paths.WAIT_CAUSES`) and the team holding the case."""

    cause: str
    hours: float
    team: str | None = None

    def text(self, lang: C.Lang = "en") -> str:
        return C.cause_wait_text(self.cause, self.hours, self.team, lang)

    def as_record(self) -> dict[str, Any]:
        return {"cause": self.cause, "hours": self.hours, "team": self.team}


@dataclass
class Step:
    time: str
    """In the log's clock (:func:`display_clock`)."""
    activity: str
    who: str | None
    team: str | None
    channel: str | None
    meanings: list[Meaning]
    wait: Wait | None = None
    waited: CauseWait | None = None
    """The gap to the next step labelled with its cause (every gap before the end: the
    company's parts add up to ``customer_wait_hours``)."""

    @property
    def is_task(self) -> bool:
        return any(m.kind in TASK_KINDS for m in self.meanings)

    def as_record(self, lang: C.Lang = "en") -> dict[str, Any]:
        return {
            "time": self.time,
            "activity": self.activity,
            "who": self.who,
            "team": self.team,
            "channel": self.channel,
            "meaning": [m.text(lang) for m in self.meanings],
            "wait_after": self.wait.text(lang) if self.wait else None,
            "wait_cause": self.waited.as_record() if self.waited else None,
        }


@dataclass
class Story:
    case_id: str
    source: str
    clock: str
    """What the step times are in: ``UTC``, a zone name, or ``date`` (days only)."""
    score: float
    rank: int
    cases: int
    header: dict[str, Any]
    steps: list[Step]
    measures: dict[str, Any]
    contributions: dict[str, float]
    flags: list[dict[str, str]] = field(default_factory=list)
    omitted: int = 0
    """Steps of the case not in ``steps`` (a case longer than the limit asked for)."""
    omitted_after: int = 0
    """Where they would be: after this many of ``steps``."""
    promises: list[dict[str, Any]] = field(default_factory=list)
    """The promises made in the case: name, made, due, kept (times in the log's clock),
    status (kept, broken, open), team (that made it) and holder (when kept or due)."""

    def as_record(self, lang: C.Lang = "en") -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "source": self.source,
            "clock": self.clock,
            "friction_score": self.score,
            "rank": self.rank,
            "cases": self.cases,
            **self.header,
            "timeline": [s.as_record(lang) for s in self.steps],
            "timeline_omitted": (
                {"steps": self.omitted, "after": self.omitted_after} if self.omitted else None
            ),
            "measures": self.measures,
            "contributions": self.contributions,
            "flags": self.flags,
            "promises": self.promises,
        }


def step_meanings(ev: dict[str, Any]) -> list[Meaning]:
    """What an annotated event means for the customer (also for journeys)."""
    out: list[Meaning] = []
    if ev.get("after_end"):
        out.append(Meaning(StepKind.AFTER_END))
    if ev.get("handoff"):
        team = ev.get("group")
        if ev.get("ping_pong"):
            out.append(Meaning(StepKind.PING_PONG, team=team))
        else:
            out.append(
                Meaning(StepKind.HANDOFF, team=team, ordinal=int(ev.get("group_ordinal") or 0))
            )
    if ev.get("external_handoff"):
        out.append(Meaning(StepKind.EXTERNAL_HANDOFF))
    if ev.get("role_customer_task"):
        again = ev.get("repeat_request")
        out.append(Meaning(StepKind.REPEAT_TASK if again else StepKind.CUSTOMER_TASK))
    if ev.get("role_customer_action"):
        out.append(Meaning(StepKind.CUSTOMER_ACTION))
    if ev.get("role_notice"):
        out.append(Meaning(StepKind.NOTICE))
    if ev.get("role_contact") and not (
        ev.get("role_customer_task") or ev.get("role_customer_action")
    ):
        ch = ev.get("channel")
        out.append(
            Meaning(StepKind.CHANNEL_CONTACT, channel=ch) if ch else Meaning(StepKind.CONTACT)
        )
    if ev.get("channel_switch"):
        out.append(Meaning(StepKind.CHANNEL_SWITCH, channel=ev.get("channel")))
    if ev.get("reexplanation"):
        out.append(Meaning(StepKind.REEXPLANATION))
    if ev.get("role_resolution"):
        out.append(Meaning(StepKind.RESOLUTION))
    if not out:
        out.append(Meaning(StepKind.INTERNAL))
    return out


def _wait(ev: dict[str, Any]) -> Wait | None:
    """The wait after the step worth a line: a silence of an hour or more (waiting on the
    company, no news), else an hour or more of the customer's turn before the end."""
    silence = ev.get("silence_hours") or 0.0
    gap = ev.get("gap_hours") or 0.0
    if silence >= _MIN_GAP_HOURS:
        return Wait(WaitingOn.COMPANY, silence)
    if ev.get("waiting_on") == "customer" and gap >= _MIN_GAP_HOURS and not ev.get("after_end"):
        return Wait(WaitingOn.CUSTOMER, gap)
    return None


def _waited(ev: dict[str, Any]) -> CauseWait | None:
    """The gap after the step with its cause, when it counts (before the case's end)."""
    cause, gap = ev.get("wait_cause"), ev.get("gap_hours")
    if cause is None or gap is None or ev.get("is_end") or ev.get("after_end"):
        return None
    return CauseWait(str(cause), float(gap), ev.get("_holding"))


def display_clock(result: Result) -> tuple[Callable[[datetime], str], str]:
    """How a timeline shows times: ``(format, label)``, in the log's own clock.

    Times are stored in UTC.  They are shown in ``[ingest] timezone`` (the zone naive
    timestamps were read in; ``--timezone``), UTC by default.  A log that records days,
    not times (finding ``date-only-timestamps``: every stamp is local midnight) shows
    dates only: in UTC, local midnight of a zone east of UTC falls on the previous
    evening (Road Traffic Fines' ``+01:00``/``+02:00`` midnights read 22:00/23:00 the day
    before), so the date is taken from the nearest midnight, which is right for every
    offset within ±12 hours.
    """
    zone_name = result.settings.ingest.timezone or "UTC"
    zone = ZoneInfo(zone_name)
    utc = zone_name.upper() == "UTC"
    date_only = any(f.code == "date-only-timestamps" for f in result.log.findings)
    if date_only:
        if utc:
            return (lambda ts: (ts + _HALF_DAY).strftime("%Y-%m-%d")), "date"
        return (lambda ts: ts.astimezone(zone).strftime("%Y-%m-%d")), f"date, {zone_name}"
    if utc:
        return (lambda ts: ts.strftime("%Y-%m-%d %H:%M")), "UTC"
    return (lambda ts: ts.astimezone(zone).strftime("%Y-%m-%d %H:%M")), zone_name


def build_story(
    result: Result,
    case_id: str,
    *,
    max_steps: int | None = None,
    keep: str = "ends",
    events: pl.DataFrame | None = None,
) -> Story:
    """The case's story; with ``max_steps``, at most that many steps: the first and the
    last halves (``keep="ends"``) or the first ones (``keep="head"``), and how many were
    left out. The work is bounded by the limit, not by the case (2M events in one case)."""
    from frictionminer.engine.score import SCORE_TERMS

    events, row, flags = result.case(case_id, events)
    if "group" in events.columns:  # the team holding the case: the last one named
        held = pl.col("group").cast(pl.String)
        events = events.with_columns(
            pl.when(held.str.strip_chars() != "").then(held).forward_fill().alias("_holding")
        )
    clock, clock_label = display_clock(result)
    promised = case_promise_rows(events, result.settings, result.promises)
    promises = [
        {
            "promise": r["promise"],
            "made": clock(r["made_at"]),
            "due": clock(r["due"]),
            "kept": None if r["kept_at"] is None else clock(r["kept_at"]),
            "status": r["status"],
            "team": r["team"],
            "holder": r["holder"],
        }
        for r in promised.iter_rows(named=True)
    ]
    steps: list[Step] = []
    omitted = omitted_after = 0
    if max_steps is not None and max_steps >= 0 and events.height > max_steps:
        omitted = events.height - max_steps
        first = max_steps if keep == "head" else (max_steps + 1) // 2
        events = pl.concat([events.head(first), events.tail(max_steps - first)])
        omitted_after = first
    rows = events.to_dicts()
    for ev in rows:
        steps.append(
            Step(
                time=clock(ev["timestamp"]),
                activity=ev["activity"],
                who=ev.get("resource"),
                team=ev.get("group"),
                channel=ev.get("channel"),
                meanings=step_meanings(ev),
                wait=_wait(ev),
                waited=_waited(ev),
            )
        )
    ids = result.cases.get_column("case_id")
    position = ids.index_of(case_id)  # no list of every case id (1.2M: 0.2 s per story)
    assert position is not None  # result.case() found the case
    header: dict[str, Any] = {k: row[k] for k in ("category", "value", "peer_group") if k in row}
    return Story(
        case_id=case_id,
        source=result.log.source,
        clock=clock_label,
        score=row["friction_score"],
        rank=int(position) + 1,
        cases=ids.len(),
        header=header,
        steps=steps,
        measures={m: row[m] for m in result.measure_names if m not in ("start", "end")},
        contributions={t: row[f"contrib_{t}"] for t in SCORE_TERMS},
        flags=[
            {k: f[k] for k in ("rule", "name", "severity", "remedy", "message")}
            for f in flags.iter_rows(named=True)
        ],
        omitted=omitted,
        omitted_after=omitted_after,
        promises=promises,
    )


def promise_text(record: dict[str, Any], lang: C.Lang = "en") -> str:
    """One promise of a case in a line: made, due, and how it ended."""
    W = C.PROMISE_WORDS
    name, due, kept = record["promise"], record["due"], record["kept"]
    made = W["explain_made"][lang].format(name=name, due=due)
    if record["status"] == "kept":
        end = W["explain_kept"][lang].format(name=name, at=kept)
    elif record["status"] == "open":
        end = W["explain_open"][lang].format(name=name, due=due)
    elif kept is not None:
        end = W["explain_late"][lang].format(name=name, at=kept, due=due)
    else:
        end = W["explain_broken"][lang].format(name=name, due=due)
    teams = record["team"] or ""
    if record["holder"] and record["holder"] != record["team"]:
        teams += f" → {record['holder']}"
    return f"{record['made']} {made} — {end}" + (f" [{teams}]" if teams else "")


def render_terminal(story: Story, console: Console, lang: C.Lang = "en") -> None:
    w = {key: words[lang] for key, words in C.EXPLAIN.items()}
    extra = ", ".join(
        f"{w[k]} {v}" for k, v in story.header.items() if v is not None and k in C.EXPLAIN
    )
    console.print(
        f"[bold]{escape(w['case'].format(case=story.case_id))}[/bold]"
        + (f" ({escape(extra)})" if extra else "")
        + w["rank"].format(score=story.score, rank=story.rank, cases=story.cases)
    )
    columns = (
        w["when"].format(clock=C.clock_label(story.clock, lang)),
        w["what"],
        w["who"],
        w["team"],
        w["channel"],
        w["for_customer"],
    )

    def steps_table(steps: list[Step], title: str) -> RenderableType:
        rows: list[TimelineRow] = []
        for s in steps:
            rows.append(
                (
                    s.time,
                    Text(s.activity),
                    Text(s.who or ""),
                    Text(s.team or ""),
                    Text(s.channel or ""),
                    Text("; ".join(m.text(lang) for m in s.meanings)),
                )
            )
            if s.wait:
                style = "yellow" if s.wait.on is WaitingOn.COMPANY else "dim"
                rows.append(Text(f"⋯ {s.wait.text(lang)}", style=style))
            cause = s.waited
            if cause and cause.cause != "customer" and cause.hours >= _MIN_GAP_HOURS:
                rows.append(Text(f"⋯ {w['waited']}: {cause.text(lang)}", style="cyan"))
        return timeline(console, title=title, headers=columns, rows=rows, main=1)

    cut = story.omitted_after if story.omitted else len(story.steps)
    console.print(steps_table(story.steps[:cut], w["timeline"]))
    if story.omitted:
        total = story.omitted + len(story.steps)
        console.print(Text(w["omitted"].format(n=story.omitted, total=total), style="dim"))
        console.print(steps_table(story.steps[cut:], ""))

    if story.promises:
        console.print(f"[bold]{C.PROMISE_WORDS['heading'][lang]}[/bold]")
        for record in story.promises:
            style = {"kept": "green", "broken": "red"}.get(record["status"], "yellow")
            console.print(Text("  " + promise_text(record, lang), style=style))

    m = Table(title=w["measures"], title_justify="left")
    m.add_column(w["measure"])
    m.add_column(w["value"], justify="right")
    m.add_column(w["points"], justify="right")
    contrib_of = {
        "interactions": "interactions",
        "customer_tasks": "customer_tasks",
        "repeat_requests": "repeat_requests",
        "customer_wait_hours": "customer_wait_days",
        "silent_wait_max_hours": "silent_wait_max_days",
        "handoffs": "handoffs",
        "ping_pongs": "ping_pongs",
        "external_handoffs": "external_handoffs",
        "channel_switches": "channel_switches",
        "resolved": "unresolved",
    }
    for name, value in story.measures.items():
        term = contrib_of.get(name)
        pts = story.contributions.get(term, 0.0) if term else None
        m.add_row(name, measure_text(name, value), "" if pts is None else f"{pts:.1f}")
    m.add_row(w["disproportion"], "", f"{story.contributions.get('disproportion', 0.0):.1f}")
    m.add_row(f"[bold]{w['score']}[/bold]", "", f"[bold]{story.score:.1f}[/bold]")
    console.print(m)
    print_flags(console, story.flags, w)


def measure_text(name: str, value: Any) -> str:
    """A measure as the explain tables show it: hours as durations, floats short."""
    if value is None:
        return "—"
    if name.endswith("_hours"):
        return hours(value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def print_flags(console: Console, flags: list[dict[str, Any]], w: dict[str, str]) -> None:
    """The flags of a case or a journey, each with its severity and remedy."""
    if not flags:
        console.print(f"[bold]{w['flags']}[/bold]: {w['none']}")
        return
    console.print(f"[bold]{w['flags']}[/bold]")
    for f in flags:
        console.print(
            Text.assemble(
                (f"  {f['rule']} ", "bold"),
                (f"[{f['severity']}] ", "yellow"),
                f["message"],
                (w["remedy"].format(remedy=f["remedy"]), "dim"),
            )
        )


def render_json(story: Story, lang: C.Lang = "en") -> str:
    return json.dumps(story.as_record(lang), indent=2, ensure_ascii=False, default=str) + "\n"
