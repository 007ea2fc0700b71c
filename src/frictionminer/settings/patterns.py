"""Role patterns: regular expressions that match in linear time on any input.

A role is a list of patterns (``[roles]`` in the config).  Each item is either a regular
expression, or a table ``{ match = "...", unless = "..." }``: the value has the role when
``match`` is found in it and ``unless`` is not.  ``unless`` takes the place of the
look-arounds (``^(?!.*waiting).*customer``) that other regex engines offer.

Patterns run in polars' regex engine (Rust's ``regex`` crate), case-insensitively: its
time grows linearly with the length of the text on every pattern, so no activity name,
however long or hostile, can make matching slow (Python's ``re`` backtracks: a 128 kB
cell of ``request request ...`` took 40 s there on one of the old default patterns).
The price is two features Python's ``re`` has and a linear-time engine cannot have:
look-arounds and back-references.  A pattern using one is refused when the settings are
read, naming the key and the item, with the rewrite as the hint.  Otherwise the syntax is
Python's (``\\b``, ``\\w``, ``\\s`` and ``\\d`` are Unicode-aware in both), except ``\\Z``,
which is ``\\z`` here.
"""

from __future__ import annotations

from typing import Any

RolePattern = str | dict[str, str]
"""One item of a role's list: a regex, or ``{match = REGEX, unless = REGEX}``."""

PATTERN_KEYS = ("match", "unless")

LOOKAROUND_HINT = (
    "role patterns run in a linear-time engine without look-arounds or back-references: "
    "write {match = 'customer', unless = 'waiting'} instead of '^(?!.*waiting).*customer', "
    r"and '(?:^|\W)call' instead of '(?<!\w)call'"
)


def pattern_parts(item: RolePattern) -> tuple[str, str | None]:
    """``(match, unless)`` of one role pattern (``unless`` None when not given)."""
    if isinstance(item, str):
        return item, None
    return item["match"], item.get("unless")


def case_insensitive(pattern: str) -> str:
    """``pattern`` for polars' engine, matching case-insensitively (Unicode case folding)."""
    return "(?i)" + pattern


def regex_problem(pattern: str) -> str | None:
    """Why polars' regex engine refuses ``pattern`` (its first line), or None."""
    import polars as pl

    try:
        pl.select(pl.lit("", dtype=pl.String).str.contains(case_insensitive(pattern)))
    except pl.exceptions.PolarsError as exc:
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        detail = next((line for line in lines if line.startswith("error:")), lines[-1])
        return detail.removeprefix("error:").strip()
    return None


def item_problem(item: Any) -> tuple[str, bool] | None:
    """What is wrong with one item of a role's list -- ``(message, is_lookaround)`` -- or
    None.  The item's type is already checked (a string, or a table of strings)."""
    if isinstance(item, dict):
        unknown = sorted(set(item) - set(PATTERN_KEYS))
        if unknown or "match" not in item:
            what = f"unknown key(s) {', '.join(unknown)}" if unknown else "no 'match'"
            return f"a pattern table needs 'match' (and may have 'unless'); {what}", False
    match, unless = pattern_parts(item)
    for pattern in (match, unless):
        if pattern is None:
            continue
        problem = regex_problem(pattern)
        if problem is not None:
            lookaround = "look-around" in problem or "backreference" in problem
            return f"bad regular expression {pattern!r}: {problem}", lookaround
    return None
