"""What the roles could see: cases matched per role, and what cannot be computed without it.

A measure or rule built on a role means nothing on a log where the role's patterns
(``[roles]``) match no event, or almost none: with no ``resolution``, every case looks
unresolved; with nothing the customer notices before the end (no contact, notice, task or
action), every wait is one silent wait from the start to the end.  This
module declares, once, which measures, score terms and rules depend on which role
(:data:`NEEDS`), and judges from the whole log's role counts which of them the log
cannot support (:class:`RoleCoverage`).

A need is *unseen* when its roles match events in fewer than ``[roles] min_case_share``
of the cases (0 matches is always unseen).  The pipeline then leaves the need's score
terms at 0 and does not evaluate its rules; the summary reports it in ``warnings``.

The counts come from the facts (the ``roles`` table of :mod:`frictionminer.engine.facts`):
events and distinct cases per role, summed exactly over parts, so every execution
strategy judges the same.  Everything here is numbers and names; the words are in
:mod:`frictionminer.reporting.catalogue`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from frictionminer.settings import ROLE_NAMES

UNSEEN = "role_unseen"
"""The code of the warning, and the reason a rule is suppressed (``suppressed``)."""

NEWS = "news"
"""The pseudo-role "news": an event the customer notices while the case is open (contact,
notice, customer_task or customer_action; a resolution ends the wait rather than breaking
it).  Without any, ``silent_wait_max_hours`` is the whole time to the end."""

NEWS_ROLES: tuple[str, ...] = ("contact", "notice", "customer_task", "customer_action")

COVERAGE_ROLES: tuple[str, ...] = (*ROLE_NAMES, NEWS)
"""The rows of the facts' ``roles`` table."""


@dataclass(frozen=True)
class RoleNeed:
    """Measures, score terms and rules that mean nothing without a role.

    ``roles``: the need is met when any of them is seen (``news``: :data:`NEWS_ROLES`).
    ``measures``: measures that are not computed (reported as such; the summary's
    ``resolved_share``/``reopened_share`` are null).  ``terms``: score terms that
    contribute 0.  ``rules``: rules that do not fire.
    """

    name: str
    roles: tuple[str, ...]
    measures: tuple[str, ...]
    terms: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()


NEEDS: tuple[RoleNeed, ...] = (
    RoleNeed(
        "resolution",
        ("resolution",),
        measures=("resolved", "reopened"),
        terms=("unresolved",),
        rules=("FM009",),
    ),
    RoleNeed(
        NEWS,
        NEWS_ROLES,
        measures=("silent_wait_max_hours",),
        terms=("silent_wait_max_days",),
        rules=("FM004",),
    ),
    RoleNeed(
        "contact",
        ("contact",),
        measures=("interactions", "channel_switches", "reexplanations"),
        terms=("interactions", "channel_switches"),
        rules=("FM001", "FM007"),
    ),
    RoleNeed(
        "customer_task",
        ("customer_task",),
        measures=("customer_tasks", "repeat_requests"),
        terms=("customer_tasks", "repeat_requests"),
        rules=("FM002", "FM003"),
    ),
    # Without customer actions a case never returns from the customer after a task, and
    # nothing can be "reopened" (the customer acting after the resolution).
    RoleNeed("customer_action", ("customer_action",), measures=("reopened",)),
)
"""Which measures, score terms and rules depend on which role, declared once."""


def role_table(classified: pl.DataFrame, case_no: pl.Expr) -> pl.DataFrame:
    """Per role of :data:`COVERAGE_ROLES`: events it matched and distinct cases among them.

    ``classified`` carries the ``role_*`` columns; ``case_no`` numbers its cases.
    """
    flags = {role: pl.col(f"role_{role}") for role in ROLE_NAMES}
    flags[NEWS] = pl.any_horizontal(flags[r] for r in NEWS_ROLES)
    row = classified.select(
        *[expr.sum().cast(pl.Int64).alias(f"{r}|events") for r, expr in flags.items()],
        *[
            case_no.filter(expr).n_unique().cast(pl.Int64).alias(f"{r}|cases")
            for r, expr in flags.items()
        ],
    ).row(0, named=True)
    return pl.DataFrame(
        {
            "role": list(flags),
            "events": [int(row[f"{r}|events"] or 0) for r in flags],
            "cases": [int(row[f"{r}|cases"] or 0) for r in flags],
        },
        schema={"role": pl.String, "events": pl.Int64, "cases": pl.Int64},
    )


