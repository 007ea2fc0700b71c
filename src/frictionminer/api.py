"""The library face: one function per command, making the calls the command makes.

``import frictionminer as fm`` re-exports these lazily (see ``__init__``), so a notebook
gets what the command line gets::

    settings = fm.load_settings("sample_logs/stories.toml")  # frictionminer --config
    log = fm.load("sample_logs/shoelace.csv", settings)       # a path or a DataFrame
    result = fm.analyze(log, settings)                        # frictionminer score
    fm.explain(result, "W-1001")                              # frictionminer explain
    fm.report(result, "report.html")                          # frictionminer report
    fm.audit(log, settings, window="7d")                      # frictionminer audit

Each function turns its arguments into the same library calls the command makes from
its options; the command formats and prints, the function returns the object.  Errors
are the typed ones of :mod:`frictionminer.errors`; a keyword that no command knows is a
``TypeError``, as for any Python function.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Mapping
from os import PathLike, fspath
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from frictionminer import progress
from frictionminer.errors import UsageError
from frictionminer.io.normalize import ROLES, EventLog
from frictionminer.reporting.explain import Story
from frictionminer.settings import Settings, with_engine

if TYPE_CHECKING:
    from frictionminer.auditing.baseline import Summary
    from frictionminer.auditing.gates import AuditResult
    from frictionminer.auditing.window import Window
    from frictionminer.engine.result import Result
    from frictionminer.io.convert import ConvertSummary
    from frictionminer.reporting.journey import CustomerStory

__all__ = [
    "Explanation",
    "analyze",
    "audit",
    "convert",
    "explain",
    "explain_customer",
    "load",
    "load_settings",
    "report",
    "simulate",
]

PathArg = str | PathLike[str]
"""A file, folder or glob, as the commands' LOG argument takes it."""


def load_settings(path: PathArg | None = None, **overrides: Any) -> Settings:
    """The settings a command would use: packaged defaults < the project file < ``overrides``.

    ``path`` is the ``--config`` file (a ``.toml``, or a ``pyproject.toml`` with a
    ``[tool.frictionminer]`` table); without it, ``frictionminer.toml`` in the working
    directory, else its ``pyproject.toml``, else the defaults.  ``overrides`` are tables
    by name, as the command-line options set them (``None`` values are ignored):
    ``columns=``, ``ingest=``, ``roles=``, ``measures=``, ``effort=``, ``weights=``,
    ``proportion=``, ``database=`` (``{"table": "events"}`` for a database URI as the log),
    ``rules=``, ``audit=`` (mappings) and ``sources=``,
    ``case_tables=`` (lists of tables).  An unknown key inside a table is a ConfigError
    naming it; an unknown table is a TypeError.

    >>> s = load_settings("sample_logs/stories.toml", weights={"handoffs": 1.0})
    >>> s.columns.category, s.weights.handoffs
    ('product', 1.0)
    """
    from frictionminer.settings import TABLES
    from frictionminer.settings.load import load_settings as layered

    tables: dict[str, dict[str, Any]] = {}
    for name, value in overrides.items():
        if name in ("sources", "case_tables"):
            continue
        if name not in (*TABLES, "rules", "audit"):
            raise TypeError(
                f"load_settings() got an unexpected keyword argument {name!r} "
                f"(tables: {', '.join([*TABLES, 'rules', 'audit', 'sources', 'case_tables'])})"
            )
        if not isinstance(value, Mapping):
            raise TypeError(f"load_settings({name}=...) must be a mapping of keys to values")
        tables[name] = dict(value)
    extra = {k: overrides.get(k) for k in ("sources", "case_tables")}
    for key, value in extra.items():
        if value is not None and not (
            isinstance(value, list | tuple) and all(isinstance(v, Mapping) for v in value)
        ):
            raise TypeError(f"load_settings({key}=...) must be a list of tables (mappings)")
    return layered(
        Path(fspath(path)) if path is not None else None,
        overrides=tables or None,
        extra_sources=[dict(v) for v in extra["sources"] or []],
        extra_case_tables=[dict(v) for v in extra["case_tables"] or []],
    )


