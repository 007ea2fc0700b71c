"""The per-case stage on a Dask cluster gives exactly the in-memory result.

A real cluster: a ``dask scheduler`` and two ``dask worker`` processes started here on
localhost TCP (free ports, torn down by the fixture's finalizer), and a LocalCluster
started by frictionminer itself.  On BPIC 2013 (converted to Parquet) and on a shuffled
simulated log, score, flags, causes, the summary and the report's numbers equal the
in-memory path exactly; a worker killed while the parts are measured is survived with
the same result; a missing Dask is one line and exit 2.

The tests run on one pytest-xdist worker (``xdist_group``): each starts processes that
want both cores.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from conftest import REPO, shared_log
from frictionminer import api
from frictionminer.api import audit as run_audit
from frictionminer.cli.app import app
from frictionminer.engine.causes import find_causes
from frictionminer.engine.pipeline import analyze
from frictionminer.engine.result import Result
from frictionminer.errors import InputError
from frictionminer.io import read_raw
from frictionminer.settings import Settings
from frictionminer.settings.load import load_settings
from frictionminer.simulation import simulate
from frictionminer.simulation.api import scenario_config

pytestmark = pytest.mark.xdist_group("dask")

DASK = str(Path(sys.executable).with_name("dask"))
PATH_ORDER = ["case_id", "timestamp", "event_index"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclasses.dataclass
class Cluster:
    """A scheduler and its workers, each a process started here."""

    address: str
    scheduler: subprocess.Popen[bytes]
    workers: dict[str, subprocess.Popen[bytes]]
    """Worker address → its process."""
    scratch: Path
    """The processes' Dask temporary directory (removed with them)."""

    def stop(self) -> None:
        """Every process killed (a test cluster keeps nothing worth a graceful close)."""
        for proc in [*self.workers.values(), self.scheduler]:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=30)
        shutil.rmtree(self.scratch, ignore_errors=True)


