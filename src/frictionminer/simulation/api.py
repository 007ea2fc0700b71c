"""The simulator's public functions (re-exported lazily by :mod:`frictionminer.simulation`).

Simulated customer-service logs with labelled, injected friction (``simulate``).

Analysts need logs to learn the tool on; tests need logs where the truth is known.
:func:`simulate` builds a scenario's event log for ``cases`` cases, deterministically for a
seed, with friction patterns injected at given rates; every case carries the case attribute
``case:injected``: the ids of the flags its injected friction should trigger.

Example::

    >>> from frictionminer.simulation import simulate
    >>> log = simulate("warranty", cases=50, seed=1)
    >>> log.columns[:4]
    ['case_id', 'activity', 'timestamp', 'resource']
    >>> sorted(set(log["case:category"]))
    ['boots', 'insole', 'jacket', 'shoelace']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from frictionminer.errors import UsageError
from frictionminer.simulation.process import DEFAULT_RATE, EXTRA_PATTERNS, PATTERNS
from frictionminer.simulation.scenarios import SCENARIOS

__all__ = [
    "DEFAULT_RATE",
    "EXTRA_PATTERNS",
    "PATTERNS",
    "SCENARIOS",
    "Simulation",
    "check_scenario",
    "resolve_rates",
    "scenario_config",
    "simulate",
    "simulate_with_truth",
]

CASE_ATTRIBUTES = ("case:category", "case:value", "case:channel", "case:patterns", "case:injected")


@dataclass
class Simulation:
    """A simulated log with the ground truth its labels came from (for tests and bench)."""

    events: pl.DataFrame
    truth: pl.DataFrame
    """One row per case (case_id order): true measures, patterns, ``FM00x`` columns."""


def check_scenario(scenario: str) -> None:
    """UsageError (with the closest name) unless ``scenario`` is known."""
    _spec(scenario)


def _spec(scenario: str) -> object:
    from frictionminer.simulation.journeys import JOURNEY_SCENARIOS

    if scenario in JOURNEY_SCENARIOS:
        return JOURNEY_SCENARIOS[scenario]
    if scenario not in SCENARIOS:
        import difflib

        known = [*SCENARIOS, *JOURNEY_SCENARIOS]
        near = difflib.get_close_matches(scenario, known, n=1)
        hint = f"did you mean '{near[0]}'?" if near else f"known: {', '.join(known)}"
        raise UsageError(f"unknown scenario {scenario!r}", hint=hint)
    return SCENARIOS[scenario]


def resolve_rates(rates: float | Mapping[str, float] | None) -> dict[str, float]:
    """Rates for every pattern: one number for all, or a mapping (missing ones default).

    A mapping may hold ``"*"`` for the patterns it does not name.  The
    :data:`EXTRA_PATTERNS` have rate 0 unless the mapping names them.
    """
    extras = dict.fromkeys(EXTRA_PATTERNS, 0.0)
    if rates is None:
        return dict.fromkeys(PATTERNS, DEFAULT_RATE) | extras
    if isinstance(rates, int | float):
        base, named = float(rates), {}
    else:
        named = dict(rates)
        base = float(named.pop("*", DEFAULT_RATE))
    known = (*PATTERNS, *EXTRA_PATTERNS)
    unknown = [k for k in named if k not in known]
    if unknown:
        import difflib

        near = difflib.get_close_matches(unknown[0], known, n=1)
        hint = f"did you mean '{near[0]}'?" if near else f"patterns: {', '.join(known)}"
        raise UsageError(f"unknown friction pattern {unknown[0]!r}", hint=hint)
    out = {p: float(named.get(p, base)) for p in PATTERNS}
    out |= {p: float(named.get(p, 0.0)) for p in EXTRA_PATTERNS}
    bad = [p for p, r in out.items() if not 0.0 <= r <= 1.0]
    if bad:
        raise UsageError(f"rate of {bad[0]!r} must be between 0 and 1, got {out[bad[0]]}")
    return out


def simulate_with_truth(
    scenario: str,
    cases: int,
    seed: int,
    rates: float | Mapping[str, float] | None = None,
) -> Simulation:
    """:func:`simulate`, plus the per-case ground truth behind the labels."""
    import zlib

    import numpy as np

    from frictionminer.simulation.journeys import JourneyScenario, simulate_journeys
    from frictionminer.simulation.labels import (
        flag_truth,
        label_column,
        survey_truth,
        true_ratings,
        truth_table,
    )
    from frictionminer.simulation.process import Spec, build

    spec = _spec(scenario)
    if cases < 1:
        raise UsageError(f"--cases must be at least 1, got {cases}")
    if isinstance(spec, JourneyScenario):
        sim = simulate_journeys(spec, cases, seed, resolve_rates(rates))
        return Simulation(events=sim.events, truth=sim.truth)
    assert isinstance(spec, Spec)
    # The scenario's name joins the seed so that scenarios do not share their draws.
    rng = np.random.Generator(np.random.PCG64([seed, zlib.crc32(scenario.encode())]))
    built = build(spec, cases, rng, resolve_rates(rates))
    b = built.builder
    width = max(5, len(str(cases)))
    ids = pl.select(
        (
            pl.lit(f"{spec.prefix}-") + pl.int_range(1, cases + 1).cast(pl.String).str.zfill(width)
        ).alias("case_id")
    ).to_series()
    category = pl.Series([c.name for c in spec.categories]).gather(
        pl.Series(built.category.astype(np.uint32))
    )
    value = pl.Series(built.value)
    every = (*PATTERNS, *EXTRA_PATTERNS)
    patterns = pl.DataFrame({p: built.patterns[p] for p in every})
    injected_any = np.logical_or.reduce([built.patterns[p] for p in every])
    table = truth_table(b.truth, category, value)
    if built.surveyed is not None:
        table = survey_truth(table, b.truth, built.surveyed)
    if built.promised is not None:
        table = table.with_columns(
            pl.Series("promises_made", built.promised.astype(np.int64)),
            pl.Series("promises_broken", built.patterns["broken-promise"].astype(np.int64)),
        )
    truth = flag_truth(table, built.patterns["reopened"])
    rating = None
    if built.surveyed is not None and built.extra is not None:
        rating = true_ratings(truth, built.extra)
    labels = label_column(truth, injected_any)
    pattern_names = patterns.select(
        pl.concat_str(
            [pl.when(pl.col(p)).then(pl.lit(p)) for p in every], separator=";", ignore_nulls=True
        ).alias("p")
    ).to_series()
    channel = pl.Series(b.channels).gather(pl.Series(built.channel.astype(np.uint32)))
    attrs = pl.DataFrame(
        {
            "case_id": ids,
            "case:category": category,
            "case:value": value,
            "case:channel": channel,
            "case:patterns": pattern_names,
            "case:injected": labels,
        }
    )
    if rating is not None:  # only in logs with surveys: the others stay as they were
        attrs = attrs.with_columns(rating.alias("case:rating"))
    events = b.events(ids).join(attrs, on="case_id", how="left", maintain_order="left")
    truth = pl.concat(
        [
            attrs.select("case_id", "case:patterns", "case:injected"),
            truth,
            patterns.select(pl.all().name.prefix("pattern:")),
        ],
        how="horizontal",
    )
    return Simulation(events=events, truth=truth)


def simulate(
    scenario: str,
    cases: int,
    seed: int,
    rates: float | Mapping[str, float] | None = None,
) -> pl.DataFrame:
    """Events of ``cases`` simulated cases of ``scenario``, deterministic for ``seed``.

    Columns: ``case_id``, ``activity``, ``timestamp`` (UTC), ``resource``, ``group`` (team),
    ``organisation``, ``channel`` and the case attributes ``case:category``, ``case:value``,
    ``case:channel``, ``case:patterns`` (injected pattern names) and ``case:injected``
    (``;``-separated flag ids the injected friction should trigger, empty for clean
    cases).  A journey scenario (``contact-centre``, ``energy-journey``,
    ``shoelace-journey``; :mod:`frictionminer.simulation.journeys`) simulates ``cases``
    *customers*, each with one or more cases, and adds ``customer_id``, ``case:journey``,
    ``case:journey_story`` and ``case:journey_injected``.  ``rates``: one share for every
    pattern, or a mapping by pattern name (:data:`PATTERNS`; ``"*"`` for the rest);
    default :data:`DEFAULT_RATE` each.
    """
    return simulate_with_truth(scenario, cases, seed, rates).events


def scenario_config(scenario: str) -> str:
    """The TOML config that maps the scenario's columns and activity names to roles."""
    import numpy as np

    from frictionminer.simulation.journeys import JourneyScenario, journey_config, role_table
    from frictionminer.simulation.process import Spec, build

    spec = _spec(scenario)
    extra: list[str] = []
    if isinstance(spec, JourneyScenario):
        roles = role_table(spec)
        extra = journey_config()
    else:
        assert isinstance(spec, Spec)
        # Build a tiny log with every pattern to collect the whole activity vocabulary.
        rng = np.random.Generator(np.random.PCG64(0))
        built = build(spec, 200, rng, {**dict.fromkeys(PATTERNS, 0.5), "broken-promise": 0.5})
        roles = built.builder.role_table()
        extra = promise_config()
    lines = [
        f"# frictionminer config for the simulated '{spec.key}' scenario: {spec.title}.",
        "# Written by `frictionminer simulate --write-config`; see docs/simulation.md.",
        "",
        "[columns]",
        "# team (group / org:group) and channel are detected from the column names.",
        'category = "case:category"',
        'value = "case:value"',
        "",
        "[measures]",
        'organisation = "organisation"',
        "",
        "[roles]",
        "# The scenario's activity names, exactly, per role.",
    ]
    for role, names in roles.items():
        lines.append(f"{role} = [")
        lines.extend(f"    '^{_regex_escape(name)}$'," for name in names)
        lines.append("]")
    return "\n".join([*lines, *extra]) + "\n"


def promise_config() -> list[str]:
    """The ``[[promises]]`` of a simulated log (the ``broken-promise`` pattern's callback),
    and the built-in first response switched off: the simulated acknowledgement is a
    contact, so the first response would measure the first notice or request instead."""
    from frictionminer.simulation.process import PROMISE

    return [
        "",
        "[builtin_promises]",
        "# The simulated acknowledgement is a contact, not a notice: off here.",
        'first_response = ""',
        "",
        "[[promises]]",
        f'name = "{PROMISE["name"]}"',
        f"after = '^{_regex_escape(PROMISE['after'])}$'",
        f"before = '^{_regex_escape(PROMISE['before'])}$'",
        f'within = "{PROMISE["within"]}"',
        'clock = "business"',
    ]


def _regex_escape(name: str) -> str:
    """Escape regex metacharacters (not spaces) so the pattern stays readable in TOML."""
    out = []
    for ch in name:
        out.append("\\" + ch if ch in ".^$*+?{}[]\\|()" else ch)
    text = "".join(out)
    if "'" in text:
        raise ValueError(f"activity name {name!r} cannot be written as a TOML literal string")
    return text
