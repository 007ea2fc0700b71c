"""The survey list: chosen cases with pseudonymised ids and the reason each was chosen."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from frictionminer import schema as S
from frictionminer.engine.surveys import CONTROL, HIGH
from frictionminer.reporting.catalogue import SURVEY_WORDS, Lang
from frictionminer.reporting.pseudonymize import Pseudonymizer, resolve_key

if TYPE_CHECKING:
    from frictionminer.engine.result import Result


def survey_list_table(
    chosen: pl.DataFrame, result: Result, key: bytes | None, seed: int, lang: Lang = "en"
) -> pl.DataFrame:
    """``case``, ``chosen``, ``reason``, ``friction_score``, ``friction_percentile``,
    ``flags`` (the case's rule ids): the ids replaced by keyed pseudonyms."""
    raw, _stable = resolve_key(key.decode("utf-8") if key is not None else None)
    ids = chosen.get_column(S.CASE).cast(pl.String).to_list()
    mapping = Pseudonymizer(raw).mapping(S.CASE, ids)
    flags = (
        result.flags.filter(pl.col(S.CASE).is_in(ids))
        .group_by(S.CASE)
        .agg(pl.col("rule").sort().str.join(";").alias("flags"))
    )
    high = SURVEY_WORDS["reason_high"][lang]
    control = SURVEY_WORDS["reason_control"][lang].format(seed=seed)
    share = (pl.col("friction_percentile") * 100).floor().cast(pl.Int64).cast(pl.String) + "%"
    return (
        chosen.join(flags, on=S.CASE, how="left", maintain_order="left")
        .with_columns(
            pl.col(S.CASE).replace_strict(mapping, return_dtype=pl.String).alias("case"),
            pl.when(pl.col("chosen") == HIGH)
            .then(pl.lit(high.split("{share}")[0]) + share + pl.lit(high.split("{share}")[1]))
            .when(pl.col("chosen") == CONTROL)
            .then(pl.lit(control))
            .alias("reason"),
            pl.col("flags").fill_null(""),
        )
        .select("case", "chosen", "reason", "friction_score", "friction_percentile", "flags")
    )
