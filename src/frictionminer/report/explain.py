"""``explain``: one case told as the customer lived it."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from frictionminer.engine.result import Result
from frictionminer.report.units import hours

_HALF_DAY = timedelta(hours=12)
_MIN_GAP_HOURS = 1.0
"""Waits shorter than this are not worth a line of their own."""


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@dataclass
class Step:
    time: str
    activity: str
    who: str | None
    team: str | None
    channel: str | None
    meaning: list[str]
    wait_after: str | None = None

    def as_record(self) -> dict[str, Any]:
        return dict(self.__dict__)


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

    def as_record(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "source": self.source,
            "clock": self.clock,
            "friction_score": self.score,
            "rank": self.rank,
            "cases": self.cases,
            **self.header,
            "timeline": [s.as_record() for s in self.steps],
            "measures": self.measures,
            "contributions": self.contributions,
            "flags": self.flags,
        }


def _meaning(ev: dict[str, Any]) -> list[str]:
    out: list[str] = []
    if ev.get("after_end"):
        out.append("after the end of the customer's case")
    if ev.get("handoff"):
        team = ev.get("group")
        if ev.get("ping_pong"):
            out.append(f"back to {team}, which had the case before (ping-pong)")
        else:
            out.append(f"handed to {team} ({ordinal(int(ev.get('group_ordinal') or 0))} team)")
    if ev.get("external_handoff"):
        out.append("passed to another organisation")
    if ev.get("role_customer_task"):
        again = " — asked before" if ev.get("repeat_request") else ""
        out.append(f"the customer is asked to act{again}")
    if ev.get("role_customer_action"):
        out.append("the customer acts")
    if ev.get("role_notice"):
        out.append("interim notice: the customer hears how things stand")
    if ev.get("role_contact") and not (
        ev.get("role_customer_task") or ev.get("role_customer_action")
    ):
        ch = ev.get("channel")
        out.append(f"contact by {ch}" if ch else "contact with the customer")
    if ev.get("channel_switch"):
        out.append(f"the customer has to switch channel (to {ev.get('channel')})")
    if ev.get("reexplanation"):
        out.append("explains the case again to a new team")
    if ev.get("role_resolution"):
        out.append("solved, as the customer sees it")
    if not out:
        out.append("internal step (invisible to the customer)")
    return out


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


def build_story(result: Result, case_id: str) -> Story:
    from frictionminer.engine.score import SCORE_TERMS

    events, row, flags = result.case(case_id)
    clock, clock_label = display_clock(result)
    steps: list[Step] = []
    rows = events.to_dicts()
    for ev in rows:
        wait: str | None = None
        silence = ev.get("silence_hours") or 0.0
        gap = ev.get("gap_hours") or 0.0
        if silence >= _MIN_GAP_HOURS:
            wait = f"waiting on the company — {hours(silence)}, no news"
        elif (
            ev.get("waiting_on") == "customer" and gap >= _MIN_GAP_HOURS and not ev.get("after_end")
        ):
            wait = f"waiting on the customer — {hours(gap)}"
        steps.append(
            Step(
                time=clock(ev["timestamp"]),
                activity=ev["activity"],
                who=ev.get("resource"),
                team=ev.get("group"),
                channel=ev.get("channel"),
                meaning=_meaning(ev),
                wait_after=wait,
            )
        )
    ids = result.cases["case_id"].to_list()
    header: dict[str, Any] = {k: row[k] for k in ("category", "value", "peer_group") if k in row}
    return Story(
        case_id=case_id,
        source=result.log.source,
        clock=clock_label,
        score=row["friction_score"],
        rank=ids.index(case_id) + 1,
        cases=len(ids),
        header=header,
        steps=steps,
        measures={m: row[m] for m in result.measure_names if m not in ("start", "end")},
        contributions={t: row[f"contrib_{t}"] for t in SCORE_TERMS},
        flags=[
            {k: f[k] for k in ("rule", "name", "severity", "remedy", "message")}
            for f in flags.iter_rows(named=True)
        ],
    )


def render_terminal(story: Story, console: Console) -> None:
    labels = {"category": "category", "value": "value", "peer_group": "compared with"}
    extra = ", ".join(
        f"{labels[k]} {v}" for k, v in story.header.items() if v is not None and k in labels
    )
    console.print(
        f"[bold]Case {escape(story.case_id)}[/bold]"
        + (f" ({escape(extra)})" if extra else "")
        + f" — friction score {story.score:.1f}, rank {story.rank:,} of {story.cases:,}"
    )
    table = Table(show_lines=False, title="As the customer lived it", title_justify="left")
    for col in (
        f"when ({story.clock})",
        "what happened",
        "who",
        "team",
        "channel",
        "for the customer",
    ):
        table.add_column(col)
    for s in story.steps:
        table.add_row(
            s.time,
            Text(s.activity),
            Text(s.who or ""),
            Text(s.team or ""),
            Text(s.channel or ""),
            Text("; ".join(s.meaning)),
        )
        if s.wait_after:
            style = "yellow" if "company" in s.wait_after else "dim"
            table.add_row("", Text(f"   ⋯ {s.wait_after}", style=style), "", "", "", "")
    console.print(table)

    m = Table(title="Measures", title_justify="left")
    m.add_column("measure")
    m.add_column("value", justify="right")
    m.add_column("score points", justify="right")
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
        shown = (
            hours(value)
            if name.endswith("_hours")
            else (f"{value:g}" if isinstance(value, float) else str(value))
        )
        m.add_row(name, shown, "" if pts is None else f"{pts:.1f}")
    m.add_row(
        "disproportion (vs peers/value)", "", f"{story.contributions.get('disproportion', 0.0):.1f}"
    )
    m.add_row("[bold]friction score[/bold]", "", f"[bold]{story.score:.1f}[/bold]")
    console.print(m)
    if story.flags:
        console.print("[bold]Flags[/bold]")
        for f in story.flags:
            console.print(
                Text.assemble(
                    (f"  {f['rule']} ", "bold"),
                    (f"[{f['severity']}] ", "yellow"),
                    f["message"],
                    (f"  → remedy: {f['remedy']}", "dim"),
                )
            )
    else:
        console.print("[bold]Flags[/bold]: none")


def render_json(story: Story) -> str:
    return json.dumps(story.as_record(), indent=2, ensure_ascii=False, default=str) + "\n"
