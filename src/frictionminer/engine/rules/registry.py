"""The rule registry: what a rule is, the table of all rules, and their joint evaluation.

A rule is a named function that takes its parameters and returns a boolean polars
expression over the scored-cases table (:func:`frictionminer.engine.score.score_cases`),
declared with :func:`rule` in the module of its theme (``contacts``, ``tasks``, ...).  The
declaration records its id, dotted name, default severity, remedy type (DESIGN §3.4), the
names of its config keywords and a second function building the case-specific one-line
message; the keywords' defaults are read from the ``[rules.<id>]`` table of the packaged
``defaults.toml`` (the only place a default is written).  The function's docstring is the
rule's documentation and must say "Customer harm:" and "Example:".

Configuration arrives typed and checked: ``settings.rules[<id>]`` is a
:class:`~frictionminer.settings.RuleSettings` (``enabled``, ``severity``, ``params``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import polars as pl

from frictionminer.errors import SchemaError
from frictionminer.settings import SEVERITIES, RuleSettings, Settings, Severity
from frictionminer.settings.defaults import RULE_IDS, rule_defaults
from frictionminer.settings.rules import CONTROL_KEYWORDS, RuleParam

Remedy = Literal["operational", "automation", "redesign", "qualification"]
Scope = Literal["case", "journey"]
Params = Mapping[str, RuleParam]
"""A rule's effective keyword values (its defaults overridden by config)."""
ExprFn = Callable[[Params], pl.Expr]

REMEDIES: dict[Remedy, str] = {
    "operational": "immediate operational fix",
    "automation": "automation or self-service",
    "redesign": "process redesign and documentation",
    "qualification": "qualification",
}
"""Remedy types (DESIGN §3.4) and how reports spell them out."""

FLAG_COLUMNS = ("case_id", "rule", "name", "severity", "remedy", "message")
FLAG_SCHEMA: dict[str, pl.DataType] = {c: pl.String() for c in FLAG_COLUMNS}


@dataclass(frozen=True)
class Rule:
    """One flag: identity, defaults, and the two functions that make it a polars query."""

    id: str
    name: str
    severity: Severity
    """The rule's own severity; ``[rules.<id>] severity`` overrides it."""
    remedy: Remedy
    defaults: Mapping[str, RuleParam]
    """The rule's keywords and their defaults, as ``defaults.toml`` has them."""
    when: ExprFn
    """Parameters → boolean expression over the scored-cases table (null counts as False)."""
    message: ExprFn
    """Parameters → String expression: the case-specific one-line reason."""
    doc: str
    optional_columns: Mapping[str, pl.DataType] = field(default_factory=dict)
    """Columns the rule reads only when the table has them; absent ones are read as null."""
    measure: str | None = None
    """The measure the rule thresholds (None: a yes/no condition, such as FM009)."""
    floor: str | None = None
    """The keyword holding its absolute threshold, kept as a floor when the rule is
    systemic on a log (:mod:`frictionminer.engine.rules.systemic`)."""
    scope: Scope = "case"
    """What the rule is evaluated on: the scored cases, or the journeys (``--journey``,
    :mod:`frictionminer.engine.journeys`), whose rules live in :data:`JOURNEY_RULES`."""

    @property
    def summary(self) -> str:
        """The first line of the documentation."""
        return self.doc.strip().splitlines()[0]

    @property
    def keywords(self) -> dict[str, RuleParam]:
        """Every keyword a ``[rules.<id>]`` table accepts, with its default."""
        enabled: RuleParam = rule_defaults()[self.id]["enabled"]
        return {"enabled": enabled, "severity": self.severity, **self.defaults}


RULES: dict[str, Rule] = {}
"""Every case rule, by id, in id order (:func:`seal` sorts it once the themes are loaded)."""
JOURNEY_RULES: dict[str, Rule] = {}
"""The rules evaluated on journeys (``--journey``), by id, in id order: a table of their
own, so that every output of a run without journeys stays as it was."""


def all_rules() -> dict[str, Rule]:
    """Every rule, case and journey, in id order (the rule table of docs/rules.md)."""
    return dict(sorted({**RULES, **JOURNEY_RULES}.items()))


