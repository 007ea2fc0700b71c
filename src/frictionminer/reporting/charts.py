"""Charts for the HTML report: static SVG from matplotlib, and the process map from Graphviz.

Why static SVG (see docs/report.md): the report must open offline, forbid every network
load by its Content-Security-Policy, stay small enough to mail, and print well.  An inline
SVG needs no JavaScript, scales without blur, keeps its text as text (``svg.fonttype =
"none"``: selectable, searchable, and a fraction of the size of glyph outlines), and a chart
of aggregated bars is a few kilobytes however many events the log has.

Every chart is drawn from an already aggregated table (histogram bins, the cause tables),
never from the events.  Text from the log (activity and team names) is untrusted: matplotlib
escapes it when it writes SVG, math-text parsing is switched off (a ``$`` in an activity name
must stay a dollar), and Graphviz labels are quoted and escaped before ``dot`` sees them.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import polars as pl

from frictionminer.reporting.units import short_hours

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

INK = "#1f2933"
MUTED = "#7b8794"
GRID = "#e4e7eb"
PRIMARY = "#1d4e89"
ACCENT = "#d1495b"
AMBER = "#edae49"
TEAL = "#00798c"
PALETTE = (PRIMARY, ACCENT, AMBER, TEAL, "#66a182", "#8d6a9f")

_RC: dict[str, Any] = {
    # plain tick labels: no "1e3" scientific notation, no "+2.38e3" offset on the axis
    "axes.formatter.useoffset": False,
    "axes.formatter.limits": (-6, 12),
    "svg.fonttype": "none",
    "svg.hashsalt": "frictionminer",
    "text.parse_math": False,
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 9,
    "axes.edgecolor": GRID,
    "axes.labelcolor": INK,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.titlecolor": INK,
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": GRID,
    "grid.linewidth": 0.8,
    "xtick.color": MUTED,
    "ytick.color": INK,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.frameon": False,
    "legend.fontsize": 8,
    "figure.dpi": 72,
}


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _figure(width: float, height: float) -> Figure:
    plt = _plt()
    with plt.rc_context(_RC):
        fig: Figure = plt.figure(figsize=(width, height))
    return fig


def _svg(fig: Figure, label: str) -> str:
    """The figure as an inline ``<svg>`` element (no XML prolog), labelled for screen readers."""
    plt = _plt()
    buf = io.StringIO()
    with plt.rc_context(_RC):
        fig.savefig(buf, format="svg", bbox_inches="tight", pad_inches=0.05, transparent=True)
    plt.close(fig)
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)
    # Layout was measured with DejaVu Sans (bundled with matplotlib); viewers without it
    # should fall back to a sans-serif of similar width, not to a serif default.
    text = text.replace("'DejaVu Sans'", "'DejaVu Sans', Verdana, Arial, sans-serif")
    label = label.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return text.replace("<svg ", f'<svg role="img" aria-label="{label}" class="chart" ', 1)


def human_number(value: float) -> str:
    """A number as people read it: ``2,380``, ``54``, ``3.2``, ``0.25`` (never ``2.38e+03``)."""
    size = abs(value)
    if size >= 100:
        return f"{value:,.0f}"
    if size >= 10:
        return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
    return f"{value:.2g}" if size < 1 else f"{value:.2f}".rstrip("0").rstrip(".")


def _clip(label: str, width: int = 42) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"


def _hbar(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float], str]],
    *,
    title: str,
    xlabel: str,
    percent: bool = False,
    annotate: Sequence[str] | None = None,
) -> str:
    """Horizontal bars (one group per label), largest first from the top."""
    plt = _plt()
    n = max(len(labels), 1)
    with plt.rc_context(_RC):
        fig = _figure(10.0, 0.8 + 0.3 * n * max(1.0, len(series) * 0.6))
        ax: Axes = fig.add_subplot()
        k = len(series)
        height = 0.8 / k
        ys = list(range(len(labels)))
        for i, (name, values, color) in enumerate(series):
            pos = [y - 0.4 + height * (i + 0.5) for y in ys]
            ax.barh(pos, list(values), height=height * 0.92, color=color, label=name)
        ax.set_yticks(ys, [_clip(str(x)) for x in labels])
        ax.invert_yaxis()
        ax.set_title(title)
        ax.set_xlabel(xlabel, color=MUTED)
        ax.grid(axis="y", visible=False)
        if percent:
            from matplotlib.ticker import PercentFormatter

            ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        if annotate:
            first = series[0][1]
            top = max([float(v) for v in first] + [1e-9])
            for y, (v, note) in enumerate(zip(first, annotate, strict=False)):
                ax.text(float(v) + top * 0.01, y, note, va="center", fontsize=7.5, color=MUTED)
            ax.set_xlim(0, top * 1.18)
        if k > 1:
            ax.legend(loc="lower right")
    return _svg(fig, title)


def flag_shares(summary: dict[str, Any], labels: dict[str, str], title: str, xlabel: str) -> str:
    """Share of cases flagged per rule (the numbers of ``score --format json``)."""
    rows = list(summary["flags"].items())
    names = [f"{rid} {labels.get(rid, '')}" for rid, _ in rows]
    shares = [float(s["share"]) for _, s in rows]
    notes = [f"{s['share']:.1%} ({s['cases']:,})" for _, s in rows]
    return _hbar(
        names, [("", shares, PRIMARY)], title=title, xlabel=xlabel, percent=True, annotate=notes
    )


def distributions(
    cases: pl.DataFrame,
    panels: Sequence[tuple[str, str, float]],
    quantiles: dict[str, dict[str, float]],
    title: str,
    median_label: str,
    cases_label: str,
) -> str:
    """Small multiples: a histogram per measure with its median and p90 marked.

    ``panels`` are (column, label, divisor) — hours are shown as days with divisor 24.
    The histogram is computed here from the case table (one number per case, never the
    events); values above the 97th percentile are gathered into the last bin so that one
    extreme case does not squash the rest.
    """
    import numpy as np

    plt = _plt()
    cols = 3
    rows = (len(panels) + cols - 1) // cols
    with plt.rc_context(_RC):
        fig = _figure(13.0, 2.3 * rows + 0.3)
        for i, (column, label, div) in enumerate(panels):
            ax = fig.add_subplot(rows, cols, i + 1)
            values = cases[column].cast(pl.Float64).fill_null(0.0).to_numpy() / div
            hi = float(np.quantile(values, 0.97)) if values.size else 1.0
            hi = hi if hi > 0 else 1.0
            integer = bool(values.size) and bool(np.all(np.mod(values, 1) == 0)) and hi <= 40
            bins: Any = np.arange(0, hi + 2) - 0.5 if integer else 24
            ax.hist(np.clip(values, 0, hi), bins=bins, color=PRIMARY, alpha=0.85)
            if integer:
                from matplotlib.ticker import MaxNLocator

                ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            q = quantiles.get(column, {})
            for name, color in (("median", ACCENT), ("p90", AMBER)):
                if name in q:
                    ax.axvline(q[name] / div, color=color, linewidth=1.4)
            med = q.get("median", 0.0) / div
            p90 = q.get("p90", 0.0) / div
            ax.set_title(_clip(label, 34), fontsize=8.5)
            ax.text(
                0.98,
                0.95,
                f"{median_label} {human_number(med)} · p90 {human_number(p90)}",
                transform=ax.transAxes,
                ha="right",
                va="top",
                fontsize=7,
                color=INK,
            )
            ax.grid(axis="x", visible=False)
            if i % cols == 0:
                ax.set_ylabel(cases_label, color=MUTED, fontsize=7.5)
        fig.suptitle(title, x=0.01, ha="left", fontsize=10, fontweight="bold", color=INK)
        fig.tight_layout()
    return _svg(fig, title)


def activity_bars(
    by_activity: pl.DataFrame, n: int, title: str, names: tuple[str, str, str], xlabel: str
) -> str | None:
    """Per activity: tasks pushed to the customer, repeated requests, silent waits started."""
    top = (
        by_activity.filter(
            (pl.col("task_events") + pl.col("repeat_events") + pl.col("silent_starts")) > 0
        )
        .sort(
            pl.col("task_events") + pl.col("repeat_events") + pl.col("silent_starts"),
            "activity",
            descending=[True, False],
        )
        .head(n)
    )
    if top.height == 0:
        return None
    series = [
        (names[0], top["task_events"].to_list(), PRIMARY),
        (names[1], top["repeat_events"].to_list(), ACCENT),
        (names[2], top["silent_starts"].to_list(), AMBER),
    ]
    return _hbar(top["activity"].to_list(), series, title=title, xlabel=xlabel)


def team_bars(
    by_team: pl.DataFrame, n: int, title: str, names: tuple[str, str], xlabel: str
) -> str | None:
    top = by_team.filter(pl.col("handoffs_out") > 0).head(n)
    if top.height == 0:
        return None
    series = [
        (names[0], top["handoffs_out"].to_list(), PRIMARY),
        (names[1], top["ping_pong_in"].to_list(), ACCENT),
    ]
    return _hbar(top["team"].to_list(), series, title=title, xlabel=xlabel)


def ping_pong_heatmap(
    handoff_pairs: pl.DataFrame, n: int, title: str, from_label: str, to_label: str
) -> str | None:
    """Team × team matrix of ping-pong returns among the teams most involved in them."""
    import numpy as np

    pp = handoff_pairs.filter(pl.col("ping_pongs") > 0)
    if pp.height == 0:
        return None
    involvement = (
        pl.concat(
            [
                pp.select(pl.col("from").alias("team"), "ping_pongs"),
                pp.select(pl.col("to").alias("team"), "ping_pongs"),
            ]
        )
        .group_by("team")
        .agg(pl.col("ping_pongs").sum())
        .sort(["ping_pongs", "team"], descending=[True, False])
        .head(n)
    )
    teams = involvement["team"].to_list()
    index = {t: i for i, t in enumerate(teams)}
    grid = np.zeros((len(teams), len(teams)))
    for src, dst, count in (
        pp.filter(pl.col("from").is_in(teams) & pl.col("to").is_in(teams))
        .select("from", "to", "ping_pongs")
        .iter_rows()
    ):
        grid[index[src], index[dst]] = count
    plt = _plt()
    size = 1.6 + 0.42 * len(teams)
    with plt.rc_context(_RC):
        fig = _figure(min(size + 1.4, 8.5), min(size, 7.8))
        ax = fig.add_subplot()
        ax.grid(False)
        masked = np.ma.masked_where(grid == 0, grid)
        img = ax.imshow(masked, cmap="OrRd", aspect="auto", vmin=0)
        labels = [_clip(str(t), 20) for t in teams]
        ax.set_xticks(range(len(teams)), labels, rotation=45, ha="right")
        ax.set_yticks(range(len(teams)), labels)
        for i in range(len(teams)):
            for j in range(len(teams)):
                if grid[i, j]:
                    dark = grid[i, j] > grid.max() * 0.6
                    ax.text(
                        j,
                        i,
                        f"{int(grid[i, j])}",
                        ha="center",
                        va="center",
                        fontsize=7,
                        color="white" if dark else INK,
                    )
        ax.set_xlabel(to_label, color=MUTED)
        ax.set_ylabel(from_label, color=MUTED)
        ax.set_title(title)
        for spine in ax.spines.values():
            spine.set_visible(False)
        fig.colorbar(img, ax=ax, fraction=0.04, pad=0.02)
    return _svg(fig, title)


def variant_bars(
    by_variant: pl.DataFrame, n: int, title: str, xlabel: str, note: str
) -> str | None:
    """Paths ranked by the friction they carry, labelled with their share of cases."""
    top = by_variant.head(n)
    if top.height == 0:
        return None
    labels = [f"#{r}" for r in top["rank"].to_list()]
    notes = [
        note.format(cases=c, share=s, mean=m)
        for c, s, m in zip(
            top["cases"].to_list(),
            top["case_share"].to_list(),
            top["mean_score"].to_list(),
            strict=True,
        )
    ]
    return _hbar(
        labels,
        [("", top["total_score"].to_list(), PRIMARY)],
        title=title,
        xlabel=xlabel,
        annotate=notes,
    )


def category_bars(
    by_category: pl.DataFrame | None, n: int, title: str, xlabel: str, note: str
) -> str | None:
    if by_category is None or by_category.height == 0:
        return None
    top = (
        by_category.filter(pl.col("category").is_not_null())
        .sort(["total_score", "category"], descending=[True, False])
        .head(n)
    )
    notes = [
        note.format(cases=c, mean=m)
        for c, m in zip(top["cases"].to_list(), top["mean_score"].to_list(), strict=True)
    ]
    return _hbar(
        [str(c) for c in top["category"].to_list()],
        [("", top["total_score"].to_list(), TEAL)],
        title=title,
        xlabel=xlabel,
        annotate=notes,
    )


# ------------------------------------------------------------------------- process map


def dot_available() -> bool:
    """Whether Graphviz's ``dot`` is on PATH (checked at run time, not at import)."""
    return shutil.which("dot") is not None


