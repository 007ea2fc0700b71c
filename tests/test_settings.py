"""Config layers and validation: errors name the file and the key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from frictionminer.errors import ConfigError
from frictionminer.settings.load import load_settings


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_built_in_defaults(tmp_path: Path) -> None:
    s = load_settings(cwd=tmp_path)
    assert s.source == "built-in defaults"
    assert s.ingest.timezone == "UTC"
    assert s.columns.case is None


def test_project_file_beats_pyproject(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.frictionminer.columns]\ncase = "from_pyproject"\n')
    assert load_settings(cwd=tmp_path).columns.case == "from_pyproject"
    write(tmp_path / "frictionminer.toml", '[columns]\ncase = "from_own_file"\n')
    s = load_settings(cwd=tmp_path)
    assert s.columns.case == "from_own_file"
    assert s.source.endswith("frictionminer.toml")


def test_explicit_config_and_flags_win(tmp_path: Path) -> None:
    write(tmp_path / "frictionminer.toml", '[columns]\ncase = "a"\ngroup = "team"\n')
    cfg = write(tmp_path / "other.toml", '[columns]\ncase = "b"\n')
    s = load_settings(cfg, cwd=tmp_path, overrides={"columns": {"case": "c", "group": None}})
    assert s.columns.case == "c"
    # --config replaces the project file, so 'team' from frictionminer.toml is not used,
    # and an option the user did not pass (None) hides nothing.
    assert s.columns.group is None


def test_activity_may_be_a_list(tmp_path: Path) -> None:
    cfg = write(
        tmp_path / "c.toml", '[columns]\nactivity = ["concept:name", "lifecycle:transition"]\n'
    )
    assert load_settings(cfg).columns.activity == ["concept:name", "lifecycle:transition"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[columns]\nactivty = "x"\n',
            r"c.toml: unknown key 'columns.activty' \(hint: did you mean 'columns.activity'\?\)",
        ),
        ("[columns]\ncase = 3\n", r"c.toml: key 'columns.case' must be str \| None, not int 3"),
        ("[colums]\n", r"c.toml: unknown table \[colums\] \(hint: did you mean \[columns\]\?\)"),
        (
            '[ingest]\ntimezone = "Mars/Olympus"\n',
            r"c.toml: key 'ingest.timezone': unknown timezone",
        ),
        ('[ingest]\ndelimiter = ";;"\n', r"c.toml: key 'ingest.delimiter' must be one character"),
        ("[columns\n", r"c.toml: not valid TOML"),
        ("columns = 3\n", r"c.toml: 'columns' must be a table"),
        (
            "[columns]\nactivity = []\n",
            r"c.toml: key 'columns.activity' must name at least one column",
        ),
    ],
)
def test_bad_config_names_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    cfg = write(tmp_path / "c.toml", text)
    with pytest.raises(ConfigError, match=message):
        load_settings(cfg)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.toml: config file not found"):
        load_settings(tmp_path / "nope.toml")


def test_bad_pyproject_table_is_reported(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.frictionminer]\nfoo = 1\n")
    with pytest.raises(
        ConfigError, match=r"pyproject.toml \[tool.frictionminer\]: unknown table \[foo\]"
    ):
        load_settings(cwd=tmp_path)


def test_settings_import_no_module_that_uses_them(tmp_path: Path) -> None:
    """settings is the lowest layer: the [rules] and [audit] checks live in config."""
    config = tmp_path / "frictionminer.toml"
    config.write_text("[rules.FM005]\nenabled = false\n[audit]\n", encoding="utf-8")
    code = (
        "import sys; from pathlib import Path; from frictionminer.settings import read_settings;"
        f"read_settings(Path({str(config)!r}));"
        "print(sorted(m for m in sys.modules if m.startswith('frictionminer.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = out.stdout
    assert "frictionminer.settings" in loaded
    for module in (
        "frictionminer.engine.rules",
        "frictionminer.audit.gates",
        "frictionminer.settings.load",
    ):
        assert f"'{module}'" not in loaded


def test_rules_and_audit_tables_are_checked_by_config_load(tmp_path: Path) -> None:
    from frictionminer.settings import read_settings

    config = tmp_path / "frictionminer.toml"
    config.write_text("[rules.FM099]\nenabled = false\n", encoding="utf-8")
    assert read_settings(config).rules == {"FM099": {"enabled": False}}
    with pytest.raises(ConfigError, match="FM099"):
        load_settings(config)
    config.write_text("[audit.max_flag_share]\nFM005 = 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"audit\.max_flag_share\.FM005"):
        load_settings(config)
