"""Surveys and ratings: how the friction score relates to the customer's own verdict.

Computed on the gathered per-case table (every execution gives the same numbers), from
the ``surveys`` count (role ``survey``) and the ``rating`` column (``[columns] rating``,
:func:`frictionminer.engine.measures.rating_number`).  Definitions (docs/friction-model.md,
"Surveys"):

* **scale** of the rating: ``[surveys] rating_scale``, or for ``"auto"`` from the rated
  cases' values: all 0 or 1 → ``complaint`` (1: the customer complained); all within
  1..5 → ``csat``; all within 0..10 → ``nps``; anything else → ``other``.
* **unhappy**: CSAT ≤ ``csat_unhappy_at_most`` (2), NPS ≤ ``nps_unhappy_at_most`` (6,
  the detractors), a complaint marker of 1; none on ``other``.
* **Spearman's ρ** between a measure and the rating over the rated cases: Pearson's
  correlation of their average ranks (ties share their mean rank); null when either is
  constant.  Its 95% interval by Fisher's z with the Fieller–Hartley–Pearson (1957)
  standard error for rank correlations: ``tanh(atanh(ρ) ± 1.96 · 1.06 / √(n − 3))``
  (n ≥ 4).  Fisher's z and not a bootstrap: deterministic without a seed, one pass over
  millions of cases, and close to the bootstrap for n in the hundreds.
* **deciles**: the rated cases by friction score, decile ``d = ⌊(rank_min − 1) · 10 / n⌋
  + 1`` (equal scores in the same decile, so a decile may be empty or larger); per
  decile its cases, lowest and highest score, mean rating and share unhappy.
* **separation** per measure: AUC = P(an unhappy case's measure > a happy case's) + ½
  P(equal), from the Mann–Whitney rank sum; rank-biserial r = 2·AUC − 1.  The measures
  are listed by AUC, best first.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import polars as pl

from frictionminer.engine.measures import SURVEYS
from frictionminer.settings import Settings

RATING = "rating"
Z95 = 1.959963984540054
"""The standard normal quantile of 0.975."""
FIELLER = 1.06
"""Fieller, Hartley and Pearson's (1957) factor on ``1/√(n−3)`` for Spearman's ρ."""
MIN_RATED = 4
"""Fewest rated cases for a correlation with an interval."""


def detect_scale(values: pl.Series, configured: str) -> str:
    """The rating's scale (see the module docstring); ``configured`` unless ``"auto"``."""
    if configured != "auto":
        return configured
    values = values.drop_nulls()
    if values.is_empty():
        return "other"
    low, high = float(values.min()), float(values.max())  # type: ignore[arg-type]
    if values.is_in([0.0, 1.0]).all():
        return "complaint"
    if low >= 1 and high <= 5:
        return "csat"
    if low >= 0 and high <= 10:
        return "nps"
    return "other"


def unhappy(scale: str, settings: Settings) -> pl.Expr | None:
    """Whether a rated case's customer was unhappy; None when the scale does not say."""
    rating = pl.col(RATING)
    if scale == "csat":
        return rating <= settings.surveys.csat_unhappy_at_most
    if scale == "nps":
        return rating <= settings.surveys.nps_unhappy_at_most
    if scale == "complaint":
        return rating >= 1
    return None


def spearman(x: pl.Expr, y: pl.Expr) -> pl.Expr:
    """Spearman's ρ: Pearson's correlation of the average ranks."""
    return pl.corr(x.rank("average"), y.rank("average"), method="pearson")


def fisher_interval(rho: float | None, n: int) -> tuple[float | None, float | None]:
    """The 95% interval of Spearman's ρ by Fisher's z (Fieller's standard error)."""
    if rho is None or math.isnan(rho) or n < MIN_RATED:
        return None, None
    if abs(rho) >= 1:
        return rho, rho
    z = math.atanh(rho)
    half = Z95 * FIELLER / math.sqrt(n - 3)
    return math.tanh(z - half), math.tanh(z + half)


def auc(score: pl.Expr, positive: pl.Expr) -> pl.Expr:
    """P(a positive row's score > a negative row's) + ½ P(equal): the Mann–Whitney rank
    sum of the positives, ``(R₁ − n₁(n₁+1)/2) / (n₁ n₀)``."""
    ranks = score.rank("average")
    n1 = positive.sum().cast(pl.Float64)
    n0 = positive.not_().sum().cast(pl.Float64)
    r1 = ranks.filter(positive).sum()
    return (r1 - n1 * (n1 + 1.0) / 2.0) / (n1 * n0)


def _num(value: Any, digits: int = 4) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else round(number, digits)