def rule(
    *,
    id: str,
    name: str,
    severity: Severity,
    remedy: Remedy,
    keywords: Sequence[str] = (),
    message: ExprFn,
    optional_columns: Mapping[str, pl.DataType] | None = None,
    measure: str | None = None,
    floor: str | None = None,
    scope: Scope = "case",
) -> Callable[[ExprFn], ExprFn]:
    """Register the decorated ``when`` function as rule ``id`` in :data:`RULES`.

    ``keywords`` name the rule's parameters; their defaults (and so their types) are the
    ``[rules.<id>]`` table of ``defaults.toml``, which must list exactly these keywords.
    """

    def register(when: ExprFn) -> ExprFn:
        if id in RULES or id in JOURNEY_RULES:
            raise ValueError(f"rule {id} declared twice")
        if severity not in SEVERITIES or remedy not in REMEDIES:
            raise ValueError(f"rule {id}: bad severity {severity!r} or remedy {remedy!r}")
        clash = set(keywords) & set(CONTROL_KEYWORDS)
        if clash:
            raise ValueError(f"rule {id}: keyword(s) {sorted(clash)} are reserved")
        table = rule_defaults().get(id)
        if table is None:
            raise ValueError(f"rule {id}: no [rules.{id}] table in defaults.toml")
        packaged = {k: v for k, v in table.items() if k not in CONTROL_KEYWORDS}
        if list(packaged) != list(keywords):
            raise ValueError(
                f"rule {id}: declares keywords {list(keywords)}, defaults.toml has {list(packaged)}"
            )
        table_of_scope = JOURNEY_RULES if scope == "journey" else RULES
        table_of_scope[id] = Rule(
            id=id,
            name=name,
            severity=severity,
            remedy=remedy,
            defaults=packaged,
            when=when,
            message=message,
            doc=inspect.getdoc(when) or "",
            optional_columns=dict(optional_columns or {}),
            measure=measure,
            floor=floor,
            scope=scope,
        )
        return when

    return register


def seal() -> None:
    """Put :data:`RULES` in id order and check it against ``defaults.toml``'s rule ids."""
    declared = sorted([*RULES, *JOURNEY_RULES])
    if declared != sorted(RULE_IDS):
        raise ValueError(
            f"rule table {declared} and defaults.toml [rules] {sorted(RULE_IDS)} differ"
        )
    for table in (RULES, JOURNEY_RULES):
        ordered = {rid: table[rid] for rid in sorted(table)}
        table.clear()
        table.update(ordered)


# ------------------------------------------------------------------------------ configuration


def _config(r: Rule, rules: Mapping[str, RuleSettings] | None) -> RuleSettings | None:
    return (rules or {}).get(r.id)


def effective_params(r: Rule, rules: Mapping[str, RuleSettings] | None = None) -> dict[str, Any]:
    """The rule's keyword values: ``settings.rules[<id>].params``, else its defaults.

    ``enabled`` and ``severity`` are not parameters (see :func:`is_enabled`,
    :func:`effective_severity`).
    """
    cfg = _config(r, rules)
    return dict(cfg.params if cfg is not None else r.defaults)


def is_enabled(r: Rule, rules: Mapping[str, RuleSettings] | None = None) -> bool:
    """Whether ``[rules.<id>] enabled`` leaves the rule on (the default)."""
    cfg = _config(r, rules)
    return cfg.enabled if cfg is not None else bool(rule_defaults()[r.id]["enabled"])


def effective_severity(r: Rule, rules: Mapping[str, RuleSettings] | None = None) -> Severity:
    """The rule's severity, as overridden by ``[rules.<id>] severity``."""
    cfg = _config(r, rules)
    return cfg.severity if cfg is not None and cfg.severity is not None else r.severity


# --------------------------------------------------------------------------------- evaluation


def _required_columns(r: Rule, params: Params) -> set[str]:
    roots: set[str] = set()
    for expr in (r.when(params), r.message(params)):
        roots.update(expr.meta.root_names())
    return roots - set(r.optional_columns)


@dataclass(frozen=True)
class Norm:
    """A rule whose condition holds for more than ``[systemic] share`` of a log's cases: a
    finding about the process (reported once), and the case threshold that marks the cases
    standing out from this log's norm (:mod:`frictionminer.engine.rules.systemic`)."""

    rule: str
    cases: int
    """Cases meeting the rule's own condition (its absolute threshold)."""
    share: float
    measure: str | None
    median: float | None
    p90: float | None
    floor: float | None
    """The rule's absolute threshold (its keyword's value)."""
    threshold: float | None
    """Case flags need the measure above this; None: no case flag (a yes/no rule)."""

    def condition(self, measure_expr: pl.Expr) -> pl.Expr:
        """What a case must also meet to be flagged on this log."""
        if self.threshold is None:
            return pl.lit(False)
        return measure_expr > self.threshold