def load(source: object, settings: Settings | None = None, **columns: str | list[str]) -> EventLog:
    """Read and normalise a log: a path (file, folder or glob) or a polars/pandas DataFrame.

    ``columns`` name the source columns by role, as ``--case-col`` and its siblings do:
    ``case``, ``activity`` (one name or a list, composed with ``/``), ``timestamp``,
    ``resource``, ``group``, ``channel``, ``lifecycle``; roles not named are detected
    from the column names.  ``settings`` default to :func:`load_settings`.

    >>> frame = pl.DataFrame({
    ...     "Ticket": ["T1", "T1", "T2"],
    ...     "Step": ["Customer calls", "Ticket closed", "Customer calls"],
    ...     "At": ["2024-05-06 08:00", "2024-05-07 09:30", "2024-05-06 10:00"],
    ... })
    >>> load(frame, case="Ticket", activity="Step", timestamp="At")
    EventLog(source='<polars.DataFrame>', format='dataframe', events=3, cases=2, findings=0)
    """
    from frictionminer.io import load as read

    unknown = sorted(set(columns) - set(ROLES))
    if unknown:
        raise TypeError(
            f"load() got unexpected keyword argument(s) {', '.join(map(repr, unknown))} "
            f"(column roles: {', '.join(ROLES)}; category and value are settings: "
            "load_settings(columns={...}))"
        )
    for role, name in columns.items():
        names = name if isinstance(name, list) and role == "activity" else [name]
        if not names or not all(isinstance(n, str) for n in names):
            raise TypeError(f"load({role}=...) must be a column name (str)")
    settings = settings if settings is not None else load_settings()
    if columns:
        given: dict[str, Any] = dict(columns)
        settings = dataclasses.replace(
            settings, columns=dataclasses.replace(settings.columns, **given)
        )
    if isinstance(source, EventLog):
        raise UsageError(
            f"{source.source}: is already loaded", hint="pass the EventLog to analyze() or audit()"
        )
    return read(source, settings)  # type: ignore[arg-type]  # read() checks the type


def _log(source: object, settings: Settings) -> EventLog:
    """``source`` as an EventLog: as it is, or loaded (a path or a DataFrame)."""
    return source if isinstance(source, EventLog) else load(source, settings)


def analyze(
    source: object,
    settings: Settings | None = None,
    *,
    journey: bool = False,
    shards: int | None = None,
    workdir: PathArg | None = None,
    workers: int | None = None,
    engine: str | None = None,
    scheduler: str | None = None,
    summary_only: bool = False,
    keep_events: bool = True,
    keep_log_events: bool = True,
    flag_texts: bool = True,
) -> Result:
    """Score every case by the customer's burden and flag the disproportionate ones.

    ``source`` is an :class:`EventLog`, a path or a DataFrame.  A path is read as
    ``frictionminer score`` reads it: a large Parquet log in ``shards`` case-partitioned
    parts (automatic above 20M events; ``1`` = in memory), spilling to ``workdir`` with
    ``workers`` parallel shards.  ``journey=True`` (``--journey``) also joins each
    customer's cases into journeys (``[journey] customer``; ``result.journeys``).
    ``engine="dask"`` runs the per-case stage on a Dask cluster (``scheduler``: a running
    scheduler's address; else a cluster on this machine; docs/scale-out.md), as
    ``--engine`` and ``--scheduler`` do; ``shards`` is then its number of case-hash parts.
    ``summary_only=True`` gathers only the facts the summary reads (``frictionminer score``
    does, unless it writes Markdown): a report or ``paths`` from such a result gathers the
    others again from its events (a sharded result cannot).  ``keep_events=False`` keeps
    no events in the result (``frictionminer score`` writing cases and a summary: at 10M
    events about 1.5 GB less), as a sharded result: a case is then re-read only when
    sharded, and journeys cannot be built.  ``keep_log_events=False`` keeps the annotated
    events but not the log's own (``result.log.events``, which only :func:`annotate` and a
    pseudonymised log read; ``frictionminer report``: 0.6 GB less at 10M events).
    ``flag_texts=False`` leaves the flags' names, severities, remedies and messages empty
    (``frictionminer score`` writing CSV or Parquet, which hold rule ids only).

    >>> result = analyze("sample_logs/shoelace.csv", load_settings("sample_logs/stories.toml"))
    >>> result.cases.row(0, named=True)["case_id"]
    'W-1001'
    """
    settings = with_engine(settings if settings is not None else load_settings(), engine, scheduler)
    if journey:
        require_customer(settings)
    result = _pipeline(
        source,
        settings,
        shards=shards,
        workdir=workdir,
        workers=workers,
        summary_only=summary_only,
        keep_events=keep_events or journey,
        keep_log_events=keep_log_events,
        flag_texts=flag_texts,
    )
    return with_journeys(result) if journey else result


