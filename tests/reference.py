"""A slow, obviously-correct reference for the per-case measures (tests only).

Written from the definitions in DESIGN §3.2 and the paths/measures module docstrings,
one case at a time with plain Python loops, sharing no code with
``frictionminer.engine.paths``/``frictionminer.engine.measures``.  Input: classified events (the
``role_*`` columns), lifecycle selection already applied.
"""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

import polars as pl

from frictionminer.settings import Settings

ROLES = ("contact", "customer_task", "customer_action", "notice", "resolution")


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if text.strip() else None


def _hours(a: datetime, b: datetime) -> float:
    return (b - a).total_seconds() / 3600.0


def measure_case(events: list[dict[str, Any]], settings: Settings) -> dict[str, Any]:
    """All measures of one case; ``events`` in any order."""
    ev = sorted(events, key=lambda e: (e["timestamp"], e["event_index"]))
    n = len(ev)
    role = [{r: bool(e[f"role_{r}"]) for r in ROLES} for e in ev]

    end = n - 1
    for i in range(n):
        if role[i]["resolution"]:
            end = i
            break

    # Ball in court: the state of the interval starting at each event.
    state = "company"
    states = []
    for i in range(n):
        if role[i]["customer_task"]:
            state = "customer"
        elif role[i]["customer_action"]:
            state = "company"
        states.append(state)

    wait = 0.0
    for i in range(end):
        if states[i] == "company":
            wait += _hours(ev[i]["timestamp"], ev[i + 1]["timestamp"])

    # Waiting by cause: the gap starting at each event before the end (customer first,
    # then an outside party, a queue, a handoff not yet acted on, else in work).
    handoff_state = []
    previous_team: str | None = None
    after_handoff = False
    for e in ev:
        team = _clean(e.get("group"))
        if team is not None:
            after_handoff = previous_team is not None and team != previous_team
            previous_team = team
        handoff_state.append(after_handoff)
    parts = dict.fromkeys(("queue", "handoff", "external", "in_work", "customer"), 0.0)
    for i in range(end):
        if states[i] == "customer":
            cause = "customer"
        elif ev[i].get("role_external_wait"):
            cause = "external"
        elif ev[i].get("role_queue"):
            cause = "queue"
        elif handoff_state[i]:
            cause = "handoff"
        else:
            cause = "in_work"
        parts[cause] += _hours(ev[i]["timestamp"], ev[i + 1]["timestamp"])

    boundaries = [i for i in range(end + 1) if i in (0, end) or any(role[i].values())]
    silent = 0.0
    for a, b in itertools.pairwise(boundaries):
        if states[a] == "company":
            silent = max(silent, _hours(ev[a]["timestamp"], ev[b]["timestamp"]))

    def handoffs_over(column: str | None) -> tuple[int, int]:
        changes = pings = 0
        previous: str | None = None
        seen: set[str] = set()
        for e in ev:
            value = _clean(e.get(column)) if column else None
            if value is None:
                continue
            if previous is not None and value != previous:
                changes += 1
                if value in seen:
                    pings += 1
            seen.add(value)
            previous = value
        return changes, pings

    handoffs, ping_pongs = handoffs_over("group")
    external, _ = handoffs_over(settings.measures.organisation)

    switches = 0
    last_channel: str | None = None
    for i, e in enumerate(ev):
        channel = _clean(e.get("channel"))
        if role[i]["contact"] and channel is not None:
            if last_channel is not None and channel != last_channel:
                switches += 1
            last_channel = channel

    reexplanations = 0
    current: str | None = None
    had_contact = False
    group_at_last_contact: str | None = None
    for i, e in enumerate(ev):
        group = _clean(e.get("group"))
        if group is not None:
            current = group
        if role[i]["contact"]:
            if (
                had_contact
                and current is not None
                and group_at_last_contact is not None
                and current != group_at_last_contact
            ):
                reexplanations += 1
            had_contact = True
            group_at_last_contact = current

    repeats = 0
    asked: set[str] = set()
    for i, e in enumerate(ev):
        if role[i]["customer_task"]:
            if e["activity"] in asked:
                repeats += 1
            asked.add(e["activity"])

    interactions = sum(r["contact"] for r in role)
    tasks = sum(r["customer_task"] for r in role)
    effort = settings.effort
    out: dict[str, Any] = {
        "case_id": ev[0]["case_id"],
        "events": n,
        "start": ev[0]["timestamp"],
        "end": ev[end]["timestamp"],
        "interactions": interactions,
        "customer_tasks": tasks,
        "repeat_requests": repeats,
        "customer_wait_hours": wait,
        "wait_queue_hours": parts["queue"],
        "wait_handoff_hours": parts["handoff"],
        "wait_external_hours": parts["external"],
        "wait_in_work_hours": parts["in_work"],
        "on_customer_hours": parts["customer"],
        "silent_wait_max_hours": silent,
        "handoffs": handoffs,
        "ping_pongs": ping_pongs,
        "external_handoffs": external,
        "channel_switches": switches,
        "reexplanations": reexplanations,
        "duration_hours": _hours(ev[0]["timestamp"], ev[-1]["timestamp"]),
        "effort_minutes": effort.contact * interactions
        + effort.customer_task * tasks
        + effort.channel_switch * switches
        + effort.reexplanation * reexplanations,
        "resolved": any(r["resolution"] for r in role),
        # the customer acts again after the first resolution: the problem came back
        "reopened": any(r["resolution"] for r in role)
        and any(r["customer_action"] for r in role[end + 1 :]),
    }
    for key in ("category", "value"):
        column = getattr(settings.columns, key)
        if column is not None:
            first = next((e[column] for e in ev if e[column] is not None), None)
            out[key] = float(first) if key == "value" and first is not None else first
    return out


def reference_measures(events: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    """One row per case, sorted by case_id, with the dtypes of ``case_measures``."""
    by_case: dict[str, list[dict[str, Any]]] = {}
    for row in events.iter_rows(named=True):
        by_case.setdefault(row["case_id"], []).append(row)
    rows = [measure_case(by_case[case], settings) for case in sorted(by_case)]
    ints = (
        "events",
        "interactions",
        "customer_tasks",
        "repeat_requests",
        "handoffs",
        "ping_pongs",
        "external_handoffs",
        "channel_switches",
        "reexplanations",
    )
    floats = (
        "customer_wait_hours",
        "wait_queue_hours",
        "wait_handoff_hours",
        "wait_external_hours",
        "wait_in_work_hours",
        "on_customer_hours",
        "silent_wait_max_hours",
        "duration_hours",
        "effort_minutes",
    )
    schema: dict[str, Any] = {
        "case_id": pl.String,
        "start": events.schema["timestamp"],
        "end": events.schema["timestamp"],
        "resolved": pl.Boolean,
        "reopened": pl.Boolean,
        **{k: pl.Int64 for k in ints},
        **{k: pl.Float64 for k in floats},
    }
    if settings.columns.category is not None:
        schema["category"] = events.schema[settings.columns.category]
    if settings.columns.value is not None:
        schema["value"] = pl.Float64
    order = list(rows[0]) if rows else list(schema)
    return pl.DataFrame(rows, schema={k: schema[k] for k in order})
