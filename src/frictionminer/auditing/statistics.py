"""Statistics for small weekly samples: exact binomial, Fisher, two-proportion z, Holm.

See :mod:`frictionminer.auditing` for why each test is used."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


# ====================================================================== statistics


def _norm_sf(z: float) -> float:
    """P(Z >= z) for a standard normal Z."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def _tail(logpmf: Callable[[int], float], start: int, stop: int, step: int) -> float:
    """Sum pmf(k) for k = start, start+step, ... up to ``stop`` (inclusive).

    The pmfs used here (binomial, hypergeometric) are log-concave, so once the terms
    shrink they keep shrinking: the sum stops when a term no longer changes it.  This keeps
    exact tests of 100,000-case weeks to a few hundred terms.
    """
    total, k = 0.0, start
    peak = -math.inf
    while (k <= stop) if step > 0 else (k >= stop):
        lp = logpmf(k)
        term = math.exp(lp)
        total += term
        peak = max(peak, lp)
        if lp < peak and term < total * 1e-17:
            break
        k += step
    return min(total, 1.0)


def _lchoose(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def binom_sf(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p), exactly."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    if p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    lp, lq = math.log(p), math.log1p(-p)

    def logpmf(j: int) -> float:
        return _lchoose(n, j) + j * lp + (n - j) * lq

    mode = int((n + 1) * p)
    if k > mode:
        return _tail(logpmf, k, n, 1)
    return max(0.0, 1.0 - _tail(logpmf, k - 1, 0, -1))


def _hypergeom_tails(x: int, n_draw: int, successes: int, total: int) -> tuple[float, float]:
    """(P(X >= x), P(X <= x)) for X ~ Hypergeometric(total, successes, n_draw)."""
    lo, hi = max(0, n_draw - (total - successes)), min(successes, n_draw)
    base = _lchoose(total, n_draw)

    def logpmf(j: int) -> float:
        return _lchoose(successes, j) + _lchoose(total - successes, n_draw - j) - base

    upper = _tail(logpmf, x, hi, 1) if x <= hi else 0.0
    lower = _tail(logpmf, x, lo, -1) if x >= lo else 0.0
    return min(upper, 1.0), min(lower, 1.0)


@dataclass(frozen=True)
class ProportionTest:
    """One-sided p-values of "the current share is higher" (worse) and "lower" (better)."""

    p_worse: float
    p_better: float
    test: str


def compare_proportions(x0: int, n0: int, x1: int, n1: int) -> ProportionTest:
    """Baseline ``x0/n0`` against current ``x1/n1``.

    Pooled two-proportion z-test; Fisher's exact test when an expected cell count is below 5
    (small weeks, rare flags), where the normal approximation is unreliable.
    """
    if n0 <= 0 or n1 <= 0:
        return ProportionTest(1.0, 1.0, "none")
    total, k = n0 + n1, x0 + x1
    expected = [n * k / total for n in (n0, n1)] + [n * (total - k) / total for n in (n0, n1)]
    if min(expected) < 5:
        upper, lower = _hypergeom_tails(x1, n1, k, total)
        return ProportionTest(upper, lower, "fisher-exact")
    pooled = k / total
    se = math.sqrt(pooled * (1 - pooled) * (1 / n0 + 1 / n1))
    if se == 0:
        return ProportionTest(1.0, 1.0, "two-proportion-z")
    z = (x1 / n1 - x0 / n0) / se
    return ProportionTest(_norm_sf(z), _norm_sf(-z), "two-proportion-z")


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values (family-wise error rate control)."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [1.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted
