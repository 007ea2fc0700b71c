"""Simulated customer-service logs with labelled, injected friction (``simulate``).

The public names (:func:`simulate`, :func:`scenario_config`, :data:`SCENARIOS`,
:data:`PATTERNS`, ...) live in :mod:`frictionminer.simulation.api` and are loaded on first use,
so importing the ``simulate`` command for the CLI costs nothing (no numpy, no polars).

Example::

    >>> from frictionminer.simulation import simulate
    >>> simulate("warranty", cases=50, seed=1)["case_id"].n_unique()
    50
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from frictionminer.simulation.api import (
        CASE_ATTRIBUTES,
        DEFAULT_RATE,
        PATTERNS,
        SCENARIOS,
        Simulation,
        check_scenario,
        resolve_rates,
        scenario_config,
        simulate,
        simulate_with_truth,
    )

__all__ = [
    "CASE_ATTRIBUTES",
    "DEFAULT_RATE",
    "PATTERNS",
    "SCENARIOS",
    "Simulation",
    "check_scenario",
    "resolve_rates",
    "scenario_config",
    "simulate",
    "simulate_with_truth",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module("frictionminer.simulation.api"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
