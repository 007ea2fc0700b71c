"""Config layers and validation: errors name the file and the key."""

from __future__ import annotations

import ast
import dataclasses
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from conftest import SAMPLES
from frictionminer.errors import ConfigError
from frictionminer.settings import (
    LIBRARY_SOURCE,
    TABLES,
    AuditSettings,
    RoleSettings,
    Settings,
    WeightSettings,
)
from frictionminer.settings.audit import AUDIT_MEASURES, BaselineGateSettings, HorizonSettings
from frictionminer.settings.defaults import packaged_defaults
from frictionminer.settings.load import load_settings

SETTINGS_DIR = Path(__file__).resolve().parents[1] / "src" / "frictionminer" / "settings"


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


def test_load_settings_accepts_a_str(tmp_path: Path) -> None:
    cfg = write(tmp_path / "c.toml", '[columns]\ncase = "id"\n')
    assert load_settings(str(cfg)) == load_settings(cfg)
    assert load_settings(str(cfg)).columns.case == "id"
    assert load_settings(cwd=str(tmp_path)).columns.case is None


# ---------------------------------------------------------------- one place for defaults


def test_settings_equal_the_command_lines_defaults(tmp_path: Path) -> None:
    """Settings() in the library is the CLI's configuration without a config file."""
    assert Settings() == load_settings(cwd=tmp_path)
    assert Settings().roles == RoleSettings() == load_settings(cwd=tmp_path).roles
    assert Settings().roles.contact  # the real patterns, not empty lists


def test_every_default_is_in_defaults_toml() -> None:
    """A dataclass field either takes its default from defaults.toml or is unset (None);
    and defaults.toml holds no key the dataclasses do not know."""
    packaged = packaged_defaults()
    tables: dict[str, type[Any]] = {
        **TABLES,
        "audit": AuditSettings,
        "audit.baseline": BaselineGateSettings,
        "audit.horizon": HorizonSettings,
    }
    for name, cls in tables.items():
        table = packaged
        for part in name.split("."):
            table = table[part]
        instance = cls()
        for f in dataclasses.fields(cls):
            if (name, f.name) in (("audit", "gates"), ("audit", "baseline"), ("audit", "horizon")):
                continue  # parsed from the gate keys and their own tables, checked there
            if f.name in table:
                value, want = getattr(instance, f.name), table[f.name]
                if isinstance(value, tuple):  # a list in TOML, a tuple of floats here
                    value, want = list(value), [float(v) for v in want]
                assert value == want, f"{name}.{f.name}"
            else:
                assert getattr(instance, f.name) is None, f"{name}.{f.name} has a default"
        known = {f.name for f in dataclasses.fields(cls)} | {"baseline", "horizon"}
        gate_keys = {"never", "max_flag_share", "max_flag_cases", "max_median", "max_p90"}
        extra = set(table) - known - (gate_keys if name == "audit" else set())
        assert not extra, f"defaults.toml [{name}] has unknown keys {extra}"


def test_library_shoelace_finds_the_interactions_the_cli_finds() -> None:
    import frictionminer as fm

    log = str(SAMPLES / "shoelace.csv")
    result = fm.analyze(fm.load(log, fm.Settings()), fm.Settings())
    assert result.cases["interactions"].sum() == 24


# --------------------------------------------------------- the library checks like the CLI


def test_misspelled_rule_key_is_a_config_error_in_the_library() -> None:
    with pytest.raises(ConfigError) as info:
        Settings(rules={"FM001": {"min_interaction": 3}})
    assert info.value.message == f"{LIBRARY_SOURCE}: unknown key 'rules.FM001.min_interaction'"
    assert info.value.hint is not None and info.value.hint.startswith(
        "did you mean 'min_interactions'?"
    )
    with pytest.raises(ConfigError, match=r"Settings\(\.\.\.\): unknown rule \[rules\.FM099\]"):
        Settings(rules={"FM099": {"enabled": False}})