def require_customer(settings: Settings) -> None:
    """A ConfigError naming ``[journey] customer`` when journeys are asked for without it."""
    if settings.journey.customer is None:
        from frictionminer.errors import ConfigError

        raise ConfigError(
            "--journey needs a customer column: set [journey] customer = COLUMN",
            hint="the column holding a customer, caller or account id "
            "(an event attribute or a case attribute)",
        )


def with_journeys(result: Result) -> Result:
    """``result`` with its customers' journeys (:mod:`frictionminer.engine.journeys`)."""
    from frictionminer.engine.journeys import build_journeys

    return dataclasses.replace(
        result,
        journeys=build_journeys(
            result.events,
            result.cases,
            result.settings,
            coverage=result.coverage,
            sharded=result.sharded is not None,
        ),
    )


def _pipeline(
    source: object,
    settings: Settings,
    *,
    shards: int | None,
    workdir: PathArg | None,
    workers: int | None,
    summary_only: bool = False,
    keep_events: bool = True,
    keep_log_events: bool = True,
    flag_texts: bool = True,
) -> Result:
    """The one route into the analysis (:func:`frictionminer.engine.pipeline.analyze`),
    given a log, a path (read by the pipeline itself: in shards when large) or a frame."""
    from frictionminer.engine.pipeline import analyze as run

    log: EventLog | str = (
        fspath(source) if isinstance(source, str | PathLike) else _log(source, settings)
    )
    if settings.filters.active:  # whole cases selected in memory (docs/filters.md)
        log = _filtered(_log(log, settings), settings)
    return run(
        log,
        settings,
        shards=shards,
        workdir=fspath(workdir) if workdir is not None else None,
        workers=workers,
        summary_only=summary_only,
        keep_events=keep_events,
        keep_log_events=keep_log_events,
        flag_texts=flag_texts,
    )


def _filtered(log: EventLog, settings: Settings) -> EventLog:
    """``log`` with only the cases its ``[filters]`` keep, and a finding saying how many."""
    import dataclasses

    from frictionminer.engine.filters import select_cases
    from frictionminer.io.base import Finding

    kept = select_cases(log.events, settings.filters, settings)
    finding = Finding(
        "cases-filtered",
        f"filters kept {kept.cases_after:,} of {kept.cases_before:,} cases "
        "(--since/--until/--where/--case-type; [filters])",
        kept.cases_before - kept.cases_after,
        "info",
    )
    return dataclasses.replace(log, events=kept.events, findings=[*log.findings, finding])


