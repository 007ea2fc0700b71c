"""The package as a user installs it: `uv build`, the wheel in a fresh environment and as a
uv tool, every command answering, a real `score`; heavy libraries only when asked for."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from conftest import REPO, SAMPLES
from frictionminer.cli import app

UV = shutil.which("uv")
COMMANDS = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def _uv(*args: str | Path, env: dict[str, str] | None = None) -> None:
    assert UV is not None
    subprocess.run([UV, *map(str, args)], cwd=REPO, check=True, env=env, timeout=600)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if UV is None:
        pytest.skip("uv not on PATH (make env installs it)")
    out = tmp_path_factory.mktemp("dist")
    _uv("build", "--wheel", "--sdist", "--out-dir", out, "-q")
    return out


def _works(exe: Path, tmp: Path) -> None:
    version = subprocess.run([exe, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("frictionminer ")
    for command in COMMANDS:
        done = subprocess.run([exe, command, "--help"], capture_output=True, text=True)
        assert done.returncode == 0, (command, done.stderr)
    out = tmp / "cases.json"
    subprocess.run(
        [exe, "score", SAMPLES / "shoelace.csv", "--config", SAMPLES / "stories.toml", "-o", out],
        check=True,
        capture_output=True,
    )
    assert len(json.loads(out.read_text(encoding="utf-8"))["cases"]) == 5


def test_wheel_and_sdist_are_built(dist: Path) -> None:
    wheels, sdists = list(dist.glob("*.whl")), list(dist.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1
    import zipfile

    names = zipfile.ZipFile(wheels[0]).namelist()
    assert "frictionminer/settings/defaults.toml" in names  # the defaults travel with it
    assert "frictionminer/reporting/templates/report.html.j2" in names
    assert not [n for n in names if n.startswith("tests/")]


def test_wheel_in_a_fresh_environment(dist: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    _uv("venv", "-q", "--python", sys.executable, venv)
    _uv("pip", "install", "-q", "--python", venv / "bin" / "python", next(dist.glob("*.whl")))
    _works(venv / "bin" / "frictionminer", tmp_path)


def test_uv_tool_install(dist: Path, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "UV_TOOL_DIR": str(tmp_path / "tools"),
        "UV_TOOL_BIN_DIR": str(tmp_path / "bin"),
    }
    _uv("tool", "install", "-q", next(dist.glob("*.whl")), env=env)
    _works(tmp_path / "bin" / "frictionminer", tmp_path)


def test_pipx_install(dist: Path, tmp_path: Path) -> None:
    """`pipx install` of the wheel, as the README says; pipx itself from PATH, else put in
    a temporary uv tool folder (uv installs it as it installs any tool)."""
    pipx = shutil.which("pipx")
    env = {**os.environ, "PIPX_HOME": str(tmp_path / "pipx"), "PIPX_BIN_DIR": str(tmp_path / "bin")}
    if pipx is None:
        tools = {
            "UV_TOOL_DIR": str(tmp_path / "uv-tools"),
            "UV_TOOL_BIN_DIR": str(tmp_path / "uv-bin"),
        }
        _uv("tool", "install", "-q", "pipx", env={**os.environ, **tools})
        pipx = str(tmp_path / "uv-bin" / "pipx")
    subprocess.run(
        [pipx, "install", "--python", sys.executable, next(dist.glob("*.whl"))],
        check=True,
        capture_output=True,
        env=env,
        timeout=900,
    )
    _works(tmp_path / "bin" / "frictionminer", tmp_path)


def test_score_imports_no_report_library(tmp_path: Path) -> None:
    """matplotlib and jinja2 are for the report; pm4py for OCEL logs: `score` loads none."""
    code = (
        "import sys\n"
        "from frictionminer.cli import main\n"
        f"sys.argv = ['frictionminer', 'score', {str(SAMPLES / 'shoelace.csv')!r}, "
        f"'-o', {str(tmp_path / 'c.json')!r}]\n"
        "try:\n    main()\nexcept SystemExit as done:\n    assert done.code == 0, done.code\n"
        "print(sorted(m for m in ('matplotlib', 'jinja2', 'pm4py') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
