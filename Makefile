# frictionminer — two commands for a newcomer: `make demo` and `make test`.
# Both create the environment in .venv when it is missing or stale. uv is
# installed from PyPI with pip when it is not on PATH. Bytecode is compiled at install
# time, as pip does: uv does not by default, and with PYTHONDONTWRITEBYTECODE set every
# start would recompile typer, rich and polars' Python layer (--help: 0.45 s -> 0.19 s).

SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.synced
SHARED_LOGS ?= ../shared/logs

.PHONY: env demo test lint typecheck pytest bench bench-ingest bench-score bench-flags bench-scale bench-dask clean

$(STAMP): pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m uv --version >/dev/null 2>&1 \
		|| $(PYTHON) -m pip install --quiet --disable-pip-version-check uv
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	@$(BIN)/python -m compileall -q src >/dev/null
	@touch $(STAMP)

env: $(STAMP) ## create or update .venv from uv.lock

demo: $(STAMP) ## score the bundled shoelace story and explain its worst case
	$(BIN)/frictionminer info sample_logs/shoelace.csv --config sample_logs/stories.toml
	$(BIN)/frictionminer score sample_logs/shoelace.csv --config sample_logs/stories.toml
	$(BIN)/frictionminer explain sample_logs/shoelace.csv W-1001 --config sample_logs/stories.toml

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy src

# Two workers (pytest-xdist; CI has 2 cores); PYTEST_WORKERS=0 runs in one process.
# --dist loadgroup is meant to keep the tests marked xdist_group("road_traffic_fines") on one
# worker, but pytest 9.2 with xdist 3.8 ignores the groups (pytest-dev/pytest-xdist#1386):
# until that is fixed each worker may parse that log once (conftest's shared_parses).
PYTEST_WORKERS ?= 2

pytest: $(STAMP)
	$(BIN)/pytest -q $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist loadgroup)

test: lint typecheck pytest ## lint, type-check and run the whole test suite

# `make bench`: first the floor table (bench/bench_floor.py: issue 19's rows, frictionminer
# against a plain polars pass and rustxes), then one table across all stages, frictionminer
# side by side with plain polars, pm4py, pandas and DuckDB (docs/performance.md). About
# 35 min at the default sizes on 2 cores; e.g.
# `make bench BENCH_SIZES="200k" BENCH_REPEAT=1` takes about two minutes, and
# `make bench BENCH_SCALE_SIZES=100M` adds a frictionminer-only 100M run (~5 min, 7 GiB).
BENCH_SIZES ?= 1M 10M
BENCH_SCALE_SIZES ?=
BENCH_REPEAT ?= 3

bench: $(STAMP) ## the floor table, then all stages vs polars/pm4py/pandas/DuckDB at 1M and 10M events (~35 min; temp dir)
	@mkdir -p out
	$(BIN)/python bench/bench_floor.py --sizes $(BENCH_SIZES) --repeat $(BENCH_REPEAT) \
		--json out/floor.json --markdown out/floor.md
	$(BIN)/python bench/bench_all.py --sizes $(BENCH_SIZES) --repeat $(BENCH_REPEAT) \
		$(if $(strip $(BENCH_SCALE_SIZES)),--scale-sizes $(BENCH_SCALE_SIZES)) \
		--json out/bench.json --markdown out/bench.md

bench-ingest: $(STAMP) ## XES/CSV readers vs pm4py/rustxes/pandas at ~1M events (BPIC 2012 x4)
	$(BIN)/python bench/bench_ingest.py

bench-score: $(STAMP) ## scoring vs pandas and pm4py at 1M and 10M events (~15 min; temp dir)
	$(BIN)/python bench/bench_score.py --events 1000000 10000000 --repeat 3

# bench-scale ends with the Dask rows (docs/scale-out.md): the local engine and a 2-worker
# cluster at BENCH_SCALE_DASK events; BENCH_SCALE_DASK= leaves them out.
BENCH_SCALE_DASK ?= 10000000 100000000

bench-scale: $(STAMP) ## the floor table up to 100M, score 1M-100M plotted, local vs Dask (long; temp dir)
	@mkdir -p out
	$(BIN)/python bench/bench_floor.py --sizes 1M 10M 100M --repeat $(BENCH_REPEAT) \
		--json out/floor-scale.json --markdown out/floor-scale.md
	$(BIN)/python bench/bench_scale.py
	$(if $(strip $(BENCH_SCALE_DASK)),$(BIN)/python bench/bench_dask.py --events $(BENCH_SCALE_DASK))

# `make bench-dask`: the Dask engine (2-worker cluster on localhost, its split by files and
# Dask's shuffle) against the local one, time and peak memory per process (~8 min at the
# default sizes on 2 cores; temp dir). e.g. `make bench-dask BENCH_DASK_EVENTS=1000000`.
BENCH_DASK_EVENTS ?= 1000000 10000000

bench-dask: $(STAMP) ## local vs Dask engine (2 workers): time, peak memory, split bytes (temp dir)
	$(BIN)/python bench/bench_dask.py --events $(BENCH_DASK_EVENTS)

bench-flags: $(STAMP) ## precision/recall of every flag on every simulated scenario
	$(BIN)/python bench/bench_flags.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
