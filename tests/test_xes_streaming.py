"""The streaming XES → Parquet path gives the in-memory conversion's table, in chunks."""

from __future__ import annotations

import gzip
from pathlib import Path

import polars as pl
import pytest

from conftest import ParsedLogs, shared_log
from frictionminer.errors import InputError
from frictionminer.io.convert import convert
from frictionminer.io.xes import NotStreamable, split_xes, stream_xes
from frictionminer.settings.load import load_settings


def _both(log: Path, tmp_path: Path, chunk_events: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    settings = load_settings(None)
    memory, streamed = tmp_path / "memory.parquet", tmp_path / "streamed.parquet"
    convert(str(log), memory, settings, stream=False)
    summary = convert(
        str(log), streamed, settings, stream=True, chunk_events=chunk_events, workers=0
    )
    assert summary.streamed and summary.chunks > 3
    return pl.read_parquet(memory), pl.read_parquet(streamed)


@pytest.mark.parametrize(
    "relative",
    ["helpdesk/helpdesk.xes.gz", "bpic2013/BPI_Challenge_2013_closed_problems.xes.gz"],
)
def test_streamed_equals_in_memory(tmp_path: Path, relative: str) -> None:
    memory, streamed = _both(shared_log(relative), tmp_path, chunk_events=1500)
    assert streamed.schema == memory.schema
    assert streamed.equals(memory)
    assert memory.height == {"helpdesk": 21_348, "bpic2013": 6_660}[relative.split("/")[0]]


def test_globals_are_not_filled_in_chunks(tmp_path: Path, parsed_logs: ParsedLogs) -> None:
    """Permit's header declares <global> defaults ("string" for every (case)_… attribute);
    every chunk is read without them: a missing attribute stays missing, as in one read."""
    name = "bpic2020/PermitLog_cleaned.xes.gz"
    streamed = stream_xes(shared_log(name), tmp_path, chunk_events=20_000, workers=0)
    assert len(streamed.chunks) >= 4
    assert {c.reader for c in streamed.chunks} == {"rustxes"}
    assert sum(c.events for c in streamed.chunks) == 81_092
    parts = [pl.read_parquet(c.part) for c in streamed.chunks]
    chunked = pl.concat(parts, how="diagonal_relaxed")
    whole = parsed_logs.xes(name).frame.collect()
    column = "(case)_Activity_0"  # declared with the default "string" in <global>
    assert chunked[column].null_count() == whole[column].null_count() == 57_005
    filled = [
        c for c, t in chunked.schema.items() if t == pl.String and (chunked[c] == "string").any()
    ]
    assert filled == []


def _xes(traces: list[str]) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0">\n'
        + "".join(traces)
        + "</log>\n"
    )


def _trace(case: str, attr: str) -> str:
    return (
        f'<trace><string key="concept:name" value="{case}"/>'
        f'<event><string key="concept:name" value="a"/>{attr}'
        '<date key="time:timestamp" value="2024-01-02T10:00:00+00:00"/></event>'
        "</trace>\n"
    )


def test_schema_widens_when_a_later_chunk_disagrees(tmp_path: Path) -> None:
    traces = [_trace(f"c{i}", f'<int key="n" value="{i}"/>') for i in range(6)]
    traces += [_trace("c6", '<string key="n" value="seven"/>')]
    traces += [_trace(f"f{i}", f'<float key="x" value="{i}.5"/>') for i in range(3)]
    traces += [_trace(f"g{i}", f'<int key="x" value="{i}"/>') for i in range(3)]
    src = tmp_path / "mixed.xes"
    src.write_text(_xes(traces))
    out = tmp_path / "out.parquet"
    summary = convert(str(src), out, load_settings(None), stream=True, chunk_events=2, workers=0)
    df = pl.read_parquet(out)
    assert df.schema["n"] == pl.String and df.schema["x"] == pl.Float64
    assert df["n"].to_list()[:7] == ["0", "1", "2", "3", "4", "5", "seven"]
    assert df["x"].drop_nulls().to_list() == [0.5, 1.5, 2.5, 0.0, 1.0, 2.0]
    codes = {f.code: f for f in summary.findings}
    assert "mixed-attribute-types" in codes and "n" in codes["mixed-attribute-types"].message


def test_bad_value_in_a_late_chunk_names_the_original_line(tmp_path: Path) -> None:
    traces = [_trace(f"c{i}", "") for i in range(8)]
    traces.append(_trace("bad", '<int key="n" value="x4"/>'))
    src = tmp_path / "bad.xes.gz"
    text = _xes(traces)
    with gzip.open(src, "wt") as fh:
        fh.write(text)
    line = 1 + text[: text.index('value="x4"')].count("\n")
    with pytest.raises(InputError, match=rf"line {line}: <int key='n'> has value 'x4'"):
        convert(
            str(src),
            tmp_path / "o.parquet",
            load_settings(None),
            stream=True,
            chunk_events=2,
            workers=0,
        )
    assert not (tmp_path / "o.parquet").exists()


def test_truncated_file_is_an_error(tmp_path: Path) -> None:
    src = tmp_path / "cut.xes"
    src.write_text(_xes([_trace("a", ""), _trace("b", "")]).replace("</log>\n", ""))
    with pytest.raises(InputError, match="without </log>"):
        list(split_xes(src, str(src), tmp_path, 1))


def test_comments_in_the_body_fall_back_to_memory(tmp_path: Path) -> None:
    src = tmp_path / "c.xes"
    src.write_text(_xes([_trace("a", ""), "<!-- </trace> -->\n", _trace("b", "")]))
    with pytest.raises(NotStreamable):
        list(split_xes(src, str(src), tmp_path, 1))
    out = tmp_path / "c.parquet"
    summary = convert(str(src), out, load_settings(None), stream=True, workers=0)
    assert not summary.streamed and pl.read_parquet(out).height == 2


def test_worker_processes_give_the_same_table(tmp_path: Path) -> None:
    helpdesk = shared_log("helpdesk/helpdesk.xes.gz")
    settings = load_settings(None)
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    convert(str(helpdesk), a, settings, stream=True, chunk_events=5000, workers=0)
    summary = convert(str(helpdesk), b, settings, stream=True, chunk_events=5000, workers=2)
    assert summary.streamed and summary.chunks == 5  # 21,348 events in chunks of 5,000
    in_process, in_workers = pl.read_parquet(a), pl.read_parquet(b)
    assert in_workers.height == 21_348 and in_workers["case_id"].n_unique() == 4_580
    assert in_workers.equals(in_process)
