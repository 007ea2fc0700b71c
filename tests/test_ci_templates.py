"""The reusable GitHub Action (action.yml) and the GitLab CI template, run as plain shell.

Each `run:`/`script:` step runs in bash as the CI would run it, against the shoelace sample:
the real `frictionminer` from this environment on PATH, and stand-ins for what only exists
on a CI runner (`python -m pip install`, `gh`, `curl`), which record what they were asked.
Steps that `uses:` another action (setup-python, upload-artifact) are checked for what they
are given: the files they upload must exist after the audit.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, SAMPLES

yaml = pytest.importorskip("yaml")

LOG = str(SAMPLES / "shoelace.csv")
CONFIG = str(SAMPLES / "stories.toml")
BIN = Path(sys.executable).parent


def _stub(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text("#!/usr/bin/env bash\n" + body, encoding="utf-8")
    path.chmod(0o755)


def _baseline(tmp: Path) -> Path:
    """A baseline of the sample, as last week's run would have stored it."""
    out = tmp / "stored" / "baseline.json"
    out.parent.mkdir(parents=True)
    subprocess.run(
        [BIN / "frictionminer", "audit", LOG, "--config", CONFIG, "--save-baseline", out, "-q"],
        check=False,
        capture_output=True,
    )
    assert out.is_file()
    return out


def _env(tmp: Path, stubs: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "CI"))}
    env["PATH"] = f"{stubs}:{BIN}:{env.get('PATH', '')}"
    env["CALLS"] = str(tmp / "calls.log")
    return env


def _expand(text: str, values: dict[str, str]) -> str:
    return re.sub(r"\$\{\{\s*([\w.-]+)\s*\}\}", lambda m: values[m.group(1)], text)


def _run_action(tmp: Path, with_baseline: bool) -> tuple[list[int], dict[str, Any], Path]:
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    work = tmp / "work"
    work.mkdir()
    stubs = tmp / "stubs"
    stubs.mkdir()
    _stub(stubs, "python", 'echo "python $*" >> "$CALLS"\n')
    stored = _baseline(tmp) if with_baseline else None
    gh = 'echo "gh $*" >> "$CALLS"\n'
    if stored is not None:
        gh += (
            'case "$2" in list) echo 41;; download) mkdir -p "${@: -1}" && '
            f'cp {stored} "${{@: -1}}/baseline.json";; esac\n'
        )
    _stub(stubs, "gh", gh)
    inputs = {k: str(v.get("default", "")) for k, v in action["inputs"].items()}
    inputs.update(log=LOG, config=CONFIG, window="")
    values = {f"inputs.{k}": v for k, v in inputs.items()}
    values.update({"github.token": "token", "github.workflow": "weekly-friction-audit"})
    env = _env(tmp, stubs)
    env["GITHUB_OUTPUT"] = str(tmp / "output")
    env["GITHUB_STEP_SUMMARY"] = str(tmp / "summary.md")
    codes = []
    for step in action["runs"]["steps"]:
        if "uses" in step:
            for key in ("path",):
                if key in step.get("with", {}) and step.get("if") == "always()":
                    assert (work / step["with"][key]).is_file(), step["with"][key]
            continue
        assert step["shell"] == "bash"
        outputs = (
            dict(line.split("=", 1) for line in Path(env["GITHUB_OUTPUT"]).read_text().split())
            if Path(env["GITHUB_OUTPUT"]).exists()
            else {}
        )
        values.update({f"steps.audit.outputs.{k}": v for k, v in outputs.items()})
        step_env = {k: _expand(str(v), values) for k, v in step.get("env", {}).items()}
        done = subprocess.run(
            [
                "bash",
                "--noprofile",
                "--norc",
                "-eo",
                "pipefail",
                "-c",
                _expand(step["run"], values),
            ],
            cwd=work,
            env={**env, **step_env},
            capture_output=True,
            text=True,
            timeout=300,
        )
        codes.append(done.returncode)
        assert done.returncode in (0, 1), (step["name"], done.stderr)
    return codes, {"outputs": outputs, "calls": (tmp / "calls.log").read_text()}, work


@pytest.mark.parametrize("with_baseline", [False, True])
def test_github_action_steps_as_plain_shell(tmp_path: Path, with_baseline: bool) -> None:
    codes, seen, work = _run_action(tmp_path, with_baseline)
    audit_code = int(seen["outputs"]["exit-code"])
    assert audit_code in (0, 1)
    assert codes[-1] == audit_code  # the verdict step fails the job exactly when audit did
    assert codes[:-1] == [0, 0, 0]  # install, restore, audit (which records, not fails)
    assert "python -m pip install --quiet frictionminer" in seen["calls"]
    assert ("gh run download 41 --name friction-baseline" in seen["calls"]) is with_baseline
    junit = (work / "friction-audit.xml").read_text(encoding="utf-8")
    assert "<testsuite" in junit and "</testsuite" in junit
    assert (work / "baseline.json").is_file()
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert "frictionminer audit" in summary and "shoelace.csv" in summary
    assert ('tests="0"' not in junit) is with_baseline  # gates against the baseline ran


@pytest.mark.parametrize("with_baseline", [False, True])
def test_gitlab_template_script_as_plain_shell(tmp_path: Path, with_baseline: bool) -> None:
    template = yaml.safe_load(
        (REPO / "ci" / "gitlab" / "frictionminer.gitlab-ci.yml").read_text(encoding="utf-8")
    )
    job = template[".frictionminer-audit"]
    work = tmp_path / "work"
    work.mkdir()
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    _stub(stubs, "python", 'echo "python $*" >> "$CALLS"\n')
    curl = 'echo "curl $*" >> "$CALLS"\n'
    if with_baseline:
        archive = tmp_path / "artifacts.zip"
        with zipfile.ZipFile(archive, "w") as z:
            z.write(_baseline(tmp_path), "baseline.json")
        curl += f"cp {archive} friction-last.zip\n"
    else:
        curl += "exit 22\n"
    _stub(stubs, "curl", curl)
    variables = {k: str(v) for k, v in job["variables"].items()}
    variables.update(FM_LOG=LOG, FM_CONFIG=CONFIG, FM_WINDOW="")
    ci = {
        "CI_JOB_TOKEN": "t",
        "CI_API_V4_URL": "https://gitlab.example/api/v4",
        "CI_PROJECT_ID": "7",
        "CI_COMMIT_REF_NAME": "main",
        "CI_JOB_NAME": "friction-audit",
    }
    script = "\n".join(job["script"])
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=work,
        env={**_env(tmp_path, stubs), **variables, **ci},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode in (0, 1), done.stderr
    calls = (tmp_path / "calls.log").read_text()
    assert "python -m pip install --quiet frictionminer" in calls
    assert "jobs/artifacts/main/download?job=friction-audit" in calls
    assert ("no baseline yet" in done.stdout) is not with_baseline
    for path in job["artifacts"]["paths"]:
        assert (work / path).is_file(), path
    junit = (work / job["artifacts"]["reports"]["junit"]).read_text(encoding="utf-8")
    assert "<testsuite" in junit
    assert ('tests="0"' not in junit) is with_baseline  # gates against the baseline ran


def test_docs_show_both_templates() -> None:
    text = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
    assert "uses: " in text and "action.yml" in text
    assert "frictionminer.gitlab-ci.yml" in text
    assert shutil.which("bash") is not None
