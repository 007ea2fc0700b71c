"""``rules``: the flag rules with their settings as configured."""

from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table
from rich.text import Text

from frictionminer.settings import Settings


def render_terminal(settings: Settings, console: Console) -> None:
    from frictionminer.engine.rules import rule_records

    table = Table(title=f"Flag rules (config: {settings.source})", title_justify="left")
    table.add_column("rule", no_wrap=True)
    table.add_column("name", min_width=16)
    table.add_column("severity", no_wrap=True)
    table.add_column("remedy", no_wrap=True)
    table.add_column("on", no_wrap=True)
    table.add_column("settings", overflow="fold")
    records = rule_records(settings)
    for r in records:
        params = "\n".join(f"{k} = {v}" for k, v in r["params"].items())
        table.add_row(
            r["id"],
            r["name"].removeprefix("friction.").replace("_", " "),
            r["severity"],
            r["remedy"],
            "yes" if r["enabled"] else "[dim]no[/dim]",
            Text(params),
        )
    console.print(table)
    for r in records:
        console.print(Text.assemble((f"{r['id']} ", "bold"), r["summary"]))
    console.print("Details and examples: docs/rules.md; settings go in [rules.FMxxx] tables.")


def render_json(settings: Settings) -> str:
    from frictionminer.engine.rules import rule_records

    return json.dumps({"rules": rule_records(settings)}, indent=2, ensure_ascii=False) + "\n"
