"""The FM rule table: stable ids, one small declaration each, evaluated together as columns.

A rule is a named function that takes its parameters and returns a boolean polars
expression over the scored-cases table (:func:`frictionminer.engine.score.score_cases`), declared
with :func:`rule`, which records its id, dotted name, default severity, remedy type
(DESIGN §3.4), config keywords with their defaults, and a second function building the
case-specific one-line message.  The function's docstring is the rule's documentation and
must say "Customer harm:" and "Example:"; ``docs/rules.md`` is generated from this table by
:func:`render_markdown`.  Adding a rule touches one place: a new decorated function below.

Configuration: ``[rules.FM001]`` with ``enabled``, ``severity`` and the rule's keywords;
:func:`validate_rule_settings` checks it when settings are loaded.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import polars as pl

from frictionminer.engine.score import ALL_CASES
from frictionminer.errors import ConfigError, SchemaError
from frictionminer.settings import Settings

Severity = Literal["error", "warning", "info"]
Remedy = Literal["operational", "automation", "redesign", "qualification"]
Params = Mapping[str, Any]
"""A rule's effective keyword values (its defaults overridden by config)."""
ExprFn = Callable[[Params], pl.Expr]

SEVERITIES: tuple[Severity, ...] = get_args(Severity)
REMEDIES: dict[Remedy, str] = {
    "operational": "immediate operational fix",
    "automation": "automation or self-service",
    "redesign": "process redesign and documentation",
    "qualification": "qualification",
}
"""Remedy types (DESIGN §3.4) and how reports spell them out."""

CONTROL_DEFAULTS: dict[str, Any] = {"enabled": True, "severity": "warning"}
"""Keywords every rule accepts besides its own (``severity`` defaults to the rule's)."""

FLAG_COLUMNS = ("case_id", "rule", "name", "severity", "remedy", "message")
FLAG_SCHEMA: dict[str, pl.DataType] = {c: pl.String() for c in FLAG_COLUMNS}


@dataclass(frozen=True)
class Rule:
    """One flag: identity, defaults, and the two functions that make it a polars query."""

    id: str
    name: str
    severity: Severity
    remedy: Remedy
    defaults: Mapping[str, Any]
    when: ExprFn
    """Parameters → boolean expression over the scored-cases table (null counts as False)."""
    message: ExprFn
    """Parameters → String expression: the case-specific one-line reason."""
    doc: str
    optional_columns: Mapping[str, pl.DataType] = field(default_factory=dict)
    """Columns the rule reads only when the table has them; absent ones are read as null."""

    @property
    def summary(self) -> str:
        """The first line of the documentation."""
        return self.doc.strip().splitlines()[0]


RULES: dict[str, Rule] = {}
"""Every rule, by id, in id order."""


def rule(
    *,
    id: str,
    name: str,
    severity: Severity,
    remedy: Remedy,
    defaults: Mapping[str, Any],
    message: ExprFn,
    optional_columns: Mapping[str, pl.DataType] | None = None,
) -> Callable[[ExprFn], ExprFn]:
    """Register the decorated ``when`` function as rule ``id`` in :data:`RULES`."""

    def register(when: ExprFn) -> ExprFn:
        doc = inspect.getdoc(when) or ""
        if id in RULES:
            raise ValueError(f"rule {id} declared twice")
        if severity not in SEVERITIES or remedy not in REMEDIES:
            raise ValueError(f"rule {id}: bad severity {severity!r} or remedy {remedy!r}")
        clash = set(defaults) & set(CONTROL_DEFAULTS)
        if clash:
            raise ValueError(f"rule {id}: keyword(s) {sorted(clash)} are reserved")
        RULES[id] = Rule(
            id=id,
            name=name,
            severity=severity,
            remedy=remedy,
            defaults=dict(defaults),
            when=when,
            message=message,
            doc=doc,
            optional_columns=dict(optional_columns or {}),
        )
        return when

    return register


# --------------------------------------------------------------------------- message helpers


