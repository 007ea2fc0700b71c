"""Roles: what each event means for the customer (DESIGN §3.1).

Five roles, each a Boolean column added to the event table:

==================  ======================  ================================================
role                column                  meaning
==================  ======================  ================================================
contact             ``role_contact``        a touchpoint between customer and company
customer_task       ``role_customer_task``  the company asks the customer to do something
customer_action     ``role_customer_action``  the customer does something or answers
notice              ``role_notice``         a proactive status update to the customer
resolution          ``role_resolution``     the problem is solved as the customer sees it
==================  ======================  ================================================

Two more roles say only *why* the customer waits on the company (``role_queue``: the case
is in a queue nobody picked up; ``role_external_wait``: it waits on an outside party).
The customer does not notice them: they are not in :data:`ROLE_COLUMNS` (news, silences,
coverage), only in :data:`WAIT_ROLE_COLUMNS` (:mod:`frictionminer.engine.paths`,
``wait_cause``).  ``role_survey`` marks the contacts that ask for the customer's rating
(:data:`SIGNAL_ROLE_COLUMNS`; FM013 and the survey list read it).

An event has a role when any of the role's patterns is found in the value of the column
named by ``[roles] match`` (the activity by default), case-insensitively; a pattern is a
regular expression, or ``{match, unless}`` (found, and ``unless`` not found).  An event
may have several roles or none (internal work).

Matching runs in polars' linear-time regex engine over the *distinct* values only (a log
has few activity names but many events) and is mapped back to the events with
``replace_strict``; no value, however long, makes it slow
(:mod:`frictionminer.settings.patterns`, docs/robustness.md).

Example::

    >>> import polars as pl
    >>> from frictionminer.settings import RoleSettings
    >>> ev = pl.DataFrame({"activity": ["Call customer", "Check stock"]})
    >>> classify(ev, RoleSettings(contact=[r"\\bcall\\b"]))["role_contact"].to_list()
    [True, False]
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from frictionminer.errors import SchemaError
from frictionminer.settings import ROLE_NAMES, SIGNAL_ROLE_NAMES, WAIT_ROLE_NAMES, RoleSettings
from frictionminer.settings.patterns import (
    LOOKAROUND_HINT,
    RolePattern,
    case_insensitive,
    pattern_parts,
)

ROLE_COLUMNS: dict[str, str] = {role: f"role_{role}" for role in ROLE_NAMES}
"""Role name -> Boolean column added by :func:`classify`."""
WAIT_ROLE_COLUMNS: dict[str, str] = {role: f"role_{role}" for role in WAIT_ROLE_NAMES}
"""Wait-cause role name -> Boolean column added by :func:`classify`."""
SIGNAL_ROLE_COLUMNS: dict[str, str] = {role: f"role_{role}" for role in SIGNAL_ROLE_NAMES}
"""Signal role name -> Boolean column added by :func:`classify` (``role_survey``)."""
_ALL_ROLES = (*ROLE_NAMES, *WAIT_ROLE_NAMES, *SIGNAL_ROLE_NAMES)


def _match_column(events: pl.DataFrame, roles: RoleSettings) -> pl.Expr:
    if roles.match not in events.columns:
        shown = ", ".join(repr(c) for c in events.columns[:25])
        raise SchemaError(
            f"roles.match: no column {roles.match!r} to classify events by (columns: {shown})",
            hint="set [roles] match to an existing column, e.g. 'activity'",
        )
    col = pl.col(roles.match)
    return col if events.schema[roles.match] == pl.String else col.cast(pl.String)


MATCH_CHARS = 500
"""The word hints of :func:`hinted_role` (Python ``re``, only for ``classify --suggest``)
read the first this many characters of a value."""


def _pattern_expr(value: pl.Expr, item: RolePattern) -> pl.Expr:
    match, unless = pattern_parts(item)
    found = value.str.contains(case_insensitive(match))
    if unless is not None:
        found = found & ~value.str.contains(case_insensitive(unless))
    return found


def _matches_of_values(
    values: list[str], patterns: Mapping[str, Sequence[RolePattern]]
) -> dict[str, list[bool]]:
    """For each name, whether any of its patterns matches each of ``values``."""
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    value = pl.col("v")
    exprs = [
        pl.any_horizontal(
            pl.repeat(False, pl.len()), *(_pattern_expr(value, item) for item in items)
        ).alias(name)
        for name, items in patterns.items()
    ]
    try:
        matched = frame.select(exprs)
    except pl.exceptions.ComputeError as exc:  # RoleSettings built in code, unchecked
        raise SchemaError(
            f"roles: a pattern the regex engine refuses: {str(exc).splitlines()[0]}",
            hint=LOOKAROUND_HINT,
        ) from None
    return {name: matched.get_column(name).to_list() for name in patterns}


def _roles_of_values(values: list[str], roles: RoleSettings) -> dict[str, list[bool]]:
    """For each role, whether any of its patterns matches each of ``values``."""
    return _matches_of_values(values, {r: getattr(roles, r) for r in _ALL_ROLES})


def pattern_columns(
    events: pl.DataFrame,
    roles: RoleSettings,
    patterns: Mapping[str, RolePattern | Sequence[RolePattern]],
) -> pl.DataFrame:
    """A copy of ``events`` with a Boolean column per name of ``patterns``: whether the
    event's ``[roles] match`` value (the activity) matches the name's pattern(s).

    Each distinct value is matched once, then one hash lookup per event (value -> its
    position among the distinct values) and a cheap gather per name.  A null value
    matches nothing.
    """
    source = _match_column(events, roles)
    values = [
        v
        for v in events.select(source.unique().alias("v")).get_column("v").to_list()
        if v is not None
    ]
    lists = {
        name: [item] if isinstance(item, str | dict) else list(item)
        for name, item in patterns.items()
    }
    matched = _matches_of_values(values, lists)
    position = source.replace_strict(
        values, list(range(len(values))), default=None, return_dtype=pl.UInt32
    )
    frame = events.with_columns(position.alias("_role_value"))
    return frame.with_columns(
        pl.lit(pl.Series(matched[name], dtype=pl.Boolean))
        .gather(pl.col("_role_value"))
        .fill_null(False)
        .alias(name)
        for name in patterns
    ).drop("_role_value")


def classify(events: pl.DataFrame, roles: RoleSettings) -> pl.DataFrame:
    """A copy of ``events`` with the ``role_*`` Boolean columns added (the five roles,
    then the two wait causes, then the survey role).

    A null value of the match column has no role.  Existing ``role_*`` columns are
    replaced, so classifying twice with different rules is safe.
    """
    return pattern_columns(
        events, roles, {f"role_{role}": getattr(roles, role) for role in _ALL_ROLES}
    )


# --------------------------------------------------------------------------- suggestions

# Words that hint at a role for an activity no rule matches.  Only used to place a
# commented-out suggestion in the proposed config; the user decides.  Order matters:
# the first role whose words occur wins (a "request documents from customer" is a
# task before it is a contact).
_HINTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "resolution",
        re.compile(
            r"\b(resolv\w*|solved?|fixed|closed?|closure|done|finish\w*|completed?|refund\w*|"
            r"shipped|delivered|gelöst|erledigt|abgeschlossen|behoben|erstattet)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "notice",
        re.compile(
            r"\b(status|progress|interim|notify|notification|inform\w*|update|"
            r"zwischen\w*|sachstand\w*|benachrichtig\w*)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "customer_task",
        re.compile(
            r"\b(request\w*|ask\w*|wait\w*|missing|incomplete|provide|submit|resubmit|remind\w*|"
            r"pending|anforder\w*|nachforder\w*|nachreichen|warte\w*)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "customer_action",
        re.compile(
            r"\b(receiv\w*|receipt|reply|replied|answer\w*|response|upload\w*|submitted|"
            r"returned|eingang|erhalt|antwort)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "contact",
        re.compile(
            r"\b(call\w*|phone|e-?mail|mail|letter|chat|visit|message|sms|contact\w*|send|sent|"
            r"anruf\w*|telefon\w*|brief|schreiben|kontakt\w*|nachricht)\b",
            re.IGNORECASE,
        ),
    ),
)


def role_counts(events: pl.DataFrame, roles: RoleSettings) -> dict[str, int]:
    """Events each role matches (an event may count for several roles, or none).

    A role that matches no event makes the measures and rules built on it meaningless
    on this log (no ``resolution``: every case looks unresolved); ``info`` says so.
    """
    classified = classify(events, roles)
    row = classified.select(
        pl.col(ROLE_COLUMNS[role]).sum().alias(role) for role in ROLE_NAMES
    ).row(0, named=True)
    return {role: int(row[role] or 0) for role in ROLE_NAMES}


def hinted_role(activity: str) -> str | None:
    """The role an unmatched activity's words suggest, or None (see ``_HINTS``)."""
    for role, pattern in _HINTS:
        if pattern.search(activity[:MATCH_CHARS]):
            return role
    return None


