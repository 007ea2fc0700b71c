"""The canonical event table: fixed column names and dtypes every stage relies on.

After ingest and normalisation a log is one polars table with

==============  ============================  =======================================
column          dtype                         meaning
==============  ============================  =======================================
``case_id``     ``String``                    the case (trace) identifier
``activity``    ``String``                    what happened (possibly composed)
``timestamp``   ``Datetime("us", "UTC")``     when it happened, in UTC
``event_index`` ``Int64``                     position in the input (tie-breaker)
``resource``    ``String`` (optional)         who did it
``group``       ``String`` (optional)         which team/organisation held the case
``channel``     ``String`` (optional)         the contact channel
``lifecycle``   ``String`` (optional)         XES lifecycle transition
==============  ============================  =======================================

Every other attribute is kept with its own type.  Case-level attributes carry a
``case:`` prefix (``case:product``).
"""

from __future__ import annotations

import polars as pl

CASE = "case_id"
ACTIVITY = "activity"
TIMESTAMP = "timestamp"
EVENT_INDEX = "event_index"
RESOURCE = "resource"
GROUP = "group"
CHANNEL = "channel"
LIFECYCLE = "lifecycle"

CASE_PREFIX = "case:"

TIMESTAMP_DTYPE = pl.Datetime("us", "UTC")

REQUIRED: dict[str, pl.DataType] = {
    CASE: pl.String(),
    ACTIVITY: pl.String(),
    TIMESTAMP: TIMESTAMP_DTYPE,
    EVENT_INDEX: pl.Int64(),
}
OPTIONAL: dict[str, pl.DataType] = {
    RESOURCE: pl.String(),
    GROUP: pl.String(),
    CHANNEL: pl.String(),
    LIFECYCLE: pl.String(),
}
CANONICAL = (CASE, ACTIVITY, TIMESTAMP, EVENT_INDEX, RESOURCE, GROUP, CHANNEL, LIFECYCLE)

CANONICAL_OF_ROLE = {
    "case": CASE,
    "activity": ACTIVITY,
    "timestamp": TIMESTAMP,
    "resource": RESOURCE,
    "group": GROUP,
    "channel": CHANNEL,
    "lifecycle": LIFECYCLE,
}
"""Role name (as in ``[columns]``) -> canonical column."""
