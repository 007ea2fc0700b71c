"""The generator behind ``simulate``: cases built slot by slot over whole arrays.

A scenario is written as a sequence of *steps* (:meth:`Builder.step`).  Each step is one
potential event for **every** case at once: arrays of length ``n`` say whether the case
has the event (``active``), which activity, team and channel it has, and how long after
the case's previous event it happens.  There is no Python work per event or per case: a
scenario is a few dozen steps, each a handful of numpy operations over all cases, so a
million events take a second or two.

Time
    Company work runs on business hours (Monday to Friday, 08:00-17:00): a delay of
    ``h`` business hours is added in a *business-time coordinate* (business seconds since
    the epoch Monday) and mapped back, so nights and weekends are skipped by arithmetic.
    Customers act in calendar time between 07:00 and 22:00; system events (automated
    acknowledgements, interim notices) happen at any hour.

Interim notices (the clean baseline's good practice)
    A well-run company tells a waiting customer what is happening.  Whenever a case has
    waited on the company longer than ``notice_after_hours`` without news, the builder
    inserts evenly spaced ``notice`` events into the wait, so no silence in a clean case
    reaches FM004's 72 hours even across a weekend.  The ``silent-wait`` pattern turns this
    off for its cases and adds a long queue.

Ground truth
    While it builds, the builder keeps per case the measures of docs/friction-model.md
    (interactions, tasks, repeated requests, handoffs, ping-pongs, channel switches,
    re-explanations, resolution, longest silence) from its own role table.  It is an
    independent reading of the documented definitions, not a call of the engine, and it
    is where the ``injected`` labels come from (:mod:`frictionminer.simulation.labels`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
import polars as pl

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]

HOUR = 3600
DAY = 86400
BASE_EPOCH = 1_704_067_200
"""2024-01-01T00:00:00Z, a Monday: simulated time is seconds since then."""
OPEN_HOUR, CLOSE_HOUR = 8, 17
BUSINESS_DAY = (CLOSE_HOUR - OPEN_HOUR) * HOUR
BUSINESS_WEEK = 5 * BUSINESS_DAY

CONTACT, TASK, ACTION, NOTICE, RESOLUTION = 1, 2, 4, 8, 16
ROLE_BITS: dict[str, int] = {
    "contact": CONTACT,
    "customer_task": TASK,
    "customer_action": ACTION,
    "notice": NOTICE,
    "resolution": RESOLUTION,
}

Actor = Literal["company", "customer", "system"]


def to_business(t: IntArray) -> IntArray:
    """Business seconds since the epoch Monday; times outside hours map to the next opening."""
    day, sec = np.divmod(t, DAY)
    week, weekday = np.divmod(day, 7)
    in_day = np.clip(sec - OPEN_HOUR * HOUR, 0, BUSINESS_DAY)
    in_day = np.where(weekday >= 5, 0, in_day)
    days: IntArray = np.minimum(weekday, 5) + week * 5
    return days * BUSINESS_DAY + in_day


def from_business(b: IntArray) -> IntArray:
    """Inverse of :func:`to_business` (the end of a day maps to the next opening)."""
    week, rem = np.divmod(b, BUSINESS_WEEK)
    day, sec = np.divmod(rem, BUSINESS_DAY)
    out: IntArray = (week * 7 + day) * DAY + OPEN_HOUR * HOUR + sec
    return out


def add_business_hours(t: IntArray, hours: FloatArray) -> IntArray:
    """``t`` plus ``hours`` of working time (Mon-Fri 08:00-17:00), skipping nights and weekends."""
    return from_business(to_business(t) + np.round(hours * HOUR).astype(np.int64))


def waking_time(t: IntArray, jitter: IntArray) -> IntArray:
    """Move times at night (22:00-07:00) to the next morning, 07:00 plus ``jitter`` seconds."""
    day, sec = np.divmod(t, DAY)
    early = sec < 7 * HOUR
    late = sec >= 22 * HOUR
    morning = np.where(late, day + 1, day) * DAY + 7 * HOUR + jitter
    out: IntArray = np.where(early | late, morning, t)
    return out


@dataclass
class Truth:
    """Per-case ground truth kept while building (documented measure definitions)."""

    n: int
    interactions: IntArray = field(init=False)
    customer_tasks: IntArray = field(init=False)
    repeat_requests: IntArray = field(init=False)
    handoffs: IntArray = field(init=False)
    ping_pongs: IntArray = field(init=False)
    channel_switches: IntArray = field(init=False)
    reexplanations: IntArray = field(init=False)
    resolved: BoolArray = field(init=False)
    silent_max: IntArray = field(init=False)
    company_wait: IntArray = field(init=False)
    """Time between events, from the first event to the end, while the case waits on
    the company (``customer_wait_hours``; read by FM013's true score)."""

    def __post_init__(self) -> None:
        for name in (
            "interactions",
            "customer_tasks",
            "repeat_requests",
            "handoffs",
            "ping_pongs",
            "channel_switches",
            "reexplanations",
            "silent_max",
            "company_wait",
        ):
            setattr(self, name, np.zeros(self.n, dtype=np.int64))
        self.resolved = np.zeros(self.n, dtype=np.bool_)


class Builder:
    """Accumulates steps (potential events) over all cases; see the module docstring."""

    def __init__(
        self,
        n: int,
        rng: np.random.Generator,
        start: IntArray,
        *,
        notice_activity: str,
        notice_after_hours: float = 40.0,
    ) -> None:
        self.n = n
        self.rng = rng
        self.activities: list[str] = []
        self.roles: list[int] = []
        self._activity_code: dict[str, int] = {}
        self.teams: list[str] = []
        self.team_org: list[str] = []
        self._team_code: dict[str, int] = {}
        self._staff: list[tuple[int, int]] = []  # per team: first resource code, count
        self.resources: list[str] = ["customer", "system"]
        self.channels: list[str] = []
        self._channel_code: dict[str, int] = {}
        self._task_bit: dict[int, int] = {}
        # slots
        self._act: list[IntArray] = []
        self._team: list[IntArray] = []
        self._chan: list[IntArray] = []
        self._res: list[IntArray] = []
        self._time: list[IntArray] = []
        self._active: list[BoolArray] = []
        # per-case state
        self.t = start.astype(np.int64)
        self.started = np.zeros(n, dtype=np.bool_)
        self.ended = np.zeros(n, dtype=np.bool_)
        self.on_company = np.ones(n, dtype=np.bool_)
        self.last_boundary = start.astype(np.int64)
        self.notify = np.ones(n, dtype=np.bool_)
        self.notice_after = int(notice_after_hours * HOUR)
        self.notice_code = self.activity(notice_activity, notice=True)
        self._last_team = np.full(n, -1, dtype=np.int64)
        self._seen_teams = np.zeros(n, dtype=np.int64)
        self._asked = np.zeros(n, dtype=np.int64)
        self._last_channel = np.full(n, -1, dtype=np.int64)
        self._contact_team = np.full(n, -2, dtype=np.int64)
        self.truth = Truth(n)

    # -- vocabulary ----------------------------------------------------------------
    def activity(
        self,
        name: str,
        *,
        contact: bool = False,
        task: bool = False,
        action: bool = False,
        notice: bool = False,
        resolution: bool = False,
    ) -> int:
        """The code of activity ``name`` with the given roles (declared once per name)."""
        roles = (
            CONTACT * contact + TASK * task + ACTION * action + NOTICE * notice
        ) + RESOLUTION * resolution
        if name in self._activity_code:
            code = self._activity_code[name]
            if self.roles[code] != roles:
                raise ValueError(f"activity {name!r} declared with two role sets")
            return code
        code = len(self.activities)
        self.activities.append(name)
        self.roles.append(roles)
        self._activity_code[name] = code
        if task:
            if len(self._task_bit) >= 62:
                raise ValueError("at most 62 distinct customer tasks per scenario")
            self._task_bit[code] = 1 << len(self._task_bit)
        return code

    def team(self, name: str, organisation: str, staff: Sequence[str]) -> int:
        """The code of team ``name`` (of ``organisation``) whose events ``staff`` perform."""
        if name in self._team_code:
            return self._team_code[name]
        if len(self.teams) >= 62:
            raise ValueError("at most 62 teams per scenario")
        code = len(self.teams)
        self.teams.append(name)
        self.team_org.append(organisation)
        self._team_code[name] = code
        self._staff.append((len(self.resources), len(staff)))
        self.resources.extend(staff)
        return code

    def channel(self, name: str) -> int:
        if name not in self._channel_code:
            self._channel_code[name] = len(self.channels)
            self.channels.append(name)
        return self._channel_code[name]

    # -- random helpers --------------------------------------------------------------
    def uniform(self, low: float, high: float) -> FloatArray:
        return self.rng.uniform(low, high, self.n)

    def chance(self, p: float | FloatArray) -> BoolArray:
        out: BoolArray = self.rng.random(self.n) < p
        return out

    def lognormal_hours(self, median: float, sigma: float = 0.6, cap: float = 1e9) -> FloatArray:
        out: FloatArray = np.minimum(median * self.rng.lognormal(0.0, sigma, self.n), cap)
        return out

    # -- steps -----------------------------------------------------------------------
    def step(
        self,
        activity: int | IntArray,
        *,
        by: Actor,
        team: int | IntArray | None,
        channel: int | IntArray | None = None,
        delay_h: float | FloatArray = 0.0,
        active: bool | BoolArray = True,
    ) -> None:
        """One potential event for every case (see the module docstring).

        ``delay_h`` is business hours for the company, calendar hours for the customer and
        the system.  Inactive cases keep their clock and state.
        """
        n = self.n
        act = np.broadcast_to(np.asarray(activity, dtype=np.int64), (n,))
        on = np.broadcast_to(np.asarray(active, dtype=np.bool_), (n,))
        delay = np.broadcast_to(np.asarray(delay_h, dtype=np.float64), (n,))
        if by == "company":
            t_new = add_business_hours(self.t, delay)
        elif by == "customer":
            jitter = self.rng.integers(0, 3 * HOUR, n)
            t_new = waking_time(self.t + np.round(delay * HOUR).astype(np.int64), jitter)
        else:
            t_new = self.t + np.round(delay * HOUR).astype(np.int64)
        self._notices(on, t_new)

        team_code = np.broadcast_to(np.asarray(-1 if team is None else team, np.int64), (n,))
        chan = np.broadcast_to(np.asarray(-1 if channel is None else channel, np.int64), (n,))
        if by == "company":
            first_res = np.array([self._staff[t][0] for t in range(len(self.teams))] or [0])
            count = np.array([self._staff[t][1] for t in range(len(self.teams))] or [1])
            safe = np.maximum(team_code, 0)
            pick = self.rng.integers(0, 1 << 30, n) % count[safe]
            res = np.where(team_code >= 0, first_res[safe] + pick, 1)
        else:
            res = np.full(n, 0 if by == "customer" else 1, dtype=np.int64)
        self._record(act, team_code, chan, res, t_new, on)

    def _notices(self, on: BoolArray, t_new: IntArray) -> None:
        """Insert interim notices into long waits on the company (clean good practice)."""
        gap = t_new - self.last_boundary
        need = on & self.notify & self.started & ~self.ended & self.on_company
        need &= gap > self.notice_after
        if not need.any():
            return
        parts = np.where(need, -(-gap // self.notice_after), 1)  # ceil
        notices = int(parts.max()) - 1
        start = self.last_boundary.copy()
        code = np.full(self.n, self.notice_code, dtype=np.int64)
        none = np.full(self.n, -1, dtype=np.int64)
        system = np.ones(self.n, dtype=np.int64)
        for j in range(1, notices + 1):
            put = need & (parts > j)
            at = start + (gap * j) // np.maximum(parts, 1)
            self._record(code, none, none, system, at, put)

    def _record(
        self,
        act: IntArray,
        team: IntArray,
        chan: IntArray,
        res: IntArray,
        t_new: IntArray,
        on: BoolArray,
    ) -> None:
        self._act.append(np.array(act))
        self._team.append(np.array(team))
        self._chan.append(np.array(chan))
        self._res.append(np.array(res))
        self._time.append(np.array(t_new))
        self._active.append(np.array(on))
        self._update_truth(act, team, chan, t_new, on)

    def _update_truth(
        self, act: IntArray, team: IntArray, chan: IntArray, t_new: IntArray, on: BoolArray
    ) -> None:
        tr = self.truth
        roles = np.asarray(self.roles, dtype=np.int64)[act]
        contact = on & ((roles & CONTACT) > 0)
        task = on & ((roles & TASK) > 0)
        action = on & ((roles & ACTION) > 0)
        resolution = on & ((roles & RESOLUTION) > 0)
        perceived = on & (roles > 0)
        first = on & ~self.started
        boundary = ~self.ended & (perceived | first)
        silent = boundary & self.started & self.on_company
        tr.silent_max = np.where(
            silent, np.maximum(tr.silent_max, t_new - self.last_boundary), tr.silent_max
        )
        waiting = on & self.started & ~self.ended & self.on_company
        tr.company_wait += np.where(waiting, np.maximum(t_new - self.t, 0), 0)
        self.last_boundary = np.where(boundary, t_new, self.last_boundary)
        self.on_company = np.where(task, False, np.where(action, True, self.on_company))
        tr.resolved |= resolution
        self.ended |= resolution
        tr.interactions += contact
        tr.customer_tasks += task
        bits = np.zeros(len(self.activities), dtype=np.int64)
        for code, bit in self._task_bit.items():
            bits[code] = bit
        asked = bits[act]
        tr.repeat_requests += task & ((self._asked & asked) != 0)
        self._asked |= np.where(task, asked, 0)
        has_team = on & (team >= 0)
        team_bit = np.left_shift(1, np.maximum(team, 0))
        handoff = has_team & (self._last_team >= 0) & (team != self._last_team)
        tr.handoffs += handoff
        tr.ping_pongs += handoff & ((self._seen_teams & team_bit) != 0)
        self._seen_teams |= np.where(has_team, team_bit, 0)
        self._last_team = np.where(has_team, team, self._last_team)
        has_channel = contact & (chan >= 0)
        tr.channel_switches += (
            has_channel & (self._last_channel >= 0) & (chan != self._last_channel)
        )
        self._last_channel = np.where(has_channel, chan, self._last_channel)
        current = self._last_team
        tr.reexplanations += (
            contact & (current >= 0) & (self._contact_team >= 0) & (current != self._contact_team)
        )
        self._contact_team = np.where(contact, current, self._contact_team)
        self.t = np.where(on, np.maximum(self.t, t_new), self.t)
        self.started |= on

    # -- result ----------------------------------------------------------------------
    def finish(self) -> None:
        """Close the truth: an unresolved case's last stretch on the company counts too."""
        tr = self.truth
        open_end = ~self.ended & self.on_company
        tr.silent_max = np.where(
            open_end, np.maximum(tr.silent_max, self.t - self.last_boundary), tr.silent_max
        )

    def events(self, case_ids: pl.Series) -> pl.DataFrame:
        """The events of all cases: case-major, in time order (ties in step order)."""
        active = np.stack(self._active, axis=1)
        case_idx, slot_idx = np.nonzero(active)
        times = np.stack(self._time, axis=1)[case_idx, slot_idx]
        order = np.lexsort((slot_idx, times, case_idx))
        case_idx, slot_idx, times = case_idx[order], slot_idx[order], times[order]

        def pick(parts: list[IntArray]) -> IntArray:
            out: IntArray = np.stack(parts, axis=1)[case_idx, slot_idx]
            return out

        act, team, chan, res = pick(self._act), pick(self._team), pick(self._chan), pick(self._res)

        def names(values: list[str], codes: IntArray) -> pl.Series:
            vocab = pl.Series(values, dtype=pl.String)
            idx = pl.Series(np.where(codes >= 0, codes, 0).astype(np.uint32))
            out = vocab.gather(idx)
            return pl.select(pl.when(pl.lit(pl.Series(codes >= 0))).then(out)).to_series()

        orgs = [*self.team_org]
        return pl.DataFrame(
            {
                "case_id": case_ids.gather(pl.Series(case_idx.astype(np.uint32))),
                "activity": names(self.activities, act),
                "timestamp": pl.Series((times + BASE_EPOCH) * 1_000_000).cast(
                    pl.Datetime("us", "UTC")
                ),
                "resource": names(self.resources, res),
                "group": names(self.teams, team),
                "organisation": names(orgs, team),
                "channel": names(self.channels, chan),
            }
        )

    def role_table(self) -> dict[str, list[str]]:
        """Activity names per role, for the scenario's config."""
        out: dict[str, list[str]] = {role: [] for role in ROLE_BITS}
        for name, roles in zip(self.activities, self.roles, strict=True):
            for role, bit in ROLE_BITS.items():
                if roles & bit:
                    out[role].append(name)
        return out