def toml_string(text: str) -> str:
    """``text`` as a TOML string: a literal ``'...'`` string when it can be one.

    Literal strings need no escaping, which keeps regular expressions readable; they
    cannot hold a single quote or control characters, so those fall back to a basic
    ``"..."`` string with escapes.
    """
    if "'" not in text and not any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        return f"'{text}'"
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


@dataclass(frozen=True)
class RoleSuggestion:
    """What the current role rules match in a log, and a proposed ``[roles]`` table.

    ``matched``: per role, the values its rules match with their event counts (most
    frequent first).  ``unmatched``: the ``top`` most frequent values no role matches.
    ``hints``: the role suggested for each unmatched value (None: no suggestion).
    ``toml``: a ``[roles]`` table to paste into a config — the current patterns plus a
    commented-out exact-match line for each unmatched frequent value.
    """

    match: str
    matched: dict[str, list[tuple[str, int]]]
    unmatched: list[tuple[str, int]]
    hints: dict[str, str | None]
    toml: str
    events: int = 0
    unmatched_total: int = 0
    """How many distinct values match no role (``unmatched`` holds only the top ones)."""
    patterns: dict[str, list[RolePattern]] = field(default_factory=dict)

    def as_record(self) -> dict[str, Any]:
        """Plain builtins for JSON output."""
        return {
            "match": self.match,
            "events": self.events,
            "roles": {
                role: {
                    "patterns": list(self.patterns.get(role, [])),
                    "matches": [{"value": v, "events": n} for v, n in self.matched[role]],
                }
                for role in ROLE_NAMES
            },
            "unmatched": [
                {"value": v, "events": n, "suggested_role": self.hints.get(v)}
                for v, n in self.unmatched
            ],
            "unmatched_total": self.unmatched_total,
            "toml": self.toml,
        }