def _dot_quote(text: str) -> str:
    """A DOT double-quoted string: backslashes and quotes escaped, newlines kept out."""
    clean = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("\r", " ")
    return f'"{clean}"'


def main_flows(
    flows: pl.DataFrame, max_nodes: int = 14, max_edges: int = 28
) -> tuple[list[str], pl.DataFrame]:
    """The main flows: the busiest activities and the busiest edges among them."""
    from frictionminer.engine.causes import END, START

    volume = (
        flows.filter(pl.col("target") != END)
        .group_by(pl.col("target").alias("activity"))
        .agg(pl.col("transitions").sum())
        .sort(["transitions", "activity"], descending=[True, False])
    )
    busiest = volume.head(max_nodes)["activity"].to_list()
    keep = [*busiest, START, END]
    edges = (
        flows.filter(pl.col("source").is_in(keep) & pl.col("target").is_in(keep))
        .filter(pl.col("source") != pl.col("target"))
        .sort(["transitions", "source", "target"], descending=[True, False, False])
        .head(max_edges)
    )
    linked = set(edges["source"].to_list()) | set(edges["target"].to_list())
    return [a for a in busiest if a in linked], edges


def process_map_dot(
    flows: pl.DataFrame,
    by_activity: pl.DataFrame,
    max_nodes: int = 14,
    max_edges: int = 28,
    tasks_word: str = "tasks",
) -> str:
    """The directly-follows graph as DOT: edge label by median time, colour by the
    customer's wait on it (time on the company before the case's end, per transition: a
    step after the resolution, such as resolved → closed, is no wait of the customer's),
    width by frequency; node fill by the share of its events that push a task onto the
    customer."""
    from frictionminer.engine.causes import END, START

    nodes, edges = main_flows(flows, max_nodes, max_edges)
    tasks = dict(
        by_activity.select("activity", pl.col("task_events") / pl.col("events")).iter_rows()
    )
    counts = dict(by_activity.select("activity", "events").iter_rows())
    top = max([int(t) for t in edges["transitions"].to_list()] + [1])
    colour_by = (
        "customer_wait_hours" if "customer_wait_hours" in edges.columns else "median_wait_hours"
    )
    waits = [w for w in edges[colour_by].to_list() if w is not None]
    wmax = max([*waits, 1.0])
    lines = [
        "digraph G {",
        '  graph [rankdir=TB, bgcolor="transparent", nodesep=0.3, ranksep=0.5, '
        'fontname="DejaVu Sans,Arial,sans-serif", pad=0.2];',
        '  node [shape=box, style="rounded,filled", fontname="DejaVu Sans,Arial,sans-serif", '
        'fontsize=13, color="#9aa5b1", fontcolor="#1f2933", penwidth=1, margin="0.15,0.06"];',
        '  edge [fontname="DejaVu Sans,Arial,sans-serif", fontsize=11, arrowsize=0.7];',
        f'  {_dot_quote(START)} [shape=circle, label="", width=0.22, fillcolor="#1f2933"];',
        f'  {_dot_quote(END)} [shape=doublecircle, label="", width=0.18, fillcolor="#1f2933"];',
    ]
    for name in nodes:
        share = float(tasks.get(name, 0.0) or 0.0)
        fill = _blend("#ffffff", AMBER, min(1.0, share)) if share > 0 else "#eef2f7"
        second = f"{counts.get(name, 0):,}" + (f" · {share:.0%} {tasks_word}" if share > 0 else "")
        label = _dot_quote(_clip(name, 48))[:-1] + "\\n" + _dot_quote(second)[1:]
        lines.append(f'  {_dot_quote(name)} [label={label}, fillcolor="{fill}"];')
    for src, dst, n, wait, felt in edges.select(
        "source", "target", "transitions", "median_wait_hours", colour_by
    ).iter_rows():
        width = 0.6 + 4.0 * (int(n) / top)
        color = _blend("#9aa5b1", ACCENT, min(1.0, (felt or 0.0) / wmax)) if felt else "#9aa5b1"
        label = f"{int(n):,}" + (f" · {short_hours(wait)}" if wait is not None else "")
        lines.append(
            f"  {_dot_quote(src)} -> {_dot_quote(dst)} [penwidth={width:.2f}, "
            f'color="{color}", fontcolor="#52606d", label={_dot_quote(label)}];'
        )
    lines.append("}")
    return "\n".join(lines)


def _blend(a: str, b: str, t: float) -> str:
    ca = [int(a[i : i + 2], 16) for i in (1, 3, 5)]
    cb = [int(b[i : i + 2], 16) for i in (1, 3, 5)]
    mix = [round(x + (y - x) * t) for x, y in zip(ca, cb, strict=True)]
    return "#" + "".join(f"{c:02x}" for c in mix)


def render_dot(dot_source: str, label: str, timeout: float = 60.0) -> str | None:
    """``dot -Tsvg`` of ``dot_source`` as an inline ``<svg>``; None when dot is missing or fails."""
    exe = shutil.which("dot")
    if exe is None:
        return None
    try:
        proc = subprocess.run(
            [exe, "-Tsvg"],
            input=dot_source.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    text = proc.stdout.decode("utf-8", errors="replace")
    if "<svg" not in text:
        return None
    text = text[text.index("<svg") :]
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    text = re.sub(r'\s(width|height)="[0-9.]+pt"', "", text, count=2)
    label = label.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return text.replace("<svg", f'<svg role="img" aria-label="{label}" class="chart pmap"', 1)