class Explanation(Story):
    """One case as the customer lived it (a :class:`~frictionminer.reporting.explain.Story`),
    with its renderers: :meth:`as_text` as ``frictionminer explain`` prints it,
    :meth:`as_json` as ``--format json`` writes it, :meth:`as_record` as plain builtins."""

    @classmethod
    def of(cls, story: Story) -> Explanation:
        return cls(**{f.name: getattr(story, f.name) for f in dataclasses.fields(story)})

    def as_text(self, width: int = 120) -> str:
        """The story as the terminal shows it, without colour (as `explain -o FILE` writes it)."""
        from frictionminer.reporting.console import render_to_text
        from frictionminer.reporting.explain import render_terminal

        return render_to_text(lambda console: render_terminal(self, console), width=width)

    def as_json(self) -> str:
        """The story as ``frictionminer explain --format json`` writes it."""
        from frictionminer.reporting.explain import render_json

        return render_json(self)

    def __str__(self) -> str:
        return self.as_text()

    def __repr__(self) -> str:
        rules = [f["rule"] for f in self.flags]
        return (
            f"Explanation(case_id={self.case_id!r}, rank={self.rank} of {self.cases:,}, "
            f"friction_score={self.score:.1f}, steps={len(self.steps)}, flags={rules})"
        )

    def _repr_html_(self) -> str:
        import html

        return f"<pre>{html.escape(self.as_text())}</pre>"


def explain(result: Result, case_id: str, *, max_steps: int | None = 200) -> Explanation:
    """The case as the customer lived it: each step, the waits, the handoffs, the flags.

    A case longer than ``max_steps`` shows its first and last ``max_steps / 2`` steps and
    says how many it left out (``None``: all; a case of millions of events would otherwise
    take minutes and gigabytes). A UsageError (with the closest id) when ``result`` has no
    such case.

    >>> result = analyze("sample_logs/shoelace.csv", load_settings("sample_logs/stories.toml"))
    >>> story = explain(result, "W-1001")
    >>> story.rank, story.flags[0]["rule"]
    (1, 'FM001')
    """
    from frictionminer.reporting.explain import build_story

    return Explanation.of(build_story(result, case_id, max_steps=max_steps))


def explain_customer(result: Result, customer: str) -> CustomerStory:
    """A customer's journeys as the customer lived them (``explain --customer``): one
    timeline per journey across its cases and parties, with the handoffs and silences.
    ``result`` must have journeys (``analyze(..., journey=True)``)."""
    from frictionminer.reporting.journey import build_customer_story

    return build_customer_story(result, customer)


def report(
    result: Result,
    path: PathArg | None = None,
    *,
    lang: str = "en",
    title: str | None = None,
    top: int = 20,
    timelines: int = 5,
    pseudonymize: bool = False,
    pseudonym_key: str | None = None,
) -> str:
    """The consultant's self-contained HTML report; written atomically to ``path`` if given
    (a ``.pdf`` path: printed by headless Chromium, :mod:`frictionminer.reporting.pdf`).

    Returns the HTML either way.  ``top`` cases are listed, the first ``timelines`` told
    in full; ``lang`` is ``"en"`` or ``"de"``.  With ``pseudonymize``, case ids, resources
    and identifying attributes are replaced by keyed hashes: ``pseudonym_key`` (else
    $FRICTIONMINER_PSEUDONYM_KEY) gives the same pseudonyms every run, without one they
    differ between runs.
    """
    from frictionminer.engine.causes import find_causes
    from frictionminer.io.outputs import check_writable, write_text
    from frictionminer.reporting.html import LANGS, render_html

    if lang not in LANGS:
        raise UsageError(f"lang {lang!r}: choose {' or '.join(LANGS)}")
    progress.stage("report")
    if top < 1 or timelines < 0:
        raise UsageError("top must be at least 1 and timelines at least 0")
    target = Path(fspath(path)) if path is not None else None
    if target is not None:
        check_writable(target)
    pseudo: tuple[list[str], bool] | None = None
    if pseudonymize:
        from frictionminer.reporting.pseudonymize import (
            identifying_columns,
            pseudonymize_result,
            resolve_key,
        )

        key, stable = resolve_key(pseudonym_key)
        columns = identifying_columns(result.events)
        result = pseudonymize_result(result, key, columns)
        pseudo = (["case_id", *columns], stable)
    html = render_html(
        result,
        find_causes(result, result.settings),
        lang=lang,
        title=title,
        top=top,
        timelines=timelines,
        pseudonymized=pseudo,
    )
    if target is not None and target.suffix.lower() == ".pdf":
        from frictionminer.reporting.catalogue import PATH_WORDS
        from frictionminer.reporting.pdf import write_pdf

        name = Path(str(result.log.source)).name or str(result.log.source)
        header = f"{title} — {name}" if title else name
        write_pdf(html, target, header, PATH_WORDS["page"][lang])
    elif target is not None:
        write_text(target, html)
    return html