def toml_pattern(item: RolePattern) -> str:
    """One role pattern as a TOML value: a string, or an inline ``{match, unless}`` table."""
    match, unless = pattern_parts(item)
    if unless is None:
        return toml_string(match)
    return f"{{ match = {toml_string(match)}, unless = {toml_string(unless)} }}"


def exact_pattern(value: str) -> str:
    """A regular expression matching exactly ``value`` (spaces left readable)."""
    return "^" + re.escape(value).replace("\\ ", " ") + "$"


def _events(n: int) -> str:
    return f"{n} event" if n == 1 else f"{n} events"


def _render_toml(
    roles: RoleSettings, unmatched: list[tuple[str, int]], hints: dict[str, str | None]
) -> str:
    lines = [
        "[roles]",
        "# Regular expressions (case-insensitive; or {match = ..., unless = ...}) per role.",
        "# Commented lines are frequent values no rule matches, placed under the role",
        "# their words suggest: uncomment the ones that fit.",
        f"match = {toml_string(roles.match)}",
        f"min_case_share = {roles.min_case_share!r}",
    ]
    for role in _ALL_ROLES:  # the wait causes too: the table is a whole [roles]
        lines.append(f"{role} = [")
        lines.extend(f"    {toml_pattern(p)}," for p in getattr(roles, role))
        for value, count in unmatched:
            if hints[value] == role:
                lines.append(f"    # {toml_string(exact_pattern(value))},  # {_events(count)}")
        lines.append("]")
    rest = [(v, n) for v, n in unmatched if hints[v] is None]
    if rest:
        lines.append("# unmatched (internal work, or no role suggested by their words):")
        lines.extend(f"#   {toml_string(exact_pattern(v))},  # {_events(n)}" for v, n in rest)
    return "\n".join(lines) + "\n"


def suggest_roles(events: pl.DataFrame, roles: RoleSettings, *, top: int = 30) -> RoleSuggestion:
    """Show what the role rules match in ``events`` and propose rules for the rest.

    Counts are events per distinct value of the match column, most frequent first (ties
    by value, so the output is stable).
    """
    source = _match_column(events, roles)
    counts = (
        events.select(source.alias("value"))
        .drop_nulls()
        .group_by("value")
        .agg(pl.len().alias("n"))
        .sort(["n", "value"], descending=[True, False])
    )
    values: list[str] = counts.get_column("value").to_list()
    ns: list[int] = counts.get_column("n").to_list()
    matched_flags = _roles_of_values(values, roles)
    matched = {
        role: [(v, n) for v, n, hit in zip(values, ns, matched_flags[role], strict=True) if hit]
        for role in ROLE_NAMES
    }
    none = [
        (v, n)
        for i, (v, n) in enumerate(zip(values, ns, strict=True))
        if not any(matched_flags[role][i] for role in ROLE_NAMES)
    ]
    unmatched = none[:top]
    hints = {v: hinted_role(v) for v, _ in unmatched}
    return RoleSuggestion(
        match=roles.match,
        matched=matched,
        unmatched=unmatched,
        hints=hints,
        toml=_render_toml(roles, unmatched, hints),
        events=events.height,
        unmatched_total=len(none),
        patterns={role: list(getattr(roles, role)) for role in ROLE_NAMES},
    )
