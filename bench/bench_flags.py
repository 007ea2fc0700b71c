"""Quality of the flags against injected friction, and simulation speed.

For every scenario: simulate ``--cases`` cases (seed ``--seed``, default rates), score
them with the scenario's config at default settings, and print precision and recall of
each flag against the cases' ``case:injected`` labels as a Markdown table (the one in
docs/simulation.md).  Then the journey scenarios: the same table for their case flags, and
precision and recall of the journey flags FM010 and FM011 per journey against
``case:journey_injected`` (``--cases`` customers each).  Then time the simulation of
about ``--events`` events (default one million) for each scenario.  Usage::

    .venv/bin/python bench/bench_flags.py [--cases 5000] [--seed 1] [--events 1000000]
"""

from __future__ import annotations

import argparse
import time

import polars as pl

from frictionminer.simulation import SCENARIOS, simulate
from frictionminer.simulation.journeys import JOURNEY_RULE_IDS, JOURNEY_SCENARIOS
from frictionminer.simulation.quality import RULE_IDS, flag_quality, journey_quality


def quality_table(cases: int, seed: int, scenarios: list[str] | None = None) -> pl.DataFrame:
    return pl.concat([flag_quality(s, cases, seed) for s in scenarios or SCENARIOS])


def render(
    table: pl.DataFrame, scenarios: list[str] | None = None, rules: tuple[str, ...] = RULE_IDS
) -> str:
    """Scenario × rule, each cell 'precision / recall (labelled)'."""
    head = "| scenario | " + " | ".join(rules) + " |"
    lines = [head, "|---|" + "---|" * len(rules)]
    for scenario in scenarios or SCENARIOS:
        cells = []
        for rid in rules:
            row = table.filter((pl.col("scenario") == scenario) & (pl.col("rule") == rid)).row(
                0, named=True
            )
            cells.append(f"{row['precision']:.2f} / {row['recall']:.2f} ({row['labelled']})")
        lines.append(f"| {scenario} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


EXTRA = {"FM012": {"broken-promise": 0.05}, "FM013": {"survey-after-friction": 0.05}}
"""The flags of the patterns drawn only when named, and the rates they are measured at."""


def extra_table(cases: int, seed: int) -> str:
    """Scenario × extra flag: precision / recall (labelled), each at its pattern's rate."""
    lines = ["| scenario | " + " | ".join(EXTRA) + " |", "|---|" + "---|" * len(EXTRA)]
    for scenario in SCENARIOS:
        cells = []
        for rid, rates in EXTRA.items():
            (row,) = flag_quality(scenario, cases, seed, rates=rates, rules=(rid,)).rows(named=True)
            cells.append(f"{row['precision']:.2f} / {row['recall']:.2f} ({row['labelled']})")
        lines.append(f"| {scenario} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def speed(events: int) -> list[tuple[str, int, float]]:
    out = []
    for scenario in [*SCENARIOS, *JOURNEY_SCENARIOS]:
        probe = simulate(scenario, 2000, 0)
        cases = max(1, round(events / (probe.height / 2000)))
        start = time.perf_counter()
        log = simulate(scenario, cases, 1)
        out.append((scenario, log.height, time.perf_counter() - start))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    table = quality_table(args.cases, args.seed)
    print(
        f"Precision / recall (labelled cases) at default settings, {args.cases} cases, "
        f"seed {args.seed}:\n"
    )
    print(render(table))
    worst = table.select(pl.min("precision"), pl.min("recall")).row(0)
    print(f"\nlowest precision {worst[0]:.3f}, lowest recall {worst[1]:.3f}\n")
    rates = ", ".join(
        f"{rid}: {next(iter(r))}={next(iter(r.values()))}" for rid, r in EXTRA.items()
    )
    print(f"Flags of the patterns drawn only when named ({rates}):\n")
    print(extra_table(args.cases, args.seed) + "\n")
    journeys = list(JOURNEY_SCENARIOS)
    print(f"Journey scenarios, {args.cases} customers, seed {args.seed}: case flags\n")
    print(render(quality_table(args.cases, args.seed, journeys), journeys))
    jtable = pl.concat([journey_quality(s, args.cases, args.seed) for s in journeys])
    print("\nJourney flags per journey (labelled journeys; journeys in all):\n")
    print(render(jtable, journeys, JOURNEY_RULE_IDS))
    counts = jtable.group_by("scenario", maintain_order=True).agg(pl.col("journeys").first())
    print("\n" + ", ".join(f"{s}: {n:,} journeys" for s, n in counts.iter_rows()) + "\n")
    print("| scenario | events | seconds | events/s |\n|---|---|---|---|")
    for scenario, n, secs in speed(args.events):
        print(f"| {scenario} | {n:,} | {secs:.2f} | {n / secs:,.0f} |")


if __name__ == "__main__":
    main()