@dataclass(frozen=True)
class RoleCoverage:
    """Events and cases each role matched in the whole log, judged against a threshold."""

    cases: int
    """Cases of the log."""
    events: dict[str, int]
    """Events matched per role of :data:`COVERAGE_ROLES`."""
    matched_cases: dict[str, int]
    """Cases with at least one matched event, per role of :data:`COVERAGE_ROLES`."""
    threshold: float
    """``[roles] min_case_share``."""
    unseen: tuple[RoleNeed, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "unseen", tuple(n for n in NEEDS if self._unseen(n.name)))

    def _unseen(self, role: str) -> bool:
        if self.cases == 0:
            return False
        n = self.matched_cases.get(role, 0)
        return n == 0 or n < self.threshold * self.cases

    @property
    def suppressed_rules(self) -> frozenset[str]:
        """Rules that do not fire on this log."""
        return frozenset(r for need in self.unseen for r in need.rules)

    @property
    def zero_terms(self) -> frozenset[str]:
        """Score terms that contribute 0 on this log."""
        return frozenset(t for need in self.unseen for t in need.terms)

    @property
    def missing_measures(self) -> tuple[str, ...]:
        """Measures not computed on this log, in :data:`NEEDS` order, without repeats."""
        return tuple(dict.fromkeys(m for need in self.unseen for m in need.measures))

    def is_role_unseen(self, role: str) -> bool:
        """Whether a role of :data:`COVERAGE_ROLES` (``news`` included) is unseen."""
        return self._unseen(role)

    def case_share(self, role: str) -> float:
        """The share of the log's cases with an event of ``role`` (0 for an empty log)."""
        return self.matched_cases.get(role, 0) / self.cases if self.cases else 0.0

    def is_unseen(self, need: str) -> bool:
        return any(n.name == need for n in self.unseen)

    def warnings(self, source: str) -> list[dict[str, Any]]:
        """The summary's ``warnings``: one record per unseen need (structured, no prose)."""
        return [
            {
                "code": UNSEEN,
                "role": need.name,
                "roles": list(need.roles),
                "events": self.events.get(need.name, 0),
                "cases": self.matched_cases.get(need.name, 0),
                "of_cases": self.cases,
                "threshold": self.threshold,
                "measures": list(need.measures),
                "terms": list(need.terms),
                "rules": list(need.rules),
                "hint": f"frictionminer classify {source} --suggest",
            }
            for need in self.unseen
        ]


def coverage_from_table(table: pl.DataFrame | None, cases: int, threshold: float) -> RoleCoverage:
    """The coverage of a log from its facts' ``roles`` table (None: nothing matched)."""
    events: dict[str, int] = dict.fromkeys(COVERAGE_ROLES, 0)
    matched: dict[str, int] = dict.fromkeys(COVERAGE_ROLES, 0)
    if table is not None:
        for role, n_events, n_cases in table.select("role", "events", "cases").iter_rows():
            events[role] = int(n_events)
            matched[role] = int(n_cases)
    return RoleCoverage(cases, events, matched, threshold)


def coverage_of_events(
    classified: pl.DataFrame, case_column: str, threshold: float
) -> RoleCoverage:
    """The coverage of classified events in memory (``info``): the same judgement."""
    case_no = pl.col(case_column).rank("dense")
    cases = (
        int(classified.select(pl.col(case_column).n_unique()).item()) if classified.height else 0
    )
    return coverage_from_table(role_table(classified, case_no), int(cases), threshold)