def test_misspelled_rule_key_is_one_error_line_on_the_command_line(tmp_path: Path) -> None:
    from frictionminer.cli import app

    cfg = write(tmp_path / "c.toml", "[rules.FM001]\nmin_interaction = 3\n")
    res = CliRunner().invoke(app, ["score", str(SAMPLES / "shoelace.csv"), "--config", str(cfg)])
    assert res.exit_code == 2
    assert res.stderr == (
        f"error: {cfg}: unknown key 'rules.FM001.min_interaction' (hint: did you mean "
        "'min_interactions'? known: enabled, severity, min_interactions, peer_factor)\n"
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weights": {"interactions": -1.0}}, "key 'weights.interactions' must not be negative"),
        ({"weights": WeightSettings(handoffs=-2.0)}, "key 'weights.handoffs' must not be negative"),
        ({"roles": {"contact": ["("]}}, "key 'roles.contact' [0]: bad regular expression"),
        ({"columns": {"activty": "a"}}, "unknown key 'columns.activty'"),
        ({"ingest": {"timezone": "Mars/Olympus"}}, "key 'ingest.timezone': unknown timezone"),
        ({"proportion": {"min_peers": 0}}, "key 'proportion.min_peers' must be at least 1"),
        ({"audit": {"max_flag_share": {"FM005": 2}}}, "key 'audit.max_flag_share.FM005'"),
        ({"audit": {"max_median": {"interaction": 3}}}, "unknown measure 'interaction'"),
        ({"audit": {"nevr": ["FM003"]}}, "unknown key 'audit.nevr'"),
        ({"rules": {"FM004": {"min_silent_hours": "48"}}}, "must be a number, not str '48'"),
    ],
)
def test_settings_in_code_are_checked_like_a_file(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        Settings(**kwargs)
    assert info.value.message.startswith(f"{LIBRARY_SOURCE}: ")
    assert message in info.value.message


def test_a_partial_table_keeps_the_other_defaults(tmp_path: Path) -> None:
    """Settings(roles={...}) means what a file's [roles] table means."""
    cfg = write(tmp_path / "c.toml", "[roles]\nnotice = ['^Update$']\n[audit]\nalpha = 0.01\n")
    in_code = Settings(roles={"notice": ["^Update$"]}, audit={"alpha": 0.01})
    assert in_code == load_settings(cfg)
    assert in_code.roles.contact == Settings().roles.contact
    assert in_code.audit.alpha == 0.01 and in_code.audit.significance


def test_settings_survive_replace_and_pickling() -> None:
    """Shards and Dask workers get settings by pickling; callers change them by replace()."""
    s = Settings(rules={"FM007": {"enabled": False}})
    assert pickle.loads(pickle.dumps(s)) == s
    wider = dataclasses.replace(s, weights={"interactions": 2.0})
    assert wider.weights.interactions == 2.0 and not wider.rules["FM007"].enabled


def test_rules_and_audit_are_typed() -> None:
    s = Settings(rules={"FM007": {"severity": "error"}}, audit={"never": ["FM003"]})
    assert s.rules["FM007"].severity == "error" and s.rules["FM001"].severity is None
    assert s.rules["FM001"].params == {"min_interactions": 6, "peer_factor": 2.0}
    assert [g.name for g in s.audit.gates] == ["never.FM003"]


def test_rules_and_audit_tables_are_checked_by_config_load(tmp_path: Path) -> None:
    config = tmp_path / "frictionminer.toml"
    config.write_text("[rules.FM099]\nenabled = false\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="FM099"):
        load_settings(config)
    config.write_text("[audit.max_flag_share]\nFM005 = 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"audit\.max_flag_share\.FM005"):
        load_settings(config)


# ------------------------------------------------------------------ the lowest layer


def test_settings_import_nothing_above_them() -> None:
    """settings/ imports frictionminer.errors and itself only: not at the top, not lazily."""
    for path in sorted(SETTINGS_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for name in names:
                if name.startswith("frictionminer"):
                    assert name == "frictionminer.errors" or name.startswith(
                        "frictionminer.settings"
                    ), f"{path.name} imports {name}"


def test_loading_settings_imports_no_engine(tmp_path: Path) -> None:
    config = tmp_path / "frictionminer.toml"
    config.write_text("[rules.FM005]\nenabled = false\n[audit]\nnever = ['FM003']\n")
    code = (
        "import sys; from frictionminer.settings import load_settings;"
        f"load_settings({str(config)!r});"
        "print(sorted(m for m in sys.modules if m.startswith(('frictionminer.', 'polars'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = eval(out.stdout)
    assert all(
        m == "frictionminer.errors" or m.startswith("frictionminer.settings") for m in loaded
    )


def test_audit_measures_are_the_measures_the_engine_produces() -> None:
    """settings/audit.py names the gateable measures without importing the engine; this
    derives the same list from the engine's output (numeric measures but the event count,
    which is internal work, then the score)."""
    import frictionminer as fm
    from frictionminer.engine.measures import MEASURES, WAIT_MEASURES

    log = str(SAMPLES / "shoelace.csv")
    cases = fm.analyze(fm.load(log, fm.Settings()), fm.Settings()).cases
    numeric = [
        m
        for m in MEASURES
        if cases.schema[m].is_numeric() and m != "events" and m not in WAIT_MEASURES
    ]
    assert (*numeric, "friction_score") == AUDIT_MEASURES