def audit(
    source: object,
    settings: Settings | None = None,
    baseline: PathArg | Summary | None = None,
    window: str | Window | None = None,
    *,
    since: str | None = None,
    until: str | None = None,
    cases: str = "active",
    save_baseline: PathArg | None = None,
    engine: str | None = None,
    scheduler: str | None = None,
    journey: bool = False,
) -> AuditResult:
    """Audit a log as ``frictionminer audit`` does: gates from ``[audit]``, a baseline.

    ``source`` is an :class:`EventLog`, a DataFrame, or a path (a file, a folder or a
    glob of weekly exports; a partitioned folder is read only where the window needs it).
    ``window`` is a length (``"7d"``, ``"36h"``, ``"2w"``) or a
    :class:`~frictionminer.auditing.window.Window`; ``since``/``until``/``cases`` are the
    options of the same names.  ``baseline`` is a file saved with ``save_baseline`` (or
    its loaded summary).  The result's ``status`` is ``pass``, ``warn`` or ``fail``.
    ``engine`` and ``scheduler`` are :func:`analyze`'s: every analysis of the audit runs
    on the same cluster.
    ``journey=True`` (``--journey``) also reports the window's journeys (no ids).
    """
    from frictionminer.auditing.baseline import load_baseline
    from frictionminer.auditing.baseline import save_baseline as write_baseline
    from frictionminer.auditing.gates import run_audit
    from frictionminer.auditing.window import Window, load_logs
    from frictionminer.io.outputs import check_writable

    settings = with_engine(settings if settings is not None else load_settings(), engine, scheduler)
    if journey:
        require_customer(settings)
    if isinstance(window, Window):
        if since is not None or until is not None:
            raise UsageError("give since/until inside the Window, not beside it")
        span = window
    else:
        span = Window.parse(since, until, window, cases)
    cfg = settings.audit
    target = Path(fspath(save_baseline)) if save_baseline is not None else None
    if target is not None:
        check_writable(target)
    if baseline is None or not isinstance(baseline, str | PathLike):
        base = baseline
    else:
        base = load_baseline(Path(fspath(baseline)))
    if isinstance(source, str | PathLike):
        log = load_logs(fspath(source), settings, span)
    else:
        log = _log(source, settings)
    with contextlib.ExitStack() as stack:
        if settings.engine.name == "dask":  # one cluster for every analysis of the audit
            from frictionminer.scale.dask_cluster import session

            stack.enter_context(session(settings.engine))
        result = run_audit(log, settings, base, span, cfg, save=target is not None)
    if target is not None:
        write_baseline(result.current, target)
    if journey:
        result = dataclasses.replace(result, result=with_journeys(result.result))
    return result


