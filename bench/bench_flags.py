"""Quality of the flags against injected friction, and simulation speed.

For every scenario: simulate ``--cases`` cases (seed ``--seed``, default rates), score
them with the scenario's config at default settings, and print precision and recall of
each flag against the cases' ``case:injected`` labels as a Markdown table (the one in
docs/simulation.md).  Then time the simulation of about ``--events`` events (default one
million) for each scenario.  Usage::

    .venv/bin/python bench/bench_flags.py [--cases 5000] [--seed 1] [--events 1000000]
"""

from __future__ import annotations

import argparse
import time

import polars as pl

from frictionminer.simulation import SCENARIOS, simulate
from frictionminer.simulation.quality import RULE_IDS, flag_quality


def quality_table(cases: int, seed: int) -> pl.DataFrame:
    return pl.concat([flag_quality(s, cases, seed) for s in SCENARIOS])


def render(table: pl.DataFrame) -> str:
    """Scenario × rule, each cell 'precision / recall (labelled)'."""
    head = "| scenario | " + " | ".join(RULE_IDS) + " |"
    lines = [head, "|---|" + "---|" * len(RULE_IDS)]
    for scenario in SCENARIOS:
        cells = []
        for rid in RULE_IDS:
            row = table.filter((pl.col("scenario") == scenario) & (pl.col("rule") == rid)).row(
                0, named=True
            )
            cells.append(f"{row['precision']:.2f} / {row['recall']:.2f} ({row['labelled']})")
        lines.append(f"| {scenario} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def speed(events: int) -> list[tuple[str, int, float]]:
    out = []
    for scenario in SCENARIOS:
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
    print("| scenario | events | seconds | events/s |\n|---|---|---|---|")
    for scenario, n, secs in speed(args.events):
        print(f"| {scenario} | {n:,} | {secs:.2f} | {n / secs:,.0f} |")


if __name__ == "__main__":
    main()
