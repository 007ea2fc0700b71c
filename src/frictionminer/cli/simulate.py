"""The ``simulate`` command: a thin shell over :func:`frictionminer.simulation.simulate`.

numpy and polars are imported inside the command, so ``frictionminer --help`` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from frictionminer.cli.options import QuietOpt, handle_errors


def _parse_rates(values: list[str]) -> dict[str, float]:
    """``--rate 0.1`` (every pattern) and ``--rate piecemeal=0.2`` (one pattern)."""
    from frictionminer.errors import UsageError

    rates: dict[str, float] = {}
    for text in values:
        name, sep, number = text.rpartition("=")
        key = name.strip() if sep else "*"
        try:
            rates[key] = float(number)
        except ValueError:
            raise UsageError(
                f"--rate {text!r}: expected a number or PATTERN=NUMBER",
                hint="e.g. --rate 0.1 --rate silent-wait=0.3",
            ) from None
    return rates


def _describe() -> str:
    from frictionminer.simulation.process import DEFAULT_RATE, PATTERNS
    from frictionminer.simulation.scenarios import SCENARIOS

    lines = ["Scenarios:", ""]
    for spec in SCENARIOS.values():
        cats = ", ".join(f"{c.name} ({c.value_low:g}-{c.value_high:g})" for c in spec.categories)
        lines += [f"  {spec.key} — {spec.title}", f"    {spec.summary}"]
        lines += [f"    categories (value): {cats}", ""]
    from frictionminer.simulation.journeys import JOURNEY_SCENARIOS

    lines.append("Journey scenarios (--cases is the number of customers, each with one or more")
    lines.append("cases; events carry customer_id; score with --journey, see docs/simulation.md):")
    lines.append("")
    for js in JOURNEY_SCENARIOS.values():
        lines += [f"  {js.key} — {js.title}", f"    {js.summary}"]
        stories = "; ".join(f"{s.name} ({s.weight:.0%}): {s.text}" for s in js.stories)
        lines += [f"    stories: {stories}", ""]
    lines.append(f"Friction patterns (default rate {DEFAULT_RATE:g} each; --rate NAME=R):")
    lines.append("  " + ", ".join(PATTERNS))
    lines.append(
        "  (journey scenarios draw neither transfer nor reopened: they tell those across cases)"
    )
    lines.append("")
    lines.append("See docs/simulation.md for what each pattern does and which flags it labels.")
    return "\n".join(lines) + "\n"


@handle_errors
def simulate(
    scenario: Annotated[
        str | None,
        typer.Argument(
            help="Scenario: warranty, energy-switch, complaint, sales, it-incident, loan; "
            "journey scenarios: contact-centre, energy-journey, shoelace-journey.",
            show_default=False,
        ),
    ] = None,
    cases: Annotated[
        int,
        typer.Option(
            "--cases", "-n", min=1, help="Number of cases (of customers, for a journey scenario)."
        ),
    ] = 1000,
    seed: Annotated[int, typer.Option("--seed", "-s", min=0, help="Random seed (0 or more).")] = 0,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Log file: .csv, .csv.gz, .parquet, .xes or .xes.gz (format from suffix).",
        ),
    ] = None,
    rate: Annotated[
        list[str] | None,
        typer.Option(
            "--rate",
            help="Share of cases per friction pattern: a number for every pattern, or "
            "PATTERN=NUMBER for one (repeatable; default 0.05 each).",
        ),
    ] = None,
    write_config: Annotated[
        Path | None,
        typer.Option(
            "--write-config",
            help="Also write the scenario's config (columns, roles) as TOML to this file.",
        ),
    ] = None,
    list_: Annotated[
        bool, typer.Option("--list", help="Describe the scenarios and patterns, then exit.")
    ] = False,
    quiet: QuietOpt = False,
) -> None:
    """Simulate a customer-service log with labelled, injected friction.

    Each case's attribute case:injected names the flags its friction should trigger.
    """
    from frictionminer.errors import UsageError

    if list_:
        sys.stdout.write(_describe())
        return
    if scenario is None:
        raise UsageError("missing SCENARIO", hint="list them with `frictionminer simulate --list`")
    if output is None and write_config is None:
        raise UsageError("nothing to write", hint="give -o FILE and/or --write-config FILE")
    from frictionminer import api
    from frictionminer.io.outputs import check_writable, write_text
    from frictionminer.simulation import check_scenario, resolve_rates, scenario_config

    check_scenario(scenario)
    rates = resolve_rates(_parse_rates(rate or []))
    if write_config is not None:
        check_writable(write_config)  # before the simulation, as -o is checked by api
    if output is not None:
        events = api.simulate(scenario, cases, seed, rates=rates, output=output)
        if not quiet:
            from frictionminer.io.convert import output_format

            injected = events.filter(events["case:injected"] != "")["case_id"].n_unique()
            n_cases = events["case_id"].n_unique()
            whose = ""
            if "customer_id" in events.columns:
                labelled = events.filter(events["case:journey_injected"] != "")
                whose = (
                    f" of {cases:,} customers ({events['case:journey'].n_unique():,} journeys, "
                    f"{labelled['case:journey'].n_unique():,} with journey friction)"
                )
            sys.stderr.write(
                f"wrote {output} ({output_format(output)}): {events.height:,} events, "
                f"{n_cases:,} cases{whose}, {injected:,} with injected friction\n"
            )
    if write_config is not None:
        write_text(write_config, scenario_config(scenario))
        if not quiet:
            sys.stderr.write(f"wrote {write_config} (config for '{scenario}')\n")