def convert(
    source: PathArg,
    output: PathArg,
    settings: Settings | None = None,
    partition_by: str | None = None,
    *,
    overwrite: bool = False,
    verbatim: bool = False,
    pseudonym_key: str | bytes | None = None,
    annotate: bool | None = None,
) -> ConvertSummary:
    """Convert a log to the canonical table as Parquet, CSV, XES or OCEL 2.0 JSON
    (``.jsonocel``); the format follows from the suffix.

    With ``annotate`` (the default for ``.jsonocel``) the log is scored first and written
    with the analysis as attributes: each event's customer roles, its wait to the case's
    next event and whom that wait was on, each case's score and flags
    (:mod:`frictionminer.reporting.annotate`), for pm4py, ProM, Disco or Celonis.

    CSV cells that a spreadsheet would run as formulas (``=``, ``+``, ``-``, ``@`` first)
    get a leading ``'``; ``verbatim=True`` writes them as they are.  With a
    ``pseudonym_key``, case ids, resources and identifying attributes are written as keyed
    pseudonyms (the same ones ``score``/``report`` give with that key).

    With ``partition_by`` (``"week"``, ``"month"`` or ``"day"``), ``output`` is a folder
    of Parquet files, one per period in which each case began; ``overwrite`` replaces a
    non-empty one.  Big XES files are converted chunk by chunk, in bounded memory.
    """
    from frictionminer.io.convert import convert as run
    from frictionminer.io.partitions import PARTITION_BYS

    if not isinstance(source, str | PathLike):
        raise UsageError(
            f"convert() reads a path, not {type(source).__name__}",
            hint="write a DataFrame with polars (write_parquet), or load() it and analyze()",
        )
    if partition_by is not None and partition_by not in PARTITION_BYS:
        raise UsageError(f"partition_by {partition_by!r}: choose {', '.join(PARTITION_BYS)}")
    settings = settings if settings is not None else load_settings()
    hook = None
    if pseudonym_key is not None:
        from frictionminer.reporting.pseudonymize import pseudonymize_events

        key = pseudonym_key.encode("utf-8") if isinstance(pseudonym_key, str) else pseudonym_key

        def hook(events: pl.DataFrame, columns: Mapping[str, str | list[str]]) -> pl.DataFrame:
            return pseudonymize_events(events, columns, key)

    out = Path(fspath(output))
    if annotate is None:
        annotate = partition_by is None and out.name.lower().endswith(".jsonocel")
    loaded = None
    if annotate:
        from frictionminer.reporting.annotate import annotate as annotated

        result = _pipeline(load(source, settings), settings, shards=1, workdir=None, workers=None)
        loaded = dataclasses.replace(result.log, events=annotated(result))
    return run(
        fspath(source),
        out,
        settings,
        partition_by=partition_by,
        overwrite=overwrite,
        verbatim=verbatim,
        events_hook=hook,
        loaded=loaded,
    )


def simulate(
    scenario: str,
    cases: int = 1000,
    seed: int = 0,
    *,
    rates: float | Mapping[str, float] | None = None,
    output: PathArg | None = None,
) -> pl.DataFrame:
    """A simulated customer-service log with labelled, injected friction.

    ``rates`` is the share of cases per friction pattern: one number for every pattern,
    or a mapping ``{pattern: share}`` (``"*"`` for the rest; default 0.05 each).  Each
    case's ``case:injected`` names the flags its friction should trigger.  The events are
    returned, and written atomically to ``output`` (.csv, .csv.gz, .parquet, .xes,
    .xes.gz) when given.  The scenario's config: :func:`frictionminer.simulation.scenario_config`.

    >>> simulate("warranty", cases=20, seed=1)["case_id"].n_unique()
    20
    """
    from frictionminer.io.convert import output_format
    from frictionminer.io.outputs import check_writable
    from frictionminer.simulation import check_scenario, resolve_rates
    from frictionminer.simulation import simulate as run

    check_scenario(scenario)
    if cases < 1:
        raise UsageError(f"cases {cases}: simulate at least one case")
    chosen = resolve_rates(rates)
    target = Path(fspath(output)) if output is not None else None
    fmt = output_format(target) if target is not None else None
    if target is not None:
        check_writable(target)
    events = run(scenario, cases, seed, chosen)
    if target is not None and fmt is not None:
        _write_events(events, target, fmt)
    return events