def _fmt(value: Any) -> str:
    """A parameter as text: 72.0 → '72', 2.5 → '2.5'."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _num(expr: pl.Expr, decimals: int = 1) -> pl.Expr:
    """A number as short text: 4.0 → '4', 4.25 → '4.3' (one decimal by default)."""
    text = expr.cast(pl.Float64).round(decimals).cast(pl.String)
    return text.str.replace(r"\.0+$", "")


def _count(expr: pl.Expr, singular: str, plural: str) -> pl.Expr:
    """'1 handoff' / '3 handoffs'."""
    return (
        pl.when(expr == 1)
        .then(pl.format("{} " + singular, expr))
        .otherwise(pl.format("{} " + plural, expr))
    )


def _peers() -> pl.Expr:
    """Who the case is compared with, for messages: "'shoelace' cases" or the whole log."""
    return (
        pl.when(pl.col("peer_group") == ALL_CASES)
        .then(pl.lit("cases in this log"))
        .otherwise(pl.format("'{}' cases", pl.col("peer_group")))
    )


# --------------------------------------------------------------------------------- the rules


def _fm001_message(p: Params) -> pl.Expr:
    return pl.format(
        "{} where {} need {} (median)",
        _count(pl.col("interactions"), "interaction", "interactions"),
        _peers(),
        _num(pl.col("peer_interactions_median")),
    )


@rule(
    id="FM001",
    name="friction.excessive_interactions",
    severity="warning",
    remedy="redesign",
    defaults={"min_interactions": 6, "peer_factor": 2.0},
    message=_fm001_message,
)
def excessive_interactions(p: Params) -> pl.Expr:
    """Many more contacts than the case's peers need.

    Flags a case with at least ``min_interactions`` contacts that is also at least
    ``peer_factor`` times the median of its peer group (its category, or the whole log when
    the category is small or absent).  Both conditions are needed: the absolute minimum
    keeps 3-versus-1 noise quiet, the relative one keeps a mortgage with the usual ten
    contacts quiet.

    Customer harm: every contact is the customer's time and attention; repeat contacts are
    among the drivers of effort named in the customer-effort literature (Dixon, Freeman &
    Toman 2010).

    Example: a broken shoelace under warranty takes 12 mails and calls where shoelace cases
    normally need 4 — "12 interactions where 'shoelace' cases need 4 (median)".
    """
    n = pl.col("interactions")
    peers = pl.col("peer_interactions_median") * pl.lit(p["peer_factor"])
    return n.ge(p["min_interactions"]) & (n >= peers)


def _fm002_message(p: Params) -> pl.Expr:
    return pl.format(
        "{} pushed to the customer (threshold {})",
        _count(pl.col("customer_tasks"), "task", "tasks"),
        pl.lit(_fmt(p["min_customer_tasks"])),
    )


@rule(
    id="FM002",
    name="friction.tasks_pushed_to_customer",
    severity="warning",
    remedy="automation",
    defaults={"min_customer_tasks": 3},
    message=_fm002_message,
)
def tasks_pushed_to_customer(p: Params) -> pl.Expr:
    """The company asked the customer to do several things in one case.

    Flags a case with at least ``min_customer_tasks`` tasks pushed to the customer (send a
    document or photo, measure, choose, call back, go elsewhere).  One or two requests are
    normal; three or more usually mean the information was collected piecemeal.

    Customer harm: each task is work the company moved to the customer, often the slowest
    and most tedious part of the case (find the receipt, take the photo), and each one
    restarts the wait.

    Example: the shoelace service desk asks, one mail at a time, for a photo of the lace, the
    receipt, a photo of the label, the lace length and the colour — "5 tasks pushed to the
    customer (threshold 3)".  Remedy: ask for everything in one request, or a portal upload.
    """
    return pl.col("customer_tasks").ge(p["min_customer_tasks"])


def _fm003_message(p: Params) -> pl.Expr:
    return pl.format(
        "{}: the customer was asked again for something already asked for",
        _count(pl.col("repeat_requests"), "repeated request", "repeated requests"),
    )


@rule(
    id="FM003",
    name="friction.repeated_request",
    severity="warning",
    remedy="operational",
    defaults={"min_repeat_requests": 1},
    message=_fm003_message,
)
def repeated_request(p: Params) -> pl.Expr:
    """The customer was asked for the same thing twice.

    Flags a case with at least ``min_repeat_requests`` tasks of a kind already requested
    earlier in the same case.  There is no tolerance by default: asking twice is a defect.

    Customer harm: repeating information is one of the effort drivers the customer-effort
    literature names; it tells the customer that their first answer was lost or ignored.

    Example: the receipt is requested on day 1, sent on day 2, and requested again on day 5
    after a handoff — "1 repeated request: the customer was asked again for something
    already asked for".
    """
    return pl.col("repeat_requests").ge(p["min_repeat_requests"])


def _fm004_message(p: Params) -> pl.Expr:
    hours = pl.col("silent_wait_max_hours")
    return pl.format(
        "{} h ({} days) waiting on the company without news (threshold {} h)",
        _num(hours, 0),
        _num(hours / 24.0),
        pl.lit(_fmt(p["min_silent_hours"])),
    )


@rule(
    id="FM004",
    name="friction.silent_wait",
    severity="warning",
    remedy="redesign",
    defaults={"min_silent_hours": 72.0},
    message=_fm004_message,
)
def silent_wait(p: Params) -> pl.Expr:
    """The customer waited on the company for days without any news.

    Flags a case whose longest stretch waiting on the company with no contact or interim
    notice (``silent_wait_max_hours``) is at least ``min_silent_hours`` — 72 hours, three
    calendar days, by default.  Customer time is calendar time: a weekend counts.

    Customer harm: most customers accept long handling times when someone tells them what is
    happening; silence is what hurts, and it is what produces "where is my case?" contacts.

    Example: a complaint sits "in progress" from Thursday to Monday evening with no word to
    the customer — "101 h (4.2 days) waiting on the company without news (threshold 72 h)".
    Remedy: an interim-notice rule.
    """
    return pl.col("silent_wait_max_hours").ge(p["min_silent_hours"])


def _fm005_message(p: Params) -> pl.Expr:
    return pl.format(
        "{}: the case went back to a team that had already handled it",
        _count(pl.col("ping_pongs"), "ping-pong", "ping-pongs"),
    )


@rule(
    id="FM005",
    name="friction.ping_pong",
    severity="warning",
    remedy="qualification",
    defaults={"min_ping_pongs": 1},
    message=_fm005_message,
)
def ping_pong(p: Params) -> pl.Expr:
    """The case bounced back to a team that had already handled it.

    Flags a case with at least ``min_ping_pongs`` handoffs into a team that held the case
    before (A→B→A, A→B→C→A).

    Customer harm: each bounce is waiting time and often another round of questions; the
    customer experiences being passed around without anyone owning the problem.

    Example: first-level support hands a warranty claim to the warehouse, which sends it
    back as "not ours" — "1 ping-pong: the case went back to a team that had already
    handled it".  Remedy: skills or routing rules for the team that hands on.
    """
    return pl.col("ping_pongs").ge(p["min_ping_pongs"])


def _fm006_message(p: Params) -> pl.Expr:
    external = pl.col("external_handoffs")
    return pl.format(
        "{} between teams{} (threshold {})",
        _count(pl.col("handoffs"), "handoff", "handoffs"),
        pl.when(external > 0)
        .then(pl.format(", {} of them to another organisation", external))
        .otherwise(pl.lit("")),
        pl.lit(_fmt(p["min_handoffs"])),
    )


@rule(
    id="FM006",
    name="friction.handoff_chain",
    severity="warning",
    remedy="redesign",
    defaults={"min_handoffs": 4},
    message=_fm006_message,
)
def handoff_chain(p: Params) -> pl.Expr:
    """The case passed through a long chain of teams.

    Flags a case with at least ``min_handoffs`` changes of the team holding it.  The message
    says how many of them went to another organisation.

    Customer harm: transfers are an effort driver in the customer-effort literature; each
    one risks a re-explanation, a new queue and lost context.

    Example: an energy-supplier switch goes from sales to onboarding to the grid operator to
    billing and back to sales — "4 handoffs between teams, 1 of them to another organisation
    (threshold 4)".
    """
    return pl.col("handoffs").ge(p["min_handoffs"])


def _fm007_message(p: Params) -> pl.Expr:
    return pl.format(
        "{} forced on the customer (threshold {})",
        _count(pl.col("channel_switches"), "channel switch", "channel switches"),
        pl.lit(_fmt(p["min_channel_switches"])),
    )


@rule(
    id="FM007",
    name="friction.channel_switch",
    severity="info",
    remedy="automation",
    defaults={"min_channel_switches": 2},
    message=_fm007_message,
)
def channel_switch(p: Params) -> pl.Expr:
    """The customer had to change channel again and again.

    Flags a case with at least ``min_channel_switches`` changes of channel between the
    customer's contacts.  One switch is common (a mail answered by a call); two or more mean
    the process sends the customer around.

    Customer harm: channel switching is one of the effort drivers the customer-effort
    literature names: finding the other number or portal, starting over there.

    Example: a chat says "please call us", the call says "please send it by mail" —
    "2 channel switches forced on the customer (threshold 2)".
    """
    return pl.col("channel_switches").ge(p["min_channel_switches"])


def _fm008_message(p: Params) -> pl.Expr:
    ratio = pl.col("value_ratio")
    return pl.format(
        "{} min of customer effort where {} need {} (median; robust z {}){}",
        _num(pl.col("effort_minutes"), 0),
        _peers(),
        _num(pl.col("peer_effort_median"), 0),
        _num(pl.col("effort_z")),
        pl.when(ratio.is_not_null())
        .then(pl.format("; {}× the log's median effort per unit of value", _num(ratio)))
        .otherwise(pl.lit("")),
    )


@rule(
    id="FM008",
    name="friction.effort_out_of_proportion",
    severity="warning",
    remedy="redesign",
    defaults={"min_effort_minutes": 60.0, "min_effort_z": 3.5, "min_value_ratio": 4.0},
    message=_fm008_message,
)
def effort_out_of_proportion(p: Params) -> pl.Expr:
    """The customer's effort is out of proportion to the case's peers or its value.

    Flags a case costing the customer at least ``min_effort_minutes`` of their own time that
    is also either at least ``min_effort_z`` robust standard deviations above its peer
    group's median effort (``effort_z``; 3.5 is the usual outlier cut-off for a robust
    z-score) or at least ``min_value_ratio`` times the log's median effort per unit of value
    (``value_ratio``, only where the log has a value column).  The minimum effort keeps
    cheap but ordinary cases quiet: effort per euro is always high for a shoelace.

    Customer harm: the customer weighs the trouble against what is at stake; two and a half
    hours of their time for a part worth a few euros feels absurd even when every step was
    correct.

    Example: a shoelace claim costs 155 minutes where shoelace cases need 16 — "155 min of
    customer effort where 'shoelace' cases need 16 (median; robust z 10); 12.3× the log's
    median effort per unit of value".  Remedy: a proportionate path (replace on the spot).
    """
    enough = pl.col("effort_minutes").ge(p["min_effort_minutes"])
    outlier = pl.col("effort_z").ge(p["min_effort_z"])
    costly = pl.col("value_ratio").ge(p["min_value_ratio"]).fill_null(False)
    return enough & (outlier | costly)


def _fm009_message(p: Params) -> pl.Expr:
    return (
        pl.when(pl.col("resolved").not_())
        .then(
            pl.format(
                "not resolved for the customer after {} days",
                _num(pl.col("duration_hours") / 24.0),
            )
        )
        .otherwise(pl.lit("reopened after a resolution"))
    )


@rule(
    id="FM009",
    name="friction.unresolved",
    severity="error",
    remedy="operational",
    defaults={"reopened": True},
    message=_fm009_message,
    optional_columns={"reopened": pl.Boolean()},
)
def unresolved(p: Params) -> pl.Expr:
    """The customer's problem was not solved, or came back after it was.

    Flags a case without a resolution as the customer sees it (``resolved`` is false) and,
    when ``reopened`` is true and the table has a boolean ``reopened`` column, a case that
    was reopened after a resolution.  Cases still open when the log was extracted are
    flagged too: for the customer they are not solved yet.

    Customer harm: everything else the customer went through was for nothing; an unresolved
    case is the most expensive friction there is, and a reopened one means the first
    "solution" did not hold.

    Example: the energy switch ends with no contract, the customer passed between three
    organisations — "not resolved for the customer after 12.5 days".
    """
    flagged = pl.col("resolved").not_()
    if p["reopened"]:
        flagged = flagged | pl.col("reopened").fill_null(False)
    return flagged


# ------------------------------------------------------------------------------ configuration


def _type_name(value: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}.get(
        type(value), type(value).__name__
    )


def _value_ok(value: Any, default: Any) -> bool:
    """Same type as the default; an int is fine where a float is expected, a bool never is."""
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, float):
        return isinstance(value, int | float)
    return type(value) is type(default)


def _keywords(r: Rule) -> dict[str, Any]:
    return {**CONTROL_DEFAULTS, "severity": r.severity, **r.defaults}


def validate_rule_settings(rules: Mapping[str, Mapping[str, Any]], *, source: str) -> None:
    """Check ``[rules.*]`` tables: known ids, known keywords, values of the default's type.

    Raises :class:`ConfigError` naming ``source`` and the dotted key, with the closest rule
    id or the list of known keywords as a hint.
    """
    for rule_id, table in rules.items():
        if rule_id not in RULES:
            by_name = [r.id for r in RULES.values() if rule_id in (r.name, r.name.split(".")[-1])]
            close = by_name or difflib.get_close_matches(rule_id.upper(), list(RULES), n=1)
            hint = f"did you mean [rules.{close[0]}]?" if close else f"known: {', '.join(RULES)}"
            raise ConfigError(f"{source}: unknown rule [rules.{rule_id}]", hint=hint)
        if not isinstance(table, Mapping):
            raise ConfigError(f"{source}: 'rules.{rule_id}' must be a table ([rules.{rule_id}])")
        known = _keywords(RULES[rule_id])
        for key, value in table.items():
            dotted = f"rules.{rule_id}.{key}"
            if key not in known:
                close = difflib.get_close_matches(key, list(known), n=1)
                hint = f"known: {', '.join(known)}"
                if close:
                    hint = f"did you mean '{close[0]}'? {hint}"
                raise ConfigError(f"{source}: unknown key '{dotted}'", hint=hint)
            if not _value_ok(value, known[key]):
                raise ConfigError(
                    f"{source}: key '{dotted}' must be {_type_name(known[key])}, "
                    f"not {type(value).__name__} {value!r}"
                )
            if key == "severity" and value not in SEVERITIES:
                raise ConfigError(
                    f"{source}: key '{dotted}' must be one of {', '.join(SEVERITIES)}, "
                    f"not {value!r}"
                )
            if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
                raise ConfigError(f"{source}: key '{dotted}' must not be negative")


def effective_params(
    r: Rule, rules: Mapping[str, Mapping[str, Any]] | None = None
) -> dict[str, Any]:
    """The rule's keyword values: its defaults overridden by ``[rules.<id>]``.

    ``enabled`` and ``severity`` are not parameters (see :func:`is_enabled`,
    :func:`effective_severity`).  Ints given for float keywords become floats.
    """
    table = (rules or {}).get(r.id, {})
    params = dict(r.defaults)
    for key, default in r.defaults.items():
        if key in table:
            value = table[key]
            params[key] = float(value) if isinstance(default, float) else value
    return params


def is_enabled(r: Rule, rules: Mapping[str, Mapping[str, Any]] | None = None) -> bool:
    """Whether ``[rules.<id>] enabled`` leaves the rule on (the default)."""
    return bool((rules or {}).get(r.id, {}).get("enabled", True))


def effective_severity(r: Rule, rules: Mapping[str, Mapping[str, Any]] | None = None) -> str:
    """The rule's severity, as overridden by ``[rules.<id>] severity``."""
    return str((rules or {}).get(r.id, {}).get("severity", r.severity))


