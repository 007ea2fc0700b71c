"""Rendering of :class:`frictionminer.io.profile.LogProfile`."""

from __future__ import annotations

import json

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from frictionminer.io.profile import LogProfile
from frictionminer.reporting.catalogue import unseen_line

MAX_ATTRIBUTE_ROWS = 200
"""Columns listed in the terminal's attribute table (all of them in JSON)."""


def _span(p: LogProfile) -> str:
    days = (p.end - p.start).total_seconds() / 86400
    return f"{p.start:%Y-%m-%d %H:%M} .. {p.end:%Y-%m-%d %H:%M} UTC ({days:,.1f} days)"


def render_terminal(p: LogProfile, console: Console) -> None:
    console.print(
        f"[bold]{escape(p.source)}[/bold] "
        f"({p.format}, read with {p.details.get('reader', p.format)})"
    )
    head = Table.grid(padding=(0, 2))
    head.add_row("cases", f"{p.cases:,}")
    head.add_row("events", f"{p.events:,}")
    head.add_row("activities", f"{p.activities:,}")
    head.add_row("time span", _span(p))
    e = p.events_per_case
    head.add_row(
        "events per case",
        f"min {e['min']:g} · median {e['median']:g} · p90 {e['p90']:g} · max {e['max']:g} "
        f"· mean {e['mean']:g}",
    )
    console.print(head)

    acts = Table(title="Top activities", title_justify="left")
    acts.add_column("activity")
    acts.add_column("events", justify="right")
    acts.add_column("share", justify="right")
    for name, n in p.top_activities:
        acts.add_row(Text(name), f"{n:,}", f"{n / p.events:.1%}")
    console.print(acts)

    attrs = Table(title="Attributes", title_justify="left")
    for col in ("column", "type", "role", "from", "level", "filled", "distinct"):
        attrs.add_column(col, justify="right" if col in ("filled", "distinct") else "left")
    shown = p.attributes[:MAX_ATTRIBUTE_ROWS]
    for a in shown:
        attrs.add_row(
            Text(a.name),
            a.dtype,
            a.role or "",
            Text(a.source or ""),
            a.level,
            f"{a.non_null / p.events:.0%}",
            f"{a.distinct:,}",
        )
    if len(p.attributes) > len(shown):
        attrs.caption = f"{len(p.attributes) - len(shown):,} more columns: see --format json"
    console.print(attrs)

    if p.roles:
        roles = Table(title="Customer roles (events \\[roles] matches)", title_justify="left")
        for col in ("role", "events", "share", "cases"):
            roles.add_column(col, justify="left" if col == "role" else "right")
        for role, n in p.roles.items():
            cases = p.role_cases.get(role)
            roles.add_row(
                role,
                f"{n:,}",
                f"{n / p.events:.1%}" if p.events else "",
                "" if cases is None else f"{cases:,}",
            )
        console.print(roles)
        line = unseen_line(p.warnings)
        if line:
            console.print(Text.from_markup("  [yellow]![/yellow] "), Text(line), sep="")

    if p.classifiers:
        console.print("[bold]XES classifiers[/bold] (compose one with a repeated --activity-col):")
        for name, keys in p.classifiers.items():
            console.print(Text(f"  {name}: {' + '.join(keys)}"))

    if p.findings:
        console.print("[bold]Data quality[/bold]")
        for f in p.findings:
            mark = "[yellow]![/yellow]" if f.severity == "warning" else "[cyan]i[/cyan]"
            console.print(Text.from_markup(f"  {mark} "), Text(f"{f.code}: {f.message}"), sep="")
    else:
        console.print("[bold]Data quality[/bold]: no findings")


def render_json(p: LogProfile) -> str:
    return json.dumps(p.as_record(), indent=2, ensure_ascii=False) + "\n"