def _start_cluster(workers: int = 2) -> Cluster:
    from dask.distributed import Client

    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    scratch = Path(tempfile.mkdtemp(prefix="fm-dask-test-"))
    # killed processes cannot clean up: their scratch space is a folder removed with them
    env = {**os.environ, "DASK_TEMPORARY_DIRECTORY": str(scratch)}
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
    scheduler = subprocess.Popen(
        [DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        **quiet,  # type: ignore[call-overload]
    )
    cluster = Cluster(address, scheduler, {}, scratch)
    try:
        for _ in range(workers):
            worker_port = _free_port()
            cluster.workers[f"tcp://127.0.0.1:{worker_port}"] = subprocess.Popen(
                [
                    DASK,
                    "worker",
                    address,
                    "--host",
                    "127.0.0.1",
                    "--worker-port",
                    str(worker_port),
                    "--nthreads",
                    "1",
                    "--no-nanny",  # one process per worker: killing it kills the worker
                    "--no-dashboard",
                    "--death-timeout",
                    "60",
                ],
                **quiet,  # type: ignore[call-overload]
            )
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(workers, timeout=60)
    except BaseException:
        cluster.stop()
        raise
    return cluster


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    started = _start_cluster()
    try:
        yield started
    finally:
        started.stop()


def _on(settings: Settings, address: str | None) -> Settings:
    return dataclasses.replace(settings, engine={"name": "dask", "scheduler": address})


@pytest.fixture(scope="module")
def bpic2013(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Settings, Result]:
    """BPIC 2013 incidents as raw Parquet, with the worked example's config."""
    settings = load_settings(REPO / "docs" / "examples" / "bpic2013.toml")
    source = shared_log("bpic2013/BPI_Challenge_2013_incidents.xes.gz")
    path = tmp_path_factory.mktemp("bpic") / "incidents.parquet"
    read_raw(source, settings).frame.collect().write_parquet(path)
    return path, settings, analyze(path, settings, shards=1)


@pytest.fixture(scope="module")
def warranty(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Settings, Result]:
    """A simulated warranty log (3,000 cases), rows shuffled, with its scenario config."""
    folder = tmp_path_factory.mktemp("warranty")
    config = folder / "warranty.toml"
    config.write_text(scenario_config("warranty"))
    settings = load_settings(config)
    path = folder / "warranty.parquet"
    simulate("warranty", 3000, 1).sample(fraction=1.0, shuffle=True, seed=7).write_parquet(path)
    return path, settings, analyze(path, settings, shards=1)


def _same(cluster_result: Result, memory: Result, *, events: bool = False) -> None:
    """Score, flags, causes, summary and the report's numbers: equal, exactly."""
    assert_frame_equal(cluster_result.cases, memory.cases, check_exact=True)
    assert_frame_equal(cluster_result.flags, memory.flags, check_exact=True)
    assert cluster_result.instances == memory.instances
    assert cluster_result.summary() == memory.summary()
    assert json.loads(cluster_result.as_json()) == json.loads(memory.as_json())
    causes, want = find_causes(cluster_result), find_causes(memory)
    assert causes.as_record() == want.as_record()
    for table in ("by_activity", "by_team", "handoff_pairs", "by_variant", "flows"):
        assert_frame_equal(getattr(causes, table), getattr(want, table), check_exact=True)
    if events:
        assert_frame_equal(cluster_result.events.sort(PATH_ORDER), memory.events.sort(PATH_ORDER))
    else:  # split on the workers: the events stay there, as for shards
        assert cluster_result.sharded is not None
        assert cluster_result.events.height == 0
        assert cluster_result.events.columns == memory.events.columns


def test_bpic2013_on_scheduler_equals_memory(
    cluster: Cluster, bpic2013: tuple[Path, Settings, Result]
) -> None:
    path, settings, memory = bpic2013
    result = analyze(path, _on(settings, cluster.address))
    _same(result, memory)
    assert result.sharded is not None and result.sharded.shards == 4  # 2 per worker
    # explain re-reads its case from the source, here
    case_id = memory.cases["case_id"][0]
    events, row, flags = result.case(case_id)
    want_events, want_row, want_flags = memory.case(case_id)
    assert_frame_equal(events.select(want_events.columns), want_events)
    assert row == want_row
    assert_frame_equal(flags, want_flags)


def test_simulated_on_scheduler_equals_memory(
    cluster: Cluster, warranty: tuple[Path, Settings, Result]
) -> None:
    """A shuffled log, in more parts than workers: the same rows."""
    path, settings, memory = warranty
    _same(analyze(path, _on(settings, cluster.address), shards=7), memory)


def test_a_url_is_read_by_polars_on_the_workers(
    cluster: Cluster, warranty: tuple[Path, Settings, Result]
) -> None:
    """A ``file://`` URL stands for ``s3://`` and the others: not listed here, scanned by
    polars where it runs (this process for the plan, the workers for the split)."""
    path, settings, memory = warranty
    url = path.resolve().as_uri()
    result = analyze(url, _on(settings, cluster.address), shards=3)
    assert_frame_equal(result.cases, memory.cases, check_exact=True)
    assert_frame_equal(result.flags, memory.flags)
    assert analyze(url, settings).cases.equals(memory.cases)  # the local engine too
    with pytest.raises(InputError, match="only Parquet is read from a URL"):
        analyze(url.replace(".parquet", ".csv"), settings)


def test_text_timestamps_take_the_first_parts_format(
    cluster: Cluster, warranty: tuple[Path, Settings, Result], tmp_path: Path
) -> None:
    """Timestamps stored as text: the format detected on the first part is imposed on the
    others, as for shards."""
    path, settings, _ = warranty
    text = tmp_path / "text.parquet"
    frame = pl.read_parquet(path)
    frame.with_columns(pl.col("timestamp").dt.strftime("%d.%m.%Y %H:%M:%S")).write_parquet(text)
    memory = analyze(text, settings, shards=1)
    result = analyze(text, _on(settings, cluster.address), shards=3)
    _same(result, memory)
    assert result.log.timestamp_format == memory.log.timestamp_format
    assert str(memory.log.timestamp_format).startswith("%d.%m.%Y %H:%M:%S")


def test_a_log_in_memory_is_sent_in_parts(
    cluster: Cluster, warranty: tuple[Path, Settings, Result], tmp_path: Path
) -> None:
    """CSV is not split on the workers: loaded here, sent in case-hash parts; the
    annotated events come back too."""
    path, settings, _ = warranty
    csv = tmp_path / "warranty.csv"
    pl.read_parquet(path).write_csv(csv)
    memory = analyze(str(csv), settings)
    _same(analyze(str(csv), _on(settings, cluster.address)), memory, events=True)


def _report(result: Result) -> str:
    """The HTML report, with its "generated" minute fixed (it is the clock's otherwise)."""
    from frictionminer.reporting.html import render_html

    moment = datetime(2026, 1, 1, tzinfo=UTC)
    return render_html(result, find_causes(result, result.settings), generated=moment)


def test_cli_score_report_audit_are_the_same(
    cluster: Cluster, warranty: tuple[Path, Settings, Result], tmp_path: Path
) -> None:
    """The issue's acceptance: the same JSON from score, the same report and audit."""
    path, settings, memory = warranty
    config = path.with_name("warranty.toml")
    runner = CliRunner()
    common = [str(path), "-c", str(config), "-q"]
    for name, engine in (("local", []), ("dask", ["--scheduler", cluster.address])):
        res = runner.invoke(app, ["score", *common, "-o", str(tmp_path / f"{name}.json"), *engine])
        assert res.exit_code == 0, res.output
    local, dask = (tmp_path / f"{n}.json" for n in ("local", "dask"))
    assert dask.read_bytes() == local.read_bytes()

    on_cluster = analyze(path, _on(settings, cluster.address))
    assert _report(on_cluster) == _report(memory)

    here = run_audit(path, settings, window="30d")
    there = run_audit(path, settings, window="30d", scheduler=cluster.address)
    assert there.status == here.status
    assert dataclasses.replace(there.current, created="") == dataclasses.replace(
        here.current, created=""
    )
    assert there.gates == here.gates
    assert_frame_equal(there.result.cases, here.result.cases, check_exact=True)


def test_local_cluster_equals_memory(
    bpic2013: tuple[Path, Settings, Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No scheduler: a LocalCluster sized to the machine, started and closed by the run,
    and nothing of it left in the temporary folder (Dask's own scratch space would be)."""
    from frictionminer.scale.dask_cluster import _ACTIVE

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    path, settings, memory = bpic2013
    _same(api.analyze(path, settings, engine="dask"), memory)
    assert _ACTIVE == []
    # multiprocessing's own folder (the forkserver's socket) goes at this process's exit
    left = [p.name for p in tmp_path.iterdir() if not p.name.startswith("pymp-")]
    assert left == []


def test_a_killed_worker_is_survived(warranty: tuple[Path, Settings, Result]) -> None:
    """One worker is killed (SIGKILL) while the parts are measured: the scheduler reruns
    its tasks on the other one, and the result is the same."""
    from dask.distributed import Client

    path, settings, memory = warranty
    own = _start_cluster()
    killed: dict[str, Any] = {}
    done = threading.Event()

    def kill_one_when_a_part_runs() -> None:
        with Client(own.address, timeout="30s") as watcher:
            while not done.is_set():
                for worker, keys in watcher.processing().items():
                    if any(str(key).startswith("fm-part") for key in keys):
                        own.workers[worker].kill()
                        killed["worker"], killed["at"] = worker, time.monotonic()
                        return
                time.sleep(0.005)

    watcher = threading.Thread(target=kill_one_when_a_part_runs)
    try:
        watcher.start()
        result = analyze(path, _on(settings, own.address), shards=24)
        finished = time.monotonic()
        done.set()
        watcher.join()
    finally:
        done.set()
        own.stop()
    assert "worker" in killed, "no part was seen running"
    assert killed["at"] < finished
    assert own.workers[killed["worker"]].returncode == -signal.SIGKILL
    _same(result, memory)


def test_missing_dask_is_one_line_and_exit_2(
    warranty: tuple[Path, Settings, Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, _, _ = warranty
    for name in [m for m in sys.modules if m == "dask" or m.startswith("dask.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "dask", None)  # `import dask` now raises ImportError
    res = CliRunner().invoke(app, ["score", str(path), "--engine", "dask"])
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert lines == [
        "error: --engine dask needs Dask, which is not installed: pip install 'frictionminer[dask]'"
    ]


def test_scheduler_with_local_engine_is_a_usage_error(
    warranty: tuple[Path, Settings, Result],
) -> None:
    path, _, _ = warranty
    args = ["score", str(path), "--engine", "local", "--scheduler", "tcp://127.0.0.1:1"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 2
    assert "--scheduler needs --engine dask" in res.output


def test_engine_table_in_a_config_file(tmp_path: Path) -> None:
    config = tmp_path / "frictionminer.toml"
    config.write_text(
        '[engine]\nname = "dask"\nscheduler = "tcp://10.0.0.1:8786"\nparts = 8\n'
        'workdir = "/shared/scratch"\n'
    )
    engine = load_settings(config).engine
    assert (engine.name, engine.scheduler, engine.parts, engine.workdir) == (
        "dask",
        "tcp://10.0.0.1:8786",
        8,
        "/shared/scratch",
    )
    config.write_text('[engine]\nname = "spark"\n')
    with pytest.raises(Exception, match=r"engine\.name"):
        load_settings(config)


def test_dask_is_not_imported_by_the_local_engine() -> None:
    """``--engine local`` (the default) never imports Dask."""
    code = (
        "import sys\n"
        "from frictionminer.api import analyze\n"
        "analyze('sample_logs/shoelace.csv')\n"
        "print('dask' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert out.stdout.strip() == "False"


def _blocks(page: Path, language: str) -> list[str]:
    text = page.read_text(encoding="utf-8")
    return re.findall(rf"(?ms)^```{language}\n(.*?)^```", text)


def test_scale_out_commands_parse() -> None:
    """docs/scale-out.md's ``dask scheduler``/``dask worker`` lines parse with Dask's own
    command-line parsers, and its Python blocks are valid Python."""
    from distributed.cli import dask_scheduler, dask_worker

    page = REPO / "docs" / "scale-out.md"
    commands = {"scheduler": dask_scheduler.main, "worker": dask_worker.main}
    seen = set()
    for block in _blocks(page, "sh"):
        for line in block.splitlines():
            words = shlex.split(line)
            if words[:1] == ["dask"]:
                command = commands[words[1]]
                command.make_context(f"dask {words[1]}", words[2:])  # raises on a bad option
                seen.add(words[1])
    assert seen == {"scheduler", "worker"}
    python = _blocks(page, "python")
    assert len(python) >= 2
    for code in python:
        ast.parse(code)
