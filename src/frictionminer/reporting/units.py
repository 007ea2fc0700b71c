"""Durations for people, shared by every output."""

from __future__ import annotations


def hours(h: float | None, day: str = "d") -> str:
    """A duration in minutes, hours or days: ``45 min``, ``5.2 h``, ``3.1 d``.

    ``day`` is the unit of days (the catalogue's, for a German timeline).
    """
    if h is None:
        return ""
    if h < 1:
        return f"{h * 60:.0f} min"
    if h < 48:
        return f"{h:.1f} h"
    return f"{h / 24:.1f} {day}"


def short_hours(h: float | None) -> str:
    """A duration in at most five characters, for narrow columns: ``45m``, ``17h``, ``3.2d``."""
    if h is None:
        return ""
    if h < 1:
        return f"{h * 60:.0f}m"
    if h < 48:
        return f"{h:.0f}h"
    if h < 2400:
        return f"{h / 24:.1f}d"
    return f"{h / 24:.0f}d"
