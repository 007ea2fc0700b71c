"""Pseudonymised results: reports that can leave the company (GDPR Art. 4(5)).

Case ids, resources (people) and other identifying attributes are replaced by keyed
hashes: ``HMAC-SHA256(key, kind + value)``, truncated to 12 hex digits and prefixed with
the kind (``case-3fa2c1d09b7e``, ``res-…``).  Keyed, so that nobody without the key can
confirm a guess by hashing a known id (a plain hash of a short case number is reversed by
trying them all); stable, so that the same key gives the same pseudonyms in this week's
and next week's report and the company — which holds the key — can map a pseudonym back.
48 bits make a collision among a million values about a 1-in-500 chance; when one happens
it is detected and the digest is lengthened instead of merging two cases.

Teams, activities and categories stay readable: a report must be able to say which step
and which team cause friction.  Add columns to ``columns`` when a log carries names,
e-mail addresses or account numbers in other attributes; :func:`identifying_columns`
proposes the string columns whose names suggest personal data.

Vectorised: each distinct value is hashed once, then every frame is rewritten with one
``replace_strict`` per column.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import polars as pl

from frictionminer import schema as S

if TYPE_CHECKING:
    from frictionminer.engine.result import Result
    from frictionminer.scale.plan import ShardPlan
    from frictionminer.settings import Settings

KEY_ENV = "FRICTIONMINER_PSEUDONYM_KEY"
"""Environment variable read for the key when none is given."""

DIGITS = 12
PREFIXES: dict[str, str] = {S.CASE: "case", S.RESOURCE: "res"}

_PERSONAL = re.compile(
    r"(customer|client|kunde|name|e-?mail|phone|telefon|mobile|address|adresse|street|strasse|"
    r"iban|account|konto|birth|geburt|person|contact_?id|user_?id|employee|mitarbeiter|"
    r"caller|requester|applicant)",
    re.IGNORECASE,
)


_PEOPLE = re.compile(
    r"(resource|assign\w*\s*to|assignee|agent|owner|analyst|handler|worker|staff|operator|"
    r"user|person|employee|mitarbeiter|bearbeiter|sachbearbeiter|medewerker|name)",
    re.IGNORECASE,
)
_TEAMS = re.compile(r"(group|team|department|section|unit|queue|abteilung|afdeling)", re.IGNORECASE)


def people_roles(columns: Mapping[str, str | list[str]]) -> list[str]:
    """Canonical team or channel columns that were read from a column of people.

    ``--group-col resource`` (handoffs between people) makes the group column hold names:
    it is pseudonymised like the resource, not kept readable like a team.
    """
    canonical = {"group": S.GROUP, "channel": S.CHANNEL}
    return [
        canonical[role]
        for role, source in columns.items()
        if role in canonical
        and isinstance(source, str)
        and _PEOPLE.search(source)
        and not _TEAMS.search(source)
    ]


def resolve_key(key: str | None) -> tuple[bytes, bool]:
    """The key to use and whether it is stable: ``key``, else $FRICTIONMINER_PSEUDONYM_KEY,
    else a random key for this run only (pseudonyms then differ between runs)."""
    chosen = key if key else os.environ.get(KEY_ENV)
    if chosen:
        return chosen.encode("utf-8"), True
    return secrets.token_bytes(32), False


def identifying_columns(events: pl.DataFrame) -> list[str]:
    """Resource plus string attributes whose names suggest personal data."""
    out = [S.RESOURCE] if S.RESOURCE in events.columns else []
    for name, dtype in events.schema.items():
        if name in S.CANONICAL or name.startswith("role_") or dtype != pl.String:
            continue
        bare = name.removeprefix(S.CASE_PREFIX)
        if _PERSONAL.search(bare) and name not in out:
            out.append(name)
    return out


class Pseudonymizer:
    """Keyed, stable pseudonyms for values of a kind (case, resource, a column)."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def one(self, kind: str, value: str, digits: int = DIGITS) -> str:
        prefix = PREFIXES.get(kind, re.sub(r"[^a-z0-9]+", "-", kind.lower()).strip("-") or "id")
        digest = hmac.new(self._key, f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()
        return f"{prefix}-{digest[:digits]}"

    def mapping(self, kind: str, values: Iterable[str]) -> dict[str, str]:
        """Pseudonym of every distinct value; longer digests if truncation collides."""
        distinct = sorted({v for v in values if v is not None})
        digits = DIGITS
        while True:
            out = {v: self.one(kind, v, digits) for v in distinct}
            if len(set(out.values())) == len(out) or digits >= 64:
                return out
            digits += 4

    def case_id(self, case_id: str) -> str:
        return self.one(S.CASE, case_id)


def _replace(frame: pl.DataFrame, column: str, mapping: Mapping[str, str]) -> pl.DataFrame:
    if column not in frame.columns:
        return frame
    col = pl.col(column).cast(pl.String)
    return frame.with_columns(
        col.replace_strict(
            list(mapping), list(mapping.values()), default=col, return_dtype=pl.String
        ).alias(column)
    )


def pseudonymize_frames(
    frames: Mapping[str, pl.DataFrame],
    key: bytes,
    columns: Iterable[str] = (S.CASE, S.RESOURCE),
    same_as: Mapping[str, Iterable[str]] | None = None,
) -> dict[str, pl.DataFrame]:
    """Replace the values of ``columns`` in every frame (same value → same pseudonym).

    ``same_as`` names, per column, more columns that hold the same kind of value under
    other names (the team columns of the facts tables), pseudonymised alike.
    """
    p = Pseudonymizer(key)
    out = dict(frames)
    for column in columns:
        names = [column, *(same_as or {}).get(column, ())]
        values: set[str] = set()
        for df in frames.values():
            for name in names:
                if name in df.columns:
                    values.update(df.select(pl.col(name).cast(pl.String).unique()).to_series())
        values.discard(None)
        if not values:
            continue
        mapping = p.mapping(column, values)
        for name in names:
            out = {f: _replace(df, name, mapping) for f, df in out.items()}
    return out


def pseudonymize_events(
    events: pl.DataFrame, columns: Mapping[str, str | list[str]], key: bytes
) -> pl.DataFrame:
    """``events`` (a log's canonical table) with case ids, resources, the identifying
    attributes (:func:`identifying_columns`) and a team column read from people
    (:func:`people_roles`) pseudonymised: what ``convert --pseudonymize`` writes."""
    wanted = [S.CASE, *identifying_columns(events), *people_roles(columns)]
    frames = pseudonymize_frames({"events": events}, key, list(dict.fromkeys(wanted)))
    return frames["events"]


_FACT_TEAMS = ("team", "from", "to", "team_a", "team_b", "holder")
"""Columns of the facts tables that hold the team (engine/facts.py)."""


def pseudonymize_result(
    result: Result, key: bytes | str, columns: Iterable[str] | None = None
) -> Result:
    """A copy of ``result`` with case ids, resources and ``columns`` pseudonymised.

    ``columns`` defaults to :func:`identifying_columns` of the events.  The ranking, the
    measures and the flags are unchanged (the case table keeps its order); flag messages
    quote measures and peer groups, never case ids or resources, so they stay as they are.
    A sharded result re-reads a case's events from the source by its real id: the
    pseudonymised case table keeps the order of the original, so row by row it maps each
    pseudonym back to its case, and the re-read events get the same keyed pseudonyms.
    """
    raw_key = key.encode("utf-8") if isinstance(key, str) else key
    wanted = [S.CASE, *(identifying_columns(result.events) if columns is None else columns)]
    wanted += people_roles(result.log.columns)
    customer = result.settings.journey.customer
    if customer is not None:  # the journeys' customer ids, whatever the column is called
        bare = customer.removeprefix(S.CASE_PREFIX)
        wanted += [c for c in (bare, f"{S.CASE_PREFIX}{bare}") if c in result.events.columns]
    wanted = list(dict.fromkeys(wanted))
    facts = result.facts
    fact_tables = {} if facts is None else {f"facts/{n}": df for n, df in facts.tables.items()}
    frames = pseudonymize_frames(
        {
            "events": result.events,
            "cases": result.cases,
            "flags": result.flags,
            "log": result.log.events,
            **fact_tables,
        },
        raw_key,
        wanted,
        same_as={S.GROUP: _FACT_TEAMS},
    )
    log = dataclasses.replace(result.log, events=frames["log"])
    hidden = dataclasses.replace(
        result, log=log, events=frames["events"], cases=frames["cases"], flags=frames["flags"]
    )
    if facts is not None:
        tables = {n: frames[f"facts/{n}"] for n in facts.tables}
        hidden = dataclasses.replace(hidden, facts=dataclasses.replace(facts, tables=tables))
    if result.journeys is not None:  # rebuilt from the pseudonymised events
        from frictionminer.engine.journeys import build_journeys

        hidden = dataclasses.replace(
            hidden,
            journeys=build_journeys(
                hidden.events,
                hidden.cases,
                hidden.settings,
                coverage=hidden.coverage,
                sharded=hidden.sharded is not None,
            ),
        )
    plan = result.sharded
    if plan is None or plan.reread is None:
        return hidden
    reread = plan.reread
    real = dict(zip(hidden.cases[S.CASE].to_list(), result.cases[S.CASE].to_list(), strict=True))

    def reread_hidden(plan: ShardPlan, settings: Settings, case_id: str) -> pl.DataFrame:
        events = reread(plan, settings, real.get(case_id, case_id))
        return pseudonymize_frames({"events": events}, raw_key, wanted)["events"]

    return dataclasses.replace(hidden, sharded=dataclasses.replace(plan, reread=reread_hidden))