# --------------------------------------------------------------------------------- evaluation


def _required_columns(r: Rule, params: Params) -> set[str]:
    roots: set[str] = set()
    for expr in (r.when(params), r.message(params)):
        roots.update(expr.meta.root_names())
    return roots - set(r.optional_columns)


def evaluate_flags(scored: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    """Every raised flag: ``case_id, rule, name, severity, remedy, message``.

    Each enabled rule filters the cases where it fires and builds its message for those
    rows only (messages are row-wise, so this equals building them everywhere, at a
    fraction of the cost: most cases raise nothing); the per-rule frames are evaluated
    together in one lazy query.  The flags come in the order of ``scored``'s rows (for a
    ranked table: worst case first), then by rule, so that the flags of consecutive
    slices of a table concatenate to the flags of the table, and a case's flags line up
    with the cases without a join on case ids (``Result.write_json``).  ``scored`` is
    the output of :func:`~frictionminer.engine.score.score_cases`.
    """
    cfg = settings.rules
    active = [(r, effective_params(r, cfg)) for r in RULES.values() if is_enabled(r, cfg)]
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
    fired = pl.concat(
        [
            frame.filter(r.when(p).fill_null(False)).select(
                "_row",
                pl.col("case_id").cast(pl.String),
                pl.lit(r.id, dtype=pl.String).alias("rule"),
                r.message(p).fill_null(pl.lit(r.name)).cast(pl.String).alias("message"),
            )
            for r, p in active
        ]
    )
    meta = pl.DataFrame(
        {
            "rule": [r.id for r, _ in active],
            "name": [r.name for r, _ in active],
            "severity": [effective_severity(r, cfg) for r, _ in active],
            "remedy": [r.remedy for r, _ in active],
        },
        schema={c: pl.String() for c in ("rule", "name", "severity", "remedy")},
    )
    return (
        fired.sort("_row", "rule")
        .join(meta.lazy(), on="rule", how="left", maintain_order="left")
        .select(FLAG_COLUMNS)
        .collect()
    )


# ----------------------------------------------------------------------------- presentation


def rule_records(settings: Settings | None = None) -> list[dict[str, Any]]:
    """The rule table as plain records (for ``frictionminer rules`` and machine output)."""
    cfg = settings.rules if settings is not None else {}
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
        for r in RULES.values()
    ]


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


