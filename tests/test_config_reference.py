"""docs/configuration.md's reference is generated from the settings schema and defaults.toml,
documents every key, and `classify --suggest` redirected is a [roles] table to paste."""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import REPO, SAMPLES
from frictionminer.cli import app
from frictionminer.settings import TABLES, CaseTableSettings, SourceSettings
from frictionminer.settings.audit import (
    GATE_KINDS,
    AuditSettings,
    BaselineGateSettings,
    HorizonSettings,
)
from frictionminer.settings.defaults import packaged_defaults
from frictionminer.settings.reference import (
    COMMAND,
    committed_block,
    render_reference,
    replace_block,
)
from frictionminer.settings.rules import CONTROL_KEYWORDS

PAGE = REPO / "docs" / "configuration.md"
SHOELACE = str(SAMPLES / "shoelace.csv")
runner = CliRunner()


def _every_key() -> dict[str, list[str]]:
    """Every table's keys, from the dataclasses and the packaged [rules] defaults."""
    keys = {f"[{name}]": [f.name for f in dataclasses.fields(cls)] for name, cls in TABLES.items()}
    for rule_id, params in packaged_defaults()["rules"].items():
        keys[f"[rules.{rule_id}]"] = [*CONTROL_KEYWORDS, *params]
    audit = [f.name for f in dataclasses.fields(AuditSettings)]
    keys["[audit]"] = [k for k in audit if k not in ("gates", "baseline", "horizon")] + list(
        GATE_KINDS
    )
    keys["[audit.baseline]"] = [f.name for f in dataclasses.fields(BaselineGateSettings)]
    keys["[audit.horizon]"] = [f.name for f in dataclasses.fields(HorizonSettings)]
    keys["[[sources]]"] = [f.name for f in dataclasses.fields(SourceSettings)]
    keys["[[case_tables]]"] = [f.name for f in dataclasses.fields(CaseTableSettings)]
    return keys


def _sections(block: str) -> dict[str, str]:
    parts = re.split(r"^### `(\S+)`.*$", block, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_committed_reference_is_the_generated_one() -> None:
    page = PAGE.read_text(encoding="utf-8")
    assert committed_block(page) == render_reference(), f"regenerate: {COMMAND}"
    assert COMMAND in page.split("<!-- BEGIN")[0]  # the command is documented in the prose


def test_every_key_of_every_table_is_documented() -> None:
    sections = _sections(committed_block(PAGE.read_text(encoding="utf-8")))
    for table, keys in _every_key().items():
        assert table in sections, f"no reference section for {table}"
        for key in keys:
            line = re.search(rf"^- `{re.escape(key)}` \((.+?)\): (.+)$", sections[table], re.M)
            assert line, f"{table} {key} is not documented"
            assert line.group(2).strip(), f"{table} {key} has no description"


def test_a_key_without_a_comment_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    from frictionminer.settings import reference

    text = reference._packaged_text().replace("# Minutes per contact.\n", "")
    monkeypatch.setattr(reference, "_packaged_text", lambda: text)
    with pytest.raises(ValueError, match=r"\[effort\] contact"):
        render_reference()


def test_write_replaces_only_the_block(tmp_path: Path) -> None:
    page = PAGE.read_text(encoding="utf-8")
    stale = replace_block(page, "old\n")
    assert committed_block(stale) == "old\n"
    out = tmp_path / "configuration.md"
    out.write_text(stale, encoding="utf-8")
    from frictionminer.settings.reference import main

    assert main(["--write", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == page


def test_defaults_in_the_reference_are_the_packaged_ones() -> None:
    sections = _sections(render_reference())
    assert '- `timezone` (string; default `"UTC"`)' in sections["[ingest]"]
    assert "- `min_silent_hours` (number; default `72.0`)" in sections["[rules.FM004]"]
    assert (
        '- `gates` ("auto" | "always" | "never"; default `"auto"`)' in sections["[audit.baseline]"]
    )


# ====================================================================== classify --suggest


def _invoke(*args: str) -> str:
    res = runner.invoke(app, list(args))
    assert res.exit_code == 0, res.stderr
    return res.stdout


def test_classify_suggest_redirected_is_a_roles_table(tmp_path: Path) -> None:
    text = _invoke("classify", SHOELACE, "--suggest")
    roles = tomllib.loads(text)["roles"]
    assert list(tomllib.loads(text)) == ["roles"]
    record = json.loads(_invoke("classify", SHOELACE, "--format", "json"))
    assert roles["match"] == record["match"]
    for role, info in record["roles"].items():
        assert roles[role] == info["patterns"]
    assert roles == packaged_defaults()["roles"]
    # -o writes the same TOML.
    out = tmp_path / "roles.toml"
    _invoke("classify", SHOELACE, "--suggest", "-o", str(out))
    assert out.read_text(encoding="utf-8") == text
    # Pasted into a config, it scores exactly as the defaults do.
    cfg = tmp_path / "frictionminer.toml"
    cfg.write_text(text, encoding="utf-8")
    pasted = json.loads(_invoke("score", SHOELACE, "--config", str(cfg), "--format", "json"))
    default = json.loads(_invoke("score", SHOELACE, "--format", "json"))
    assert pasted["summary"].pop("config") == str(cfg)
    assert default["summary"].pop("config") == "built-in defaults"
    assert pasted["summary"] == default["summary"]
