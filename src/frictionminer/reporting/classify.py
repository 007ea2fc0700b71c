"""``classify``: what each role's rules match, and a [roles] table to paste."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, TextIO

from rich.console import Console
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from frictionminer.engine.classify import RoleSuggestion


def render_terminal(s: RoleSuggestion, console: Console, *, show_toml: bool) -> None:
    rec = s.as_record()
    total = max(int(rec["events"]), 1)
    console.print(f"Roles of {total:,} events, matched against '{rec['match']}'")
    for role, info in rec["roles"].items():
        matches = info["matches"]
        covered = sum(int(m["events"]) for m in matches)
        console.print(
            f"[bold]{role}[/bold]: {len(matches)} values, "
            f"{covered:,} events ({covered / total:.1%})"
        )
        if not matches:
            continue
        table = Table()
        table.add_column("value")
        table.add_column("events", justify="right")
        for m in matches[:15]:
            table.add_row(Text(m["value"]), f"{m['events']:,}")
        if len(matches) > 15:
            table.add_row(f"… {len(matches) - 15} more", "")
        console.print(table)
    un = rec["unmatched"]
    console.print(
        f"[bold]no role[/bold]: the {len(un)} most frequent of {rec['unmatched_total']:,} values"
    )
    table = Table()
    table.add_column("value")
    table.add_column("events", justify="right")
    table.add_column("looks like")
    for m in un:
        table.add_row(Text(m["value"]), f"{m['events']:,}", m["suggested_role"] or "")
    console.print(table)
    if show_toml:
        console.print("[bold]Proposed [roles] table[/bold] (paste into frictionminer.toml):")
        console.print(Syntax(s.toml, "toml", theme="ansi_dark", background_color="default"))
    else:
        console.print(
            "Run with --suggest for a [roles] table to paste into a config.", markup=False
        )


def is_terminal(stream: TextIO) -> bool:
    """True when ``stream`` is an interactive terminal (the human tables go there)."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def render_toml(s: RoleSuggestion) -> str:
    """The proposed ``[roles]`` table alone: valid TOML, no markup, no wrapping."""
    return s.toml


def render_text(s: RoleSuggestion) -> str:
    return json.dumps(s.as_record(), indent=2, ensure_ascii=False) + "\n"


def render_json(s: RoleSuggestion) -> str:
    return json.dumps(s.as_record(), indent=2, ensure_ascii=False) + "\n"