def deciles(rated: pl.DataFrame, sad: pl.Expr | None) -> list[dict[str, Any]]:
    """Per friction decile of the rated cases: cases, score range, mean rating, unhappy."""
    n = rated.height
    if n == 0:
        return []
    decile = ((pl.col("friction_score").rank("min") - 1) * 10 // n + 1).cast(pl.Int64)
    table = (
        rated.with_columns(
            decile.alias("decile"),
            (sad if sad is not None else pl.lit(None, dtype=pl.Boolean)).alias("_unhappy"),
        )
        .group_by("decile")
        .agg(
            pl.len().alias("cases"),
            pl.col("friction_score").min().alias("score_min"),
            pl.col("friction_score").max().alias("score_max"),
            pl.col(RATING).mean().alias("mean_rating"),
            pl.col("_unhappy").cast(pl.Float64).mean().alias("unhappy_share"),
        )
        .sort("decile")
    )
    return [
        {
            "decile": int(row["decile"]),
            "cases": int(row["cases"]),
            "score_min": _num(row["score_min"], 3),
            "score_max": _num(row["score_max"], 3),
            "mean_rating": _num(row["mean_rating"], 3),
            "unhappy_share": _num(row["unhappy_share"]),
        }
        for row in table.iter_rows(named=True)
    ]


def rating_relation(
    cases: pl.DataFrame, settings: Settings, measures: Sequence[str]
) -> dict[str, Any]:
    """How the friction score and each measure relate to the rating (module docstring).

    ``measures`` are the numeric measures to relate (those the log can compute); the
    friction score comes first.
    """
    rated = cases.filter(pl.col(RATING).is_not_null())
    n = rated.height
    scale = detect_scale(rated.get_column(RATING), settings.surveys.rating_scale)
    sad = unhappy(scale, settings)
    names = ["friction_score", *(m for m in measures if m != "friction_score")]
    exprs: list[pl.Expr] = []
    for m in names:
        x = pl.col(m).cast(pl.Float64)
        exprs.append(spearman(x, pl.col(RATING)).alias(f"{m}|rho"))
        if sad is not None:
            exprs.append(auc(x, sad).alias(f"{m}|auc"))
    row = rated.select(exprs).row(0, named=True) if n and exprs else {}
    n_sad = int(rated.select(sad.sum()).item() or 0) if sad is not None and n else None
    separable = sad is not None and n_sad is not None and 0 < n_sad < n

    def relation(m: str) -> dict[str, Any]:
        rho = _num(row.get(f"{m}|rho")) if n >= 2 else None
        low, high = fisher_interval(rho, n)
        out: dict[str, Any] = {
            "measure": m,
            "rho": rho,
            "low": _num(low),
            "high": _num(high),
        }
        area = _num(row.get(f"{m}|auc")) if separable else None
        out["auc"] = area
        out["rank_biserial"] = None if area is None else _num(2 * area - 1)
        return out

    relations = [relation(m) for m in names]
    score, others = relations[0], relations[1:]
    others.sort(key=lambda r: (-(r["auc"] if r["auc"] is not None else -1.0), r["measure"]))
    return {
        "column": settings.columns.rating,
        "scale": scale,
        "rated_cases": n,
        "unhappy_cases": n_sad,
        "interval": "fisher_z_95",
        "friction_score": score,
        "deciles": deciles(rated, sad),
        "measures": others,
    }


def survey_summary(
    cases: pl.DataFrame, flagged_fm013: int, settings: Settings, measures: Sequence[str]
) -> dict[str, Any]:
    """The ``surveys`` block of ``score``'s summary: surveyed cases, FM013, the ratings."""
    surveyed = int(cases.select((pl.col(SURVEYS) > 0).sum()).item() or 0) if cases.height else 0
    block: dict[str, Any] = {
        "surveyed_cases": surveyed,
        "survey_events": int(cases.get_column(SURVEYS).sum() or 0),
        "surveyed_after_friction": flagged_fm013,
        "ratings": None,
    }
    if settings.columns.rating is not None and RATING in cases.columns:
        block["ratings"] = rating_relation(cases, settings, measures)
    return block


def has_surveys(cases: pl.DataFrame, settings: Settings) -> bool:
    """Whether the summary gets a ``surveys`` block: a rating column, or a survey event."""
    if settings.columns.rating is not None:
        return True
    return SURVEYS in cases.columns and bool(cases.get_column(SURVEYS).sum() or 0)


HIGH = "high_friction"
CONTROL = "control"


def survey_candidates(cases: pl.DataFrame, size: int, control: int, seed: int) -> pl.DataFrame:
    """The cases to survey next: ``size`` not yet surveyed with the highest friction
    scores (score above 0; ties broken by case id), then ``control`` drawn at random
    (``seed``) from the other cases not yet surveyed, so that the ratings can be
    compared with cases of ordinary friction.

    Columns: ``case_id, chosen`` (:data:`HIGH` or :data:`CONTROL`), ``friction_score``,
    ``friction_percentile``.  The same table and seed give the same cases.
    """
    columns = ["case_id", "friction_score", "friction_percentile"]
    open_cases = cases.filter(pl.col(SURVEYS) == 0).select(columns)
    high = (
        open_cases.filter(pl.col("friction_score") > 0)
        .sort(["friction_score", "case_id"], descending=[True, False])
        .head(size)
    )
    rest = open_cases.filter(~pl.col("case_id").is_in(high.get_column("case_id").implode()))
    rest = rest.sort("case_id")
    drawn = rest.sample(n=min(control, rest.height), seed=seed, shuffle=True)
    drawn = drawn.sort(["friction_score", "case_id"], descending=[True, False])
    return pl.concat(
        [
            high.with_columns(pl.lit(HIGH).alias("chosen")),
            drawn.with_columns(pl.lit(CONTROL).alias("chosen")),
        ]
    ).select("case_id", "chosen", "friction_score", "friction_percentile")
