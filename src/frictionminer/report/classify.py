"""``classify``: what each role's rules match, and a [roles] table to paste."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from rich.console import Console
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from frictionminer.classify import RoleSuggestion


def render_terminal(s: RoleSuggestion, console: Console, *, show_toml: bool) -> None:
    rec = s.as_record()
    for role, matches in rec["roles"].items():
        table = Table(title=f"{role}: {len(matches)} activities", title_justify="left")
        table.add_column("activity")
        table.add_column("events", justify="right")
        for m in matches[:15]:
            table.add_row(Text(m["activity"]), f"{m['events']:,}")
        if len(matches) > 15:
            table.add_row(f"… {len(matches) - 15} more", "")
        console.print(table)
    un = rec["unmatched"]
    table = Table(title=f"Frequent activities no role matches ({len(un)})", title_justify="left")
    table.add_column("activity")
    table.add_column("events", justify="right")
    for m in un:
        table.add_row(Text(m["activity"]), f"{m['events']:,}")
    console.print(table)
    if show_toml:
        console.print("[bold]Proposed [roles] table[/bold] (paste into frictionminer.toml):")
        console.print(Syntax(s.toml, "toml", theme="ansi_dark", background_color="default"))
    else:
        console.print(
            "Run with --suggest for a [roles] table to paste into a config.", markup=False
        )


def render_text(s: RoleSuggestion) -> str:
    return json.dumps(s.as_record(), indent=2, ensure_ascii=False) + "\n"


def render_json(s: RoleSuggestion) -> str:
    return json.dumps(s.as_record(), indent=2, ensure_ascii=False) + "\n"