def evaluate_flags(
    scored: pl.DataFrame,
    settings: Settings,
    *,
    suppressed: Collection[str] = (),
    norms: Mapping[str, Norm] | None = None,
    texts: bool = True,
) -> pl.DataFrame:
    """Every raised flag: ``case_id, rule, name, severity, remedy, message``.

    ``texts=False`` leaves ``name``, ``severity``, ``remedy`` and ``message`` empty, for
    an output that shows only rule ids (CSV and Parquet): at 100M events the 10M flags'
    texts took 1.9 GB.

    Each enabled rule filters the cases where it fires and builds its message for those
    rows only (messages are row-wise, so this equals building them everywhere, at a
    fraction of the cost: most cases raise nothing); the per-rule frames are evaluated
    together in one lazy query.  The flags come in the order of ``scored``'s rows (for a
    ranked table: worst case first), then by rule, so that the flags of consecutive
    slices of a table concatenate to the flags of the table, and a case's flags line up
    with the cases without a join on case ids (``Result.write_json``).  ``scored`` is
    the output of :func:`~frictionminer.engine.score.score_cases`.  ``suppressed`` rules
    are not evaluated: the role they need is unseen on this log
    (:attr:`frictionminer.engine.coverage.RoleCoverage.suppressed_rules`).  A rule in
    ``norms`` is systemic on this log: it flags only the cases above the log's norm
    (:func:`frictionminer.engine.rules.systemic.log_norms`).
    """
    cfg = settings.rules
    active = [
        (r, effective_params(r, cfg))
        for r in RULES.values()
        if is_enabled(r, cfg) and r.id not in suppressed
    ]
    missing = sorted({c for r, p in active for c in _required_columns(r, p)} - set(scored.columns))
    if missing:
        raise SchemaError(
            f"cannot evaluate flags: the table lacks column(s) {', '.join(missing)}",
            hint="evaluate the output of score_cases()",
        )
    if not active or scored.is_empty():
        return pl.DataFrame(schema=FLAG_SCHEMA)
    optional = {
        name: dtype
        for r, _ in active
        for name, dtype in r.optional_columns.items()
        if name not in scored.columns
    }
    frame = (
        scored.lazy()
        .with_columns(pl.lit(None, dtype=d).alias(n) for n, d in optional.items())
        .with_row_index("_row")
    )
    norms = norms or {}

    def when(r: Rule, p: Params) -> pl.Expr:
        norm = norms.get(r.id)
        if norm is None:
            return r.when(p)
        return r.when(p) & norm.condition(pl.col(r.measure) if r.measure else pl.lit(None))

    def message(r: Rule, p: Params) -> pl.Expr:
        if not texts:
            return pl.lit("", dtype=pl.String)
        return r.message(p).fill_null(pl.lit(r.name)).cast(pl.String)

    fired = pl.concat(
        [
            frame.filter(when(r, p).fill_null(False)).select(
                "_row",
                pl.col("case_id").cast(pl.String),
                pl.lit(r.id, dtype=pl.String).alias("rule"),
                message(r, p).alias("message"),
            )
            for r, p in active
        ]
    )
    fired = fired.sort("_row", "rule")
    texts_of_rules = ("name", "severity", "remedy")
    if texts:
        meta = pl.DataFrame(
            {
                "rule": [r.id for r, _ in active],
                "name": [r.name for r, _ in active],
                "severity": [effective_severity(r, cfg) for r, _ in active],
                "remedy": [r.remedy for r, _ in active],
            },
            schema={c: pl.String() for c in ("rule", *texts_of_rules)},
        )
        fired = fired.join(meta.lazy(), on="rule", how="left", maintain_order="left")
    else:
        fired = fired.with_columns(pl.lit("", dtype=pl.String).alias(c) for c in texts_of_rules)
    return fired.select(FLAG_COLUMNS).collect()


def rule_records(settings: Settings | None = None) -> list[dict[str, Any]]:
    """The rule table as plain records (for ``frictionminer rules`` and machine output)."""
    cfg = settings.rules if settings is not None else None
    return [
        {
            "id": r.id,
            "name": r.name,
            "severity": effective_severity(r, cfg),
            "remedy": r.remedy,
            "enabled": is_enabled(r, cfg),
            "params": effective_params(r, cfg),
            "summary": r.summary,
        }
        for r in all_rules().values()
    ]