def _write_events(events: pl.DataFrame, path: Path, fmt: str) -> None:
    """Write simulated events atomically as CSV, Parquet or XES."""
    from frictionminer.io.outputs import write_with

    if fmt == "xes":
        from frictionminer.io.xes_write import write_xes

        # The temporary name ends with the target's, so write_xes compresses for ".gz".
        write_with(path, lambda tmp: write_xes(events, tmp))
    elif fmt == "parquet":
        write_with(path, lambda tmp: events.write_parquet(tmp))
    else:
        gz = path.name.lower().endswith(".gz")
        write_with(
            path,
            lambda tmp: events.write_csv(
                tmp,
                datetime_format="%Y-%m-%dT%H:%M:%S%:z",
                compression="gzip" if gz else "uncompressed",
                check_extension=False,
            ),
        )


def survey_list(
    result: Result,
    *,
    size: int | None = None,
    control: int | None = None,
    seed: int | None = None,
    pseudonym_key: str | bytes | None = None,
    output: PathArg | None = None,
) -> pl.DataFrame:
    """The pseudonymised cases to survey next (``frictionminer survey-list``).

    ``size`` high-friction cases not yet surveyed and ``control`` others drawn at random
    with ``seed`` (defaults: ``[surveys] list_size``, ``control_size``, ``seed``), each
    with why it was chosen (:func:`frictionminer.engine.surveys.survey_candidates`).  The
    case ids are keyed pseudonyms (:mod:`frictionminer.reporting.pseudonymize`): with the
    same ``pseudonym_key`` the company maps them back; without one the key is random and
    the list cannot be mapped back.  Written atomically as CSV to ``output`` when given.
    """
    from frictionminer.engine.surveys import survey_candidates
    from frictionminer.reporting.surveys import survey_list_table

    cfg = result.settings.surveys
    chosen = survey_candidates(
        result.cases,
        cfg.list_size if size is None else size,
        cfg.control_size if control is None else control,
        cfg.seed if seed is None else seed,
    )
    key = pseudonym_key.encode("utf-8") if isinstance(pseudonym_key, str) else pseudonym_key
    table = survey_list_table(chosen, result, key, cfg.seed if seed is None else seed)
    if output is not None:
        from frictionminer.io.outputs import write_with

        write_with(Path(fspath(output)), lambda tmp: table.write_csv(tmp))
    return table


def paths(result: Result, *, sort: str = "total", top: int | None = None) -> pl.DataFrame:
    """The paths (variants) of ``result``'s cases ranked by friction (``frictionminer paths``).

    One row per distinct path: cases, share, the friction score's total, mean and median,
    the flagged share, contacts, tasks, handoffs and waiting per case, how many cases each
    rule flagged (``flag_counts``) and the path (``variant``: the activities joined with
    " → ").  ``sort``: ``"total"`` (the friction the path carries, default), ``"mean"``,
    ``"cases"`` or ``"flagged"``; ``top`` keeps the first rows.  Built from the per-case
    table and the facts, so it works on a sharded result too.
    """
    from frictionminer.engine.causes import path_table
    from frictionminer.reporting.paths import ranked

    table = ranked(path_table(result), sort, top)
    missing = set() if result.coverage is None else set(result.coverage.missing_measures)
    unseen = [col for name, col in _PER_CASE.items() if name in missing]
    # a measure the log cannot show is null, not 0 (score's tables show "—" for it)
    return table.with_columns(pl.lit(None, pl.Float64).alias(c) for c in unseen)


_PER_CASE = {
    "interactions": "interactions_per_case",
    "customer_tasks": "tasks_per_case",
    "handoffs": "handoffs_per_case",
    "customer_wait_hours": "wait_hours_per_case",
}
"""The per-case measures of ``paths`` and the case measure each averages."""