def _doc_markdown(doc: str) -> Iterable[str]:
    for paragraph in doc.split("\n\n")[1:]:
        text = " ".join(line.strip() for line in paragraph.splitlines())
        for label in ("Customer harm:", "Example:"):
            if text.startswith(label):
                text = f"**{label}**{text[len(label) :]}"
        yield text
        yield ""


def render_markdown() -> str:
    """docs/rules.md, generated from :data:`RULES` (a test keeps the committed file equal)."""
    lines = [
        "# Rules",
        "",
        "<!-- Generated by frictionminer.engine.rules.render_markdown(); do not edit by hand. -->",
        "",
        "Each flag has a stable id, a severity, a remedy type and a one-line, case-specific",
        "message. Rules read the scored-cases table (measures plus peer comparison, see",
        "[friction-model.md](friction-model.md)). Configure them per id in a project file:",
        "",
        "```toml",
        "[rules.FM004]",
        "min_silent_hours = 48.0   # any keyword below",
        'severity = "error"        # error | warning | info',
        "",
        "[rules.FM007]",
        "enabled = false",
        "```",
        "",
        "Remedy types (DESIGN §3.4): "
        + "; ".join(f"`{k}` — {v}" for k, v in REMEDIES.items())
        + ".",
        "",
        "| id | name | severity | remedy | summary |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| [{r.id}](#{r.id.lower()}) | `{r.name}` | {r.severity} | {r.remedy} | {r.summary} |"
        for r in RULES.values()
    ]
    for r in RULES.values():
        lines += [
            "",
            f"## {r.id}",
            "",
            f"`{r.name}` — {r.summary}",
            "",
            f"Severity: **{r.severity}** · Remedy: **{r.remedy}** ({REMEDIES[r.remedy]})",
            "",
            *_doc_markdown(r.doc),
            "Configuration and defaults:",
            "",
            "```toml",
            f"[rules.{r.id}]",
            *(f"{k} = {_toml_value(v)}" for k, v in _keywords(r).items()),
            "```",
        ]
    return "\n".join(lines) + "\n"


__all__ = [
    "FLAG_COLUMNS",
    "REMEDIES",
    "RULES",
    "SEVERITIES",
    "Rule",
    "effective_params",
    "effective_severity",
    "evaluate_flags",
    "is_enabled",
    "render_markdown",
    "rule",
    "rule_records",
    "validate_rule_settings",
]
